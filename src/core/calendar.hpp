// Calendar arithmetic on UTC milliseconds since the Unix epoch: ISO 8601
// text in and out, and periods of minutes, hours, days, weeks and calendar
// months. Pure functions (no clock, no locale, no time-zone database): a time
// zone other than a fixed offset is the caller's business (src/js/timezone.js).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookcast {

/// The largest time a JavaScript Date holds (±100,000,000 days from the
/// epoch). Results of add_period() are clamped to ±kMaxTimeMs, and
/// parse_iso8601() never produces anything outside it.
constexpr std::int64_t kMaxTimeMs = 8'640'000'000'000'000;

/// The units of every period in the product: resend periods, frequency-cap
/// windows, cohort `within`/`within_last`, campaign delays.
enum class TimeUnit { kMinutes, kHours, kDays, kWeeks, kMonths };

/// "minutes" | "hours" | "days" | "weeks" | "months" (exactly, lower case);
/// nullopt for anything else.
std::optional<TimeUnit> parse_time_unit(std::string_view name);

/// The lower-case name parse_time_unit() accepts, e.g. "months".
std::string_view time_unit_name(TimeUnit unit);

/// Every unit, in increasing size, for listing them (e.g. to a dashboard).
constexpr TimeUnit kTimeUnits[] = {TimeUnit::kMinutes, TimeUnit::kHours, TimeUnit::kDays,
                                   TimeUnit::kWeeks, TimeUnit::kMonths};

/// The units one setting accepts (a view of a constant list, in increasing
/// size). Each setting names its list once, beside its rule (kDelayUnits,
/// kRepeatUnits, kResendUnits, kCapPeriodUnits); checks, messages and the
/// engine's vocabulary all read it from there.
struct TimeUnits {
  const TimeUnit* first = nullptr;
  std::size_t count = 0;
  constexpr const TimeUnit* begin() const { return first; }
  constexpr const TimeUnit* end() const { return first + count; }
  /// True when `unit` is in the list.
  bool contains(TimeUnit unit) const;
};

/// The view of a constant list of units.
template <std::size_t N>
constexpr TimeUnits units_of(const TimeUnit (&list)[N]) {
  return TimeUnits{list, N};
}

/// Every unit (cohort `within` and `within_last`, addPeriod).
constexpr TimeUnits kAllTimeUnits = units_of(kTimeUnits);

/// The names of `units` for a sentence: "\"minutes\", \"hours\" or \"days\"".
std::string time_unit_names(TimeUnits units);

/// The pieces of an ISO 8601 text as written, before any offset is applied.
/// Lets a caller tell a local date-time ("2026-12-01T09:00", to be placed in
/// a named time zone) from one that carries its own offset.
struct DateTimeParts {
  int year = 0;              ///< 0000..9999
  int month = 1;             ///< 1..12
  int day = 1;               ///< 1..days in that month
  int hour = 0;              ///< 0..23
  int minute = 0;            ///< 0..59
  int second = 0;            ///< 0..59
  int millisecond = 0;       ///< 0..999 (further fraction digits are dropped)
  bool has_time = false;     ///< a "THH:mm" part was present
  bool has_seconds = false;  ///< a ":ss" part was present
  bool has_offset = false;   ///< "Z" or "±HH:MM" was present
  int offset_minutes = 0;    ///< east of UTC: "+09:00" is 540, "Z" is 0
};

/// Which spellings of ISO 8601 a reader takes.
enum class Iso8601Syntax {
  /// `YYYY-MM-DD`, optionally followed by `THH:mm`, `:ss`, a fraction `.f…`
  /// or `,f…` (any number of digits), and an offset `Z` or `±HH:MM` (also
  /// `±HHMM`, `±HH`). The separator may be `T`, `t` or one space.
  kIso8601,
  /// RFC 3339's profile: the separator `T` or `t` only, a fraction `.f…` of
  /// 1 to 9 digits, an offset `Z` or `±HH:MM` only.
  kRfc3339,
};

/// What the one ISO 8601 reader found: `parts` as written when the text has
/// the shape (`shaped`), and whether they name a real date and time
/// (`real`: no Feb 30, Feb 29 only in leap years, hours 0..23, no minute or
/// leap second 60, offsets up to ±23:59).
struct Iso8601Reading {
  DateTimeParts parts;
  bool shaped = false;
  bool real = false;
};

/// The one ISO 8601 reader every time text in hookcast goes through
/// (parse_iso8601_parts, parse_date_time, parse_iso8601 and event times,
/// event_time.hpp). In either syntax `z` is `Z`, an offset needs a time and
/// fraction digits past the third are dropped (cut to milliseconds). Tells a
/// text of the wrong shape from one that names no real date, so callers can
/// say which; no exceptions.
Iso8601Reading read_iso8601(std::string_view text, Iso8601Syntax syntax);

/// read_iso8601(text, Iso8601Syntax::kIso8601)'s parts when the text is
/// shaped and real (hour 24 and leap second 60 are refused, as JavaScript's
/// Date refuses them); nullopt otherwise. Any offset, or none.
std::optional<DateTimeParts> parse_iso8601_parts(std::string_view text);

/// What a field says about a UTC offset in its time text. Every field that
/// reads time text names its rule, and read_iso8601 is the one reader
/// behind all of them:
enum class OffsetRule {
  kRequired,     ///< an instant ("2026-11-30T09:15:00Z"); an event's `at` also
                 ///< keeps to RFC 3339's syntax (parse_event_time, event_time.hpp)
  kUtcIfAbsent,  ///< no offset reads as UTC: cohort before/after, member event times
  kForbidden,    ///< a wall-clock time placed in a named zone: `send.at`, `send.repeat.until`
};

/// parse_iso8601_parts(text) when it obeys `rule` and, with
/// `time_required`, has a time of day; nullopt otherwise.
std::optional<DateTimeParts> parse_date_time(std::string_view text, OffsetRule rule,
                                             bool time_required);

/// parse_iso8601_parts() as UTC milliseconds under OffsetRule::kUtcIfAbsent:
/// a text without an offset is read as UTC ("2026-12-01" is
/// 2026-12-01T00:00:00.000Z). nullopt when the text does not parse.
std::optional<std::int64_t> parse_iso8601(std::string_view text);

/// The UTC milliseconds of a parsed text (applies its offset, if any).
std::int64_t to_epoch_ms(const DateTimeParts& parts);

/// JavaScript's Date.prototype.toISOString(): "2026-12-01T09:00:00.000Z";
/// years outside 0000..9999 are written "+012345" / "-000001" as JS does.
/// `ms` is clamped to ±kMaxTimeMs first.
std::string format_iso8601(std::int64_t ms);

/// Milliseconds of one unit; 0 for months (not a fixed length).
std::int64_t fixed_unit_ms(TimeUnit unit);

/// `ms` moved by `n` units (n may be negative). Minutes, hours, days and
/// weeks are fixed lengths (UTC has no daylight saving). Months are calendar
/// months in UTC: the same day of the month and time of day, clamped to the
/// last day of the target month (Jan 31 + 1 month = Feb 28, or Feb 29 in a
/// leap year; Mar 31 − 1 month likewise). The result is clamped to
/// ±kMaxTimeMs, so no input overflows.
std::int64_t add_period(std::int64_t ms, std::int64_t n, TimeUnit unit);

/// A proleptic Gregorian date.
struct Civil {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

/// Number of days in `month` (1..12) of `year`.
unsigned days_in_month(std::int64_t year, unsigned month);

/// The date `days` days after 1970-01-01 (inverse of days_from_civil).
Civil civil_from_days(std::int64_t days);

}  // namespace hookcast
