// Copyright 2026 The cxlab Authors.
//
// Fixed-horizon frequentist test: Welch's unequal-variance t-test on the
// absolute or relative effect, two-sided or one-sided, as gbstats computes
// it (Welch-Satterthwaite degrees of freedom on the arm variances, for the
// relative scale too).
//
//   FrequentistOptions o;            // alpha 0.05, two-sided
//   ASSIGN_OR_RETURN(EffectEstimate e,
//                    WelchTest(control, treatment, Scale::kRelative, o));
//
// With t = effect / SE and T ~ t(dof):
//   two-sided  p = 2 P(T > |t|), CI effect ± t_{1-alpha/2} SE
//   greater    p = P(T > t),     CI [effect - t_{1-alpha} SE, +inf)
//   less       p = P(T < t),     CI (-inf, effect + t_{1-alpha} SE]
//
// Thread-safety: pure function, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_FREQUENTIST_H_
#define CXLAB_ENGINE_STATS_FREQUENTIST_H_

#include "absl/status/statusor.h"
#include "engine/stats/effect.h"
#include "engine/stats/moments.h"

namespace cxlab::engine::stats {

struct FrequentistOptions {
  double alpha = 0.05;  // in (0, 1); CI level 1 - alpha
  Alternative alternative = Alternative::kTwoSided;
};

// Welch's t-test of `treatment` against `control` on `scale`.
// InvalidArgument when alpha is outside (0, 1) or a Moments is invalid
// (ValidateMoments). Degenerate data is not an error: the relative scale
// with a control mean of 0 leaves everything unset (kZeroControlMean); two
// constant arms set only `effect` (kZeroStandardError).
absl::StatusOr<EffectEstimate> WelchTest(const Moments& control,
                                         const Moments& treatment, Scale scale,
                                         const FrequentistOptions& options);

}  // namespace cxlab::engine::stats

#endif  // CXLAB_ENGINE_STATS_FREQUENTIST_H_
