// Copyright 2026 The cxlab Authors.
//
// Analysis: the whole statistical content of an experiment report, from the
// summed SufficientStats of every (variant, metric) cell. This is the entry
// point the report service uses; the pieces (moments.h, frequentist.h,
// sequential.h, bayesian.h, srm.h, multiple_testing.h, power.h) are public
// for finer use and for tests.
//
//   ExperimentInput in;
//   in.weights = {0.5, 0.5};
//   in.units = {5012, 4988};
//   in.metrics.push_back({MetricType::kBinomial, MetricDirection::kHigher,
//                         /*guardrail=*/false, {control_cell,
//                         treatment_cell}});
//   AnalysisOptions o;                 // frequentist, alpha 0.05, no CUPED
//   o.correction = Correction::kHolm;
//   ASSIGN_OR_RETURN(ExperimentAnalysis a, AnalyzeExperiment(in, o));
//   const Comparison& c = a.metrics[0].comparisons[0];   // variant 1 vs 0
//   if (c.relative.effect) ...         // unset fields: see the warnings
//
// Rules:
//   - Variant 0 is the control; every other variant is compared with it on
//     both scales (absolute and relative).
//   - CUPED (when asked) fits one theta pooled over every arm of the metric.
//   - Guardrail metrics are tested one-sided in the harmful direction (less
//     when higher is better, greater when lower is better) by the
//     frequentist and sequential methods, and stay outside the correction
//     family.
//   - The correction family is every comparison of every non-guardrail
//     metric with a defined p-value, separately per scale.
//   - A comparison's verdict reads the relative scale when it is defined,
//     else the absolute one, with the adjusted p-value when there is one.
//
// Thread-safety: plain values and pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_ANALYSIS_H_
#define CXLAB_ENGINE_STATS_ANALYSIS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/definitions.h"
#include "engine/metrics.h"
#include "engine/stats/bayesian.h"
#include "engine/stats/effect.h"
#include "engine/stats/moments.h"
#include "engine/stats/multiple_testing.h"
#include "engine/stats/srm.h"
#include "engine/stats/warnings.h"

namespace cxlab::engine::stats {

enum class Method { kFrequentist, kSequential, kBayesian };

// "frequentist", "sequential", "bayesian"; and back (InvalidArgument on an
// unknown name).
absl::string_view MethodName(Method m);
absl::StatusOr<Method> ParseMethod(absl::string_view name);

struct AnalysisOptions {
  Method method = Method::kFrequentist;
  double alpha = 0.05;              // in (0, 1)
  bool cuped = false;               // regression-adjust on the covariate
  double sequential_tuning = 5000;  // N* of the sequential method
  Prior prior;                      // Bayesian prior on relative lift
  Correction correction = Correction::kNone;  // AnalyzeExperiment only
  double srm_threshold = kSrmThreshold;       // AnalyzeExperiment only
};

struct MetricInput {
  MetricType type = MetricType::kBinomial;
  MetricDirection direction = MetricDirection::kHigher;
  bool guardrail = false;
  std::vector<SufficientStats> arms;  // one per variant; arms[0] = control
};

// The outcome of a comparison, taking the metric's direction into account.
enum class Verdict {
  kUndefined,     // the data cannot say (see the warnings)
  kInconclusive,  // not significant
  kBetter,        // significantly better than control
  kWorse,         // significantly worse than control
};

absl::string_view VerdictName(Verdict v);  // "undefined", "inconclusive", ...

struct ArmResult {
  ArmMoments moments;  // n, observed and (CUPED) adjusted mean and variance
  // 1 - alpha interval of the observed mean, mean ± t_{1-alpha/2, n-1}
  // sqrt(variance / n); unset when n < 2 or the variance is 0.
  std::optional<Interval> value_ci;
};

// Treatment `variant` against the control.
struct Comparison {
  int variant = 0;          // index into the metric's arms, >= 1
  EffectEstimate absolute;  // mean_B - mean_A
  EffectEstimate relative;  // (mean_B - mean_A) / mean_A
  // 1 - V_cuped / V_raw for the absolute effect's variance (negative if the
  // adjustment widened it); set only when CUPED was applied.
  std::optional<double> cuped_variance_reduction;
  Verdict verdict = Verdict::kUndefined;
  // Why the comparison is undefined when an arm has no usable moments
  // (copies of that arm's warnings), or why cuped_variance_reduction is
  // unset although CUPED was applied (kNumericalFailure).
  std::vector<Warning> warnings;
};

struct MetricAnalysis {
  std::vector<ArmResult> arms;          // one per variant
  std::vector<Comparison> comparisons;  // variants 1..k-1, in order
  CupedFit cuped;                       // applied == false without CUPED
};

// Analyses one metric. InvalidArgument when it has fewer than two arms, an
// option is invalid (alpha, tuning, prior), or a cell fails ValidateStats
// (the message names the arm: "arms[1]: n: must be >= 0, got -1").
absl::StatusOr<MetricAnalysis> AnalyzeMetric(const MetricInput& metric,
                                             const AnalysisOptions& options);

struct ExperimentInput {
  std::vector<double> weights;       // configured variant weights
  std::vector<int64_t> units;        // units exposed per variant (SRM)
  std::vector<MetricInput> metrics;  // each with weights.size() arms
};

struct ExperimentAnalysis {
  SrmResult srm;
  std::vector<MetricAnalysis> metrics;  // input order
};

// SRM, every metric, then the multiple-testing correction (options.correction)
// across the non-guardrail comparisons, filling adjusted_p_value (for
// Correction::kNone it equals the raw p-value; guardrails keep it unset) and
// recomputing verdicts from it. InvalidArgument as AnalyzeMetric and
// CheckSampleRatio, prefixed with "metrics[i]: ", or when a metric's arm
// count differs from the number of variants.
absl::StatusOr<ExperimentAnalysis> AnalyzeExperiment(
    const ExperimentInput& input, const AnalysisOptions& options);

}  // namespace cxlab::engine::stats

#endif  // CXLAB_ENGINE_STATS_ANALYSIS_H_
