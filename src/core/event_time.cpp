#include "event_time.hpp"

#include "calendar.hpp"

namespace hookcast {
namespace {

bool digits(std::string_view text, std::size_t at, std::size_t n, int& out) {
  if (at + n > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

std::string shown(std::string_view text) {
  std::string out(text.substr(0, 60));
  return "\"" + out + "\"";
}

}  // namespace

EventTime parse_event_time(std::string_view text, std::string_view field) {
  EventTime t;
  const std::string where(field);
  const auto refuse = [&](std::string message) {
    t.message = std::move(message);
    return t;
  };
  const std::string shape = where + " " + shown(text) +
                            " is not an ISO 8601 date and time with an offset, such as "
                            "\"2026-11-30T09:15:00Z\" or \"2026-11-30T18:15:00+09:00\".";
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, milli = 0;
  if (!digits(text, 0, 4, year) || text.size() < 16 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2, hour) || text[13] != ':' ||
      !digits(text, 14, 2, minute))
    return refuse(shape);
  std::size_t at = 16;
  if (at < text.size() && text[at] == ':') {
    if (!digits(text, at + 1, 2, second)) return refuse(shape);
    at += 3;
    if (at < text.size() && text[at] == '.') {
      std::size_t n = 0;
      ++at;
      while (at < text.size() && text[at] >= '0' && text[at] <= '9' && n < 10) {
        if (n < 3) milli = milli * 10 + (text[at] - '0');
        ++n;
        ++at;
      }
      if (n == 0 || n > 9) return refuse(shape);
      for (std::size_t k = n; k < 3; ++k) milli *= 10;
    }
  }
  int offset_hours = 0, offset_minutes = 0, sign = 1;
  if (at + 1 == text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    at += 1;
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') &&
             digits(text, at + 1, 2, offset_hours) && text[at + 3] == ':' &&
             digits(text, at + 4, 2, offset_minutes)) {
    sign = text[at] == '-' ? -1 : 1;
    at += 6;
  } else {
    return refuse(shape);
  }
  if (year < kFirstEventYear || year > kLastEventYear) {
    return refuse(where + " " + shown(text) + " is outside the years " +
                  std::to_string(kFirstEventYear) + "–" + std::to_string(kLastEventYear) +
                  " that events may carry.");
  }
  if (month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)) || hour > 23 ||
      minute > 59 || second > 59 || offset_hours > 23 || offset_minutes > 59) {
    return refuse(where + " " + shown(text) + " is not a real date and time.");
  }
  t.ok = true;
  t.ms =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86'400'000 +
      ((hour * 60 + minute) * 60 + second) * std::int64_t{1000} + milli -
      sign * (offset_hours * 60 + offset_minutes) * std::int64_t{60'000};
  return t;
}

}  // namespace hookcast
