// Copyright 2026 The cxlab Authors.

#include "engine/allocation.h"

#include "gtest/gtest.h"

namespace cxlab::engine {
namespace {

TEST(Allocation, RangesFollowCumulativeWeightsScaledByCoverage) {
  std::vector<BucketRange> r = BucketRanges(3, 0.5, {0.2, 0.3, 0.5});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_DOUBLE_EQ(r[0].start, 0.0);
  EXPECT_DOUBLE_EQ(r[0].end, 0.1);
  EXPECT_DOUBLE_EQ(r[1].start, 0.2);
  EXPECT_DOUBLE_EQ(r[1].end, 0.35);
  EXPECT_DOUBLE_EQ(r[2].start, 0.5);
  EXPECT_DOUBLE_EQ(r[2].end, 0.75);
}

TEST(Allocation, RaisingCoverageOnlyGrowsEachRange) {
  const std::vector<double> w = {0.25, 0.25, 0.5};
  std::vector<BucketRange> prev = BucketRanges(3, 0.0, w);
  for (double coverage = 0.05; coverage <= 1.0001; coverage += 0.05) {
    std::vector<BucketRange> next = BucketRanges(3, coverage, w);
    for (size_t i = 0; i < next.size(); ++i) {
      EXPECT_EQ(next[i].start, prev[i].start);  // starts never move
      EXPECT_GE(next[i].end, prev[i].end);      // ends only grow
    }
    prev = next;
  }
}

TEST(Allocation, ChooseVariantIsHalfOpen) {
  std::vector<BucketRange> r = BucketRanges(2, 1, {});
  EXPECT_EQ(ChooseVariant(0.0, r), 0);
  EXPECT_EQ(ChooseVariant(0.4999999, r), 0);
  EXPECT_EQ(ChooseVariant(0.5, r), 1);
  EXPECT_EQ(ChooseVariant(0.9999999, r), 1);
  EXPECT_EQ(ChooseVariant(0.3, BucketRanges(2, 0.5, {})), -1);
}

TEST(Allocation, EqualWeights) {
  EXPECT_TRUE(EqualWeights(0).empty());
  EXPECT_TRUE(EqualWeights(-3).empty());
  std::vector<double> w = EqualWeights(3);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w[0] + w[1] + w[2], 1.0);
}

TEST(Allocation, BadWeightsFallBackToEqualWeights) {
  // The lenient GrowthBook rule; strict validation rejects these earlier.
  std::vector<BucketRange> r = BucketRanges(2, 1, {0.7, 0.6});
  EXPECT_DOUBLE_EQ(r[0].end, 0.5);
  r = BucketRanges(3, 1, {0.5, 0.5});
  EXPECT_NEAR(r[1].start, 1.0 / 3, 1e-12);
}

}  // namespace
}  // namespace cxlab::engine
