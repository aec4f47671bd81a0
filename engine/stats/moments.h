// Copyright 2026 The cxlab Authors.
//
// Per-arm moments: the mean and per-unit variance of one variant's metric,
// computed from the cell's summed SufficientStats (engine/metrics.h), with
// optional CUPED regression adjustment on the pre-exposure covariate.
//
//   ASSIGN_OR_RETURN(ArmMoments a, ComputeArmMoments(MetricType::kMean, s));
//   if (std::optional<Moments> m = a.moments()) ...   // usable by the tests
//
// Conventions (GrowthBook gbstats, see docs/statistics.md):
//   binomial   mean p = sum / n, variance p(1 - p) (no n - 1);
//   ratio      mean R = sum / den_sum, variance by the delta method
//              var_Y/D² - 2 Y cov_YD/D³ + Y² var_D/D⁴ (Y, D per-unit means,
//              sample (n - 1) variances and covariance);
//   others     (count, mean, nps, csat, ces, score, duration, retention)
//              sample mean sum / n and sample variance
//              (sum_sq - sum²/n) / (n - 1). For nps with one answer per unit
//              this equals (pP + pD - (pP - pD)²) · n / (n - 1).
// `variance` is always the per-unit variance: variance / n is the variance of
// the arm's mean.
//
// CUPED (Deng et al. 2013, as in gbstats): theta = cov(X, Y) / var(X) over
// the units of every arm passed to FitCuped (pooled across arms); each arm's
// adjusted mean is mean_Y - theta (mean_X - pooled mean_X) and its variance
// var_Y + theta² var_X - 2 theta cov_XY (population moments for binomial,
// sample moments otherwise). Not available for ratio metrics.
//
// Thread-safety: plain values and pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_MOMENTS_H_
#define CXLAB_ENGINE_STATS_MOMENTS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/definitions.h"
#include "engine/metrics.h"
#include "engine/stats/warnings.h"

namespace cxlab::engine::stats {

// What a test needs to know about one arm. A valid Moments has n >= 2,
// finite fields and variance >= 0 (the tests return InvalidArgument
// otherwise).
struct Moments {
  int64_t n = 0;
  double mean = 0;             // per-unit mean (CUPED-adjusted if applied)
  double variance = 0;         // per-unit variance of the (adjusted) value
  double unadjusted_mean = 0;  // mean before CUPED (= mean without CUPED);
                               // the base of the relative lift
};

// One arm's moments. Fields that the data cannot define stay unset and
// `warnings` says why: n == 0 leaves mean and variance unset (kNoUnits);
// n == 1 leaves variance unset (kTooFewUnits); a ratio arm with den_sum == 0
// leaves both unset (kZeroDenominator). Zero variance is reported
// (kZeroVariance, or kNoConversions for binomial and retention arms where no
// unit converted) but the fields stay set.
struct ArmMoments {
  int64_t n = 0;
  std::optional<double> mean;             // adjusted when CUPED applied
  std::optional<double> variance;         // adjusted when CUPED applied
  std::optional<double> unadjusted_mean;  // the observed mean (rate, ...)
  std::optional<double> unadjusted_variance;
  bool cuped_applied = false;
  std::vector<Warning> warnings;

  // The Moments a test takes, when n >= 2 and mean and variance are set.
  std::optional<Moments> moments() const;
};

// A fitted CUPED adjustment (see the file comment).
struct CupedFit {
  bool applied = false;        // false: theta is 0 and nothing is adjusted
  double theta = 0;            // cov(X, Y) / var(X) over the pooled units
  double pooled_pre_mean = 0;  // mean of X over the pooled units
  std::vector<Warning> warnings;
};

// OK when `s` can be a cell of a `type` metric: n >= 0, every field finite,
// and for binomial and retention 0 <= sum <= n. InvalidArgument otherwise,
// naming the field ("sum: conversions must be in [0, n] ...").
absl::Status ValidateStats(MetricType type, const SufficientStats& s);

// The moments of one arm. `label` names the arm in warning messages
// ("variant 1"). When `cuped` is non-null and applied (a borrowed fit from
// FitCuped over arms including this one), mean and variance are adjusted;
// the unadjusted_* fields never are. InvalidArgument when ValidateStats
// fails.
absl::StatusOr<ArmMoments> ComputeArmMoments(MetricType type,
                                             const SufficientStats& s,
                                             absl::string_view label = "arm",
                                             const CupedFit* cuped = nullptr);

// Fits theta pooled over every unit of `arms` (pre_sum, pre_sum_sq,
// pre_cross_sum hold X). Not applied, with a warning, for ratio metrics
// (kCupedUnsupported) and when X or Y has no variance over the pooled units
// or fewer than two units exist (kCupedNoCovariance). InvalidArgument when
// an arm fails ValidateStats.
absl::StatusOr<CupedFit> FitCuped(MetricType type,
                                  absl::Span<const SufficientStats> arms);

}  // namespace cxlab::engine::stats

#endif  // CXLAB_ENGINE_STATS_MOMENTS_H_
