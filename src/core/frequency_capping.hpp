// The workspace's frequency-capping settings: how many messages a user may
// get per rolling period, at most 10 rules, periods of at most 30 days.
// What the rules decide for a send is fatigue.hpp's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "fatigue.hpp"
#include "problem.hpp"

namespace hookcast {

constexpr std::size_t kMaxCapRules = 10;  ///< rules in the workspace's frequency capping
constexpr std::int64_t kMaxCapWindowMs = 30LL * 86'400'000;  ///< a cap period is ≤ 30 days
constexpr std::int64_t kMaxCapLimit = 1'000'000;             ///< messages per period
constexpr std::int64_t kMaxCapPeriodValue =
    1'000'000'000;  ///< period.value (so any longer period is period_too_long)

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
