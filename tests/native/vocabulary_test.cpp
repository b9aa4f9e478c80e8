// The product's words (api::vocabulary) and what each campaign status
// allows (api::campaign_capabilities), with the shared cases of
// tests/fixtures/campaigns.json ("capabilities").
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "campaign.hpp"
#include "campaign_api.hpp"
#include "fixtures.hpp"
#include "vocabulary_api.hpp"

namespace api = hookcast::api;
using hookcast::test::load_fixture;
using hookcast::test::parse;
using nlohmann::json;

namespace {

std::vector<std::string> names(const json& list) { return list.get<std::vector<std::string>>(); }

// The shape check's verdict on `send` of an otherwise empty PATCH.
bool accepted(const json& patch) {
  return parse(api::check_campaign(patch.dump(), true))["ok"].get<bool>();
}

}  // namespace

TEST(Vocabulary, SuppressionReasonsInTheContractOrder) {
  const json v = parse(api::vocabulary());
  EXPECT_EQ(
      names(v["suppressionReasons"]),
      (std::vector<std::string>{"already_sent", "resend_period", "frequency_cap", "not_in_cohort",
                                "personalization", "cancelled", "control", "schedule_passed"}));
  EXPECT_EQ(names(v["candidateChecks"]),
            (std::vector<std::string>{"not_in_cohort", "already_sent", "resend_period",
                                      "frequency_cap", "personalization", "control"}));
  EXPECT_EQ(names(v["fatigueReasons"]),
            (std::vector<std::string>{"ok", "already_sent", "resend_period", "frequency_cap"}));
}

TEST(Vocabulary, StatusesActionsSendTypesAndMethods) {
  const json v = parse(api::vocabulary());
  EXPECT_EQ(names(v["campaignStatuses"]),
            (std::vector<std::string>{"ready", "running", "paused", "ended"}));
  EXPECT_EQ(names(v["campaignActions"]),
            (std::vector<std::string>{"start", "pause", "resume", "end"}));
  EXPECT_EQ(names(v["sendTypes"]), (std::vector<std::string>{"schedule", "event", "api"}));
  EXPECT_EQ(names(v["methods"]),
            (std::vector<std::string>{"GET", "POST", "PUT", "PATCH", "DELETE"}));
  EXPECT_EQ(v["operators"]["event"], json::parse(R"(["did","did_not"])"));
  EXPECT_EQ(v["operators"]["property"].size(), 18u);
}

// Every unit a setting's list names is accepted by that setting's check, and
// every other unit refused: the lists are the checks' own.
TEST(Vocabulary, EachSettingsUnitsAreExactlyWhatItsCheckAccepts) {
  const json v = parse(api::vocabulary());
  EXPECT_EQ(names(v["units"]["delay"]),
            (std::vector<std::string>{"minutes", "hours", "days", "weeks"}));
  EXPECT_EQ(names(v["units"]["repeat"]), (std::vector<std::string>{"days", "weeks"}));
  EXPECT_EQ(names(v["units"]["resend"]),
            (std::vector<std::string>{"minutes", "hours", "days", "weeks", "months"}));
  EXPECT_EQ(names(v["units"]["capPeriod"]),
            (std::vector<std::string>{"minutes", "hours", "days", "weeks"}));
  EXPECT_EQ(names(v["units"]["within"]),
            (std::vector<std::string>{"minutes", "hours", "days", "weeks", "months"}));
  for (const std::string unit : {"minutes", "hours", "days", "weeks", "months"}) {
    auto in = [&](const char* list) {
      for (const json& u : v["units"][list])
        if (u == unit) return true;
      return false;
    };
    EXPECT_EQ(
        accepted(
            {{"send",
              {{"type", "event"}, {"event", "e"}, {"delay", {{"value", 1}, {"unit", unit}}}}}}),
        in("delay"))
        << unit;
    EXPECT_EQ(accepted({{"send",
                         {{"type", "schedule"},
                          {"at", "2030-01-01T09:00"},
                          {"timeZone", "UTC"},
                          {"repeat", {{"every", 1}, {"unit", unit}}}}}}),
              in("repeat"))
        << unit;
    EXPECT_EQ(accepted({{"fatigue", {{"resend", {{"every", 1}, {"unit", unit}}}}}}), in("resend"))
        << unit;
    const json caps = {{"rules", {{{"limit", 1}, {"period", {{"value", 1}, {"unit", unit}}}}}}};
    EXPECT_EQ(parse(api::check_frequency_capping(caps.dump()))["ok"].get<bool>(), in("capPeriod"))
        << unit;
  }
}

TEST(Vocabulary, ANewCampaignIsReadyAndHoldsItsMessages) {
  const json v = parse(api::vocabulary());
  EXPECT_EQ(v["initialStatus"], "ready");
  const json caps = parse(api::campaign_capabilities(v["initialStatus"].get<std::string>(), ""));
  EXPECT_TRUE(caps["holdsPending"].get<bool>());
  EXPECT_TRUE(caps["contentEditable"].get<bool>());
  EXPECT_FALSE(caps["mayHaveSent"].get<bool>());
}

TEST(Vocabulary, LimitsAreTheChecksLimits) {
  const json limits = parse(api::vocabulary())["limits"];
  EXPECT_EQ(limits["titleChars"], hookcast::kMaxTitleChars);
  EXPECT_EQ(limits["delayMs"], hookcast::kMaxDelayMs);
  EXPECT_EQ(limits["timeoutMs"], 30000);
  const json too_long = {{"title", std::string(limits["titleChars"].get<std::size_t>() + 1, 'x')}};
  EXPECT_FALSE(accepted(too_long));
  EXPECT_TRUE(accepted({{"title", std::string(limits["titleChars"].get<std::size_t>(), 'x')}}));
}

TEST(Capabilities, EveryStatusAndSendTypeMatchesTheFixture) {
  const json cases = load_fixture("campaigns.json")["capabilities"];
  ASSERT_EQ(cases.size(), 16u);  // every status × (no send, schedule, event, api)
  for (const json& c : cases) {
    const std::string type = c["sendType"].is_null() ? "" : c["sendType"].get<std::string>();
    json r = parse(api::campaign_capabilities(c["status"].get<std::string>(), type));
    ASSERT_TRUE(r["ok"].get<bool>()) << c.dump() << " -> " << r.dump();
    r.erase("ok");
    EXPECT_EQ(r, c["expect"]) << c.dump();
  }
}

TEST(Capabilities, TransitionsAgreeWithTheStatusMachine) {
  for (const char* status : {"ready", "running", "paused", "ended"}) {
    const json caps = parse(api::campaign_capabilities(status, ""));
    for (const char* action : {"start", "pause", "resume", "end"}) {
      const json t = parse(api::campaign_transition(status, action));
      EXPECT_EQ(caps["transitions"].contains(action), t["ok"].get<bool>()) << status << action;
      if (t["ok"].get<bool>()) {
        EXPECT_EQ(caps["transitions"][action], t["status"]);
      }
    }
  }
}

// The flags the edge and the console read instead of status names agree with
// the status machine they stand for: waiting for resume is where resume is
// legal, a final status has no transition, resending needs a started
// campaign that is not final.
TEST(Capabilities, FlagsAgreeWithEachOther) {
  for (const char* status : {"ready", "running", "paused", "ended"}) {
    const json caps = parse(api::campaign_capabilities(status, ""));
    const bool final = caps["final"].get<bool>();
    EXPECT_EQ(caps["waitsForResume"].get<bool>(), caps["transitions"].contains("resume")) << status;
    EXPECT_EQ(final, caps["transitions"].empty()) << status;
    EXPECT_EQ(caps["retriesDeliveries"].get<bool>(), !final) << status;
    EXPECT_EQ(caps["mayHaveSent"].get<bool>(), !caps["transitions"].contains("start")) << status;
    if (caps["resendsFailed"].get<bool>()) {
      EXPECT_TRUE(caps["mayHaveSent"].get<bool>() && !final) << status;
    }
    if (caps["waitsForResume"].get<bool>()) {
      EXPECT_TRUE(caps["holdsPending"].get<bool>()) << status;
    }
  }
}

TEST(Capabilities, UnknownStatusOrSendTypeIsRefused) {
  const json cases = load_fixture(
      "campaigns.json")["capabilitiesRefused"];  // owned: a temporary's member dies before the loop
  for (const json& c : cases) {
    const std::string type = c["sendType"].is_null() ? "" : c["sendType"].get<std::string>();
    const json r = parse(api::campaign_capabilities(c["status"].get<std::string>(), type));
    EXPECT_FALSE(r["ok"].get<bool>()) << c.dump();
    EXPECT_EQ(r["code"], c["code"]) << c.dump();
  }
}
