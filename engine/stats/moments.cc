// Copyright 2026 The cxlab Authors.

#include "engine/stats/moments.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/stats/internal/checks.h"

namespace cxlab::engine::stats {
namespace {

using internal::CenteredCross;
using internal::CenteredSquares;

// Binomial arms use population moments (p(1 - p), gbstats' proportion
// convention); every other type uses sample (n - 1) moments.
bool UsesPopulationMoments(MetricType type) {
  return type == MetricType::kBinomial;
}

// Types whose per-unit value is 0 or 1 ("converted").
bool IsConversionType(MetricType type) {
  return type == MetricType::kBinomial || type == MetricType::kRetention;
}

// ΣY²: for binomial Y is 0 or 1, so ΣY² = ΣY whatever sum_sq holds.
double SumSquares(MetricType type, const SufficientStats& s) {
  return type == MetricType::kBinomial ? s.sum : s.sum_sq;
}

// Divisor turning centered sums into variances: n or n - 1.
double Divisor(MetricType type, double n) {
  return UsesPopulationMoments(type) ? n : n - 1;
}

// var(X) and cov(X, Y) of one arm's covariate.
struct PreMoments {
  double mean = 0;
  double variance = 0;
  double covariance = 0;
};

PreMoments ComputePreMoments(MetricType type, const SufficientStats& s) {
  const double n = static_cast<double>(s.n);
  PreMoments p;
  p.mean = s.pre_sum / n;
  p.variance = CenteredSquares(s.pre_sum_sq, s.pre_sum, n) / Divisor(type, n);
  p.covariance =
      CenteredCross(s.pre_cross_sum, s.pre_sum, s.sum, n) / Divisor(type, n);
  return p;
}

// The delta-method per-unit variance of a ratio arm (n >= 2, den_sum != 0).
double RatioVariance(const SufficientStats& s) {
  const double n = static_cast<double>(s.n);
  const double mean_y = s.sum / n;
  const double mean_d = s.den_sum / n;
  const double var_y = CenteredSquares(s.sum_sq, s.sum, n) / (n - 1);
  const double var_d = CenteredSquares(s.den_sum_sq, s.den_sum, n) / (n - 1);
  const double cov = CenteredCross(s.cross_sum, s.sum, s.den_sum, n) / (n - 1);
  const double v =
      var_y / (mean_d * mean_d) -
      2 * mean_y * cov / (mean_d * mean_d * mean_d) +
      mean_y * mean_y * var_d / (mean_d * mean_d * mean_d * mean_d);
  // Exact data (every unit with the same ratio) can round to a tiny
  // negative or positive value; anything below noise relative to the terms
  // is zero.
  const double scale =
      var_y / (mean_d * mean_d) +
      mean_y * mean_y * var_d / (mean_d * mean_d * mean_d * mean_d);
  return v <= 1e-12 * scale ? 0.0 : v;
}

}  // namespace

std::optional<Moments> ArmMoments::moments() const {
  if (n < 2 || !mean.has_value() || !variance.has_value()) return std::nullopt;
  Moments m;
  m.n = n;
  m.mean = *mean;
  m.variance = *variance;
  m.unadjusted_mean = unadjusted_mean.value_or(*mean);
  return m;
}

absl::Status ValidateStats(MetricType type, const SufficientStats& s) {
  if (s.n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("n: must be >= 0, got ", s.n));
  }
  const std::pair<const char*, double> fields[] = {
      {"sum", s.sum},
      {"sum_sq", s.sum_sq},
      {"den_sum", s.den_sum},
      {"den_sum_sq", s.den_sum_sq},
      {"cross_sum", s.cross_sum},
      {"pre_sum", s.pre_sum},
      {"pre_sum_sq", s.pre_sum_sq},
      {"pre_cross_sum", s.pre_cross_sum},
  };
  for (const auto& [name, value] : fields) {
    if (!std::isfinite(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": must be finite, got ", value));
    }
  }
  if (IsConversionType(type) &&
      (s.sum < 0 || s.sum > static_cast<double>(s.n))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sum: conversions must be in [0, n], got ", s.sum, " with n = ", s.n));
  }
  return absl::OkStatus();
}

absl::StatusOr<ArmMoments> ComputeArmMoments(MetricType type,
                                             const SufficientStats& s,
                                             absl::string_view label,
                                             const CupedFit* cuped) {
  if (absl::Status st = ValidateStats(type, s); !st.ok()) return st;
  ArmMoments out;
  out.n = s.n;
  if (s.n == 0) {
    out.warnings.push_back(
        {WarningCode::kNoUnits, absl::StrCat(label, ": no units")});
    return out;
  }
  const double n = static_cast<double>(s.n);

  if (type == MetricType::kRatio) {
    if (s.den_sum == 0) {
      out.warnings.push_back(
          {WarningCode::kZeroDenominator,
           absl::StrCat(label, ": ratio denominators sum to 0")});
      return out;
    }
    out.unadjusted_mean = s.sum / s.den_sum;
    if (s.n >= 2) out.unadjusted_variance = RatioVariance(s);
  } else {
    const double mean = s.sum / n;
    out.unadjusted_mean = mean;
    if (s.n >= 2) {
      out.unadjusted_variance =
          UsesPopulationMoments(type)
              ? mean * (1 - mean)
              : CenteredSquares(SumSquares(type, s), s.sum, n) / (n - 1);
    }
  }
  // Finite sums near the double range overflow (sum² = inf, inf - inf =
  // NaN): such a field is left unset with a warning, never NaN or infinite
  // (found by tests/fuzz report).
  internal::KeepFinite(&out.unadjusted_mean, absl::StrCat(label, ": mean"),
                       &out.warnings);
  internal::KeepFinite(&out.unadjusted_variance,
                       absl::StrCat(label, ": variance"), &out.warnings);
  if (s.n < 2) {
    out.warnings.push_back(
        {WarningCode::kTooFewUnits,
         absl::StrCat(label, ": one unit, variance undefined")});
  } else if (out.unadjusted_variance == 0.0) {
    if (IsConversionType(type) && s.sum == 0) {
      out.warnings.push_back({WarningCode::kNoConversions,
                              absl::StrCat(label, ": no unit converted")});
    } else {
      out.warnings.push_back(
          {WarningCode::kZeroVariance,
           absl::StrCat(label, ": every unit has the same value")});
    }
  }
  out.mean = out.unadjusted_mean;
  out.variance = out.unadjusted_variance;

  if (cuped != nullptr && cuped->applied && s.n >= 2 &&
      out.unadjusted_mean.has_value() && out.unadjusted_variance.has_value()) {
    const PreMoments pre = ComputePreMoments(type, s);
    const double theta = cuped->theta;
    out.mean =
        *out.unadjusted_mean - theta * (pre.mean - cuped->pooled_pre_mean);
    const double v = *out.unadjusted_variance + theta * theta * pre.variance -
                     2 * theta * pre.covariance;
    out.variance = v < 0 ? 0.0 : v;  // NaN stays NaN for KeepFinite below
    out.cuped_applied = true;
    internal::KeepFinite(&out.mean, absl::StrCat(label, ": adjusted mean"),
                         &out.warnings);
    internal::KeepFinite(&out.variance,
                         absl::StrCat(label, ": adjusted variance"),
                         &out.warnings);
  }
  return out;
}

absl::StatusOr<CupedFit> FitCuped(MetricType type,
                                  absl::Span<const SufficientStats> arms) {
  CupedFit fit;
  SufficientStats joint;
  for (const SufficientStats& s : arms) {
    if (absl::Status st = ValidateStats(type, s); !st.ok()) return st;
    joint.Add(s);
  }
  if (type == MetricType::kRatio) {
    fit.warnings.push_back(
        {WarningCode::kCupedUnsupported,
         "CUPED is not available for ratio metrics; results are unadjusted"});
    return fit;
  }
  if (joint.n < 2) {
    fit.warnings.push_back(
        {WarningCode::kCupedNoCovariance,
         "CUPED needs at least two units; results are unadjusted"});
    return fit;
  }
  const double n = static_cast<double>(joint.n);
  const double xx = CenteredSquares(joint.pre_sum_sq, joint.pre_sum, n);
  const double yy = CenteredSquares(SumSquares(type, joint), joint.sum, n);
  if (xx == 0 || yy == 0) {
    fit.warnings.push_back(
        {WarningCode::kCupedNoCovariance,
         xx == 0 ? "CUPED covariate has no variance; results are unadjusted"
                 : "metric has no variance; CUPED not applied"});
    return fit;
  }
  // Population and sample divisors cancel in the ratio.
  const double xy =
      CenteredCross(joint.pre_cross_sum, joint.pre_sum, joint.sum, n);
  fit.theta = xy / xx;
  fit.pooled_pre_mean = joint.pre_sum / n;
  fit.applied = std::isfinite(fit.theta);
  if (!fit.applied) {
    fit.theta = 0;
    fit.pooled_pre_mean = 0;
    fit.warnings.push_back({WarningCode::kNumericalFailure,
                            "CUPED theta is not finite; not applied"});
  }
  return fit;
}

}  // namespace cxlab::engine::stats
