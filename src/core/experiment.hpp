// Experiments: which candidates form a campaign's control group, when a goal
// event counts as a conversion, and what the two groups' conversion rates
// say about the campaign's effect. Pure functions: no clock, no randomness
// (the assignment is a hash, so it is the same on every run and machine).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "calendar.hpp"

namespace hookcast {

/// Units of `experiment.goal.within` (fixed lengths; at most 30 days in all).
inline constexpr TimeUnit kGoalWithinUnitList[] = {TimeUnit::kMinutes, TimeUnit::kHours,
                                                   TimeUnit::kDays, TimeUnit::kWeeks};
constexpr TimeUnits kGoalWithinUnits = units_of(kGoalWithinUnitList);

/// The control share is given in percent with at most two decimals
/// (controlPercent 0..50), held here as basis points: 10 % is 1000.
constexpr int kMaxControlBasisPoints = 5000;

/// The control share `percent` (0..50, at most two decimals) as basis
/// points, or nullopt when it is not such a number (NaN, negative, above
/// 50, or with a third decimal: 12.345). Tolerates the binary rounding of
/// decimals (12.34 is 1234 basis points although 12.34 × 100 is not exact).
std::optional<int> control_basis_points(double percent);

/// The longest conversion window of a goal: 30 days.
constexpr std::int64_t kMaxGoalWithinMs = 30LL * 24 * 3600 * 1000;

/// Buckets of the assignment: a user falls in bucket 0..9999.
constexpr std::uint32_t kExperimentBuckets = 10000;

/// The stable bucket (0..kExperimentBuckets-1) of `user_id` in campaign
/// `campaign_key`. The hash, so that anyone can recompute it:
///   h = FNV-1a 64 (offset 0xcbf29ce484222325, prime 0x100000001b3) over the
///       UTF-8 bytes of campaign_key, then one 0x00 byte, then the bytes of
///       user_id;
///   h = MurmurHash3's fmix64 finalizer of h (spreads FNV's weak low bits);
///   bucket = h mod 10000.
std::uint32_t experiment_bucket(std::string_view campaign_key, std::string_view user_id);

/// True when the user belongs to the control group: bucket < basis points.
/// A share of 0 puts nobody in control; 5000 puts half of the buckets there.
bool in_control_group(std::string_view campaign_key, std::string_view user_id,
                      int control_basis_points);

/// A goal event at `event_at_ms` converts a user whose (would-be) send
/// started at `send_start_ms` when send_start_ms ≤ event_at_ms ≤
/// send_start_ms + within_ms: the window is closed at both ends, and an
/// event before the send never counts.
bool converts_within(std::int64_t send_start_ms, std::int64_t event_at_ms, std::int64_t within_ms);

/// Users and conversions of one group.
struct GroupCounts {
  std::int64_t users = 0;
  std::int64_t converted = 0;  ///< 0 ≤ converted ≤ users
};

/// The smallest group for which an uplift is reported.
constexpr std::int64_t kMinUsersPerGroup = 30;

/// The campaign's effect on the conversion rate, sent group minus control.
struct Uplift {
  double absolute = 0;  ///< rate(sent) − rate(control), as a fraction (0.012 = 1.2 points)
  std::optional<double> relative;  ///< absolute / rate(control); nullopt when rate(control) is 0
  double ci_low = 0;  ///< 95 % interval of `absolute`: Newcombe's hybrid score interval
  double ci_high = 0;
  double p_value = 1;  ///< two-sided pooled z-test (Pearson χ², no continuity correction)
};

/// Compares the two groups. Method (Newcombe 1998, method 10): the 95 %
/// interval of the difference combines each group's Wilson score interval,
///   lo = d − sqrt((p1 − l1)² + (u2 − p2)²),  hi = d + sqrt((u1 − p1)² + (p2 − l2)²),
/// which keeps its coverage near 95 % for small groups and rates near 0 or 1
/// where the textbook Wald interval does not. The p-value is the two-sided
/// score test of equal rates with the pooled rate (identical to Pearson's χ²
/// test of the 2×2 table without continuity correction); 1 when both groups
/// convert at 0 % or both at 100 %. nullopt when a group has fewer than
/// kMinUsersPerGroup users or the counts are impossible (converted > users,
/// negative numbers).
std::optional<Uplift> compare_groups(GroupCounts sent, GroupCounts control);

/// The Wilson score interval of x successes in n trials at z (n > 0).
struct Interval {
  double low = 0;
  double high = 0;
};
Interval wilson_interval(std::int64_t x, std::int64_t n, double z);

/// The standard normal quantile of 0.975, the z of every 95 % interval here.
constexpr double kZ95 = 1.959963984540054;

}  // namespace hookcast
