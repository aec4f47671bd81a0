// Copyright 2026 The cxlab Authors.
//
// Bandit allocation: Thompson sampling on a binomial metric. Each arm's
// conversion rate has the posterior Beta(1 + successes, 1 + trials -
// successes) (a uniform prior); Thompson sampling serves each arm with the
// posterior probability that it has the highest rate. Those probabilities
// are computed here by numerical integration, not by random draws, so the
// same counts always give the same weights:
//
//   P(arm i is best) = ∫ f_i(x) Π_{j != i} F_j(x) dx
//
// integrated with Simpson's rule over arm i's central posterior mass
// (outside it f_i is below 1e-12 of its mass), then normalised to sum to 1.
// A floor keeps every arm learning: w_i = min_share + (1 - k min_share) p_i.
//
//   ASSIGN_OR_RETURN(std::vector<double> w,
//                    ThompsonWeights({{120, 1000}, {135, 1000}}, 0.05));
//
// Thread-safety: pure functions.

#ifndef CXLAB_ENGINE_STATS_BANDIT_H_
#define CXLAB_ENGINE_STATS_BANDIT_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace cxlab::engine::stats {

// One arm's data: units that converted (successes) of units exposed.
struct ArmCounts {
  int64_t successes = 0;  // 0 <= successes <= trials
  int64_t trials = 0;
};

// Each arm's posterior probability of having the highest rate, in arm
// order (sums to 1). InvalidArgument for fewer than two arms or counts out
// of range (the message names the arm: "arms[1].successes: ...").
absl::StatusOr<std::vector<double>> ProbabilityBest(
    absl::Span<const ArmCounts> arms);

// ProbabilityBest floored at `min_share` per arm (in [0, 1/k]); the weights
// sum to 1. Errors as ProbabilityBest, or InvalidArgument for min_share.
absl::StatusOr<std::vector<double>> ThompsonWeights(
    absl::Span<const ArmCounts> arms, double min_share);

}  // namespace cxlab::engine::stats

#endif  // CXLAB_ENGINE_STATS_BANDIT_H_
