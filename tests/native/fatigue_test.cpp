// Fatigue: the duplicate rule (already_sent, resend_period with calendar
// months), frequency caps at the exact window edges, several rules AND-ed,
// and the cap-settings check, directly and through campaign_api, with the
// shared cases of tests/fixtures/fatigue.json.
#include "fatigue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "calendar.hpp"
#include "campaign_api.hpp"
#include "fixtures.hpp"
#include "frequency_capping.hpp"
#include "vocabulary_api.hpp"

namespace api = hookcast::api;
using hookcast::FatiguePolicy;
using hookcast::FatigueReason;
using hookcast::LedgerEntry;
using hookcast::TimeUnit;
using hookcast::test::iso;
using hookcast::test::load_fixture;
using hookcast::test::parse;
using nlohmann::json;

namespace {

// The fixture's ledger ({campaign, at: ISO text}) as the engine's ({campaign, at: ms}).
json ledger_ms(const json& ledger) {
  json out = json::array();
  for (const json& e : ledger) out.push_back({{"campaign", e["campaign"]}, {"at", iso(e["at"])}});
  return out;
}

// The reason a batch answer's letter stands for, read from the core's own
// table (api::fatigue_reason_letters), as the JS binding reads it: the
// fixture cases below check the table and the letters together.
std::string reason_of(char letter) {
  static const json table = json::parse(api::fatigue_reason_letters());
  const std::string key(1, letter);
  return table.contains(key) ? table[key].get<std::string>() : "(no reason for " + key + ")";
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs pairs_of(const json& problems) {
  Pairs out;
  for (const json& p : problems)
    out.emplace_back(p["field"].get<std::string>(), p["code"].get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

FatiguePolicy capped(std::vector<hookcast::CapRule> rules) {
  FatiguePolicy p;
  p.campaign = "c1";
  p.frequency_capping = true;
  for (auto& r : rules) r.window_ms = r.value * (r.unit == TimeUnit::kHours ? 3'600'000 : 60'000);
  p.rules = std::move(rules);
  return p;
}

// ---- the fixture, through the JSON surface --------------------------------------------

TEST(Fatigue, DecisionsMatchTheFixture) {
  const json cases = load_fixture("fatigue.json")["decisions"];
  ASSERT_GE(cases.size(), 30u);
  for (const json& c : cases) {
    const json ledgers = json::array({ledger_ms(c["ledger"])});
    const json r = parse(api::fatigue_batch(c["policy"].dump(), ledgers.dump(),
                                            static_cast<double>(iso(c["sendAt"]))));
    ASSERT_TRUE(r["ok"].get<bool>()) << c["name"] << ": " << r.dump();
    const std::string letters = r["reasons"].get<std::string>();
    ASSERT_EQ(letters.size(), 1u);
    EXPECT_EQ(reason_of(letters[0]), c["reason"].get<std::string>()) << c["name"];
  }
}

TEST(Fatigue, BatchAnswersEveryFixtureCaseInOrder) {
  // Cases sharing a send time and policy, batched: one letter per ledger.
  const json cases = load_fixture("fatigue.json")["decisions"];
  std::map<std::string, std::vector<const json*>> groups;
  for (const json& c : cases) groups[c["policy"].dump() + c["sendAt"].dump()].push_back(&c);
  std::size_t batched = 0;
  for (const auto& [key, group] : groups) {
    json ledgers = json::array();
    for (const json* c : group) ledgers.push_back(ledger_ms((*c)["ledger"]));
    const json r = parse(api::fatigue_batch((*group[0])["policy"].dump(), ledgers.dump(),
                                            static_cast<double>(iso((*group[0])["sendAt"]))));
    const std::string letters = r["reasons"].get<std::string>();
    ASSERT_EQ(letters.size(), group.size());
    for (std::size_t i = 0; i < group.size(); ++i)
      EXPECT_EQ(reason_of(letters[i]), (*group[i])["reason"].get<std::string>());
    batched += group.size();
  }
  EXPECT_EQ(batched, cases.size());
}

TEST(Fatigue, LetterTableNamesEveryReasonOnce) {
  const json table = json::parse(api::fatigue_reason_letters());
  const json expected = {
      {"o", "ok"}, {"a", "already_sent"}, {"r", "resend_period"}, {"f", "frequency_cap"}};
  EXPECT_EQ(table, expected);
  const json vocabulary_reasons = json::parse(api::vocabulary())["fatigueReasons"];
  ASSERT_EQ(table.size(), vocabulary_reasons.size());
  for (const json& name : vocabulary_reasons) {
    std::size_t seen = 0;
    for (const auto& [letter, reason] : table.items()) seen += reason == name ? 1 : 0;
    EXPECT_EQ(seen, 1u) << name;
  }
}

TEST(Fatigue, AddPeriodMatchesTheFixture) {
  const json cases = load_fixture("fatigue.json")["addPeriod"];
  for (const json& c : cases) {
    const json r = parse(api::add_period(static_cast<double>(iso(c["from"])), c["n"].get<double>(),
                                         c["unit"].get<std::string>()));
    ASSERT_TRUE(r["ok"].get<bool>()) << c.dump();
    EXPECT_EQ(r["ms"].get<std::int64_t>(), iso(c["to"])) << c.dump();
  }
}

TEST(Fatigue, CappingSettingsMatchTheFixture) {
  const json cases = load_fixture("fatigue.json")["capping"];
  for (const json& c : cases) {
    const json r = parse(api::check_frequency_capping(c["settings"].dump()));
    Pairs want;
    for (const json& p : c["problems"]) want.emplace_back(p[0], p[1]);
    std::sort(want.begin(), want.end());
    EXPECT_EQ(r["ok"].get<bool>(), want.empty()) << c["name"];
    EXPECT_EQ(pairs_of(r["problems"]), want) << c["name"] << ": " << r.dump();
  }
}

// ---- the core functions ------------------------------------------------------------------

TEST(Fatigue, CapWindowEdgesExactly) {
  // (send_at − 1 h, send_at]: in at −1 h + 1 ms and at send_at, out at −1 h and +1 ms.
  const FatiguePolicy p = capped({{1, 1, TimeUnit::kHours, 0}});
  const std::int64_t t = iso("2026-03-15T12:00:00Z");
  const auto decide = [&](std::int64_t at) {
    const LedgerEntry e{"other", at};
    return hookcast::fatigue_decision(p, &e, 1, t);
  };
  EXPECT_EQ(decide(t - 3'600'000), FatigueReason::kOk);
  EXPECT_EQ(decide(t - 3'600'000 + 1), FatigueReason::kFrequencyCap);
  EXPECT_EQ(decide(t), FatigueReason::kFrequencyCap);
  EXPECT_EQ(decide(t + 1), FatigueReason::kOk);
}

TEST(Fatigue, RulesAreAndedAndCountEveryCampaign) {
  // 2 per 10 minutes AND 3 per hour.
  const FatiguePolicy p = capped({{2, 10, TimeUnit::kMinutes, 0}, {3, 1, TimeUnit::kHours, 0}});
  const std::int64_t t = iso("2026-03-15T12:00:00Z");
  const std::int64_t minute = 60'000;
  std::vector<LedgerEntry> ledger = {{"a", t - 5 * minute}, {"b", t - 30 * minute}};
  EXPECT_EQ(hookcast::fatigue_decision(p, ledger.data(), ledger.size(), t), FatigueReason::kOk);
  ledger.push_back({"c", t - 50 * minute});  // the hour is full
  EXPECT_EQ(hookcast::fatigue_decision(p, ledger.data(), ledger.size(), t),
            FatigueReason::kFrequencyCap);
  ledger = {{"a", t - 5 * minute}, {"b", t - 9 * minute}};  // the 10 minutes are full
  EXPECT_EQ(hookcast::fatigue_decision(p, ledger.data(), ledger.size(), t),
            FatigueReason::kFrequencyCap);
}

TEST(Fatigue, ResendInEveryUnitOpensExactlyOnePeriodLater) {
  const std::int64_t last = iso("2026-01-31T08:30:00Z");
  for (const TimeUnit unit : hookcast::kTimeUnits) {
    FatiguePolicy p;
    p.campaign = "c1";
    p.resend = hookcast::ResendPeriod{2, unit};
    const LedgerEntry e{"c1", last};
    const std::int64_t open = hookcast::add_period(last, 2, unit);
    EXPECT_EQ(hookcast::fatigue_decision(p, &e, 1, open - 1), FatigueReason::kResendPeriod)
        << hookcast::time_unit_name(unit);
    EXPECT_EQ(hookcast::fatigue_decision(p, &e, 1, open), FatigueReason::kOk)
        << hookcast::time_unit_name(unit);
  }
  // Jan 31 + 2 months is Mar 31; + 1 month is Feb 28 (2026 is not a leap year).
  EXPECT_EQ(hookcast::add_period(last, 2, TimeUnit::kMonths), iso("2026-03-31T08:30:00Z"));
  EXPECT_EQ(hookcast::add_period(last, 1, TimeUnit::kMonths), iso("2026-02-28T08:30:00Z"));
}

TEST(Fatigue, CapsIgnoredWhenTheCampaignOptsOut) {
  FatiguePolicy p = capped({{1, 1, TimeUnit::kHours, 0}});
  p.frequency_capping = false;
  const LedgerEntry e{"other", 0};
  EXPECT_EQ(hookcast::fatigue_decision(p, &e, 1, 0), FatigueReason::kOk);
}

TEST(Fatigue, ReasonNames) {
  EXPECT_EQ(hookcast::fatigue_reason_name(FatigueReason::kOk), "ok");
  EXPECT_EQ(hookcast::fatigue_reason_name(FatigueReason::kAlreadySent), "already_sent");
  EXPECT_EQ(hookcast::fatigue_reason_name(FatigueReason::kResendPeriod), "resend_period");
  EXPECT_EQ(hookcast::fatigue_reason_name(FatigueReason::kFrequencyCap), "frequency_cap");
}

TEST(Fatigue, CheckFillsWindowLengths) {
  std::vector<hookcast::CapRule> rules;
  const auto problems = hookcast::check_frequency_capping(
      json::parse(R"({"rules":[{"limit":3,"period":{"value":2,"unit":"weeks"}}]})"), &rules);
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].limit, 3);
  EXPECT_EQ(rules[0].window_ms, 14LL * 86'400'000);
}

// ---- the JSON surface's refusals ------------------------------------------------------

TEST(Fatigue, BatchRefusesBadInputWithAField) {
  const std::string policy =
      R"({"campaign":"c1","resend":null,"frequencyCapping":false,"rules":[]})";
  const auto field = [](const std::string& answer) {
    const json r = json::parse(answer);
    EXPECT_FALSE(r["ok"].get<bool>()) << answer;
    return r["problems"][0]["field"].get<std::string>();
  };
  EXPECT_EQ(field(api::fatigue_batch(policy, "{}", 0)), "ledgers");
  EXPECT_EQ(field(api::fatigue_batch(policy, "[[", 0)), "ledgers");
  EXPECT_EQ(field(api::fatigue_batch(policy, "[[],3]", 0)), "ledgers[1]");
  EXPECT_EQ(field(api::fatigue_batch(policy, R"([[{"campaign":"a","at":1},{"at":1}]])", 0)),
            "ledgers[0][1].campaign");
  EXPECT_EQ(field(api::fatigue_batch(policy, R"([[{"campaign":"a","at":"1"}]])", 0)),
            "ledgers[0][0].at");
  EXPECT_EQ(field(api::fatigue_batch(policy, R"([[{"campaign":"a","at":1e300}]])", 0)),
            "ledgers[0][0].at");
  EXPECT_EQ(field(api::fatigue_batch(policy, "[]", std::nan(""))), "sendAtMs");
  EXPECT_EQ(field(api::fatigue_batch(R"({"campaign":"","rules":[]})", "[]", 0)), "policy.campaign");
  EXPECT_EQ(
      field(api::fatigue_batch(R"({"campaign":"c","resend":{"every":1,"unit":"years"}})", "[]", 0)),
      "policy.resend.unit");
  EXPECT_EQ(field(api::fatigue_batch(
                R"({"campaign":"c","rules":[{"limit":1,"period":{"value":31,"unit":"days"}}]})",
                "[]", 0)),
            "policy.rules[0].period.value");
  EXPECT_EQ(json::parse(api::fatigue_batch(policy, "[]", 0))["reasons"], "");
}

TEST(Fatigue, BatchReadsEscapedKeysAndFractionalTimes) {
  const std::string policy =
      R"({"campaign":"caf\u00e9","resend":null,"frequencyCapping":false,"rules":[]})";
  const json r = parse(api::fatigue_batch(
      policy,
      R"([[{"campaign":"caf\u00e9","at":1.5}],[{"at":2,"campaign":"café"}],[{"campaign":"cafe","at":-3e3}]])",
      10));
  EXPECT_EQ(r["reasons"], "aao");
}

// The packed form the wasm binding sends: interned keys + (n, (key, at, flags)...) doubles.
TEST(Fatigue, PackedBatchAgreesWithTheJsonBatch) {
  const json cases = load_fixture("fatigue.json")["decisions"];
  for (const json& c : cases) {
    std::vector<std::string> keys;
    std::vector<double> data;
    const json ledger = ledger_ms(c["ledger"]);
    data.push_back(static_cast<double>(ledger.size()));
    for (const json& e : ledger) {
      const auto name = e["campaign"].get<std::string>();
      auto it = std::find(keys.begin(), keys.end(), name);
      if (it == keys.end()) it = keys.insert(keys.end(), name);
      data.push_back(static_cast<double>(it - keys.begin()));
      data.push_back(e["at"].get<double>());
      data.push_back(e.value("control", false) ? 1 : 0);
    }
    const double send_at = static_cast<double>(iso(c["sendAt"]));
    EXPECT_EQ(api::fatigue_batch_packed(c["policy"].dump(), json(keys).dump(), data.data(),
                                        data.size(), send_at),
              api::fatigue_batch(c["policy"].dump(), json::array({ledger}).dump(), send_at))
        << c["name"];
  }
}

TEST(Fatigue, PackedBatchNamesWhatIsWrong) {
  const std::string policy = R"({"campaign":"c1","resend":null,"frequencyCapping":false})";
  const auto field = [&](std::vector<double> data, const char* keys = R"(["c1"])") {
    const json r =
        json::parse(api::fatigue_batch_packed(policy, keys, data.data(), data.size(), 0));
    EXPECT_FALSE(r["ok"].get<bool>()) << r.dump();
    return r["problems"][0]["field"].get<std::string>();
  };
  const double nan = std::nan("");
  EXPECT_EQ(field({0, -1}), "ledgers[1]");
  EXPECT_EQ(field({2, 0, 1, 0, -2, nan, 0}), "ledgers[0][1]");
  EXPECT_EQ(field({1, -1, 5, 0}), "ledgers[0][0].campaign");
  EXPECT_EQ(field({1, 0, nan, 0}), "ledgers[0][0].at");
  EXPECT_EQ(field({1, 0, 1e300, 0}), "ledgers[0][0].at");
  EXPECT_EQ(field({1, 0, 5, nan}), "ledgers[0][0].control");
  EXPECT_EQ(field({1, 0, 5, 2}), "ledgers[0][0].control");
  // Malformed packing (not what the binding writes) is refused, never read past the end.
  EXPECT_EQ(field({3, 0, 1, 0}), "ledgers");
  EXPECT_EQ(field({1, 0, 1}), "ledgers");
  EXPECT_EQ(field({1, 1, 1, 0}), "ledgers");
  EXPECT_EQ(field({1.5, 0, 1, 0}), "ledgers");
  EXPECT_EQ(field({1, 0, 1, 0}, "{}"), "ledgers");
  const std::vector<double> ok = {1, 0, 5, 0, 0, 1, 0, 5, 1};
  EXPECT_EQ(json::parse(
                api::fatigue_batch_packed(policy, R"(["x"])", ok.data(), ok.size(), 10))["reasons"],
            "ooo");  // one send, no sends, one control record
}

// A control-group record (a user an experiment held back) keeps its
// campaign's duplicate rule but takes no cap slot: nothing reached the user.
TEST(Fatigue, ControlRecordsCountForTheDuplicateRuleOnly) {
  const std::int64_t t = 1'000'000'000'000;
  FatiguePolicy capped;
  capped.campaign = "other";
  capped.frequency_capping = true;
  capped.rules = {hookcast::CapRule{1, 1, TimeUnit::kDays, 86'400'000}};
  const LedgerEntry control{"c1", t - 1000, true};
  const LedgerEntry sent{"c1", t - 1000, false};
  EXPECT_EQ(hookcast::fatigue_decision(capped, &control, 1, t), FatigueReason::kOk);
  EXPECT_EQ(hookcast::fatigue_decision(capped, &sent, 1, t), FatigueReason::kFrequencyCap);
  FatiguePolicy same;
  same.campaign = "c1";
  EXPECT_EQ(hookcast::fatigue_decision(same, &control, 1, t), FatigueReason::kAlreadySent);
  same.resend = hookcast::ResendPeriod{1, TimeUnit::kHours};
  EXPECT_EQ(hookcast::fatigue_decision(same, &control, 1, t), FatigueReason::kResendPeriod);
  // The JSON form reads the flag and names a wrong one.
  const std::string json_policy =
      R"({"campaign":"other","frequencyCapping":true,"rules":[{"limit":1,"period":{"value":1,"unit":"days"}}]})";
  EXPECT_EQ(
      parse(api::fatigue_batch(
          json_policy, R"([[{"campaign":"c1","at":5,"control":true}],[{"campaign":"c1","at":5}]])",
          10))["reasons"],
      "of");
  EXPECT_EQ(parse(api::fatigue_batch(json_policy, R"([[{"campaign":"c1","at":5,"control":1}]])",
                                     10))["problems"][0]["field"],
            "ledgers[0][0].control");
}

TEST(Fatigue, AddPeriodRefusals) {
  EXPECT_EQ(parse(api::add_period(std::nan(""), 1, "days"))["problems"][0]["field"], "ms");
  EXPECT_EQ(parse(api::add_period(9e15, 1, "days"))["problems"][0]["field"], "ms");
  EXPECT_EQ(parse(api::add_period(1.9, 1, "minutes"))["ms"], 60'001);  // floored first
  EXPECT_EQ(parse(api::add_period(0, 1.5, "days"))["problems"][0]["field"], "n");
  EXPECT_EQ(parse(api::add_period(0, 1, "years"))["problems"][0]["field"], "unit");
  EXPECT_EQ(parse(api::add_period(0, -1, "months"))["ms"], iso("1969-12-01T00:00:00Z"));
}

}  // namespace
