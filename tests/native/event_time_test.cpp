// An event's time (event_time.hpp): the shapes POST /v1/events accepts, the
// calendar, and the range every instant hookcast computes with stays in.
#include "event_time.hpp"

#include <gtest/gtest.h>

#include <string>

#include "calendar.hpp"

namespace {

using hookcast::parse_event_time;

std::int64_t ms_of(const char* text) {
  const auto t = parse_event_time(text, "at");
  EXPECT_TRUE(t.ok) << text << ": " << t.message;
  return t.ms;
}

TEST(EventTime, ReadsRfc3339WithAnOffset) {
  EXPECT_EQ(ms_of("2026-11-30T09:15:00Z"), *hookcast::parse_iso8601("2026-11-30T09:15:00Z"));
  EXPECT_EQ(ms_of("2026-11-30T09:15Z"), ms_of("2026-11-30T09:15:00Z"));
  EXPECT_EQ(ms_of("2026-11-30T18:15:00+09:00"), ms_of("2026-11-30T09:15:00Z"));
  EXPECT_EQ(ms_of("2026-11-30T00:15:00-09:00"), ms_of("2026-11-30T09:15:00Z"));
  EXPECT_EQ(ms_of("2026-11-30t09:15:00z"), ms_of("2026-11-30T09:15:00Z"));
  EXPECT_EQ(ms_of("2099-01-01T00:00:00.5Z"), *hookcast::parse_iso8601("2099-01-01T00:00:00.500Z"));
  EXPECT_EQ(ms_of("2026-11-30T09:15:00.123456789Z"), ms_of("2026-11-30T09:15:00.123Z"));
  EXPECT_EQ(ms_of("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ms_of("2024-02-29T12:00:00Z"), *hookcast::parse_iso8601("2024-02-29T12:00:00Z"));
}

TEST(EventTime, RefusesOtherShapesAndUnrealDates) {
  for (const char* bad :
       {"2026-11-30", "2026-11-30T09:15:00", "2026-11-30 09:15:00Z", "2026-11-30T09:15:00.Z",
        "2026-11-30T09:15:00.1234567890Z", "2026-11-30T09:15.5Z", "2026-11-30T09:15:00+0900",
        "2026-11-30T09:15:00+09", "26-11-30T09:15Z", "2026-02-30T00:00:00Z", "2026-02-03T24:00:00Z",
        "2026-11-30T09:60:00Z", "2026-11-30T09:15:60Z", "2025-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-11-30T09:15:00+24:00", "2026-11-30T09:15:00Zjunk", "",
        "now"}) {
    const auto t = parse_event_time(bad, "events[1].at");
    EXPECT_FALSE(t.ok) << bad;
    EXPECT_EQ(t.message.compare(0, 12, "events[1].at"), 0) << t.message;
  }
}

// The shape and the calendar are told apart in the message, and the wider
// ISO 8601 spellings other fields accept (calendar.hpp) stay refused here.
TEST(EventTime, SaysWhetherTheShapeOrTheDateIsWrong) {
  for (const char* shape :
       {"2026-11-30 09:15:00Z", "2026-11-30T09:15:00,5Z", "2026-11-30T09:15:00+0900",
        "2026-11-30T09:15:00+09", "2026-11-30T09:15", "2026-11-30"}) {
    const auto t = parse_event_time(shape, "at");
    EXPECT_FALSE(t.ok) << shape;
    EXPECT_NE(t.message.find("is not an ISO 8601 date and time with an offset"), std::string::npos)
        << t.message;
    EXPECT_TRUE(hookcast::parse_iso8601(shape).has_value()) << shape << " (other fields take it)";
  }
  for (const char* unreal : {"2026-02-30T00:00:00Z", "2026-11-30T24:00:00Z",
                             "2026-11-30T09:15:00+24:00", "2025-02-29T00:00:00Z"}) {
    const auto t = parse_event_time(unreal, "at");
    EXPECT_FALSE(t.ok) << unreal;
    EXPECT_NE(t.message.find("is not a real date and time"), std::string::npos) << t.message;
  }
}

// Regression (issue 15, case 1): an event in 9999 plus a delay was an alarm
// workerd cannot hold. Years 1970..2099, as a schedule's dates.
TEST(EventTime, YearsAre1970To2099) {
  for (const char* out : {"9999-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
                          "0000-01-01T00:00:00Z"}) {
    const auto t = parse_event_time(out, "at");
    EXPECT_FALSE(t.ok) << out;
    EXPECT_NE(t.message.find("1970–2099"), std::string::npos) << t.message;
  }
  EXPECT_TRUE(parse_event_time("2099-12-31T23:59:59-23:59", "at").ok);
}

}  // namespace
