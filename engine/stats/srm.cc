// Copyright 2026 The cxlab Authors.

#include "engine/stats/srm.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/stats/internal/checks.h"
#include "engine/stats/internal/distributions.h"

namespace cxlab::engine::stats {

absl::StatusOr<SrmResult> CheckSampleRatio(absl::Span<const int64_t> units,
                                           absl::Span<const double> weights,
                                           double threshold) {
  if (absl::Status s = internal::CheckOpenUnit(threshold, "threshold");
      !s.ok()) {
    return s;
  }
  if (units.size() != weights.size()) {
    return absl::InvalidArgumentError(absl::StrCat("weights: ", weights.size(),
                                                   " weights for ",
                                                   units.size(), " variants"));
  }
  if (units.size() < 2) {
    return absl::InvalidArgumentError("units: need at least two variants");
  }
  double total_weight = 0;
  double total_units = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    if (units[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("units[", i, "]: must be >= 0, got ", units[i]));
    }
    if (!std::isfinite(weights[i]) || weights[i] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "weights[", i, "]: must be finite and >= 0, got ", weights[i]));
    }
    total_weight += weights[i];
    total_units += static_cast<double>(units[i]);
  }
  if (!(total_weight > 0)) {
    return absl::InvalidArgumentError("weights: must not all be 0");
  }

  SrmResult out;
  if (total_units == 0) {
    out.warnings.push_back(
        {WarningCode::kSrmNoUnits, "no units yet: sample ratio not tested"});
    return out;
  }
  double chi2 = 0;
  int cells = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    const double observed = static_cast<double>(units[i]);
    if (weights[i] == 0) {
      if (units[i] > 0) {
        out.warnings.push_back(
            {WarningCode::kSrmUnexpectedUnits,
             absl::StrCat("variant ", i, ": ", units[i],
                          " units although its weight is 0")});
      }
      continue;
    }
    const double expected = total_units * weights[i] / total_weight;
    chi2 += (observed - expected) * (observed - expected) / expected;
    ++cells;
  }
  out.dof = cells - 1;
  if (HasWarning(out.warnings, WarningCode::kSrmUnexpectedUnits)) {
    out.p_value = 0;
    out.mismatch = true;
    return out;
  }
  out.chi_squared = chi2;
  // Extreme weights (e.g. 1e-300) overflow the statistic; it stays unset
  // rather than infinite (found by tests/fuzz report).
  internal::KeepFinite(&out.chi_squared, "SRM chi-square", &out.warnings);
  out.p_value = out.dof > 0 ? internal::ChiSquaredSf(chi2, out.dof) : 1.0;
  internal::KeepFinite(&out.p_value, "SRM p-value", &out.warnings);
  out.mismatch = out.p_value.has_value() && *out.p_value < threshold;
  return out;
}

}  // namespace cxlab::engine::stats
