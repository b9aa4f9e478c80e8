// The two-phase evaluation (CompiledCohort::triage, api::cohort_triage_batch)
// against the single-phase one, differentially: on every member of the
// shared fixtures (tests/fixtures/cohorts.json) and on random rules and
// members. A decided triage must be the full answer for any events; the
// triage then full evaluation of the undecided must equal evaluate() always.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "calendar.hpp"
#include "cohort.hpp"
#include "cohort_api.hpp"
#include "cohort_member.hpp"
#include "fixtures.hpp"
#include "json_text.hpp"

namespace hookcast {
namespace {

using nlohmann::json;
using test::iso;
using test::member_of;

json fixtures() { return test::load_fixture("cohorts.json"); }

struct Answers {
  Membership full;     // evaluate() on the member
  Membership triaged;  // triage() on the member without its events
  Membership two;      // triage, then evaluate() when the events decide
};

Answers answers(const CompiledCohort& c, const json& member, std::int64_t now) {
  CohortScratch scratch;
  // A JsonDoc reads its text in place: the texts outlive the docs.
  const std::string text = member.dump();
  JsonDoc doc;
  EXPECT_TRUE(doc.parse(text));
  Answers a;
  a.full = c.evaluate(doc, 0, now, scratch);
  json bare = member;
  if (bare.is_object()) bare.erase("events");
  const std::string bare_text = bare.dump();
  JsonDoc bare_doc;
  EXPECT_TRUE(bare_doc.parse(bare_text));
  a.triaged = c.triage(bare_doc, 0, now, scratch);
  a.two = a.triaged == Membership::kNeedsEvents ? a.full : a.triaged;
  return a;
}

CompiledCohort compiled(const json& rule) {
  CompiledCohort c;
  const Problems p = compile_cohort(rule.dump(), &c);
  EXPECT_FALSE(has_error(p)) << rule.dump();
  return c;
}

std::string show(Membership m) { return std::string(1, static_cast<char>(m)); }

TEST(CohortTriage, FixturesAgreeWithOnePhase) {
  const json f = fixtures();
  int decided = 0, open = 0;
  for (const json& kase : f["match"]) {
    const std::int64_t now = iso(kase.value("now", f["now"].get<std::string>()));
    const CompiledCohort c = compiled(kase["rule"]);
    for (const json& entry : kase["members"]) {
      const json member = member_of(entry);
      const Answers a = answers(c, member, now);
      if (a.full == Membership::kInvalid) continue;  // malformed events: see cohort.hpp
      EXPECT_EQ(show(a.two), show(a.full)) << kase["name"] << ": " << member.dump();
      (a.triaged == Membership::kNeedsEvents ? open : decided)++;
    }
  }
  // Both phases are exercised by the fixtures.
  EXPECT_GT(decided, 50);
  EXPECT_GT(open, 20);
}

// ---- random rules and members ------------------------------------------------------

constexpr std::int64_t kNow = 1'781'524'800'000;  // 2026-06-15T12:00:00Z
constexpr std::int64_t kDay = 86'400'000;

class Gen {
 public:
  explicit Gen(std::uint32_t seed) : rng_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  json value() {
    switch (pick(4)) {
      case 0:
        return kPlans[pick(3)];
      case 1:
        return pick(40);
      case 2:
        return std::to_string(pick(40));
      default:
        return pick(2) == 0;
    }
  }

  json property_condition(bool on_event) {
    const char* name = on_event ? "amount" : (pick(3) == 0 ? "age" : "plan");
    static const char* const kOps[] = {"eq",     "ne",         "gt", "lte",
                                       "exists", "not_exists", "in", "not_in"};
    const std::string op = kOps[pick(8)];
    json c = {{"property", name}, {"op", op}};
    if (op == "in" || op == "not_in") {
      c["value"] = json::array({value(), value()});
    } else if (op != "exists" && op != "not_exists") {
      c["value"] = op == "gt" || op == "lte" ? json(pick(40)) : value();
    }
    return c;
  }

  json event_condition() {
    json c = {{"event", pick(2) ? "purchase" : "view"}, {"op", pick(3) ? "did" : "did_not"}};
    if (pick(2)) {
      static const char* const kCountOps[] = {"gte", "lte", "eq"};
      c["count"] = {{"op", kCountOps[pick(3)]}, {"value", pick(4)}};
    }
    if (pick(2)) c["within"] = {{"last", 1 + pick(10)}, {"unit", "days"}};
    if (pick(3) == 0) c["where"] = json::array({property_condition(true)});
    return c;
  }

  json rule(int depth) {
    const int k = depth >= 3 ? pick(2) : pick(5);
    if (k == 0) return property_condition(false);
    if (k == 1) return event_condition();
    if (k == 4) return {{"not", rule(depth + 1)}};
    json children = json::array();
    for (int i = 0, n = 1 + pick(3); i < n; ++i) children.push_back(rule(depth + 1));
    return {{k == 2 ? "all" : "any", children}};
  }

  json properties() {
    json p = json::object();
    if (pick(4)) p["plan"] = pick(5) ? json(kPlans[pick(3)]) : value();
    if (pick(3)) p["age"] = pick(2) ? json(pick(40)) : json(std::to_string(pick(40)));
    return p;
  }

  json events() {
    json list = json::array();
    for (int i = 0, n = pick(6); i < n; ++i) {
      json e = {{"key", pick(2) ? "purchase" : "view"},
                {"at", kNow - pick(14) * kDay - pick(1000)}};
      if (pick(2)) e["properties"] = {{"amount", pick(40)}};
      list.push_back(e);
    }
    return list;
  }

 private:
  static constexpr const char* kPlans[] = {"free", "pro", "team"};
  std::mt19937 rng_;
};

TEST(CohortTriage, RandomRulesDecidedAnswersHoldForAnyEvents) {
  Gen g(20261130);
  int decided = 0, open = 0;
  for (int r = 0; r < 400; ++r) {
    const json rule = g.rule(1);
    const CompiledCohort c = compiled(rule);
    for (int m = 0; m < 12; ++m) {
      const json props = g.properties();
      std::optional<Membership> triaged;
      // The same properties with several event lists: a decided triage is
      // every full answer; the two phases always equal one.
      for (int v = 0; v < 6; ++v) {
        const json member = {
            {"id", "u" + std::to_string(m)}, {"properties", props}, {"events", g.events()}};
        const Answers a = answers(c, member, kNow);
        ASSERT_NE(a.full, Membership::kInvalid) << rule.dump() << " " << member.dump();
        ASSERT_EQ(show(a.two), show(a.full)) << rule.dump() << "\n" << member.dump();
        if (triaged) {
          ASSERT_EQ(show(*triaged), show(a.triaged));
        }
        triaged = a.triaged;
      }
      (*triaged == Membership::kNeedsEvents ? open : decided)++;
    }
  }
  EXPECT_GT(decided, 1000);
  EXPECT_GT(open, 1000);
}

TEST(CohortTriage, BatchAnswersOneBytePerMember) {
  const std::string rule = R"({"all":[{"property":"plan","op":"eq","value":"pro"},
    {"event":"purchase","op":"did","within":{"last":7,"unit":"days"}}]})";
  const json compiled_answer = json::parse(api::compile_cohort(rule));
  ASSERT_TRUE(compiled_answer["ok"].get<bool>());
  const std::uint32_t h = compiled_answer["handle"].get<std::uint32_t>();
  const json members = json::array({
      {{"id", "a"}, {"properties", {{"plan", "pro"}}}},
      {{"id", "b"}, {"properties", {{"plan", "free"}}}},
      {{"id", "c"}, {"properties", 5}},
      // events are not read, even malformed ones
      {{"id", "d"}, {"properties", {{"plan", "free"}}}, {"events", json::array({7})}},
  });
  EXPECT_EQ(api::cohort_triage_batch(h, members.dump(), kNow), "e0?0");
  EXPECT_EQ(api::cohort_triage_batch(h, "[]", kNow), "");
  const json failed = json::parse(std::string(api::cohort_triage_batch(h, "{}", kNow)));
  EXPECT_EQ(failed["problems"][0]["code"], "invalid_members");
  // A rule without events decides everyone; one without properties nobody.
  const json no_events =
      json::parse(api::compile_cohort(R"({"property":"plan","op":"ne","value":"pro"})"));
  EXPECT_EQ(api::cohort_triage_batch(no_events["handle"], members.dump(), kNow), "01?1");
  const json no_props = json::parse(api::compile_cohort(R"({"event":"view","op":"did_not"})"));
  EXPECT_EQ(api::cohort_triage_batch(no_props["handle"], "[{},{\"events\":[]}]", kNow), "ee");
  api::release_cohort(h);
  api::release_cohort(no_events["handle"]);
  api::release_cohort(no_props["handle"]);
}

}  // namespace
}  // namespace hookcast
