// Copyright 2026 The cxlab Authors.

#include "engine/stats/bayesian.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/stats/internal/checks.h"
#include "engine/stats/internal/distributions.h"
#include "engine/stats/internal/test_common.h"

namespace cxlab::engine::stats {
namespace {

// E[max(X, 0)] for X ~ N(mu, sd²), sd > 0.
double PositivePartMean(double mu, double sd) {
  const double z = mu / sd;
  return mu * internal::NormalCdf(z) + sd * internal::NormalPdf(z);
}

}  // namespace

absl::StatusOr<EffectEstimate> BayesianTest(const Moments& control,
                                            const Moments& treatment,
                                            Scale scale,
                                            const BayesianOptions& options) {
  const Prior& prior = options.prior;
  if (prior.proper) {
    if (!std::isfinite(prior.mean)) {
      return absl::InvalidArgumentError(
          absl::StrCat("prior.mean: must be finite, got ", prior.mean));
    }
    if (absl::Status s =
            internal::CheckPositive(prior.variance, "prior.variance");
        !s.ok()) {
      return s;
    }
  }
  return internal::RunTest(
      control, treatment, scale, options.alpha,
      [&](const EffectMoments& e, EffectEstimate* out) {
        double mu = e.estimate;
        double var = e.variance;
        if (prior.proper) {
          double prior_mean = prior.mean;
          double prior_var = prior.variance;
          const double ua = control.unadjusted_mean;
          if (scale == Scale::kAbsolute) {
            prior_mean *= std::fabs(ua);
            prior_var *= ua * ua;
          }
          if (prior_var > 0) {
            const double precision = 1 / var + 1 / prior_var;
            mu = (e.estimate / var + prior_mean / prior_var) / precision;
            var = 1 / precision;
          } else {
            out->warnings.push_back(
                {WarningCode::kPriorNotScaled,
                 "control mean is 0: the prior on relative lift cannot be "
                 "scaled to the absolute effect; flat prior used"});
          }
        }
        const double sd = std::sqrt(var);
        const double z = internal::NormalQuantile(1 - options.alpha / 2);
        out->effect = mu;
        out->std_error = sd;
        out->ci = Interval{mu - z * sd, mu + z * sd};

        const bool higher = options.direction == MetricDirection::kHigher;
        const double gain = higher ? mu : -mu;  // posterior mean of the gain
        out->chance_to_win = internal::NormalSf(-gain / sd);
        out->risk_control = PositivePartMean(gain, sd);     // E[max(gain, 0)]
        out->risk_treatment = PositivePartMean(-gain, sd);  // E[max(-gain, 0)]
      });
}

}  // namespace cxlab::engine::stats
