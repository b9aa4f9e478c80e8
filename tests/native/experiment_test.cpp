// The experiment rules: stable control-group assignment, the conversion
// window and the comparison of two conversion rates (against reference
// values from statsmodels and scipy in tests/fixtures/uplift.json).
#include "experiment.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "campaign.hpp"
#include "experiment_api.hpp"
#include "fixtures.hpp"

namespace hookcast {
namespace {

TEST(ExperimentBucket, IsStableAndDocumented) {
  // Pinned values: a change of the hash would move users between groups of
  // running campaigns, so it must show up here.
  // The values were recomputed from the documented recipe by an independent
  // implementation (Python integers).
  EXPECT_EQ(experiment_bucket("c_1", "u1"), 7719u);
  EXPECT_EQ(experiment_bucket("c_1", "u2"), 6839u);
  EXPECT_EQ(experiment_bucket("launch", "ada@example.com"), 3733u);
  EXPECT_NE(experiment_bucket("ab", "c"), experiment_bucket("a", "bc"));
  EXPECT_LT(experiment_bucket("", ""), kExperimentBuckets);
}

TEST(ExperimentBucket, ShareOfAMillionIdsIsWithinTwoTenthsOfAPoint) {
  for (int basis_points : {500, 1000, 2500, 5000}) {
    int control = 0;
    const int n = 1'000'000;
    for (int i = 0; i < n; ++i)
      control += in_control_group("c_7k2m", "user-" + std::to_string(i), basis_points) ? 1 : 0;
    const double share = 100.0 * control / n;
    EXPECT_NEAR(share, basis_points / 100.0, 0.2) << basis_points;
  }
}

TEST(ExperimentBucket, CampaignsDrawIndependently) {
  // The same users split by two campaigns at 50 %: about a quarter in both.
  int both = 0;
  const int n = 200'000;
  for (int i = 0; i < n; ++i) {
    const std::string id = "u" + std::to_string(i);
    both += (in_control_group("c_a", id, 5000) && in_control_group("c_b", id, 5000)) ? 1 : 0;
  }
  EXPECT_NEAR(100.0 * both / n, 25.0, 0.5);
}

TEST(ExperimentBucket, ZeroShareIsNobody) {
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(in_control_group("c", std::to_string(i), 0));
}

TEST(ConvertsWithin, WindowIsClosedAndStartsAtTheSend) {
  EXPECT_TRUE(converts_within(1000, 1000, 500));
  EXPECT_TRUE(converts_within(1000, 1500, 500));
  EXPECT_FALSE(converts_within(1000, 1501, 500));
  EXPECT_FALSE(converts_within(1000, 999, 500));
}

TEST(CompareGroups, MatchesReferenceImplementations) {
  const nlohmann::json fixture = test::load_fixture("uplift.json");
  ASSERT_TRUE(fixture.contains("cases"));
  for (const auto& c : fixture["cases"]) {
    const GroupCounts sent{c["sent"]["users"].get<std::int64_t>(),
                           c["sent"]["converted"].get<std::int64_t>()};
    const GroupCounts control{c["control"]["users"].get<std::int64_t>(),
                              c["control"]["converted"].get<std::int64_t>()};
    const auto u = compare_groups(sent, control);
    ASSERT_TRUE(u.has_value()) << c.dump();
    EXPECT_NEAR(u->absolute, c["absolute"].get<double>(), 1e-12) << c.dump();
    if (c["relative"].is_null()) {
      EXPECT_FALSE(u->relative.has_value()) << c.dump();
    } else {
      ASSERT_TRUE(u->relative.has_value()) << c.dump();
      EXPECT_NEAR(*u->relative, c["relative"].get<double>(), 1e-9) << c.dump();
    }
    EXPECT_NEAR(u->ci_low, c["ci95"][0].get<double>(), 1e-6) << c.dump();
    EXPECT_NEAR(u->ci_high, c["ci95"][1].get<double>(), 1e-6) << c.dump();
    EXPECT_NEAR(u->p_value, c["pValue"].get<double>(), 1e-6) << c.dump();
  }
}

TEST(CompareGroups, PublishedWorkedExample) {
  // Newcombe (1998), Statistics in Medicine 17:873-890, Table II (a):
  // 56/70 vs 48/80, method 10 interval 0.0524 to 0.3339.
  const auto u = compare_groups({70, 56}, {80, 48});
  ASSERT_TRUE(u.has_value());
  EXPECT_NEAR(u->ci_low, 0.0524, 5e-5);
  EXPECT_NEAR(u->ci_high, 0.3339, 5e-5);
}

TEST(CompareGroups, NeedsThirtyUsersAGroupAndPossibleCounts) {
  EXPECT_FALSE(compare_groups({29, 3}, {100, 5}).has_value());
  EXPECT_FALSE(compare_groups({100, 3}, {29, 5}).has_value());
  EXPECT_TRUE(compare_groups({30, 3}, {30, 5}).has_value());
  EXPECT_FALSE(compare_groups({30, 31}, {30, 5}).has_value());
  EXPECT_FALSE(compare_groups({30, -1}, {30, 5}).has_value());
}

TEST(ControlBasisPoints, TwoDecimalsFromZeroToFifty) {
  EXPECT_EQ(control_basis_points(0), 0);
  EXPECT_EQ(control_basis_points(10), 1000);
  EXPECT_EQ(control_basis_points(12.34), 1234);  // 12.34 × 100 is 1233.9999999999998
  EXPECT_EQ(control_basis_points(0.01), 1);
  EXPECT_EQ(control_basis_points(50), 5000);
  EXPECT_FALSE(control_basis_points(50.01).has_value());
  EXPECT_FALSE(control_basis_points(-0.01).has_value());
  EXPECT_FALSE(control_basis_points(12.345).has_value());
  EXPECT_FALSE(control_basis_points(std::nan("")).has_value());
}

// The campaign's shape check locates every problem of `experiment`.
std::vector<std::string> experiment_fields(const std::string& experiment) {
  const auto body = nlohmann::json::parse("{\"experiment\":" + experiment + "}");
  std::vector<std::string> fields;
  for (const Problem& p : check_campaign(body, true)) fields.push_back(p.field + " " + p.code);
  return fields;
}

TEST(ExperimentShape, ValidExperimentsPass) {
  EXPECT_TRUE(experiment_fields("null").empty());
  EXPECT_TRUE(experiment_fields(R"({"controlPercent":10})").empty());
  EXPECT_TRUE(experiment_fields(R"({"controlPercent":12.5,"goal":null})").empty());
  EXPECT_TRUE(
      experiment_fields(
          R"({"controlPercent":0,"goal":{"event":"purchase","within":{"value":30,"unit":"days"}}})")
          .empty());
  EXPECT_TRUE(
      experiment_fields(
          R"({"controlPercent":50,"goal":{"event":"purchase","where":[{"property":"amount","op":"gte","value":10}],"within":{"value":43200,"unit":"minutes"}}})")
          .empty());
}

TEST(ExperimentShape, ProblemsAreLocated) {
  using V = std::vector<std::string>;
  EXPECT_EQ(experiment_fields("7"), V{"experiment invalid_type"});
  EXPECT_EQ(experiment_fields("{}"), V{"experiment.controlPercent required"});
  EXPECT_EQ(experiment_fields(R"({"controlPercent":"10"})"),
            V{"experiment.controlPercent invalid_type"});
  EXPECT_EQ(experiment_fields(R"({"controlPercent":50.5})"),
            V{"experiment.controlPercent out_of_range"});
  EXPECT_EQ(experiment_fields(R"({"controlPercent":10.125})"),
            V{"experiment.controlPercent out_of_range"});
  EXPECT_EQ(experiment_fields(R"({"controlPercent":10,"size":3})"),
            V{"experiment.size unknown_field"});
  EXPECT_EQ(
      experiment_fields(R"({"controlPercent":10,"goal":{"within":{"value":1,"unit":"days"}}})"),
      V{"experiment.goal.event required"});
  EXPECT_EQ(experiment_fields(R"({"controlPercent":10,"goal":{"event":"buy"}})"),
            V{"experiment.goal.within required"});
  EXPECT_EQ(
      experiment_fields(
          R"({"controlPercent":10,"goal":{"event":"buy","within":{"value":31,"unit":"days"}}})"),
      V{"experiment.goal.within.value out_of_range"});
  EXPECT_EQ(
      experiment_fields(
          R"({"controlPercent":10,"goal":{"event":"buy","within":{"value":5,"unit":"weeks"}}})"),
      V{"experiment.goal.within.value out_of_range"});
  EXPECT_EQ(
      experiment_fields(
          R"({"controlPercent":10,"goal":{"event":"buy","within":{"value":1,"unit":"months"}}})"),
      V{"experiment.goal.within.unit invalid_value"});
  EXPECT_EQ(
      experiment_fields(
          R"({"controlPercent":10,"goal":{"event":"buy","within":{"value":0,"unit":"days"}}})"),
      V{"experiment.goal.within.value out_of_range"});
  const auto where = experiment_fields(
      R"({"controlPercent":10,"goal":{"event":"buy","where":[{"property":"amount","op":"near","value":1}],"within":{"value":1,"unit":"days"}}})");
  ASSERT_EQ(where.size(), 1u);
  EXPECT_EQ(where[0].rfind("experiment.goal.where[0].op ", 0), 0u) << where[0];
}

TEST(ExperimentShape, ExperimentIsContentNotALabel) {
  const std::string fields[] = {"experiment"};
  const CampaignVerdict v = campaign_editable(CampaignStatus::kRunning, fields, 1);
  EXPECT_FALSE(v.ok);
  EXPECT_NE(v.message.find("experiment settings"), std::string::npos) << v.message;
}

TEST(ExperimentApi, ControlGroupsOfAChunk) {
  const auto r = nlohmann::json::parse(api::control_groups("c_1", R"(["u1","u2","x"])", 50));
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  std::string expected;
  for (const char* id : {"u1", "u2", "x"})
    expected += in_control_group("c_1", id, 5000) ? '1' : '0';
  EXPECT_EQ(r["groups"], expected);
  EXPECT_EQ(nlohmann::json::parse(api::control_groups("c", "[1]", 10))["problems"][0]["field"],
            "userIds[0]");
  EXPECT_EQ(nlohmann::json::parse(api::control_groups("c", "[]", 60))["problems"][0]["field"],
            "controlPercent");
  EXPECT_EQ(nlohmann::json::parse(api::control_groups("c", "[", 10))["problems"][0]["code"],
            "invalid_json");
}

TEST(ExperimentApi, ConvertsWithinReadsTheWindow) {
  const auto converts = [](double start, double at, const char* within) {
    return nlohmann::json::parse(api::converts_within(start, at, within));
  };
  EXPECT_EQ(converts(0, 3'600'000, R"({"value":1,"unit":"hours"})")["converts"], true);
  EXPECT_EQ(converts(0, 3'600'001, R"({"value":1,"unit":"hours"})")["converts"], false);
  EXPECT_EQ(converts(0, 1, R"({"value":31,"unit":"days"})")["problems"][0]["field"],
            "within.value");
  EXPECT_EQ(converts(0, 1, R"({"value":1,"unit":"months"})")["problems"][0]["field"],
            "within.unit");
  EXPECT_EQ(converts(std::nan(""), 1, R"({"value":1,"unit":"days"})")["problems"][0]["field"],
            "sendStartMs");
}

TEST(ExperimentApi, CompareGroupsAnswersJson) {
  const auto r = nlohmann::json::parse(api::compare_groups(70, 56, 80, 48));
  ASSERT_TRUE(r["ok"].get<bool>());
  EXPECT_NEAR(r["uplift"]["absolute"].get<double>(), 0.2, 1e-12);
  EXPECT_NEAR(r["uplift"]["ci95"][0].get<double>(), 0.0524, 5e-5);
  EXPECT_NEAR(r["uplift"]["relative"].get<double>(), 0.2 / 0.6, 1e-12);
  EXPECT_TRUE(nlohmann::json::parse(api::compare_groups(29, 1, 80, 48))["uplift"].is_null());
  EXPECT_TRUE(
      nlohmann::json::parse(api::compare_groups(30, 1, 30, 0))["uplift"]["relative"].is_null());
  EXPECT_EQ(nlohmann::json::parse(api::compare_groups(30, 31, 30, 0))["problems"][0]["field"],
            "sent.converted");
  EXPECT_EQ(nlohmann::json::parse(api::compare_groups(30, 1, 30.5, 0))["problems"][0]["field"],
            "control.users");
}

}  // namespace
}  // namespace hookcast
