// Copyright 2026 The cxlab Authors.
//
// AllFinite: whether every number in a JSON value is finite. The
// definitions fuzz targets check the codec's round trip only then: JSON has
// no infinity, so ToJson prints one as null (an overflowing literal such as
// 1e400, or YAML's .inf, parses to infinity).

#ifndef CXLAB_TESTS_FUZZ_FINITE_VALUE_H_
#define CXLAB_TESTS_FUZZ_FINITE_VALUE_H_

#include <cmath>

#include "engine/json.h"

namespace cxlab::fuzz {

inline bool AllFinite(const engine::Value& v) {
  if (v.is_number()) return std::isfinite(v.as_number());
  for (const engine::Value& item : v.items()) {
    if (!AllFinite(item)) return false;
  }
  for (const engine::Value::Member& m : v.members()) {
    if (!AllFinite(m.second)) return false;
  }
  return true;
}

}  // namespace cxlab::fuzz

#endif  // CXLAB_TESTS_FUZZ_FINITE_VALUE_H_
