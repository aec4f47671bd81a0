// Copyright 2026 The cxlab Authors.
//
// Power and sample size for a fixed-horizon two-arm comparison (normal
// approximation): how small an effect the experiment can detect now, how many
// units it needs to detect a target effect, and how many days that takes at
// the traffic observed so far.
//
//   PowerOptions o;                                // alpha 0.05, power 0.8
//   ASSIGN_OR_RETURN(double mde, MinimumDetectableEffect(0.0004, o));
//   ASSIGN_OR_RETURN(PowerAnalysis p, PlanPower(input, o));
//
// With z = z_{1-alpha/2} (two-sided) or z_{1-alpha} (one-sided) and
// z_pow = z_{power}:
//   MDE               (z + z_pow) sqrt(V), V = vA/nA + vB/nB
//   required units    N = (z + z_pow)² (vA/wA + vB/wB) / delta², with w the
//                     arms' shares of all the experiment's units and
//                     delta = target relative effect x |uA|
//   still needed      max(0, N - units so far)
//   days left         still needed / units per day
// The sequential method needs more units than this fixed-horizon figure.
//
// Thread-safety: pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_POWER_H_
#define CXLAB_ENGINE_STATS_POWER_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/stats/effect.h"
#include "engine/stats/moments.h"
#include "engine/stats/warnings.h"

namespace cxlab::engine::stats {

struct PowerOptions {
  double alpha = 0.05;  // in (0, 1)
  double power = 0.8;   // in (0, 1)
  Alternative alternative = Alternative::kTwoSided;
};

// Smallest absolute effect detected with `options.power` when the effect's
// estimate has variance `effect_variance` (finite, >= 0).
// InvalidArgument on a bad option or variance.
absl::StatusOr<double> MinimumDetectableEffect(double effect_variance,
                                               const PowerOptions& options);

// Total units N for which an absolute effect `effect` (finite, != 0) is
// detected with `options.power`, when the effect's variance at N units is
// `unit_variance` / N (unit_variance finite, >= 0). InvalidArgument on bad
// arguments.
absl::StatusOr<double> RequiredUnits(double unit_variance, double effect,
                                     const PowerOptions& options);

// Days to collect `units_still_needed` (>= 0) at `units_per_day`; 0 when
// nothing is needed, unset when more is needed and units_per_day <= 0.
std::optional<double> DaysLeft(double units_still_needed, double units_per_day);

struct PowerInput {
  Moments control;  // valid Moments (ValidateMoments)
  Moments treatment;
  double control_weight = 0.5;    // share of all units, in (0, 1]
  double treatment_weight = 0.5;  // share of all units, in (0, 1]
  int64_t current_units = 0;      // units in the experiment so far, >= 0
  std::optional<double> target_relative_effect;  // e.g. 0.05; > 0
  double units_per_day = 0;  // observed traffic, finite, >= 0
};

struct PowerAnalysis {
  std::optional<double> mde_absolute;  // at the current sample
  std::optional<double> mde_relative;  // mde_absolute / |uA|
  std::optional<double> required_units;
  std::optional<double> units_still_needed;
  std::optional<double> days_left;
  std::vector<Warning> warnings;
};

// Everything above for one comparison. Unset with a warning: mde_relative
// and the sample-size fields when uA is 0 (kUndefinedTarget); the
// sample-size fields when both arms have zero variance (kUndefinedTarget);
// days_left when units are still needed but units_per_day is 0
// (kNoTraffic). InvalidArgument on invalid input or options.
absl::StatusOr<PowerAnalysis> PlanPower(const PowerInput& input,
                                        const PowerOptions& options);

}  // namespace cxlab::engine::stats

#endif  // CXLAB_ENGINE_STATS_POWER_H_
