// The retry policy: which outcomes retry, backoff, Retry-After, jitter.
#include "retry.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

namespace hookcast {
namespace {

// 1994-11-06T08:49:37Z, the RFC 9110 example date.
constexpr std::int64_t kExampleMs = 784111777000;

Outcome status(int s, const char* retry_after = nullptr) {
  Outcome o;
  o.kind = Outcome::Kind::kStatus;
  o.status = s;
  if (retry_after) o.retry_after = std::string(retry_after);
  return o;
}
Outcome transport(Outcome::Kind k) {
  Outcome o;
  o.kind = k;
  return o;
}

struct Row {
  int status;
  bool retry;
  const char* reason;
};

TEST(RetryDecision, StatusTable) {
  const Row rows[] = {
      {200, false, "success"},
      {201, false, "success"},
      {204, false, "success"},
      {299, false, "success"},
      {100, false, "unexpected_status"},
      {101, false, "unexpected_status"},
      {199, false, "unexpected_status"},
      {300, false, "redirect_not_followed"},
      {301, false, "redirect_not_followed"},
      {302, false, "redirect_not_followed"},
      {307, false, "redirect_not_followed"},
      {308, false, "redirect_not_followed"},
      {400, false, "client_error"},
      {401, false, "client_error"},
      {403, false, "client_error"},
      {404, false, "client_error"},
      {409, false, "client_error"},
      {499, false, "client_error"},
      {408, true, "request_timeout"},
      {429, true, "rate_limited"},
      {500, true, "server_error"},
      {502, true, "server_error"},
      {503, true, "server_error"},
      {599, true, "server_error"},
      {0, false, "invalid_outcome"},
      {99, false, "invalid_outcome"},
      {600, false, "invalid_outcome"},
      {-1, false, "invalid_outcome"},
  };
  for (const Row& r : rows) {
    const RetryDecision d = retry_decision(status(r.status), 1, 0);
    EXPECT_EQ(d.retry, r.retry) << r.status;
    EXPECT_EQ(d.reason, r.reason) << r.status;
    EXPECT_EQ(d.delay_ms, r.retry ? 1000 : 0) << r.status;
  }
}

TEST(RetryDecision, TransportErrorsRetry) {
  RetryDecision d = retry_decision(transport(Outcome::Kind::kTimeout), 1, 0);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.reason, "timeout");
  d = retry_decision(transport(Outcome::Kind::kNetwork), 2, 0);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.reason, "network_error");
  EXPECT_EQ(d.delay_ms, 2000);
}

TEST(RetryDecision, BackoffIsOneTwoFourThenExhausted) {
  EXPECT_EQ(retry_decision(status(500), 1, 0).delay_ms, 1000);
  EXPECT_EQ(retry_decision(status(500), 2, 0).delay_ms, 2000);
  EXPECT_EQ(retry_decision(status(500), 3, 0).delay_ms, 4000);
  for (int attempt : {4, 5, 100, 2147483647}) {
    RetryDecision d = retry_decision(status(503, "1"), attempt, 0);
    EXPECT_FALSE(d.retry) << attempt;
    EXPECT_EQ(d.reason, "retries_exhausted") << attempt;
    EXPECT_EQ(d.delay_ms, 0);
    d = retry_decision(transport(Outcome::Kind::kTimeout), attempt, 0);
    EXPECT_EQ(d.reason, "retries_exhausted");
  }
}

TEST(RetryDecision, FinalOutcomesKeepTheirReasonAfterTheLastAttempt) {
  EXPECT_EQ(retry_decision(status(200), 4, 0).reason, "success");
  EXPECT_EQ(retry_decision(status(404), 4, 0).reason, "client_error");
  EXPECT_EQ(retry_decision(status(301), 9, 0).reason, "redirect_not_followed");
}

TEST(RetryDecision, InvalidAttempt) {
  for (int attempt : {0, -1, -2147483647 - 1}) {
    RetryDecision d = retry_decision(status(500), attempt, 0);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.reason, "invalid_outcome");
  }
}

TEST(RetryAfter, DeltaSecondsRaiseTheDelayUpToTheCap) {
  EXPECT_EQ(retry_decision(status(429, "3"), 1, 0).delay_ms, 3000);
  EXPECT_EQ(retry_decision(status(429, " 5\t"), 1, 0).delay_ms, 5000);
  EXPECT_EQ(retry_decision(status(503, "0"), 2, 0).delay_ms, 2000);  // backoff wins
  EXPECT_EQ(retry_decision(status(503, "1"), 3, 0).delay_ms, 4000);
  EXPECT_EQ(retry_decision(status(503, "120"), 1, 0).delay_ms, 10000);
  EXPECT_EQ(retry_decision(status(503, "99999999999999999999"), 1, 0).delay_ms, 10000);
  EXPECT_EQ(retry_decision(status(408, "7"), 1, 0).delay_ms, 7000);
  EXPECT_EQ(retry_decision(status(500, "6"), 1, 0).delay_ms, 6000);
}

TEST(RetryAfter, GarbageIsIgnored) {
  for (const char* v : {"",
                        "  ",
                        "-5",
                        "+5",
                        "1.5",
                        "5s",
                        "abc",
                        "0x10",
                        "Tomorrow",
                        "5 5",
                        "Sun, 06 Nov 1994 08:49:37 PST",
                        "Sun, 31 Nov 1994 08:49:37 GMT",
                        "Sun, 06 Nov 1994 24:00:00 GMT",
                        "Sun, 6 Nov 1994 08:49:37 GMT",
                        "Sun, 06 Nov 1994 08:49:37 GMT x",
                        "Sunday, 06-Nov-1994 08:49:37 GMT",
                        "Sun Nov  6 08:49:37 94",
                        "Xyz, 06 Nov 1994 08:49:37 GMT",
                        "Sun, 06 Abc 1994 08:49:37 GMT",
                        "Sun, 29 Feb 1993 00:00:00 GMT"}) {
    EXPECT_FALSE(parse_retry_after(v, kExampleMs).has_value()) << "'" << v << "'";
    EXPECT_EQ(retry_decision(status(429, v), 1, kExampleMs).delay_ms, 1000) << "'" << v << "'";
  }
}

TEST(RetryAfter, ParsesDeltaSeconds) {
  EXPECT_EQ(parse_retry_after("0", 0), 0);
  EXPECT_EQ(parse_retry_after("42", 0), 42000);
  EXPECT_EQ(parse_retry_after("007", 0), 7000);
  const auto huge = parse_retry_after("99999999999999999999999999", 0);
  ASSERT_TRUE(huge.has_value());
  EXPECT_GT(*huge, 10000);
}

TEST(RetryAfter, ParsesTheThreeHttpDateFormats) {
  const std::int64_t now = kExampleMs - 5000;
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 5000);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), 5000);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), 5000);
  EXPECT_EQ(parse_retry_after("Sun Nov 06 08:49:37 1994", now), 5000);
  EXPECT_EQ(parse_retry_after("Thu, 01 Jan 1970 00:00:08 GMT", 0), 8000);
  EXPECT_EQ(parse_retry_after("Tue, 29 Feb 2000 00:00:00 GMT", 951782400000 - 1), 1);
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", 253402300798000), 1000);
}

TEST(RetryAfter, Rfc850TwoDigitYearIsTheMostRecentPastCentury) {
  // now = 2024-01-01T00:00:00Z: "24" is 2024 and "99" is 1999 (not 2099).
  const std::int64_t now = 1704067200000;
  EXPECT_EQ(parse_retry_after("Monday, 01-Jan-24 00:00:03 GMT", now), 3000);
  EXPECT_EQ(parse_retry_after("Friday, 31-Dec-99 23:59:59 GMT", now), 0);
  // "74" is 50 years ahead at most: 2074.
  EXPECT_EQ(parse_retry_after("Monday, 01-Jan-74 00:00:00 GMT", now),
            std::int64_t{3281990400000} - now);
}

TEST(RetryAfter, DatesInThePastFallBackToBackoff) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", kExampleMs + 1), 0);
  EXPECT_EQ(
      retry_decision(status(503, "Sun, 06 Nov 1994 08:49:37 GMT"), 2, kExampleMs + 1).delay_ms,
      2000);
  EXPECT_EQ(retry_decision(status(503, "Sun, 06 Nov 1994 08:49:45 GMT"), 1, kExampleMs).delay_ms,
            8000);
  EXPECT_EQ(retry_decision(status(503, "Sun, 06 Nov 1994 09:49:37 GMT"), 1, kExampleMs).delay_ms,
            10000);
}

TEST(RetryAfter, ExtremeNowDoesNotOverflow) {
  const std::int64_t lo = INT64_MIN;
  const std::int64_t hi = INT64_MAX;
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", hi), 0);
  auto far = parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", lo);
  ASSERT_TRUE(far.has_value());
  EXPECT_GT(*far, 0);
  EXPECT_EQ(retry_decision(status(503, "Sun, 06 Nov 1994 08:49:37 GMT"), 1, lo).delay_ms, 10000);
  EXPECT_TRUE(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", lo).has_value());
}

TEST(RetryJitter, DeterministicAndWithinRange) {
  RetryOptions j;
  j.jitter = true;
  j.seed = 42;
  std::set<std::int64_t> seen;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    j.seed = seed;
    for (int attempt = 1; attempt <= 3; ++attempt) {
      const RetryDecision a = retry_decision(status(500), attempt, 0, j);
      const RetryDecision b = retry_decision(status(500), attempt, 0, j);
      EXPECT_EQ(a.delay_ms, b.delay_ms);
      EXPECT_TRUE(a.retry);
      EXPECT_GE(a.delay_ms, 0);
      EXPECT_LE(a.delay_ms, 1000 << (attempt - 1));
      seen.insert(a.delay_ms);
    }
  }
  EXPECT_GT(seen.size(), 300u);  // spread, not a constant
  j.seed = 7;
  EXPECT_NE(retry_decision(status(500), 1, 0, j).delay_ms,
            retry_decision(status(500), 2, 0, j).delay_ms);
}

TEST(RetryJitter, NeverEarlierThanAnHonouredRetryAfter) {
  RetryOptions j;
  j.jitter = true;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    j.seed = seed;
    const std::int64_t d = retry_decision(status(429, "6"), 1, 0, j).delay_ms;
    EXPECT_EQ(d, 6000);  // Retry-After above backoff: the floor is the delay itself
    const std::int64_t e = retry_decision(status(429, "60"), 1, 0, j).delay_ms;
    EXPECT_EQ(e, 10000);
  }
}

TEST(RetryJitter, NoEffectOnFinalOutcomes) {
  RetryOptions j;
  j.jitter = true;
  j.seed = 3;
  const RetryDecision d = retry_decision(status(200), 1, 0, j);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.delay_ms, 0);
}

}  // namespace
}  // namespace hookcast
