// Copyright 2026 The cxlab Authors.

#include "engine/stats/internal/checks.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace cxlab::engine::stats::internal {

absl::Status CheckOpenUnit(double value, absl::string_view name) {
  if (value > 0 && value < 1) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": must be in (0, 1), got ", value));
}

absl::Status CheckPositive(double value, absl::string_view name) {
  if (std::isfinite(value) && value > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": must be a finite number > 0, got ", value));
}

double CenteredSquares(double sum_sq, double sum, double n) {
  const double centered = sum_sq - sum * sum / n;
  // One-pass cancellation leaves an error of a few ulps of sum_sq.
  const double noise =
      64 * std::numeric_limits<double>::epsilon() * std::fabs(sum_sq);
  return centered <= noise ? 0.0 : centered;
}

double CenteredCross(double cross, double sum_a, double sum_b, double n) {
  return cross - sum_a * sum_b / n;
}

bool KeepFinite(std::optional<double>* field, absl::string_view what,
                std::vector<Warning>* warnings) {
  if (!field->has_value() || std::isfinite(**field)) return true;
  field->reset();
  warnings->push_back(
      {WarningCode::kNumericalFailure,
       absl::StrCat(what, ": not a finite number, left unset")});
  return false;
}

}  // namespace cxlab::engine::stats::internal
