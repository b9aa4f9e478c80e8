// Cohort rules: the reader's located problems, evaluation of every operator,
// needs(), and the JSON surface (cohort_api.hpp). The shared cases of
// tests/fixtures/cohorts.json run here and in the JS engine suite.
#include "cohort.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "calendar.hpp"
#include "cohort_api.hpp"
#include "cohort_member.hpp"
#include "fixtures.hpp"

namespace hookcast {
namespace {

using nlohmann::json;
using test::iso;
using test::member_of;
using test::parse;

const json& fixtures() {
  static const json doc = test::load_fixture("cohorts.json");
  return doc;
}

Problems problems_of(const json& rule) { return compile_cohort(rule.dump(), nullptr); }

CompiledCohort compiled(const json& rule) {
  CompiledCohort c;
  const Problems p = compile_cohort(rule.dump(), &c);
  EXPECT_FALSE(has_error(p)) << rule.dump() << " -> " << (p.empty() ? "" : p[0].message);
  return c;
}

bool has(const Problems& problems, const std::string& field, const std::string& code) {
  for (const Problem& p : problems)
    if (p.field == field && p.code == code) return true;
  return false;
}

std::string describe(const Problems& problems) {
  std::string out;
  for (const Problem& p : problems) out += p.field + " " + p.code + ": " + p.message + "\n";
  return out;
}

Membership match(const CompiledCohort& c, const json& member, std::int64_t now) {
  return match_cohort_json(c, member.dump(), now);
}

TEST(Cohort, FixtureMatches) {
  const json& f = fixtures();
  ASSERT_TRUE(f.contains("match"));
  int checked = 0;
  for (const json& kase : f["match"]) {
    const std::string name = kase["name"].get<std::string>();
    const std::int64_t now = iso(kase.value("now", f["now"].get<std::string>()));
    const CompiledCohort c = compiled(kase["rule"]);
    for (std::size_t i = 0; i < kase["members"].size(); ++i) {
      const json& entry = kase["members"][i];
      const Membership want = entry["in"].is_string()   ? Membership::kInvalid
                              : entry["in"].get<bool>() ? Membership::kIn
                                                        : Membership::kOut;
      EXPECT_EQ(static_cast<char>(match(c, member_of(entry), now)), static_cast<char>(want))
          << name << " member " << i << ": " << member_of(entry).dump();
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(Cohort, FixtureInvalidRulesAreLocated) {
  for (const json& kase : fixtures()["invalid"]) {
    const Problems p = problems_of(kase["rule"]);
    EXPECT_TRUE(has_error(p)) << kase["name"];
    for (const json& want : kase["problems"]) {
      EXPECT_TRUE(has(p, want["field"], want["code"]))
          << kase["name"] << ": want " << want.dump() << ", got\n"
          << describe(p);
    }
  }
}

TEST(Cohort, FixtureValidRules) {
  for (const json& kase : fixtures()["valid"]) {
    const Problems p = problems_of(kase["rule"]);
    EXPECT_FALSE(has_error(p)) << kase["name"] << "\n" << describe(p);
    EXPECT_EQ(p.size(), kase["warnings"].size()) << kase["name"] << "\n" << describe(p);
    for (const json& want : kase["warnings"]) EXPECT_TRUE(has(p, want["field"], want["code"]));
    for (const Problem& w : p) EXPECT_EQ(w.severity, Severity::kWarning);
  }
}

TEST(Cohort, FixtureNeeds) {
  const json& f = fixtures();
  for (const json& kase : f["needs"]) {
    const std::int64_t now = iso(kase.value("now", f["now"].get<std::string>()));
    const CohortNeeds needs = compiled(kase["rule"]).needs(now);
    const json& want = kase["needs"];
    EXPECT_EQ(needs.properties, want["properties"].get<bool>()) << kase["name"];
    ASSERT_EQ(needs.events.size(), want["events"].size()) << kase["name"];
    for (std::size_t i = 0; i < needs.events.size(); ++i) {
      EXPECT_EQ(needs.events[i].key, want["events"][i]["key"].get<std::string>());
      EXPECT_EQ(needs.events[i].properties, want["events"][i]["properties"].get<bool>())
          << kase["name"];
      if (want["events"][i]["since"].is_null()) {
        EXPECT_FALSE(needs.events[i].since_ms.has_value()) << kase["name"];
      } else {
        EXPECT_EQ(needs.events[i].since_ms, iso(want["events"][i]["since"].get<std::string>()))
            << kase["name"];
      }
    }
  }
}

TEST(Cohort, EveryOperatorHasAName) {
  for (PropertyOp op : kPropertyOps) EXPECT_EQ(parse_property_op(property_op_name(op)), op);
  EXPECT_EQ(std::size(kPropertyOps), 18u);
  EXPECT_FALSE(parse_property_op("EQ").has_value());
  EXPECT_FALSE(parse_property_op("").has_value());
}

TEST(Cohort, NotJsonIsInvalidJson) {
  const Problems p = compile_cohort("{\"all\": [", nullptr);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, "rule");
  EXPECT_EQ(p[0].code, "invalid_json");
}

json nested_nots(int depth) {
  json rule = {{"property", "a"}, {"op", "exists"}};
  for (int i = 1; i < depth; ++i) rule = json{{"not", rule}};
  return rule;
}

TEST(Cohort, DepthIsBounded) {
  EXPECT_FALSE(has_error(problems_of(nested_nots(kMaxCohortDepth))));
  const Problems p = problems_of(nested_nots(kMaxCohortDepth + 1));
  ASSERT_EQ(p.size(), 1u) << describe(p);
  EXPECT_EQ(p[0].code, "rule_too_deep");
  std::string field = "rule";
  for (int i = 0; i < kMaxCohortDepth; ++i) field += ".not";
  EXPECT_EQ(p[0].field, field);
  // A depth bomb in text: the reader stops at the limit without recursing further.
  std::string bomb;
  for (int i = 0; i < 100000; ++i) bomb += "{\"not\":";
  bomb += "{}";
  for (int i = 0; i < 100000; ++i) bomb += "}";
  const Problems b = compile_cohort(bomb, nullptr);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].code, "rule_too_deep");
  std::string arrays(200000, '[');
  const Problems a = compile_cohort(arrays + std::string(200000, ']'), nullptr);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].code, "rule_too_deep");
  EXPECT_EQ(a[0].field, "rule");
  // A value nested past the JSON bound: refused while reading, located.
  const std::string deep_value = R"({"property":"a","op":"in","value":)" +
                                 std::string(100000, '[') + std::string(100000, ']') + "}";
  const Problems v = compile_cohort(deep_value, nullptr);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].code, "rule_too_deep");
  EXPECT_EQ(v[0].field, "rule.value");
}

TEST(Cohort, SizeIsBounded) {
  json any = json::array();
  for (int i = 0; i < kMaxCohortNodes - 1; ++i)
    any.push_back({{"property", "p" + std::to_string(i)}, {"op", "exists"}});
  EXPECT_FALSE(has_error(problems_of({{"any", any}})));
  any.push_back({{"property", "one too many"}, {"op", "exists"}});
  const Problems p = problems_of({{"any", any}});
  ASSERT_EQ(p.size(), 1u) << describe(p);
  EXPECT_EQ(p[0].field, "rule");
  EXPECT_EQ(p[0].code, "rule_too_large");
  // where conditions count too
  json where = json::array();
  for (int i = 0; i < kMaxCohortNodes; ++i) where.push_back({{"property", "p"}, {"op", "exists"}});
  EXPECT_TRUE(has(problems_of({{"event", "e"}, {"op", "did"}, {"where", where}}), "rule",
                  "rule_too_large"));
  // a long in-list is one condition, up to its own bound
  json values = json::array();
  for (std::size_t i = 0; i < kMaxCohortListValues; ++i) values.push_back(i);
  EXPECT_FALSE(has_error(problems_of({{"property", "n"}, {"op", "in"}, {"value", values}})));
  values.push_back(-1);
  EXPECT_TRUE(has(problems_of({{"property", "n"}, {"op", "in"}, {"value", values}}), "rule.value",
                  "invalid_value"));
}

TEST(Cohort, EscapedTextInMembersIsDecoded) {
  const CompiledCohort c = compiled({{"all",
                                      {{{"property", "name"}, {"op", "eq"}, {"value", "Zoë \"Z\""}},
                                       {{"event", "päid"}, {"op", "did"}}}}});
  const std::string member =
      R"({"properties":{"n\u0061me":"Zo\u00eb \"Z\""},"events":[{"key":"p\u00e4id"}]})";
  EXPECT_EQ(match_cohort_json(c, member, 0), Membership::kIn);
  EXPECT_EQ(match_cohort_json(c, R"({"properties":{"name":"Zoë \"Z\""},"events":[]})", 0),
            Membership::kOut);
  EXPECT_EQ(match_cohort_json(c, "not json", 0), Membership::kInvalid);
}

TEST(Cohort, EventTimesMayBeIsoText) {
  const CompiledCohort c =
      compiled({{"event", "p"}, {"op", "did"}, {"within", {{"last", 1}, {"unit", "hours"}}}});
  const std::int64_t now = iso("2026-06-15T12:00:00Z");
  EXPECT_EQ(match(c, {{"events", {{{"key", "p"}, {"at", "2026-06-15T20:30:00+09:00"}}}}}, now),
            Membership::kIn);
  EXPECT_EQ(match(c, {{"events", {{{"key", "p"}, {"at", "2026-06-15T10:59:59Z"}}}}}, now),
            Membership::kOut);
  EXPECT_EQ(match(c, {{"events", {{{"key", "p"}, {"at", "soon"}}}}}, now), Membership::kInvalid);
  // fractional milliseconds from JavaScript compare as they are
  EXPECT_EQ(match(c, {{"events", {{{"key", "p"}, {"at", static_cast<double>(now) + 0.5}}}}}, now),
            Membership::kOut);
}

TEST(Cohort, GroupsPutEventFreeRulesFirst) {
  const CompiledCohort c = compiled({{"all",
                                      {{{"event", "p"}, {"op", "did"}},
                                       {{"property", "a"}, {"op", "exists"}},
                                       {{"any", {{{"event", "q"}, {"op", "did"}}}}},
                                       {{"not", {{"property", "b"}, {"op", "exists"}}}}}}});
  const CohortNode& root = c.root();
  ASSERT_EQ(root.children.size(), 4u);
  EXPECT_EQ(root.children[0].kind, CohortNode::Kind::kProperty);
  EXPECT_EQ(root.children[1].kind, CohortNode::Kind::kNot);
  EXPECT_EQ(root.children[2].kind, CohortNode::Kind::kEvent);
  EXPECT_EQ(root.children[3].kind, CohortNode::Kind::kAny);
  EXPECT_TRUE(root.reads_events);
  // needs() still lists keys in the rule's order
  const CohortNeeds needs = c.needs(0);
  ASSERT_EQ(needs.events.size(), 2u);
  EXPECT_EQ(needs.events[0].key, "p");
  EXPECT_EQ(needs.events[1].key, "q");
}

TEST(Cohort, CountsStopEarlyButStayExact) {
  const CompiledCohort lte =
      compiled({{"event", "p"}, {"op", "did"}, {"count", {{"op", "lte"}, {"value", 2}}}});
  json events = json::array();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(match(lte, {{"events", events}}, 0), i <= 2 ? Membership::kIn : Membership::kOut)
        << i;
    events.push_back({{"key", "p"}});
  }
}

// ---- the JSON surface --------------------------------------------------------------

std::uint32_t compile_handle(const json& rule) {
  const json r = parse(api::compile_cohort(rule.dump()));
  EXPECT_TRUE(r["ok"].get<bool>()) << r.dump();
  return r["handle"].get<std::uint32_t>();
}

TEST(CohortApi, ValidateShape) {
  json r = parse(api::validate_cohort(R"({"property":"a","op":"exists","x":1})"));
  EXPECT_TRUE(r["ok"].get<bool>());
  ASSERT_EQ(r["problems"].size(), 1u);
  EXPECT_EQ(r["problems"][0]["field"], "rule.x");
  EXPECT_EQ(r["problems"][0]["severity"], "warning");
  r = parse(api::validate_cohort(R"({"all":[]})"));
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(r["problems"][0]["code"], "empty_group");
  EXPECT_EQ(r["problems"][0]["severity"], "error");
  EXPECT_FALSE(r["problems"][0]["message"].get<std::string>().empty());
}

TEST(CohortApi, CompileMatchRelease) {
  const std::uint32_t before = api::live_cohorts();
  const json rule = {{"all",
                      {{{"property", "plan"}, {"op", "eq"}, {"value", "pro"}},
                       {{"event", "purchase"},
                        {"op", "did"},
                        {"count", {{"op", "gte"}, {"value", 2}}},
                        {"within", {{"last", 7}, {"unit", "days"}}}}}}};
  const std::uint32_t h = compile_handle(rule);
  EXPECT_EQ(api::live_cohorts(), before + 1);
  const double now = static_cast<double>(iso("2026-06-15T12:00:00Z"));
  const double day = 86400000;
  const json members = {
      {{"id", "a"},
       {"properties", {{"plan", "pro"}}},
       {"events",
        {{{"key", "purchase"}, {"at", now - day}}, {{"key", "purchase"}, {"at", now - 2 * day}}}}},
      {{"id", "b"},
       {"properties", {{"plan", "pro"}}},
       {"events", {{{"key", "purchase"}, {"at", now}}}}},
      {{"id", "c"}, {"properties", {{"plan", "free"}}}},
      "junk",
  };
  EXPECT_EQ(api::cohort_match_batch(h, members.dump(), now), "100?");
  EXPECT_EQ(api::cohort_match_batch(h, "[]", now), "");
  // failures of the whole call are JSON
  json r = parse(std::string(api::cohort_match_batch(h, "{}", now)));
  EXPECT_EQ(r["problems"][0]["code"], "invalid_members");
  r = parse(std::string(api::cohort_match_batch(h, "[", now)));
  EXPECT_EQ(r["problems"][0]["code"], "invalid_members");
  r = parse(std::string(api::cohort_match_batch(h, "[]", 1e300)));
  EXPECT_EQ(r["problems"][0]["field"], "nowMs");
  r = parse(api::cohort_needs(h, now));
  EXPECT_EQ(r, parse(R"({"ok":true,"properties":true,"events":[{"key":"purchase","sinceMs":)" +
                     std::to_string(static_cast<std::int64_t>(now - 7 * day)) +
                     R"(,"properties":false}]})"));
  // a fractional now is floored
  EXPECT_EQ(parse(api::cohort_needs(h, now + 0.75)), r);
  api::release_cohort(h);
  EXPECT_EQ(api::live_cohorts(), before);
  r = parse(std::string(api::cohort_match_batch(h, "[]", now)));
  EXPECT_EQ(r["problems"][0]["code"], "invalid_handle");
  EXPECT_EQ(parse(api::cohort_needs(h, now))["problems"][0]["code"], "invalid_handle");
  api::release_cohort(h);  // twice is harmless
  EXPECT_EQ(api::live_cohorts(), before);
  // the slot is reused under a new number
  const std::uint32_t again = compile_handle(rule);
  EXPECT_NE(again, h);
  EXPECT_EQ(parse(std::string(api::cohort_match_batch(h, "[]", now)))["problems"][0]["code"],
            "invalid_handle");
  api::release_cohort(again);
}

TEST(CohortApi, CompileRefusesWithProblems) {
  const json r = parse(api::compile_cohort(R"({"any":[{"property":"a","op":"nope"}]})"));
  EXPECT_FALSE(r["ok"].get<bool>());
  EXPECT_EQ(r["problems"][0]["field"], "rule.any[0].op");
  EXPECT_FALSE(r.contains("handle"));
}

TEST(CohortApi, OperatorsComeFromTheCore) {
  const json ops = parse(api::cohort_operators());
  EXPECT_EQ(ops["property"].size(), 18u);
  EXPECT_EQ(ops["property"][0], "eq");
  EXPECT_EQ(ops["property"][17], "within_last");
  EXPECT_EQ(ops["event"], json({"did", "did_not"}));
  EXPECT_EQ(ops["count"], json({"gte", "lte", "eq"}));
  EXPECT_EQ(ops["units"], json({"minutes", "hours", "days", "weeks", "months"}));
  for (const json& name : ops["property"])
    EXPECT_TRUE(parse_property_op(name.get<std::string>()).has_value());
}

}  // namespace
}  // namespace hookcast
