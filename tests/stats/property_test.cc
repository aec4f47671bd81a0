// Copyright 2026 The cxlab Authors.
//
// Properties every method must have, checked on simulated experiments
// (fixed seeds, so the tests are deterministic):
//   - identical arms: effect 0, p = 1, the interval straddles 0;
//   - intervals contain their estimate; p < alpha exactly when the interval
//     excludes 0; the sequential interval is wider than the fixed one;
//   - adjusted p-values are >= raw ones, and Holm's >= Benjamini-Hochberg's;
//   - A/A: 1,000 experiments reject at about alpha; with daily peeking the
//     sequential method stays at or below alpha (the fixed-horizon test
//     does not);
//   - CUPED never widens the interval when the covariate is correlated.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "engine/stats/analysis.h"
#include "engine/stats/bayesian.h"
#include "engine/stats/frequentist.h"
#include "engine/stats/multiple_testing.h"
#include "engine/stats/sequential.h"
#include "gtest/gtest.h"
#include "tests/stats/test_util.h"

namespace cxlab::engine::stats {
namespace {

using testing::Cell;
using testing::Conversions;
using testing::MomentsOf;

// Adds one unit with value y and covariate x to `s`.
void AddUnit(SufficientStats* s, double y, double x = 0) {
  s->n += 1;
  s->sum += y;
  s->sum_sq += y * y;
  s->pre_sum += x;
  s->pre_sum_sq += x * x;
  s->pre_cross_sum += x * y;
}

SufficientStats NormalArm(std::mt19937_64* rng, int n, double mean) {
  std::normal_distribution<double> d(mean, 1.0);
  SufficientStats s;
  for (int i = 0; i < n; ++i) AddUnit(&s, d(*rng));
  return s;
}

SufficientStats BernoulliArm(std::mt19937_64* rng, int n, double p) {
  std::bernoulli_distribution d(p);
  SufficientStats s;
  for (int i = 0; i < n; ++i) AddUnit(&s, d(*rng) ? 1 : 0);
  return s;
}

EffectEstimate RunMethod(Method method, const Moments& a, const Moments& b,
                         Scale scale, double alpha = 0.05) {
  absl::StatusOr<EffectEstimate> e;
  if (method == Method::kFrequentist) {
    FrequentistOptions o;
    o.alpha = alpha;
    e = WelchTest(a, b, scale, o);
  } else if (method == Method::kSequential) {
    SequentialOptions o;
    o.alpha = alpha;
    e = SequentialTest(a, b, scale, o);
  } else {
    BayesianOptions o;
    o.alpha = alpha;
    e = BayesianTest(a, b, scale, o);
  }
  EXPECT_TRUE(e.ok()) << e.status();
  return e.value_or(EffectEstimate{});
}

TEST(Properties, IdenticalArms) {
  for (const SufficientStats& s :
       {Cell(500, 1234.5, 9000), Conversions(37, 400), Cell(1000, 80, 640)}) {
    const Moments m = MomentsOf(MetricType::kMean, s);
    for (Scale scale : {Scale::kAbsolute, Scale::kRelative}) {
      for (Method method :
           {Method::kFrequentist, Method::kSequential, Method::kBayesian}) {
        const EffectEstimate e = RunMethod(method, m, m, scale);
        ASSERT_TRUE(e.effect.has_value());
        EXPECT_EQ(*e.effect, 0);
        ASSERT_TRUE(e.ci.has_value());
        EXPECT_LT(*e.ci->lower, 0);
        EXPECT_GT(*e.ci->upper, 0);
        EXPECT_NEAR(*e.ci->lower, -*e.ci->upper, 1e-15);
        if (method == Method::kBayesian) {
          EXPECT_DOUBLE_EQ(*e.chance_to_win, 0.5);
          EXPECT_DOUBLE_EQ(*e.risk_control, *e.risk_treatment);
        } else {
          EXPECT_DOUBLE_EQ(*e.p_value, 1.0);
        }
      }
    }
  }
}

TEST(Properties, IntervalsAndPValuesAgree) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> shift(-0.3, 0.3);
  std::uniform_int_distribution<int> size(30, 600);
  for (int trial = 0; trial < 300; ++trial) {
    const Moments a =
        MomentsOf(MetricType::kMean, NormalArm(&rng, size(rng), 2.0));
    const Moments b = MomentsOf(MetricType::kMean,
                                NormalArm(&rng, size(rng), 2.0 + shift(rng)));
    const double alpha = trial % 3 == 0 ? 0.01 : 0.05;
    for (Scale scale : {Scale::kAbsolute, Scale::kRelative}) {
      const EffectEstimate fixed =
          RunMethod(Method::kFrequentist, a, b, scale, alpha);
      const EffectEstimate seq =
          RunMethod(Method::kSequential, a, b, scale, alpha);
      const EffectEstimate bayes =
          RunMethod(Method::kBayesian, a, b, scale, alpha);
      for (const EffectEstimate* e : {&fixed, &seq, &bayes}) {
        testing::ExpectAllFinite(*e);
        ASSERT_TRUE(e->ci.has_value());
        EXPECT_LE(*e->ci->lower, *e->effect);
        EXPECT_GE(*e->ci->upper, *e->effect);
      }
      for (const EffectEstimate* e : {&fixed, &seq}) {
        const bool excludes_zero = *e->ci->lower > 0 || *e->ci->upper < 0;
        EXPECT_EQ(*e->p_value < alpha, excludes_zero)
            << "p " << *e->p_value << " ci [" << *e->ci->lower << ", "
            << *e->ci->upper << "]";
      }
      // Peeking safety costs width.
      EXPECT_GT(*seq.ci->upper - *seq.ci->lower,
                *fixed.ci->upper - *fixed.ci->lower);
      // Flat prior: the credible interval is the normal-theory interval.
      EXPECT_NEAR(*bayes.effect, *fixed.effect, 1e-15);
    }
  }
}

TEST(Properties, OneSidedTests) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    const Moments a = MomentsOf(MetricType::kMean, NormalArm(&rng, 200, 1.0));
    const Moments b = MomentsOf(MetricType::kMean, NormalArm(&rng, 220, 1.1));
    FrequentistOptions two, greater, less;
    greater.alternative = Alternative::kGreater;
    less.alternative = Alternative::kLess;
    const EffectEstimate t = *WelchTest(a, b, Scale::kAbsolute, two);
    const EffectEstimate g = *WelchTest(a, b, Scale::kAbsolute, greater);
    const EffectEstimate l = *WelchTest(a, b, Scale::kAbsolute, less);
    EXPECT_NEAR(*g.p_value + *l.p_value, 1.0, 1e-12);
    EXPECT_NEAR(std::fmin(*g.p_value, *l.p_value), *t.p_value / 2, 1e-12);
    EXPECT_FALSE(g.ci->upper.has_value());
    EXPECT_FALSE(l.ci->lower.has_value());
    EXPECT_GT(*g.ci->lower, *t.ci->lower);  // one bound, tighter

    SequentialOptions sg;
    sg.alternative = Alternative::kGreater;
    const EffectEstimate s = *SequentialTest(a, b, Scale::kAbsolute, sg);
    EXPECT_EQ(*s.p_value<0.05, *s.ci->lower> 0);
    EXPECT_FALSE(s.ci->upper.has_value());
  }
}

TEST(Properties, AdjustedPValues) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 500; ++trial) {
    std::vector<double> p(1 + trial % 30);
    for (double& x : p) x = trial % 2 ? u(rng) : u(rng) * 0.05;
    const std::vector<double> holm = *AdjustPValues(p, Correction::kHolm);
    const std::vector<double> bh =
        *AdjustPValues(p, Correction::kBenjaminiHochberg);
    EXPECT_EQ(*AdjustPValues(p, Correction::kNone), p);
    for (size_t i = 0; i < p.size(); ++i) {
      EXPECT_GE(holm[i], p[i]);
      EXPECT_GE(bh[i], p[i]);
      EXPECT_LE(holm[i], 1.0);
      EXPECT_GE(holm[i], bh[i] - 1e-15);
      for (size_t j = 0; j < p.size(); ++j) {  // order is preserved
        if (p[i] < p[j]) {
          EXPECT_LE(holm[i], holm[j]);
          EXPECT_LE(bh[i], bh[j]);
        }
      }
    }
  }
}

// 1,000 A/A experiments: the share rejected at alpha = 0.05 is about 0.05
// (binomial sd 0.007 over 1,000 trials).
TEST(Properties, AaFalsePositiveRate) {
  std::mt19937_64 rng(2026);
  int rejected_mean = 0, rejected_binomial = 0;
  const int kExperiments = 1000;
  for (int i = 0; i < kExperiments; ++i) {
    MetricInput mean;
    mean.type = MetricType::kMean;
    mean.arms = {NormalArm(&rng, 300, 5), NormalArm(&rng, 300, 5)};
    MetricInput conv;
    conv.type = MetricType::kBinomial;
    conv.arms = {BernoulliArm(&rng, 1000, 0.1), BernoulliArm(&rng, 1000, 0.1)};
    for (auto [in, count] : {std::pair{&mean, &rejected_mean},
                             std::pair{&conv, &rejected_binomial}}) {
      absl::StatusOr<MetricAnalysis> a = AnalyzeMetric(*in, AnalysisOptions{});
      ASSERT_TRUE(a.ok());
      if (a->comparisons[0].verdict == Verdict::kBetter ||
          a->comparisons[0].verdict == Verdict::kWorse) {
        ++*count;
      }
    }
  }
  const double rate_mean = static_cast<double>(rejected_mean) / kExperiments;
  const double rate_binomial =
      static_cast<double>(rejected_binomial) / kExperiments;
  std::printf(
      "A/A false positive rate at alpha 0.05: mean %.3f, "
      "binomial %.3f\n",
      rate_mean, rate_binomial);
  EXPECT_NEAR(rate_mean, 0.05, 0.021) << rate_mean;
  EXPECT_NEAR(rate_binomial, 0.05, 0.021) << rate_binomial;
}

// Peeking every day for 30 days: the sequential method's family-wise false
// positive rate stays <= alpha, while repeatedly reading the fixed-horizon
// test inflates it well beyond alpha (why the sequential method exists).
TEST(Properties, SequentialSurvivesDailyPeeking) {
  std::mt19937_64 rng(99);
  std::normal_distribution<double> noise(10, 3);
  const int kExperiments = 1000, kDays = 30, kUnitsPerDay = 60;
  int seq_false = 0, fixed_false = 0;
  for (int i = 0; i < kExperiments; ++i) {
    SufficientStats a, b;
    bool seq_rejected = false, fixed_rejected = false;
    for (int day = 0; day < kDays; ++day) {
      for (int u = 0; u < kUnitsPerDay; ++u) {
        AddUnit(&a, noise(rng));
        AddUnit(&b, noise(rng));
      }
      const Moments ma = MomentsOf(MetricType::kMean, a);
      const Moments mb = MomentsOf(MetricType::kMean, b);
      seq_rejected |=
          *RunMethod(Method::kSequential, ma, mb, Scale::kRelative).p_value <
          0.05;
      fixed_rejected |=
          *RunMethod(Method::kFrequentist, ma, mb, Scale::kRelative).p_value <
          0.05;
    }
    seq_false += seq_rejected;
    fixed_false += fixed_rejected;
  }
  const double seq_rate = static_cast<double>(seq_false) / kExperiments;
  const double fixed_rate = static_cast<double>(fixed_false) / kExperiments;
  std::printf(
      "30 daily peeks, false positive rate: sequential %.3f, "
      "fixed-horizon %.3f\n",
      seq_rate, fixed_rate);
  EXPECT_LE(seq_rate, 0.05) << seq_rate;
  EXPECT_GT(fixed_rate, 0.10) << fixed_rate;
}

// Y = X + noise: CUPED's pooled theta removes X's share of the variance,
// so the interval is narrower in every experiment.
TEST(Properties, CupedNeverWidensWithCorrelatedCovariate) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> z(0, 1);
  for (int i = 0; i < 200; ++i) {
    MetricInput in;
    in.type = i % 2 ? MetricType::kMean : MetricType::kDuration;
    for (int arm = 0; arm < 3; ++arm) {
      SufficientStats s;
      for (int u = 0; u < 150 + 50 * arm; ++u) {
        const double x = 20 + 4 * z(rng);
        AddUnit(&s, x + 0.1 * arm + 3 * z(rng), x);
      }
      in.arms.push_back(s);
    }
    AnalysisOptions plain, cuped;
    cuped.cuped = true;
    const MetricAnalysis raw = *AnalyzeMetric(in, plain);
    const MetricAnalysis adj = *AnalyzeMetric(in, cuped);
    ASSERT_TRUE(adj.cuped.applied);
    EXPECT_NEAR(adj.cuped.theta, 1.0, 0.25);
    for (size_t c = 0; c < raw.comparisons.size(); ++c) {
      for (auto [r, a] : {std::pair{&raw.comparisons[c].absolute,
                                    &adj.comparisons[c].absolute},
                          std::pair{&raw.comparisons[c].relative,
                                    &adj.comparisons[c].relative}}) {
        EXPECT_LT(*a->ci->upper - *a->ci->lower, *r->ci->upper - *r->ci->lower);
      }
      ASSERT_TRUE(adj.comparisons[c].cuped_variance_reduction.has_value());
      EXPECT_GT(*adj.comparisons[c].cuped_variance_reduction, 0.3);
    }
    // The control's adjusted mean stays on the metric's scale.
    EXPECT_NEAR(*adj.arms[0].moments.mean, *adj.arms[0].moments.unadjusted_mean,
                1.0);
  }
}

}  // namespace
}  // namespace cxlab::engine::stats
