// Copyright 2026 The cxlab Authors.
//
// Sequential (peeking-safe) test: asymptotic confidence sequences
// (Waudby-Smith, Arnold, Wu, Lindon, Ramdas, "Time-uniform central limit
// theory and asymptotic confidence sequences", 2021; arXiv:2103.06476), with
// gbstats' parametrisation. The interval and p-value stay valid however often
// the report is read while data arrives.
//
//   SequentialOptions o;   // alpha 0.05, two-sided, tuning N* = 5000
//   ASSIGN_OR_RETURN(EffectEstimate e,
//                    SequentialTest(control, treatment, Scale::kAbsolute, o));
//
// With N = nA + nB, V the effect variance (effect.h), s² = V N,
// a = alpha (two-sided) or 2 alpha (one-sided),
// rho² = (-2 ln a + ln(1 - 2 ln a)) / N*, r = N rho² + 1:
//   two-sided  halfwidth = sqrt(s² · 2r / (N rho)² · ln(sqrt(r) / alpha)),
//              p = min(1, sqrt(r) · exp(-rho² effect² N / (2 V r)))
//              (the always-valid p-value, eq. 155 of the paper);
//   one-sided  halfwidth = sqrt(s² · 2r / (N rho)² · ln(1 + sqrt(r)/(2 alpha)))
//              on the tested side only; p is the smallest alpha whose bound
//              excludes 0 (closed form sqrt(r) / (2 expm1(L)),
//              L = effect² N rho² / (2 V r)), and 1 when the effect points the
//              other way. One-sided tests need alpha < 0.5.
// No Student t: the confidence sequence is asymptotically normal; `dof` is
// left unset.
//
// Thread-safety: pure function, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_SEQUENTIAL_H_
#define CXLAB_ENGINE_STATS_SEQUENTIAL_H_

#include "absl/status/statusor.h"
#include "engine/stats/effect.h"
#include "engine/stats/moments.h"

namespace cxlab::engine::stats {

struct SequentialOptions {
  double alpha = 0.05;  // in (0, 1); in (0, 0.5) for one-sided tests
  Alternative alternative = Alternative::kTwoSided;
  // N*: the total sample size (both arms) at which the sequence is tightest.
  double tuning = 5000;
};

// The sequential test of `treatment` against `control` on `scale`.
// InvalidArgument when alpha is out of range, tuning is not a finite
// positive number, or a Moments is invalid. Degenerate data as WelchTest.
absl::StatusOr<EffectEstimate> SequentialTest(const Moments& control,
                                              const Moments& treatment,
                                              Scale scale,
                                              const SequentialOptions& options);

}  // namespace cxlab::engine::stats

#endif  // CXLAB_ENGINE_STATS_SEQUENTIAL_H_
