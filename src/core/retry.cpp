#include "retry.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "ascii.hpp"
#include "calendar.hpp"

namespace hookcast {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

using ascii::iequals;
using ascii::is_digit;

// A cursor over the header value for the three HTTP-date formats.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  bool lit(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  // Exactly `n` digits (n > 0), or between min and max digits when n == 0.
  bool digits(int min, int max, int& value) {
    int count = 0;
    value = 0;
    while (i < s.size() && is_digit(s[i]) && count < max) {
      value = value * 10 + (s[i] - '0');
      ++i;
      ++count;
    }
    return count >= min && !(i < s.size() && is_digit(s[i]));
  }
  bool word(std::string_view& out) {
    std::size_t b = i;
    while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
    out = s.substr(b, i - b);
    return i > b;
  }
};

const char* const kShortDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
const char* const kLongDays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                 "Friday", "Saturday", "Sunday"};
const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_day_name(std::string_view w, bool long_form) {
  for (int k = 0; k < 7; ++k)
    if (iequals(w, long_form ? kLongDays[k] : kShortDays[k])) return true;
  return false;
}
int month_number(std::string_view w) {
  for (int k = 0; k < 12; ++k)
    if (iequals(w, kMonths[k])) return k + 1;
  return 0;
}

bool time_of_day(Cursor& c, int& h, int& mi, int& se) {
  return c.digits(2, 2, h) && c.lit(':') && c.digits(2, 2, mi) && c.lit(':') &&
         c.digits(2, 2, se) && h <= 23 && mi <= 59 && se <= 60;
}

// HTTP-date (RFC 9110 section 5.6.7) to Unix epoch milliseconds.
std::optional<std::int64_t> parse_http_date(std::string_view s, std::int64_t now_ms) {
  Cursor c{s};
  std::string_view day;
  if (!c.word(day)) return std::nullopt;
  std::int64_t year = 0;
  int month = 0, mday = 0, h = 0, mi = 0, se = 0;
  if (c.lit(',')) {
    if (!c.lit(' ')) return std::nullopt;
    int d = 0;
    std::string_view mon;
    if (is_day_name(day, false)) {  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
      int y = 0;
      if (!(c.digits(2, 2, d) && c.lit(' ') && c.word(mon) && c.lit(' ') && c.digits(4, 4, y) &&
            c.lit(' ')))
        return std::nullopt;
      year = y;
    } else if (is_day_name(day, true)) {  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
      int yy = 0;
      if (!(c.digits(2, 2, d) && c.lit('-') && c.word(mon) && c.lit('-') && c.digits(2, 2, yy) &&
            c.lit(' ')))
        return std::nullopt;
      // RFC 9110: a two-digit year more than 50 years in the future means
      // the most recent past year with those digits.
      const std::int64_t now_year =
          civil_from_days((now_ms >= 0 ? now_ms : now_ms - 86399999) / 86400000).year;
      year = now_year - (now_year % 100 + 100) % 100 + yy;
      if (year > now_year + 50) year -= 100;
    } else {
      return std::nullopt;
    }
    month = month_number(mon);
    mday = d;
    if (!(time_of_day(c, h, mi, se) && c.lit(' '))) return std::nullopt;
    std::string_view zone;
    if (!c.word(zone) || zone != "GMT" || !c.done()) return std::nullopt;
  } else {  // asctime: Sun Nov  6 08:49:37 1994
    std::string_view mon;
    int y = 0;
    if (!is_day_name(day, false) || !c.lit(' ') || !c.word(mon) || !c.lit(' ')) return std::nullopt;
    c.lit(' ');  // a one-digit day is padded with a space
    if (!(c.digits(1, 2, mday) && c.lit(' ') && time_of_day(c, h, mi, se) && c.lit(' ') &&
          c.digits(4, 4, y) && c.done()))
      return std::nullopt;
    month = month_number(mon);
    year = y;
  }
  if (month == 0 || mday < 1 ||
      static_cast<unsigned>(mday) > days_in_month(year, static_cast<unsigned>(month)))
    return std::nullopt;
  if (se == 60) se = 59;  // a leap second is within the same second for our purpose
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(mday));
  return ((days * 24 + h) * 60 + mi) * 60000 + static_cast<std::int64_t>(se) * 1000;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

RetryDecision decide(bool retry, std::int64_t delay, const char* reason) {
  RetryDecision d;
  d.verdict = retry ? Verdict::kRetry : Verdict::kFailed;
  d.retry = retry;
  d.delay_ms = delay;
  d.reason = reason;
  return d;
}

}  // namespace

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kDelivered:
      return "delivered";
    case Verdict::kRetry:
      return "retry";
    case Verdict::kFailed:
      break;
  }
  return "failed";
}

std::optional<std::int64_t> parse_retry_after(const std::string& value, std::int64_t now_ms) {
  const std::string_view v = ascii::trim_ows(value);
  if (v.empty()) return std::nullopt;
  if (is_digit(v.front())) {
    std::int64_t ms = 0;
    for (char ch : v) {
      if (!is_digit(ch)) return std::nullopt;
      // Saturate instead of overflowing: any value past the cap is the cap.
      if (ms <= (kInt64Max - 9000) / 10) {
        ms = ms * 10 + (ch - '0') * 1000;
      } else {
        ms = kInt64Max;
      }
    }
    return ms;
  }
  std::optional<std::int64_t> at = parse_http_date(v, now_ms);
  if (!at) return std::nullopt;
  std::int64_t delta = 0;
  if (__builtin_sub_overflow(*at, now_ms, &delta)) delta = *at > now_ms ? kInt64Max : 0;
  return delta > 0 ? delta : 0;  // a date in the past means "now"
}

RetryDecision retry_decision(const Outcome& outcome, int attempt, std::int64_t now_ms,
                             const RetryOptions& options) {
  if (attempt < 1) return decide(false, 0, "invalid_outcome");
  const char* reason = nullptr;
  bool retryable = false;
  switch (outcome.kind) {
    case Outcome::Kind::kTimeout:
      reason = "timeout";
      retryable = true;
      break;
    case Outcome::Kind::kNetwork:
      reason = "network_error";
      retryable = true;
      break;
    case Outcome::Kind::kStatus: {
      const int s = outcome.status;
      if (s < 100 || s > 599) return decide(false, 0, "invalid_outcome");
      if (s < 200) return decide(false, 0, "unexpected_status");
      if (s < 300) {
        RetryDecision d = decide(false, 0, "success");
        d.verdict = Verdict::kDelivered;
        return d;
      }
      if (s < 400) return decide(false, 0, "redirect_not_followed");
      if (s == 408) {
        reason = "request_timeout";
      } else if (s == 429) {
        reason = "rate_limited";
      } else if (s < 500) {
        return decide(false, 0, "client_error");
      } else {
        reason = "server_error";
      }
      retryable = true;
      break;
    }
  }
  if (!retryable) return decide(false, 0, reason);
  if (attempt > kMaxRetries) return decide(false, 0, "retries_exhausted");

  std::int64_t delay = kBaseDelayMs << (attempt - 1);  // attempt <= 3 here
  if (delay > kMaxDelayMs) delay = kMaxDelayMs;
  std::int64_t floor = 0;
  if (outcome.kind == Outcome::Kind::kStatus && outcome.retry_after) {
    std::optional<std::int64_t> after = parse_retry_after(*outcome.retry_after, now_ms);
    if (after) {
      floor = *after < kMaxDelayMs ? *after : kMaxDelayMs;
      if (floor > delay) delay = floor;
    }
  }
  if (options.jitter) {
    // Full jitter over [floor, delay]: never earlier than an honoured
    // Retry-After, and reproducible from (seed, attempt).
    const std::uint64_t r =
        splitmix64(options.seed ^ splitmix64(static_cast<std::uint64_t>(attempt)));
    const auto span = static_cast<std::uint64_t>(delay - floor) + 1;
    delay = floor + static_cast<std::int64_t>(r % span);
  }
  return decide(true, delay, reason);
}

}  // namespace hookcast
