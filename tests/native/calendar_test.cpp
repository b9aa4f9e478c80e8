// Calendar arithmetic: ISO 8601 in and out, periods, calendar months.
#include "calendar.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace hookcast {
namespace {

// Shorthand: the milliseconds of a text the test knows to be valid.
std::int64_t at(const char* iso) {
  const std::optional<std::int64_t> ms = parse_iso8601(iso);
  EXPECT_TRUE(ms.has_value()) << iso;
  return ms.value_or(0);
}

TEST(Calendar, ParsesDatesAsUtcMidnight) {
  EXPECT_EQ(parse_iso8601("1970-01-01"), 0);
  EXPECT_EQ(parse_iso8601("2026-12-01"), 1796083200000);  // Date.UTC(2026, 11, 1)
  EXPECT_EQ(parse_iso8601("1969-12-31"), -86400000);
  EXPECT_EQ(parse_iso8601("0000-01-01"), -62167219200000);
  EXPECT_EQ(parse_iso8601("9999-12-31"), 253402214400000);
}

TEST(Calendar, ParsesDateTimesWithAndWithoutSeconds) {
  EXPECT_EQ(parse_iso8601("2026-12-01T09:00"), 1796083200000 + 9 * 3600000);
  EXPECT_EQ(parse_iso8601("2026-12-01T09:00:30"), 1796083200000 + 9 * 3600000 + 30000);
  EXPECT_EQ(parse_iso8601("2026-12-01t09:00:30"), at("2026-12-01T09:00:30"));
  EXPECT_EQ(parse_iso8601("2026-12-01 09:00:30"), at("2026-12-01T09:00:30"));
}

TEST(Calendar, FractionalSecondsAreCutToMilliseconds) {
  const std::int64_t base = at("2026-12-01T09:00:30");
  EXPECT_EQ(parse_iso8601("2026-12-01T09:00:30.5"), base + 500);
  EXPECT_EQ(parse_iso8601("2026-12-01T09:00:30.25"), base + 250);
  EXPECT_EQ(parse_iso8601("2026-12-01T09:00:30.123"), base + 123);
  EXPECT_EQ(parse_iso8601("2026-12-01T09:00:30.123999999Z"), base + 123);
  EXPECT_EQ(parse_iso8601("2026-12-01T09:00:30,5Z"), base + 500);
  EXPECT_FALSE(parse_iso8601("2026-12-01T09:00:30.").has_value());
  EXPECT_FALSE(parse_iso8601("2026-12-01T09:00.5").has_value());
}

TEST(Calendar, OffsetsMoveToUtc) {
  const std::int64_t utc9 = at("2026-12-01T09:00:00Z");
  EXPECT_EQ(parse_iso8601("2026-12-01T09:00:00z"), utc9);
  EXPECT_EQ(parse_iso8601("2026-12-01T09:00"), utc9);  // no offset: UTC
  EXPECT_EQ(parse_iso8601("2026-12-01T18:00+09:00"), utc9);
  EXPECT_EQ(parse_iso8601("2026-12-01T18:00:00+0900"), utc9);
  EXPECT_EQ(parse_iso8601("2026-12-01T18:00:00+09"), utc9);
  EXPECT_EQ(parse_iso8601("2026-12-01T03:30:00-05:30"), utc9);
  EXPECT_EQ(parse_iso8601("2026-12-01T00:30:00+01:00"), at("2026-11-30T23:30:00Z"));
  EXPECT_EQ(parse_iso8601("2026-12-01T09:00:00-00:00"), utc9);
}

TEST(Calendar, PartsTellLocalFromOffsetTimes) {
  const auto local = parse_iso8601_parts("2026-12-01T09:00");
  ASSERT_TRUE(local.has_value());
  EXPECT_TRUE(local->has_time);
  EXPECT_FALSE(local->has_seconds);
  EXPECT_FALSE(local->has_offset);
  EXPECT_EQ(local->hour, 9);
  const auto seoul = parse_iso8601_parts("2026-12-01T09:00:05.7+09:00");
  ASSERT_TRUE(seoul.has_value());
  EXPECT_TRUE(seoul->has_seconds);
  EXPECT_TRUE(seoul->has_offset);
  EXPECT_EQ(seoul->offset_minutes, 540);
  EXPECT_EQ(seoul->millisecond, 700);
  const auto date = parse_iso8601_parts("2026-12-01");
  ASSERT_TRUE(date.has_value());
  EXPECT_FALSE(date->has_time);
}

// One reader (read_iso8601) serves every time text: the wider ISO 8601
// syntax that parse_iso8601_parts (cohort times, send.at) reads, and RFC
// 3339's that event times read (event_time_test.cpp holds their refusals).
TEST(Calendar, OneReaderTwoSyntaxes) {
  using hookcast::Iso8601Syntax;
  using hookcast::read_iso8601;
  for (const char* wider :
       {"2026-12-01 09:00:00Z", "2026-12-01T09:00:00,5Z", "2026-12-01T09:00:00+0900",
        "2026-12-01T09:00:00+09", "2026-12-01T09:00:00.1234567890Z"}) {
    EXPECT_TRUE(read_iso8601(wider, Iso8601Syntax::kIso8601).shaped) << wider;
    EXPECT_TRUE(parse_iso8601_parts(wider).has_value()) << wider;
    EXPECT_FALSE(read_iso8601(wider, Iso8601Syntax::kRfc3339).shaped) << wider;
  }
  for (const char* both : {"2026-12-01", "2026-12-01T09:00", "2026-12-01t09:00:00.5z",
                           "2026-12-01T09:00:00.123456789-05:30"}) {
    const auto iso = read_iso8601(both, Iso8601Syntax::kIso8601);
    const auto rfc = read_iso8601(both, Iso8601Syntax::kRfc3339);
    EXPECT_TRUE(iso.shaped && iso.real && rfc.shaped && rfc.real) << both;
    EXPECT_EQ(hookcast::to_epoch_ms(iso.parts), hookcast::to_epoch_ms(rfc.parts)) << both;
  }
  // Shaped but not real: the reader says which, so a caller can too.
  for (const char* unreal : {"2026-02-30T00:00Z", "2026-12-01T24:00Z", "2026-12-01T09:00+24:00",
                             "2026-12-01T09:00:60Z", "2025-02-29"}) {
    for (const auto syntax : {Iso8601Syntax::kIso8601, Iso8601Syntax::kRfc3339}) {
      const auto r = read_iso8601(unreal, syntax);
      EXPECT_TRUE(r.shaped) << unreal;
      EXPECT_FALSE(r.real) << unreal;
    }
    EXPECT_FALSE(parse_iso8601_parts(unreal).has_value()) << unreal;
  }
}

TEST(Calendar, LeapYearsDecideFebruary29) {
  EXPECT_TRUE(parse_iso8601("2024-02-29").has_value());
  EXPECT_TRUE(parse_iso8601("2000-02-29").has_value());  // divisible by 400
  EXPECT_FALSE(parse_iso8601("2026-02-29").has_value());
  EXPECT_FALSE(parse_iso8601("1900-02-29").has_value());  // divisible by 100 only
  EXPECT_FALSE(parse_iso8601("2026-02-30").has_value());
  EXPECT_FALSE(parse_iso8601("2026-04-31").has_value());
  EXPECT_TRUE(parse_iso8601("2026-12-31").has_value());
}

TEST(Calendar, RefusesEverythingElse) {
  for (const char* bad : {
           "",
           "2026",
           "2026-12",
           "2026-1-01",
           "2026-12-1",
           "26-12-01",
           "2026/12/01",
           "2026-13-01",
           "2026-00-01",
           "2026-12-00",
           "2026-12-01T",
           "2026-12-01T9:00",
           "2026-12-01T09",
           "2026-12-01T09:0",
           "2026-12-01T24:00",
           "2026-12-01T23:60",
           "2026-12-01T23:59:60",
           "2026-12-01Z",
           "2026-12-01T09:00+9",
           "2026-12-01T09:00+24:00",
           "2026-12-01T09:00+09:60",
           "2026-12-01T09:00+09:",
           "2026-12-01T09:00:00Zx",
           " 2026-12-01",
           "2026-12-01 ",
           "2026-12-01T09:00:00.123+",
           "+002026-12-01",
           "2026-12-01T09:00:00 Z",
           "２０２６-12-01",
       }) {
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parse_iso8601(std::string_view("2026-12-01\0", 11)).has_value());
}

TEST(Calendar, FormatsAsJavaScriptToIsoString) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(1796083200000 + 9 * 3600000 + 1), "2026-12-01T09:00:00.001Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601(-62167219200000), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(-62167219200001), "-000001-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601(253402300800000), "+010000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(kMaxTimeMs), "+275760-09-13T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(-kMaxTimeMs), "-271821-04-20T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(INT64_MAX), "+275760-09-13T00:00:00.000Z");  // clamped
}

TEST(Calendar, FormatThenParseRoundTrips) {
  for (std::int64_t ms : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1},
                          std::int64_t{951782400000}, std::int64_t{1796083200123},
                          std::int64_t{253402300799999}, std::int64_t{-62167219200000}}) {
    EXPECT_EQ(parse_iso8601(format_iso8601(ms)), ms) << ms;
  }
}

TEST(Calendar, FixedUnitsAddExactLengths) {
  const std::int64_t t = at("2026-03-28T12:00:00Z");
  EXPECT_EQ(add_period(t, 90, TimeUnit::kMinutes), at("2026-03-28T13:30:00Z"));
  EXPECT_EQ(add_period(t, 36, TimeUnit::kHours), at("2026-03-30T00:00:00Z"));
  EXPECT_EQ(add_period(t, 4, TimeUnit::kDays), at("2026-04-01T12:00:00Z"));
  EXPECT_EQ(add_period(t, 2, TimeUnit::kWeeks), at("2026-04-11T12:00:00Z"));
  EXPECT_EQ(add_period(t, -7, TimeUnit::kDays), at("2026-03-21T12:00:00Z"));
  EXPECT_EQ(add_period(t, 0, TimeUnit::kWeeks), t);
}

TEST(Calendar, MonthsKeepTheDayAndClampToTheMonthsEnd) {
  EXPECT_EQ(add_period(at("2026-01-31T10:00:00Z"), 1, TimeUnit::kMonths),
            at("2026-02-28T10:00:00Z"));
  EXPECT_EQ(add_period(at("2024-01-31T10:00:00Z"), 1, TimeUnit::kMonths),
            at("2024-02-29T10:00:00Z"));
  EXPECT_EQ(add_period(at("2026-01-31"), 2, TimeUnit::kMonths), at("2026-03-31"));
  EXPECT_EQ(add_period(at("2026-03-31"), 1, TimeUnit::kMonths), at("2026-04-30"));
  EXPECT_EQ(add_period(at("2026-01-15T23:59:59.999Z"), 1, TimeUnit::kMonths),
            at("2026-02-15T23:59:59.999Z"));
  EXPECT_EQ(add_period(at("2026-12-15"), 1, TimeUnit::kMonths), at("2027-01-15"));
  EXPECT_EQ(add_period(at("2024-02-29"), 12, TimeUnit::kMonths), at("2025-02-28"));
  EXPECT_EQ(add_period(at("2024-02-29"), 48, TimeUnit::kMonths), at("2028-02-29"));
}

TEST(Calendar, NegativeMonthsGoBackInTheCalendar) {
  // "Within the last 1 month" at Mar 31 reaches back to Feb 28/29.
  EXPECT_EQ(add_period(at("2026-03-31T08:00:00Z"), -1, TimeUnit::kMonths),
            at("2026-02-28T08:00:00Z"));
  EXPECT_EQ(add_period(at("2024-03-31T08:00:00Z"), -1, TimeUnit::kMonths),
            at("2024-02-29T08:00:00Z"));
  EXPECT_EQ(add_period(at("2026-01-15"), -1, TimeUnit::kMonths), at("2025-12-15"));
  EXPECT_EQ(add_period(at("2026-05-31"), -3, TimeUnit::kMonths), at("2026-02-28"));
  EXPECT_EQ(add_period(at("2026-01-01"), -25, TimeUnit::kMonths), at("2023-12-01"));
  // Before 1970 and before year 0 the same rules hold.
  EXPECT_EQ(add_period(at("1969-12-31T23:00:00Z"), 2, TimeUnit::kMonths),
            at("1970-02-28T23:00:00Z"));
  EXPECT_EQ(add_period(at("0000-03-31"), -1, TimeUnit::kMonths), at("0000-02-29"));
  EXPECT_EQ(format_iso8601(add_period(at("0000-01-31"), -1, TimeUnit::kMonths)),
            "-000001-12-31T00:00:00.000Z");
}

TEST(Calendar, HugePeriodsSaturateInsteadOfOverflowing) {
  const std::int64_t t = at("2026-01-01");
  for (TimeUnit u : kTimeUnits) {
    EXPECT_EQ(add_period(t, INT64_MAX, u), kMaxTimeMs) << time_unit_name(u);
    EXPECT_EQ(add_period(t, INT64_MIN, u), -kMaxTimeMs) << time_unit_name(u);
    EXPECT_EQ(add_period(INT64_MAX, 1, u), kMaxTimeMs) << time_unit_name(u);
    EXPECT_EQ(add_period(INT64_MIN, -1, u), -kMaxTimeMs) << time_unit_name(u);
  }
  EXPECT_EQ(add_period(t, 12 * 300'000, TimeUnit::kMonths), kMaxTimeMs);
}

TEST(Calendar, UnitNamesRoundTrip) {
  for (TimeUnit u : kTimeUnits) EXPECT_EQ(parse_time_unit(time_unit_name(u)), u);
  EXPECT_EQ(parse_time_unit("months"), TimeUnit::kMonths);
  EXPECT_FALSE(parse_time_unit("Months").has_value());
  EXPECT_FALSE(parse_time_unit("month").has_value());
  EXPECT_FALSE(parse_time_unit("seconds").has_value());
  EXPECT_FALSE(parse_time_unit("").has_value());
}

TEST(Calendar, DaysInMonth) {
  EXPECT_EQ(days_in_month(2026, 2), 28u);
  EXPECT_EQ(days_in_month(2024, 2), 29u);
  EXPECT_EQ(days_in_month(2100, 2), 28u);
  EXPECT_EQ(days_in_month(2000, 2), 29u);
  EXPECT_EQ(days_in_month(2026, 4), 30u);
  EXPECT_EQ(days_in_month(2026, 12), 31u);
}

}  // namespace
}  // namespace hookcast
