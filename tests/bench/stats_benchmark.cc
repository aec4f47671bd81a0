// Copyright 2026 The cxlab Authors.
//
// engine/stats benchmarks against DESIGN §8's budget: GetReport <= 5 ms for
// 3 variants x 10 metrics. The statistics are O(variants x metrics) and do
// not depend on the number of events, so the pure computation should take
// microseconds. Run with `make bench` or
//   build/tests/bench/stats_benchmark

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/metrics.h"
#include "engine/stats/analysis.h"
#include "engine/stats/frequentist.h"
#include "engine/stats/moments.h"

namespace cxlab::engine::stats {
namespace {

// A cell of n units with mean `mean`, standard deviation `sd` and a CUPED
// covariate correlated 0.6 with Y.
SufficientStats MakeCell(MetricType type, int64_t n, double mean, double sd) {
  SufficientStats s;
  const double dn = static_cast<double>(n);
  s.n = n;
  s.sum = mean * dn;
  s.sum_sq =
      type == MetricType::kBinomial ? s.sum : (sd * sd + mean * mean) * dn;
  s.pre_sum = 0.9 * mean * dn;
  s.pre_sum_sq = (sd * sd + 0.81 * mean * mean) * dn;
  s.pre_cross_sum = (0.6 * sd * sd + 0.9 * mean * mean) * dn;
  if (type == MetricType::kRatio) {
    s.den_sum = 3 * dn;
    s.den_sum_sq = 10 * dn;
    s.cross_sum = (3 * mean + 0.5) * dn;
  }
  return s;
}

// 3 variants x 10 metrics (one of every type, the revenue one a guardrail).
ExperimentInput ThreeByTen() {
  ExperimentInput in;
  in.weights = {1.0 / 3, 1.0 / 3, 1.0 / 3};
  in.units = {100000, 100300, 99800};
  const struct {
    MetricType type;
    double mean, sd;
    bool guardrail;
    MetricDirection direction;
  } kMetrics[] = {
      {MetricType::kBinomial, 0.1, 0, false, MetricDirection::kHigher},
      {MetricType::kCount, 2.5, 1.8, false, MetricDirection::kHigher},
      {MetricType::kMean, 20, 35, true, MetricDirection::kHigher},
      {MetricType::kRatio, 0.4, 0.9, false, MetricDirection::kHigher},
      {MetricType::kNps, 0.3, 0.8, false, MetricDirection::kHigher},
      {MetricType::kCsat, 0.8, 0.4, false, MetricDirection::kHigher},
      {MetricType::kCes, 3.1, 1.2, false, MetricDirection::kLower},
      {MetricType::kScore, 7.5, 2.0, false, MetricDirection::kHigher},
      {MetricType::kDuration, 3600, 2400, false, MetricDirection::kLower},
      {MetricType::kRetention, 0.35, 0, false, MetricDirection::kHigher},
  };
  for (const auto& m : kMetrics) {
    MetricInput metric;
    metric.type = m.type;
    metric.direction = m.direction;
    metric.guardrail = m.guardrail;
    for (int v = 0; v < 3; ++v) {
      const double mean = m.mean * (1 + 0.01 * v);
      const double sd = m.sd > 0 ? m.sd : std::sqrt(mean * (1 - mean));
      metric.arms.push_back(MakeCell(m.type, in.units[v], mean, sd));
    }
    in.metrics.push_back(metric);
  }
  return in;
}

// The whole statistical content of one report.
void BM_AnalyzeExperiment3x10(benchmark::State& state) {
  const ExperimentInput in = ThreeByTen();
  AnalysisOptions o;
  o.method = static_cast<Method>(state.range(0));
  o.cuped = state.range(1) != 0;
  o.correction = Correction::kBenjaminiHochberg;
  for (auto _ : state) {
    absl::StatusOr<ExperimentAnalysis> a = AnalyzeExperiment(in, o);
    benchmark::DoNotOptimize(a);
  }
  state.SetLabel(absl::StrCat(MethodName(o.method), o.cuped ? "+cuped" : ""));
}
BENCHMARK(BM_AnalyzeExperiment3x10)
    ->ArgNames({"method", "cuped"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Unit(benchmark::kMicrosecond);

// One Welch test (both Boost t calls) on ready moments.
void BM_WelchTest(benchmark::State& state) {
  const Moments a{100000, 0.1, 0.09, 0.1};
  const Moments b{100300, 0.102, 0.0916, 0.102};
  FrequentistOptions o;
  for (auto _ : state) {
    absl::StatusOr<EffectEstimate> e = WelchTest(a, b, Scale::kRelative, o);
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(BM_WelchTest);

// Moments of one cell.
void BM_ComputeArmMoments(benchmark::State& state) {
  const SufficientStats s = MakeCell(MetricType::kMean, 100000, 20, 35);
  for (auto _ : state) {
    absl::StatusOr<ArmMoments> m = ComputeArmMoments(MetricType::kMean, s);
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_ComputeArmMoments);

}  // namespace
}  // namespace cxlab::engine::stats

BENCHMARK_MAIN();
