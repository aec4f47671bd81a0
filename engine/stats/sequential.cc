// Copyright 2026 The cxlab Authors.

#include "engine/stats/sequential.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/stats/internal/checks.h"
#include "engine/stats/internal/test_common.h"

namespace cxlab::engine::stats {

absl::StatusOr<EffectEstimate> SequentialTest(
    const Moments& control, const Moments& treatment, Scale scale,
    const SequentialOptions& options) {
  const bool two_sided = options.alternative == Alternative::kTwoSided;
  const double alpha = options.alpha;
  if (absl::Status s = internal::CheckPositive(options.tuning, "tuning");
      !s.ok()) {
    return s;
  }
  if (!two_sided && alpha >= 0.5 && alpha < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "alpha: must be in (0, 0.5) for a one-sided sequential test, got ",
        alpha));
  }
  // Summed as doubles: two valid int64 counts may overflow int64 (undefined
  // behaviour; found by tests/fuzz report).
  const double n =
      static_cast<double>(control.n) + static_cast<double>(treatment.n);
  const double a = two_sided ? alpha : 2 * alpha;
  const double log_a = std::log(a);
  const double rho2 = (-2 * log_a + std::log(1 - 2 * log_a)) / options.tuning;
  const double r = n * rho2 + 1;
  const Alternative alternative = options.alternative;
  return internal::RunTest(
      control, treatment, scale, alpha,
      [&](const EffectMoments& e, EffectEstimate* out) {
        const double s2 = e.variance * n;
        const double scale2 = s2 * 2 * r / (n * n * rho2);  // s² 2r / (N rho)²
        // effect² N rho² / (2 V r): the exponent of both p-values.
        const double exponent =
            e.estimate * e.estimate * n * rho2 / (2 * e.variance * r);
        out->std_error = std::sqrt(e.variance);
        Interval ci;
        if (two_sided) {
          const double halfwidth =
              std::sqrt(scale2 * std::log(std::sqrt(r) / alpha));
          ci.lower = e.estimate - halfwidth;
          ci.upper = e.estimate + halfwidth;
          out->p_value = std::min(1.0, std::exp(0.5 * std::log(r) - exponent));
        } else {
          const double halfwidth =
              std::sqrt(scale2 * std::log1p(std::sqrt(r) / (2 * alpha)));
          const bool greater = alternative == Alternative::kGreater;
          if (greater) {
            ci.lower = e.estimate - halfwidth;
          } else {
            ci.upper = e.estimate + halfwidth;
          }
          const bool toward = greater ? e.estimate > 0 : e.estimate < 0;
          // expm1 overflows to +inf for a huge exponent, giving p = 0.
          out->p_value =
              toward && exponent > 0
                  ? std::min(1.0, std::sqrt(r) / (2 * std::expm1(exponent)))
                  : 1.0;
        }
        out->ci = ci;
      });
}

}  // namespace cxlab::engine::stats
