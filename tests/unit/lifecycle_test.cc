// Copyright 2026 The cxlab Authors.

#include "engine/lifecycle.h"

#include <set>
#include <utility>

#include "gtest/gtest.h"

namespace cxlab::engine {
namespace {

using S = ExperimentStatus;

ExperimentDef Exp(S status) {
  ExperimentDef e;
  e.key = "checkout";
  e.status = status;
  e.variants = {{"control", "", 0.5, Value()}, {"one_page", "", 0.5, Value()}};
  return e;
}

TEST(Lifecycle, TransitionTable) {
  const S all[] = {S::kDraft, S::kRunning, S::kPaused, S::kStopped,
                   S::kLaunched};
  // from -> allowed destinations (besides staying put).
  const std::set<std::pair<S, S>> allowed = {
      {S::kDraft, S::kRunning},     {S::kDraft, S::kStopped},
      {S::kRunning, S::kPaused},    {S::kRunning, S::kStopped},
      {S::kRunning, S::kLaunched},  {S::kPaused, S::kRunning},
      {S::kPaused, S::kStopped},    {S::kPaused, S::kLaunched},
      {S::kStopped, S::kRunning},   {S::kStopped, S::kLaunched},
      {S::kLaunched, S::kStopped},
  };
  for (S from : all) {
    for (S to : all) {
      bool expected = from == to || allowed.count({from, to}) > 0;
      EXPECT_EQ(IsAllowedTransition(from, to), expected)
          << ExperimentStatusName(from) << " -> " << ExperimentStatusName(to);
    }
  }
}

TEST(Lifecycle, NewExperimentsMayStartInAnyState) {
  for (S s : {S::kDraft, S::kRunning, S::kLaunched, S::kStopped}) {
    EXPECT_TRUE(CheckExperimentChange(nullptr, Exp(s)).ok());
  }
}

TEST(Lifecycle, NothingReturnsToDraft) {
  ExperimentDef before = Exp(S::kRunning);
  absl::Status s = CheckExperimentChange(&before, Exp(S::kDraft));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "status: cannot go from running to draft");
}

TEST(Lifecycle, StoppedRestartsOnlyWithANewSalt) {
  ExperimentDef before = Exp(S::kStopped);
  ExperimentDef after = Exp(S::kRunning);
  absl::Status s = CheckExperimentChange(&before, after);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("without a new salt"), absl::string_view::npos);
  after.salt = "checkout-v2";
  after.variants.push_back({"chat", "", std::nullopt, Value()});
  EXPECT_TRUE(CheckExperimentChange(&before, after).ok())
      << "a fresh randomisation may change anything";
}

TEST(Lifecycle, RandomisationIsFrozenWhileLive) {
  for (S from : {S::kRunning, S::kPaused}) {
    ExperimentDef before = Exp(from);
    struct Case {
      const char* field;
      void (*mutate)(ExperimentDef&);
    };
    const Case cases[] = {
        {"variants", [](ExperimentDef& e) { e.variants[0].weight = 0.4; }},
        {"variants", [](ExperimentDef& e) { e.variants[1].key = "two_page"; }},
        {"variants",
         [](ExperimentDef& e) { e.variants.push_back({"x", "", 0, Value()}); }},
        {"salt", [](ExperimentDef& e) { e.salt = "other"; }},
        {"unit_type", [](ExperimentDef& e) { e.unit_type = "device"; }},
        {"hash_attribute", [](ExperimentDef& e) { e.hash_attribute = "email"; }},
        {"fallback_attribute",
         [](ExperimentDef& e) { e.fallback_attribute = "device_id"; }},
        {"layer", [](ExperimentDef& e) { e.layer = "pricing"; }},
        {"layer_range",
         [](ExperimentDef& e) { e.layer_range = BucketRange{0, 0.5}; }},
    };
    for (const Case& c : cases) {
      ExperimentDef after = before;
      c.mutate(after);
      absl::Status s = CheckExperimentChange(&before, after);
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << c.field;
      EXPECT_EQ(s.message().substr(0, std::string(c.field).size() + 1),
                std::string(c.field) + ":")
          << s.message();
    }
    // Allowed while live: coverage, targeting, payloads, names, metrics.
    ExperimentDef after = before;
    after.coverage = 0.5;
    after.condition = Value::Object();
    after.variants[1].payload = Value("new copy");
    after.variants[1].name = "One page";
    after.metrics = {"conversion"};
    after.salt = "checkout";  // explicit salt equal to the key: no change
    EXPECT_TRUE(CheckExperimentChange(&before, after).ok());
  }
}

TEST(Lifecycle, DraftsMayChangeFreely) {
  ExperimentDef before = Exp(S::kDraft);
  ExperimentDef after = before;
  after.variants[0].weight = 0.2;
  after.variants[1].weight = 0.8;
  after.salt = "new";
  EXPECT_TRUE(CheckExperimentChange(&before, after).ok());
}

}  // namespace
}  // namespace cxlab::engine
