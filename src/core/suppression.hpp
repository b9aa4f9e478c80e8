// Why a candidate of a campaign was not sent: the reasons a campaign's
// `stats.suppressed`, an API send's answer and an audience check count. The
// names are part of the HTTP contract; the edge and the console read them
// from the engine (engine.vocabulary()), never from a copy.
#pragma once

#include <string_view>

namespace hookcast {

/// One reason a candidate was held back.
enum class SuppressionReason {
  kAlreadySent,      ///< the campaign's duplicate rule, no resend period
  kResendPeriod,     ///< the resend period has not passed since the last send
  kFrequencyCap,     ///< a workspace frequency cap is full
  kNotInCohort,      ///< not in the target cohort at the send time
  kPersonalization,  ///< the engine refused this user's render
  kCancelled,        ///< the campaign ended before the message was dispatched
  kControl,          ///< drawn into the campaign's control group
  kSchedulePassed,   ///< the user's local schedule time had passed at start
};

/// Every reason, in the order the HTTP contract lists `stats.suppressed`.
inline constexpr SuppressionReason kSuppressionReasons[] = {
    SuppressionReason::kAlreadySent,     SuppressionReason::kResendPeriod,
    SuppressionReason::kFrequencyCap,    SuppressionReason::kNotInCohort,
    SuppressionReason::kPersonalization, SuppressionReason::kCancelled,
    SuppressionReason::kControl,         SuppressionReason::kSchedulePassed};

/// The checks a candidate goes through, in the order they are made; the
/// first that holds it back is its reason (a candidate that passes every
/// other check may still be drawn into the control group). An API send's
/// `suppressed` answers each of them (zeros included).
inline constexpr SuppressionReason kCandidateChecks[] = {
    SuppressionReason::kNotInCohort,     SuppressionReason::kAlreadySent,
    SuppressionReason::kResendPeriod,    SuppressionReason::kFrequencyCap,
    SuppressionReason::kPersonalization, SuppressionReason::kControl};

/// The contract's name of a reason: "already_sent", "schedule_passed", ...
constexpr std::string_view suppression_reason_name(SuppressionReason reason) {
  switch (reason) {
    case SuppressionReason::kAlreadySent:
      return "already_sent";
    case SuppressionReason::kResendPeriod:
      return "resend_period";
    case SuppressionReason::kFrequencyCap:
      return "frequency_cap";
    case SuppressionReason::kNotInCohort:
      return "not_in_cohort";
    case SuppressionReason::kPersonalization:
      return "personalization";
    case SuppressionReason::kCancelled:
      return "cancelled";
    case SuppressionReason::kControl:
      return "control";
    case SuppressionReason::kSchedulePassed:
      break;
  }
  return "schedule_passed";
}

}  // namespace hookcast
