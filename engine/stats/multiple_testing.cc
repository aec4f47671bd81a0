// Copyright 2026 The cxlab Authors.

#include "engine/stats/multiple_testing.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace cxlab::engine::stats {

absl::string_view CorrectionName(Correction c) {
  switch (c) {
    case Correction::kNone:
      return "none";
    case Correction::kHolm:
      return "holm";
    case Correction::kBenjaminiHochberg:
      return "bh";
  }
  return "none";
}

absl::StatusOr<Correction> ParseCorrection(absl::string_view name) {
  for (Correction c :
       {Correction::kNone, Correction::kHolm, Correction::kBenjaminiHochberg}) {
    if (name == CorrectionName(c)) return c;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "correction: must be one of none, holm, bh; got \"", name, "\""));
}

absl::StatusOr<std::vector<double>> AdjustPValues(
    absl::Span<const double> p_values, Correction correction) {
  for (size_t i = 0; i < p_values.size(); ++i) {
    if (!(p_values[i] >= 0 && p_values[i] <= 1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "p_values[", i, "]: must be in [0, 1], got ", p_values[i]));
    }
  }
  std::vector<double> adjusted(p_values.begin(), p_values.end());
  const size_t m = p_values.size();
  if (correction == Correction::kNone || m == 0) return adjusted;

  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return p_values[a] < p_values[b];
  });
  const double md = static_cast<double>(m);
  if (correction == Correction::kHolm) {
    double running_max = 0;
    for (size_t k = 0; k < m; ++k) {  // k = rank - 1
      const double scaled = std::min(1.0, (md - k) * p_values[order[k]]);
      running_max = std::max(running_max, scaled);
      adjusted[order[k]] = running_max;
    }
  } else {
    double running_min = 1;
    for (size_t k = m; k-- > 0;) {
      // p * (m / rank), not m * p / rank: the factor is >= 1 and the
      // largest p is multiplied by exactly 1, so adjusted >= raw holds
      // after rounding too.
      const double scaled =
          std::min(1.0, p_values[order[k]] * (md / static_cast<double>(k + 1)));
      running_min = std::min(running_min, scaled);
      adjusted[order[k]] = running_min;
    }
  }
  return adjusted;
}

}  // namespace cxlab::engine::stats
