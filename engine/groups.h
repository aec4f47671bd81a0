// Copyright 2026 The cxlab Authors.
//
// GroupSet: named id lists ("saved groups") that `$inGroup` and `$notInGroup`
// test membership in. Membership is strict: the string "1" is not the
// number 1 (as in GrowthBook).
//
//   GroupSet groups;
//   groups.Add("vip_customers", {Value("u1"), Value("u7")});
//   groups.Contains("vip_customers", Value("u7"));   // true
//
// Thread-safety: build on one thread; a const GroupSet may then be read from
// many threads at once.

#ifndef CXLAB_ENGINE_GROUPS_H_
#define CXLAB_ENGINE_GROUPS_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "engine/value.h"

namespace cxlab::engine {

// ScalarSet: a set of JSON scalars with JavaScript strict-equality
// membership (SameValueZero: 0 == -0, the string "1" != the number 1). Arrays
// and objects are never members. Used by $in-style operators and GroupSet.
class ScalarSet {
 public:
  ScalarSet() = default;
  // Builds the set from `items`, lower-casing strings (ASCII) when
  // `lowercase` is true.
  ScalarSet(const std::vector<Value>& items, bool lowercase);
  void Insert(const Value& v, bool lowercase);
  // True when the scalar `v` is a member (arrays and objects never are).
  bool Contains(const Value& v) const;
  // Membership of a string, as-is.
  bool ContainsString(absl::string_view s) const {
    return strings_.contains(s);
  }

 private:
  absl::flat_hash_set<std::string> strings_;
  absl::flat_hash_set<double> numbers_;
  bool has_true_ = false;
  bool has_false_ = false;
  bool has_null_ = false;
};

class GroupSet {
 public:
  // Adds (or replaces) group `key`. Members that are arrays or objects can
  // never match (as in JavaScript) and are ignored.
  void Add(absl::string_view key, const std::vector<Value>& members);

  // True when group `key` exists and holds `v`. When `v` is an array, true
  // when any of its elements is in the group. An unknown group holds nothing.
  bool Contains(absl::string_view key, const Value& v) const;

  bool Has(absl::string_view key) const { return groups_.contains(key); }
  size_t size() const { return groups_.size(); }

 private:
  absl::flat_hash_map<std::string, ScalarSet> groups_;
};

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_GROUPS_H_
