// Copyright 2026 The cxlab Authors.
//
// Bucket ranges: how positions in [0, 1) map to variants (GrowthBook's rule).
//
// Variant i owns [cum_i, cum_i + coverage * w_i), where cum_i is the sum of the
// unscaled weights before i. Raising coverage only adds units to a variant;
// nobody ever moves from one variant to another.
//
//   std::vector<BucketRange> r = BucketRanges(2, 0.5, {});  // [0,.25) [.5,.75)
//   int variant = ChooseVariant(0.6, r);                     // 1
//
// Thread-safety: pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_ALLOCATION_H_
#define CXLAB_ENGINE_ALLOCATION_H_

#include <vector>

#include "absl/types/span.h"

namespace cxlab::engine {

// A half-open interval [start, end) of positions.
struct BucketRange {
  double start = 0;
  double end = 0;
  bool Contains(double u) const { return u >= start && u < end; }
  bool operator==(const BucketRange& o) const {
    return start == o.start && end == o.end;
  }
};

// `n` equal weights (1/n each); empty when n <= 0.
std::vector<double> EqualWeights(int n);

// The ranges of `num_variants` variants under `coverage` and `weights`.
// Follows GrowthBook's lenient rule for bad input so the conformance cases
// hold: coverage is clamped to [0, 1]; weights that are empty, of the wrong
// length, or do not sum to 1 (within 0.01) are replaced by equal weights.
// Strict validation of definitions happens in ValidateDefinitions().
std::vector<BucketRange> BucketRanges(int num_variants, double coverage,
                                      absl::Span<const double> weights);

// The index of the first range containing `u`, or -1 when none does.
int ChooseVariant(double u, absl::Span<const BucketRange> ranges);

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_ALLOCATION_H_
