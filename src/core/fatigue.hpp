// Fatigue: whether one more message may reach a user, from the user's send
// ledger. Two rules, checked in this order (DESIGN.md "Who gets a message"):
//
//   1. The campaign's duplicate rule. A user who has any send of this
//      campaign is `already_sent` when the campaign has no resend period;
//      with one, the user is `resend_period` while
//        send_at < add_period(last send of this campaign, every, unit)
//      and passes from that instant on (so exactly one period later is
//      allowed). Months are calendar months (same day, clamped to the
//      month's end, UTC), as calendar.hpp's add_period.
//   2. The workspace's frequency caps, only when the campaign applies them.
//      Every rule must have room (AND). A rule counts the user's sends of
//      every campaign whose time lies in the rolling window
//        (send_at − period, send_at]
//      i.e. a send exactly one period before send_at has left the window, a
//      send at send_at itself is in it, and a send after send_at (a ledger
//      entry later than this send's start time) is not counted. The user is
//      `frequency_cap` when that count ≥ limit.
//
// Times are epoch milliseconds; send_at is the send start time (a schedule's
// run time, the triggering event's time, the API call's time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendar.hpp"
#include "problem.hpp"

namespace hookcast {

constexpr std::size_t kMaxCapRules = 10;  ///< rules in the workspace's frequency capping
constexpr std::int64_t kMaxCapWindowMs = 30LL * 86'400'000;  ///< a cap period is ≤ 30 days
constexpr std::int64_t kMaxCapLimit = 1'000'000;             ///< messages per period
constexpr std::int64_t kMaxCapPeriodValue =
    1'000'000'000;  ///< period.value (so any longer period is period_too_long)

/// A campaign's resend period (fatigue.resend).
struct ResendPeriod {
  std::int64_t every = 1;
  TimeUnit unit = TimeUnit::kDays;
};

/// One frequency-capping rule: at most `limit` messages per `value` `unit`.
struct CapRule {
  std::int64_t limit = 1;
  std::int64_t value = 1;
  TimeUnit unit = TimeUnit::kDays;  ///< minutes, hours, days or weeks (fixed lengths)
  std::int64_t window_ms = 0;       ///< value × unit, computed by check_frequency_capping
};

/// Everything a decision needs about the campaign and the workspace.
struct FatiguePolicy {
  std::string campaign;                ///< the key of the campaign sending
  std::optional<ResendPeriod> resend;  ///< nullopt: once per user
  bool frequency_capping = false;      ///< whether the workspace's caps apply
  std::vector<CapRule> rules;          ///< the workspace's caps (ignored when not applied)
};

/// One of a user's past sends (any campaign).
struct LedgerEntry {
  std::string_view campaign;
  std::int64_t at = 0;
};

/// The verdict for one candidate.
enum class FatigueReason { kOk, kAlreadySent, kResendPeriod, kFrequencyCap };

/// "ok" | "already_sent" | "resend_period" | "frequency_cap".
std::string_view fatigue_reason_name(FatigueReason reason);

/// Decides for one user whose ledger is entries[0..count) (any order).
FatigueReason fatigue_decision(const FatiguePolicy& policy, const LedgerEntry* entries,
                               std::size_t count, std::int64_t send_at_ms);

/// Checks the workspace's frequency-capping settings `{rules: [{limit,
/// period: {value, unit}}]}`: at most 10 rules, limit a whole number ≥ 1,
/// period.value a whole number ≥ 1, unit minutes|hours|days|weeks, period at
/// most 30 days (`period_too_long`; never clamped). Paths such as
/// `rules[1].period.value`. When no problem is found and `rules` is given,
/// fills it (window_ms set).
Problems check_frequency_capping(const nlohmann::json& settings, std::vector<CapRule>* rules);

/// Reads the cap rules of a policy (same checks, paths under `base`, e.g.
/// "policy.rules"); fills `rules` when there is no problem.
Problems read_cap_rules(const nlohmann::json& rules_json, const std::string& base,
                        std::vector<CapRule>* rules);

}  // namespace hookcast
