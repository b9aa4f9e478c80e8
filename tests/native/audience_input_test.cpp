// Users and events as the API receives them (audience_input.hpp): the
// shared cases of tests/fixtures/audience.json (also run by every JS
// runtime), the bounds at their edges, and the one ISO 8601 parser's
// offset rule per field.
#include "audience_input.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "audience_api.hpp"
#include "calendar.hpp"
#include "campaign.hpp"
#include "fixtures.hpp"

namespace api = hookcast::api;
using hookcast::OffsetRule;
using hookcast::test::iso;
using hookcast::test::load_fixture;
using hookcast::test::parse;
using nlohmann::json;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs pairs_of(const json& problems) {
  Pairs out;
  for (const json& p : problems) {
    EXPECT_EQ(p["severity"], "error") << p.dump();
    EXPECT_FALSE(p["message"].get<std::string>().empty()) << p.dump();
    out.emplace_back(p["field"].get<std::string>(), p["code"].get<std::string>());
  }
  return out;
}

Pairs expected(const json& list) {
  Pairs out;
  for (const json& p : list) out.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
  return out;
}

}  // namespace

TEST(AudienceInput, UsersMatchTheFixture) {
  const json cases = load_fixture("audience.json")["users"];
  ASSERT_GT(cases.size(), 15u);
  for (const json& c : cases) {
    const json r = parse(api::check_users(c["body"].dump()));
    EXPECT_EQ(pairs_of(r["problems"]), expected(c["problems"])) << c["name"];
    EXPECT_EQ(r["ok"].get<bool>(), c["problems"].empty()) << c["name"];
  }
}

TEST(AudienceInput, EventsMatchTheFixture) {
  const json cases = load_fixture("audience.json")["events"];
  ASSERT_GT(cases.size(), 10u);
  for (const json& c : cases) {
    const json r = parse(api::check_events(c["body"].dump()));
    EXPECT_EQ(pairs_of(r["problems"]), expected(c["problems"])) << c["name"];
    if (!c.contains("at")) continue;
    ASSERT_TRUE(r["ok"].get<bool>()) << c["name"] << r.dump();
    ASSERT_EQ(r["at"].size(), c["at"].size());
    for (std::size_t i = 0; i < c["at"].size(); ++i) {
      if (c["at"][i].is_null()) {
        EXPECT_TRUE(r["at"][i].is_null()) << c["name"];
      } else {
        EXPECT_EQ(r["at"][i], iso(c["at"][i].get<std::string>())) << c["name"];
      }
    }
  }
}

TEST(AudienceInput, ApiSendsMatchTheFixture) {
  const json cases = load_fixture("audience.json")["apiSends"];
  ASSERT_GE(cases.size(), 5u);
  for (const json& c : cases) {
    const json r = parse(api::check_api_send(c["body"].dump()));
    EXPECT_EQ(pairs_of(r["problems"]), expected(c["problems"])) << c["name"];
  }
}

TEST(AudienceInput, BoundsAtTheirEdges) {
  // 1000 items pass, 1001 are too many.
  json users = json::array();
  for (int i = 0; i < 1000; ++i) users.push_back({{"id", "u" + std::to_string(i)}});
  EXPECT_TRUE(parse(api::check_users(json{{"users", users}}.dump()))["ok"].get<bool>());
  users.push_back({{"id", "one more"}});
  EXPECT_EQ(pairs_of(parse(api::check_users(json{{"users", users}}.dump()))["problems"]),
            (Pairs{{"users", "too_many"}}));
  // Properties: 32768 bytes of compact JSON pass, one more does not.
  const std::string fits(32768 - std::string(R"({"big":""})").size(), 'x');
  EXPECT_TRUE(
      parse(api::check_input("properties", json{{"big", fits}}.dump(), "p"))["ok"].get<bool>());
  EXPECT_EQ(pairs_of(parse(
                api::check_input("properties", json{{"big", fits + "x"}}.dump(), "p"))["problems"]),
            (Pairs{{"p", "properties_too_large"}}));
}

TEST(AudienceInput, ALoneSurrogateIsRefusedWhereItWouldBeStoredAsAName) {
  // JSON.stringify writes a lone surrogate as a \u escape.
  EXPECT_EQ(pairs_of(parse(api::check_users(R"({"users":[{"id":"a\ud800"}]})"))["problems"]),
            (Pairs{{"users[0].id", "invalid_text"}}));
  EXPECT_EQ(pairs_of(parse(api::check_users(
                R"({"users":[{"id":"a","properties":{"\udc00":1}}]})"))["problems"]),
            (Pairs{{"users[0].properties", "invalid_property_name"}}));
  // A pair is a character.
  EXPECT_TRUE(parse(api::check_users(R"({"users":[{"id":"\ud83d\ude00"}]})"))["ok"].get<bool>());
}

TEST(AudienceInput, OneValueChecks) {
  EXPECT_EQ(pairs_of(parse(api::check_input("userId", "", "userId"))["problems"]),
            (Pairs{{"userId", "required"}}));
  EXPECT_TRUE(parse(api::check_input("properties", "", "p"))["ok"].get<bool>());
  EXPECT_EQ(pairs_of(parse(api::check_input("cohortName", "\"\"", "name"))["problems"]),
            (Pairs{{"name", "empty"}}));
  // Only a user id must be nameable in a URL path.
  EXPECT_TRUE(parse(api::check_input("eventKey", "\"..\"", "key"))["ok"].get<bool>());
  EXPECT_EQ(pairs_of(parse(api::check_input("userId", "\"..\"", "id"))["problems"]),
            (Pairs{{"id", "invalid_id"}}));
  EXPECT_EQ(parse(api::check_input("colour", "1", "x"))["problems"][0]["field"], "kind");
  EXPECT_EQ(parse(api::check_users("{"))["problems"][0]["code"], "invalid_json");
}

// One parser, one rule per field: an instant needs an offset, a wall-clock
// time must not have one, a cohort date reads a missing one as UTC.
TEST(OffsetRule, EachFieldSaysWhatItsTimeTextMayCarry) {
  using hookcast::parse_date_time;
  EXPECT_TRUE(parse_date_time("2026-11-30T09:00:00Z", OffsetRule::kRequired, true));
  EXPECT_FALSE(parse_date_time("2026-11-30T09:00:00", OffsetRule::kRequired, true));
  EXPECT_FALSE(parse_date_time("2026-11-30", OffsetRule::kRequired, true));
  EXPECT_TRUE(parse_date_time("2026-11-30T09:00", OffsetRule::kForbidden, true));
  EXPECT_FALSE(parse_date_time("2026-11-30T09:00+09:00", OffsetRule::kForbidden, true));
  EXPECT_TRUE(parse_date_time("2026-11-30", OffsetRule::kUtcIfAbsent, false));
  EXPECT_EQ(hookcast::parse_iso8601("2026-11-30T09:00"), iso("2026-11-30T09:00:00Z"));
  EXPECT_FALSE(hookcast::parse_local_date_time("2026-11-30T09:00Z"));
  EXPECT_TRUE(hookcast::parse_local_date_time("2026-11-30T09:00"));
}
