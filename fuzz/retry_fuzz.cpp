// Fuzzes the Retry-After parser and the retry decision built on it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "retry.hpp"

namespace {
// Aborts (not assert: the replay build defines NDEBUG) when the check fails.
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first 8 bytes (when present) pick "now", the rest is the header value.
  std::int64_t now = 784111777000;  // 1994-11-06T08:49:37Z
  if (size >= 8) {
    std::memcpy(&now, data, 8);
    data += 8;
    size -= 8;
  }
  const std::string value(reinterpret_cast<const char*>(data), size);
  const auto ms = hookcast::parse_retry_after(value, now);
  check(!ms || *ms >= 0);
  for (int status : {429, 503, 500, 408, 200}) {
    for (int attempt = 0; attempt <= 5; ++attempt) {
      hookcast::Outcome o;
      o.status = status;
      o.retry_after = value;
      hookcast::RetryOptions options;
      options.jitter = (attempt & 1) != 0;
      options.seed = static_cast<std::uint64_t>(now);
      const hookcast::RetryDecision d = hookcast::retry_decision(o, attempt, now, options);
      check(d.delay_ms >= 0 && d.delay_ms <= hookcast::kMaxDelayMs);
      check(d.retry == (status != 200 && attempt >= 1 && attempt <= hookcast::kMaxRetries));
      check(!d.reason.empty());
      if (d.retry && !options.jitter) {
        const std::int64_t backoff = std::int64_t{1000} << (attempt - 1);
        check(d.delay_ms >= backoff);
      }
    }
  }
  return 0;
}
