// Copyright 2026 The cxlab Authors.

#include "engine/stats/effect.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace cxlab::engine::stats {

absl::Status ValidateMoments(const Moments& m, absl::string_view name) {
  if (m.n < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ".n: must be >= 2, got ", m.n));
  }
  if (!std::isfinite(m.mean) || !std::isfinite(m.unadjusted_mean)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ".mean: must be finite"));
  }
  if (!std::isfinite(m.variance) || m.variance < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ".variance: must be finite and >= 0, got ", m.variance));
  }
  return absl::OkStatus();
}

std::optional<EffectMoments> ComputeEffectMoments(
    const Moments& control, const Moments& treatment, Scale scale,
    std::vector<Warning>* warnings) {
  const double na = static_cast<double>(control.n);
  const double nb = static_cast<double>(treatment.n);
  const double sa = control.variance / na;  // variance of mean A
  const double sb = treatment.variance / nb;
  EffectMoments e;
  if (scale == Scale::kAbsolute) {
    e.estimate = treatment.mean - control.mean;
    e.variance = sa + sb;
  } else {
    const double ua = control.unadjusted_mean;
    if (ua == 0) {
      warnings->push_back({WarningCode::kZeroControlMean,
                           "control mean is 0: relative lift is undefined"});
      return std::nullopt;
    }
    const double ratio = treatment.unadjusted_mean / ua;  // uB / uA
    e.estimate = (treatment.mean - control.mean) / ua;
    e.variance = (sb + sa * ratio * ratio) / (ua * ua);
  }
  const double denom = sa * sa / (na - 1) + sb * sb / (nb - 1);
  e.dof = denom > 0 ? (sa + sb) * (sa + sb) / denom : 0;
  return e;
}

}  // namespace cxlab::engine::stats
