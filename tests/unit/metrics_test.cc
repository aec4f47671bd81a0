// Copyright 2026 The cxlab Authors.

#include "engine/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace cxlab::engine {
namespace {

const absl::Time kExposed = absl::FromUnixSeconds(1700000000);

MetricDef Def(MetricType type) {
  MetricDef d;
  d.key = "m";
  d.type = type;
  d.event = "purchase";
  return d;
}

CompiledMetric Compile(const MetricDef& def) {
  absl::StatusOr<CompiledMetric> m = CompiledMetric::Compile(def);
  EXPECT_TRUE(m.ok()) << m.status();
  return std::move(m).value();
}

MetricEvent Ev(std::string name, double value, absl::Duration after_exposure,
               const Value* props = nullptr) {
  MetricEvent e;
  e.name = std::move(name);
  e.value = value;
  e.time = kExposed + after_exposure;
  e.properties = props;
  return e;
}

SufficientStats Stats(int64_t n, double y, double d = 0, double x = 0) {
  SufficientStats s;
  s.n = n;
  s.sum = y;
  s.sum_sq = y * y;
  s.den_sum = d;
  s.den_sum_sq = d * d;
  s.cross_sum = y * d;
  s.pre_sum = x;
  s.pre_sum_sq = x * x;
  s.pre_cross_sum = x * y;
  return s;
}

// Feeds events to one unit, tracking its state and the cell its deltas build.
class Unit {
 public:
  explicit Unit(const CompiledMetric& m) : m_(m) {}

  SufficientStats Expose(double pre = 0) {
    Transition t = OnExposure(m_, state_, pre);
    Apply(t);
    return t.delta;
  }

  SufficientStats Event(const MetricEvent& e) {
    absl::StatusOr<Transition> t = OnEvent(m_, state_, kExposed, e, groups_);
    EXPECT_TRUE(t.ok()) << t.status();
    if (!t.ok()) return SufficientStats();
    Apply(*t);
    return t->delta;
  }

  const UnitMetricState& state() const { return state_; }
  const SufficientStats& cell() const { return cell_; }
  double y() const { return m_.UnitValue(state_); }
  GroupSet& groups() { return groups_; }

 private:
  void Apply(const Transition& t) {
    EXPECT_EQ(t.delta, Delta(m_, state_, t.state));
    state_ = t.state;
    cell_.Add(t.delta);
    EXPECT_EQ(cell_, Contribution(m_, state_));
  }

  const CompiledMetric& m_;
  GroupSet groups_;
  UnitMetricState state_;
  SufficientStats cell_;
};

// --- Per-type transitions ----------------------------------------------------

TEST(Metrics, Binomial) {
  CompiledMetric m = Compile(Def(MetricType::kBinomial));
  Unit u(m);
  EXPECT_EQ(u.Expose(2), Stats(1, 0, 0, 2));
  EXPECT_TRUE(u.state().counted);
  EXPECT_EQ(u.state().pre, 2);
  SufficientStats d = u.Event(Ev("purchase", 0, absl::Hours(1)));
  SufficientStats expected;
  expected.sum = 1;
  expected.sum_sq = 1;
  expected.pre_cross_sum = 2;  // X·Y moves from 2*0 to 2*1
  EXPECT_EQ(d, expected);
  EXPECT_EQ(u.y(), 1);
  EXPECT_TRUE(u.Event(Ev("purchase", 0, absl::Hours(2))).IsZero());
  EXPECT_EQ(u.state().events, 2);
  EXPECT_EQ(u.cell(), Stats(1, 1, 0, 2));
}

TEST(Metrics, Count) {
  CompiledMetric m = Compile(Def(MetricType::kCount));
  Unit u(m);
  u.Expose();
  EXPECT_EQ(u.Event(Ev("purchase", 99, absl::Minutes(1))).sum_sq, 1);
  EXPECT_EQ(u.Event(Ev("purchase", 99, absl::Minutes(2))).sum_sq, 3);
  SufficientStats d = u.Event(Ev("purchase", 99, absl::Minutes(3)));
  EXPECT_EQ(d.n, 0);
  EXPECT_EQ(d.sum, 1);
  EXPECT_EQ(d.sum_sq, 5);
  EXPECT_EQ(u.y(), 3);
  EXPECT_EQ(u.cell(), Stats(1, 3));
}

TEST(Metrics, CountIgnoresNonFiniteValues) {
  CompiledMetric m = Compile(Def(MetricType::kCount));
  Unit u(m);
  u.Expose();
  u.Event(Ev("purchase", std::nan(""), absl::Minutes(1)));
  EXPECT_EQ(u.y(), 1);
}

TEST(Metrics, MeanWithoutCap) {
  CompiledMetric m = Compile(Def(MetricType::kMean));
  Unit u(m);
  u.Expose(10);
  u.Event(Ev("purchase", 60, absl::Minutes(1)));
  u.Event(Ev("purchase", 70.5, absl::Minutes(2)));
  EXPECT_EQ(u.y(), 130.5);
  EXPECT_EQ(u.cell(), Stats(1, 130.5, 0, 10));
}

TEST(Metrics, ValuePropertyReadsTheNamedEventProperty) {
  MetricDef def = Def(MetricType::kMean);
  def.value_property = "amount";
  CompiledMetric m = Compile(def);
  Unit u(m);
  u.Expose();
  // The property's value counts, not the event's `value`.
  Value with_amount = Value::Object();
  with_amount.Set("amount", Value(42.5));
  MetricEvent e = Ev("purchase", 999, absl::Minutes(1));
  e.properties = &with_amount;
  u.Event(e);
  EXPECT_EQ(u.y(), 42.5);
  // Without the property (or with null) the event carries no value for
  // this metric and does not count.
  MetricEvent bare = Ev("purchase", 999, absl::Minutes(2));
  EXPECT_TRUE(u.Event(bare).IsZero());
  Value null_amount = Value::Object();
  null_amount.Set("amount", Value());
  bare.properties = &null_amount;
  EXPECT_TRUE(u.Event(bare).IsZero());
  EXPECT_EQ(u.state().events, 1);
  // A non-number is rejected, naming the property.
  Value text = Value::Object();
  text.Set("amount", Value(std::string("12")));
  MetricEvent bad = Ev("purchase", 1, absl::Minutes(3));
  bad.properties = &text;
  absl::StatusOr<Transition> t =
      OnEvent(m, u.state(), kExposed, bad, u.groups());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(),
            "properties.amount: must be a number (the metric's "
            "value_property)");
}

TEST(Metrics, MeanCapIsPerUnitAndDeltasStayCorrect) {
  MetricDef def = Def(MetricType::kMean);
  def.cap = 100;
  CompiledMetric m = Compile(def);
  Unit u(m);
  u.Expose();
  EXPECT_EQ(u.Event(Ev("purchase", 60, absl::Minutes(1))), Stats(0, 60));
  SufficientStats d = u.Event(Ev("purchase", 30, absl::Minutes(2)));
  EXPECT_EQ(d.sum, 30);
  EXPECT_EQ(d.sum_sq, 90 * 90 - 60 * 60);
  d = u.Event(Ev("purchase", 50, absl::Minutes(3)));  // raw 140, capped 100
  EXPECT_EQ(d.sum, 10);
  EXPECT_EQ(d.sum_sq, 100 * 100 - 90 * 90);
  EXPECT_TRUE(u.Event(Ev("purchase", 20, absl::Minutes(4))).IsZero());
  EXPECT_EQ(u.state().sum, 160);  // the raw sum is kept
  EXPECT_EQ(u.y(), 100);
  EXPECT_EQ(u.cell(), Stats(1, 100));
  // A refund brings the raw sum back under the cap.
  d = u.Event(Ev("purchase", -80, absl::Minutes(5)));
  EXPECT_EQ(d.sum, -20);
  EXPECT_EQ(u.cell(), Stats(1, 80));
}

TEST(Metrics, MeanRejectsNonFiniteValue) {
  CompiledMetric m = Compile(Def(MetricType::kMean));
  GroupSet groups;
  absl::StatusOr<Transition> t = OnEvent(
      m, UnitMetricState(), kExposed,
      Ev("purchase", std::numeric_limits<double>::infinity(), absl::Minutes(1)),
      groups);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(), "value: must be a finite number, got inf");
}

TEST(Metrics, Ratio) {
  MetricDef def = Def(MetricType::kRatio);
  def.event = "revenue";
  def.denominator_event = "session";
  def.window_hours = 24;
  CompiledMetric m = Compile(def);
  Unit u(m);
  u.Expose(3);
  EXPECT_EQ(u.cell(), Stats(1, 0, 0, 3));
  u.Event(Ev("session", 2, absl::Hours(1)));
  EXPECT_EQ(u.cell(), Stats(1, 0, 2, 3));
  SufficientStats d = u.Event(Ev("revenue", 10, absl::Hours(2)));
  EXPECT_EQ(d.sum, 10);
  EXPECT_EQ(d.cross_sum, 20);
  EXPECT_EQ(d.pre_cross_sum, 30);
  EXPECT_EQ(d.den_sum, 0);
  u.Event(Ev("session", 3, absl::Hours(3)));
  // Denominator events respect the exposure time and the window.
  EXPECT_TRUE(u.Event(Ev("session", 100, absl::Hours(-1))).IsZero());
  EXPECT_TRUE(u.Event(Ev("session", 100, absl::Hours(25))).IsZero());
  EXPECT_EQ(u.state().events, 1);
  EXPECT_EQ(u.state().den_sum, 5);
  EXPECT_EQ(m.UnitDenominator(u.state()), 5);
  EXPECT_EQ(u.cell(), Stats(1, 10, 5, 3));
}

TEST(Metrics, RatioSameEventOnBothSides) {
  MetricDef def = Def(MetricType::kRatio);
  def.denominator_event = "purchase";
  CompiledMetric m = Compile(def);
  Unit u(m);
  u.Expose();
  u.Event(Ev("purchase", 4, absl::Hours(1)));
  EXPECT_EQ(u.cell(), Stats(1, 4, 4));
}

TEST(Metrics, Nps) {
  CompiledMetric m = Compile(Def(MetricType::kNps));
  Unit u(m);
  // Exposure stores X but does not count the unit until it answers.
  EXPECT_TRUE(u.Expose(0.5).IsZero());
  EXPECT_FALSE(u.state().counted);
  EXPECT_EQ(u.state().pre, 0.5);
  EXPECT_EQ(u.Event(Ev("purchase", 10, absl::Hours(1))), Stats(1, 1, 0, 0.5));
  SufficientStats d = u.Event(Ev("purchase", 6, absl::Hours(2)));  // -1
  EXPECT_EQ(d.n, 0);
  EXPECT_EQ(d.sum, -1);  // mean 0
  EXPECT_EQ(d.sum_sq, -1);
  EXPECT_EQ(d.pre_cross_sum, -0.5);
  u.Event(Ev("purchase", 8, absl::Hours(3)));  // 0
  u.Event(Ev("purchase", 9, absl::Hours(4)));  // +1
  EXPECT_EQ(u.state().events, 4);
  EXPECT_EQ(u.state().sum, 1);
  EXPECT_EQ(u.y(), 0.25);
  EXPECT_EQ(u.cell(), Stats(1, 0.25, 0, 0.5));
}

TEST(Metrics, NpsMapping) {
  CompiledMetric m = Compile(Def(MetricType::kNps));
  const double expected[] = {-1, -1, -1, -1, -1, -1, -1, 0, 0, 1, 1};
  for (int v = 0; v <= 10; ++v) {
    absl::StatusOr<double> mapped = m.MapValue(v);
    ASSERT_TRUE(mapped.ok()) << v;
    EXPECT_EQ(*mapped, expected[v]) << v;
  }
}

TEST(Metrics, SurveyValidationMessages) {
  struct Case {
    MetricType type;
    std::optional<double> lo, hi;
    double raw;
    std::string message;
  };
  // clang-format off
  const Case cases[] = {
      {MetricType::kNps, {}, {}, 11,
       "value: NPS answers must be integers 0-10, got 11"},
      {MetricType::kNps, {}, {}, -1,
       "value: NPS answers must be integers 0-10, got -1"},
      {MetricType::kNps, {}, {}, 7.5,
       "value: NPS answers must be integers 0-10, got 7.5"},
      {MetricType::kNps, {}, {}, std::nan(""),
       "value: NPS answers must be integers 0-10, got nan"},
      {MetricType::kCsat, {}, {}, 0,
       "value: CSAT answers must be integers 1-5, got 0"},
      {MetricType::kCsat, {}, {}, 6,
       "value: CSAT answers must be integers 1-5, got 6"},
      {MetricType::kCsat, {}, {}, 4.5,
       "value: CSAT answers must be integers 1-5, got 4.5"},
      {MetricType::kCes, 1.0, 7.0, 8,
       "value: CES answers must be within [1, 7], got 8"},
      {MetricType::kCes, 1.0, 7.0, 0.5,
       "value: CES answers must be within [1, 7], got 0.5"},
      {MetricType::kScore, 0.0, {}, -2,
       "value: score answers must be >= 0, got -2"},
      {MetricType::kScore, {}, 100.0, 101,
       "value: score answers must be <= 100, got 101"},
      {MetricType::kScore, {}, {}, std::numeric_limits<double>::infinity(),
       "value: score answers must be finite numbers, got inf"},
      {MetricType::kDuration, {}, {}, -3,
       "value: durations must be finite seconds >= 0, got -3"},
  };
  // clang-format on
  for (const Case& c : cases) {
    MetricDef def = Def(c.type);
    def.scale_min = c.lo;
    def.scale_max = c.hi;
    CompiledMetric m = Compile(def);
    absl::StatusOr<double> mapped = m.MapValue(c.raw);
    EXPECT_EQ(mapped.status().code(), absl::StatusCode::kInvalidArgument)
        << c.message;
    EXPECT_EQ(mapped.status().message(), c.message);
    // OnEvent reports the same error and applies nothing.
    GroupSet groups;
    UnitMetricState before;
    before.pre = 1;
    absl::StatusOr<Transition> t = OnEvent(
        m, before, kExposed, Ev("purchase", c.raw, absl::Hours(1)), groups);
    EXPECT_EQ(t.status().message(), c.message);
  }
}

TEST(Metrics, SurveyValidValuesAtBounds) {
  MetricDef def = Def(MetricType::kCes);
  def.scale_min = 1;
  def.scale_max = 7;
  CompiledMetric ces = Compile(def);
  EXPECT_EQ(*ces.MapValue(1), 1);
  EXPECT_EQ(*ces.MapValue(7), 7);
  EXPECT_EQ(*ces.MapValue(3.5), 3.5);
  CompiledMetric score = Compile(Def(MetricType::kScore));
  EXPECT_EQ(*score.MapValue(-1e9), -1e9);
  CompiledMetric duration = Compile(Def(MetricType::kDuration));
  EXPECT_EQ(*duration.MapValue(0), 0);
  CompiledMetric csat = Compile(Def(MetricType::kCsat));
  EXPECT_EQ(*csat.MapValue(1), 0);
  EXPECT_EQ(*csat.MapValue(3), 0);
  EXPECT_EQ(*csat.MapValue(4), 1);
  EXPECT_EQ(*csat.MapValue(5), 1);
}

TEST(Metrics, Csat) {
  CompiledMetric m = Compile(Def(MetricType::kCsat));
  Unit u(m);
  u.Expose();
  EXPECT_FALSE(u.state().counted);
  u.Event(Ev("purchase", 5, absl::Hours(1)));
  EXPECT_EQ(u.cell(), Stats(1, 1));
  u.Event(Ev("purchase", 3, absl::Hours(2)));
  EXPECT_EQ(u.y(), 0.5);
  EXPECT_EQ(u.cell(), Stats(1, 0.5));
}

TEST(Metrics, CesAndScoreAreMeansOfAnswers) {
  for (MetricType type : {MetricType::kCes, MetricType::kScore}) {
    MetricDef def = Def(type);
    def.scale_min = 1;
    def.scale_max = 7;
    CompiledMetric m = Compile(def);
    Unit u(m);
    u.Expose(4);
    u.Event(Ev("purchase", 2, absl::Hours(1)));
    u.Event(Ev("purchase", 5, absl::Hours(2)));
    EXPECT_EQ(u.y(), 3.5);
    EXPECT_EQ(u.cell(), Stats(1, 3.5, 0, 4));
  }
}

TEST(Metrics, Duration) {
  CompiledMetric m = Compile(Def(MetricType::kDuration));
  Unit u(m);
  u.Expose();
  EXPECT_EQ(u.cell(), SufficientStats());
  u.Event(Ev("purchase", 120, absl::Hours(1)));
  u.Event(Ev("purchase", 60, absl::Hours(2)));
  EXPECT_EQ(u.y(), 90);
  EXPECT_EQ(u.cell(), Stats(1, 90));
}

TEST(Metrics, SurveyAnswerBeforeExposureDoesNotCount) {
  CompiledMetric m = Compile(Def(MetricType::kNps));
  Unit u(m);
  u.Expose();
  EXPECT_TRUE(u.Event(Ev("purchase", 10, absl::Seconds(-1))).IsZero());
  EXPECT_FALSE(u.state().counted);
  EXPECT_EQ(u.state().events, 0);
}

TEST(Metrics, RetentionThreshold) {
  MetricDef def = Def(MetricType::kRetention);
  def.event = "visit";
  def.retention_hours = 24;
  CompiledMetric m = Compile(def);
  Unit u(m);
  EXPECT_EQ(u.Expose(1), Stats(1, 0, 0, 1));
  EXPECT_TRUE(u.Event(Ev("visit", 0, absl::Hours(1))).IsZero());
  EXPECT_TRUE(
      u.Event(Ev("visit", 0, absl::Hours(24) - absl::Nanoseconds(1))).IsZero());
  EXPECT_FALSE(u.state().retained);
  EXPECT_EQ(u.y(), 0);
  SufficientStats d = u.Event(Ev("visit", 0, absl::Hours(24)));  // exactly
  EXPECT_TRUE(u.state().retained);
  EXPECT_EQ(d.n, 0);
  EXPECT_EQ(d.sum, 1);
  EXPECT_EQ(d.pre_cross_sum, 1);
  EXPECT_TRUE(u.Event(Ev("visit", 0, absl::Hours(30))).IsZero());
  EXPECT_EQ(u.cell(), Stats(1, 1, 0, 1));
}

TEST(Metrics, RetentionRespectsWindow) {
  MetricDef def = Def(MetricType::kRetention);
  def.retention_hours = 24;
  def.window_hours = 48;
  CompiledMetric m = Compile(def);
  Unit u(m);
  u.Expose();
  EXPECT_TRUE(u.Event(Ev("purchase", 0, absl::Hours(49))).IsZero());
  EXPECT_FALSE(u.state().retained);
  u.Event(Ev("purchase", 0, absl::Hours(48)));
  EXPECT_TRUE(u.state().retained);
}

// --- Windows -----------------------------------------------------------------

TEST(Metrics, WindowBoundaries) {
  MetricDef def = Def(MetricType::kCount);
  def.window_hours = 2;
  CompiledMetric m = Compile(def);
  GroupSet groups;
  UnitMetricState exposed = OnExposure(m, UnitMetricState(), 0).state;
  struct Case {
    absl::Duration at;
    bool counts;
  };
  const Case cases[] = {
      {absl::Hours(-1), false},
      {-absl::Nanoseconds(1), false},
      {absl::ZeroDuration(), true},
      {absl::Hours(1), true},
      {absl::Hours(2), true},
      {absl::Hours(2) + absl::Nanoseconds(1), false},
      {absl::Hours(100), false},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Transition> t =
        OnEvent(m, exposed, kExposed, Ev("purchase", 1, c.at), groups);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->state.events, c.counts ? 1 : 0) << c.at;
    EXPECT_EQ(t->delta.IsZero(), !c.counts) << c.at;
    if (!c.counts) {
      EXPECT_EQ(t->state, exposed);
    }
  }
}

TEST(Metrics, FractionalWindow) {
  MetricDef def = Def(MetricType::kBinomial);
  def.window_hours = 0.5;
  CompiledMetric m = Compile(def);
  Unit u(m);
  u.Expose();
  EXPECT_TRUE(u.Event(Ev("purchase", 0, absl::Minutes(31))).IsZero());
  EXPECT_FALSE(u.Event(Ev("purchase", 0, absl::Minutes(30))).IsZero());
}

TEST(Metrics, NoWindowCountsForever) {
  CompiledMetric m = Compile(Def(MetricType::kCount));
  Unit u(m);
  u.Expose();
  u.Event(Ev("purchase", 0, absl::Hours(24 * 365 * 5)));
  EXPECT_EQ(u.y(), 1);
}

// --- Matching ----------------------------------------------------------------

TEST(Metrics, FilterMatchesProperties) {
  MetricDef def = Def(MetricType::kCount);
  def.filter = Value::Object();
  Value in = Value::Array();
  in.Append(Value("pro"));
  in.Append(Value("team"));
  Value op = Value::Object();
  op.Set("$in", in);
  def.filter.Set("plan", op);
  CompiledMetric m = Compile(def);
  GroupSet groups;

  Value pro = Value::Object();
  pro.Set("plan", Value("pro"));
  Value free = Value::Object();
  free.Set("plan", Value("free"));
  EXPECT_TRUE(
      m.MatchesNumerator(Ev("purchase", 0, absl::Hours(1), &pro), groups));
  EXPECT_FALSE(
      m.MatchesNumerator(Ev("purchase", 0, absl::Hours(1), &free), groups));
  EXPECT_FALSE(m.MatchesNumerator(Ev("purchase", 0, absl::Hours(1)), groups));
  EXPECT_FALSE(
      m.MatchesNumerator(Ev("checkout", 0, absl::Hours(1), &pro), groups));

  Unit u(m);
  u.Expose();
  EXPECT_TRUE(u.Event(Ev("purchase", 0, absl::Hours(1), &free)).IsZero());
  EXPECT_TRUE(u.Event(Ev("checkout", 0, absl::Hours(1), &pro)).IsZero());
  EXPECT_EQ(u.state().events, 0);
  u.Event(Ev("purchase", 0, absl::Hours(1), &pro));
  EXPECT_EQ(u.state().events, 1);
}

TEST(Metrics, EmptyFilterMatchesAnyPropertiesButOnlyTheName) {
  CompiledMetric m = Compile(Def(MetricType::kBinomial));
  GroupSet groups;
  Value props = Value::Object();
  props.Set("x", Value(1));
  EXPECT_TRUE(m.MatchesNumerator(Ev("purchase", 0, absl::Hours(1)), groups));
  EXPECT_TRUE(
      m.MatchesNumerator(Ev("purchase", 0, absl::Hours(1), &props), groups));
  EXPECT_FALSE(m.MatchesNumerator(Ev("Purchase", 0, absl::Hours(1)), groups));
  EXPECT_FALSE(m.MatchesNumerator(Ev("", 0, absl::Hours(1)), groups));
  EXPECT_FALSE(m.MatchesDenominator(Ev("purchase", 0, absl::Hours(1))));
}

TEST(Metrics, FilterUsesGroups) {
  MetricDef def = Def(MetricType::kCount);
  def.filter = Value::Object();
  Value op = Value::Object();
  op.Set("$inGroup", Value("vip_skus"));
  def.filter.Set("sku", op);
  CompiledMetric m = Compile(def);
  GroupSet groups;
  groups.Add("vip_skus", {Value("sku-1")});
  Value vip = Value::Object();
  vip.Set("sku", Value("sku-1"));
  Value other = Value::Object();
  other.Set("sku", Value("sku-2"));
  EXPECT_TRUE(
      m.MatchesNumerator(Ev("purchase", 0, absl::Hours(1), &vip), groups));
  EXPECT_FALSE(
      m.MatchesNumerator(Ev("purchase", 0, absl::Hours(1), &other), groups));
}

TEST(Metrics, DenominatorOnlyForRatio) {
  MetricDef def = Def(MetricType::kCount);
  def.denominator_event = "session";
  EXPECT_FALSE(Compile(def).MatchesDenominator(Ev("session", 1, {})));
  def.type = MetricType::kRatio;
  EXPECT_TRUE(Compile(def).MatchesDenominator(Ev("session", 1, {})));
  EXPECT_FALSE(Compile(def).MatchesDenominator(Ev("purchase", 1, {})));
}

TEST(Metrics, RatioDenominatorRejectsNonFinite) {
  MetricDef def = Def(MetricType::kRatio);
  def.denominator_event = "session";
  CompiledMetric m = Compile(def);
  GroupSet groups;
  absl::StatusOr<Transition> t =
      OnEvent(m, UnitMetricState(), kExposed,
              Ev("session", std::nan(""), absl::Hours(1)), groups);
  EXPECT_EQ(t.status().message(), "value: must be a finite number, got nan");
}

TEST(Metrics, BadFilterIsInvalidArgumentUnderFilter) {
  MetricDef def = Def(MetricType::kCount);
  def.filter = Value::Object();
  Value op = Value::Object();
  op.Set("$in", Value(3));
  def.filter.Set("plan", op);
  absl::StatusOr<CompiledMetric> m = CompiledMetric::Compile(def);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message().substr(0, 12), "filter.plan.") << m.status();

  def.filter = Value::Object();
  op = Value::Object();
  op.Set("$bogus", Value(1));
  def.filter.Set("plan", op);
  m = CompiledMetric::Compile(def);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message().substr(0, 11), "filter.plan") << m.status();
  EXPECT_NE(m.status().message().find("unknown operator $bogus"),
            absl::string_view::npos)
      << m.status();
}

TEST(Metrics, CompiledKeepsDefinition) {
  MetricDef def = Def(MetricType::kMean);
  def.cap = 5;
  CompiledMetric m = Compile(def);
  EXPECT_EQ(m.def().key, "m");
  EXPECT_EQ(m.def().type, MetricType::kMean);
  EXPECT_EQ(*m.def().cap, 5);
  CompiledMetric moved = std::move(m);
  EXPECT_EQ(moved.def().event, "purchase");
}

TEST(Metrics, IsCountedOnExposure) {
  EXPECT_TRUE(IsCountedOnExposure(MetricType::kBinomial));
  EXPECT_TRUE(IsCountedOnExposure(MetricType::kCount));
  EXPECT_TRUE(IsCountedOnExposure(MetricType::kMean));
  EXPECT_TRUE(IsCountedOnExposure(MetricType::kRatio));
  EXPECT_TRUE(IsCountedOnExposure(MetricType::kRetention));
  EXPECT_FALSE(IsCountedOnExposure(MetricType::kNps));
  EXPECT_FALSE(IsCountedOnExposure(MetricType::kCsat));
  EXPECT_FALSE(IsCountedOnExposure(MetricType::kCes));
  EXPECT_FALSE(IsCountedOnExposure(MetricType::kScore));
  EXPECT_FALSE(IsCountedOnExposure(MetricType::kDuration));
}

// --- Contribution / Delta ----------------------------------------------------

TEST(Metrics, ContributionOfUncountedIsZero) {
  CompiledMetric m = Compile(Def(MetricType::kMean));
  UnitMetricState s;
  s.events = 3;
  s.sum = 10;
  s.pre = 4;
  EXPECT_TRUE(Contribution(m, s).IsZero());
  s.counted = true;
  EXPECT_EQ(Contribution(m, s), Stats(1, 10, 0, 4));
  UnitMetricState none;
  EXPECT_EQ(Delta(m, none, s), Stats(1, 10, 0, 4));
  SufficientStats back = Delta(m, s, none);
  back.Add(Delta(m, none, s));
  EXPECT_TRUE(back.IsZero());
}

void ExpectNear(const SufficientStats& a, const SufficientStats& b,
                const std::string& what) {
  auto near = [](double x, double y) {
    return std::fabs(x - y) <=
           1e-9 * std::max({1.0, std::fabs(x), std::fabs(y)});
  };
  EXPECT_EQ(a.n, b.n) << what;
  EXPECT_TRUE(near(a.sum, b.sum)) << what << " " << a.sum << " " << b.sum;
  EXPECT_TRUE(near(a.sum_sq, b.sum_sq)) << what;
  EXPECT_TRUE(near(a.den_sum, b.den_sum)) << what;
  EXPECT_TRUE(near(a.den_sum_sq, b.den_sum_sq)) << what;
  EXPECT_TRUE(near(a.cross_sum, b.cross_sum)) << what;
  EXPECT_TRUE(near(a.pre_sum, b.pre_sum)) << what;
  EXPECT_TRUE(near(a.pre_sum_sq, b.pre_sum_sq)) << what;
  EXPECT_TRUE(near(a.pre_cross_sum, b.pre_cross_sum)) << what;
}

// A valid random value for `type`'s numerator.
double RandomValue(MetricType type, std::mt19937* rng) {
  switch (type) {
    case MetricType::kNps:
      return std::uniform_int_distribution<int>(0, 10)(*rng);
    case MetricType::kCsat:
      return std::uniform_int_distribution<int>(1, 5)(*rng);
    case MetricType::kCes:
    case MetricType::kScore:
      return std::uniform_real_distribution<double>(1, 7)(*rng);
    case MetricType::kDuration:
      return std::uniform_real_distribution<double>(0, 3600)(*rng);
    default:
      return std::uniform_real_distribution<double>(-20, 100)(*rng);
  }
}

TEST(Metrics, DeltasSumToContributionOfFinalStateForEveryType) {
  const MetricType kTypes[] = {MetricType::kBinomial, MetricType::kCount,
                               MetricType::kMean,     MetricType::kRatio,
                               MetricType::kNps,      MetricType::kCsat,
                               MetricType::kCes,      MetricType::kScore,
                               MetricType::kDuration, MetricType::kRetention};
  std::mt19937 rng(20260101);
  const char* kNames[] = {"purchase", "session", "other"};
  Value pro = Value::Object();
  pro.Set("plan", Value("pro"));
  Value free = Value::Object();
  free.Set("plan", Value("free"));
  const Value* kProps[] = {nullptr, &pro, &free};
  GroupSet groups;
  for (MetricType type : kTypes) {
    for (int variant = 0; variant < 4; ++variant) {
      MetricDef def = Def(type);
      def.scale_min = 1;
      def.scale_max = 7;
      def.denominator_event = "session";
      def.retention_hours = 12;
      if (variant & 1) def.window_hours = 36;
      if (variant & 2) {
        def.cap = 150;
        def.filter = Value::Object();
        def.filter.Set("plan", Value("pro"));
      }
      CompiledMetric m = Compile(def);
      for (int unit = 0; unit < 50; ++unit) {
        const std::string what = absl::StrCat(MetricTypeName(type), " variant ",
                                              variant, " unit ", unit);
        SufficientStats cell;
        double pre = std::uniform_real_distribution<double>(0, 50)(rng);
        Transition t = OnExposure(m, UnitMetricState(), pre);
        cell.Add(t.delta);
        UnitMetricState state = t.state;
        int events = std::uniform_int_distribution<int>(0, 30)(rng);
        for (int i = 0; i < events; ++i) {
          MetricEvent e;
          e.name = kNames[std::uniform_int_distribution<int>(0, 2)(rng)];
          e.value = RandomValue(type, &rng);
          e.time = kExposed + absl::Minutes(std::uniform_int_distribution<int>(
                                  -600, 3600)(rng));
          e.properties = kProps[std::uniform_int_distribution<int>(0, 2)(rng)];
          absl::StatusOr<Transition> next =
              OnEvent(m, state, kExposed, e, groups);
          ASSERT_TRUE(next.ok()) << what << ": " << next.status();
          EXPECT_EQ(next->delta, Delta(m, state, next->state)) << what;
          cell.Add(next->delta);
          state = next->state;
        }
        ExpectNear(cell, Contribution(m, state), what);
        EXPECT_EQ(cell.n, IsCountedOnExposure(type) || state.events > 0 ? 1 : 0)
            << what;
      }
    }
  }
}

TEST(Metrics, ManyUnitsCellEqualsSumOfContributions) {
  MetricDef def = Def(MetricType::kMean);
  def.cap = 60;
  CompiledMetric m = Compile(def);
  std::mt19937 rng(7);
  GroupSet groups;
  std::vector<UnitMetricState> units(20);
  SufficientStats cell;
  for (UnitMetricState& u : units) {
    Transition t =
        OnExposure(m, u, std::uniform_int_distribution<int>(0, 9)(rng));
    cell.Add(t.delta);
    u = t.state;
  }
  // Interleave events across units in random order; integer values keep the
  // arithmetic exact, so the cell must equal the recompute exactly.
  for (int i = 0; i < 500; ++i) {
    UnitMetricState& u =
        units[std::uniform_int_distribution<size_t>(0, units.size() - 1)(rng)];
    absl::StatusOr<Transition> t =
        OnEvent(m, u, kExposed,
                Ev("purchase", std::uniform_int_distribution<int>(-5, 20)(rng),
                   absl::Minutes(i)),
                groups);
    ASSERT_TRUE(t.ok());
    cell.Add(t->delta);
    u = t->state;
  }
  SufficientStats recompute;
  for (const UnitMetricState& u : units) recompute.Add(Contribution(m, u));
  EXPECT_EQ(cell, recompute);
  EXPECT_EQ(cell.n, 20);
}

// --- SufficientStats ---------------------------------------------------------

SufficientStats RandomStats(std::mt19937* rng, bool integers) {
  std::uniform_real_distribution<double> real(-1e6, 1e6);
  std::uniform_int_distribution<int> whole(-1000000, 1000000);
  auto draw = [&] { return integers ? whole(*rng) : real(*rng); };
  SufficientStats s;
  s.n = std::uniform_int_distribution<int64_t>(-1000, 1000000)(*rng);
  s.sum = draw();
  s.sum_sq = draw();
  s.den_sum = draw();
  s.den_sum_sq = draw();
  s.cross_sum = draw();
  s.pre_sum = draw();
  s.pre_sum_sq = draw();
  s.pre_cross_sum = draw();
  return s;
}

SufficientStats Sum(SufficientStats a, const SufficientStats& b) {
  a.Add(b);
  return a;
}

TEST(SufficientStats, AddIsCommutativeAndAssociative) {
  std::mt19937 rng(42);
  for (int i = 0; i < 1000; ++i) {
    // Commutativity holds exactly for any doubles.
    SufficientStats a = RandomStats(&rng, false);
    SufficientStats b = RandomStats(&rng, false);
    SufficientStats c = RandomStats(&rng, false);
    EXPECT_EQ(Sum(a, b), Sum(b, a));
    ExpectNear(Sum(Sum(a, b), c), Sum(a, Sum(b, c)), "real");
    // Associativity is exact when no rounding happens (integers).
    a = RandomStats(&rng, true);
    b = RandomStats(&rng, true);
    c = RandomStats(&rng, true);
    EXPECT_EQ(Sum(Sum(a, b), c), Sum(a, Sum(b, c)));
    EXPECT_EQ(Sum(Sum(a, b), c), Sum(Sum(c, a), b));
  }
}

TEST(SufficientStats, ZeroIsIdentity) {
  std::mt19937 rng(1);
  SufficientStats a = RandomStats(&rng, false);
  EXPECT_EQ(Sum(a, SufficientStats()), a);
  EXPECT_TRUE(SufficientStats().IsZero());
  EXPECT_FALSE(a.IsZero());
  SufficientStats only_n;
  only_n.n = 1;
  EXPECT_FALSE(only_n.IsZero());
  SufficientStats only_pre;
  only_pre.pre_cross_sum = -0.5;
  EXPECT_FALSE(only_pre.IsZero());
}

TEST(SufficientStats, EncodeDecodeRoundTrip) {
  std::mt19937 rng(3);
  for (int i = 0; i < 200; ++i) {
    SufficientStats a = RandomStats(&rng, i % 2 == 0);
    std::string bytes = a.Encode();
    EXPECT_EQ(bytes.size(), SufficientStats::kEncodedSize);
    SufficientStats b;
    ASSERT_TRUE(SufficientStats::Decode(bytes, &b));
    EXPECT_EQ(a, b);
  }
  SufficientStats extreme;
  extreme.n = std::numeric_limits<int64_t>::min();
  extreme.sum = std::numeric_limits<double>::max();
  extreme.sum_sq = std::numeric_limits<double>::denorm_min();
  extreme.pre_sum = -0.0;
  SufficientStats back;
  ASSERT_TRUE(SufficientStats::Decode(extreme.Encode(), &back));
  EXPECT_EQ(back, extreme);
  EXPECT_TRUE(std::signbit(back.pre_sum));
}

TEST(SufficientStats, EncodingIsLittleEndianAndPinned) {
  SufficientStats s;
  s.n = 0x0102;
  s.sum = 1.0;             // 0x3ff0000000000000
  s.pre_cross_sum = -2.0;  // 0xc000000000000000
  std::string bytes = s.Encode();
  ASSERT_EQ(bytes.size(), 73u);
  EXPECT_EQ(bytes[0], '\x01');
  EXPECT_EQ(bytes.substr(1, 8), std::string("\x02\x01\0\0\0\0\0\0", 8));
  EXPECT_EQ(bytes.substr(9, 8), std::string("\0\0\0\0\0\0\xf0\x3f", 8));
  EXPECT_EQ(bytes.substr(17, 48), std::string(48, '\0'));
  EXPECT_EQ(bytes.substr(65, 8), std::string("\0\0\0\0\0\0\0\xc0", 8));
  EXPECT_EQ(SufficientStats().Encode(),
            std::string("\x01", 1) + std::string(72, '\0'));
}

TEST(SufficientStats, DecodeRejectsBadInput) {
  SufficientStats out;
  std::string good = Stats(3, 2.5, 1, 4).Encode();
  EXPECT_FALSE(SufficientStats::Decode("", &out));
  EXPECT_FALSE(SufficientStats::Decode(good.substr(0, 72), &out));
  EXPECT_FALSE(SufficientStats::Decode(good + '\0', &out));
  std::string bad_version = good;
  bad_version[0] = '\x02';
  EXPECT_FALSE(SufficientStats::Decode(bad_version, &out));
  bad_version[0] = '\0';
  EXPECT_FALSE(SufficientStats::Decode(bad_version, &out));
  // A unit state is not a SufficientStats.
  EXPECT_FALSE(SufficientStats::Decode(UnitMetricState().Encode(), &out));
  ASSERT_TRUE(SufficientStats::Decode(good, &out));
  EXPECT_EQ(out, Stats(3, 2.5, 1, 4));
}

// --- UnitMetricState ---------------------------------------------------------

TEST(UnitMetricState, EncodeDecodeRoundTrip) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> real(-1e3, 1e3);
  for (int i = 0; i < 200; ++i) {
    UnitMetricState a;
    a.counted = (i & 1) != 0;
    a.retained = (i & 2) != 0;
    a.events = std::uniform_int_distribution<int64_t>(0, 1LL << 40)(rng);
    a.sum = real(rng);
    a.den_sum = real(rng);
    a.pre = real(rng);
    std::string bytes = a.Encode();
    EXPECT_EQ(bytes.size(), UnitMetricState::kEncodedSize);
    UnitMetricState b;
    ASSERT_TRUE(UnitMetricState::Decode(bytes, &b));
    EXPECT_EQ(a, b);
  }
}

TEST(UnitMetricState, EncodingIsPinned) {
  UnitMetricState s;
  s.counted = true;
  s.retained = true;
  s.events = 5;
  s.pre = 1.0;
  std::string bytes = s.Encode();
  ASSERT_EQ(bytes.size(), 34u);
  EXPECT_EQ(bytes.substr(0, 2), std::string("\x01\x03", 2));
  EXPECT_EQ(bytes.substr(2, 8), std::string("\x05\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(bytes.substr(10, 16), std::string(16, '\0'));
  EXPECT_EQ(bytes.substr(26, 8), std::string("\0\0\0\0\0\0\xf0\x3f", 8));
}

TEST(UnitMetricState, DecodeRejectsBadInput) {
  UnitMetricState s;
  s.counted = true;
  s.events = 2;
  std::string good = s.Encode();
  UnitMetricState out;
  EXPECT_FALSE(UnitMetricState::Decode("", &out));
  EXPECT_FALSE(UnitMetricState::Decode(good.substr(0, 33), &out));
  EXPECT_FALSE(UnitMetricState::Decode(good + 'x', &out));
  std::string bad = good;
  bad[0] = '\x07';
  EXPECT_FALSE(UnitMetricState::Decode(bad, &out));
  bad = good;
  bad[1] = '\x04';  // unknown flag bit
  EXPECT_FALSE(UnitMetricState::Decode(bad, &out));
  EXPECT_FALSE(UnitMetricState::Decode(SufficientStats().Encode(), &out));
  ASSERT_TRUE(UnitMetricState::Decode(good, &out));
  EXPECT_EQ(out, s);
}

TEST(UnitMetricState, EqualityComparesEveryField) {
  UnitMetricState a;
  EXPECT_EQ(a, UnitMetricState());
  UnitMetricState b = a;
  b.retained = true;
  EXPECT_NE(a, b);
  b = a;
  b.den_sum = 1;
  EXPECT_NE(a, b);
  b = a;
  b.pre = 1;
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace cxlab::engine
