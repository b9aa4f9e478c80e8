#include "calendar.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookcast {
namespace {

constexpr std::int64_t kMsPerMinute = 60'000;
constexpr std::int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr std::int64_t kMsPerDay = 24 * kMsPerHour;

std::int64_t clamp_time(std::int64_t ms) {
  return ms > kMaxTimeMs ? kMaxTimeMs : ms < -kMaxTimeMs ? -kMaxTimeMs : ms;
}

// Floor division: a time before 1970 still lands on its own day.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// A cursor over ASCII text.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  bool peek(char c) const { return i < s.size() && s[i] == c; }
  bool lit(char c) {
    if (!peek(c)) return false;
    ++i;
    return true;
  }
  // Exactly n digits.
  bool digits(int n, int& value) {
    if (s.size() - i < static_cast<std::size_t>(n)) return false;
    int v = 0;
    for (int k = 0; k < n; ++k) {
      const char c = s[i + static_cast<std::size_t>(k)];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += static_cast<std::size_t>(n);
    value = v;
    return true;
  }
};

// The offset after a time, if any: `Z`/`z`, `±HH:MM`, and in ISO 8601's
// wider syntax `±HHMM` and `±HH`. `real` tells whether it is at most ±23:59.
bool parse_offset(Cursor& c, DateTimeParts& p, Iso8601Syntax syntax, bool& real) {
  if (c.lit('Z') || c.lit('z')) {
    p.has_offset = true;
    return true;
  }
  if (!c.peek('+') && !c.peek('-')) return true;  // no offset
  const int sign = c.s[c.i] == '-' ? -1 : 1;
  ++c.i;
  int h = 0, m = 0;
  if (!c.digits(2, h)) return false;
  if (c.lit(':')) {
    if (!c.digits(2, m)) return false;
  } else if (syntax == Iso8601Syntax::kRfc3339) {
    return false;
  } else if (!c.done() && !c.digits(2, m)) {
    return false;
  }
  p.has_offset = true;
  p.offset_minutes = sign * (h * 60 + m);
  real = h <= 23 && m <= 59;
  return true;
}

}  // namespace

bool TimeUnits::contains(TimeUnit unit) const {
  for (const TimeUnit u : *this)
    if (u == unit) return true;
  return false;
}

std::string time_unit_names(TimeUnits units) {
  std::string out;
  for (std::size_t i = 0; i < units.count; ++i) {
    if (i) out += i + 1 == units.count ? " or " : ", ";
    out += '"';
    out += time_unit_name(units.first[i]);
    out += '"';
  }
  return out;
}

std::optional<TimeUnit> parse_time_unit(std::string_view name) {
  for (TimeUnit u : kTimeUnits)
    if (time_unit_name(u) == name) return u;
  return std::nullopt;
}

std::string_view time_unit_name(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMinutes:
      return "minutes";
    case TimeUnit::kHours:
      return "hours";
    case TimeUnit::kDays:
      return "days";
    case TimeUnit::kWeeks:
      return "weeks";
    case TimeUnit::kMonths:
      return "months";
  }
  return "";
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[(m - 1) % 12];
}

Iso8601Reading read_iso8601(std::string_view text, Iso8601Syntax syntax) {
  const bool rfc = syntax == Iso8601Syntax::kRfc3339;
  Cursor c{text};
  Iso8601Reading r;
  DateTimeParts& p = r.parts;
  bool real_offset = true;
  if (!(c.digits(4, p.year) && c.lit('-') && c.digits(2, p.month) && c.lit('-') &&
        c.digits(2, p.day)))
    return r;
  if (!c.done()) {
    if (!(c.lit('T') || c.lit('t') || (!rfc && c.lit(' ')))) return r;
    p.has_time = true;
    if (!(c.digits(2, p.hour) && c.lit(':') && c.digits(2, p.minute))) return r;
    if (c.lit(':')) {
      if (!c.digits(2, p.second)) return r;
      p.has_seconds = true;
      if (c.lit('.') || (!rfc && c.lit(','))) {
        int digits = 0;
        while (!c.done() && c.s[c.i] >= '0' && c.s[c.i] <= '9') {
          if (digits < 3) p.millisecond = p.millisecond * 10 + (c.s[c.i] - '0');
          ++digits;
          ++c.i;
        }
        if (digits == 0 || (rfc && digits > 9)) return r;
        for (int k = digits; k < 3; ++k) p.millisecond *= 10;
      }
    }
    if (!parse_offset(c, p, syntax, real_offset) || !c.done()) return r;
  }
  r.shaped = true;
  r.real = p.month >= 1 && p.month <= 12 && p.day >= 1 &&
           static_cast<unsigned>(p.day) <= days_in_month(p.year, static_cast<unsigned>(p.month)) &&
           p.hour <= 23 && p.minute <= 59 && p.second <= 59 && real_offset;
  return r;
}

std::optional<DateTimeParts> parse_iso8601_parts(std::string_view text) {
  const Iso8601Reading r = read_iso8601(text, Iso8601Syntax::kIso8601);
  if (!r.shaped || !r.real) return std::nullopt;
  return r.parts;
}

std::int64_t to_epoch_ms(const DateTimeParts& p) {
  const std::int64_t days =
      days_from_civil(p.year, static_cast<unsigned>(p.month), static_cast<unsigned>(p.day));
  return days * kMsPerDay + p.hour * kMsPerHour + p.minute * kMsPerMinute +
         static_cast<std::int64_t>(p.second) * 1000 + p.millisecond -
         static_cast<std::int64_t>(p.offset_minutes) * kMsPerMinute;
}

std::optional<DateTimeParts> parse_date_time(std::string_view text, OffsetRule rule,
                                             bool time_required) {
  std::optional<DateTimeParts> parts = parse_iso8601_parts(text);
  if (!parts || (time_required && !parts->has_time)) return std::nullopt;
  if (rule == OffsetRule::kRequired && !parts->has_offset) return std::nullopt;
  if (rule == OffsetRule::kForbidden && parts->has_offset) return std::nullopt;
  return parts;
}

std::optional<std::int64_t> parse_iso8601(std::string_view text) {
  const std::optional<DateTimeParts> parts = parse_date_time(text, OffsetRule::kUtcIfAbsent, false);
  if (!parts) return std::nullopt;
  return to_epoch_ms(*parts);
}

std::string format_iso8601(std::int64_t ms) {
  ms = clamp_time(ms);
  const std::int64_t days = floor_div(ms, kMsPerDay);
  std::int64_t rest = ms - days * kMsPerDay;
  const Civil date = civil_from_days(days);
  const auto hour = static_cast<int>(rest / kMsPerHour);
  rest %= kMsPerHour;
  const auto minute = static_cast<int>(rest / kMsPerMinute);
  rest %= kMsPerMinute;
  const auto second = static_cast<int>(rest / 1000);
  const auto milli = static_cast<int>(rest % 1000);

  std::string out;
  auto put = [&out](std::int64_t v, int width) {
    char buf[24];
    int n = 0;
    do {
      buf[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v > 0);
    for (int k = n; k < width; ++k) out.push_back('0');
    while (n > 0) out.push_back(buf[--n]);
  };
  if (date.year < 0) {
    out.push_back('-');
    put(-date.year, 6);
  } else if (date.year > 9999) {
    out.push_back('+');
    put(date.year, 6);
  } else {
    put(date.year, 4);
  }
  out.push_back('-');
  put(date.month, 2);
  out.push_back('-');
  put(date.day, 2);
  out.push_back('T');
  put(hour, 2);
  out.push_back(':');
  put(minute, 2);
  out.push_back(':');
  put(second, 2);
  out.push_back('.');
  put(milli, 3);
  out.push_back('Z');
  return out;
}

std::int64_t fixed_unit_ms(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kMinutes:
      return kMsPerMinute;
    case TimeUnit::kHours:
      return kMsPerHour;
    case TimeUnit::kDays:
      return kMsPerDay;
    case TimeUnit::kWeeks:
      return 7 * kMsPerDay;
    case TimeUnit::kMonths:
      break;
  }
  return 0;
}

std::int64_t add_period(std::int64_t ms, std::int64_t n, TimeUnit unit) {
  ms = clamp_time(ms);
  // A step of a fixed length: any |n| past 2·kMaxTimeMs / length lands
  // outside the range whatever ms is, so it saturates before multiplying.
  auto step = [ms, n](std::int64_t length) {
    const std::int64_t limit = 2 * kMaxTimeMs / length + 1;
    if (n > limit) return kMaxTimeMs;
    if (n < -limit) return -kMaxTimeMs;
    return clamp_time(ms + n * length);
  };
  switch (unit) {
    case TimeUnit::kMinutes:
    case TimeUnit::kHours:
    case TimeUnit::kDays:
    case TimeUnit::kWeeks:
      return step(fixed_unit_ms(unit));
    case TimeUnit::kMonths: {
      // ±kMaxTimeMs is under 300,000 years: more months than that saturate.
      constexpr std::int64_t kMaxMonths = 12 * 300'000;
      if (n > kMaxMonths) return kMaxTimeMs;
      if (n < -kMaxMonths) return -kMaxTimeMs;
      const std::int64_t days = floor_div(ms, kMsPerDay);
      const std::int64_t time_of_day = ms - days * kMsPerDay;
      const Civil date = civil_from_days(days);
      const std::int64_t month_index = date.year * 12 + (date.month - 1) + n;
      const std::int64_t year = floor_div(month_index, 12);
      const auto month = static_cast<unsigned>(month_index - year * 12 + 1);
      const unsigned last = days_in_month(year, month);
      const unsigned day = date.day > last ? last : date.day;
      return clamp_time(days_from_civil(year, month, day) * kMsPerDay + time_of_day);
    }
  }
  return ms;
}

}  // namespace hookcast
