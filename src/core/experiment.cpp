// Experiments: control-group assignment, the conversion window and the
// comparison of two conversion rates. See experiment.hpp for the methods.
#include "experiment.hpp"

#include <cmath>

namespace hookcast {
namespace {

constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

std::uint64_t fnv1a(std::uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

// MurmurHash3's 64-bit finalizer: every input bit affects every output bit,
// so `h mod 10000` is uniform even where FNV's low bits are not.
std::uint64_t fmix64(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

}  // namespace

std::optional<int> control_basis_points(double percent) {
  if (!std::isfinite(percent) || percent < 0 || percent > kMaxControlBasisPoints / 100.0)
    return std::nullopt;
  const double scaled = percent * 100;
  const double whole = std::round(scaled);
  // 1e-6 of a basis point: far above double rounding, far below 0.001 %.
  if (std::fabs(scaled - whole) > 1e-6) return std::nullopt;
  return static_cast<int>(whole);
}

std::uint32_t experiment_bucket(std::string_view campaign_key, std::string_view user_id) {
  std::uint64_t h = fnv1a(kFnvOffset, campaign_key);
  h = fnv1a(h, std::string_view("\0", 1));  // the separator: ("ab","c") ≠ ("a","bc")
  h = fnv1a(h, user_id);
  return static_cast<std::uint32_t>(fmix64(h) % kExperimentBuckets);
}

bool in_control_group(std::string_view campaign_key, std::string_view user_id,
                      int control_basis_points) {
  if (control_basis_points <= 0) return false;
  return experiment_bucket(campaign_key, user_id) <
         static_cast<std::uint32_t>(control_basis_points);
}

bool converts_within(std::int64_t send_start_ms, std::int64_t event_at_ms, std::int64_t within_ms) {
  if (event_at_ms < send_start_ms || within_ms < 0) return false;
  // event_at − send_start cannot overflow: both are times a Date can hold.
  return event_at_ms - send_start_ms <= within_ms;
}

Interval wilson_interval(std::int64_t x, std::int64_t n, double z) {
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(x) / nn;
  const double z2 = z * z;
  const double denominator = nn + z2;
  const double center = (static_cast<double>(x) + z2 / 2) / denominator;
  const double half = z * std::sqrt(nn * p * (1 - p) + z2 / 4) / denominator;
  // At x = 0 or x = n one end is exactly 0 or 1; rounding must not cross it.
  return {x == 0 ? 0.0 : center - half, x == n ? 1.0 : center + half};
}

std::optional<Uplift> compare_groups(GroupCounts sent, GroupCounts control) {
  for (const GroupCounts& g : {sent, control})
    if (g.users < kMinUsersPerGroup || g.converted < 0 || g.converted > g.users)
      return std::nullopt;
  const double n1 = static_cast<double>(sent.users);
  const double n2 = static_cast<double>(control.users);
  const double p1 = static_cast<double>(sent.converted) / n1;
  const double p2 = static_cast<double>(control.converted) / n2;
  Uplift u;
  u.absolute = p1 - p2;
  if (control.converted > 0) u.relative = u.absolute / p2;

  const Interval w1 = wilson_interval(sent.converted, sent.users, kZ95);
  const Interval w2 = wilson_interval(control.converted, control.users, kZ95);
  u.ci_low =
      u.absolute - std::sqrt((p1 - w1.low) * (p1 - w1.low) + (w2.high - p2) * (w2.high - p2));
  u.ci_high =
      u.absolute + std::sqrt((w1.high - p1) * (w1.high - p1) + (p2 - w2.low) * (p2 - w2.low));

  const double pooled = static_cast<double>(sent.converted + control.converted) / (n1 + n2);
  const double variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (variance <= 0) {
    u.p_value = 1;
  } else {
    const double z = u.absolute / std::sqrt(variance);
    u.p_value = std::erfc(std::fabs(z) / std::sqrt(2.0));
  }
  return u;
}

}  // namespace hookcast
