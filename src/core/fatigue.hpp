// Fatigue: whether one more message may reach a user, from the user's send
// ledger. Two rules, checked in this order (docs/design.md "Who gets a message"):
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
//      `frequency_cap` when that count ≥ limit. Control-group records (a
//      user an experiment held back, LedgerEntry::control) count for rule 1
//      only: the user received nothing.
//
// Times are epoch milliseconds; send_at is the send start time (a schedule's
// run time, the triggering event's time, the API call's time). The cap
// settings check is in frequency_capping.hpp. This file is on the shard's
// hot path (compiled at -O2 in the wasm build) and stays free of nlohmann.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendar.hpp"
#include "problem.hpp"

namespace hookcast {

/// Units of a resend period (`fatigue.resend.unit`): every unit, months too.
inline constexpr TimeUnit kResendUnitList[] = {
    TimeUnit::kMinutes, TimeUnit::kHours, TimeUnit::kDays, TimeUnit::kWeeks, TimeUnit::kMonths};
constexpr TimeUnits kResendUnits = units_of(kResendUnitList);

/// Units of a frequency-capping period (`rules[i].period.unit`): fixed lengths only.
inline constexpr TimeUnit kCapPeriodUnitList[] = {TimeUnit::kMinutes, TimeUnit::kHours,
                                                  TimeUnit::kDays, TimeUnit::kWeeks};
constexpr TimeUnits kCapPeriodUnits = units_of(kCapPeriodUnitList);

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
  std::int64_t window_ms = 0;       ///< value × unit (read_cap_rules computes it)
};

/// Everything a decision needs about the campaign and the workspace.
struct FatiguePolicy {
  std::string campaign;                ///< the key of the campaign sending
  std::optional<ResendPeriod> resend;  ///< nullopt: once per user
  bool frequency_capping = false;      ///< whether the workspace's caps apply
  std::vector<CapRule> rules;          ///< the workspace's caps (ignored when not applied)
};

/// One of a user's past sends (any campaign), or a control-group record: a
/// candidate an experiment held back (experiment.hpp). A control record
/// counts for its campaign's duplicate rule (the user is never drawn again)
/// but takes no frequency-cap slot: no message reached the user.
struct LedgerEntry {
  std::string_view campaign;
  std::int64_t at = 0;
  bool control = false;
};

/// The verdict for one candidate.
enum class FatigueReason { kOk, kAlreadySent, kResendPeriod, kFrequencyCap };
/// Every reason, in the order of the enum (the batch answer's letters).
inline constexpr FatigueReason kFatigueReasons[] = {FatigueReason::kOk, FatigueReason::kAlreadySent,
                                                    FatigueReason::kResendPeriod,
                                                    FatigueReason::kFrequencyCap};

/// "ok" | "already_sent" | "resend_period" | "frequency_cap".
std::string_view fatigue_reason_name(FatigueReason reason);

/// Decides for one user whose ledger is entries[0..count) (any order).
FatigueReason fatigue_decision(const FatiguePolicy& policy, const LedgerEntry* entries,
                               std::size_t count, std::int64_t send_at_ms);

/// Letter of a reason in a batch answer: 'o' ok, 'a' already_sent,
/// 'r' resend_period, 'f' frequency_cap.
inline char fatigue_reason_letter(FatigueReason reason) { return "oarf"[static_cast<int>(reason)]; }

/// A time in epoch ms as JavaScript's Date holds it (finite, |ms| ≤
/// kMaxTimeMs), floored to a whole millisecond; false otherwise.
bool epoch_ms(double value, std::int64_t& out);

/// Decides every candidate of `ledgers_json`, a JSON array with one ledger
/// (an array of {"campaign": key, "at": ms, "control"?: bool}) per candidate, appending one
/// letter per candidate to `letters`. A ledger of the wrong shape stops the
/// batch: the problem names it ("ledgers[3][1].at"), code invalid_type (or
/// invalid_json). Reuses per-thread scratch memory.
std::optional<Problem> fatigue_batch_json(const FatiguePolicy& policy,
                                          std::string_view ledgers_json, std::int64_t send_at_ms,
                                          std::string& letters);

/// The same from the packed form the wasm binding writes: `keys` the
/// distinct campaign keys, `data` per candidate n, then n triples (key
/// index, at, flags; flags 1 = a control record, 0 = a send); n = −1 marks a
/// ledger that is not a list, key −1 a campaign that is not a string, −2 a
/// send that is not an object, a NaN `at` a time that is not a number, a
/// NaN flag a control that is not true or false. Malformed packing (counts past the end, unknown
/// key indexes) is the problem "ledgers"; nothing is read past `count`.
std::optional<Problem> fatigue_batch_packed(const FatiguePolicy& policy,
                                            const std::vector<std::string>& keys,
                                            const double* data, std::size_t count,
                                            std::int64_t send_at_ms, std::string& letters);

}  // namespace hookcast
