// Copyright 2026 The cxlab Authors.
//
// Deterministic hashing of unit ids to a position in [0, 1).
//
// The rule (DESIGN §3), pinned forever by golden vectors in
// tests/unit/hashing_test.cc and docs/hashing.md:
//
//   seed = XXH3_64bits(utf8(salt))
//   h    = XXH3_64bits_withSeed(utf8(unit_id), seed)
//   u    = (h >> 11) * 2^-53                       // in [0, 1)
//
//   uint64_t seed = SeedForSalt("checkout_redesign");
//   double u = HashPosition(seed, "visitor-42");
//
// Thread-safety: pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_HASHING_H_
#define CXLAB_ENGINE_HASHING_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace cxlab::engine {

// The XXH3 seed derived from a salt (an experiment key, a layer key ...).
// Compute it once per salt and reuse it; it never changes for a salt.
uint64_t SeedForSalt(absl::string_view salt);

// The raw 64-bit hash of `unit_id` under `seed`.
uint64_t HashUnit(uint64_t seed, absl::string_view unit_id);

// The unit's position in [0, 1): the top 53 bits of the hash scaled by 2^-53,
// so every position is an exact double.
double HashPosition(uint64_t seed, absl::string_view unit_id);

// Convenience: HashPosition(SeedForSalt(salt), unit_id).
double HashPositionForSalt(absl::string_view salt, absl::string_view unit_id);

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_HASHING_H_
