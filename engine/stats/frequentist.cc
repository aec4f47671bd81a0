// Copyright 2026 The cxlab Authors.

#include "engine/stats/frequentist.h"

#include <cmath>

#include "engine/stats/internal/distributions.h"
#include "engine/stats/internal/test_common.h"

namespace cxlab::engine::stats {

absl::StatusOr<EffectEstimate> WelchTest(const Moments& control,
                                         const Moments& treatment, Scale scale,
                                         const FrequentistOptions& options) {
  const double alpha = options.alpha;
  const Alternative alternative = options.alternative;
  return internal::RunTest(
      control, treatment, scale, alpha,
      [alpha, alternative](const EffectMoments& e, EffectEstimate* out) {
        const double se = std::sqrt(e.variance);
        const double t = e.estimate / se;
        out->std_error = se;
        out->dof = e.dof;
        Interval ci;
        switch (alternative) {
          case Alternative::kTwoSided: {
            out->p_value = 2 * internal::StudentTSf(std::fabs(t), e.dof);
            const double width =
                internal::StudentTQuantile(1 - alpha / 2, e.dof) * se;
            ci.lower = e.estimate - width;
            ci.upper = e.estimate + width;
            break;
          }
          case Alternative::kGreater:
            out->p_value = internal::StudentTSf(t, e.dof);
            ci.lower =
                e.estimate - internal::StudentTQuantile(1 - alpha, e.dof) * se;
            break;
          case Alternative::kLess:
            out->p_value = internal::StudentTCdf(t, e.dof);
            ci.upper =
                e.estimate + internal::StudentTQuantile(1 - alpha, e.dof) * se;
            break;
        }
        out->ci = ci;
      });
}

}  // namespace cxlab::engine::stats
