// A schedule send as wall-clock times: the core steps repeats and ends them
// at `until` (a date alone means through that day); the edge only places the
// wall times in a time zone (src/js/timezone.js).
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calendar.hpp"
#include "campaign.hpp"
#include "campaign_api.hpp"
#include "fixtures.hpp"

namespace api = hookcast::api;
using hookcast::test::iso;
using hookcast::test::parse;
using nlohmann::json;

namespace {

std::vector<std::int64_t> walls(const json& send, const std::string& after, std::size_t count) {
  const auto plan = hookcast::read_schedule_walls(send);
  EXPECT_TRUE(plan.has_value()) << send.dump();
  if (!plan) return {};
  return hookcast::schedule_occurrences(*plan, iso(after), count);
}

}  // namespace

TEST(Schedule, RepeatsStepTheWallClockStrictlyAfterTheGivenTime) {
  const json daily = {{"type", "schedule"},
                      {"at", "2026-12-01T09:00"},
                      {"timeZone", "Asia/Seoul"},
                      {"repeat", {{"every", 2}, {"unit", "days"}}}};
  EXPECT_EQ(walls(daily, "2026-12-01T09:00:00Z", 2),
            (std::vector<std::int64_t>{iso("2026-12-03T09:00:00Z"), iso("2026-12-05T09:00:00Z")}));
  EXPECT_EQ(walls(daily, "2026-12-01T08:59:59.999Z", 1),
            (std::vector<std::int64_t>{iso("2026-12-01T09:00:00Z")}));
  json weekly = daily;
  weekly["repeat"] = {{"every", 1}, {"unit", "weeks"}};
  EXPECT_EQ(walls(weekly, "2026-12-20T00:00:00Z", 1),
            (std::vector<std::int64_t>{iso("2026-12-22T09:00:00Z")}));
}

TEST(Schedule, AOneOffHasOneOccurrence) {
  const json once = {{"type", "schedule"}, {"at", "2026-12-01T09:00"}, {"timeZone", "UTC"}};
  EXPECT_EQ(walls(once, "2000-01-01T00:00:00Z", 5),
            (std::vector<std::int64_t>{iso("2026-12-01T09:00:00Z")}));
  EXPECT_TRUE(walls(once, "2026-12-01T09:00:00Z", 5).empty());
}

TEST(Schedule, UntilIsInclusiveAndADateMeansThroughThatDay) {
  json send = {{"type", "schedule"},
               {"at", "2026-12-01T09:00"},
               {"timeZone", "UTC"},
               {"repeat", {{"every", 1}, {"unit", "days"}, {"until", "2026-12-03"}}}};
  EXPECT_EQ(walls(send, "2026-12-01T09:00:00Z", 10),
            (std::vector<std::int64_t>{iso("2026-12-02T09:00:00Z"), iso("2026-12-03T09:00:00Z")}));
  const json plan =
      parse(api::schedule_occurrences(send.dump(), -std::numeric_limits<double>::infinity(), 0));
  EXPECT_EQ(plan["untilWallMs"], iso("2026-12-03T23:59:59.999Z"));
  EXPECT_EQ(plan["atWallMs"], iso("2026-12-01T09:00:00Z"));
  EXPECT_TRUE(plan["occurrences"].empty());
  send["repeat"]["until"] = "2026-12-03T09:00";
  EXPECT_EQ(walls(send, "2026-12-02T09:00:00Z", 10),
            (std::vector<std::int64_t>{iso("2026-12-03T09:00:00Z")}));
}

TEST(Schedule, FarOccurrencesAreComputedNotWalked) {
  const json daily = {{"type", "schedule"},
                      {"at", "2026-01-01T09:00"},
                      {"timeZone", "UTC"},
                      {"repeat", {{"every", 1}, {"unit", "days"}}}};
  EXPECT_EQ(walls(daily, "2036-06-15T12:00:00Z", 1),
            (std::vector<std::int64_t>{iso("2036-06-16T09:00:00Z")}));
  // The end of time ends the steps, without overflow.
  const json huge = {{"type", "schedule"},
                     {"at", "2026-01-01T09:00"},
                     {"timeZone", "UTC"},
                     {"repeat", {{"every", 100000}, {"unit", "weeks"}}}};
  EXPECT_LE(walls(huge, "2026-01-01T09:00:00Z", 1000).size(), 1000u);
  const json plan =
      parse(api::schedule_occurrences(daily.dump(), std::numeric_limits<double>::infinity(), 3));
  EXPECT_TRUE(plan["occurrences"].empty());
}

TEST(Schedule, WhatIsNotAReadableScheduleIsAProblem) {
  for (
      const char* send :
      {R"({"type":"api"})", R"({"type":"schedule","at":"2026-12-01"})",
       R"({"type":"schedule","at":"2026-12-01T09:00","repeat":{"every":1,"unit":"months"}})",
       R"({"type":"schedule","at":"2026-12-01T09:00","repeat":{"every":1,"unit":"days","until":"soon"}})",
       "not json"}) {
    const json r = parse(api::schedule_occurrences(send, 0, 1));
    EXPECT_FALSE(r["ok"].get<bool>()) << send;
    EXPECT_EQ(r["problems"][0]["field"], "send") << send;
  }
  EXPECT_EQ(parse(api::schedule_occurrences(R"({"type":"schedule","at":"2026-12-01T09:00"})",
                                            std::numeric_limits<double>::quiet_NaN(),
                                            1))["problems"][0]["field"],
            "afterWallMs");
}
