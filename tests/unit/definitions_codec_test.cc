// Copyright 2026 The cxlab Authors.
//
// Tests for the definitions JSON codec (engine/definitions_codec.h): exact
// round trips of every kind (through Value and through JSON text), the JSON
// shape of every field, and the exact error message of each bad shape.

#include "engine/definitions_codec.h"

#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::engine {

// Field-by-field equality of definitions, for these tests only. Every member
// of every struct is compared (doubles and times exactly).
bool operator==(const VariantDef& a, const VariantDef& b) {
  return a.key == b.key && a.name == b.name && a.weight == b.weight &&
         a.payload == b.payload;
}

bool operator==(const ExperimentDef::Bandit& a, const ExperimentDef::Bandit& b) {
  return a.metric == b.metric && a.interval_minutes == b.interval_minutes &&
         a.min_share == b.min_share;
}

bool operator==(const ExperimentDef& a, const ExperimentDef& b) {
  return a.key == b.key && a.name == b.name && a.description == b.description &&
         a.hypothesis == b.hypothesis && a.owner == b.owner &&
         a.tags == b.tags && a.status == b.status && a.salt == b.salt &&
         a.unit_type == b.unit_type && a.hash_attribute == b.hash_attribute &&
         a.fallback_attribute == b.fallback_attribute &&
         a.variants == b.variants && a.coverage == b.coverage &&
         a.segments == b.segments && a.condition == b.condition &&
         a.layer == b.layer && a.layer_range == b.layer_range &&
         a.exempt_from_holdout == b.exempt_from_holdout &&
         a.forced == b.forced && a.start == b.start && a.end == b.end &&
         a.winner == b.winner && a.metrics == b.metrics &&
         a.guardrails == b.guardrails && a.sticky == b.sticky &&
         a.bucket_version == b.bucket_version && a.bandit == b.bandit;
}

bool operator==(const SegmentDef& a, const SegmentDef& b) {
  return a.key == b.key && a.name == b.name && a.description == b.description &&
         a.condition == b.condition;
}

bool operator==(const GroupDef& a, const GroupDef& b) {
  return a.key == b.key && a.description == b.description && a.ids == b.ids;
}

bool operator==(const MetricDef& a, const MetricDef& b) {
  return a.key == b.key && a.name == b.name && a.description == b.description &&
         a.type == b.type && a.event == b.event &&
         a.value_property == b.value_property && a.filter == b.filter &&
         a.window_hours == b.window_hours && a.direction == b.direction &&
         a.guardrail == b.guardrail && a.cap == b.cap &&
         a.denominator_event == b.denominator_event &&
         a.retention_hours == b.retention_hours && a.scale_min == b.scale_min &&
         a.scale_max == b.scale_max;
}

bool operator==(const LayerDef& a, const LayerDef& b) {
  return a.key == b.key && a.description == b.description && a.salt == b.salt &&
         a.holdout == b.holdout;
}

bool operator==(const HoldoutDef& a, const HoldoutDef& b) {
  return a.key == b.key && a.description == b.description && a.salt == b.salt &&
         a.share == b.share;
}

bool operator==(const SlotRuleDef& a, const SlotRuleDef& b) {
  return a.key == b.key && a.segments == b.segments &&
         a.condition == b.condition && a.content == b.content &&
         a.priority == b.priority && a.start == b.start && a.end == b.end &&
         a.experiment == b.experiment;
}

bool operator==(const SlotDef& a, const SlotDef& b) {
  return a.key == b.key && a.name == b.name && a.description == b.description &&
         a.default_content == b.default_content && a.rules == b.rules;
}

// Readable failure output (found by argument-dependent lookup).
void PrintTo(const ExperimentDef& d, std::ostream* os) {
  *os << ExperimentToJson(d);
}
void PrintTo(const SegmentDef& d, std::ostream* os) { *os << SegmentToJson(d); }
void PrintTo(const GroupDef& d, std::ostream* os) { *os << GroupToJson(d); }
void PrintTo(const MetricDef& d, std::ostream* os) { *os << MetricToJson(d); }
void PrintTo(const LayerDef& d, std::ostream* os) { *os << LayerToJson(d); }
void PrintTo(const HoldoutDef& d, std::ostream* os) { *os << HoldoutToJson(d); }
void PrintTo(const SlotDef& d, std::ostream* os) { *os << SlotToJson(d); }
void PrintTo(const Value& v, std::ostream* os) { *os << ToJson(v); }

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Value J(const std::string& text) {
  absl::StatusOr<Value> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : Value();
}

absl::Time Day(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

VariantDef Variant(const std::string& key, std::optional<double> weight = {},
                   Value payload = Value()) {
  VariantDef v;
  v.key = key;
  v.weight = weight;
  v.payload = std::move(payload);
  return v;
}

std::vector<std::string> MemberNames(const Value& object) {
  std::vector<std::string> names;
  for (const Value::Member& m : object.members()) names.push_back(m.first);
  return names;
}

// An experiment with every field set to a non-default value.
ExperimentDef FullExperiment() {
  ExperimentDef e;
  e.key = "checkout_one_page";
  e.name = "One-page checkout";
  e.description = "Collapse the three checkout steps into one.";
  e.hypothesis = "Fewer steps raise completed orders.";
  e.owner = "growth-team";
  e.tags = {"checkout", "q1"};
  e.status = ExperimentStatus::kRunning;
  e.salt = "checkout-2026";
  e.unit_type = "device";
  e.hash_attribute = "anonymous_id";
  e.fallback_attribute = "device_id";
  e.variants = {
      Variant("control", 0.1, J(R"({"layout": "classic", "steps": 3})")),
      Variant(
          "one_page", 1.0 / 3,
          J(R"({"z": 1, "a": [true, null, "x", 2.5], "m": {"b": 2, "a": 1}})")),
      Variant("two_page", 1 - 0.1 - 1.0 / 3, Value("plain string payload")),
  };
  e.variants[0].name = "Control";
  e.coverage = 0.8;
  e.segments = {"returning_visitors", "sporty_parents"};
  e.condition = J(R"({"country": {"$in": ["US", "CA"]}, "age": {"$gte": 18}})");
  e.layer = "checkout_layer";
  e.layer_range = BucketRange{0.1, 1.0 / 3};
  e.exempt_from_holdout = true;
  e.forced = {{"qa-zed", "one_page"}, {"qa-alice", "control"}};
  e.start = Day(2026, 3, 1) + absl::Nanoseconds(123456789);
  e.end = Day(2026, 4, 1);
  e.winner = "one_page";
  e.metrics = {"order_completed", "revenue"};
  e.guardrails = {"support_contact"};
  e.sticky = true;
  e.bucket_version = 3;
  e.bandit = ExperimentDef::Bandit{"order_completed", 0.5, 0.1};
  return e;
}

// A slot with every field set to a non-default value.
SlotDef FullSlot() {
  SlotDef s;
  s.key = "home.hero";
  s.name = "Homepage hero";
  s.description = "The banner at the top.";
  s.default_content = J(R"({"headline": "Hi", "image": "/a.jpg"})");
  SlotRuleDef runners;
  runners.key = "runners";
  runners.segments = {"runners", "joggers"};
  runners.condition = J(R"({"country": {"$in": ["US", "CA"]}})");
  runners.content = J(R"({"z": 1, "cta": {"text": "Run", "href": "/run"}})");
  runners.priority = -7;
  runners.start = Day(2026, 11, 27) + absl::Milliseconds(250);
  runners.end = Day(2026, 12, 1);
  runners.experiment = "hero_test";
  SlotRuleDef fallback;
  fallback.key = "everyone";
  fallback.content = Value("plain text");
  fallback.priority = 9007199254740992;  // 2^53
  s.rules = {runners, fallback};
  return s;
}

MetricDef FullMetric() {
  MetricDef m;
  m.key = "revenue";
  m.name = "Revenue per visitor";
  m.description = "Sum of order amounts.";
  m.type = MetricType::kMean;
  m.event = "order_completed";
  m.value_property = "amount";
  m.filter = J(R"({"plan": {"$in": ["pro", "team"]}, "amount": {"$gt": 0}})");
  m.window_hours = 168;
  m.direction = MetricDirection::kLower;
  m.guardrail = true;
  m.cap = 2000.5;
  m.denominator_event = "session_start";
  m.retention_hours = 0.25;
  m.scale_min = -1;
  m.scale_max = 1e-7;
  return m;
}

// Round-trips `def` through Value and through JSON text and expects both to
// give it back unchanged.
template <typename Def, typename ToValueFn, typename FromValueFn,
          typename ToJsonFn, typename FromJsonFn>
void ExpectRoundTrip(const Def& def, ToValueFn to_value, FromValueFn from_value,
                     ToJsonFn to_json, FromJsonFn from_json) {
  absl::StatusOr<Def> via_value = from_value(to_value(def));
  ASSERT_TRUE(via_value.ok()) << via_value.status();
  EXPECT_EQ(*via_value, def);
  const std::string json = to_json(def);
  absl::StatusOr<Def> via_json = from_json(json);
  ASSERT_TRUE(via_json.ok()) << json << ": " << via_json.status();
  EXPECT_EQ(*via_json, def) << json;
  // Writing again gives the same text.
  EXPECT_EQ(to_json(*via_json), json);
}

void ExpectExperimentRoundTrip(const ExperimentDef& e) {
  ExpectRoundTrip(e, ExperimentToValue, ExperimentFromValue, ExperimentToJson,
                  ExperimentFromJson);
}
void ExpectMetricRoundTrip(const MetricDef& m) {
  ExpectRoundTrip(m, MetricToValue, MetricFromValue, MetricToJson,
                  MetricFromJson);
}
void ExpectSlotRoundTrip(const SlotDef& s) {
  ExpectRoundTrip(s, SlotToValue, SlotFromValue, SlotToJson, SlotFromJson);
}

// ---------------------------------------------------------------------------
// Round trips.

TEST(DefinitionsCodecTest, FullExperimentRoundTrips) {
  ExpectExperimentRoundTrip(FullExperiment());
}

TEST(DefinitionsCodecTest, MinimalExperimentRoundTrips) {
  ExperimentDef e;
  e.key = "x";
  EXPECT_EQ(ExperimentToJson(e), R"({"key":"x"})");
  ExpectExperimentRoundTrip(e);
  ExpectExperimentRoundTrip(ExperimentDef());  // even without a key
  EXPECT_EQ(ExperimentToJson(ExperimentDef()), R"({"key":""})");
}

TEST(DefinitionsCodecTest, ExperimentNonDefaultValuesOfDefaultedFields) {
  // Values that differ from the default only subtly are still written.
  ExperimentDef e;
  e.key = "x";
  e.unit_type = "";
  e.coverage = 0;
  e.condition = Value::Object();  // {} is kept apart from null
  e.layer_range = BucketRange{0, 0};
  e.variants = {Variant(""), Variant("b", 0.0)};
  e.start = absl::InfiniteFuture();  // infinite, but not the "open" value
  e.end = absl::InfinitePast();
  EXPECT_EQ(ExperimentToJson(e),
            R"({"key":"x","unit_type":"","variants":[{"key":""},)"
            R"({"key":"b","weight":0}],"coverage":0,"condition":{},)"
            R"("layer_range":[0,0],"schedule":{"start":"infinite-future",)"
            R"("end":"infinite-past"}})");
  ExpectExperimentRoundTrip(e);
}

TEST(DefinitionsCodecTest, EveryExperimentStatusRoundTrips) {
  for (ExperimentStatus status :
       {ExperimentStatus::kDraft, ExperimentStatus::kRunning,
        ExperimentStatus::kPaused, ExperimentStatus::kStopped,
        ExperimentStatus::kLaunched}) {
    ExperimentDef e;
    e.key = "x";
    e.status = status;
    ExpectExperimentRoundTrip(e);
  }
}

TEST(DefinitionsCodecTest, ScheduleWithOneBoundRoundTrips) {
  ExperimentDef e;
  e.key = "x";
  e.start = Day(2026, 3, 1);
  EXPECT_EQ(ExperimentToJson(e),
            R"({"key":"x","schedule":{"start":"2026-03-01T00:00:00+00:00"}})");
  ExpectExperimentRoundTrip(e);
  e.start = absl::InfinitePast();
  e.end = Day(2026, 4, 1) + absl::Milliseconds(500);
  EXPECT_EQ(ExperimentToJson(e),
            R"({"key":"x","schedule":{"end":"2026-04-01T00:00:00.5+00:00"}})");
  ExpectExperimentRoundTrip(e);
}

TEST(DefinitionsCodecTest, SubSecondTimesRoundTripExactly) {
  ExperimentDef e;
  e.key = "x";
  e.start = Day(2026, 3, 1) + absl::Nanoseconds(1);
  e.end = Day(2026, 3, 1) + absl::Nanoseconds(0.25);  // absl's finest tick
  ExpectExperimentRoundTrip(e);
  e.start = absl::FromUnixSeconds(-1) + absl::Nanoseconds(999999999);
  e.end = absl::UnixEpoch();
  ExpectExperimentRoundTrip(e);
}

TEST(DefinitionsCodecTest, DoublesRoundTripExactly) {
  for (double w : {0.1, 1.0 / 3, 2.0 / 3, 0.7, 1e-300, 5e-324, 1e21,
                   123456789.123456789, 0.30000000000000004}) {
    ExperimentDef e;
    e.key = "x";
    e.variants = {Variant("a", w), Variant("b", 1 - w)};
    e.coverage = w;
    e.layer_range = BucketRange{w / 7, w};
    ExpectExperimentRoundTrip(e);
  }
}

TEST(DefinitionsCodecTest, OtherKindsRoundTrip) {
  SegmentDef segment{"sporty_parents", "Sporty parents", "Parents who run",
                     J(R"({"age": {"$gte": 25}, "children": {"$gt": 0}})")};
  ExpectRoundTrip(segment, SegmentToValue, SegmentFromValue, SegmentToJson,
                  SegmentFromJson);
  ExpectRoundTrip(SegmentDef{"s", "", "", Value()}, SegmentToValue,
                  SegmentFromValue, SegmentToJson, SegmentFromJson);

  GroupDef group{
      "beta_testers",
      "QA and friends",
      {Value("visitor-7"), Value(1001), Value(1.5), Value("7"), Value(-0.125)}};
  ExpectRoundTrip(group, GroupToValue, GroupFromValue, GroupToJson,
                  GroupFromJson);
  ExpectRoundTrip(GroupDef{"g", "", {}}, GroupToValue, GroupFromValue,
                  GroupToJson, GroupFromJson);

  ExpectMetricRoundTrip(FullMetric());
  MetricDef minimal;
  minimal.key = "m";
  ExpectMetricRoundTrip(minimal);

  ExpectRoundTrip(LayerDef{"checkout_layer", "checkout flow", "l-salt", 0.1},
                  LayerToValue, LayerFromValue, LayerToJson, LayerFromJson);
  ExpectRoundTrip(LayerDef{"l", "", "", 0}, LayerToValue, LayerFromValue,
                  LayerToJson, LayerFromJson);

  ExpectRoundTrip(HoldoutDef{"global_2026", "5% of all", "h-salt", 0.05},
                  HoldoutToValue, HoldoutFromValue, HoldoutToJson,
                  HoldoutFromJson);
  ExpectRoundTrip(HoldoutDef{"h", "", "", 0}, HoldoutToValue, HoldoutFromValue,
                  HoldoutToJson, HoldoutFromJson);
}

TEST(DefinitionsCodecTest, EveryMetricTypeAndDirectionRoundTrips) {
  for (MetricType type :
       {MetricType::kBinomial, MetricType::kCount, MetricType::kMean,
        MetricType::kRatio, MetricType::kNps, MetricType::kCsat,
        MetricType::kCes, MetricType::kScore, MetricType::kDuration,
        MetricType::kRetention}) {
    for (MetricDirection direction :
         {MetricDirection::kHigher, MetricDirection::kLower}) {
      MetricDef m;
      m.key = "m";
      m.type = type;
      m.direction = direction;
      ExpectMetricRoundTrip(m);
    }
  }
}

// ---------------------------------------------------------------------------
// JSON shape.

TEST(DefinitionsCodecTest, SmallExperimentExactJson) {
  ExperimentDef e;
  e.key = "checkout";
  e.status = ExperimentStatus::kRunning;
  e.variants = {Variant("control", 0.5),
                Variant("one_page", 0.5, J(R"({"layout": "single"})"))};
  e.coverage = 0.8;
  e.layer = "checkout_layer";
  e.layer_range = BucketRange{0, 0.4};
  e.forced = {{"qa-alice", "one_page"}, {"qa-bob", "control"}};
  e.start = Day(2026, 3, 1);
  e.end = Day(2026, 4, 1);
  e.metrics = {"order_completed"};
  EXPECT_EQ(ExperimentToJson(e),
            R"({"key":"checkout","status":"running","variants":[)"
            R"({"key":"control","weight":0.5},)"
            R"({"key":"one_page","weight":0.5,"payload":{"layout":"single"}}],)"
            R"("coverage":0.8,"layer":"checkout_layer","layer_range":[0,0.4],)"
            R"("forced":{"qa-alice":"one_page","qa-bob":"control"},)"
            R"("schedule":{"start":"2026-03-01T00:00:00+00:00",)"
            R"("end":"2026-04-01T00:00:00+00:00"},)"
            R"("metrics":["order_completed"]})");
}

TEST(DefinitionsCodecTest, FullExperimentFieldShapes) {
  const Value v = ExperimentToValue(FullExperiment());
  // Every field, in the order of docs/definitions.md.
  EXPECT_THAT(
      MemberNames(v),
      ElementsAre("key", "name", "description", "hypothesis", "owner", "tags",
                  "status", "salt", "unit_type", "hash_attribute",
                  "fallback_attribute", "variants", "coverage", "segments",
                  "condition", "layer", "layer_range", "exempt_from_holdout",
                  "forced", "schedule", "winner", "metrics", "guardrails",
                  "sticky", "bucket_version", "bandit"));
  EXPECT_EQ(ToJson(*v.Find("tags")), R"(["checkout","q1"])");
  EXPECT_EQ(ToJson(*v.Find("status")), R"("running")");
  EXPECT_EQ(ToJson(*v.Find("unit_type")), R"("device")");
  EXPECT_EQ(ToJson(v.Find("variants")->items()[0]),
            R"({"key":"control","name":"Control","weight":0.1,)"
            R"("payload":{"layout":"classic","steps":3}})");
  EXPECT_EQ(ToJson(v.Find("variants")->items()[1]),
            R"({"key":"one_page","weight":0.3333333333333333,)"
            R"("payload":{"z":1,"a":[true,null,"x",2.5],"m":{"b":2,"a":1}}})");
  EXPECT_EQ(ToJson(*v.Find("coverage")), "0.8");
  EXPECT_EQ(ToJson(*v.Find("condition")),
            R"({"country":{"$in":["US","CA"]},"age":{"$gte":18}})");
  EXPECT_EQ(ToJson(*v.Find("layer_range")), "[0.1,0.3333333333333333]");
  EXPECT_EQ(ToJson(*v.Find("exempt_from_holdout")), "true");
  EXPECT_EQ(ToJson(*v.Find("forced")),
            R"({"qa-zed":"one_page","qa-alice":"control"})");
  EXPECT_EQ(ToJson(*v.Find("schedule")),
            R"({"start":"2026-03-01T00:00:00.123456789+00:00",)"
            R"("end":"2026-04-01T00:00:00+00:00"})");
  EXPECT_EQ(ToJson(*v.Find("winner")), R"("one_page")");
  EXPECT_EQ(ToJson(*v.Find("guardrails")), R"(["support_contact"])");
  EXPECT_EQ(ToJson(*v.Find("sticky")), "true");
  EXPECT_EQ(ToJson(*v.Find("bucket_version")), "3");
  EXPECT_EQ(ToJson(*v.Find("bandit")),
            R"({"metric":"order_completed","interval_minutes":0.5,)"
            R"("min_share":0.1})");
}


TEST(DefinitionsCodecTest, OtherKindsExactJson) {
  EXPECT_EQ(SegmentToJson({"returning", "Returning", "Came back",
                           J(R"({"is_returning": true})")}),
            R"({"key":"returning","name":"Returning","description":)"
            R"("Came back","condition":{"is_returning":true}})");
  EXPECT_EQ(SegmentToJson({"s", "", "", Value()}), R"({"key":"s"})");

  EXPECT_EQ(GroupToJson({"beta", "QA", {Value("visitor-7"), Value(1001)}}),
            R"({"key":"beta","description":"QA","ids":["visitor-7",1001]})");
  EXPECT_EQ(GroupToJson({"g", "", {}}), R"({"key":"g"})");

  EXPECT_EQ(MetricToJson(FullMetric()),
            R"({"key":"revenue","name":"Revenue per visitor",)"
            R"("description":"Sum of order amounts.","type":"mean",)"
            R"("event":"order_completed","value_property":"amount",)"
            R"("filter":{"plan":{"$in":["pro","team"]},"amount":{"$gt":0}},)"
            R"("window_hours":168,"direction":"lower","guardrail":true,)"
            R"("cap":2000.5,"denominator_event":"session_start",)"
            R"("retention_hours":0.25,"scale_min":-1,"scale_max":1e-7})");
  MetricDef m;
  m.key = "m";
  EXPECT_EQ(MetricToJson(m), R"({"key":"m"})");
  m.value_property = "";
  EXPECT_EQ(MetricToJson(m), R"({"key":"m","value_property":""})");

  EXPECT_EQ(LayerToJson({"checkout_layer", "flow", "ls", 0.1}),
            R"({"key":"checkout_layer","description":"flow","salt":"ls",)"
            R"("holdout":0.1})");
  EXPECT_EQ(LayerToJson({"l", "", "", 0}), R"({"key":"l"})");

  EXPECT_EQ(HoldoutToJson({"global_2026", "all", "hs", 0.05}),
            R"({"key":"global_2026","description":"all","salt":"hs",)"
            R"("share":0.05})");
  EXPECT_EQ(HoldoutToJson({"h", "", "", 0}), R"({"key":"h"})");
}

TEST(DefinitionsCodecTest, MetricDirectionDefaultsByType) {
  // Duration metrics default to lower-is-better, as in the YAML loader.
  MetricDef d;
  d.key = "ttr";
  d.type = MetricType::kDuration;
  d.direction = MetricDirection::kLower;
  EXPECT_EQ(MetricToJson(d), R"({"key":"ttr","type":"duration"})");
  d.direction = MetricDirection::kHigher;
  EXPECT_EQ(MetricToJson(d),
            R"({"key":"ttr","type":"duration","direction":"higher"})");

  absl::StatusOr<MetricDef> m = MetricFromJson(R"({"type":"duration"})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->direction, MetricDirection::kLower);
  // The default follows the type wherever `type` appears in the object.
  m = MetricFromJson(R"({"direction":"higher","type":"duration"})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->direction, MetricDirection::kHigher);
  m = MetricFromJson(R"({"type":"count"})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->direction, MetricDirection::kHigher);
  m = MetricFromJson(R"({"type":"count","direction":"lower"})");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->direction, MetricDirection::kLower);
}

// ---------------------------------------------------------------------------
// Reading documents as written by hand.

TEST(DefinitionsCodecTest, ReadsTheDocsExample) {
  absl::StatusOr<ExperimentDef> e = ExperimentFromJson(R"({
    "kind": "experiment",
    "key": "checkout_one_page",
    "name": "One-page checkout",
    "hypothesis": "Fewer steps raise completed orders.",
    "owner": "growth-team",
    "status": "running",
    "variants": [
      {"key": "control", "weight": 0.5},
      {"key": "one_page", "weight": 0.5, "payload": {"layout": "single"}}
    ],
    "coverage": 0.8,
    "segments": ["returning_visitors"],
    "condition": {"country": {"$in": ["US", "CA"]}},
    "schedule": {"start": "2026-03-01T00:00:00Z",
                 "end": "2026-04-01T01:00:00+01:00"},
    "forced": {"qa-alice": "one_page", "qa-bob": "control"},
    "metrics": ["order_completed", "revenue"],
    "guardrails": ["support_contact"]
  })");
  ASSERT_TRUE(e.ok()) << e.status();
  ExperimentDef want;
  want.key = "checkout_one_page";
  want.name = "One-page checkout";
  want.hypothesis = "Fewer steps raise completed orders.";
  want.owner = "growth-team";
  want.status = ExperimentStatus::kRunning;
  want.variants = {Variant("control", 0.5),
                   Variant("one_page", 0.5, J(R"({"layout": "single"})"))};
  want.coverage = 0.8;
  want.segments = {"returning_visitors"};
  want.condition = J(R"({"country": {"$in": ["US", "CA"]}})");
  want.start = Day(2026, 3, 1);
  want.end = Day(2026, 4, 1);  // 01:00+01:00 is midnight UTC
  want.forced = {{"qa-alice", "one_page"}, {"qa-bob", "control"}};
  want.metrics = {"order_completed", "revenue"};
  want.guardrails = {"support_contact"};
  EXPECT_EQ(*e, want);
}

TEST(DefinitionsCodecTest, KindMemberMustNameTheKind) {
  EXPECT_TRUE(ExperimentFromJson(R"({"kind":"experiment","key":"x"})").ok());
  EXPECT_TRUE(SegmentFromJson(R"({"kind":"segment","key":"x"})").ok());
  EXPECT_TRUE(GroupFromJson(R"({"kind":"group","key":"x"})").ok());
  EXPECT_TRUE(MetricFromJson(R"({"kind":"metric","key":"x"})").ok());
  EXPECT_TRUE(LayerFromJson(R"({"kind":"layer","key":"x"})").ok());
  EXPECT_TRUE(HoldoutFromJson(R"({"kind":"holdout","key":"x"})").ok());
  // A `kind` member is never written.
  EXPECT_EQ(ExperimentToValue(ExperimentDef()).Find("kind"), nullptr);
}

TEST(DefinitionsCodecTest, NullMembersAreAbsent) {
  absl::StatusOr<ExperimentDef> e = ExperimentFromJson(
      R"({"key":"x","name":null,"status":null,"unit_type":null,)"
      R"("coverage":null,"tags":null,"condition":null,"layer_range":null,)"
      R"("forced":null,"schedule":{"start":null},"kind":null,)"
      R"("variants":[{"key":"a","weight":null,"payload":null}]})");
  ASSERT_TRUE(e.ok()) << e.status();
  ExperimentDef want;
  want.key = "x";
  want.variants = {Variant("a")};
  EXPECT_EQ(*e, want);
}

TEST(DefinitionsCodecTest, UnicodeStringsPassThrough) {
  ExperimentDef e;
  e.key = "x";
  e.name = "Caf\u00e9 \u2014 \u65e5\u672c\u8a9e \U0001F389";
  e.description = "quote \" backslash \\ newline \n tab \t nul-free";
  e.tags = {"\u00fcber", "\u0416"};
  e.variants = {
      Variant("a", std::nullopt, J(R"({"gr\u00fc\u00df": "\ud83d\ude00"})"))};
  e.forced = {{"\u7528\u6237-7", "a"}};
  ExpectExperimentRoundTrip(e);
  const std::string json = ExperimentToJson(e);
  // Non-ASCII UTF-8 is written as is, not \u-escaped.
  EXPECT_THAT(json, HasSubstr("\"Caf\u00e9 \u2014 \u65e5\u672c\u8a9e "
                              "\U0001F389\""));
  EXPECT_THAT(json, HasSubstr("\"gr\u00fc\u00df\":\"\U0001F600\""));
  EXPECT_THAT(json, HasSubstr("\"forced\":{\"\u7528\u6237-7\":\"a\"}"));
  // \u escapes in the input decode to the same strings.
  absl::StatusOr<ExperimentDef> escaped =
      ExperimentFromJson(R"({"key":"x","name":"Caf\u00e9"})");
  ASSERT_TRUE(escaped.ok()) << escaped.status();
  EXPECT_EQ(escaped->name, "Caf\u00e9");
}

TEST(DefinitionsCodecTest, DocumentValuesKeepMemberOrder) {
  const Value condition = J(R"({"z": {"$gt": 1}, "a": [1, "1", {"y": null,
                                 "b": false}], "m": {}})");
  const Value payload = J(R"({"title": "Hi", "cta": {"text": "Go",
                               "color": "#f00"}, "list": [3, 2, 1]})");
  const Value filter = J(R"({"plan": "pro", "$or": [{"b": 1}, {"a": 2}]})");

  ExperimentDef e;
  e.key = "x";
  e.condition = condition;
  e.variants = {Variant("a", std::nullopt, payload), Variant("b")};
  absl::StatusOr<ExperimentDef> back = ExperimentFromJson(ExperimentToJson(e));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->condition, condition);
  EXPECT_THAT(MemberNames(back->condition), ElementsAre("z", "a", "m"));
  EXPECT_EQ(ToJson(back->condition), ToJson(condition));
  EXPECT_EQ(back->variants[0].payload, payload);
  EXPECT_THAT(MemberNames(back->variants[0].payload),
              ElementsAre("title", "cta", "list"));
  EXPECT_EQ(ToJson(back->variants[0].payload),
            R"({"title":"Hi","cta":{"text":"Go","color":"#f00"},)"
            R"("list":[3,2,1]})");
  EXPECT_TRUE(back->variants[1].payload.is_null());

  SegmentDef s{"s", "", "", condition};
  absl::StatusOr<SegmentDef> segment = SegmentFromJson(SegmentToJson(s));
  ASSERT_TRUE(segment.ok()) << segment.status();
  EXPECT_THAT(MemberNames(segment->condition), ElementsAre("z", "a", "m"));
  EXPECT_EQ(ToJson(segment->condition), ToJson(condition));

  MetricDef m;
  m.key = "m";
  m.filter = filter;
  absl::StatusOr<MetricDef> metric = MetricFromJson(MetricToJson(m));
  ASSERT_TRUE(metric.ok()) << metric.status();
  EXPECT_THAT(MemberNames(metric->filter), ElementsAre("plan", "$or"));
  EXPECT_EQ(ToJson(metric->filter), ToJson(filter));
}

TEST(DefinitionsCodecTest, RepeatedForcedIdsSurviveTheValueRoundTrip) {
  // Invalid (ValidateDefinitions reports it) but not lost by the codec.
  ExperimentDef e;
  e.key = "x";
  e.forced = {{"qa", "a"}, {"qa", "b"}};
  absl::StatusOr<ExperimentDef> back =
      ExperimentFromValue(ExperimentToValue(e));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->forced, e.forced);
}

// ---------------------------------------------------------------------------
// Errors.

struct BadInput {
  std::string json;
  std::string message;
};

void ExpectExperimentErrors(const std::vector<BadInput>& cases) {
  for (const BadInput& c : cases) {
    absl::StatusOr<ExperimentDef> e = ExperimentFromJson(c.json);
    ASSERT_FALSE(e.ok()) << c.json;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_EQ(e.status().message(), c.message) << c.json;
  }
}

TEST(DefinitionsCodecTest, ExperimentWrongTypes) {
  ExpectExperimentErrors({
      {R"({"key":7})", "key: must be a string"},
      {R"({"name":["a"]})", "name: must be a string"},
      {R"({"tags":"a"})", "tags: must be an array of strings"},
      {R"({"tags":["a",1]})", "tags[1]: must be a string"},
      {R"({"coverage":"0.5"})", "coverage: must be a number"},
      {R"({"exempt_from_holdout":"yes"})",
       "exempt_from_holdout: must be a boolean"},
      {R"({"status":1})", "status: must be a string"},
      {R"({"metrics":[{"key":"m"}]})", "metrics[0]: must be a string"},
      {R"({"guardrails":{}})", "guardrails: must be an array of strings"},
      {R"({"winner":true})", "winner: must be a string"},
  });
}

TEST(DefinitionsCodecTest, VariantErrors) {
  ExpectExperimentErrors({
      {R"({"variants":{"key":"a"}})", "variants: must be an array of variants"},
      {R"({"variants":"a,b"})", "variants: must be an array of variants"},
      {R"({"variants":[{"key":"a"},"b"]})", "variants[1]: must be an object"},
      {R"({"variants":[{"key":"a","weight":0.5},{"key":"b","weight":"0.5"}]})",
       "variants[1].weight: must be a number"},
      {R"({"variants":[{"key":1}]})", "variants[0].key: must be a string"},
      {R"({"variants":[{"key":"a","wieght":1}]})",
       "variants[0]: unknown field 'wieght'"},
      {R"({"variants":[{"key":"a","kind":"variant"}]})",
       "variants[0]: unknown field 'kind'"},
  });
}

TEST(DefinitionsCodecTest, UnknownFields) {
  ExpectExperimentErrors({
      {R"({"key":"x","covrage":0.5})", "unknown field 'covrage'"},
      {R"({"key":"x","Key":"y"})", "unknown field 'Key'"},
      {R"({"key":"x","start":"2026-03-01T00:00:00Z"})",
       "unknown field 'start'"},
      {R"({"schedule":{"begin":"2026-03-01T00:00:00Z"}})",
       "schedule: unknown field 'begin'"},
  });
  absl::StatusOr<SegmentDef> s =
      SegmentFromJson(R"({"key":"s","conditon":{}})");
  EXPECT_EQ(s.status().message(), "unknown field 'conditon'");
  absl::StatusOr<MetricDef> m = MetricFromJson(R"({"key":"m","window":3})");
  EXPECT_EQ(m.status().message(), "unknown field 'window'");
  absl::StatusOr<LayerDef> l = LayerFromJson(R"({"key":"l","share":0.1})");
  EXPECT_EQ(l.status().message(), "unknown field 'share'");
  absl::StatusOr<HoldoutDef> h = HoldoutFromJson(R"({"key":"h","holdout":0})");
  EXPECT_EQ(h.status().message(), "unknown field 'holdout'");
  absl::StatusOr<GroupDef> g = GroupFromJson(R"({"key":"g","name":"G"})");
  EXPECT_EQ(g.status().message(), "unknown field 'name'");
}

TEST(DefinitionsCodecTest, BadEnumNames) {
  ExpectExperimentErrors({
      {R"({"status":"live"})",
       "status: unknown status 'live' (expected draft, running, paused, "
       "stopped or launched)"},
      {R"({"status":"Running"})",
       "status: unknown status 'Running' (expected draft, running, paused, "
       "stopped or launched)"},
  });
  EXPECT_EQ(MetricFromJson(R"({"type":"avg"})").status().message(),
            "type: unknown metric type 'avg' (expected binomial, count, mean, "
            "ratio, nps, csat, ces, score, duration or retention)");
  EXPECT_EQ(MetricFromJson(R"({"direction":"up"})").status().message(),
            "direction: must be 'higher' or 'lower', got 'up'");
  EXPECT_EQ(MetricFromJson(R"({"direction":1})").status().message(),
            "direction: must be a string");
}

TEST(DefinitionsCodecTest, ScheduleErrors) {
  ExpectExperimentErrors({
      {R"({"schedule":{"start":"2026-03-01"}})",
       "schedule.start: must be an RFC 3339 time such as "
       "2026-03-01T00:00:00Z, got '2026-03-01'"},
      {R"({"schedule":{"end":"tomorrow"}})",
       "schedule.end: must be an RFC 3339 time such as "
       "2026-03-01T00:00:00Z, got 'tomorrow'"},
      {R"({"schedule":{"start":"2026-03-01 00:00:00Z"}})",
       "schedule.start: must be an RFC 3339 time such as "
       "2026-03-01T00:00:00Z, got '2026-03-01 00:00:00Z'"},
      {R"({"schedule":{"start":"2026-13-01T00:00:00Z"}})",
       "schedule.start: must be an RFC 3339 time such as "
       "2026-03-01T00:00:00Z, got '2026-13-01T00:00:00Z'"},
      {R"({"schedule":{"end":1772323200}})", "schedule.end: must be a string"},
      {R"({"schedule":"2026-03-01T00:00:00Z"})", "schedule: must be an object"},
      {R"({"schedule":["2026-03-01T00:00:00Z"]})",
       "schedule: must be an object"},
  });
}

TEST(DefinitionsCodecTest, LayerRangeErrors) {
  ExpectExperimentErrors({
      {R"({"layer_range":[0.1]})",
       "layer_range: must be an array of 2 numbers [start, end]"},
      {R"({"layer_range":[0, 0.5, 1]})",
       "layer_range: must be an array of 2 numbers [start, end]"},
      {R"({"layer_range":{"start":0,"end":0.5}})",
       "layer_range: must be an array of 2 numbers [start, end]"},
      {R"({"layer_range":0.5})",
       "layer_range: must be an array of 2 numbers [start, end]"},
      {R"({"layer_range":[0,"0.5"]})", "layer_range[1]: must be a number"},
      {R"({"layer_range":[null,0.5]})", "layer_range[0]: must be a number"},
  });
}

TEST(DefinitionsCodecTest, ForcedErrors) {
  ExpectExperimentErrors({
      {R"({"forced":{"qa-alice":1}})", "forced.qa-alice: must be a string"},
      {R"({"forced":{"qa-alice":"a","qa-bob":null}})",
       "forced.qa-bob: must be a string"},
      {R"({"forced":{"qa-alice":["a"]}})", "forced.qa-alice: must be a string"},
      {R"({"forced":[["qa-alice","a"]]})",
       "forced: must be an object of unit id to variant key"},
  });
}

TEST(DefinitionsCodecTest, KindErrors) {
  ExpectExperimentErrors({
      {R"({"kind":"segment","key":"x"})",
       "kind: expected 'experiment', got 'segment'"},
      {R"({"kind":"Experiment"})",
       "kind: expected 'experiment', got 'Experiment'"},
      {R"({"kind":3})", "kind: must be a string"},
  });
  EXPECT_EQ(SegmentFromJson(R"({"kind":"experiment"})").status().message(),
            "kind: expected 'segment', got 'experiment'");
  EXPECT_EQ(HoldoutFromJson(R"({"kind":"layer"})").status().message(),
            "kind: expected 'holdout', got 'layer'");
}

TEST(DefinitionsCodecTest, OtherKindsErrors) {
  EXPECT_EQ(GroupFromJson(R"({"ids":["a",true]})").status().message(),
            "ids[1]: must be a string or a number");
  EXPECT_EQ(GroupFromJson(R"({"ids":["a",{"id":1}]})").status().message(),
            "ids[1]: must be a string or a number");
  EXPECT_EQ(GroupFromJson(R"({"ids":"a"})").status().message(),
            "ids: must be an array of ids");
  EXPECT_EQ(MetricFromJson(R"({"cap":"2000"})").status().message(),
            "cap: must be a number");
  EXPECT_EQ(MetricFromJson(R"({"guardrail":1})").status().message(),
            "guardrail: must be a boolean");
  EXPECT_EQ(MetricFromJson(R"({"event":false})").status().message(),
            "event: must be a string");
  EXPECT_EQ(LayerFromJson(R"({"holdout":[0.1]})").status().message(),
            "holdout: must be a number");
  EXPECT_EQ(HoldoutFromJson(R"({"share":"5%"})").status().message(),
            "share: must be a number");
  EXPECT_EQ(SegmentFromJson(R"({"name":{}})").status().message(),
            "name: must be a string");
}

TEST(DefinitionsCodecTest, DocumentErrors) {
  // Not an object.
  for (const char* json : {"[1]", "\"x\"", "null", "3"}) {
    absl::StatusOr<ExperimentDef> e = ExperimentFromJson(json);
    ASSERT_FALSE(e.ok()) << json;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(ExperimentFromJson("[1]").status().message(),
            "expected a JSON object, got array");
  EXPECT_EQ(MetricFromJson("null").status().message(),
            "expected a JSON object, got null");
  // JSON syntax errors come from ParseJson, with line and column.
  absl::StatusOr<ExperimentDef> syntax = ExperimentFromJson("{\"key\":");
  EXPECT_EQ(syntax.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(syntax.status().message(), HasSubstr("line 1, column"));
  // Duplicate members can only come from a Value built in code.
  Value twice = Value::Object();
  twice.mutable_members().emplace_back("key", Value("a"));
  twice.mutable_members().emplace_back("key", Value("b"));
  EXPECT_EQ(LayerFromValue(twice).status().message(), "duplicate field 'key'");
  // Non-finite numbers can only come from a Value built in code.
  Value inf = J(R"({"key":"x","variants":[{"key":"a"}]})");
  inf.Set("coverage", Value(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(ExperimentFromValue(inf).status().message(),
            "coverage: must be a finite number");
  Value nan_weight = J(R"({"variants":[{"key":"a"}]})");
  nan_weight.mutable_members()[0].second.mutable_items()[0].Set(
      "weight", Value(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(ExperimentFromValue(nan_weight).status().message(),
            "variants[0].weight: must be a finite number");
}

TEST(DefinitionsCodecTest, FirstProblemIsReported) {
  // Member names are checked before values, then fields in document order.
  ExpectExperimentErrors({
      {R"({"coverage":"x","covrage":1})", "unknown field 'covrage'"},
      {R"({"coverage":"x","key":1})", "key: must be a string"},
  });
}

// ---------------------------------------------------------------------------
// Slots, sticky bucketing and bandits.

TEST(DefinitionsCodecTest, FullSlotRoundTrips) {
  ExpectSlotRoundTrip(FullSlot());
  SlotDef minimal;
  minimal.key = "s";
  ExpectSlotRoundTrip(minimal);
  ExpectSlotRoundTrip(SlotDef());
  SlotDef rule_only;
  rule_only.key = "s";
  rule_only.rules.emplace_back();  // every rule field at its default
  ExpectSlotRoundTrip(rule_only);
}

TEST(DefinitionsCodecTest, SlotExactJson) {
  EXPECT_EQ(
      SlotToJson(FullSlot()),
      R"({"key":"home.hero","name":"Homepage hero",)"
      R"("description":"The banner at the top.",)"
      R"("default_content":{"headline":"Hi","image":"/a.jpg"},"rules":[)"
      R"({"key":"runners","segments":["runners","joggers"],)"
      R"("condition":{"country":{"$in":["US","CA"]}},)"
      R"("content":{"z":1,"cta":{"text":"Run","href":"/run"}},)"
      R"("priority":-7,"start":"2026-11-27T00:00:00.25+00:00",)"
      R"("end":"2026-12-01T00:00:00+00:00","experiment":"hero_test"},)"
      R"({"key":"everyone","content":"plain text",)"
      R"("priority":9007199254740992}]})");
  // Defaults are omitted: no name, no default, no rules; a rule's priority
  // 0, open window, no segments/condition/content/experiment.
  SlotDef s;
  s.key = "s";
  EXPECT_EQ(SlotToJson(s), R"({"key":"s"})");
  s.rules.emplace_back().key = "r";
  EXPECT_EQ(SlotToJson(s), R"({"key":"s","rules":[{"key":"r"}]})");
}

TEST(DefinitionsCodecTest, StickyAndBanditDefaultsAreOmitted) {
  ExperimentDef e;
  e.key = "x";
  e.sticky = false;
  e.bucket_version = 0;
  EXPECT_EQ(ExperimentToJson(e), R"({"key":"x"})");
  // A bandit is written even with every member at its default: its presence
  // turns it on.
  e.bandit = ExperimentDef::Bandit{};
  EXPECT_EQ(ExperimentToJson(e), R"({"key":"x","bandit":{}})");
  ExpectExperimentRoundTrip(e);
  e.bandit->metric = "add_to_cart";
  EXPECT_EQ(ExperimentToJson(e),
            R"({"key":"x","bandit":{"metric":"add_to_cart"}})");
  ExpectExperimentRoundTrip(e);
  e.bandit->interval_minutes = 60;
  e.bandit->min_share = 0;
  e.bucket_version = -2;  // invalid, but it survives the round trip
  EXPECT_EQ(ExperimentToJson(e),
            R"({"key":"x","bucket_version":-2,)"
            R"("bandit":{"metric":"add_to_cart","min_share":0}})");
  ExpectExperimentRoundTrip(e);

  absl::StatusOr<ExperimentDef> read =
      ExperimentFromJson(R"({"key":"x","bandit":{"metric":"click"}})");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->bandit.has_value());
  EXPECT_EQ(read->bandit->metric, "click");
  EXPECT_EQ(read->bandit->interval_minutes, 60);
  EXPECT_EQ(read->bandit->min_share, 0.05);
  read = ExperimentFromJson(R"({"key":"x","bandit":null})");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_FALSE(read->bandit.has_value());
}

TEST(DefinitionsCodecTest, StickyAndBanditErrors) {
  ExpectExperimentErrors({
      {R"({"sticky":"yes"})", "sticky: must be a boolean"},
      {R"({"bucket_version":1.5})", "bucket_version: must be an integer"},
      {R"({"bucket_version":1e19})", "bucket_version: must be an integer"},
      {R"({"bucket_version":"2"})", "bucket_version: must be a number"},
      {R"({"bandit":"add_to_cart"})", "bandit: must be an object"},
      {R"({"bandit":{"metric":1}})", "bandit.metric: must be a string"},
      {R"({"bandit":{"interval_minutes":"1"}})",
       "bandit.interval_minutes: must be a number"},
      {R"({"bandit":{"min_share":[0.1]}})",
       "bandit.min_share: must be a number"},
      {R"({"bandit":{"metric":"m","share":0.1}})",
       "bandit: unknown field 'share'"},
  });
}

TEST(DefinitionsCodecTest, SlotErrors) {
  struct Case {
    const char* json;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"key":1})", "key: must be a string"},
           {R"({"key":"s","default":{}})", "unknown field 'default'"},
           {R"({"kind":"experiment"})",
            "kind: expected 'slot', got 'experiment'"},
           {R"({"rules":{"key":"r"}})", "rules: must be an array of rules"},
           {R"({"rules":["r"]})", "rules[0]: must be an object"},
           {R"({"rules":[{"key":"r","priority":1.5}]})",
            "rules[0].priority: must be an integer"},
           {R"({"rules":[{"key":"r","priority":"1"}]})",
            "rules[0].priority: must be a number"},
           {R"({"rules":[{"key":"r"},{"key":"q","segments":"runners"}]})",
            "rules[1].segments: must be an array of strings"},
           {R"({"rules":[{"key":"r","start":"2026-11-27"}]})",
            "rules[0].start: must be an RFC 3339 time such as "
            "2026-03-01T00:00:00Z, got '2026-11-27'"},
           {R"({"rules":[{"key":"r","end":5}]})",
            "rules[0].end: must be a string"},
           {R"({"rules":[{"key":"r","experiment":["e"]}]})",
            "rules[0].experiment: must be a string"},
           {R"({"rules":[{"key":"r","schedule":{}}]})",
            "rules[0]: unknown field 'schedule'"},
       }) {
    absl::StatusOr<SlotDef> s = SlotFromJson(c.json);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(s.status().message(), c.message) << c.json;
  }
  EXPECT_TRUE(SlotFromJson(R"({"kind":"slot","key":"s"})").ok());
  // Null members are absent.
  absl::StatusOr<SlotDef> s = SlotFromJson(
      R"({"key":"s","default_content":null,)"
      R"("rules":[{"key":"r","content":null,"priority":null}]})");
  ASSERT_TRUE(s.ok()) << s.status();
  SlotDef want;
  want.key = "s";
  want.rules.emplace_back().key = "r";
  EXPECT_EQ(*s, want);
}

}  // namespace
}  // namespace cxlab::engine
