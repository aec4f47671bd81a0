// Copyright 2026 The cxlab Authors.

#include "engine/allocation.h"

#include <algorithm>
#include <cmath>

namespace cxlab::engine {

std::vector<double> EqualWeights(int n) {
  if (n <= 0) return {};
  return std::vector<double>(static_cast<size_t>(n), 1.0 / n);
}

std::vector<BucketRange> BucketRanges(int num_variants, double coverage,
                                      absl::Span<const double> weights) {
  if (num_variants <= 0) return {};
  coverage = std::clamp(coverage, 0.0, 1.0);
  std::vector<double> w(weights.begin(), weights.end());
  if (static_cast<int>(w.size()) != num_variants) {
    w = EqualWeights(num_variants);
  } else {
    double total = 0;
    for (double x : w) total += x;
    if (total < 0.99 || total > 1.01) w = EqualWeights(num_variants);
  }
  std::vector<BucketRange> ranges;
  ranges.reserve(w.size());
  double cumulative = 0;
  for (double x : w) {
    double start = cumulative;
    cumulative += x;
    ranges.push_back({start, start + coverage * x});
  }
  return ranges;
}

int ChooseVariant(double u, absl::Span<const BucketRange> ranges) {
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].Contains(u)) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace cxlab::engine
