// Copyright 2026 The cxlab Authors.
//
// Thompson-sampling weights against scipy: P(arm best) computed with
// scipy.integrate.quad of f_i(x) * prod_j F_j(x) over Beta(1+s, 1+n-s)
// posteriors (values in the comments' order, 1e-9 absolute).

#include "engine/stats/bandit.h"

#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::engine::stats {
namespace {

void ExpectProbabilities(std::vector<ArmCounts> arms,
                         std::vector<double> expected) {
  absl::StatusOr<std::vector<double>> p = ProbabilityBest(arms);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), expected.size());
  double sum = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR((*p)[i], expected[i], 1e-9) << "arm " << i;
    sum += (*p)[i];
  }
  EXPECT_NEAR(sum, 1, 1e-12);
}

TEST(BanditTest, ProbabilityBestMatchesScipy) {
  ExpectProbabilities({{10, 100}, {15, 100}}, {0.146716210065, 0.853283789933});
  ExpectProbabilities({{0, 0}, {0, 0}, {0, 0}}, {1.0 / 3, 1.0 / 3, 1.0 / 3});
  ExpectProbabilities({{120, 1000}, {100, 1000}, {135, 1000}},
                      {0.156616073884, 0.00377895001445, 0.839604976098});
  // Narrow posteriors far apart in units of their width.
  ExpectProbabilities({{5000, 50000}, {5200, 50000}},
                      {0.0183227932306, 0.981677206767});
  ExpectProbabilities({{3, 10}, {1, 10}, {2, 10}, {0, 10}},
                      {0.611425191977, 0.0941512956759, 0.276113167125,
                       0.0183103452177});
}

TEST(BanditTest, FloorKeepsEveryArmLearningAndSumsToOne) {
  absl::StatusOr<std::vector<double>> w =
      ThompsonWeights({{5000, 50000}, {9000, 50000}, {5100, 50000}}, 0.05);
  ASSERT_TRUE(w.ok());
  EXPECT_NEAR((*w)[0], 0.05, 1e-9);
  EXPECT_NEAR((*w)[1], 0.90, 1e-9);
  EXPECT_NEAR((*w)[2], 0.05, 1e-9);
  // min_share 1/k: equal weights whatever the data.
  w = ThompsonWeights({{0, 10}, {10, 10}}, 0.5);
  ASSERT_TRUE(w.ok());
  EXPECT_NEAR((*w)[0], 0.5, 1e-12);
}

// Boost's inverse incomplete beta throws for such shapes despite the
// no-throw policy (tests/fuzz report found it); the weights must still come
// back, summing to 1.
TEST(BanditTest, ExtremeCountsDoNotThrow) {
  absl::StatusOr<std::vector<double>> w = ThompsonWeights(
      {{106, 8243122739596336633}, {0, 58}, {0, 0}, {0, 0}}, 0.05);
  ASSERT_TRUE(w.ok());
  double total = 0;
  for (double x : *w) total += x;
  EXPECT_NEAR(total, 1, 1e-9);
}

TEST(BanditTest, BadInputNamesTheField) {
  EXPECT_EQ(ProbabilityBest({{1, 2}}).status().message(),
            "arms: need at least two, got 1");
  EXPECT_EQ(ProbabilityBest({{1, 2}, {3, 2}}).status().message(),
            "arms[1].successes: must be in [0, trials], got 3");
  EXPECT_EQ(ProbabilityBest({{1, 2}, {0, -1}}).status().message(),
            "arms[1].trials: must be >= 0, got -1");
  EXPECT_EQ(ThompsonWeights({{1, 2}, {1, 2}, {1, 2}}, 0.5).status().message(),
            "min_share: must be in [0, 1/3], got 0.5");
}

}  // namespace
}  // namespace cxlab::engine::stats
