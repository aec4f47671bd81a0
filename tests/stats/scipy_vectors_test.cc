// Copyright 2026 The cxlab Authors.
//
// engine/stats against scipy: scipy_vectors.json holds random sufficient
// statistics and the answers numpy/scipy compute from the raw unit data
// (tests/stats/gen_fixtures.py). Every number must agree to 1e-9 relative
// (relative to the standard error for estimates and interval bounds, which
// may sit near 0).

#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/definitions.h"
#include "engine/json.h"
#include "engine/stats/analysis.h"
#include "engine/stats/bayesian.h"
#include "engine/stats/frequentist.h"
#include "engine/stats/moments.h"
#include "engine/stats/multiple_testing.h"
#include "engine/stats/power.h"
#include "engine/stats/sequential.h"
#include "engine/stats/srm.h"
#include "gtest/gtest.h"

namespace cxlab::engine::stats {
namespace {

constexpr double kRelTol = 1e-9;

const Value& Vectors() {
  static const Value* const vectors = [] {
    std::ifstream in(CXLAB_STATS_VECTORS);
    EXPECT_TRUE(in.good()) << "cannot read " << CXLAB_STATS_VECTORS;
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<Value> v = ParseJson(text.str());
    EXPECT_TRUE(v.ok()) << v.status();
    return new Value(v.ok() ? *std::move(v) : Value::Object());
  }();
  return *vectors;
}

const Value::ArrayType& Cases(absl::string_view key) {
  static const Value::ArrayType kEmpty;
  const Value* list = Vectors().Find(key);
  EXPECT_TRUE(list != nullptr && list->is_array()) << key;
  return list != nullptr && list->is_array() ? list->items() : kEmpty;
}

const Value& Get(const Value& v, absl::string_view key) {
  static const Value kNull;
  const Value* f = v.Find(key);
  EXPECT_NE(f, nullptr) << "missing key " << key;
  return f != nullptr ? *f : kNull;
}

double Num(const Value& v, absl::string_view key) {
  return Get(v, key).as_number();
}

// |actual - expected| <= 1e-9 max(|expected|, scale).
void ExpectClose(std::optional<double> actual, const Value& expected,
                 double scale, absl::string_view what) {
  if (expected.is_null()) {
    EXPECT_FALSE(actual.has_value()) << what << " should be unset";
    return;
  }
  ASSERT_TRUE(actual.has_value()) << what << " is unset";
  const double e = expected.as_number();
  EXPECT_NEAR(*actual, e, kRelTol * std::fmax(std::fabs(e), scale) + 1e-300)
      << what;
}

void ExpectInterval(const std::optional<Interval>& ci, const Value& expected,
                    double scale, absl::string_view what) {
  ASSERT_TRUE(ci.has_value()) << what << " unset";
  ASSERT_EQ(expected.items().size(), 2u);
  ExpectClose(ci->lower, expected.items()[0], scale,
              std::string(what) + ".lower");
  ExpectClose(ci->upper, expected.items()[1], scale,
              std::string(what) + ".upper");
}

// Compares every field `expected` has with `actual`.
void ExpectEstimate(const EffectEstimate& actual, const Value& expected,
                    absl::string_view what) {
  const std::string w(what);
  const double se = Num(expected, "std_error");
  ExpectClose(actual.effect, Get(expected, "effect"), se, w + ".effect");
  ExpectClose(actual.std_error, Get(expected, "std_error"), 0,
              w + ".std_error");
  ExpectInterval(actual.ci, Get(expected, "ci"), se, w + ".ci");
  if (expected.Find("dof") != nullptr) {
    ExpectClose(actual.dof, Get(expected, "dof"), 0, w + ".dof");
  }
  if (expected.Find("p_value") != nullptr) {
    ExpectClose(actual.p_value, Get(expected, "p_value"), 0, w + ".p_value");
  } else {
    EXPECT_FALSE(actual.p_value.has_value()) << w;
  }
  if (expected.Find("chance_to_win") != nullptr) {
    ExpectClose(actual.chance_to_win, Get(expected, "chance_to_win"), 0,
                w + ".chance_to_win");
    ExpectClose(actual.risk_control, Get(expected, "risk_control"), se,
                w + ".risk_control");
    ExpectClose(actual.risk_treatment, Get(expected, "risk_treatment"), se,
                w + ".risk_treatment");
  }
  EXPECT_TRUE(actual.warnings.empty())
      << w << ": " << actual.warnings.front().message;
}

SufficientStats CellOf(const Value& v) {
  SufficientStats s;
  s.n = static_cast<int64_t>(Num(v, "n"));
  s.sum = Num(v, "sum");
  s.sum_sq = Num(v, "sum_sq");
  s.den_sum = Num(v, "den_sum");
  s.den_sum_sq = Num(v, "den_sum_sq");
  s.cross_sum = Num(v, "cross_sum");
  s.pre_sum = Num(v, "pre_sum");
  s.pre_sum_sq = Num(v, "pre_sum_sq");
  s.pre_cross_sum = Num(v, "pre_cross_sum");
  return s;
}

Alternative AlternativeOf(const std::string& name) {
  if (name == "greater") return Alternative::kGreater;
  if (name == "less") return Alternative::kLess;
  return Alternative::kTwoSided;
}

// Everything a Welch-vector case describes.
struct WelchCase {
  std::string name;
  MetricType type = MetricType::kBinomial;
  double alpha = 0.05;
  Alternative alternative = Alternative::kTwoSided;
  bool cuped = false;
  double tuning = 5000;
  Prior prior;
  MetricDirection direction = MetricDirection::kHigher;
  std::vector<SufficientStats> cells;
  // The same settings as each test's options.
  FrequentistOptions frequentist;
  SequentialOptions sequential;
  BayesianOptions bayesian;
};

WelchCase ParseWelchCase(const Value& c) {
  WelchCase w;
  w.name = Get(c, "name").as_string();
  absl::StatusOr<MetricType> type = ParseMetricType(Get(c, "type").as_string());
  EXPECT_TRUE(type.ok()) << type.status();
  w.type = type.value_or(MetricType::kBinomial);
  w.alpha = Num(c, "alpha");
  w.alternative = AlternativeOf(Get(c, "alternative").as_string());
  w.cuped = Get(c, "cuped").as_bool();
  w.tuning = Num(c, "tuning");
  const Value& prior = Get(c, "prior");
  w.prior.proper = Get(prior, "proper").as_bool();
  w.prior.mean = Num(prior, "mean");
  w.prior.variance = Num(prior, "variance");
  w.direction = Get(c, "direction").as_string() == "lower"
                    ? MetricDirection::kLower
                    : MetricDirection::kHigher;
  for (const Value& cell : Get(c, "cells").items()) {
    w.cells.push_back(CellOf(cell));
  }
  w.frequentist.alpha = w.sequential.alpha = w.bayesian.alpha = w.alpha;
  w.frequentist.alternative = w.sequential.alternative = w.alternative;
  w.sequential.tuning = w.tuning;
  w.bayesian.prior = w.prior;
  w.bayesian.direction = w.direction;
  return w;
}

TEST(ScipyVectors, FileIsComplete) {
  EXPECT_EQ(Cases("welch").size(), 200u);
  EXPECT_EQ(Cases("srm").size(), 40u);
  EXPECT_EQ(Cases("corrections").size(), 40u);
  EXPECT_EQ(Cases("power").size(), 40u);
}

TEST(ScipyVectors, MomentsAndCuped) {
  for (const Value& c : Cases("welch")) {
    const WelchCase w = ParseWelchCase(c);
    SCOPED_TRACE(w.name);
    const Value& expected = Get(c, "expected");
    CupedFit fit;
    if (w.cuped) {
      absl::StatusOr<CupedFit> f = FitCuped(w.type, w.cells);
      ASSERT_TRUE(f.ok()) << f.status();
      ASSERT_TRUE(f->applied);
      fit = *f;
      ExpectClose(fit.theta, Get(expected, "theta"), 1e-3, "theta");
    }
    for (size_t i = 0; i < w.cells.size(); ++i) {
      absl::StatusOr<ArmMoments> arm =
          ComputeArmMoments(w.type, w.cells[i], "arm", &fit);
      ASSERT_TRUE(arm.ok()) << arm.status();
      const Value& e = Get(expected, "arms").items()[i];
      const double sd = std::sqrt(Num(e, "unadjusted_variance"));
      ExpectClose(arm->mean, Get(e, "mean"), sd, "mean");
      ExpectClose(arm->variance, Get(e, "variance"), 0, "variance");
      ExpectClose(arm->unadjusted_mean, Get(e, "unadjusted_mean"), sd,
                  "unadjusted_mean");
      ExpectClose(arm->unadjusted_variance, Get(e, "unadjusted_variance"), 0,
                  "unadjusted_variance");
      EXPECT_EQ(arm->cuped_applied, w.cuped);
      EXPECT_TRUE(arm->warnings.empty());
    }
  }
}

std::vector<Moments> ArmsOf(const WelchCase& w) {
  CupedFit fit;
  if (w.cuped) fit = FitCuped(w.type, w.cells).value_or(CupedFit{});
  std::vector<Moments> out;
  for (const SufficientStats& s : w.cells) {
    absl::StatusOr<ArmMoments> arm = ComputeArmMoments(w.type, s, "arm", &fit);
    EXPECT_TRUE(arm.ok()) << arm.status();
    out.push_back(arm->moments().value_or(Moments{}));
  }
  return out;
}

// Runs `test` on both scales of every two-arm case and compares with the
// case's expected[method].
using TestFn = absl::StatusOr<EffectEstimate>(const WelchCase&,
                                              const Moments& control,
                                              const Moments& treatment,
                                              Scale scale);
void CheckMethod(const char* method, TestFn* test) {
  for (const Value& c : Cases("welch")) {
    const WelchCase w = ParseWelchCase(c);
    SCOPED_TRACE(w.name);
    const std::vector<Moments> arms = ArmsOf(w);
    const Value& expected = Get(Get(c, "expected"), method);
    for (auto [scale, key] : {std::pair{Scale::kAbsolute, "absolute"},
                              std::pair{Scale::kRelative, "relative"}}) {
      absl::StatusOr<EffectEstimate> e = test(w, arms[0], arms[1], scale);
      ASSERT_TRUE(e.ok()) << e.status();
      ExpectEstimate(*e, Get(expected, key), key);
    }
  }
}

TEST(ScipyVectors, WelchTest) {
  CheckMethod("frequentist", [](const WelchCase& w, const Moments& a,
                                const Moments& b, Scale scale) {
    return WelchTest(a, b, scale, w.frequentist);
  });
}

TEST(ScipyVectors, SequentialTest) {
  CheckMethod("sequential", [](const WelchCase& w, const Moments& a,
                               const Moments& b, Scale scale) {
    return SequentialTest(a, b, scale, w.sequential);
  });
}

TEST(ScipyVectors, BayesianTest) {
  CheckMethod("bayesian", [](const WelchCase& w, const Moments& a,
                             const Moments& b, Scale scale) {
    return BayesianTest(a, b, scale, w.bayesian);
  });
}

// The report-level entry point wires the same numbers through: arm value
// intervals, CUPED variance reduction, and (for two-sided cases, as
// non-guardrail metrics are tested) the comparisons.
TEST(ScipyVectors, AnalyzeMetric) {
  for (const Value& c : Cases("welch")) {
    const WelchCase w = ParseWelchCase(c);
    SCOPED_TRACE(w.name);
    const Value& expected = Get(c, "expected");
    MetricInput in;
    in.type = w.type;
    in.direction = w.direction;
    in.arms = w.cells;
    for (Method method :
         {Method::kFrequentist, Method::kSequential, Method::kBayesian}) {
      if (method != Method::kBayesian &&
          w.alternative != Alternative::kTwoSided) {
        continue;
      }
      AnalysisOptions o;
      o.method = method;
      o.alpha = w.alpha;
      o.cuped = w.cuped;
      o.sequential_tuning = w.tuning;
      o.prior = w.prior;
      absl::StatusOr<MetricAnalysis> a = AnalyzeMetric(in, o);
      ASSERT_TRUE(a.ok()) << a.status();
      ASSERT_EQ(a->arms.size(), 2u);
      for (size_t i = 0; i < 2; ++i) {
        const Value& e = Get(expected, "arms").items()[i];
        ExpectInterval(a->arms[i].value_ci, Get(e, "value_ci"),
                       std::sqrt(Num(e, "unadjusted_variance")), "value_ci");
      }
      ASSERT_EQ(a->comparisons.size(), 1u);
      const Comparison& cmp = a->comparisons[0];
      EXPECT_EQ(cmp.variant, 1);
      const Value& m = Get(expected, std::string(MethodName(method)));
      ExpectEstimate(cmp.absolute, Get(m, "absolute"), "absolute");
      ExpectEstimate(cmp.relative, Get(m, "relative"), "relative");
      if (w.cuped) {
        ExpectClose(cmp.cuped_variance_reduction,
                    Get(expected, "cuped_variance_reduction"), 1,
                    "cuped_variance_reduction");
      } else {
        EXPECT_FALSE(cmp.cuped_variance_reduction.has_value());
      }
    }
  }
}

TEST(ScipyVectors, SampleRatioMismatch) {
  for (const Value& c : Cases("srm")) {
    SCOPED_TRACE(Get(c, "name").as_string());
    std::vector<int64_t> units;
    std::vector<double> weights;
    for (const Value& u : Get(c, "units").items()) {
      units.push_back(static_cast<int64_t>(u.as_number()));
    }
    for (const Value& x : Get(c, "weights").items()) {
      weights.push_back(x.as_number());
    }
    absl::StatusOr<SrmResult> r = CheckSampleRatio(units, weights);
    ASSERT_TRUE(r.ok()) << r.status();
    const Value& e = Get(c, "expected");
    ExpectClose(r->chi_squared, Get(e, "chi_squared"), 0, "chi_squared");
    ExpectClose(r->p_value, Get(e, "p_value"), 0, "p_value");
    EXPECT_EQ(r->dof, static_cast<int>(Num(e, "dof")));
    EXPECT_EQ(r->mismatch, Num(e, "p_value") < kSrmThreshold);
  }
}

TEST(ScipyVectors, MultipleTesting) {
  for (const Value& c : Cases("corrections")) {
    SCOPED_TRACE(Get(c, "name").as_string());
    std::vector<double> p;
    for (const Value& x : Get(c, "p_values").items())
      p.push_back(x.as_number());
    for (auto [correction, key] :
         {std::pair{Correction::kHolm, "holm"},
          std::pair{Correction::kBenjaminiHochberg, "bh"}}) {
      absl::StatusOr<std::vector<double>> adj = AdjustPValues(p, correction);
      ASSERT_TRUE(adj.ok()) << adj.status();
      const Value::ArrayType& e = Get(Get(c, "expected"), key).items();
      ASSERT_EQ(adj->size(), e.size());
      for (size_t i = 0; i < e.size(); ++i) {
        ExpectClose((*adj)[i], e[i], 0, key);
      }
    }
  }
}

Moments PowerMoments(const Value& v) {
  Moments m;
  m.n = static_cast<int64_t>(Num(v, "n"));
  m.mean = Num(v, "mean");
  m.variance = Num(v, "variance");
  m.unadjusted_mean = m.mean;
  return m;
}

TEST(ScipyVectors, Power) {
  for (const Value& c : Cases("power")) {
    SCOPED_TRACE(Get(c, "name").as_string());
    PowerInput in;
    in.control = PowerMoments(Get(c, "control"));
    in.treatment = PowerMoments(Get(c, "treatment"));
    in.control_weight = Num(c, "control_weight");
    in.treatment_weight = Num(c, "treatment_weight");
    in.current_units = static_cast<int64_t>(Num(c, "current_units"));
    in.target_relative_effect = Num(c, "target_relative_effect");
    in.units_per_day = Num(c, "units_per_day");
    PowerOptions o;
    o.alpha = Num(c, "alpha");
    o.power = Num(c, "power");
    o.alternative = AlternativeOf(Get(c, "alternative").as_string());
    absl::StatusOr<PowerAnalysis> p = PlanPower(in, o);
    ASSERT_TRUE(p.ok()) << p.status();
    const Value& e = Get(c, "expected");
    ExpectClose(p->mde_absolute, Get(e, "mde_absolute"), 0, "mde_absolute");
    ExpectClose(p->mde_relative, Get(e, "mde_relative"), 0, "mde_relative");
    ExpectClose(p->required_units, Get(e, "required_units"), 0,
                "required_units");
    ExpectClose(p->units_still_needed, Get(e, "units_still_needed"), 1,
                "units_still_needed");
    ExpectClose(p->days_left, Get(e, "days_left"), 1e-6, "days_left");
    EXPECT_EQ(p->days_left.has_value(),
              !HasWarning(p->warnings, WarningCode::kNoTraffic));
  }
}

}  // namespace
}  // namespace cxlab::engine::stats
