// When an event happened, as POST /v1/events reads its `at`: RFC 3339 text
// with an offset, in the range of instants hookcast computes with.
//
// Decisions worth knowing:
//   * Shape: `YYYY-MM-DDTHH:mm`, optional `:ss` and fraction (1 to 9 digits,
//     cut to milliseconds), then `Z` or `±HH:MM`; `T` and `Z` in either case.
//     An offset is required: an event's time is an instant, not a wall clock.
//     Read by calendar.hpp's one ISO 8601 reader (read_iso8601) in its RFC
//     3339 syntax; the wider ISO 8601 spellings other fields take (a space
//     separator, `,` fractions, `±HHMM`, `±HH`) are refused here.
//   * Calendar: a real date (no Feb 30), hours 0..23, no leap second.
//   * Range: years 1970..2099, as a schedule's dates (campaign.hpp): an
//     event's time plus a campaign's delay (≤ 365 days) is an instant the
//     runtime's alarms hold (workerd's stop at 2189).
//   * Codes: `invalid_time` for any refusal (the edge's field code since
//     the first version), with a sentence saying which rule failed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hookcast {

constexpr int kFirstEventYear = 1970;
constexpr int kLastEventYear = 2099;

/// An event time read: `ok` with `ms` (UTC milliseconds since the epoch),
/// or the reason in `message` (code `invalid_time`).
struct EventTime {
  bool ok = false;
  std::int64_t ms = 0;
  std::string message;
};

/// Reads an event's `at` (see the file comment). `field` names it in the
/// message ("events[3].at").
EventTime parse_event_time(std::string_view text, std::string_view field);

}  // namespace hookcast
