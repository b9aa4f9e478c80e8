// Campaign rules: the status machine, editability, the create/PATCH shape
// check and the launch check, directly and through campaign_api (the wasm
// surface), with the shared cases of tests/fixtures/campaigns.json.
#include "campaign.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "calendar.hpp"
#include "campaign_api.hpp"
#include "fixtures.hpp"

namespace api = hookcast::api;
using hookcast::CampaignAction;
using hookcast::CampaignStatus;
using hookcast::test::iso;
using hookcast::test::load_fixture;
using hookcast::test::parse;
using nlohmann::json;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// (field, code) of every problem, sorted: the fixtures list them as a set.
Pairs pairs_of(const json& problems) {
  Pairs out;
  for (const json& p : problems) {
    EXPECT_EQ(p["severity"], "error") << p.dump();
    EXPECT_FALSE(p["message"].get<std::string>().empty()) << p.dump();
    out.emplace_back(p["field"].get<std::string>(), p["code"].get<std::string>());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Pairs expected_pairs(const json& list) {
  Pairs out;
  for (const json& p : list) out.emplace_back(p[0].get<std::string>(), p[1].get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

// The fixture's readable options ({now, scheduleAt, until} as ISO text) as
// launch_check's {nowMs, scheduleAtMs, untilMs}.
json launch_options(const json& o) {
  json out = {{"nowMs", iso(o["now"])}, {"scheduleAtMs", nullptr}};
  if (o.contains("scheduleAt")) out["scheduleAtMs"] = iso(o["scheduleAt"]);
  if (o.contains("until")) out["untilMs"] = iso(o["until"]);
  if (o.contains("allowLocalHttp")) out["allowLocalHttp"] = o["allowLocalHttp"];
  return out;
}

// ---- status machine -----------------------------------------------------------------

TEST(Campaign, LegalTransitions) {
  using S = CampaignStatus;
  using A = CampaignAction;
  const std::vector<std::tuple<S, A, S>> legal = {
      {S::kReady, A::kStart, S::kRunning},   {S::kRunning, A::kPause, S::kPaused},
      {S::kPaused, A::kResume, S::kRunning}, {S::kReady, A::kEnd, S::kEnded},
      {S::kRunning, A::kEnd, S::kEnded},     {S::kPaused, A::kEnd, S::kEnded}};
  for (const auto& [from, action, to] : legal) {
    const auto v = hookcast::campaign_transition(from, action);
    EXPECT_TRUE(v.ok);
    EXPECT_EQ(v.status, to);
    EXPECT_TRUE(v.code.empty());
  }
}

TEST(Campaign, EveryTransitionMatchesTheFixture) {
  const json cases = load_fixture("campaigns.json")["transitions"];
  ASSERT_EQ(cases.size(), 16u);  // every status × every action
  for (const json& c : cases) {
    const std::string label = c.dump();
    const json r = parse(
        api::campaign_transition(c["status"].get<std::string>(), c["action"].get<std::string>()));
    ASSERT_EQ(r["ok"], c["ok"]) << label << " -> " << r.dump();
    if (c["ok"].get<bool>()) {
      EXPECT_EQ(r["status"], c["to"]) << label;
    } else {
      EXPECT_EQ(r["code"], "invalid_transition") << label;
      EXPECT_EQ(r["message"], c["message"]) << label;
    }
  }
}

TEST(Campaign, IllegalTransitionNamesTheCurrentStatus) {
  const auto v = hookcast::campaign_transition(CampaignStatus::kPaused, CampaignAction::kStart);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.code, "invalid_transition");
  EXPECT_EQ(v.message, "The campaign is paused; it can be resumed or ended.");
  // The status it already has is refused too.
  const auto same = hookcast::campaign_transition(CampaignStatus::kRunning, CampaignAction::kStart);
  EXPECT_FALSE(same.ok);
  EXPECT_NE(same.message.find("already running"), std::string::npos) << same.message;
  // Ended is final: even "end" again.
  for (const char* action : {"start", "pause", "resume", "end"}) {
    const json r = parse(api::campaign_transition("ended", action));
    EXPECT_FALSE(r["ok"].get<bool>()) << action;
    EXPECT_NE(r["message"].get<std::string>().find("ended"), std::string::npos);
  }
}

TEST(Campaign, UnknownStatusOrActionIsNotATransition) {
  EXPECT_EQ(parse(api::campaign_transition("draft", "start"))["code"], "invalid_status");
  EXPECT_EQ(parse(api::campaign_transition("Ready", "start"))["code"], "invalid_status");
  EXPECT_EQ(parse(api::campaign_transition("ready", "launch"))["code"], "invalid_action");
  EXPECT_EQ(parse(api::campaign_transition("ready", ""))["code"], "invalid_action");
}

// ---- editability ----------------------------------------------------------------------

TEST(Campaign, EditabilityMatrixMatchesTheFixture) {
  const json cases = load_fixture("campaigns.json")["editable"];
  ASSERT_GE(cases.size(), 40u);
  for (const json& c : cases) {
    const json r =
        parse(api::campaign_editable(c["status"].get<std::string>(), c["fields"].dump()));
    ASSERT_EQ(r["ok"], c["ok"]) << c.dump() << " -> " << r.dump();
    if (!c["ok"].get<bool>()) {
      EXPECT_EQ(r["code"], "campaign_not_editable") << c.dump();
    }
  }
}

TEST(Campaign, NotEditableSaysWhy) {
  const std::vector<std::string> fields = {"title", "webhook", "rateLimit", "webhook"};
  const auto v =
      hookcast::campaign_editable(CampaignStatus::kRunning, fields.data(), fields.size());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.message,
            "The campaign is running; pause it to edit its webhook and rate limit (the title and "
            "description can be edited now).");
  const auto ended = hookcast::campaign_editable(CampaignStatus::kEnded, fields.data(), 1);
  EXPECT_EQ(ended.message, "The campaign has ended; an ended campaign cannot be edited.");
}

TEST(Campaign, EditableRefusesBadArguments) {
  EXPECT_EQ(parse(api::campaign_editable("archived", "[]"))["code"], "invalid_status");
  EXPECT_EQ(parse(api::campaign_editable("ready", "[1]"))["code"], "invalid_fields");
  EXPECT_EQ(parse(api::campaign_editable("ready", "{"))["code"], "invalid_fields");
}

// ---- shape ------------------------------------------------------------------------------

TEST(Campaign, ShapeCasesMatchTheFixture) {
  const json cases = load_fixture("campaigns.json")["shape"];
  for (const json& c : cases) {
    const json r = parse(api::check_campaign(c["body"].dump(), c["partial"].get<bool>()));
    const Pairs want = expected_pairs(c["problems"]);
    EXPECT_EQ(r["ok"].get<bool>(), want.empty()) << c["name"];
    EXPECT_EQ(pairs_of(r["problems"]), want) << c["name"] << ": " << r.dump();
  }
}

TEST(Campaign, ShapeRefusesTextThatIsNotJson) {
  const json r = parse(api::check_campaign("{\"title\":", false));
  EXPECT_EQ(pairs_of(r["problems"]), (Pairs{{"campaign", "invalid_json"}}));
}

TEST(Campaign, ShapeMessagesNameTheFieldAndRange) {
  const json r = parse(api::check_campaign(
      R"({"title":"t","rateLimit":{"perMinute":70000},"timeoutMs":1e300})", false));
  ASSERT_EQ(r["problems"].size(), 2u) << r.dump();
  EXPECT_EQ(r["problems"][0]["message"],
            "rateLimit.perMinute must be from 1 to 60000; it is 70000.");
  EXPECT_EQ(r["problems"][1]["code"], "out_of_range");
}

TEST(Campaign, QuietHoursOptInIsABoolean) {
  EXPECT_EQ(pairs_of(parse(api::check_campaign(R"({"quietHours":true})", true))["problems"]),
            Pairs{});
  EXPECT_EQ(pairs_of(parse(api::check_campaign(R"({"quietHours":"yes"})", true))["problems"]),
            (Pairs{{"quietHours", "invalid_type"}}));
}

TEST(Campaign, UserTimeZoneNeedsAFallbackAndOnlyItTakesOne) {
  const auto problems = [](const char* send) {
    return pairs_of(
        parse(api::check_campaign(std::string(R"({"send":)") + send + "}", true))["problems"]);
  };
  EXPECT_EQ(problems(R"({"type":"schedule","at":"2026-12-01T09:00","timeZone":"user",)"
                     R"("fallbackTimeZone":"Asia/Seoul"})"),
            Pairs{});
  EXPECT_EQ(problems(R"({"type":"schedule","at":"2026-12-01T09:00","timeZone":"user"})"),
            (Pairs{{"send.fallbackTimeZone", "required"}}));
  EXPECT_EQ(problems(R"({"type":"schedule","at":"2026-12-01T09:00","timeZone":"Asia/Seoul",)"
                     R"("fallbackTimeZone":"UTC"})"),
            (Pairs{{"send.fallbackTimeZone", "invalid_value"}}));
}

TEST(Campaign, HugeNumbersAreOutOfRangeNotOverflow) {
  for (const char* n :
       {"18446744073709551615", "9223372036854775807", "-9223372036854775808", "1e19", "-1e19"}) {
    const json r = parse(api::check_campaign(std::string(R"({"timeoutMs":)") + n + "}", true));
    EXPECT_EQ(pairs_of(r["problems"]), (Pairs{{"timeoutMs", "out_of_range"}})) << n;
  }
}

// Regression: a schedule in 9999 was stored, then poisoned every start
// (workerd's alarms stop at 2189). Dates outside [1970, 2100) are refused at
// create/PATCH, and a row stored earlier is refused at start.
TEST(Campaign, ScheduleDatesOutsideTheRangeAreRefusedWhereTheyStand) {
  const auto body = [](const char* at, const char* until) {
    std::string s =
        R"({"send":{"type":"schedule","timeZone":"UTC","at":")" + std::string(at) + "\"";
    if (until) s += R"(,"repeat":{"every":1,"unit":"days","until":")" + std::string(until) + "\"}";
    return s + "}}";
  };
  for (const char* at : {"9999-12-31T23:00", "2500-01-01T00:00", "2100-01-01T00:00",
                         "1969-12-31T23:59", "0000-01-01T00:00"}) {
    const json r = parse(api::check_campaign(body(at, nullptr), true));
    EXPECT_EQ(pairs_of(r["problems"]), (Pairs{{"send.at", "out_of_range"}})) << at;
  }
  EXPECT_TRUE(parse(api::check_campaign(body("2099-12-31T23:59:59", nullptr), true))["ok"]);
  EXPECT_TRUE(parse(api::check_campaign(body("1970-01-01T00:00", nullptr), true))["ok"]);
  EXPECT_TRUE(parse(api::check_campaign(body("2026-01-01T00:00", "2099-12-31"), true))["ok"]);
  for (const char* until : {"2100-01-01", "9999-12-31T00:00"}) {
    const json r = parse(api::check_campaign(body("2026-01-01T00:00", until), true));
    EXPECT_EQ(pairs_of(r["problems"]), (Pairs{{"send.repeat.until", "out_of_range"}})) << until;
  }
  // A stored row from before the range: start refuses it, located.
  const json stored = parse(body("9999-12-31T23:00", nullptr));
  json campaign = {{"title", "t"},
                   {"webhook", {{"url", "https://example.com/"}, {"method", "POST"}}},
                   {"target", {{"allUsers", true}}},
                   {"send", stored["send"]}};
  const json r = parse(api::launch_check(
      campaign.dump(), R"({"nowMs":1780000000000,"scheduleAtMs":253402297200000})"));
  EXPECT_EQ(pairs_of(r["problems"]), (Pairs{{"send.at", "out_of_range"}})) << r.dump();
}

// Regression: send.where nested 10,000 deep overflowed the stack (answered
// 500) where the cohort routes answered rule_too_deep.
TEST(Campaign, WhereNestedTooDeepIsRuleTooDeep) {
  for (const std::size_t n : {std::size_t{10000}, std::size_t{100000}}) {
    const std::string body = R"({"send":{"type":"event","event":"e","where":)" +
                             std::string(n, '[') + std::string(n, ']') + "}}";
    const json r = parse(api::check_campaign(body, true));
    EXPECT_EQ(pairs_of(r["problems"]), (Pairs{{"send.where", "rule_too_deep"}})) << n;
  }
  const std::string deep_title =
      R"({"webhook":{"body":)" + std::string(5000, '[') + std::string(5000, ']') + "}}";
  EXPECT_EQ(pairs_of(parse(api::check_campaign(deep_title, true))["problems"]),
            (Pairs{{"webhook.body", "too_deep"}}));
  // Within the bound, the cohort reader decides (its own 32-group limit).
  const std::string shallow = R"({"send":{"type":"event","event":"e","where":)" +
                              std::string(60, '[') + std::string(60, ']') + "}}";
  EXPECT_FALSE(parse(api::check_campaign(shallow, true))["ok"].get<bool>());
}

TEST(Campaign, LocalDateTime) {
  using hookcast::parse_local_date_time;
  EXPECT_EQ(parse_local_date_time("2026-12-01T09:00"), iso("2026-12-01T09:00:00Z"));
  EXPECT_EQ(parse_local_date_time("2026-12-01T09:00:59"), iso("2026-12-01T09:00:59Z"));
  for (const char* bad :
       {"2026-12-01T09:00Z", "2026-12-01T09:00+09:00", "2026-12-01 09:00", "2026-12-01t09:00",
        "2026-12-01T9:00", "2026-12-01T09:00:00.5", "2026-13-01T09:00", "2026-04-31T09:00",
        "2026-12-01T09:60", "", "2026-12-01T09:00:60", "20261201T0900", "2026-12-01"}) {
    EXPECT_FALSE(parse_local_date_time(bad).has_value()) << bad;
  }
}

TEST(Campaign, LocalUntilIsADateTimeOrAWholeDay) {
  using hookcast::parse_local_until;
  EXPECT_EQ(parse_local_until("2026-12-31"), iso("2027-01-01T00:00:00Z") - 1);
  EXPECT_EQ(parse_local_until("2024-02-29"), iso("2024-03-01T00:00:00Z") - 1);
  EXPECT_EQ(parse_local_until("2026-12-31T09:30"), iso("2026-12-31T09:30:00Z"));
  for (const char* bad : {"2026-02-29", "2026-12-31Z", "2026-12", "20261231", "2026/12/31",
                          "2026-12-31T24:00", "2026-12-31T09:00+01:00"}) {
    EXPECT_FALSE(parse_local_until(bad).has_value()) << bad;
  }
}

TEST(Campaign, SigningSecretRuleIsTheEdgeRule) {
  using hookcast::check_signing_secret;
  // 24 and 64 bytes are the bounds (32 and 86+"==" base64 characters).
  EXPECT_TRUE(check_signing_secret("whsec_" + std::string(32, 'A'), "s").empty());
  EXPECT_TRUE(check_signing_secret("whsec_" + std::string(86, 'A') + "==", "s").empty());
  EXPECT_FALSE(check_signing_secret("whsec_" + std::string(28, 'A'), "s").empty());  // 21 bytes
  EXPECT_FALSE(check_signing_secret("whsec_" + std::string(92, 'A'), "s").empty());  // 69 bytes
  EXPECT_FALSE(check_signing_secret("whsec_" + std::string(31, 'A') + "=", "s").empty());  // 23
  EXPECT_TRUE(check_signing_secret("whsec_" + std::string(34, 'A') + "==", "s").empty());  // 25
  EXPECT_FALSE(check_signing_secret("whsec_" + std::string(33, 'A'), "s").empty());        // not /4
  EXPECT_FALSE(check_signing_secret("whsec_" + std::string(31, 'A') + "-", "s").empty());
  EXPECT_FALSE(check_signing_secret("WHSEC_" + std::string(32, 'A'), "s").empty());
  const auto p = check_signing_secret("whsec_", "signingSecret");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, "signingSecret");
  EXPECT_EQ(p[0].message, "The signing key must be 24 to 64 bytes; it is 0.");
}

// ---- launch -----------------------------------------------------------------------------

TEST(Campaign, LaunchCasesMatchTheFixture) {
  const json cases = load_fixture("campaigns.json")["launch"];
  for (const json& c : cases) {
    const json r =
        parse(api::launch_check(c["campaign"].dump(), launch_options(c["options"]).dump()));
    const Pairs want = expected_pairs(c["problems"]);
    EXPECT_EQ(r["ok"].get<bool>(), want.empty()) << c["name"];
    EXPECT_EQ(pairs_of(r["problems"]), want) << c["name"] << ": " << r.dump();
  }
}

TEST(Campaign, LaunchListsEveryMissingPieceAtOnce) {
  const json r = parse(api::launch_check(
      R"({"title":"t","webhook":{"url":"","method":"TRACE"},"send":{"type":"schedule","at":"2020-01-01T00:00","timeZone":"UTC"}})",
      R"({"nowMs":1780000000000,"scheduleAtMs":1577836800000})"));
  EXPECT_FALSE(r["ok"].get<bool>());
  const Pairs got = pairs_of(r["problems"]);
  for (const auto& want : Pairs{{"webhook.url", "url_required"},
                                {"webhook.method", "invalid_method"},
                                {"target", "required"},
                                {"send.at", "schedule_in_past"}}) {
    EXPECT_NE(std::find(got.begin(), got.end(), want), got.end()) << want.first << " " << r.dump();
  }
}

TEST(Campaign, LaunchOptionsAreChecked) {
  const std::string campaign = R"({"title":"t"})";
  EXPECT_EQ(pairs_of(parse(api::launch_check(campaign, "{}"))["problems"]),
            (Pairs{{"options.nowMs", "required"}}));
  EXPECT_EQ(pairs_of(parse(api::launch_check(campaign, R"({"nowMs":"now"})"))["problems"]),
            (Pairs{{"options.nowMs", "invalid_type"}}));
  EXPECT_EQ(pairs_of(parse(api::launch_check(
                campaign, R"({"nowMs":1,"scheduleAtMs":"x","allowLocalHttp":1})"))["problems"]),
            (Pairs{{"options.allowLocalHttp", "invalid_type"},
                   {"options.scheduleAtMs", "invalid_type"}}));
  EXPECT_EQ(pairs_of(parse(api::launch_check("[", R"({"nowMs":1})"))["problems"]),
            (Pairs{{"campaign", "invalid_json"}}));
  EXPECT_EQ(pairs_of(parse(api::launch_check("3", R"({"nowMs":1})"))["problems"]),
            (Pairs{{"campaign", "invalid_type"}}));
}

TEST(Campaign, LastScheduleOccurrence) {
  using hookcast::TimeUnit;
  const std::int64_t at = iso("2026-05-01T09:00:00Z");
  EXPECT_EQ(hookcast::last_schedule_occurrence(at, at, 1, TimeUnit::kDays), at);
  EXPECT_EQ(hookcast::last_schedule_occurrence(at, iso("2026-05-03T08:59:59Z"), 1, TimeUnit::kDays),
            iso("2026-05-02T09:00:00Z"));
  EXPECT_EQ(hookcast::last_schedule_occurrence(at, iso("2026-05-03T09:00:00Z"), 1, TimeUnit::kDays),
            iso("2026-05-03T09:00:00Z"));
  EXPECT_EQ(
      hookcast::last_schedule_occurrence(at, iso("2026-05-29T09:00:00Z"), 2, TimeUnit::kWeeks),
      iso("2026-05-29T09:00:00Z"));
  EXPECT_FALSE(hookcast::last_schedule_occurrence(at, at - 1, 1, TimeUnit::kDays).has_value());
}

}  // namespace
