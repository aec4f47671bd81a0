// Copyright 2026 The cxlab Authors.
//
// The treatment-minus-control effect shared by every test: its scale
// (absolute difference or relative lift), the alternative hypothesis, the
// point estimate with its delta-method variance and Welch-Satterthwaite
// degrees of freedom, and EffectEstimate, the result every test returns.
//
//   std::vector<Warning> w;
//   std::optional<EffectMoments> e =
//       ComputeEffectMoments(control, treatment, Scale::kRelative, &w);
//
// Thread-safety: plain values and pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_EFFECT_H_
#define CXLAB_ENGINE_STATS_EFFECT_H_

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "engine/stats/moments.h"
#include "engine/stats/warnings.h"

namespace cxlab::engine::stats {

// How the effect is expressed.
enum class Scale {
  kAbsolute,  // mean_B - mean_A
  kRelative,  // (mean_B - mean_A) / unadjusted mean_A  (mean_B / mean_A - 1)
};

// The alternative hypothesis about the effect (treatment B vs control A).
enum class Alternative {
  kTwoSided,  // effect != 0
  kGreater,   // effect > 0 (one-sided; CI unbounded above)
  kLess,      // effect < 0 (one-sided; CI unbounded below)
};

// A confidence (or credible) interval. An unset bound is unbounded: the
// upper bound of a kGreater test, the lower bound of a kLess test.
struct Interval {
  std::optional<double> lower;
  std::optional<double> upper;
};

// The result of a test on one scale. Every field is optional: what the data
// cannot define stays unset, and `warnings` says why; no field is ever NaN or
// infinite. Frequentist and sequential tests fill p_value (and the
// frequentist test dof); the Bayesian test fills chance_to_win and the two
// risks instead. `std_error` is the posterior standard deviation for the
// Bayesian test.
struct EffectEstimate {
  std::optional<double> effect;     // point estimate (posterior mean)
  std::optional<double> std_error;  // SE of `effect`
  std::optional<Interval> ci;       // 1 - alpha interval; unset: undefined
  std::optional<double> dof;        // Welch-Satterthwaite (frequentist)
  std::optional<double> p_value;    // raw p-value
  std::optional<double> adjusted_p_value;  // after a multiple-testing
                                           // correction, when one is applied
  std::optional<double> chance_to_win;     // P(treatment is better)
  std::optional<double> risk_control;      // expected loss keeping control
  std::optional<double> risk_treatment;    // expected loss shipping treatment
  std::vector<Warning> warnings;
};

// Point estimate, variance and Welch-Satterthwaite degrees of freedom of the
// effect of B over A.
struct EffectMoments {
  double estimate = 0;
  double variance = 0;  // of the estimate (0 when both arms are constant)
  double dof = 0;       // 0 when variance is 0
};

// OK when `m` is a valid Moments (n >= 2, finite, variance >= 0);
// InvalidArgument naming `name` otherwise.
absl::Status ValidateMoments(const Moments& m, absl::string_view name);

// The effect of `treatment` over `control`:
//   absolute  estimate mB - mA, variance vA/nA + vB/nB;
//   relative  estimate (mB - mA) / uA, variance (delta method, gbstats)
//             vB / (uA² nB) + vA uB² / (uA⁴ nA), where u are unadjusted
//             means (equal to m without CUPED);
//   dof       (vA/nA + vB/nB)² / ((vA/nA)²/(nA-1) + (vB/nB)²/(nB-1)) on the
//             arm variances, for both scales.
// Returns nullopt and appends kZeroControlMean to `*warnings` (not owned)
// for the relative scale when uA is 0. Both Moments must be valid.
std::optional<EffectMoments> ComputeEffectMoments(
    const Moments& control, const Moments& treatment, Scale scale,
    std::vector<Warning>* warnings);

}  // namespace cxlab::engine::stats

#endif  // CXLAB_ENGINE_STATS_EFFECT_H_
