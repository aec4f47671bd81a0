// Copyright 2026 The cxlab Authors.

#include "engine/stats/power.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/stats/internal/checks.h"
#include "engine/stats/internal/distributions.h"

namespace cxlab::engine::stats {
namespace {

absl::StatusOr<double> ZSum(const PowerOptions& options) {
  if (absl::Status s = internal::CheckOpenUnit(options.alpha, "alpha");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = internal::CheckOpenUnit(options.power, "power");
      !s.ok()) {
    return s;
  }
  const double tail = options.alternative == Alternative::kTwoSided
                          ? options.alpha / 2
                          : options.alpha;
  return internal::NormalQuantile(1 - tail) +
         internal::NormalQuantile(options.power);
}

absl::Status CheckVariance(double v, absl::string_view name) {
  if (std::isfinite(v) && v >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": must be finite and >= 0, got ", v));
}

absl::Status CheckWeight(double w, absl::string_view name) {
  if (w > 0 && w <= 1) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": must be in (0, 1], got ", w));
}

}  // namespace

absl::StatusOr<double> MinimumDetectableEffect(double effect_variance,
                                               const PowerOptions& options) {
  if (absl::Status s = CheckVariance(effect_variance, "effect_variance");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<double> z = ZSum(options);
  if (!z.ok()) return z.status();
  return *z * std::sqrt(effect_variance);
}

absl::StatusOr<double> RequiredUnits(double unit_variance, double effect,
                                     const PowerOptions& options) {
  if (absl::Status s = CheckVariance(unit_variance, "unit_variance"); !s.ok()) {
    return s;
  }
  if (!std::isfinite(effect) || effect == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("effect: must be finite and != 0, got ", effect));
  }
  absl::StatusOr<double> z = ZSum(options);
  if (!z.ok()) return z.status();
  return *z * *z * unit_variance / (effect * effect);
}

std::optional<double> DaysLeft(double units_still_needed,
                               double units_per_day) {
  if (!(units_still_needed > 0)) return 0.0;
  if (!(units_per_day > 0) || !std::isfinite(units_per_day)) {
    return std::nullopt;
  }
  const double days = units_still_needed / units_per_day;
  if (!std::isfinite(days)) return std::nullopt;
  return days;
}

absl::StatusOr<PowerAnalysis> PlanPower(const PowerInput& in,
                                        const PowerOptions& options) {
  if (absl::Status s = ValidateMoments(in.control, "control"); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateMoments(in.treatment, "treatment"); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckWeight(in.control_weight, "control_weight");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckWeight(in.treatment_weight, "treatment_weight");
      !s.ok()) {
    return s;
  }
  if (in.current_units < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("current_units: must be >= 0, got ", in.current_units));
  }
  if (!std::isfinite(in.units_per_day) || in.units_per_day < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "units_per_day: must be finite and >= 0, got ", in.units_per_day));
  }
  if (in.target_relative_effect.has_value()) {
    if (absl::Status s = internal::CheckPositive(*in.target_relative_effect,
                                                 "target_relative_effect");
        !s.ok()) {
      return s;
    }
  }

  PowerAnalysis out;
  const Moments& a = in.control;
  const Moments& b = in.treatment;
  const double effect_variance = a.variance / static_cast<double>(a.n) +
                                 b.variance / static_cast<double>(b.n);
  absl::StatusOr<double> mde =
      MinimumDetectableEffect(effect_variance, options);
  if (!mde.ok()) return mde.status();
  out.mde_absolute = *mde;
  const double base = std::fabs(a.unadjusted_mean);
  if (base > 0) {
    out.mde_relative = *mde / base;
  } else {
    out.warnings.push_back(
        {WarningCode::kUndefinedTarget,
         "control mean is 0: relative MDE and sample size are undefined"});
  }
  if (in.target_relative_effect.has_value() && base > 0) {
    const double unit_variance =
        a.variance / in.control_weight + b.variance / in.treatment_weight;
    if (unit_variance == 0) {
      out.warnings.push_back(
          {WarningCode::kUndefinedTarget,
           "both arms have zero variance: sample size is undefined"});
    } else {
      absl::StatusOr<double> required = RequiredUnits(
          unit_variance, *in.target_relative_effect * base, options);
      if (!required.ok()) return required.status();
      out.required_units = *required;
      out.units_still_needed =
          std::max(0.0, *required - static_cast<double>(in.current_units));
      out.days_left = DaysLeft(*out.units_still_needed, in.units_per_day);
      if (!out.days_left.has_value()) {
        out.warnings.push_back(
            {WarningCode::kNoTraffic,
             "no traffic observed: days left cannot be estimated"});
      }
    }
  }
  for (std::optional<double>* f :
       {&out.mde_absolute, &out.mde_relative, &out.required_units,
        &out.units_still_needed, &out.days_left}) {
    internal::KeepFinite(f, "power analysis", &out.warnings);
  }
  return out;
}

}  // namespace cxlab::engine::stats
