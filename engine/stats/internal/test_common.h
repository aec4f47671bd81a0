// Copyright 2026 The cxlab Authors.
//
// The frame every test in engine/stats shares: argument checks, the effect
// moments with their degenerate cases, then the method's own computation,
// and finally the guarantee that no field is NaN or infinite.
//
//   return internal::RunTest(control, treatment, scale, alpha,
//                            [&](const EffectMoments& e, EffectEstimate* out) {
//                              out->std_error = std::sqrt(e.variance); ...
//                            });
//
// Thread-safety: pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_INTERNAL_TEST_COMMON_H_
#define CXLAB_ENGINE_STATS_INTERNAL_TEST_COMMON_H_

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "engine/stats/effect.h"
#include "engine/stats/moments.h"

namespace cxlab::engine::stats::internal {

// Checks alpha (in (0, 1)) and both Moments, returning InvalidArgument on
// failure; computes the effect moments and, when a test is possible, calls
// `body` with them and the result to fill (whose `effect` is already set).
// When no test is possible `body` is not called and the result holds what
// can be set and the warning: nothing for the relative scale with a zero
// control mean (kZeroControlMean), only `effect` when the effect variance is
// 0 (kZeroStandardError). Every result then passes FinishTest.
absl::StatusOr<EffectEstimate> RunTest(
    const Moments& control, const Moments& treatment, Scale scale, double alpha,
    absl::FunctionRef<void(const EffectMoments&, EffectEstimate*)> body);

// Unsets every non-finite field of `*e` (recording kNumericalFailure),
// clamps probabilities into [0, 1] and risks to >= 0.
void FinishTest(EffectEstimate* e);

}  // namespace cxlab::engine::stats::internal

#endif  // CXLAB_ENGINE_STATS_INTERNAL_TEST_COMMON_H_
