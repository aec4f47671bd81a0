// Copyright 2026 The cxlab Authors.
//
// Tests for api/convert: protobuf <-> engine conversion of values, structs,
// timestamps, every definition kind, units and assignments, and the
// PayloadCache. Round trips engine -> proto -> engine are compared field by
// field; every validation error message is pinned exactly.

#include "api/convert/convert.h"

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/json.h"
#include "engine/snapshot.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace cxlab::api {
namespace {

namespace pb = ::google::protobuf;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

// ---- helpers ----------------------------------------------------------------

engine::Value J(const std::string& text) {
  absl::StatusOr<engine::Value> v = engine::ParseJson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *std::move(v) : engine::Value();
}

absl::Time Day(int year, int month, int day) {
  return absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone());
}

// Expects `status` to be InvalidArgument with exactly `message`.
void ExpectInvalid(const absl::Status& status, const std::string& message) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message(), message);
}

// engine::Value equality (numbers by value, members in order), printing JSON
// on failure.
void ExpectValueEq(const engine::Value& a, const engine::Value& b) {
  EXPECT_TRUE(a == b) << engine::ToJson(a) << " != " << engine::ToJson(b);
}

void ExpectVariantEq(const engine::VariantDef& a, const engine::VariantDef& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.weight, b.weight);
  ExpectValueEq(a.payload, b.payload);
}

void ExpectExperimentEq(const engine::ExperimentDef& a,
                        const engine::ExperimentDef& b) {
  SCOPED_TRACE("experiment " + a.key);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.hypothesis, b.hypothesis);
  EXPECT_EQ(a.owner, b.owner);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.salt, b.salt);
  EXPECT_EQ(a.unit_type, b.unit_type);
  EXPECT_EQ(a.hash_attribute, b.hash_attribute);
  EXPECT_EQ(a.fallback_attribute, b.fallback_attribute);
  ASSERT_EQ(a.variants.size(), b.variants.size());
  for (size_t i = 0; i < a.variants.size(); ++i) {
    SCOPED_TRACE("variant " + std::to_string(i));
    ExpectVariantEq(a.variants[i], b.variants[i]);
  }
  EXPECT_EQ(a.coverage, b.coverage);
  EXPECT_EQ(a.segments, b.segments);
  ExpectValueEq(a.condition, b.condition);
  EXPECT_EQ(a.layer, b.layer);
  EXPECT_EQ(a.layer_range.has_value(), b.layer_range.has_value());
  if (a.layer_range.has_value() && b.layer_range.has_value()) {
    EXPECT_EQ(a.layer_range->start, b.layer_range->start);
    EXPECT_EQ(a.layer_range->end, b.layer_range->end);
  }
  EXPECT_EQ(a.exempt_from_holdout, b.exempt_from_holdout);
  EXPECT_EQ(a.forced, b.forced);
  EXPECT_EQ(a.start, b.start);
  EXPECT_EQ(a.end, b.end);
  EXPECT_EQ(a.winner, b.winner);
  EXPECT_EQ(a.metrics, b.metrics);
  EXPECT_EQ(a.guardrails, b.guardrails);
  EXPECT_EQ(a.sticky, b.sticky);
  EXPECT_EQ(a.bucket_version, b.bucket_version);
  ASSERT_EQ(a.bandit.has_value(), b.bandit.has_value());
  if (a.bandit.has_value()) {
    EXPECT_EQ(a.bandit->metric, b.bandit->metric);
    EXPECT_EQ(a.bandit->interval_minutes, b.bandit->interval_minutes);
    EXPECT_EQ(a.bandit->min_share, b.bandit->min_share);
  }
}

void ExpectSegmentEq(const engine::SegmentDef& a, const engine::SegmentDef& b) {
  SCOPED_TRACE("segment " + a.key);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  ExpectValueEq(a.condition, b.condition);
}

void ExpectGroupEq(const engine::GroupDef& a, const engine::GroupDef& b) {
  SCOPED_TRACE("group " + a.key);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.description, b.description);
  ASSERT_EQ(a.ids.size(), b.ids.size());
  for (size_t i = 0; i < a.ids.size(); ++i) ExpectValueEq(a.ids[i], b.ids[i]);
}

void ExpectMetricEq(const engine::MetricDef& a, const engine::MetricDef& b) {
  SCOPED_TRACE("metric " + a.key);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.event, b.event);
  EXPECT_EQ(a.value_property, b.value_property);
  ExpectValueEq(a.filter, b.filter);
  EXPECT_EQ(a.window_hours, b.window_hours);
  EXPECT_EQ(a.direction, b.direction);
  EXPECT_EQ(a.guardrail, b.guardrail);
  EXPECT_EQ(a.cap, b.cap);
  EXPECT_EQ(a.denominator_event, b.denominator_event);
  EXPECT_EQ(a.retention_hours, b.retention_hours);
  EXPECT_EQ(a.scale_min, b.scale_min);
  EXPECT_EQ(a.scale_max, b.scale_max);
}

void ExpectLayerEq(const engine::LayerDef& a, const engine::LayerDef& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.salt, b.salt);
  EXPECT_EQ(a.holdout, b.holdout);
}

void ExpectHoldoutEq(const engine::HoldoutDef& a, const engine::HoldoutDef& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.salt, b.salt);
  EXPECT_EQ(a.share, b.share);
}

void ExpectSlotEq(const engine::SlotDef& a, const engine::SlotDef& b) {
  SCOPED_TRACE("slot " + a.key);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  ExpectValueEq(a.default_content, b.default_content);
  ASSERT_EQ(a.rules.size(), b.rules.size());
  for (size_t i = 0; i < a.rules.size(); ++i) {
    SCOPED_TRACE("rule " + std::to_string(i));
    const engine::SlotRuleDef& x = a.rules[i];
    const engine::SlotRuleDef& y = b.rules[i];
    EXPECT_EQ(x.key, y.key);
    EXPECT_EQ(x.segments, y.segments);
    ExpectValueEq(x.condition, y.condition);
    ExpectValueEq(x.content, y.content);
    EXPECT_EQ(x.priority, y.priority);
    EXPECT_EQ(x.start, y.start);
    EXPECT_EQ(x.end, y.end);
    EXPECT_EQ(x.experiment, y.experiment);
  }
}

void ExpectDefinitionsEq(const engine::Definitions& a,
                         const engine::Definitions& b) {
  ASSERT_EQ(a.experiments.size(), b.experiments.size());
  for (size_t i = 0; i < a.experiments.size(); ++i) {
    ExpectExperimentEq(a.experiments[i], b.experiments[i]);
  }
  ASSERT_EQ(a.segments.size(), b.segments.size());
  for (size_t i = 0; i < a.segments.size(); ++i) {
    ExpectSegmentEq(a.segments[i], b.segments[i]);
  }
  ASSERT_EQ(a.groups.size(), b.groups.size());
  for (size_t i = 0; i < a.groups.size(); ++i) {
    ExpectGroupEq(a.groups[i], b.groups[i]);
  }
  ASSERT_EQ(a.metrics.size(), b.metrics.size());
  for (size_t i = 0; i < a.metrics.size(); ++i) {
    ExpectMetricEq(a.metrics[i], b.metrics[i]);
  }
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    ExpectLayerEq(a.layers[i], b.layers[i]);
  }
  ASSERT_EQ(a.holdouts.size(), b.holdouts.size());
  for (size_t i = 0; i < a.holdouts.size(); ++i) {
    ExpectHoldoutEq(a.holdouts[i], b.holdouts[i]);
  }
  ASSERT_EQ(a.slots.size(), b.slots.size());
  for (size_t i = 0; i < a.slots.size(); ++i) {
    ExpectSlotEq(a.slots[i], b.slots[i]);
  }
}

// engine -> proto -> engine.
template <typename Def, typename Message>
Def RoundTrip(const Def& def) {
  Message message;
  ToProto(def, &message);
  absl::StatusOr<Def> back = FromProto(message);
  EXPECT_TRUE(back.ok()) << back.status();
  return back.ok() ? *std::move(back) : Def();
}

engine::Value ValueRoundTrip(const engine::Value& value) {
  pb::Value message;
  ToProtoValue(value, &message);
  absl::StatusOr<engine::Value> back = FromProtoValue(message, "v");
  EXPECT_TRUE(back.ok()) << back.status();
  return back.ok() ? *std::move(back) : engine::Value();
}

// `levels` nested arrays around a number: [[[1]]] is 3 levels.
pb::Value NestedList(int levels) {
  pb::Value v;
  v.set_number_value(1);
  for (int i = 0; i < levels; ++i) {
    pb::Value outer;
    *outer.mutable_list_value()->add_values() = std::move(v);
    v = std::move(outer);
  }
  return v;
}

// A Struct `levels` deep: {"a": {"a": ... {}}}, the outer Struct included.
pb::Struct NestedStruct(int levels) {
  pb::Struct s;
  for (int i = 1; i < levels; ++i) {
    pb::Struct outer;
    *(*outer.mutable_fields())["a"].mutable_struct_value() = std::move(s);
    s = std::move(outer);
  }
  return s;
}

// ---- Value and Struct -------------------------------------------------------

TEST(ValueConvert, ScalarsRoundTrip) {
  for (const engine::Value& v :
       {engine::Value(), engine::Value(true), engine::Value(false),
        engine::Value(0), engine::Value(-3), engine::Value(1.5),
        engine::Value(1e308), engine::Value(-2.5e-300),
        engine::Value(9007199254740993.0), engine::Value(""),
        engine::Value("plain"),
        engine::Value("h\xC3\xA9llo \xE2\x9C\x93 "
                      "\xF0\x9F\x98\x80"),
        engine::Value(std::string("nul\0byte", 8))}) {
    ExpectValueEq(ValueRoundTrip(v), v);
  }
}

TEST(ValueConvert, ScalarsMapToTheirKinds) {
  pb::Value m;
  ToProtoValue(engine::Value(), &m);
  EXPECT_EQ(m.kind_case(), pb::Value::kNullValue);
  ToProtoValue(engine::Value(true), &m);
  EXPECT_EQ(m.kind_case(), pb::Value::kBoolValue);
  EXPECT_TRUE(m.bool_value());
  ToProtoValue(engine::Value(2.25), &m);
  EXPECT_EQ(m.kind_case(), pb::Value::kNumberValue);
  EXPECT_EQ(m.number_value(), 2.25);
  ToProtoValue(engine::Value("x"), &m);
  EXPECT_EQ(m.kind_case(), pb::Value::kStringValue);
  EXPECT_EQ(m.string_value(), "x");
}

TEST(ValueConvert, NestedRoundTrip) {
  // Keys sorted, so the (orderless) Struct round trip is exact.
  engine::Value v = J(R"({
    "a": [1, 2.5, -0.125, null, true, "x", [], {}, [[["deep"]]]],
    "b": {"c": {"d": [{"e": null}, {"f": "\u00fc\u4e2d"}]}},
    "empty_array": [],
    "empty_object": {},
    "z": "\ud83d\ude00"
  })");
  ExpectValueEq(ValueRoundTrip(v), v);
  pb::Struct s;
  ASSERT_TRUE(ToProtoStruct(v, &s).ok());
  absl::StatusOr<engine::Value> back = FromProtoStruct(s, "s");
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectValueEq(*back, v);
}

TEST(ValueConvert, StructMembersComeBackSortedByKey) {
  pb::Struct s;
  (*s.mutable_fields())["zeta"].set_number_value(1);
  (*s.mutable_fields())["alpha"].set_number_value(2);
  (*s.mutable_fields())["Mid"].set_number_value(3);
  (*s.mutable_fields())["beta"].set_number_value(4);
  absl::StatusOr<engine::Value> v = FromProtoStruct(s, "s");
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValueEq(*v, J(R"({"Mid": 3, "alpha": 2, "beta": 4, "zeta": 1})"));
}

TEST(ValueConvert, DuplicateKeysKeepTheLast) {
  engine::Value v = engine::Value::Object();
  v.mutable_members().emplace_back("k", engine::Value(1));
  v.mutable_members().emplace_back("k", engine::Value(2));
  pb::Struct s;
  ASSERT_TRUE(ToProtoStruct(v, &s).ok());
  ASSERT_EQ(s.fields().size(), 1u);
  EXPECT_EQ(s.fields().at("k").number_value(), 2);
}

TEST(ValueConvert, NonFiniteNumbersBecomeNull) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double n : {inf, -inf, nan}) {
    pb::Value m;
    ToProtoValue(engine::Value(n), &m);
    EXPECT_EQ(m.kind_case(), pb::Value::kNullValue) << n;

    pb::Value in;
    in.set_number_value(n);
    absl::StatusOr<engine::Value> v = FromProtoValue(in, "v");
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->is_null()) << n;
  }
  engine::Value array = engine::Value::Array();
  array.Append(engine::Value(nan));
  array.Append(engine::Value(1));
  ExpectValueEq(ValueRoundTrip(array), J("[null, 1]"));
}

TEST(ValueConvert, UnsetKindIsNull) {
  absl::StatusOr<engine::Value> v = FromProtoValue(pb::Value(), "v");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->is_null());
}

TEST(ValueConvert, ToProtoValueReplacesPreviousContent) {
  pb::Value m;
  ToProtoValue(J(R"({"old": 1, "stale": [1, 2]})"), &m);
  ToProtoValue(J(R"({"new": 2})"), &m);
  absl::StatusOr<engine::Value> v = FromProtoValue(m, "v");
  ASSERT_TRUE(v.ok());
  ExpectValueEq(*v, J(R"({"new": 2})"));
  ToProtoValue(J("[3]"), &m);
  ToProtoValue(J("[4, 5]"), &m);
  v = FromProtoValue(m, "v");
  ASSERT_TRUE(v.ok());
  ExpectValueEq(*v, J("[4, 5]"));

  pb::Struct s;
  ASSERT_TRUE(ToProtoStruct(J(R"({"a": 1})"), &s).ok());
  ASSERT_TRUE(ToProtoStruct(J(R"({"b": 2})"), &s).ok());
  v = FromProtoStruct(s, "s");
  ASSERT_TRUE(v.ok());
  ExpectValueEq(*v, J(R"({"b": 2})"));
}

TEST(ValueConvert, ToProtoStructRejectsNonObjects) {
  pb::Struct s;
  (*s.mutable_fields())["kept"].set_bool_value(true);
  ExpectInvalid(ToProtoStruct(J("[1]"), &s), "expected an object, got array");
  ExpectInvalid(ToProtoStruct(engine::Value(), &s),
                "expected an object, got null");
  ExpectInvalid(ToProtoStruct(engine::Value("s"), &s),
                "expected an object, got string");
  EXPECT_EQ(s.fields().size(), 1u);  // unchanged
  ASSERT_TRUE(ToProtoStruct(engine::Value::Object(), &s).ok());
  EXPECT_TRUE(s.fields().empty());
}

TEST(ValueConvert, DepthLimit) {
  EXPECT_TRUE(FromProtoValue(NestedList(32), "v").ok());
  ExpectInvalid(FromProtoValue(NestedList(33), "payload").status(),
                "payload: nesting deeper than 32 levels");
  EXPECT_TRUE(FromProtoStruct(NestedStruct(32), "s").ok());
  ExpectInvalid(FromProtoStruct(NestedStruct(33), "unit.attributes").status(),
                "unit.attributes: nesting deeper than 32 levels");
}

TEST(ValueConvert, DepthCountsStructAndListLevels) {
  // {"x": [ <31 lists> ]}: the Struct, the list, then 31 more = 33.
  pb::Struct s;
  *(*s.mutable_fields())["x"].mutable_list_value()->add_values() =
      NestedList(31);
  ExpectInvalid(FromProtoStruct(s, "c").status(),
                "c: nesting deeper than 32 levels");
  // One fewer fits exactly.
  pb::Struct t;
  *(*t.mutable_fields())["x"].mutable_list_value()->add_values() =
      NestedList(30);
  EXPECT_TRUE(FromProtoStruct(t, "c").ok());
}

TEST(ValueConvert, FromOptionalStruct) {
  pb::Struct s;
  (*s.mutable_fields())["a"].set_number_value(1);
  absl::StatusOr<engine::Value> v = FromOptionalStruct(false, s, "c");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->is_null());
  v = FromOptionalStruct(true, pb::Struct(), "c");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->is_object());
  EXPECT_TRUE(v->members().empty());
  v = FromOptionalStruct(true, s, "c");
  ASSERT_TRUE(v.ok());
  ExpectValueEq(*v, J(R"({"a": 1})"));
}

// ---- Timestamp --------------------------------------------------------------

TEST(TimestampConvert, RoundTrip) {
  for (absl::Time t :
       {absl::UnixEpoch(), Day(2026, 3, 1) + absl::Nanoseconds(123456789),
        absl::UnixEpoch() - absl::Milliseconds(1500), Day(1, 1, 1),
        Day(9999, 12, 31) + absl::Hours(23) + absl::Minutes(59) +
            absl::Seconds(59) + absl::Nanoseconds(999999999)}) {
    pb::Timestamp ts;
    ToProtoTimestamp(t, &ts);
    absl::StatusOr<absl::Time> back = FromProtoTimestamp(ts, "t");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, t) << t;
  }
}

TEST(TimestampConvert, NegativeSubSecondsUsePositiveNanos) {
  pb::Timestamp ts;
  ToProtoTimestamp(absl::UnixEpoch() - absl::Milliseconds(1500), &ts);
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 500000000);
}

TEST(TimestampConvert, TruncatesBelowNanoseconds) {
  pb::Timestamp ts;
  ToProtoTimestamp(
      absl::UnixEpoch() + absl::Nanoseconds(7) + absl::Nanoseconds(1) / 4, &ts);
  EXPECT_EQ(ts.seconds(), 0);
  EXPECT_EQ(ts.nanos(), 7);
}

TEST(TimestampConvert, InfiniteAndOutOfRangeTimesAreClamped) {
  pb::Timestamp ts;
  ToProtoTimestamp(absl::InfinitePast(), &ts);
  EXPECT_EQ(ts.seconds(), -62135596800);
  EXPECT_EQ(ts.nanos(), 0);
  ToProtoTimestamp(absl::InfiniteFuture(), &ts);
  EXPECT_EQ(ts.seconds(), 253402300799);
  EXPECT_EQ(ts.nanos(), 999999999);
  ToProtoTimestamp(Day(10000, 1, 1), &ts);
  EXPECT_EQ(ts.seconds(), 253402300799);
}

TEST(TimestampConvert, RejectsOutOfRange) {
  pb::Timestamp ts;
  ts.set_seconds(253402300800);
  ExpectInvalid(FromProtoTimestamp(ts, "experiment.start").status(),
                "experiment.start: timestamp out of range");
  ts.set_seconds(-62135596801);
  ExpectInvalid(FromProtoTimestamp(ts, "t").status(),
                "t: timestamp out of range");
  ts.set_seconds(0);
  ts.set_nanos(-1);
  ExpectInvalid(FromProtoTimestamp(ts, "t").status(),
                "t: timestamp out of range");
  ts.set_nanos(1000000000);
  ExpectInvalid(FromProtoTimestamp(ts, "t").status(),
                "t: timestamp out of range");
  ts.set_seconds(-62135596800);
  ts.set_nanos(0);
  EXPECT_TRUE(FromProtoTimestamp(ts, "t").ok());
}

// ---- Experiment -------------------------------------------------------------

engine::ExperimentDef FullExperiment() {
  engine::ExperimentDef e;
  e.key = "checkout_redesign";
  e.name = "Checkout redesign";
  e.description = "One-page checkout";
  e.hypothesis = "Fewer steps, more orders";
  e.owner = "ana@example.com";
  e.tags = {"checkout", "q1"};
  e.status = engine::ExperimentStatus::kRunning;
  e.salt = "checkout-2026";
  e.unit_type = "device";
  e.hash_attribute = "email";
  e.fallback_attribute = "anonymous_id";
  engine::VariantDef control;
  control.key = "control";
  control.name = "Control";
  control.weight = 0.4;
  control.payload = J(R"({"color": "blue", "nested": {"deep": [true, null]},
                          "sizes": [1, 2.5]})");
  engine::VariantDef treatment;
  treatment.key = "one_page";
  treatment.name = "One page";
  treatment.weight = 0.6;
  treatment.payload = engine::Value("h\xC3\xA9llo \xF0\x9F\x98\x80");
  e.variants = {control, treatment};
  e.coverage = 0.8;
  e.segments = {"sporty_parents", "returning"};
  // Struct members come back sorted by key, so they are sorted here.
  e.condition = J(R"({"age": {"$gte": 18}, "country": {"$in": ["US", "CA"]}})");
  e.layer = "checkout_layer";
  e.layer_range = engine::BucketRange{0.1, 0.5};
  e.exempt_from_holdout = true;
  e.forced = {{"qa-2", "one_page"}, {"qa-1", "control"}};  // not sorted
  e.start = Day(2026, 3, 1) + absl::Nanoseconds(123456789);
  e.end = Day(2026, 4, 1);
  e.winner = "one_page";
  e.metrics = {"orders", "revenue"};
  e.guardrails = {"refunds"};
  e.sticky = true;
  e.bucket_version = 4;
  e.bandit = engine::ExperimentDef::Bandit{"orders", 15, 0.1};
  return e;
}

engine::ExperimentDef MinimalExperiment() {
  engine::ExperimentDef e;
  e.key = "minimal";
  return e;
}

TEST(ExperimentConvert, FullRoundTrip) {
  engine::ExperimentDef e = FullExperiment();
  ExpectExperimentEq(RoundTrip<engine::ExperimentDef, v1::Experiment>(e), e);
}

TEST(ExperimentConvert, MinimalRoundTrip) {
  engine::ExperimentDef e = MinimalExperiment();
  ExpectExperimentEq(RoundTrip<engine::ExperimentDef, v1::Experiment>(e), e);
}

TEST(ExperimentConvert, ToProtoFields) {
  v1::Experiment m;
  ToProto(FullExperiment(), &m);
  EXPECT_EQ(m.key(), "checkout_redesign");
  EXPECT_EQ(m.status(), v1::EXPERIMENT_STATUS_RUNNING);
  ASSERT_EQ(m.variants_size(), 2);
  EXPECT_TRUE(m.variants(0).has_weight());
  EXPECT_EQ(m.variants(0).weight(), 0.4);
  EXPECT_EQ(m.variants(0)
                .payload()
                .struct_value()
                .fields()
                .at("color")
                .string_value(),
            "blue");
  EXPECT_TRUE(m.has_coverage());
  EXPECT_EQ(m.coverage(), 0.8);
  EXPECT_TRUE(m.has_layer_range());
  EXPECT_EQ(m.layer_range().start(), 0.1);
  EXPECT_EQ(m.layer_range().end(), 0.5);
  ASSERT_EQ(m.forced_size(), 2);
  EXPECT_EQ(m.forced(0).unit_id(), "qa-2");
  EXPECT_EQ(m.forced(0).variant_key(), "one_page");
  EXPECT_EQ(m.forced(1).unit_id(), "qa-1");
  EXPECT_EQ(m.start().seconds(), absl::ToUnixSeconds(Day(2026, 3, 1)));
  EXPECT_EQ(m.start().nanos(), 123456789);
  EXPECT_TRUE(m.has_end());
  EXPECT_FALSE(m.has_meta());
}

TEST(ExperimentConvert, MinimalToProtoLeavesOptionalsUnset) {
  engine::ExperimentDef e = MinimalExperiment();
  engine::VariantDef v;
  v.key = "a";
  e.variants = {v};
  v1::Experiment m;
  ToProto(e, &m);
  EXPECT_EQ(m.status(), v1::EXPERIMENT_STATUS_DRAFT);
  EXPECT_EQ(m.unit_type(), "user");
  EXPECT_TRUE(m.has_coverage());  // always explicit
  EXPECT_EQ(m.coverage(), 1.0);
  EXPECT_FALSE(m.has_condition());
  EXPECT_FALSE(m.has_layer_range());
  EXPECT_FALSE(m.has_start());
  EXPECT_FALSE(m.has_end());
  ASSERT_EQ(m.variants_size(), 1);
  EXPECT_FALSE(m.variants(0).has_weight());
  EXPECT_FALSE(m.variants(0).has_payload());
  EXPECT_FALSE(m.sticky());
  EXPECT_EQ(m.bucket_version(), 0);
  EXPECT_FALSE(m.has_bandit());
}

TEST(ExperimentConvert, StickyAndBandit) {
  v1::Experiment m;
  ToProto(FullExperiment(), &m);
  EXPECT_TRUE(m.sticky());
  EXPECT_EQ(m.bucket_version(), 4);
  ASSERT_TRUE(m.has_bandit());
  EXPECT_EQ(m.bandit().metric(), "orders");
  EXPECT_TRUE(m.bandit().has_interval_minutes());
  EXPECT_EQ(m.bandit().interval_minutes(), 15);
  EXPECT_TRUE(m.bandit().has_min_share());
  EXPECT_EQ(m.bandit().min_share(), 0.1);

  // An empty Bandit message turns the bandit on with the engine defaults.
  v1::Experiment in;
  in.mutable_bandit()->set_metric("click");
  absl::StatusOr<engine::ExperimentDef> e = FromProto(in);
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_TRUE(e->bandit.has_value());
  EXPECT_EQ(e->bandit->metric, "click");
  EXPECT_EQ(e->bandit->interval_minutes, 60);
  EXPECT_EQ(e->bandit->min_share, 0.05);
  // Zero is a value, not "unset" (ValidateDefinitions rejects 0 minutes).
  in.mutable_bandit()->set_interval_minutes(0);
  in.mutable_bandit()->set_min_share(0);
  e = FromProto(in);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->bandit->interval_minutes, 0);
  EXPECT_EQ(e->bandit->min_share, 0);
  // No Bandit message: fixed weights.
  e = FromProto(v1::Experiment());
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_FALSE(e->bandit.has_value());
  EXPECT_FALSE(e->sticky);
  EXPECT_EQ(e->bucket_version, 0);

  // Negative versions are carried (and rejected by validation).
  engine::ExperimentDef negative = MinimalExperiment();
  negative.bucket_version = -3;
  ExpectExperimentEq(
      RoundTrip<engine::ExperimentDef, v1::Experiment>(negative), negative);
}

TEST(ExperimentConvert, EmptyProtoGetsEngineDefaults) {
  absl::StatusOr<engine::ExperimentDef> e = FromProto(v1::Experiment());
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->status, engine::ExperimentStatus::kDraft);
  EXPECT_EQ(e->unit_type, "user");
  EXPECT_EQ(e->coverage, 1.0);
  EXPECT_TRUE(e->condition.is_null());
  EXPECT_FALSE(e->layer_range.has_value());
  EXPECT_EQ(e->start, absl::InfinitePast());
  EXPECT_EQ(e->end, absl::InfiniteFuture());
}

TEST(ExperimentConvert, CoverageZeroIsNotUnset) {
  v1::Experiment m;
  m.set_coverage(0);
  absl::StatusOr<engine::ExperimentDef> e = FromProto(m);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->coverage, 0);
}

TEST(ExperimentConvert, UnsetVersusEmptyCondition) {
  engine::ExperimentDef e = MinimalExperiment();
  e.condition = engine::Value::Object();
  v1::Experiment m;
  ToProto(e, &m);
  EXPECT_TRUE(m.has_condition());
  engine::ExperimentDef back =
      RoundTrip<engine::ExperimentDef, v1::Experiment>(e);
  EXPECT_TRUE(back.condition.is_object());
  EXPECT_TRUE(back.condition.members().empty());

  // A non-object condition cannot be carried; it is left unset.
  e.condition = J("[1]");
  ToProto(e, &m);
  EXPECT_FALSE(m.has_condition());
}

TEST(ExperimentConvert, OnlyTheOpenBoundsAreLeftUnset) {
  engine::ExperimentDef e = MinimalExperiment();
  e.start = absl::InfiniteFuture();
  e.end = absl::InfinitePast();
  v1::Experiment m;
  ToProto(e, &m);
  ASSERT_TRUE(m.has_start());
  ASSERT_TRUE(m.has_end());
  EXPECT_EQ(m.start().seconds(), 253402300799);
  EXPECT_EQ(m.end().seconds(), -62135596800);
}

TEST(ExperimentConvert, StatusMapping) {
  const std::vector<std::pair<v1::ExperimentStatus, engine::ExperimentStatus>>
      cases = {
          {v1::EXPERIMENT_STATUS_UNSPECIFIED, engine::ExperimentStatus::kDraft},
          {v1::EXPERIMENT_STATUS_DRAFT, engine::ExperimentStatus::kDraft},
          {v1::EXPERIMENT_STATUS_RUNNING, engine::ExperimentStatus::kRunning},
          {v1::EXPERIMENT_STATUS_PAUSED, engine::ExperimentStatus::kPaused},
          {v1::EXPERIMENT_STATUS_STOPPED, engine::ExperimentStatus::kStopped},
          {v1::EXPERIMENT_STATUS_LAUNCHED, engine::ExperimentStatus::kLaunched},
      };
  for (const auto& [proto, engine_status] : cases) {
    absl::StatusOr<engine::ExperimentStatus> s =
        ExperimentStatusFromProto(proto, "s");
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(*s, engine_status);
    if (proto != v1::EXPERIMENT_STATUS_UNSPECIFIED) {
      EXPECT_EQ(ExperimentStatusToProto(engine_status), proto);
    }
  }
}

TEST(ExperimentConvert, Errors) {
  v1::Experiment m;
  m.set_status(static_cast<v1::ExperimentStatus>(42));
  ExpectInvalid(FromProto(m).status(), "experiment.status: unknown value 42");
  ExpectInvalid(FromProto(m, "definitions.experiments[3]").status(),
                "definitions.experiments[3].status: unknown value 42");
  m.set_status(static_cast<v1::ExperimentStatus>(-1));
  ExpectInvalid(FromProto(m).status(), "experiment.status: unknown value -1");

  m.Clear();
  m.mutable_start()->set_seconds(253402300800);
  ExpectInvalid(FromProto(m).status(),
                "experiment.start: timestamp out of range");
  m.Clear();
  m.mutable_end()->set_nanos(-5);
  ExpectInvalid(FromProto(m).status(),
                "experiment.end: timestamp out of range");

  m.Clear();
  m.add_variants();
  *m.add_variants()->mutable_payload() = NestedList(65);
  ExpectInvalid(FromProto(m).status(),
                "experiment.variants[1].payload: nesting deeper than 32 "
                "levels");

  m.Clear();
  *m.mutable_condition() = NestedStruct(65);
  ExpectInvalid(FromProto(m).status(),
                "experiment.condition: nesting deeper than 32 levels");
}

TEST(ExperimentConvert, MetaIsIgnoredAndPreserved) {
  v1::Experiment m;
  m.set_key("k");
  m.mutable_meta()->set_version(7);
  m.mutable_meta()->set_updated_by("key-1");
  absl::StatusOr<engine::ExperimentDef> e = FromProto(m);
  ASSERT_TRUE(e.ok());
  ToProto(FullExperiment(), &m);
  EXPECT_EQ(m.meta().version(), 7);
  EXPECT_EQ(m.meta().updated_by(), "key-1");
  EXPECT_EQ(m.key(), "checkout_redesign");
}

TEST(ExperimentConvert, ToProtoOverwritesEveryField) {
  v1::Experiment reused;
  ToProto(FullExperiment(), &reused);
  ToProto(MinimalExperiment(), &reused);
  v1::Experiment fresh;
  ToProto(MinimalExperiment(), &fresh);
  EXPECT_TRUE(MessageDifferencer::Equals(reused, fresh))
      << reused.DebugString() << "\nvs\n"
      << fresh.DebugString();
}

TEST(ExperimentConvert, ProtoJsonMapping) {
  v1::Experiment m;
  ToProto(FullExperiment(), &m);
  std::string json;
  ASSERT_TRUE(pb::util::MessageToJsonString(m, &json).ok());
  EXPECT_THAT(json, HasSubstr("\"variants\""));
  EXPECT_THAT(json, HasSubstr("\"layerRange\""));
  EXPECT_THAT(json, HasSubstr("\"status\":\"EXPERIMENT_STATUS_RUNNING\""));
  EXPECT_THAT(json, HasSubstr("\"start\":\"2026-03-01T00:00:00.123456789Z\""));
  EXPECT_THAT(json, HasSubstr("\"$in\":[\"US\",\"CA\"]"));

  // And back through JSON text to the same engine definition.
  v1::Experiment parsed;
  ASSERT_TRUE(pb::util::JsonStringToMessage(json, &parsed).ok());
  absl::StatusOr<engine::ExperimentDef> e = FromProto(parsed);
  ASSERT_TRUE(e.ok()) << e.status();
  ExpectExperimentEq(*e, FullExperiment());
}

// ---- Segment, Group, Metric, Layer, Holdout ---------------------------------

TEST(SegmentConvert, RoundTrips) {
  engine::SegmentDef full;
  full.key = "sporty_parents";
  full.name = "Sporty parents";
  full.description = "Parents who run";
  full.condition = J(R"({"age": {"$gte": 25, "$lte": 45},
                         "children": {"$gt": 0},
                         "interests": {"$elemMatch": {"$eq": "running"}}})");
  ExpectSegmentEq(RoundTrip<engine::SegmentDef, v1::Segment>(full), full);

  engine::SegmentDef minimal;
  minimal.key = "s";
  ExpectSegmentEq(RoundTrip<engine::SegmentDef, v1::Segment>(minimal), minimal);
  v1::Segment m;
  ToProto(minimal, &m);
  EXPECT_FALSE(m.has_condition());
}

TEST(SegmentConvert, Errors) {
  v1::Segment m;
  *m.mutable_condition() = NestedStruct(65);
  ExpectInvalid(FromProto(m).status(),
                "segment.condition: nesting deeper than 32 levels");
}

TEST(GroupConvert, RoundTrips) {
  engine::GroupDef full;
  full.key = "beta_testers";
  full.description = "Opted in";
  full.ids = {engine::Value("u-1"), engine::Value(42), engine::Value("42"),
              engine::Value(1.5)};
  engine::GroupDef back = RoundTrip<engine::GroupDef, v1::Group>(full);
  ExpectGroupEq(back, full);
  EXPECT_TRUE(back.ids[1].is_number());
  EXPECT_TRUE(back.ids[2].is_string());

  engine::GroupDef minimal;
  minimal.key = "g";
  ExpectGroupEq(RoundTrip<engine::GroupDef, v1::Group>(minimal), minimal);
}

TEST(GroupConvert, Errors) {
  v1::Group m;
  m.add_ids()->set_string_value("a");
  m.add_ids()->set_number_value(1);
  *m.add_ids() = NestedList(65);
  ExpectInvalid(FromProto(m).status(),
                "group.ids[2]: nesting deeper than 32 levels");
}

engine::MetricDef FullMetric() {
  engine::MetricDef m;
  m.key = "revenue";
  m.name = "Revenue per visitor";
  m.description = "Sum of order values";
  m.type = engine::MetricType::kMean;
  m.event = "purchase";
  m.value_property = "amount";
  m.filter = J(R"({"currency": "EUR"})");
  m.window_hours = 72;
  m.direction = engine::MetricDirection::kLower;  // not the type's default
  m.guardrail = true;
  m.cap = 500;
  m.denominator_event = "visit";
  m.retention_hours = 24;
  m.scale_min = 1;
  m.scale_max = 7;
  return m;
}

TEST(MetricConvert, RoundTrips) {
  engine::MetricDef full = FullMetric();
  ExpectMetricEq(RoundTrip<engine::MetricDef, v1::Metric>(full), full);

  engine::MetricDef minimal;
  minimal.key = "orders";
  ExpectMetricEq(RoundTrip<engine::MetricDef, v1::Metric>(minimal), minimal);
  v1::Metric m;
  ToProto(minimal, &m);
  EXPECT_EQ(m.type(), v1::METRIC_TYPE_BINOMIAL);
  EXPECT_EQ(m.direction(), v1::METRIC_DIRECTION_HIGHER);
  EXPECT_EQ(m.value_property(), "value");
  EXPECT_FALSE(m.has_filter());
  EXPECT_FALSE(m.has_cap());
  EXPECT_FALSE(m.has_scale_min());
  EXPECT_FALSE(m.has_scale_max());

  // Zero is a value, not "unset".
  minimal.cap = 0;
  minimal.scale_min = 0;
  ExpectMetricEq(RoundTrip<engine::MetricDef, v1::Metric>(minimal), minimal);

  // Every type round trips.
  for (engine::MetricType type :
       {engine::MetricType::kBinomial, engine::MetricType::kCount,
        engine::MetricType::kMean, engine::MetricType::kRatio,
        engine::MetricType::kNps, engine::MetricType::kCsat,
        engine::MetricType::kCes, engine::MetricType::kScore,
        engine::MetricType::kDuration, engine::MetricType::kRetention}) {
    full.type = type;
    ExpectMetricEq(RoundTrip<engine::MetricDef, v1::Metric>(full), full);
  }
}

TEST(MetricConvert, Defaults) {
  v1::Metric m;
  absl::StatusOr<engine::MetricDef> d = FromProto(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->type, engine::MetricType::kBinomial);
  EXPECT_EQ(d->direction, engine::MetricDirection::kHigher);
  EXPECT_EQ(d->value_property, "value");
  EXPECT_TRUE(d->filter.is_null());
  EXPECT_FALSE(d->cap.has_value());

  m.set_type(v1::METRIC_TYPE_DURATION);
  d = FromProto(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->direction, engine::MetricDirection::kLower);
  m.set_direction(v1::METRIC_DIRECTION_HIGHER);
  d = FromProto(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->direction, engine::MetricDirection::kHigher);

  m.set_type(v1::METRIC_TYPE_MEAN);
  m.set_direction(v1::METRIC_DIRECTION_UNSPECIFIED);
  d = FromProto(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->direction, engine::MetricDirection::kHigher);
  m.set_direction(v1::METRIC_DIRECTION_LOWER);
  d = FromProto(m);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->direction, engine::MetricDirection::kLower);
}

TEST(MetricConvert, Errors) {
  v1::Metric m;
  m.set_type(static_cast<v1::MetricType>(42));
  ExpectInvalid(FromProto(m).status(), "metric.type: unknown value 42");
  m.set_type(v1::METRIC_TYPE_COUNT);
  m.set_direction(static_cast<v1::MetricDirection>(3));
  ExpectInvalid(FromProto(m).status(), "metric.direction: unknown value 3");
  m.set_direction(v1::METRIC_DIRECTION_LOWER);
  *m.mutable_filter() = NestedStruct(65);
  ExpectInvalid(FromProto(m).status(),
                "metric.filter: nesting deeper than 32 levels");
}

TEST(LayerAndHoldoutConvert, RoundTrips) {
  engine::LayerDef layer{"checkout_layer", "Checkout tests", "salt-1", 0.1};
  ExpectLayerEq(RoundTrip<engine::LayerDef, v1::Layer>(layer), layer);
  engine::LayerDef minimal_layer;
  minimal_layer.key = "l";
  ExpectLayerEq(RoundTrip<engine::LayerDef, v1::Layer>(minimal_layer),
                minimal_layer);

  engine::HoldoutDef holdout{"global", "5% kept out", "h-salt", 0.05};
  ExpectHoldoutEq(RoundTrip<engine::HoldoutDef, v1::Holdout>(holdout), holdout);
  engine::HoldoutDef minimal_holdout;
  minimal_holdout.key = "h";
  ExpectHoldoutEq(RoundTrip<engine::HoldoutDef, v1::Holdout>(minimal_holdout),
                  minimal_holdout);
}

// ---- Slot -------------------------------------------------------------------

engine::SlotDef FullSlot() {
  engine::SlotDef s;
  s.key = "home.hero";
  s.name = "Homepage hero";
  s.description = "The banner at the top";
  s.default_content = J(R"({"headline": "Hi", "image": "/a.jpg"})");
  engine::SlotRuleDef runners;
  runners.key = "runners";
  runners.segments = {"runners", "joggers"};
  runners.condition = J(R"({"country": {"$in": ["US", "CA"]}})");
  runners.content = J(R"({"cta": {"href": "/run", "text": "Run"}, "z": 1})");
  runners.priority = -7;
  runners.start = Day(2026, 11, 27) + absl::Nanoseconds(250);
  runners.end = Day(2026, 12, 1);
  engine::SlotRuleDef tested;
  tested.key = "tested";
  tested.priority = 9223372036854775807;  // int64 max survives the proto
  tested.experiment = "hero_test";
  engine::SlotRuleDef plain;
  plain.key = "plain";
  plain.content = engine::Value("text");
  plain.priority = 3;
  plain.start = Day(2026, 1, 1);  // open end
  s.rules = {runners, tested, plain};
  return s;
}

TEST(SlotConvert, RoundTrips) {
  engine::SlotDef full = FullSlot();
  ExpectSlotEq(RoundTrip<engine::SlotDef, v1::Slot>(full), full);
  engine::SlotDef minimal;
  minimal.key = "s";
  ExpectSlotEq(RoundTrip<engine::SlotDef, v1::Slot>(minimal), minimal);
  engine::SlotDef empty_rule = minimal;
  empty_rule.rules.emplace_back();
  ExpectSlotEq(RoundTrip<engine::SlotDef, v1::Slot>(empty_rule), empty_rule);
}

TEST(SlotConvert, ToProtoFields) {
  v1::Slot m;
  ToProto(FullSlot(), &m);
  EXPECT_EQ(m.key(), "home.hero");
  EXPECT_EQ(m.name(), "Homepage hero");
  EXPECT_EQ(
      m.default_content().struct_value().fields().at("headline").string_value(),
      "Hi");
  ASSERT_EQ(m.rules_size(), 3);
  const v1::SlotRule& r = m.rules(0);
  EXPECT_EQ(r.key(), "runners");
  EXPECT_THAT(r.segments(), ::testing::ElementsAre("runners", "joggers"));
  EXPECT_TRUE(r.has_condition());
  EXPECT_TRUE(r.has_content());
  EXPECT_EQ(r.priority(), -7);
  EXPECT_EQ(r.start().seconds(), absl::ToUnixSeconds(Day(2026, 11, 27)));
  EXPECT_EQ(r.start().nanos(), 250);
  EXPECT_TRUE(r.has_end());
  EXPECT_TRUE(r.experiment().empty());
  // Unset: null content, null condition, open bounds.
  const v1::SlotRule& tested = m.rules(1);
  EXPECT_FALSE(tested.has_content());
  EXPECT_FALSE(tested.has_condition());
  EXPECT_FALSE(tested.has_start());
  EXPECT_FALSE(tested.has_end());
  EXPECT_EQ(tested.experiment(), "hero_test");
  EXPECT_TRUE(m.rules(2).has_start());
  EXPECT_FALSE(m.rules(2).has_end());
  EXPECT_FALSE(m.has_meta());

  engine::SlotDef minimal;
  minimal.key = "s";
  v1::Slot small;
  ToProto(minimal, &small);
  EXPECT_FALSE(small.has_default_content());
  EXPECT_EQ(small.rules_size(), 0);
}

TEST(SlotConvert, EmptyProtoGetsEngineDefaults) {
  v1::Slot m;
  m.add_rules()->set_key("r");
  absl::StatusOr<engine::SlotDef> s = FromProto(m);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->default_content.is_null());
  ASSERT_EQ(s->rules.size(), 1u);
  EXPECT_EQ(s->rules[0].key, "r");
  EXPECT_TRUE(s->rules[0].condition.is_null());
  EXPECT_TRUE(s->rules[0].content.is_null());
  EXPECT_EQ(s->rules[0].priority, 0);
  EXPECT_EQ(s->rules[0].start, absl::InfinitePast());
  EXPECT_EQ(s->rules[0].end, absl::InfiniteFuture());
}

TEST(SlotConvert, ErrorsNameTheField) {
  v1::Slot m;
  *m.mutable_default_content() = NestedList(65);
  ExpectInvalid(FromProto(m).status(),
                "slot.default_content: nesting deeper than 32 levels");

  m.Clear();
  m.add_rules();
  *m.add_rules()->mutable_content() = NestedList(65);
  ExpectInvalid(FromProto(m).status(),
                "slot.rules[1].content: nesting deeper than 32 levels");

  m.Clear();
  *m.add_rules()->mutable_condition() = NestedStruct(65);
  ExpectInvalid(FromProto(m).status(),
                "slot.rules[0].condition: nesting deeper than 32 levels");

  m.Clear();
  m.add_rules()->mutable_start()->set_seconds(253402300800);
  ExpectInvalid(FromProto(m).status(),
                "slot.rules[0].start: timestamp out of range");
  m.Clear();
  m.add_rules();
  m.add_rules();
  m.add_rules()->mutable_end()->set_nanos(-1);
  ExpectInvalid(FromProto(m, "definitions.slots[4]").status(),
                "definitions.slots[4].rules[2].end: timestamp out of range");
}

TEST(SlotConvert, MetaIsIgnoredAndToProtoOverwrites) {
  v1::Slot reused;
  reused.mutable_meta()->set_version(9);
  ToProto(FullSlot(), &reused);
  engine::SlotDef minimal;
  minimal.key = "s";
  ToProto(minimal, &reused);
  EXPECT_EQ(reused.meta().version(), 9);
  reused.clear_meta();
  v1::Slot fresh;
  ToProto(minimal, &fresh);
  EXPECT_TRUE(MessageDifferencer::Equals(reused, fresh))
      << reused.DebugString() << "\nvs\n"
      << fresh.DebugString();
}

TEST(SlotConvert, ProtoJsonMapping) {
  v1::Slot m;
  ToProto(FullSlot(), &m);
  std::string json;
  ASSERT_TRUE(pb::util::MessageToJsonString(m, &json).ok());
  EXPECT_THAT(json, HasSubstr("\"defaultContent\""));
  EXPECT_THAT(json, HasSubstr("\"priority\":\"-7\""));
  EXPECT_THAT(json, HasSubstr("\"start\":\"2026-11-27T00:00:00.000000250Z\""));
  v1::Slot parsed;
  ASSERT_TRUE(pb::util::JsonStringToMessage(json, &parsed).ok());
  absl::StatusOr<engine::SlotDef> s = FromProto(parsed);
  ASSERT_TRUE(s.ok()) << s.status();
  ExpectSlotEq(*s, FullSlot());
}

// ---- Definitions ------------------------------------------------------------

engine::Definitions FullDefinitions() {
  engine::Definitions d;
  d.experiments = {FullExperiment(), MinimalExperiment()};
  engine::SegmentDef segment;
  segment.key = "sporty_parents";
  segment.condition = J(R"({"children": {"$gt": 0}})");
  d.segments = {segment};
  engine::GroupDef group;
  group.key = "qa";
  group.ids = {engine::Value("u-1"), engine::Value(7)};
  d.groups = {group};
  engine::MetricDef minimal_metric;
  minimal_metric.key = "orders";
  d.metrics = {FullMetric(), minimal_metric};
  d.layers = {engine::LayerDef{"checkout_layer", "", "", 0.1}};
  d.holdouts = {engine::HoldoutDef{"global", "", "", 0.05}};
  engine::SlotDef minimal_slot;
  minimal_slot.key = "checkout.hint";
  d.slots = {FullSlot(), minimal_slot};
  return d;
}

TEST(DefinitionsConvert, RoundTrips) {
  engine::Definitions full = FullDefinitions();
  ExpectDefinitionsEq(RoundTrip<engine::Definitions, v1::Definitions>(full),
                      full);
  engine::Definitions empty;
  ExpectDefinitionsEq(RoundTrip<engine::Definitions, v1::Definitions>(empty),
                      empty);
}

TEST(DefinitionsConvert, ToProtoReplacesLists) {
  v1::Definitions m;
  ToProto(FullDefinitions(), &m);
  ToProto(engine::Definitions(), &m);
  EXPECT_EQ(m.ByteSizeLong(), 0u);
}

TEST(DefinitionsConvert, ErrorsNameTheElement) {
  v1::Definitions m;
  m.add_experiments();
  m.add_experiments()->set_status(static_cast<v1::ExperimentStatus>(42));
  ExpectInvalid(FromProto(m).status(),
                "definitions.experiments[1].status: unknown value 42");

  m.Clear();
  m.add_metrics()->set_type(static_cast<v1::MetricType>(11));
  ExpectInvalid(FromProto(m).status(),
                "definitions.metrics[0].type: unknown value 11");

  m.Clear();
  m.add_segments();
  *m.add_segments()->mutable_condition() = NestedStruct(65);
  ExpectInvalid(FromProto(m, "request.definitions").status(),
                "request.definitions.segments[1].condition: nesting deeper "
                "than 32 levels");

  m.Clear();
  *m.add_groups()->add_ids() = NestedList(70);
  ExpectInvalid(FromProto(m).status(),
                "definitions.groups[0].ids[0]: nesting deeper than 32 levels");

  m.Clear();
  m.add_slots();
  m.add_slots()->add_rules()->mutable_start()->set_nanos(1000000000);
  ExpectInvalid(FromProto(m).status(),
                "definitions.slots[1].rules[0].start: timestamp out of range");
}

TEST(FieldErrorConvert, CopiesEveryField) {
  engine::DefinitionError e{"experiment", "checkout", "variants[1].weight",
                            "weights must sum to 1, got 0.9"};
  v1::FieldError m;
  ToProto(e, &m);
  EXPECT_EQ(m.kind(), "experiment");
  EXPECT_EQ(m.key(), "checkout");
  EXPECT_EQ(m.field(), "variants[1].weight");
  EXPECT_EQ(m.message(), "weights must sum to 1, got 0.9");
}

// ---- Unit -------------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> Ids(const engine::Unit& u) {
  return u.ids;
}

TEST(UnitConvert, IdsOrder) {
  v1::Unit m;
  m.set_unit_id("u-1");
  (*m.mutable_ids())["session"] = "s-1";
  (*m.mutable_ids())["device"] = "d-1";
  (*m.mutable_ids())["account"] = "a-1";
  (*m.mutable_ids())["user"] = "ignored";  // repeats the unit type
  absl::StatusOr<engine::Unit> u = FromProto(m, "unit");
  ASSERT_TRUE(u.ok()) << u.status();
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(Ids(*u), (std::vector<P>{{"user", "u-1"},
                                     {"account", "a-1"},
                                     {"device", "d-1"},
                                     {"session", "s-1"}}));
  EXPECT_EQ(u->Id("user"), "u-1");

  m.set_unit_type("device");
  u = FromProto(m, "unit");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(Ids(*u), (std::vector<P>{{"device", "u-1"},
                                     {"account", "a-1"},
                                     {"session", "s-1"},
                                     {"user", "ignored"}}));
}

TEST(UnitConvert, Attributes) {
  v1::Unit m;
  m.set_unit_id("u");
  absl::StatusOr<engine::Unit> u = FromProto(m, "unit");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->attributes.is_object());
  EXPECT_TRUE(u->attributes.members().empty());
  EXPECT_EQ(Ids(*u).size(), 1u);

  ASSERT_TRUE(ToProtoStruct(J(R"({"country": "US", "age": 30,
                                  "tags": ["a", "b"]})"),
                            m.mutable_attributes())
                  .ok());
  u = FromProto(m, "unit");
  ASSERT_TRUE(u.ok());
  ExpectValueEq(u->attributes,
                J(R"({"age": 30, "country": "US", "tags": ["a", "b"]})"));
}

TEST(UnitConvert, NulIsRejected) {
  v1::Unit m;
  m.set_unit_id(std::string("a\0b", 3));
  ExpectInvalid(FromProto(m, "unit").status(),
                "unit.unit_id: must not contain NUL");
  m.set_unit_id("u");
  m.set_unit_type(std::string("us\0er", 6));
  ExpectInvalid(FromProto(m, "unit").status(),
                "unit.unit_type: must not contain NUL");
  m.clear_unit_type();
  (*m.mutable_ids())["device"] = std::string("d\0", 2);
  ExpectInvalid(FromProto(m, "unit").status(),
                "unit.ids: unit types and ids must not contain NUL");
}

TEST(UnitConvert, Errors) {
  v1::Unit m;
  ExpectInvalid(FromProto(m, "unit").status(),
                "unit.unit_id: must not be empty");
  ExpectInvalid(FromProto(m, "units[3]").status(),
                "units[3].unit_id: must not be empty");

  m.set_unit_id(std::string(1024, 'x'));
  EXPECT_TRUE(FromProto(m, "unit").ok());
  m.set_unit_id(std::string(1025, 'x'));
  ExpectInvalid(FromProto(m, "unit").status(),
                "unit.unit_id: must be at most 1024 bytes");

  m.set_unit_id("u");
  (*m.mutable_ids())["device"] = std::string(1024, 'd');
  EXPECT_TRUE(FromProto(m, "unit").ok());
  (*m.mutable_ids())["device"] = std::string(1025, 'd');
  ExpectInvalid(FromProto(m, "unit").status(),
                "unit.ids[device]: must be at most 1024 bytes");
  m.clear_ids();

  // Just under and just over 64 KiB of serialised attributes.
  (*m.mutable_attributes()->mutable_fields())["blob"].set_string_value(
      std::string(65000, 'a'));
  EXPECT_LE(m.attributes().ByteSizeLong(), 65536u);
  EXPECT_TRUE(FromProto(m, "unit").ok());
  (*m.mutable_attributes()->mutable_fields())["more"].set_string_value(
      std::string(1000, 'b'));
  const size_t bytes = m.attributes().ByteSizeLong();
  ASSERT_GT(bytes, 65536u);
  ExpectInvalid(FromProto(m, "units[0]").status(),
                "units[0].attributes: must be at most 64 KiB, got " +
                    std::to_string(bytes) + " bytes");

  *m.mutable_attributes() = NestedStruct(65);
  ExpectInvalid(FromProto(m, "unit").status(),
                "unit.attributes: nesting deeper than 32 levels");
}

// ---- Assignment and PayloadCache --------------------------------------------

std::shared_ptr<const engine::ConfigSnapshot> TestSnapshot() {
  engine::Definitions d;
  engine::ExperimentDef hero;
  hero.key = "hero";
  hero.status = engine::ExperimentStatus::kRunning;
  engine::VariantDef a;
  a.key = "control";
  a.payload = J(R"({"title": "Welcome", "tiles": [1, 2, {"x": null}]})");
  engine::VariantDef b;
  b.key = "bold";  // null payload
  engine::VariantDef c;
  c.key = "scalar";
  c.payload = engine::Value("text");
  hero.variants = {a, b, c};
  hero.forced = {{"qa-1", "scalar"}};
  engine::ExperimentDef draft;
  draft.key = "draft";
  engine::VariantDef d1;
  d1.key = "x";
  d1.payload = engine::Value(1);
  engine::VariantDef d2;
  d2.key = "y";
  draft.variants = {d1, d2};
  d.experiments = {hero, draft};
  absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> snap =
      engine::ConfigSnapshot::Build(std::move(d), 17);
  EXPECT_TRUE(snap.ok()) << snap.status();
  return snap.ok() ? *snap : nullptr;
}

TEST(AssignmentConvert, Assigned) {
  auto snap = TestSnapshot();
  ASSERT_NE(snap, nullptr);
  engine::Assignment a;
  a.experiment = snap->FindExperiment("hero");
  a.variant = 0;
  a.reason = engine::Reason::kAssigned;
  a.used_fallback = true;
  v1::Assignment m;
  ToProto(a, /*include_payload=*/true, &m);
  EXPECT_EQ(m.experiment_key(), "hero");
  EXPECT_EQ(m.variant_key(), "control");
  EXPECT_EQ(m.variant_index(), 0);
  EXPECT_EQ(m.reason(), v1::REASON_ASSIGNED);
  EXPECT_TRUE(m.in_experiment());
  EXPECT_TRUE(m.used_fallback());
  ASSERT_TRUE(m.has_payload());
  absl::StatusOr<engine::Value> payload = FromProtoValue(m.payload(), "p");
  ASSERT_TRUE(payload.ok());
  ExpectValueEq(*payload,
                J(R"({"tiles": [1, 2, {"x": null}], "title": "Welcome"})"));

  ToProto(a, /*include_payload=*/false, &m);
  EXPECT_FALSE(m.has_payload());
  EXPECT_EQ(m.variant_key(), "control");

  a.variant = 1;  // null payload
  ToProto(a, true, &m);
  EXPECT_EQ(m.variant_key(), "bold");
  EXPECT_EQ(m.variant_index(), 1);
  EXPECT_FALSE(m.has_payload());
}

TEST(AssignmentConvert, ThroughTheEvaluator) {
  auto snap = TestSnapshot();
  ASSERT_NE(snap, nullptr);
  v1::Unit unit;
  unit.set_unit_id("qa-1");
  absl::StatusOr<engine::Unit> u = FromProto(unit, "unit");
  ASSERT_TRUE(u.ok());
  engine::UnitEvaluator eval(*snap, *u, Day(2026, 3, 1));
  engine::Assignment a = eval.Evaluate(*snap->FindExperiment("hero"));
  v1::Assignment m;
  ToProto(a, true, &m);
  EXPECT_EQ(m.reason(), v1::REASON_FORCED);
  EXPECT_EQ(m.variant_key(), "scalar");
  EXPECT_EQ(m.variant_index(), 2);
  EXPECT_EQ(m.payload().string_value(), "text");

  a = eval.Evaluate(*snap->FindExperiment("draft"));
  ToProto(a, true, &m);
  EXPECT_EQ(m.experiment_key(), "draft");
  EXPECT_EQ(m.reason(), v1::REASON_NOT_RUNNING);
  EXPECT_FALSE(m.in_experiment());
  EXPECT_EQ(m.variant_index(), -1);
}

TEST(AssignmentConvert, NoVariantClearsEverything) {
  auto snap = TestSnapshot();
  ASSERT_NE(snap, nullptr);
  v1::Assignment m;
  engine::Assignment assigned;
  assigned.experiment = snap->FindExperiment("hero");
  assigned.variant = 0;
  assigned.reason = engine::Reason::kAssigned;
  assigned.used_fallback = true;
  ToProto(assigned, true, &m);  // reused message with every field set

  engine::Assignment none;
  none.experiment = snap->FindExperiment("hero");
  none.variant = -1;
  none.reason = engine::Reason::kNotTargeted;
  ToProto(none, true, &m);
  EXPECT_EQ(m.experiment_key(), "hero");
  EXPECT_EQ(m.variant_key(), "");
  EXPECT_EQ(m.variant_index(), -1);
  EXPECT_FALSE(m.has_payload());
  EXPECT_EQ(m.reason(), v1::REASON_NOT_TARGETED);
  EXPECT_FALSE(m.in_experiment());
  EXPECT_FALSE(m.used_fallback());

  // The JSON mapping prints variant_index -1 (proto3 omits zeros only).
  std::string json;
  ASSERT_TRUE(pb::util::MessageToJsonString(m, &json).ok());
  EXPECT_THAT(json, HasSubstr("\"variantIndex\":-1"));
}

TEST(AssignmentConvert, UnknownExperiment) {
  v1::Assignment m;
  m.set_variant_key("stale");
  m.mutable_payload()->set_bool_value(true);
  m.set_in_experiment(true);
  UnknownExperimentToProto("nope", &m);
  EXPECT_EQ(m.experiment_key(), "nope");
  EXPECT_EQ(m.variant_key(), "");
  EXPECT_EQ(m.variant_index(), -1);
  EXPECT_FALSE(m.has_payload());
  EXPECT_EQ(m.reason(), v1::REASON_UNKNOWN_EXPERIMENT);
  EXPECT_FALSE(m.in_experiment());
  EXPECT_FALSE(m.used_fallback());
}

TEST(AssignmentConvert, ReasonMapping) {
  const std::vector<std::pair<engine::Reason, v1::Reason>> cases = {
      {engine::Reason::kAssigned, v1::REASON_ASSIGNED},
      {engine::Reason::kNotRunning, v1::REASON_NOT_RUNNING},
      {engine::Reason::kNotTargeted, v1::REASON_NOT_TARGETED},
      {engine::Reason::kNotInCoverage, v1::REASON_NOT_IN_COVERAGE},
      {engine::Reason::kLayerExcluded, v1::REASON_LAYER_EXCLUDED},
      {engine::Reason::kHoldout, v1::REASON_HOLDOUT},
      {engine::Reason::kForced, v1::REASON_FORCED},
      {engine::Reason::kOutsideSchedule, v1::REASON_OUTSIDE_SCHEDULE},
      {engine::Reason::kLaunched, v1::REASON_LAUNCHED},
      {engine::Reason::kMissingUnitId, v1::REASON_MISSING_UNIT_ID},
  };
  for (const auto& [engine_reason, proto] : cases) {
    EXPECT_EQ(ReasonToProto(engine_reason), proto)
        << engine::ReasonName(engine_reason);
  }
}

TEST(PayloadCache, MatchesDirectConversion) {
  auto snap = TestSnapshot();
  ASSERT_NE(snap, nullptr);
  std::unique_ptr<PayloadCache> cache = PayloadCache::Build(*snap);
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->version(), 17);
  for (const engine::CompiledExperiment& e : snap->experiments()) {
    for (int v = 0; v < static_cast<int>(e.def->variants.size()); ++v) {
      SCOPED_TRACE(e.key() + "/" + e.VariantKey(v));
      const engine::Value& payload = e.def->variants[v].payload;
      const pb::Value* cached = cache->Get(e.index, v);
      if (payload.is_null()) {
        EXPECT_EQ(cached, nullptr);
      } else {
        ASSERT_NE(cached, nullptr);
        pb::Value direct;
        ToProtoValue(payload, &direct);
        EXPECT_TRUE(MessageDifferencer::Equals(*cached, direct));
      }

      // The two assignment conversions agree, reused messages included.
      engine::Assignment a;
      a.experiment = &e;
      a.variant = v;
      a.reason = engine::Reason::kAssigned;
      v1::Assignment direct_message;
      ToProto(a, /*include_payload=*/true, &direct_message);
      v1::Assignment cached_message;
      cached_message.mutable_payload()->set_string_value("stale");
      ToProto(a, *cache, &cached_message);
      EXPECT_TRUE(MessageDifferencer::Equals(direct_message, cached_message))
          << direct_message.DebugString() << "\nvs\n"
          << cached_message.DebugString();
    }
  }
  EXPECT_EQ(cache->Get(-1, 0), nullptr);
  EXPECT_EQ(cache->Get(0, -1), nullptr);
  EXPECT_EQ(cache->Get(0, 3), nullptr);
  EXPECT_EQ(cache->Get(2, 0), nullptr);

  engine::Assignment none;
  none.experiment = snap->FindExperiment("draft");
  v1::Assignment m;
  ToProto(none, *cache, &m);
  EXPECT_FALSE(m.has_payload());
  EXPECT_EQ(m.variant_index(), -1);
}

TEST(PayloadCache, EmptySnapshot) {
  absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> snap =
      engine::ConfigSnapshot::Build(engine::Definitions(), 1);
  ASSERT_TRUE(snap.ok());
  std::unique_ptr<PayloadCache> cache = PayloadCache::Build(**snap);
  EXPECT_EQ(cache->Get(0, 0), nullptr);
}

}  // namespace
}  // namespace cxlab::api
