// Copyright 2026 The cxlab Authors.
//
// Small shared helpers of engine/stats: argument checks and numerically
// careful moment arithmetic.
//
// Thread-safety: pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_INTERNAL_CHECKS_H_
#define CXLAB_ENGINE_STATS_INTERNAL_CHECKS_H_

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/stats/warnings.h"

namespace cxlab::engine::stats::internal {

// OK when 0 < value < 1; InvalidArgument "<name>: must be in (0, 1), got x"
// otherwise (NaN included).
absl::Status CheckOpenUnit(double value, absl::string_view name);

// OK when value is finite and > 0; InvalidArgument naming `name` otherwise.
absl::Status CheckPositive(double value, absl::string_view name);

// Σ(v - mean)² from the raw sums: sum_sq - sum² / n, clamped to 0 when the
// difference is at the level of floating-point noise relative to sum_sq
// (constant data must give exactly 0, never a tiny positive or negative
// variance). Requires n > 0.
double CenteredSquares(double sum_sq, double sum, double n);

// Σ(a - mean_a)(b - mean_b) = cross - sum_a sum_b / n. Requires n > 0.
double CenteredCross(double cross, double sum_a, double sum_b, double n);

// Unsets `*field` and records kNumericalFailure (naming `what`) when it holds
// a non-finite value; returns whether it was kept.
bool KeepFinite(std::optional<double>* field, absl::string_view what,
                std::vector<Warning>* warnings);

}  // namespace cxlab::engine::stats::internal

#endif  // CXLAB_ENGINE_STATS_INTERNAL_CHECKS_H_
