// Copyright 2026 The cxlab Authors.
//
// Evaluation end to end on compiled snapshots: every reason, determinism,
// the split of 100,000 units against the weights (chi-square), monotonicity
// under rising coverage, layer exclusivity and holdouts.

#include "engine/evaluator.h"

#include <boost/math/distributions/chi_squared.hpp>
#include <map>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "engine/hashing.h"
#include "engine/json.h"
#include "engine/snapshot.h"
#include "gtest/gtest.h"

namespace cxlab::engine {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1795000000);  // 2026-11

Value Json(const char* text) {
  absl::StatusOr<Value> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : Value();
}

ExperimentDef Experiment(const std::string& key,
                         std::vector<double> weights = {0.5, 0.5}) {
  ExperimentDef e;
  e.key = key;
  e.status = ExperimentStatus::kRunning;
  for (size_t i = 0; i < weights.size(); ++i) {
    VariantDef v;
    v.key = i == 0 ? "control" : "treatment_" + std::to_string(i);
    v.weight = weights[i];
    v.payload = Value(static_cast<int>(i));
    e.variants.push_back(v);
  }
  return e;
}

std::shared_ptr<const ConfigSnapshot> Build(Definitions defs) {
  auto snap = ConfigSnapshot::Build(std::move(defs), 1);
  EXPECT_TRUE(snap.ok()) << snap.status();
  return snap.ok() ? *snap : nullptr;
}

Unit UserUnit(const std::string& id, Value attributes = Value::Object()) {
  Unit u;
  u.ids = {{"user", id}};
  u.attributes = std::move(attributes);
  return u;
}

Assignment Eval(const ConfigSnapshot& snap, const std::string& key,
                const Unit& unit, absl::Time now = kNow) {
  UnitEvaluator eval(snap, unit, now);
  return eval.Evaluate(*snap.FindExperiment(key));
}

double ChiSquarePValue(const std::vector<int64_t>& observed,
                       const std::vector<double>& weights) {
  int64_t n = 0;
  for (int64_t o : observed) n += o;
  double stat = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    double expected = n * weights[i];
    stat += (observed[i] - expected) * (observed[i] - expected) / expected;
  }
  boost::math::chi_squared dist(static_cast<double>(observed.size() - 1));
  return boost::math::cdf(boost::math::complement(dist, stat));
}

TEST(Evaluator, AssignsDeterministicallyFromTheHash) {
  Definitions d;
  d.experiments.push_back(Experiment("checkout_redesign"));
  auto snap = Build(std::move(d));
  for (int i = 0; i < 1000; ++i) {
    Unit u = UserUnit("visitor-" + std::to_string(i));
    Assignment a = Eval(*snap, "checkout_redesign", u);
    Assignment b = Eval(*snap, "checkout_redesign", u);
    ASSERT_EQ(a.reason, Reason::kAssigned);
    EXPECT_EQ(a.variant, b.variant);
    // The variant is exactly the range holding the documented position.
    double expected_u =
        HashPositionForSalt("checkout_redesign", u.ids[0].second);
    EXPECT_EQ(a.position, expected_u);
    EXPECT_EQ(a.variant, expected_u < 0.5 ? 0 : 1);
  }
}

TEST(Evaluator, SaltKeepsAssignmentsWhenTheKeyChanges) {
  Definitions d1, d2;
  d1.experiments.push_back(Experiment("hero"));
  d1.experiments[0].salt = "hero-v1";
  d2.experiments.push_back(Experiment("hero_renamed"));
  d2.experiments[0].salt = "hero-v1";
  auto s1 = Build(std::move(d1));
  auto s2 = Build(std::move(d2));
  for (int i = 0; i < 500; ++i) {
    Unit u = UserUnit("u" + std::to_string(i));
    EXPECT_EQ(Eval(*s1, "hero", u).variant,
              Eval(*s2, "hero_renamed", u).variant);
  }
}

TEST(Evaluator, SplitOf100000UnitsMatchesWeights) {
  const std::vector<double> weights = {0.5, 0.3, 0.2};
  Definitions d;
  d.experiments.push_back(Experiment("hero_banner", weights));
  auto snap = Build(std::move(d));
  std::vector<int64_t> counts(3, 0);
  for (int i = 0; i < 100000; ++i) {
    Assignment a =
        Eval(*snap, "hero_banner", UserUnit("visitor-" + std::to_string(i)));
    ASSERT_EQ(a.reason, Reason::kAssigned);
    ++counts[a.variant];
  }
  double p = ChiSquarePValue(counts, weights);
  EXPECT_GT(p, 0.001) << counts[0] << " " << counts[1] << " " << counts[2];
  // And a deliberately wrong expectation is rejected by the same test, so
  // the check has power: 100,000 units split 0.5/0.3/0.2 are not 1/3 each.
  EXPECT_LT(ChiSquarePValue(counts, {1.0 / 3, 1.0 / 3, 1.0 / 3}), 1e-10);
}

TEST(Evaluator, RaisingCoverageNeverMovesAnAssignedUnit) {
  std::map<std::string, int> before;
  std::vector<double> coverages = {0.1, 0.25, 0.5, 0.8, 1.0};
  size_t previous_enrolled = 0;
  for (double coverage : coverages) {
    Definitions d;
    d.experiments.push_back(Experiment("free_shipping", {0.2, 0.3, 0.5}));
    d.experiments[0].coverage = coverage;
    auto snap = Build(std::move(d));
    std::map<std::string, int> now;
    for (int i = 0; i < 20000; ++i) {
      std::string id = "v" + std::to_string(i);
      Assignment a = Eval(*snap, "free_shipping", UserUnit(id));
      if (a.variant >= 0) {
        now[id] = a.variant;
      } else {
        EXPECT_EQ(a.reason, Reason::kNotInCoverage);
      }
    }
    for (const auto& [id, variant] : before) {
      auto it = now.find(id);
      ASSERT_NE(it, now.end()) << id << " dropped out at coverage " << coverage;
      EXPECT_EQ(it->second, variant) << id << " moved at coverage " << coverage;
    }
    EXPECT_GT(now.size(), previous_enrolled);
    EXPECT_NEAR(now.size() / 20000.0, coverage, 0.02);
    previous_enrolled = now.size();
    before = std::move(now);
  }
}

TEST(Evaluator, LayerGivesMutualExclusionAndHoldout) {
  Definitions d;
  LayerDef layer;
  layer.key = "pricing";
  layer.holdout = 0.05;
  d.layers.push_back(layer);
  const std::vector<std::pair<double, double>> ranges = {
      {0, 0.3}, {0.3, 0.6}, {0.6, 0.95}};
  for (size_t i = 0; i < ranges.size(); ++i) {
    ExperimentDef e = Experiment("pricing_" + std::to_string(i));
    e.layer = "pricing";
    e.layer_range = BucketRange{ranges[i].first, ranges[i].second};
    d.experiments.push_back(e);
  }
  d.experiments.push_back(Experiment("unlayered"));
  auto snap = Build(std::move(d));

  int held_out = 0, unlayered_in = 0;
  std::vector<int> per_experiment(3, 0);
  std::vector<Assignment> out;
  const int kUnits = 50000;
  for (int i = 0; i < kUnits; ++i) {
    Unit u = UserUnit("unit-" + std::to_string(i));
    UnitEvaluator eval(*snap, u, kNow);
    eval.EvaluateAll(out);
    ASSERT_EQ(out.size(), 4u);
    int in_layer = 0;
    bool holdout = false;
    for (int k = 0; k < 3; ++k) {
      if (out[k].in_experiment()) {
        ++in_layer;
        ++per_experiment[k];
      } else if (out[k].reason == Reason::kHoldout) {
        holdout = true;
      } else {
        EXPECT_EQ(out[k].reason, Reason::kLayerExcluded);
      }
    }
    EXPECT_LE(in_layer, 1) << u.ids[0].second;
    // Held-out units are held out of every experiment of the layer.
    if (holdout) {
      ++held_out;
      EXPECT_EQ(in_layer, 0);
      for (int k = 0; k < 3; ++k) EXPECT_EQ(out[k].reason, Reason::kHoldout);
    } else {
      EXPECT_EQ(in_layer, 1);  // the ranges tile [0, 0.95)
    }
    if (out[3].in_experiment()) ++unlayered_in;
  }
  EXPECT_NEAR(held_out / double(kUnits), 0.05, 0.005);
  EXPECT_NEAR(per_experiment[0] / double(kUnits), 0.30, 0.01);
  EXPECT_NEAR(per_experiment[1] / double(kUnits), 0.30, 0.01);
  EXPECT_NEAR(per_experiment[2] / double(kUnits), 0.35, 0.01);
  // Experiments without a layer overlap freely.
  EXPECT_EQ(unlayered_in, kUnits);
}

TEST(Evaluator, GlobalHoldoutExcludesAShareUnlessExempt) {
  Definitions d;
  HoldoutDef h;
  h.key = "global_holdout";
  h.share = 0.1;
  d.holdouts.push_back(h);
  d.experiments.push_back(Experiment("a"));
  d.experiments.push_back(Experiment("b"));
  d.experiments.back().exempt_from_holdout = true;
  auto snap = Build(std::move(d));
  int held = 0;
  for (int i = 0; i < 20000; ++i) {
    Unit u = UserUnit("h" + std::to_string(i));
    Assignment a = Eval(*snap, "a", u);
    if (a.reason == Reason::kHoldout) ++held;
    EXPECT_EQ(a.reason == Reason::kHoldout,
              HashPositionForSalt("global_holdout", u.ids[0].second) < 0.1);
    EXPECT_EQ(Eval(*snap, "b", u).reason, Reason::kAssigned);
  }
  EXPECT_NEAR(held / 20000.0, 0.1, 0.01);
}

TEST(Evaluator, ReasonsFollowTheDocumentedOrder) {
  Definitions d;
  SegmentDef returning;
  returning.key = "returning";
  returning.condition = Json(R"({"is_returning": true})");
  d.segments.push_back(returning);

  ExperimentDef e = Experiment("checkout");
  e.segments = {"returning"};
  e.condition = Json(R"({"cart_items": {"$gt": 0}})");
  e.forced = {{"qa-1", "treatment_1"}};
  e.start = kNow - absl::Hours(24);
  e.end = kNow + absl::Hours(24);
  d.experiments.push_back(e);

  ExperimentDef draft = Experiment("draft_test");
  draft.status = ExperimentStatus::kDraft;
  draft.forced = {{"qa-1", "control"}};
  d.experiments.push_back(draft);

  ExperimentDef launched = Experiment("launched_test");
  launched.status = ExperimentStatus::kLaunched;
  launched.winner = "treatment_1";
  launched.condition = Json(R"({"country": "US"})");
  d.experiments.push_back(launched);
  auto snap = Build(std::move(d));

  Value eligible =
      Json(R"({"is_returning": true, "cart_items": 2, "country": "US"})");
  // not_running beats forced.
  EXPECT_EQ(Eval(*snap, "draft_test", UserUnit("qa-1", eligible)).reason,
            Reason::kNotRunning);
  // forced beats schedule and targeting.
  Assignment forced = Eval(*snap, "checkout", UserUnit("qa-1", Value::Object()),
                           kNow + absl::Hours(100));
  EXPECT_EQ(forced.reason, Reason::kForced);
  EXPECT_EQ(forced.variant_key(), "treatment_1");
  // schedule window [start, end).
  EXPECT_EQ(
      Eval(*snap, "checkout", UserUnit("v1", eligible), kNow + absl::Hours(24))
          .reason,
      Reason::kOutsideSchedule);
  EXPECT_EQ(
      Eval(*snap, "checkout", UserUnit("v1", eligible), kNow - absl::Hours(25))
          .reason,
      Reason::kOutsideSchedule);
  // missing unit id.
  Unit anonymous;
  anonymous.attributes = eligible;
  EXPECT_EQ(Eval(*snap, "checkout", anonymous).reason, Reason::kMissingUnitId);
  // targeting: segment, then condition.
  EXPECT_EQ(
      Eval(*snap, "checkout",
           UserUnit("v1", Json(R"({"is_returning": false, "cart_items": 2})")))
          .reason,
      Reason::kNotTargeted);
  EXPECT_EQ(
      Eval(*snap, "checkout",
           UserUnit("v1", Json(R"({"is_returning": true, "cart_items": 0})")))
          .reason,
      Reason::kNotTargeted);
  EXPECT_EQ(Eval(*snap, "checkout", UserUnit("v1", eligible)).reason,
            Reason::kAssigned);
  // launched: the winner for every targeted unit, no schedule or coverage.
  for (int i = 0; i < 100; ++i) {
    Assignment a = Eval(*snap, "launched_test",
                        UserUnit("l" + std::to_string(i), eligible));
    EXPECT_EQ(a.reason, Reason::kLaunched);
    EXPECT_EQ(a.variant_key(), "treatment_1");
  }
  EXPECT_EQ(
      Eval(*snap, "launched_test", UserUnit("l1", Json(R"({"country": "DE"})")))
          .reason,
      Reason::kNotTargeted);
}

TEST(Evaluator, HashAttributeAndFallback) {
  Definitions d;
  ExperimentDef e = Experiment("by_account");
  e.unit_type = "account";
  e.fallback_attribute = "device_id";
  d.experiments.push_back(e);
  ExperimentDef h = Experiment("by_company");
  h.hash_attribute = "company_id";
  d.experiments.push_back(h);
  auto snap = Build(std::move(d));

  Unit with_account;
  with_account.ids = {{"user", "u1"}, {"account", "acct-9"}};
  Assignment a = Eval(*snap, "by_account", with_account);
  EXPECT_EQ(a.reason, Reason::kAssigned);
  EXPECT_FALSE(a.used_fallback);
  EXPECT_EQ(a.position, HashPositionForSalt("by_account", "acct-9"));

  Unit device_only = UserUnit("u1", Json(R"({"device_id": "dev-3"})"));
  a = Eval(*snap, "by_account", device_only);
  EXPECT_EQ(a.reason, Reason::kAssigned);
  EXPECT_TRUE(a.used_fallback);
  EXPECT_EQ(a.position, HashPositionForSalt("by_account", "dev-3"));

  EXPECT_EQ(Eval(*snap, "by_account", UserUnit("u1")).reason,
            Reason::kMissingUnitId);

  // Numbers hash in their JavaScript text form.
  a = Eval(*snap, "by_company",
           UserUnit("u1", Json(R"({"company_id": 1234})")));
  EXPECT_EQ(a.position, HashPositionForSalt("by_company", "1234"));
  EXPECT_EQ(
      Eval(*snap, "by_company", UserUnit("u1", Json(R"({"company_id": true})")))
          .reason,
      Reason::kMissingUnitId);
}

TEST(Evaluator, EvaluateAllSkipsInactiveUnlessAsked) {
  Definitions d;
  d.experiments.push_back(Experiment("running"));
  for (ExperimentStatus s :
       {ExperimentStatus::kDraft, ExperimentStatus::kPaused,
        ExperimentStatus::kStopped}) {
    ExperimentDef e = Experiment(std::string(ExperimentStatusName(s)) + "_exp");
    e.status = s;
    d.experiments.push_back(e);
  }
  auto snap = Build(std::move(d));
  Unit u = UserUnit("v");
  UnitEvaluator eval(*snap, u, kNow);
  std::vector<Assignment> out;
  eval.EvaluateAll(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].experiment->key(), "running");
  eval.EvaluateAll(out, /*include_inactive=*/true);
  ASSERT_EQ(out.size(), 4u);
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(out[i].reason, Reason::kNotRunning);
}

TEST(Evaluator, GroupsAndSegmentsFromTheSnapshot) {
  Definitions d;
  GroupDef vip;
  vip.key = "vip_customers";
  vip.ids = {Value("u-1"), Value("u-2")};
  d.groups.push_back(vip);
  SegmentDef seg;
  seg.key = "vip";
  seg.condition = Json(R"({"id": {"$inGroup": "vip_customers"}})");
  d.segments.push_back(seg);
  ExperimentDef e = Experiment("vip_offer");
  e.segments = {"vip"};
  d.experiments.push_back(e);
  auto snap = Build(std::move(d));
  EXPECT_NE(
      Eval(*snap, "vip_offer", UserUnit("x", Json(R"({"id": "u-2"})"))).reason,
      Reason::kNotTargeted);
  EXPECT_EQ(
      Eval(*snap, "vip_offer", UserUnit("x", Json(R"({"id": "u-3"})"))).reason,
      Reason::kNotTargeted);
}

TEST(Snapshot, BuildRejectsInvalidDefinitionsListingEveryError) {
  Definitions d;
  ExperimentDef e = Experiment("bad", {0.5, 0.4});
  e.coverage = 2;
  d.experiments.push_back(e);
  auto snap = ConfigSnapshot::Build(std::move(d));
  ASSERT_FALSE(snap.ok());
  EXPECT_EQ(snap.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(
      snap.status().message().find(
          "experiment bad: variants[1].weight: weights must sum to 1, got 0.9"),
      absl::string_view::npos)
      << snap.status();
  EXPECT_NE(snap.status().message().find("coverage"), absl::string_view::npos);
}

TEST(Snapshot, FindsAndIndexesEverything) {
  Definitions d;
  d.experiments.push_back(Experiment("a"));
  d.experiments.push_back(Experiment("b", {0.1, 0.9}));
  auto snap = Build(std::move(d));
  EXPECT_EQ(snap->version(), 1);
  ASSERT_NE(snap->FindExperiment("b"), nullptr);
  EXPECT_EQ(snap->FindExperiment("b")->index, 1);
  EXPECT_EQ(snap->FindExperiment("missing"), nullptr);
  EXPECT_DOUBLE_EQ(snap->FindExperiment("b")->ranges[1].start, 0.1);
}

// ---- Sticky bucketing and bandit ranges (AssignmentOverrides) -------------

namespace sticky {

// Serves stored variants from a map and learned ranges per context.
class FakeOverrides : public AssignmentOverrides {
 public:
  int StoredVariant(const CompiledExperiment& /*e*/,
                    absl::string_view id) const override {
    ++lookups;
    auto it = stored.find(std::string(id));
    return it == stored.end() ? -1 : it->second;
  }
  const std::vector<BucketRange>* BanditRanges(
      const CompiledExperiment& /*e*/, absl::string_view context) const override {
    last_context = std::string(context);
    auto it = ranges.find(std::string(context));
    return it == ranges.end() ? nullptr : &it->second;
  }
  std::map<std::string, int> stored;
  std::map<std::string, std::vector<BucketRange>> ranges;
  mutable int lookups = 0;
  mutable std::string last_context;
};

TEST(EvaluatorSticky, StoredAssignmentWinsOverWeightsAndCoverage) {
  Definitions defs;
  ExperimentDef e = Experiment("exp", {1.0, 0.0});  // everyone to control
  e.sticky = true;
  e.coverage = 0;  // and nobody covered any more
  defs.experiments.push_back(e);
  auto snap = Build(defs);
  FakeOverrides overrides;
  overrides.stored["u1"] = 1;
  Unit u1 = UserUnit("u1");
  UnitEvaluator eval(*snap, u1, kNow, &overrides);
  Assignment a = eval.Evaluate(*snap->FindExperiment("exp"));
  EXPECT_EQ(a.variant, 1);
  EXPECT_EQ(a.reason, Reason::kAssigned);
  EXPECT_TRUE(a.from_store);
  // Without a stored assignment the unit is hashed (and here not covered).
  Unit u2 = UserUnit("u2");
  UnitEvaluator eval2(*snap, u2, kNow, &overrides);
  a = eval2.Evaluate(*snap->FindExperiment("exp"));
  EXPECT_EQ(a.reason, Reason::kNotInCoverage);
  EXPECT_FALSE(a.from_store);
  EXPECT_EQ(a.hashed_id, "u2");
}

TEST(EvaluatorSticky, TargetingStillAppliesAndNonStickyIgnoresTheStore) {
  Definitions defs;
  ExperimentDef sticky = Experiment("sticky");
  sticky.sticky = true;
  sticky.condition = Json(R"({"country": "US"})");
  defs.experiments.push_back(sticky);
  defs.experiments.push_back(Experiment("plain", {1.0, 0.0}));
  auto snap = Build(defs);
  FakeOverrides overrides;
  overrides.stored["u1"] = 1;
  Unit u1 = UserUnit("u1", Json(R"({"country": "FR"})"));
  UnitEvaluator eval(*snap, u1, kNow, &overrides);
  EXPECT_EQ(eval.Evaluate(*snap->FindExperiment("sticky")).reason,
            Reason::kNotTargeted);
  Assignment plain = eval.Evaluate(*snap->FindExperiment("plain"));
  EXPECT_EQ(plain.variant, 0);
  EXPECT_FALSE(plain.from_store);
  EXPECT_EQ(overrides.lookups, 0);
}

TEST(EvaluatorSticky, BucketVersionReRandomises) {
  Definitions v0, v1;
  ExperimentDef e = Experiment("exp");
  v0.experiments.push_back(e);
  e.bucket_version = 1;
  v1.experiments.push_back(e);
  auto snap0 = Build(v0);
  auto snap1 = Build(v1);
  int moved = 0;
  for (int i = 0; i < 1000; ++i) {
    Unit u = UserUnit("unit-" + std::to_string(i));
    const Assignment a = Eval(*snap0, "exp", u);
    const Assignment b = Eval(*snap1, "exp", u);
    EXPECT_NE(a.position, b.position);
    moved += a.variant != b.variant;
  }
  // About half the units change variant under a fresh randomisation.
  EXPECT_GT(moved, 400);
  EXPECT_LT(moved, 600);
}

TEST(EvaluatorSticky, BanditUsesTheLearnedRangesOfTheUnitsPersona) {
  Definitions defs;
  SegmentDef runners;
  runners.key = "runners";
  runners.condition = Json(R"({"runner": true})");
  defs.segments.push_back(runners);
  MetricDef conversion;
  conversion.key = "conversion";
  conversion.event = "purchase";
  defs.metrics.push_back(conversion);
  ExperimentDef e = Experiment("bandit", {0.34, 0.33, 0.33});
  e.bandit = ExperimentDef::Bandit{"conversion", 1, 0.0};
  defs.experiments.push_back(e);
  auto snap = Build(defs);
  FakeOverrides overrides;
  overrides.ranges["runners"] = {{0, 0}, {0, 0}, {0, 1}};  // all to variant 2
  overrides.ranges[""] = {{0, 0}, {0, 1}, {1, 1}};         // all to variant 1
  Unit runner = UserUnit("r1", Json(R"({"runner": true})"));
  UnitEvaluator eval(*snap, runner, kNow, &overrides);
  Assignment a = eval.Evaluate(*snap->FindExperiment("bandit"));
  EXPECT_EQ(a.variant, 2);
  EXPECT_EQ(overrides.last_context, "runners");
  Unit other = UserUnit("o1");
  UnitEvaluator eval2(*snap, other, kNow, &overrides);
  EXPECT_EQ(eval2.Evaluate(*snap->FindExperiment("bandit")).variant, 1);
  EXPECT_EQ(overrides.last_context, "");
  // A bandit is sticky: a stored assignment wins over the learned ranges.
  overrides.stored["r1"] = 0;
  UnitEvaluator eval3(*snap, runner, kNow, &overrides);
  Assignment stored = eval3.Evaluate(*snap->FindExperiment("bandit"));
  EXPECT_EQ(stored.variant, 0);
  EXPECT_TRUE(stored.from_store);
}

}  // namespace sticky

}  // namespace
}  // namespace cxlab::engine
