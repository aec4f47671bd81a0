// Copyright 2026 The cxlab Authors.
//
// Tests for ValidateDefinitions (engine/definitions.h): a valid set of
// definitions (slots and bandit experiments included) passes, and every rule reports exactly the DefinitionError
// (kind, key, field, message) that docs/definitions.md promises.

#include "engine/definitions.h"

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::engine {

// Readable failure output (found by argument-dependent lookup).
void PrintTo(const DefinitionError& e, std::ostream* os) {
  *os << "{kind=\"" << e.kind << "\", key=\"" << e.key << "\", field=\""
      << e.field << "\", message=\"" << e.message << "\"}";
}

namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

MATCHER_P4(Err, kind, key, field, message, "") {
  return arg.kind == kind && arg.key == key && arg.field == field &&
         arg.message == message;
}

Value J(const std::string& text) {
  absl::StatusOr<Value> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : Value();
}

absl::Time Day(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

VariantDef Variant(const std::string& key, std::optional<double> weight = {}) {
  VariantDef v;
  v.key = key;
  v.weight = weight;
  return v;
}

// Indexes of the experiments ValidDefinitions() builds.
constexpr int kCheckout = 0;  // running, layer checkout_layer [0, 0.4)
constexpr int kShipping = 1;  // running, layer checkout_layer [0.4, 0.9)
constexpr int kHero = 2;      // launched, no layer

// A realistic, valid set of definitions touching every kind and field.
Definitions ValidDefinitions() {
  Definitions d;

  d.groups.push_back({"beta_testers",
                      "QA and friends",
                      {Value("visitor-7"), Value("visitor-42"), Value(1001)}});

  SegmentDef sporty;
  sporty.key = "sporty_parents";
  sporty.name = "Sporty parents";
  sporty.condition = J(R"({"age": {"$gte": 25, "$lte": 45},
                           "children": {"$gt": 0},
                           "interests": {"$elemMatch": {"$eq": "running"}}})");
  d.segments.push_back(sporty);
  SegmentDef returning;
  returning.key = "returning_visitors";
  returning.condition = J(R"({"is_returning": true})");
  d.segments.push_back(returning);

  MetricDef purchase;
  purchase.key = "purchase";
  purchase.type = MetricType::kBinomial;
  purchase.event = "order_completed";
  d.metrics.push_back(purchase);

  MetricDef revenue;
  revenue.key = "revenue";
  revenue.type = MetricType::kMean;
  revenue.event = "order_completed";
  revenue.value_property = "amount";
  revenue.window_hours = 168;
  revenue.cap = 2000;
  d.metrics.push_back(revenue);

  MetricDef aov;
  aov.key = "aov";
  aov.type = MetricType::kRatio;
  aov.event = "order_completed";
  aov.denominator_event = "session_start";
  d.metrics.push_back(aov);

  MetricDef retention;
  retention.key = "retention_7d";
  retention.type = MetricType::kRetention;
  retention.event = "visit";
  retention.retention_hours = 168;
  d.metrics.push_back(retention);

  MetricDef effort;
  effort.key = "ces";
  effort.type = MetricType::kCes;
  effort.event = "survey_answered";
  effort.scale_min = 1;
  effort.scale_max = 7;
  effort.direction = MetricDirection::kLower;
  d.metrics.push_back(effort);

  MetricDef support;
  support.key = "support_contact";
  support.type = MetricType::kCount;
  support.event = "support_contact";
  support.direction = MetricDirection::kLower;
  support.guardrail = true;
  support.filter = J(R"({"plan": {"$in": ["pro", "team"]}})");
  d.metrics.push_back(support);

  d.layers.push_back({"checkout_layer", "checkout flow", "", 0.1});
  d.holdouts.push_back({"global_2026", "", "", 0.05});

  ExperimentDef checkout;
  checkout.key = "checkout_one_page";
  checkout.name = "One-page checkout";
  checkout.status = ExperimentStatus::kRunning;
  checkout.variants = {Variant("control", 0.5), Variant("one_page", 0.5)};
  checkout.variants[1].payload = J(R"({"layout": "single"})");
  checkout.coverage = 0.8;
  checkout.segments = {"returning_visitors"};
  checkout.condition = J(R"({"country": {"$in": ["US", "CA"]},
                             "id": {"$notInGroup": "beta_testers"}})");
  checkout.layer = "checkout_layer";
  checkout.layer_range = BucketRange{0, 0.4};
  checkout.forced = {{"qa-alice", "one_page"}, {"qa-bob", "control"}};
  checkout.start = Day(2026, 3, 1);
  checkout.end = Day(2026, 4, 1);
  checkout.metrics = {"purchase", "revenue"};
  checkout.guardrails = {"support_contact"};
  d.experiments.push_back(checkout);

  ExperimentDef shipping;
  shipping.key = "shipping_threshold";
  shipping.status = ExperimentStatus::kRunning;
  shipping.unit_type = "device";
  shipping.variants = {Variant("control"), Variant("free_over_50")};
  shipping.layer = "checkout_layer";
  shipping.layer_range = BucketRange{0.4, 0.9};  // ends at the holdout
  shipping.metrics = {"aov"};
  d.experiments.push_back(shipping);

  ExperimentDef hero;
  hero.key = "hero_banner";
  hero.status = ExperimentStatus::kLaunched;
  hero.winner = "b";
  hero.variants = {Variant("a"), Variant("b"), Variant("c")};
  hero.segments = {"sporty_parents"};
  hero.condition = J("{}");
  hero.metrics = {"retention_7d", "ces"};
  d.experiments.push_back(hero);

  return d;
}

// ---------------------------------------------------------------- baseline

TEST(ValidateDefinitions, ValidDefinitionsHaveNoErrors) {
  EXPECT_THAT(ValidateDefinitions(ValidDefinitions()), IsEmpty());
}

TEST(ValidateDefinitions, EmptyDefinitionsAreValid) {
  EXPECT_THAT(ValidateDefinitions(Definitions()), IsEmpty());
}

TEST(ValidateDefinitions, AcceptsBoundaryValues) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].coverage = 0;
  d.experiments[kShipping].coverage = 1;
  d.holdouts[0].share = 0.5;
  d.experiments[kCheckout].variants = {Variant("a", 0), Variant("b", 1)};
  d.experiments[kCheckout].forced.clear();
  d.experiments[kCheckout].key = std::string(128, 'k');
  d.experiments[kShipping].variants = {
      Variant("x", 1.0 / 3), Variant("y", 1.0 / 3), Variant("z", 1.0 / 3)};
  d.experiments[kHero].variants = {Variant("a", 0.5), Variant("b", 0.5000005)};
  d.experiments[kHero].start = Day(2026, 1, 1);  // open end
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());
}

// ---------------------------------------------------------------- variants

TEST(ValidateDefinitions, WeightsMustSumToOne) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].variants[1].weight = 0.4;
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(Err("experiment", "checkout_one_page", "variants[1].weight",
                      "weights must sum to 1, got 0.9")));
}

TEST(ValidateDefinitions, WeightSumIsReportedOnTheLastVariant) {
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].variants = {Variant("a", 0.5), Variant("b", 0.3),
                                       Variant("c", 0.3)};
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(Err("experiment", "shipping_threshold", "variants[2].weight",
                      "weights must sum to 1, got 1.1")));

  d.experiments[kShipping].variants = {Variant("a", 0.5),
                                       Variant("b", 0.50001)};
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(Err("experiment", "shipping_threshold", "variants[1].weight",
                      "weights must sum to 1, got 1.00001")));
}

TEST(ValidateDefinitions, AtLeastTwoVariants) {
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].variants = {Variant("control")};
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "shipping_threshold", "variants",
                              "needs at least 2 variants, got 1")));

  d.experiments[kShipping].variants.clear();
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "shipping_threshold", "variants",
                              "needs at least 2 variants, got 0")));
}

TEST(ValidateDefinitions, DuplicateVariantKeys) {
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].variants = {Variant("control"), Variant("b"),
                                       Variant("control")};
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(Err("experiment", "shipping_threshold", "variants[2].key",
                      "duplicate variant key 'control'")));
}

TEST(ValidateDefinitions, VariantKeyRules) {
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].variants[1].key = "free over 50";
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(Err("experiment", "shipping_threshold", "variants[1].key",
                      "must be 1-128 characters of letters, digits, '_', "
                      "'.', '-'")));

  d.experiments[kShipping].variants[1].key = "";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "shipping_threshold",
                              "variants[1].key", "is required")));
}

TEST(ValidateDefinitions, WeightsSetOnEveryVariantOrNone) {
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].variants[0].weight = 1.0;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err(
                  "experiment", "shipping_threshold", "variants[1].weight",
                  "set a weight on every variant or on none (equal weights)")));

  // Reported once, on the first variant without a weight.
  d.experiments[kShipping].variants = {Variant("a", 0.5), Variant("b"),
                                       Variant("c"), Variant("d", 0.5)};
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err(
                  "experiment", "shipping_threshold", "variants[1].weight",
                  "set a weight on every variant or on none (equal weights)")));
}

TEST(ValidateDefinitions, WeightOutOfRange) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].variants[0].weight = 1.5;
  d.experiments[kCheckout].variants[1].weight = -0.5;
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(Err("experiment", "checkout_one_page", "variants[0].weight",
                      "must be in [0, 1], got 1.5"),
                  Err("experiment", "checkout_one_page", "variants[1].weight",
                      "must be in [0, 1], got -0.5")));
}

// ---------------------------------------------------------------- fields

TEST(ValidateDefinitions, CoverageOutOfRange) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].coverage = 1.5;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page", "coverage",
                              "must be in [0, 1], got 1.5")));
  d.experiments[kCheckout].coverage = -0.1;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page", "coverage",
                              "must be in [0, 1], got -0.1")));
}

TEST(ValidateDefinitions, InvalidExperimentKey) {
  const std::string kRule =
      "must be 1-128 characters of letters, digits, '_', '.', '-', starting "
      "with a letter or digit";
  for (const std::string& key :
       {std::string("shipping threshold!"), std::string("_private"),
        std::string("-x"), std::string("caf\xC3\xA9"), std::string("a/b"),
        std::string(129, 'k')}) {
    Definitions d = ValidDefinitions();
    d.experiments[kShipping].key = key;
    EXPECT_THAT(ValidateDefinitions(d),
                ElementsAre(Err("experiment", key, "key", kRule)))
        << key;
  }
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].key = "";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "", "key", "is required")));
}

TEST(ValidateDefinitions, UnitTypeAndHashAttribute) {
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].unit_type = "device id";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "shipping_threshold", "unit_type",
                              "must be an identifier such as user, device, "
                              "session or account")));
  d = ValidDefinitions();
  d.experiments[kShipping].hash_attribute = std::string(257, 'h');
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(Err("experiment", "shipping_threshold", "hash_attribute",
                      "must be at most 256 characters")));
  d.experiments[kShipping].hash_attribute = std::string(256, 'h');
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());
}

TEST(ValidateDefinitions, UnknownSegment) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].segments = {"returning_visitors",
                                       "returning_vistors"};
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page", "segments[1]",
                              "unknown segment 'returning_vistors'")));
}

TEST(ValidateDefinitions, UnknownMetricsAndGuardrails) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].metrics = {"purchase", "revenu"};
  d.experiments[kCheckout].guardrails = {"support"};
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page", "metrics[1]",
                              "unknown metric 'revenu'"),
                          Err("experiment", "checkout_one_page",
                              "guardrails[0]", "unknown metric 'support'")));
}

// ---------------------------------------------------------------- conditions

TEST(ValidateDefinitions, ConditionErrorsCarryTheirFieldPath) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].condition = J(R"({"age": {"$in": 5}})");
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(Err("experiment", "checkout_one_page", "condition.age.$in",
                      "operand must be an array")));

  d.experiments[kCheckout].condition =
      J(R"({"$or": [{"a": 1}, {"email": {"$regex": 1}}]})");
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page",
                              "condition.$or[1].email.$regex",
                              "operand must be a regular expression string")));

  d.experiments[kCheckout].condition = Value("country = US");
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page", "condition",
                              "must be an object")));
}

TEST(ValidateDefinitions, InvalidRegexInCondition) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].condition = J(R"({"email": {"$regex": "("}})");
  std::vector<DefinitionError> errors = ValidateDefinitions(d);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "condition.email.$regex");
  EXPECT_EQ(errors[0].message.rfind("invalid regular expression: ", 0), 0u)
      << errors[0].message;
}

TEST(ValidateDefinitions, SegmentConditionAndMetricFilterErrors) {
  Definitions d = ValidDefinitions();
  d.segments[0].condition = J(R"({"x": {"$regx": 1}})");
  d.metrics[5].filter = J(R"({"$or": 3})");
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("segment", "sporty_parents", "condition.x.$regx",
                              "unknown operator $regx"),
                          Err("metric", "support_contact", "filter.$or",
                              "operand must be an array")));
}

TEST(ValidateDefinitions, UnknownGroupInCondition) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].condition =
      J(R"({"user_id": {"$inGroup": "beta_tester"}})");
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page",
                              "condition.user_id.$inGroup",
                              "unknown group 'beta_tester'")));

  d.experiments[kCheckout].condition =
      J(R"({"$or": [{"a": 1}, {"id": {"$notInGroup": "internal"}}]})");
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page",
                              "condition.$or[1].id.$notInGroup",
                              "unknown group 'internal'")));

  d.experiments[kCheckout].condition =
      J(R"({"id": {"$inGroup": "beta_testers"}})");
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());
}

TEST(ValidateDefinitions, SegmentWithoutCondition) {
  Definitions d = ValidDefinitions();
  d.segments[1].condition = Value();
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("segment", "returning_visitors", "condition",
                              "is required")));
}

// ---------------------------------------------------------------- layers

TEST(ValidateDefinitions, LayerRequiresRangeAndViceVersa) {
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].layer_range.reset();
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "shipping_threshold", "layer_range",
                              "is required when layer is set")));

  d = ValidDefinitions();
  d.experiments[kHero].layer_range = BucketRange{0, 0.5};
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "hero_banner", "layer_range",
                              "is only allowed together with layer")));
}

TEST(ValidateDefinitions, LayerMustBeDeclared) {
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].layer = "checkout_layr";
  std::vector<DefinitionError> errors = ValidateDefinitions(d);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].kind, "experiment");
  EXPECT_EQ(errors[0].key, "shipping_threshold");
  EXPECT_EQ(errors[0].field, "layer");
  EXPECT_NE(errors[0].message.find("unknown layer 'checkout_layr'"),
            std::string::npos)
      << errors[0].message;
}

TEST(ValidateDefinitions, LayerRangeMustBeANonEmptyInterval) {
  struct Case {
    double start, end;
    const char* message;
  } cases[] = {
      {0.5, 0.5, "must satisfy 0 <= start < end <= 1, got [0.5, 0.5]"},
      {0.8, 0.6, "must satisfy 0 <= start < end <= 1, got [0.8, 0.6]"},
      {0.5, 1.2, "must satisfy 0 <= start < end <= 1, got [0.5, 1.2]"},
  };
  for (const Case& c : cases) {
    Definitions d = ValidDefinitions();
    d.experiments[kShipping].layer_range = BucketRange{c.start, c.end};
    EXPECT_THAT(ValidateDefinitions(d),
                ElementsAre(Err("experiment", "shipping_threshold",
                                "layer_range", c.message)));
  }
}

TEST(ValidateDefinitions, OverlappingRangesReportedOnceOnTheLaterExperiment) {
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].layer_range = BucketRange{0.3, 0.9};
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "shipping_threshold", "layer_range",
                              "[0.3, 0.9) overlaps experiment "
                              "'checkout_one_page' [0, 0.4) in layer "
                              "'checkout_layer'")));
}

TEST(ValidateDefinitions, OverlapWithSeveralExperiments) {
  Definitions d = ValidDefinitions();
  ExperimentDef third = d.experiments[kShipping];
  third.key = "express_checkout";
  third.layer_range = BucketRange{0.35, 0.45};
  d.experiments.push_back(third);
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(Err("experiment", "express_checkout", "layer_range",
                      "[0.35, 0.45) overlaps experiment 'checkout_one_page' "
                      "[0, 0.4) in layer 'checkout_layer'"),
                  Err("experiment", "express_checkout", "layer_range",
                      "[0.35, 0.45) overlaps experiment 'shipping_threshold' "
                      "[0.4, 0.9) in layer 'checkout_layer'")));
}

TEST(ValidateDefinitions, PausedExperimentsHoldTheirRange) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].status = ExperimentStatus::kPaused;
  d.experiments[kShipping].layer_range = BucketRange{0.3, 0.9};
  EXPECT_EQ(ValidateDefinitions(d).size(), 1u);
}

TEST(ValidateDefinitions, DraftsDoNotHoldARangeUntilTheyStart) {
  // A marketer may prepare the next test on a range a running one holds...
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].status = ExperimentStatus::kDraft;
  d.experiments[kShipping].layer_range = BucketRange{0.3, 0.9};
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());
  // ...but cannot start it while the ranges overlap.
  d.experiments[kShipping].status = ExperimentStatus::kRunning;
  EXPECT_EQ(ValidateDefinitions(d).size(), 1u);
}

TEST(ValidateDefinitions, StoppedOrLaunchedExperimentsReleaseTheirRange) {
  // The earlier experiment stopped.
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].layer_range = BucketRange{0.3, 0.9};
  d.experiments[kCheckout].status = ExperimentStatus::kStopped;
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());

  // The later experiment stopped.
  d = ValidDefinitions();
  d.experiments[kShipping].layer_range = BucketRange{0.3, 0.9};
  d.experiments[kShipping].status = ExperimentStatus::kStopped;
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());

  // The earlier experiment launched.
  d = ValidDefinitions();
  d.experiments[kShipping].layer_range = BucketRange{0.3, 0.9};
  d.experiments[kCheckout].status = ExperimentStatus::kLaunched;
  d.experiments[kCheckout].winner = "one_page";
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());
}

TEST(ValidateDefinitions, ExperimentsInDifferentLayersMayOverlap) {
  Definitions d = ValidDefinitions();
  d.layers.push_back({"hero_layer", "", "", 0});
  ExperimentDef other = d.experiments[kShipping];
  other.key = "hero_copy";
  other.layer = "hero_layer";
  other.layer_range = BucketRange{0, 1};
  d.experiments.push_back(other);
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());
}

TEST(ValidateDefinitions, RangeMustNotOverlapTheLayerHoldout) {
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].layer_range = BucketRange{0.4, 0.95};
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "shipping_threshold", "layer_range",
                              "overlaps the layer's holdout [0.9, 1); end "
                              "must be <= 0.9")));
}

TEST(ValidateDefinitions, LayerRules) {
  Definitions d = ValidDefinitions();
  d.layers.push_back({"spare", "", "", 1.0});
  d.layers.push_back({"checkout_layer", "", "", 0});
  d.layers.push_back({"bad layer", "", "", -0.1});
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(
          Err("layer", "spare", "holdout", "must be in [0, 1), got 1"),
          Err("layer", "checkout_layer", "key",
              "duplicate layer key 'checkout_layer'"),
          Err("layer", "bad layer", "key",
              "must be 1-128 characters of letters, digits, '_', "
              "'.', '-', starting with a letter or digit"),
          Err("layer", "bad layer", "holdout", "must be in [0, 1), got -0.1")));
}

// ---------------------------------------------------------------- forced

TEST(ValidateDefinitions, ForcedUnitsMustPointToVariants) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].forced.push_back({"qa-carol", "one_pag"});
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page",
                              "forced.qa-carol", "unknown variant 'one_pag'")));
}

TEST(ValidateDefinitions, ForcedUnitIdsNonEmptyAndUnique) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].forced.push_back({"qa-alice", "control"});
  d.experiments[kCheckout].forced.push_back({"", "control"});
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page",
                              "forced.qa-alice", "duplicate unit id"),
                          Err("experiment", "checkout_one_page", "forced",
                              "unit id must not be empty")));
}

// ---------------------------------------------------------------- schedule

TEST(ValidateDefinitions, ScheduleEndMustBeAfterStart) {
  Definitions d = ValidDefinitions();
  d.experiments[kCheckout].start = Day(2026, 4, 1);
  d.experiments[kCheckout].end = Day(2026, 3, 1);
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page", "schedule.end",
                              "must be after schedule.start")));
  d.experiments[kCheckout].end = d.experiments[kCheckout].start;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page", "schedule.end",
                              "must be after schedule.start")));
}

// ---------------------------------------------------------------- lifecycle

TEST(ValidateDefinitions, LaunchedNeedsAKnownWinner) {
  Definitions d = ValidDefinitions();
  d.experiments[kHero].winner = "";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "hero_banner", "winner",
                              "is required when status is launched")));
  d.experiments[kHero].winner = "d";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "hero_banner", "winner",
                              "unknown variant 'd'")));
}

TEST(ValidateDefinitions, WinnerOnlyWhenLaunched) {
  for (ExperimentStatus status :
       {ExperimentStatus::kDraft, ExperimentStatus::kRunning,
        ExperimentStatus::kPaused, ExperimentStatus::kStopped}) {
    Definitions d = ValidDefinitions();
    d.experiments[kHero].status = status;
    EXPECT_THAT(ValidateDefinitions(d),
                ElementsAre(Err("experiment", "hero_banner", "winner",
                                "is only allowed when status is launched")))
        << ExperimentStatusName(status);
  }
}

// ---------------------------------------------------------------- duplicates

TEST(ValidateDefinitions, DuplicateKeysPerKind) {
  Definitions d = ValidDefinitions();
  ExperimentDef copy = d.experiments[kHero];
  d.experiments.push_back(copy);
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "hero_banner", "key",
                              "duplicate experiment key 'hero_banner'")));

  d = ValidDefinitions();
  d.groups.push_back(d.groups[0]);
  d.segments.push_back(d.segments[1]);
  d.metrics.push_back(d.metrics[0]);
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("group", "beta_testers", "key",
                              "duplicate group key 'beta_testers'"),
                          Err("segment", "returning_visitors", "key",
                              "duplicate segment key 'returning_visitors'"),
                          Err("metric", "purchase", "key",
                              "duplicate metric key 'purchase'")));
}

// ---------------------------------------------------------------- groups

TEST(ValidateDefinitions, GroupIdsMustBeStringsOrNumbers) {
  Definitions d = ValidDefinitions();
  d.groups[0].ids = {Value("u1"), Value(true),    Value(3),
                     Value(),     Value::Array(), Value::Object()};
  const char* kRule = "must be a string or a number";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("group", "beta_testers", "ids[1]", kRule),
                          Err("group", "beta_testers", "ids[3]", kRule),
                          Err("group", "beta_testers", "ids[4]", kRule),
                          Err("group", "beta_testers", "ids[5]", kRule)));
}

// ---------------------------------------------------------------- metrics

TEST(ValidateDefinitions, MetricRules) {
  struct Case {
    const char* name;
    int metric;
    void (*mutate)(MetricDef&);
    const char* key;
    const char* field;
    const char* message;
  } cases[] = {
      {"ratio without denominator", 2,
       [](MetricDef& m) { m.denominator_event.clear(); }, "aov",
       "denominator_event", "is required for ratio metrics"},
      {"denominator on a non-ratio", 0,
       [](MetricDef& m) { m.denominator_event = "session_start"; }, "purchase",
       "denominator_event", "is only allowed for ratio metrics"},
      {"retention without hours", 3,
       [](MetricDef& m) { m.retention_hours = 0; }, "retention_7d",
       "retention_hours", "must be > 0 for retention metrics"},
      {"negative retention hours", 3,
       [](MetricDef& m) { m.retention_hours = -24; }, "retention_7d",
       "retention_hours", "must be > 0 for retention metrics"},
      {"negative window", 1, [](MetricDef& m) { m.window_hours = -1; },
       "revenue", "window_hours", "must be >= 0 (0 means no window)"},
      {"cap zero", 1, [](MetricDef& m) { m.cap = 0; }, "revenue", "cap",
       "must be > 0"},
      {"cap negative", 1, [](MetricDef& m) { m.cap = -5; }, "revenue", "cap",
       "must be > 0"},
      {"scale_max equal", 4, [](MetricDef& m) { m.scale_max = 1; }, "ces",
       "scale_max", "must be greater than scale_min"},
      {"scale_max below", 4, [](MetricDef& m) { m.scale_max = 0; }, "ces",
       "scale_max", "must be greater than scale_min"},
      {"no event", 0, [](MetricDef& m) { m.event.clear(); }, "purchase",
       "event", "is required"},
  };
  for (const Case& c : cases) {
    Definitions d = ValidDefinitions();
    c.mutate(d.metrics[c.metric]);
    EXPECT_THAT(ValidateDefinitions(d),
                ElementsAre(Err("metric", c.key, c.field, c.message)))
        << c.name;
  }
}

// ---------------------------------------------------------------- holdouts

TEST(ValidateDefinitions, AtMostOneHoldout) {
  Definitions d = ValidDefinitions();
  d.holdouts.push_back({"holdout_b", "", "", 0.1});
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("holdout", "holdout_b", "",
                              "only one global holdout may be defined")));
}

TEST(ValidateDefinitions, HoldoutShareAtMostHalf) {
  Definitions d = ValidDefinitions();
  d.holdouts[0].share = 0.6;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("holdout", "global_2026", "share",
                              "must be in [0, 0.5], got 0.6")));
  d.holdouts[0].share = -0.01;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("holdout", "global_2026", "share",
                              "must be in [0, 0.5], got -0.01")));
}

// ---------------------------------------------------------------- reporting

TEST(ValidateDefinitions, ReportsEveryProblemOfAnExperiment) {
  Definitions d = ValidDefinitions();
  ExperimentDef& e = d.experiments[kCheckout];
  e.coverage = 1.5;
  e.segments = {"nope"};
  e.winner = "control";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "checkout_one_page", "coverage",
                              "must be in [0, 1], got 1.5"),
                          Err("experiment", "checkout_one_page", "segments[0]",
                              "unknown segment 'nope'"),
                          Err("experiment", "checkout_one_page", "winner",
                              "is only allowed when status is launched")));
}

TEST(ValidateDefinitions, ReportsProblemsOfEveryDocument) {
  Definitions d = ValidDefinitions();
  d.groups[0].ids.push_back(Value(false));
  d.segments[1].condition = Value();
  d.metrics[0].event.clear();
  d.layers.push_back({"spare", "", "", 1.5});
  d.holdouts[0].share = 0.6;
  d.experiments[kHero].winner.clear();
  std::vector<DefinitionError> errors = ValidateDefinitions(d);
  std::vector<std::string> kinds;
  for (const DefinitionError& e : errors) kinds.push_back(e.kind);
  EXPECT_THAT(kinds, ElementsAre("group", "segment", "metric", "layer",
                                 "holdout", "experiment"));
}

TEST(ValidateDefinitions, ErrorsComeInDefinitionOrder) {
  // "Returns all violations, in definition order": the overlap found on the
  // second experiment precedes the third experiment's error.
  Definitions d = ValidDefinitions();
  d.experiments[kShipping].layer_range = BucketRange{0.3, 0.9};
  d.experiments[kHero].winner.clear();
  std::vector<DefinitionError> errors = ValidateDefinitions(d);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].key, "shipping_threshold");
  EXPECT_EQ(errors[1].key, "hero_banner");
}

// ---------------------------------------------------------------- slots

// Indexes added by WithSlots().
constexpr int kRecs = 3;      // the bandit experiment backing home.recs
constexpr int kHeroSlot = 0;  // home.hero: two persona rules
constexpr int kRecsSlot = 1;  // home.recs: one experiment-backed rule

// ValidDefinitions() plus a bandit experiment and two slots.
Definitions WithSlots() {
  Definitions d = ValidDefinitions();

  ExperimentDef recs;
  recs.key = "recs_bandit";
  recs.status = ExperimentStatus::kRunning;
  recs.variants = {Variant("bestsellers"), Variant("new_arrivals"),
                   Variant("personal_picks")};
  recs.variants[1].payload = J(R"({"block": "new_arrivals"})");
  recs.variants[2].payload = J(R"({"block": "personal_picks"})");
  recs.metrics = {"purchase", "revenue"};
  recs.sticky = true;
  recs.bucket_version = 2;
  recs.bandit = ExperimentDef::Bandit{"purchase", 1, 0.05};
  d.experiments.push_back(recs);

  SlotDef hero;
  hero.key = "home.hero";
  hero.name = "Homepage hero";
  hero.default_content = J(R"({"headline": "Gear for every adventure"})");
  SlotRuleDef parents;
  parents.key = "parents";
  parents.segments = {"sporty_parents"};
  parents.content = J(R"({"headline": "Family time"})");
  parents.priority = 10;
  SlotRuleDef returning;
  returning.key = "returning";
  returning.segments = {"returning_visitors", "sporty_parents"};
  returning.condition = J(R"({"country": "US"})");
  returning.content = J(R"({"headline": "Welcome back"})");
  returning.priority = 20;
  returning.start = Day(2026, 3, 1);
  returning.end = Day(2026, 4, 1);
  hero.rules = {parents, returning};
  d.slots.push_back(hero);

  SlotDef recs_slot;
  recs_slot.key = "home.recs";
  recs_slot.default_content = J(R"({"block": "bestsellers"})");
  SlotRuleDef bandit;
  bandit.key = "bandit";
  bandit.priority = -5;
  bandit.experiment = "recs_bandit";
  recs_slot.rules = {bandit};
  d.slots.push_back(recs_slot);
  return d;
}

// A JSON string value whose serialized form ("...") is `bytes` long.
Value StringOfJsonSize(size_t bytes) { return Value(std::string(bytes - 2, 'x')); }

TEST(ValidateSlots, ValidSlotsHaveNoErrors) {
  EXPECT_THAT(ValidateDefinitions(WithSlots()), IsEmpty());
}

TEST(ValidateSlots, SlotWithoutRulesOrDefaultIsValid) {
  Definitions d;
  SlotDef empty;
  empty.key = "footer.banner";
  d.slots.push_back(empty);
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());
}

TEST(ValidateSlots, UnknownSegment) {
  Definitions d = WithSlots();
  d.slots[kHeroSlot].rules[1].segments = {"returning_visitors", "familes"};
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.hero", "rules[1].segments[1]",
                              "unknown segment 'familes'")));
}

TEST(ValidateSlots, DuplicatePriority) {
  Definitions d = WithSlots();
  d.slots[kHeroSlot].rules[1].priority = 10;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.hero", "rules[1].priority",
                              "duplicate priority 10 (rule 'parents' has it)")));
}

TEST(ValidateSlots, DuplicateRuleKey) {
  Definitions d = WithSlots();
  d.slots[kHeroSlot].rules[1].key = "parents";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.hero", "rules[1].key",
                              "duplicate rule key 'parents'")));
}

TEST(ValidateSlots, InvalidKeys) {
  Definitions d = WithSlots();
  d.slots[kHeroSlot].key = "home hero";
  d.slots[kHeroSlot].rules[0].key = "";
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(
          Err("slot", "home hero", "key",
              "must be 1-128 characters of letters, digits, '_', '.', '-', "
              "starting with a letter or digit"),
          Err("slot", "home hero", "rules[0].key",
              "must be 1-128 characters of letters, digits, '_', '.', '-', "
              "starting with a letter or digit")));

  d = WithSlots();
  d.slots.push_back(d.slots[kHeroSlot]);
  d.slots.back().rules.clear();
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.hero", "key",
                              "duplicate slot key 'home.hero'")));
}

TEST(ValidateSlots, ContentOver64KiB) {
  Definitions d = WithSlots();
  d.slots[kHeroSlot].rules[0].content = StringOfJsonSize(kMaxContentBytes);
  d.slots[kHeroSlot].default_content = StringOfJsonSize(kMaxContentBytes);
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());  // exactly 64 KiB is fine

  d.slots[kHeroSlot].rules[0].content = StringOfJsonSize(kMaxContentBytes + 1);
  d.slots[kHeroSlot].default_content = StringOfJsonSize(70000);
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(Err("slot", "home.hero", "default_content",
                      "must be at most 65536 bytes of JSON, got 70000"),
                  Err("slot", "home.hero", "rules[0].content",
                      "must be at most 65536 bytes of JSON, got 65537")));
}

TEST(ValidateSlots, VariantPayloadOver64KiB) {
  Definitions d = WithSlots();
  d.experiments[kRecs].variants[2].payload = StringOfJsonSize(65537);
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.recs", "rules[0].experiment",
                              "variant 'personal_picks' payload must be at "
                              "most 65536 bytes of JSON, got 65537")));
}

TEST(ValidateSlots, ExperimentBacksOneRuleOnly) {
  Definitions d = WithSlots();
  SlotRuleDef again;
  again.key = "bandit_again";
  again.priority = 30;
  again.experiment = "recs_bandit";
  d.slots[kRecsSlot].rules.push_back(again);
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.recs", "rules[1].experiment",
                              "experiment 'recs_bandit' already backs rule "
                              "home.recs/bandit; an experiment may back one "
                              "rule only")));

  // Across slots: the later slot's rule is reported.
  d = WithSlots();
  again.priority = 30;
  d.slots[kHeroSlot].rules.push_back(again);
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.recs", "rules[0].experiment",
                              "experiment 'recs_bandit' already backs rule "
                              "home.hero/bandit_again; an experiment may back "
                              "one rule only")));
}

TEST(ValidateSlots, UnknownExperiment) {
  Definitions d = WithSlots();
  d.slots[kRecsSlot].rules[0].experiment = "recs_bandits";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.recs", "rules[0].experiment",
                              "unknown experiment 'recs_bandits'")));
}

TEST(ValidateSlots, RuleNeedsContentOrExperiment) {
  Definitions d = WithSlots();
  d.slots[kHeroSlot].rules[0].content = Value();
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.hero", "rules[0].content",
                              "is required unless the rule has an "
                              "experiment")));

  // With an experiment, content is optional (and allowed).
  d = WithSlots();
  d.slots[kRecsSlot].rules[0].content = J(R"({"block": "fallback"})");
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());
}

TEST(ValidateSlots, EndMustBeAfterStart) {
  Definitions d = WithSlots();
  d.slots[kHeroSlot].rules[1].end = Day(2026, 2, 1);
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.hero", "rules[1].end",
                              "must be after start")));
  d.slots[kHeroSlot].rules[1].end = d.slots[kHeroSlot].rules[1].start;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.hero", "rules[1].end",
                              "must be after start")));
  // Open on one side is fine.
  d.slots[kHeroSlot].rules[1].end = absl::InfiniteFuture();
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());
}

TEST(ValidateSlots, RuleConditionErrorsCarryTheirPath) {
  Definitions d = WithSlots();
  d.slots[kHeroSlot].rules[1].condition =
      J(R"({"id": {"$inGroup": "beta_testerz"}})");
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("slot", "home.hero",
                              "rules[1].condition.id.$inGroup",
                              "unknown group 'beta_testerz'")));
}

TEST(ValidateSlots, ReportsEveryProblemOfASlot) {
  Definitions d = WithSlots();
  SlotRuleDef& r = d.slots[kHeroSlot].rules[1];
  r.key = "parents";
  r.priority = 10;
  r.segments = {"nobody"};
  r.content = Value();
  EXPECT_THAT(
      ValidateDefinitions(d),
      ElementsAre(
          Err("slot", "home.hero", "rules[1].key",
              "duplicate rule key 'parents'"),
          Err("slot", "home.hero", "rules[1].priority",
              "duplicate priority 10 (rule 'parents' has it)"),
          Err("slot", "home.hero", "rules[1].segments[0]",
              "unknown segment 'nobody'"),
          Err("slot", "home.hero", "rules[1].content",
              "is required unless the rule has an experiment")));
}

// ---------------------------------------------------------------- sticky, bandit

TEST(ValidateBandit, BucketVersionMustNotBeNegative) {
  Definitions d = WithSlots();
  d.experiments[kShipping].bucket_version = -1;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "shipping_threshold",
                              "bucket_version", "must be >= 0, got -1")));
  d.experiments[kShipping].bucket_version = 0;
  d.experiments[kShipping].sticky = true;
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());
}

TEST(ValidateBandit, MetricMustBeAKnownBinomialMetric) {
  Definitions d = WithSlots();
  d.experiments[kRecs].bandit->metric = "revenue";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "recs_bandit", "bandit.metric",
                              "must be a binomial metric, 'revenue' is "
                              "mean")));
  d.experiments[kRecs].bandit->metric = "purchases";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "recs_bandit", "bandit.metric",
                              "unknown metric 'purchases'")));
  d.experiments[kRecs].bandit->metric = "";
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "recs_bandit", "bandit.metric",
                              "is required")));
}

TEST(ValidateBandit, MinShareAtMostOnePerVariant) {
  Definitions d = WithSlots();
  d.experiments[kRecs].bandit->min_share = 1.0 / 3;  // the limit, 3 variants
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());
  d.experiments[kRecs].bandit->min_share = 0;
  EXPECT_THAT(ValidateDefinitions(d), IsEmpty());

  d.experiments[kRecs].bandit->min_share = 0.5;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "recs_bandit", "bandit.min_share",
                              "must be in [0, 0.333333], got 0.5")));
  d.experiments[kRecs].bandit->min_share = -0.01;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "recs_bandit", "bandit.min_share",
                              "must be in [0, 0.333333], got -0.01")));
}

TEST(ValidateBandit, IntervalMustBePositive) {
  Definitions d = WithSlots();
  d.experiments[kRecs].bandit->interval_minutes = 0;
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "recs_bandit",
                              "bandit.interval_minutes",
                              "must be > 0, got 0")));
}

TEST(ValidateBandit, NeedsTwoVariants) {
  Definitions d;
  MetricDef click;
  click.key = "click";
  click.event = "click";
  d.metrics.push_back(click);
  ExperimentDef e;
  e.key = "lonely";
  e.variants = {Variant("only")};
  e.bandit = ExperimentDef::Bandit{"click", 60, 0.05};
  d.experiments.push_back(e);
  EXPECT_THAT(ValidateDefinitions(d),
              ElementsAre(Err("experiment", "lonely", "variants",
                              "needs at least 2 variants, got 1"),
                          Err("experiment", "lonely", "bandit",
                              "needs at least two variants")));
}

TEST(DefinitionError, ToString) {
  EXPECT_EQ(
      (DefinitionError{"experiment", "checkout_redesign", "variants[1].weight",
                       "weights must sum to 1, got 0.9"})
          .ToString(),
      "experiment checkout_redesign: variants[1].weight: weights must "
      "sum to 1, got 0.9");
  EXPECT_EQ(
      (DefinitionError{"experiment", "", "key", "is required"}).ToString(),
      "experiment (no key): key: is required");
  EXPECT_EQ((DefinitionError{"holdout", "holdout_b", "",
                             "only one global holdout may be defined"})
                .ToString(),
            "holdout holdout_b: only one global holdout may be defined");
}

// ---------------------------------------------------------------- enums, keys

TEST(ExperimentStatus, NamesRoundTrip) {
  for (ExperimentStatus s :
       {ExperimentStatus::kDraft, ExperimentStatus::kRunning,
        ExperimentStatus::kPaused, ExperimentStatus::kStopped,
        ExperimentStatus::kLaunched}) {
    absl::StatusOr<ExperimentStatus> parsed =
        ParseExperimentStatus(ExperimentStatusName(s));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_EQ(ExperimentStatusName(ExperimentStatus::kRunning), "running");
  EXPECT_EQ(ExperimentStatusName(ExperimentStatus::kLaunched), "launched");
}

TEST(ExperimentStatus, UnknownNameIsAnError) {
  for (const char* name : {"Running", "live", ""}) {
    absl::StatusOr<ExperimentStatus> parsed = ParseExperimentStatus(name);
    ASSERT_FALSE(parsed.ok()) << name;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(),
              std::string("unknown status '") + name +
                  "' (expected draft, running, paused, stopped or launched)");
  }
}

TEST(MetricType, NamesRoundTrip) {
  const char* names[] = {"binomial", "count", "mean",  "ratio",    "nps",
                         "csat",     "ces",   "score", "duration", "retention"};
  const MetricType types[] = {MetricType::kBinomial, MetricType::kCount,
                              MetricType::kMean,     MetricType::kRatio,
                              MetricType::kNps,      MetricType::kCsat,
                              MetricType::kCes,      MetricType::kScore,
                              MetricType::kDuration, MetricType::kRetention};
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(MetricTypeName(types[i]), names[i]);
    absl::StatusOr<MetricType> parsed = ParseMetricType(names[i]);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, types[i]);
  }
}

TEST(MetricType, UnknownNameIsAnError) {
  absl::StatusOr<MetricType> parsed = ParseMetricType("sum");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(),
            "unknown metric type 'sum' (expected binomial, count, mean, "
            "ratio, nps, csat, ces, score, duration or retention)");
  EXPECT_FALSE(ParseMetricType("Binomial").ok());
}

TEST(IsValidKey, Rules) {
  for (const std::string& key :
       {std::string("a"), std::string("9lives"), std::string("checkout_v2.1-b"),
        std::string("A.B-C_D"), std::string(128, 'x')}) {
    EXPECT_TRUE(IsValidKey(key)) << key;
  }
  for (const std::string& key :
       {std::string(""), std::string("_a"), std::string(".a"),
        std::string("-a"), std::string("a b"), std::string("a/b"),
        std::string("a:b"), std::string("caf\xC3\xA9"),
        std::string(129, 'x')}) {
    EXPECT_FALSE(IsValidKey(key)) << key;
  }
}

}  // namespace
}  // namespace cxlab::engine
