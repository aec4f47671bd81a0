// Copyright 2026 The cxlab Authors.
//
// Degenerate data never yields NaN or infinity: each case leaves the
// undefined fields unset and says why with a warning. Invalid input (as
// opposed to degenerate data) is an InvalidArgument status.

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "engine/stats/analysis.h"
#include "engine/stats/bayesian.h"
#include "engine/stats/frequentist.h"
#include "engine/stats/moments.h"
#include "engine/stats/multiple_testing.h"
#include "engine/stats/power.h"
#include "engine/stats/sequential.h"
#include "engine/stats/srm.h"
#include "gtest/gtest.h"
#include "tests/stats/test_util.h"

namespace cxlab::engine::stats {
namespace {

using testing::Cell;
using testing::Conversions;
using testing::ExpectAllFinite;
using testing::MomentsOf;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void ExpectUnset(const EffectEstimate& e) {
  EXPECT_FALSE(e.effect.has_value());
  EXPECT_FALSE(e.std_error.has_value());
  EXPECT_FALSE(e.ci.has_value());
  EXPECT_FALSE(e.dof.has_value());
  EXPECT_FALSE(e.p_value.has_value());
  EXPECT_FALSE(e.chance_to_win.has_value());
  EXPECT_FALSE(e.risk_control.has_value());
  EXPECT_FALSE(e.risk_treatment.has_value());
}

void ExpectAllFinite(const MetricAnalysis& a) {
  for (const ArmResult& arm : a.arms) {
    for (const std::optional<double>* f :
         {&arm.moments.mean, &arm.moments.variance,
          &arm.moments.unadjusted_mean, &arm.moments.unadjusted_variance}) {
      if (f->has_value()) {
        EXPECT_TRUE(std::isfinite(**f));
      }
    }
  }
  for (const Comparison& c : a.comparisons) {
    ExpectAllFinite(c.absolute);
    ExpectAllFinite(c.relative);
  }
}

// Runs every method on one metric and checks nothing is non-finite.
std::vector<MetricAnalysis> AnalyzeAllMethods(const MetricInput& in,
                                              bool cuped = false) {
  std::vector<MetricAnalysis> out;
  for (Method m :
       {Method::kFrequentist, Method::kSequential, Method::kBayesian}) {
    AnalysisOptions o;
    o.method = m;
    o.cuped = cuped;
    absl::StatusOr<MetricAnalysis> a = AnalyzeMetric(in, o);
    EXPECT_TRUE(a.ok()) << a.status();
    if (!a.ok()) continue;
    ExpectAllFinite(*a);
    out.push_back(*std::move(a));
  }
  return out;
}

MetricInput Metric(MetricType type, std::vector<SufficientStats> arms) {
  MetricInput in;
  in.type = type;
  in.arms = std::move(arms);
  return in;
}

TEST(Degenerate, VariantWithNoUnits) {
  absl::StatusOr<ArmMoments> arm =
      ComputeArmMoments(MetricType::kMean, SufficientStats{}, "variant 1");
  ASSERT_TRUE(arm.ok());
  EXPECT_FALSE(arm->mean.has_value());
  EXPECT_FALSE(arm->variance.has_value());
  EXPECT_FALSE(arm->moments().has_value());
  ASSERT_EQ(arm->warnings.size(), 1u);
  EXPECT_EQ(arm->warnings[0].code, WarningCode::kNoUnits);
  EXPECT_EQ(arm->warnings[0].message, "variant 1: no units");

  for (const MetricAnalysis& a : AnalyzeAllMethods(Metric(
           MetricType::kBinomial, {Conversions(10, 100), SufficientStats{}}))) {
    const Comparison& c = a.comparisons[0];
    ExpectUnset(c.absolute);
    ExpectUnset(c.relative);
    EXPECT_EQ(c.verdict, Verdict::kUndefined);
    EXPECT_TRUE(HasWarning(c.warnings, WarningCode::kNoUnits));
    EXPECT_FALSE(a.arms[1].value_ci.has_value());
  }
}

TEST(Degenerate, EmptyVariantInExperiment) {
  ExperimentInput in;
  in.weights = {0.5, 0.5};
  in.units = {1000, 0};
  in.metrics.push_back(
      Metric(MetricType::kMean, {Cell(1000, 500, 800), SufficientStats{}}));
  AnalysisOptions o;
  o.correction = Correction::kHolm;
  absl::StatusOr<ExperimentAnalysis> a = AnalyzeExperiment(in, o);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->srm.mismatch);
  ASSERT_TRUE(a->srm.p_value.has_value());
  EXPECT_TRUE(std::isfinite(*a->srm.p_value));
  const Comparison& c = a->metrics[0].comparisons[0];
  ExpectUnset(c.absolute);
  EXPECT_FALSE(c.absolute.adjusted_p_value.has_value());
  EXPECT_EQ(c.verdict, Verdict::kUndefined);
}

TEST(Degenerate, OneUnit) {
  absl::StatusOr<ArmMoments> arm =
      ComputeArmMoments(MetricType::kMean, Cell(1, 3, 9), "control");
  ASSERT_TRUE(arm.ok());
  ASSERT_TRUE(arm->mean.has_value());
  EXPECT_EQ(*arm->mean, 3);
  EXPECT_FALSE(arm->variance.has_value());
  EXPECT_TRUE(HasWarning(arm->warnings, WarningCode::kTooFewUnits));

  for (const MetricAnalysis& a : AnalyzeAllMethods(
           Metric(MetricType::kMean, {Cell(1, 3, 9), Cell(50, 200, 900)}))) {
    ExpectUnset(a.comparisons[0].absolute);
    EXPECT_TRUE(
        HasWarning(a.comparisons[0].warnings, WarningCode::kTooFewUnits));
  }
}

TEST(Degenerate, BothArmsConstant) {
  // Every unit has Y = 5 in control and Y = 6 in treatment.
  const MetricInput in =
      Metric(MetricType::kScore, {Cell(100, 500, 2500), Cell(80, 480, 2880)});
  for (const MetricAnalysis& a : AnalyzeAllMethods(in)) {
    EXPECT_TRUE(
        HasWarning(a.arms[0].moments.warnings, WarningCode::kZeroVariance));
    EXPECT_FALSE(a.arms[0].value_ci.has_value());
    const Comparison& c = a.comparisons[0];
    // The difference is known exactly; there is nothing to test.
    ASSERT_TRUE(c.absolute.effect.has_value());
    EXPECT_DOUBLE_EQ(*c.absolute.effect, 1.0);
    ASSERT_TRUE(c.relative.effect.has_value());
    EXPECT_DOUBLE_EQ(*c.relative.effect, 0.2);
    for (const EffectEstimate* e : {&c.absolute, &c.relative}) {
      EXPECT_FALSE(e->std_error.has_value());
      EXPECT_FALSE(e->ci.has_value());
      EXPECT_FALSE(e->p_value.has_value());
      EXPECT_FALSE(e->chance_to_win.has_value());
      EXPECT_TRUE(HasWarning(e->warnings, WarningCode::kZeroStandardError));
    }
    EXPECT_EQ(c.verdict, Verdict::kUndefined);
  }
}

TEST(Degenerate, OneArmConstantStillTests) {
  const Moments a = MomentsOf(MetricType::kScore, Cell(100, 500, 2500));
  const Moments b = MomentsOf(MetricType::kScore, Cell(80, 480, 3000));
  absl::StatusOr<EffectEstimate> e =
      WelchTest(a, b, Scale::kAbsolute, FrequentistOptions{});
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(e->dof.has_value());
  EXPECT_DOUBLE_EQ(*e->dof, 79);  // all the variance is the treatment's
  ASSERT_TRUE(e->p_value.has_value());
  EXPECT_TRUE(e->warnings.empty());
}

// Constant non-integer values: one-pass ΣY² - (ΣY)²/n rounds to a tiny
// non-zero number, which must not become a spurious variance.
TEST(Degenerate, ConstantValuesRoundToZeroVariance) {
  SufficientStats s;
  for (int i = 0; i < 1000; ++i) {
    s.n += 1;
    s.sum += 0.1;
    s.sum_sq += 0.1 * 0.1;
  }
  absl::StatusOr<ArmMoments> arm = ComputeArmMoments(MetricType::kMean, s);
  ASSERT_TRUE(arm.ok());
  ASSERT_TRUE(arm->variance.has_value());
  EXPECT_EQ(*arm->variance, 0.0);
  EXPECT_TRUE(HasWarning(arm->warnings, WarningCode::kZeroVariance));
}

TEST(Degenerate, AllZeroConversions) {
  const MetricInput in = Metric(MetricType::kBinomial,
                                {Conversions(0, 1000), Conversions(0, 1000)});
  for (const MetricAnalysis& a : AnalyzeAllMethods(in)) {
    EXPECT_TRUE(
        HasWarning(a.arms[0].moments.warnings, WarningCode::kNoConversions));
    EXPECT_TRUE(
        HasWarning(a.arms[1].moments.warnings, WarningCode::kNoConversions));
    const Comparison& c = a.comparisons[0];
    ASSERT_TRUE(c.absolute.effect.has_value());
    EXPECT_EQ(*c.absolute.effect, 0);
    EXPECT_TRUE(
        HasWarning(c.absolute.warnings, WarningCode::kZeroStandardError));
    ExpectUnset(c.relative);
    EXPECT_TRUE(HasWarning(c.relative.warnings, WarningCode::kZeroControlMean));
    EXPECT_EQ(c.verdict, Verdict::kUndefined);
  }
}

TEST(Degenerate, NoConversionsInControlOnly) {
  const MetricInput in = Metric(MetricType::kRetention,
                                {Conversions(0, 1000), Conversions(25, 1000)});
  for (const MetricAnalysis& a : AnalyzeAllMethods(in)) {
    const Comparison& c = a.comparisons[0];
    ExpectUnset(c.relative);
    EXPECT_TRUE(HasWarning(c.relative.warnings, WarningCode::kZeroControlMean));
    // The absolute difference is still tested, and the verdict reads it.
    ASSERT_TRUE(c.absolute.effect.has_value());
    EXPECT_NEAR(*c.absolute.effect, 0.025, 1e-15);
    EXPECT_NE(c.verdict, Verdict::kUndefined);
  }
}

TEST(Degenerate, ControlMeanZeroWithVariance) {
  // NPS: 300 promoters, 400 passives, 300 detractors -> NPS exactly 0.
  const SufficientStats control = Cell(1000, 0, 600);
  const SufficientStats treatment = Cell(1000, 80, 640);
  for (const MetricAnalysis& a :
       AnalyzeAllMethods(Metric(MetricType::kNps, {control, treatment}))) {
    const Comparison& c = a.comparisons[0];
    ExpectUnset(c.relative);
    ASSERT_EQ(c.relative.warnings.size(), 1u);
    EXPECT_EQ(c.relative.warnings[0].code, WarningCode::kZeroControlMean);
    EXPECT_EQ(WarningCodeName(c.relative.warnings[0].code),
              "zero_control_mean");
    ASSERT_TRUE(c.absolute.effect.has_value());
    EXPECT_NEAR(*c.absolute.effect, 0.08, 1e-15);
    EXPECT_TRUE(c.absolute.warnings.empty());
  }

  // A proper prior on relative lift cannot be scaled to the absolute effect.
  BayesianOptions o;
  o.prior.proper = true;
  o.prior.mean = 0.1;
  o.prior.variance = 0.1;
  absl::StatusOr<EffectEstimate> e =
      BayesianTest(MomentsOf(MetricType::kNps, control),
                   MomentsOf(MetricType::kNps, treatment), Scale::kAbsolute, o);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(HasWarning(e->warnings, WarningCode::kPriorNotScaled));
  ASSERT_TRUE(e->effect.has_value());
  EXPECT_NEAR(*e->effect, 0.08, 1e-15);  // flat prior

  PowerInput p;
  p.control = MomentsOf(MetricType::kNps, control);
  p.treatment = MomentsOf(MetricType::kNps, treatment);
  p.target_relative_effect = 0.05;
  p.units_per_day = 100;
  absl::StatusOr<PowerAnalysis> power = PlanPower(p, PowerOptions{});
  ASSERT_TRUE(power.ok());
  EXPECT_TRUE(power->mde_absolute.has_value());
  EXPECT_FALSE(power->mde_relative.has_value());
  EXPECT_FALSE(power->required_units.has_value());
  EXPECT_FALSE(power->days_left.has_value());
  EXPECT_TRUE(HasWarning(power->warnings, WarningCode::kUndefinedTarget));
}

TEST(Degenerate, RatioWithZeroDenominator) {
  SufficientStats zero_den = Cell(100, 50, 80);
  SufficientStats ok = Cell(100, 50, 80);
  ok.den_sum = 300;
  ok.den_sum_sq = 1000;
  ok.cross_sum = 170;
  absl::StatusOr<ArmMoments> arm =
      ComputeArmMoments(MetricType::kRatio, zero_den, "variant 1");
  ASSERT_TRUE(arm.ok());
  EXPECT_FALSE(arm->mean.has_value());
  EXPECT_TRUE(HasWarning(arm->warnings, WarningCode::kZeroDenominator));
  for (const MetricAnalysis& a :
       AnalyzeAllMethods(Metric(MetricType::kRatio, {ok, zero_den}))) {
    ExpectUnset(a.comparisons[0].absolute);
    EXPECT_TRUE(
        HasWarning(a.comparisons[0].warnings, WarningCode::kZeroDenominator));
  }
}

TEST(Degenerate, CupedWithoutCovariate) {
  // pre_* all zero: the covariate was never recorded.
  const MetricInput in =
      Metric(MetricType::kMean, {Cell(100, 500, 3000), Cell(100, 550, 3400)});
  for (const MetricAnalysis& a : AnalyzeAllMethods(in, /*cuped=*/true)) {
    EXPECT_FALSE(a.cuped.applied);
    EXPECT_EQ(a.cuped.theta, 0);
    EXPECT_TRUE(HasWarning(a.cuped.warnings, WarningCode::kCupedNoCovariance));
    EXPECT_FALSE(a.comparisons[0].cuped_variance_reduction.has_value());
    EXPECT_TRUE(a.comparisons[0].absolute.effect.has_value());
  }
}

TEST(Degenerate, CupedOnRatioIsUnsupported) {
  SufficientStats s = Cell(100, 50, 80);
  s.den_sum = 300;
  s.den_sum_sq = 1000;
  s.cross_sum = 170;
  s.pre_sum = 40;
  s.pre_sum_sq = 70;
  s.pre_cross_sum = 35;
  absl::StatusOr<CupedFit> fit = FitCuped(MetricType::kRatio, {s, s});
  ASSERT_TRUE(fit.ok());
  EXPECT_FALSE(fit->applied);
  EXPECT_TRUE(HasWarning(fit->warnings, WarningCode::kCupedUnsupported));
}

TEST(Degenerate, ExtremeSignalStaysFinite) {
  // A t statistic in the thousands: p-values underflow to (near) 0, the
  // sequential e-value overflows; nothing may become NaN or infinite.
  const MetricInput in =
      Metric(MetricType::kBinomial,
             {Conversions(1000, 10000000), Conversions(9000000, 10000000)});
  for (const MetricAnalysis& a : AnalyzeAllMethods(in)) {
    const Comparison& c = a.comparisons[0];
    ASSERT_TRUE(c.absolute.effect.has_value());
    if (c.absolute.p_value.has_value()) {
      EXPECT_LT(*c.absolute.p_value, 1e-300);
    }
    EXPECT_EQ(c.verdict, Verdict::kBetter);
  }
}

TEST(Degenerate, SrmEdges) {
  absl::StatusOr<SrmResult> none = CheckSampleRatio({0, 0}, {0.5, 0.5});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->p_value.has_value());
  EXPECT_FALSE(none->chi_squared.has_value());
  EXPECT_FALSE(none->mismatch);
  EXPECT_TRUE(HasWarning(none->warnings, WarningCode::kSrmNoUnits));

  absl::StatusOr<SrmResult> unexpected =
      CheckSampleRatio({500, 480, 3}, {0.5, 0.5, 0});
  ASSERT_TRUE(unexpected.ok());
  EXPECT_TRUE(unexpected->mismatch);
  EXPECT_EQ(unexpected->p_value, 0.0);
  EXPECT_FALSE(unexpected->chi_squared.has_value());
  EXPECT_TRUE(
      HasWarning(unexpected->warnings, WarningCode::kSrmUnexpectedUnits));

  // A zero-weight variant without units is simply left out of the test.
  absl::StatusOr<SrmResult> skipped =
      CheckSampleRatio({5000, 5200, 0}, {0.5, 0.5, 0});
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->dof, 1);
  EXPECT_NEAR(*skipped->p_value, 0.0476703806561615, 1e-15);

  absl::StatusOr<SrmResult> broken = CheckSampleRatio({5000, 4000}, {1, 1});
  ASSERT_TRUE(broken.ok());
  EXPECT_TRUE(broken->mismatch);  // weights are normalised
}

TEST(Degenerate, PowerWithoutTraffic) {
  PowerInput p;
  p.control = MomentsOf(MetricType::kBinomial, Conversions(100, 1000));
  p.treatment = MomentsOf(MetricType::kBinomial, Conversions(110, 1000));
  p.current_units = 2000;
  p.target_relative_effect = 0.05;
  p.units_per_day = 0;
  absl::StatusOr<PowerAnalysis> a = PlanPower(p, PowerOptions{});
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(a->units_still_needed.has_value());
  EXPECT_GT(*a->units_still_needed, 0);
  EXPECT_FALSE(a->days_left.has_value());
  EXPECT_TRUE(HasWarning(a->warnings, WarningCode::kNoTraffic));

  EXPECT_EQ(DaysLeft(0, 0), 0.0);  // nothing needed: done
  EXPECT_EQ(DaysLeft(100, 50), 2.0);
  EXPECT_FALSE(DaysLeft(100, 0).has_value());
}

void ExpectInvalid(const absl::Status& s, absl::string_view needle) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find(needle), absl::string_view::npos)
      << s.message() << " should mention " << needle;
}

TEST(InvalidInput, AlphaOutsideOpenUnitInterval) {
  const Moments a = MomentsOf(MetricType::kMean, Cell(100, 500, 3000));
  const Moments b = MomentsOf(MetricType::kMean, Cell(100, 550, 3400));
  for (double alpha : {0.0, 1.0, -0.1, 1.5, kNaN, kInf}) {
    FrequentistOptions f;
    f.alpha = alpha;
    ExpectInvalid(WelchTest(a, b, Scale::kAbsolute, f).status(), "alpha");
    SequentialOptions s;
    s.alpha = alpha;
    ExpectInvalid(SequentialTest(a, b, Scale::kAbsolute, s).status(), "alpha");
    BayesianOptions bo;
    bo.alpha = alpha;
    ExpectInvalid(BayesianTest(a, b, Scale::kAbsolute, bo).status(), "alpha");
    AnalysisOptions o;
    o.alpha = alpha;
    ExpectInvalid(AnalyzeMetric(Metric(MetricType::kMean,
                                       {SufficientStats{}, SufficientStats{}}),
                                o)
                      .status(),
                  "alpha");
    PowerOptions po;
    po.alpha = alpha;
    ExpectInvalid(MinimumDetectableEffect(1, po).status(), "alpha");
  }
}

TEST(InvalidInput, OtherOptions) {
  const Moments a = MomentsOf(MetricType::kMean, Cell(100, 500, 3000));
  const Moments b = MomentsOf(MetricType::kMean, Cell(100, 550, 3400));
  SequentialOptions s;
  s.tuning = 0;
  ExpectInvalid(SequentialTest(a, b, Scale::kAbsolute, s).status(), "tuning");
  s.tuning = 5000;
  s.alternative = Alternative::kGreater;
  s.alpha = 0.5;
  ExpectInvalid(SequentialTest(a, b, Scale::kAbsolute, s).status(), "0.5");
  BayesianOptions bo;
  bo.prior.proper = true;
  bo.prior.variance = 0;
  ExpectInvalid(BayesianTest(a, b, Scale::kRelative, bo).status(),
                "prior.variance");
  AnalysisOptions seq;
  seq.method = Method::kSequential;
  seq.alpha = 0.6;
  MetricInput guardrail =
      Metric(MetricType::kMean, {Cell(100, 500, 3000), Cell(100, 550, 3400)});
  guardrail.guardrail = true;
  ExpectInvalid(AnalyzeMetric(guardrail, seq).status(), "guardrail");
  PowerOptions po;
  po.power = 1;
  ExpectInvalid(MinimumDetectableEffect(1, po).status(), "power");
  ExpectInvalid(RequiredUnits(1, 0, PowerOptions{}).status(), "effect");
  Moments bad = a;
  bad.n = 1;
  ExpectInvalid(WelchTest(bad, b, Scale::kAbsolute, {}).status(), "control.n");
  bad = a;
  bad.variance = -1;
  ExpectInvalid(WelchTest(a, bad, Scale::kAbsolute, {}).status(),
                "treatment.variance");
}

TEST(InvalidInput, Cells) {
  ExpectInvalid(ValidateStats(MetricType::kMean, Cell(-1, 0, 0)), "n:");
  ExpectInvalid(ValidateStats(MetricType::kMean, Cell(10, kNaN, 0)), "sum:");
  ExpectInvalid(ValidateStats(MetricType::kMean, Cell(10, 1, kInf)), "sum_sq:");
  ExpectInvalid(ValidateStats(MetricType::kBinomial, Conversions(11, 10)),
                "conversions");
  ExpectInvalid(ValidateStats(MetricType::kRetention, Cell(10, -1, 1)),
                "conversions");
  EXPECT_TRUE(ValidateStats(MetricType::kMean, Cell(10, -5, 30)).ok());

  MetricInput in = Metric(MetricType::kMean, {Cell(10, 1, 1), Cell(-1, 0, 0)});
  ExpectInvalid(AnalyzeMetric(in, AnalysisOptions{}).status(),
                "arms[1]: n: must be >= 0");
  ExperimentInput ex;
  ex.weights = {0.5, 0.5};
  ex.units = {10, 10};
  ex.metrics.push_back(in);
  ExpectInvalid(AnalyzeExperiment(ex, AnalysisOptions{}).status(),
                "metrics[0]: arms[1]: n");
  ex.metrics[0].arms.pop_back();
  ExpectInvalid(AnalyzeExperiment(ex, AnalysisOptions{}).status(),
                "metrics[0]: arms: 1 arms for 2 variants");
}

TEST(InvalidInput, SrmAndCorrections) {
  ExpectInvalid(CheckSampleRatio({1, 2}, {0.5}).status(), "weights");
  ExpectInvalid(CheckSampleRatio({1}, {1}).status(), "two variants");
  ExpectInvalid(CheckSampleRatio({1, -2}, {0.5, 0.5}).status(), "units[1]");
  ExpectInvalid(CheckSampleRatio({1, 2}, {0.5, kNaN}).status(), "weights[1]");
  ExpectInvalid(CheckSampleRatio({1, 2}, {0, 0}).status(), "all be 0");
  ExpectInvalid(AdjustPValues({0.1, 1.2}, Correction::kHolm).status(),
                "p_values[1]");
  ExpectInvalid(AdjustPValues({kNaN}, Correction::kNone).status(),
                "p_values[0]");
  absl::StatusOr<std::vector<double>> empty =
      AdjustPValues({}, Correction::kBenjaminiHochberg);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace cxlab::engine::stats
