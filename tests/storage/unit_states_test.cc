// Copyright 2026 The cxlab Authors.

#include "storage/unit_states.h"

#include <string>

#include "engine/metrics.h"
#include "gtest/gtest.h"

namespace cxlab::storage {
namespace {

engine::UnitMetricState State(double sum, int64_t events) {
  engine::UnitMetricState s;
  s.counted = true;
  s.sum = sum;
  s.events = events;
  return s;
}

TEST(UnitStatesTest, SetFindAndOverwrite) {
  UnitStates states;
  EXPECT_TRUE(states.empty());
  EXPECT_EQ(states.Find("checkout", "revenue"), nullptr);
  states.Set("checkout", "revenue", State(10, 1));
  states.Set("aa", "conversion", State(1, 1));
  states.Set("checkout", "conversion", State(1, 2));
  ASSERT_NE(states.Find("checkout", "revenue"), nullptr);
  EXPECT_EQ(states.Find("checkout", "revenue")->sum, 10);
  states.Set("checkout", "revenue", State(25, 2));
  EXPECT_EQ(states.Find("checkout", "revenue")->sum, 25);
  ASSERT_EQ(states.entries().size(), 3u);
  // Sorted by (experiment, metric).
  EXPECT_EQ(states.entries()[0].experiment_key, "aa");
  EXPECT_EQ(states.entries()[1].metric_key, "conversion");
  EXPECT_EQ(states.entries()[2].metric_key, "revenue");
  // A prefix of a key is another key.
  EXPECT_EQ(states.Find("checkout", "rev"), nullptr);
  EXPECT_EQ(states.Find("check", "revenue"), nullptr);
}

TEST(UnitStatesTest, EraseExperimentKeepsOthers) {
  UnitStates states;
  states.Set("a", "m1", State(1, 1));
  states.Set("b", "m1", State(2, 1));
  states.Set("b", "m2", State(3, 1));
  EXPECT_EQ(states.EraseExperiment("b"), 2u);
  EXPECT_EQ(states.EraseExperiment("b"), 0u);
  ASSERT_EQ(states.entries().size(), 1u);
  EXPECT_EQ(states.entries()[0].experiment_key, "a");
}

TEST(UnitStatesTest, EncodeDecodeRoundTrip) {
  UnitStates states;
  states.Set("checkout", "revenue", State(10.5, 3));
  states.Set("checkout", "nps", State(-1, 1));
  states.Set(std::string("x\0y", 3), "m", State(0, 0));
  UnitStates decoded;
  ASSERT_TRUE(UnitStates::Decode(states.Encode(), &decoded));
  ASSERT_EQ(decoded.entries().size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(decoded.entries()[i].experiment_key,
              states.entries()[i].experiment_key);
    EXPECT_EQ(decoded.entries()[i].metric_key, states.entries()[i].metric_key);
    EXPECT_EQ(decoded.entries()[i].state, states.entries()[i].state);
  }
  UnitStates empty;
  ASSERT_TRUE(UnitStates::Decode(UnitStates().Encode(), &empty));
  EXPECT_TRUE(empty.empty());
}

TEST(UnitStatesTest, DecodeRejectsMalformedRecords) {
  UnitStates states;
  states.Set("e", "m", State(1, 1));
  states.Set("e", "n", State(2, 1));
  const std::string good = states.Encode();
  UnitStates out;
  EXPECT_FALSE(UnitStates::Decode("", &out));
  EXPECT_FALSE(UnitStates::Decode(std::string(1, 2) + good.substr(1), &out));
  // Every truncation fails.
  for (size_t len = 0; len < good.size(); ++len) {
    EXPECT_FALSE(UnitStates::Decode(good.substr(0, len), &out)) << len;
  }
  // Trailing bytes fail.
  EXPECT_FALSE(UnitStates::Decode(good + "x", &out));
  // Entries out of order (or repeated) fail.
  UnitStates one;
  one.Set("e", "n", State(2, 1));
  UnitStates other;
  other.Set("e", "m", State(1, 1));
  std::string swapped(1, 1);
  swapped.push_back(2);  // two entries
  swapped += one.Encode().substr(2) + other.Encode().substr(2);
  EXPECT_FALSE(UnitStates::Decode(swapped, &out));
  std::string repeated(1, 1);
  repeated.push_back(2);
  repeated += one.Encode().substr(2) + one.Encode().substr(2);
  EXPECT_FALSE(UnitStates::Decode(repeated, &out));
}

}  // namespace
}  // namespace cxlab::storage
