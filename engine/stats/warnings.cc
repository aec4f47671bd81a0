// Copyright 2026 The cxlab Authors.

#include "engine/stats/warnings.h"

#include <algorithm>

namespace cxlab::engine::stats {

absl::string_view WarningCodeName(WarningCode code) {
  switch (code) {
    case WarningCode::kNoUnits:
      return "no_units";
    case WarningCode::kTooFewUnits:
      return "too_few_units";
    case WarningCode::kNoConversions:
      return "no_conversions";
    case WarningCode::kZeroVariance:
      return "zero_variance";
    case WarningCode::kZeroDenominator:
      return "zero_denominator";
    case WarningCode::kZeroControlMean:
      return "zero_control_mean";
    case WarningCode::kZeroStandardError:
      return "zero_standard_error";
    case WarningCode::kCupedNoCovariance:
      return "cuped_no_covariance";
    case WarningCode::kCupedUnsupported:
      return "cuped_unsupported";
    case WarningCode::kPriorNotScaled:
      return "prior_not_scaled";
    case WarningCode::kNumericalFailure:
      return "numerical_failure";
    case WarningCode::kNoTraffic:
      return "no_traffic";
    case WarningCode::kUndefinedTarget:
      return "undefined_target";
    case WarningCode::kSrmNoUnits:
      return "srm_no_units";
    case WarningCode::kSrmUnexpectedUnits:
      return "srm_unexpected_units";
  }
  return "unknown";
}

bool HasWarning(const std::vector<Warning>& warnings, WarningCode code) {
  return std::any_of(warnings.begin(), warnings.end(),
                     [code](const Warning& w) { return w.code == code; });
}

}  // namespace cxlab::engine::stats
