// The retry policy: which outcomes a retry can fix, and how long to wait.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hookcast {

/// How one attempt ended: an HTTP status, or a transport error.
struct Outcome {
  enum class Kind { kStatus, kTimeout, kNetwork };
  Kind kind = Kind::kStatus;
  int status = 0;                          ///< for kStatus: 100..599
  std::optional<std::string> retry_after;  ///< raw Retry-After header, if any
};

/// Opt-in jitter: "full" jitter picks the delay uniformly in [0, delay] from a
/// deterministic generator seeded with (seed, attempt). When a Retry-After
/// was honoured, the range starts at it instead of 0, so jitter never sends
/// earlier than the server asked.
struct RetryOptions {
  bool jitter = false;
  std::uint64_t seed = 0;
};

/// What became of the message after this attempt: the one place that says
/// a status counts as delivered.
enum class Verdict {
  kDelivered,  ///< a 2xx: done
  kRetry,      ///< send again after delay_ms
  kFailed,     ///< final: not retryable, or retries exhausted
};

/// "delivered", "retry" or "failed".
const char* verdict_name(Verdict verdict);

struct RetryDecision {
  Verdict verdict = Verdict::kFailed;
  bool retry = false;  ///< verdict == kRetry
  std::int64_t delay_ms = 0;
  /// Stable reason word: "success", "redirect_not_followed", "client_error",
  /// "request_timeout", "rate_limited", "server_error", "timeout",
  /// "network_error", "retries_exhausted", "invalid_outcome", ...
  std::string reason;
};

constexpr int kMaxRetries = 3;               ///< attempts 2..4 are retries
constexpr std::int64_t kBaseDelayMs = 1000;  ///< 1 s, 2 s, 4 s
constexpr std::int64_t kMaxDelayMs = 10000;  ///< every delay capped at 10 s

/// Decides after attempt number `attempt` (1 = the first send) ended with
/// `outcome`. `now_ms` (Unix epoch ms) resolves a Retry-After HTTP date.
RetryDecision retry_decision(const Outcome& outcome, int attempt, std::int64_t now_ms,
                             const RetryOptions& options = {});

/// Parses a Retry-After value (delta-seconds or IMF-fixdate/RFC 850/asctime)
/// into milliseconds from now; nullopt when it is garbage or negative. A date
/// in the past gives 0; values beyond int64 milliseconds saturate. Day and
/// month names are matched without regard to case; the zone must be "GMT".
std::optional<std::int64_t> parse_retry_after(const std::string& value, std::int64_t now_ms);

}  // namespace hookcast
