// Copyright 2026 The cxlab Authors.

#include "engine/stats/bandit.h"

#include <cmath>
#include <cstddef>
#include <exception>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "boost/math/distributions/beta.hpp"
#include "boost/math/policies/policy.hpp"

namespace cxlab::engine::stats {
namespace {

// Never throw, never touch errno (as internal/distributions.h).
using Policy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<
        boost::math::policies::ignore_error>,
    boost::math::policies::promote_double<false>>;
using Beta = boost::math::beta_distribution<double, Policy>;

// Simpson intervals per arm (even).
constexpr int kIntervals = 512;
// Tail mass left out on each side of an arm's integration range.
constexpr double kTail = 1e-12;

Beta PosteriorOf(const ArmCounts& a) {
  return Beta(1.0 + static_cast<double>(a.successes),
              1.0 + static_cast<double>(a.trials - a.successes));
}

}  // namespace

absl::StatusOr<std::vector<double>> ProbabilityBest(
    absl::Span<const ArmCounts> arms) {
  if (arms.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("arms: need at least two, got ", arms.size()));
  }
  for (size_t i = 0; i < arms.size(); ++i) {
    if (arms[i].trials < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "arms[", i, "].trials: must be >= 0, got ", arms[i].trials));
    }
    if (arms[i].successes < 0 || arms[i].successes > arms[i].trials) {
      return absl::InvalidArgumentError(
          absl::StrCat("arms[", i, "].successes: must be in [0, trials], got ",
                       arms[i].successes));
    }
  }
  std::vector<Beta> posterior;
  posterior.reserve(arms.size());
  for (const ArmCounts& a : arms) posterior.push_back(PosteriorOf(a));
  std::vector<double> p(arms.size(), 0.0);
  double total = 0;
  for (size_t i = 0; i < arms.size(); ++i) {
    double lo = 0;
    double hi = 0;
    try {
      lo = boost::math::quantile(posterior[i], kTail);
      hi = boost::math::quantile(boost::math::complement(posterior[i], kTail));
    } catch (const std::exception&) {
      // Boost 1.74's inverse incomplete beta throws evaluation_error despite
      // the policy for extreme shapes (trials - successes >~ 1e17; found by
      // tests/fuzz report), which would terminate the daemon. Such an arm
      // gets no share; equal shares when every arm fails, as below.
      p[i] = 0;
      continue;
    }
    const double h = (hi - lo) / kIntervals;
    double sum = 0;
    for (int k = 0; k <= kIntervals; ++k) {
      const double x = lo + h * k;
      double v = boost::math::pdf(posterior[i], x);
      for (size_t j = 0; j < arms.size(); ++j) {
        if (j != i) v *= boost::math::cdf(posterior[j], x);
      }
      const double weight = (k == 0 || k == kIntervals) ? 1 : (k % 2 ? 4 : 2);
      sum += weight * v;
    }
    p[i] = std::isfinite(sum) && sum > 0 ? sum * h / 3 : 0;
    total += p[i];
  }
  if (!(total > 0)) {
    // Cannot happen for valid counts; fall back to equal shares.
    return std::vector<double>(arms.size(), 1.0 / arms.size());
  }
  for (double& x : p) x /= total;
  return p;
}

absl::StatusOr<std::vector<double>> ThompsonWeights(
    absl::Span<const ArmCounts> arms, double min_share) {
  const double k = static_cast<double>(arms.size());
  if (!(min_share >= 0) || (arms.size() > 0 && min_share * k > 1 + 1e-12)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "min_share: must be in [0, 1/", arms.size(), "], got ", min_share));
  }
  absl::StatusOr<std::vector<double>> p = ProbabilityBest(arms);
  if (!p.ok()) return p.status();
  const double free = std::max(0.0, 1 - k * min_share);
  for (double& x : *p) x = min_share + free * x;
  return p;
}

}  // namespace cxlab::engine::stats
