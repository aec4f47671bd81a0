// Copyright 2026 The cxlab Authors.
//
// The report-level entry points: AnalyzeMetric and AnalyzeExperiment —
// control vs every variant, guardrails, metric direction, the correction
// family and verdicts — plus the name round trips and power planning.

#include "engine/stats/analysis.h"

#include <cmath>
#include <vector>

#include "engine/stats/frequentist.h"
#include "engine/stats/power.h"
#include "gtest/gtest.h"
#include "tests/stats/test_util.h"

namespace cxlab::engine::stats {
namespace {

using testing::Cell;
using testing::Conversions;
using testing::MomentsOf;

MetricInput Metric(MetricType type, MetricDirection direction, bool guardrail,
                   std::vector<SufficientStats> arms) {
  MetricInput in;
  in.type = type;
  in.direction = direction;
  in.guardrail = guardrail;
  in.arms = std::move(arms);
  return in;
}

// Three variants: conversion (1 wins), time to resolution (2 is faster, and
// lower is better), and a revenue guardrail (2 hurts it).
ExperimentInput ThreeVariants() {
  ExperimentInput in;
  in.weights = {1.0 / 3, 1.0 / 3, 1.0 / 3};
  in.units = {10000, 10050, 9990};
  in.metrics.push_back(
      Metric(MetricType::kBinomial, MetricDirection::kHigher, false,
             {Conversions(1000, 10000), Conversions(1150, 10050),
              Conversions(1010, 9990)}));
  in.metrics.push_back(
      Metric(MetricType::kDuration, MetricDirection::kLower, false,
             {Cell(2000, 2000 * 600.0, 2000 * (600.0 * 600 + 250000)),
              Cell(2100, 2100 * 598.0, 2100 * (598.0 * 598 + 250000)),
              Cell(1900, 1900 * 540.0, 1900 * (540.0 * 540 + 250000))}));
  in.metrics.push_back(
      Metric(MetricType::kMean, MetricDirection::kHigher, true,
             {Cell(10000, 10000 * 20.0, 10000 * (400.0 + 100)),
              Cell(10050, 10050 * 20.1, 10050 * (20.1 * 20.1 + 100)),
              Cell(9990, 9990 * 19.2, 9990 * (19.2 * 19.2 + 100))}));
  return in;
}

TEST(AnalyzeExperiment, ThreeVariantsThreeMetrics) {
  AnalysisOptions o;
  o.correction = Correction::kHolm;
  absl::StatusOr<ExperimentAnalysis> a = AnalyzeExperiment(ThreeVariants(), o);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->srm.mismatch);
  EXPECT_EQ(a->srm.dof, 2);
  ASSERT_EQ(a->metrics.size(), 3u);
  for (const MetricAnalysis& m : a->metrics) {
    ASSERT_EQ(m.arms.size(), 3u);
    ASSERT_EQ(m.comparisons.size(), 2u);
    EXPECT_EQ(m.comparisons[0].variant, 1);
    EXPECT_EQ(m.comparisons[1].variant, 2);
  }
  const MetricAnalysis& conv = a->metrics[0];
  EXPECT_EQ(conv.comparisons[0].verdict, Verdict::kBetter);
  EXPECT_EQ(conv.comparisons[1].verdict, Verdict::kInconclusive);
  // Lower is better: variant 2 resolves faster.
  const MetricAnalysis& ttr = a->metrics[1];
  EXPECT_LT(*ttr.comparisons[1].relative.effect, 0);
  EXPECT_EQ(ttr.comparisons[1].verdict, Verdict::kBetter);
  EXPECT_EQ(ttr.comparisons[0].verdict, Verdict::kInconclusive);
  // The guardrail is tested one-sided for harm and never corrected.
  const MetricAnalysis& revenue = a->metrics[2];
  EXPECT_EQ(revenue.comparisons[1].verdict, Verdict::kWorse);
  EXPECT_EQ(revenue.comparisons[0].verdict, Verdict::kInconclusive);
  for (const Comparison& c : revenue.comparisons) {
    EXPECT_FALSE(c.relative.adjusted_p_value.has_value());
    ASSERT_TRUE(c.relative.ci.has_value());
    EXPECT_FALSE(c.relative.ci->lower.has_value());  // "less": (-inf, u]
    EXPECT_TRUE(c.relative.ci->upper.has_value());
  }
  EXPECT_GT(*revenue.comparisons[0].relative.p_value, 0.5);  // it went up

  // The family: 2 metrics x 2 variants, per scale, Holm-adjusted.
  for (Scale scale : {Scale::kAbsolute, Scale::kRelative}) {
    std::vector<double> raw, adjusted;
    for (int m = 0; m < 2; ++m) {
      for (const Comparison& c : a->metrics[m].comparisons) {
        const EffectEstimate& e =
            scale == Scale::kAbsolute ? c.absolute : c.relative;
        raw.push_back(*e.p_value);
        adjusted.push_back(*e.adjusted_p_value);
      }
    }
    EXPECT_EQ(*AdjustPValues(raw, Correction::kHolm), adjusted);
  }
}

TEST(AnalyzeExperiment, CorrectionChangesVerdicts) {
  // Four metrics with raw p just under 0.05: significant alone, not after
  // Holm or Benjamini-Hochberg.
  ExperimentInput in;
  in.weights = {0.5, 0.5};
  in.units = {10000, 10000};
  for (int i = 0; i < 4; ++i) {
    in.metrics.push_back(
        Metric(MetricType::kBinomial, MetricDirection::kHigher, false,
               {Conversions(1000, 10000), Conversions(1090, 10000)}));
  }
  for (Correction c :
       {Correction::kNone, Correction::kHolm, Correction::kBenjaminiHochberg}) {
    AnalysisOptions o;
    o.correction = c;
    absl::StatusOr<ExperimentAnalysis> a = AnalyzeExperiment(in, o);
    ASSERT_TRUE(a.ok());
    for (const MetricAnalysis& m : a->metrics) {
      const Comparison& cmp = m.comparisons[0];
      EXPECT_LT(*cmp.relative.p_value, 0.05);
      if (c == Correction::kNone) {
        EXPECT_EQ(*cmp.relative.adjusted_p_value, *cmp.relative.p_value);
        EXPECT_EQ(cmp.verdict, Verdict::kBetter);
      } else if (c == Correction::kHolm) {
        EXPECT_GT(*cmp.relative.adjusted_p_value, 0.05);
        EXPECT_EQ(cmp.verdict, Verdict::kInconclusive);
      } else {
        // Equal p-values: BH leaves them as they are.
        EXPECT_DOUBLE_EQ(*cmp.relative.adjusted_p_value, *cmp.relative.p_value);
      }
    }
  }
}

TEST(AnalyzeExperiment, BayesianHasNoPValues) {
  AnalysisOptions o;
  o.method = Method::kBayesian;
  o.correction = Correction::kHolm;
  absl::StatusOr<ExperimentAnalysis> a = AnalyzeExperiment(ThreeVariants(), o);
  ASSERT_TRUE(a.ok()) << a.status();
  const Comparison& win = a->metrics[0].comparisons[0];
  EXPECT_FALSE(win.relative.p_value.has_value());
  EXPECT_FALSE(win.relative.adjusted_p_value.has_value());
  EXPECT_GT(*win.relative.chance_to_win, 0.95);
  EXPECT_EQ(win.verdict, Verdict::kBetter);
  // Lower is better: chance to win is P(effect < 0).
  const Comparison& faster = a->metrics[1].comparisons[1];
  EXPECT_GT(*faster.relative.chance_to_win, 0.95);
  EXPECT_LT(*faster.relative.risk_treatment, *faster.relative.risk_control);
  EXPECT_EQ(faster.verdict, Verdict::kBetter);
}

TEST(AnalyzeExperiment, SequentialGuardrailIsOneSided) {
  AnalysisOptions o;
  o.method = Method::kSequential;
  absl::StatusOr<ExperimentAnalysis> a = AnalyzeExperiment(ThreeVariants(), o);
  ASSERT_TRUE(a.ok()) << a.status();
  const Comparison& hurt = a->metrics[2].comparisons[1];
  ASSERT_TRUE(hurt.relative.ci.has_value());
  EXPECT_FALSE(hurt.relative.ci->lower.has_value());
  EXPECT_LT(*hurt.relative.ci->upper, 0);
  EXPECT_EQ(hurt.verdict, Verdict::kWorse);
}

TEST(AnalyzeMetric, ArmValuesAndIntervals) {
  MetricInput in = Metric(MetricType::kBinomial, MetricDirection::kHigher,
                          false, {Conversions(100, 1000), Conversions(0, 10)});
  absl::StatusOr<MetricAnalysis> a = AnalyzeMetric(in, AnalysisOptions{});
  ASSERT_TRUE(a.ok());
  const ArmResult& control = a->arms[0];
  EXPECT_EQ(control.moments.n, 1000);
  EXPECT_DOUBLE_EQ(*control.moments.unadjusted_mean, 0.1);
  EXPECT_DOUBLE_EQ(*control.moments.variance, 0.09);
  ASSERT_TRUE(control.value_ci.has_value());
  EXPECT_LT(*control.value_ci->lower, 0.1);
  EXPECT_GT(*control.value_ci->upper, 0.1);
  EXPECT_FALSE(a->arms[1].value_ci.has_value());  // no conversions
  EXPECT_FALSE(a->cuped.applied);
}

TEST(AnalyzeMetric, NeedsTwoArms) {
  MetricInput in;
  in.arms = {Conversions(1, 10)};
  EXPECT_EQ(AnalyzeMetric(in, AnalysisOptions{}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Names, RoundTrip) {
  for (Method m :
       {Method::kFrequentist, Method::kSequential, Method::kBayesian}) {
    EXPECT_EQ(*ParseMethod(MethodName(m)), m);
  }
  for (Correction c :
       {Correction::kNone, Correction::kHolm, Correction::kBenjaminiHochberg}) {
    EXPECT_EQ(*ParseCorrection(CorrectionName(c)), c);
  }
  EXPECT_FALSE(ParseMethod("bayes").ok());
  EXPECT_FALSE(ParseCorrection("bonferroni").ok());
  EXPECT_EQ(VerdictName(Verdict::kBetter), "better");
  EXPECT_EQ(WarningCodeName(WarningCode::kSrmUnexpectedUnits),
            "srm_unexpected_units");
}

TEST(Power, Plan) {
  // Conversion 10% vs 11%, 5,000 units per arm so far, 1,000 units a day.
  PowerInput in;
  in.control = MomentsOf(MetricType::kBinomial, Conversions(500, 5000));
  in.treatment = MomentsOf(MetricType::kBinomial, Conversions(550, 5000));
  in.current_units = 10000;
  in.target_relative_effect = 0.05;
  in.units_per_day = 1000;
  absl::StatusOr<PowerAnalysis> p = PlanPower(in, PowerOptions{});
  ASSERT_TRUE(p.ok()) << p.status();
  // MDE = (1.959964 + 0.841621) * sqrt(0.09/5000 + 0.0979/5000).
  EXPECT_NEAR(*p->mde_absolute, 2.8015852 * std::sqrt(0.1879 / 5000), 1e-7);
  EXPECT_NEAR(*p->mde_relative, *p->mde_absolute / 0.1, 1e-15);
  // N = 2.8015852² (0.09/0.5 + 0.0979/0.5) / 0.005² (z rounded to 8
  // digits, hence the tolerances).
  const double n = 2.8015852 * 2.8015852 * 0.3758 / 0.000025;
  EXPECT_NEAR(*p->required_units, n, 0.01);
  EXPECT_NEAR(*p->units_still_needed, n - 10000, 0.01);
  EXPECT_NEAR(*p->days_left, (n - 10000) / 1000, 1e-5);
  EXPECT_TRUE(p->warnings.empty());

  // Enough units already: nothing left to wait for.
  in.target_relative_effect = 0.5;
  p = PlanPower(in, PowerOptions{});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->units_still_needed, 0);
  EXPECT_EQ(*p->days_left, 0);

  // The MDE at the current n is the effect needing exactly the current n.
  const double mde = *MinimumDetectableEffect(0.0004, PowerOptions{});
  EXPECT_NEAR(*RequiredUnits(0.0004 * 1000, mde, PowerOptions{}), 1000, 1e-9);
}

}  // namespace
}  // namespace cxlab::engine::stats
