// Copyright 2026 The cxlab Authors.

#include "engine/hashing.h"

#include <xxhash.h>

namespace cxlab::engine {

uint64_t SeedForSalt(absl::string_view salt) {
  return XXH3_64bits(salt.data(), salt.size());
}

uint64_t HashUnit(uint64_t seed, absl::string_view unit_id) {
  return XXH3_64bits_withSeed(unit_id.data(), unit_id.size(), seed);
}

double HashPosition(uint64_t seed, absl::string_view unit_id) {
  constexpr double kTwoPowMinus53 = 1.0 / 9007199254740992.0;  // 2^-53
  return static_cast<double>(HashUnit(seed, unit_id) >> 11) * kTwoPowMinus53;
}

double HashPositionForSalt(absl::string_view salt, absl::string_view unit_id) {
  return HashPosition(SeedForSalt(salt), unit_id);
}

}  // namespace cxlab::engine
