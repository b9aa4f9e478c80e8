// The experiment rules: stable control-group assignment, the conversion
// window and the comparison of two conversion rates (against reference
// values from statsmodels and scipy in tests/fixtures/uplift.json).
#include "experiment.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

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

}  // namespace
}  // namespace hookcast
