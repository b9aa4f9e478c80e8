#include "event_time.hpp"

#include "calendar.hpp"

namespace hookcast {
namespace {

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
  // The one ISO 8601 reader (calendar.hpp), in RFC 3339's syntax; an
  // event's time is an instant, so a time and an offset are required.
  const Iso8601Reading r = read_iso8601(text, Iso8601Syntax::kRfc3339);
  if (!r.shaped || !r.parts.has_time || !r.parts.has_offset) {
    return refuse(where + " " + shown(text) +
                  " is not an ISO 8601 date and time with an offset, such as "
                  "\"2026-11-30T09:15:00Z\" or \"2026-11-30T18:15:00+09:00\".");
  }
  if (r.parts.year < kFirstEventYear || r.parts.year > kLastEventYear) {
    return refuse(where + " " + shown(text) + " is outside the years " +
                  std::to_string(kFirstEventYear) + "–" + std::to_string(kLastEventYear) +
                  " that events may carry.");
  }
  if (!r.real) return refuse(where + " " + shown(text) + " is not a real date and time.");
  t.ok = true;
  t.ms = to_epoch_ms(r.parts);
  return t;
}

}  // namespace hookcast
