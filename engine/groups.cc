// Copyright 2026 The cxlab Authors.

#include "engine/groups.h"

#include <cmath>

#include "absl/strings/ascii.h"

namespace cxlab::engine {

ScalarSet::ScalarSet(const std::vector<Value>& items, bool lowercase) {
  for (const Value& v : items) Insert(v, lowercase);
}

void ScalarSet::Insert(const Value& v, bool lowercase) {
  switch (v.type()) {
    case Value::Type::kString:
      strings_.insert(lowercase ? absl::AsciiStrToLower(v.as_string())
                                : v.as_string());
      break;
    case Value::Type::kNumber:
      if (!std::isnan(v.as_number())) {
        numbers_.insert(v.as_number() == 0 ? 0.0 : v.as_number());
      }
      break;
    case Value::Type::kBool:
      (v.as_bool() ? has_true_ : has_false_) = true;
      break;
    case Value::Type::kNull:
      has_null_ = true;
      break;
    default:
      break;
  }
}

bool ScalarSet::Contains(const Value& v) const {
  switch (v.type()) {
    case Value::Type::kString:
      return strings_.contains(v.as_string());
    case Value::Type::kNumber:
      if (std::isnan(v.as_number())) return false;
      return numbers_.contains(v.as_number() == 0 ? 0.0 : v.as_number());
    case Value::Type::kBool:
      return v.as_bool() ? has_true_ : has_false_;
    case Value::Type::kNull:
      return has_null_;
    default:
      return false;
  }
}

void GroupSet::Add(absl::string_view key, const std::vector<Value>& members) {
  groups_[key] = ScalarSet(members, /*lowercase=*/false);
}

bool GroupSet::Contains(absl::string_view key, const Value& v) const {
  auto it = groups_.find(key);
  if (it == groups_.end()) return false;
  if (v.is_array()) {
    for (const Value& item : v.items()) {
      if (it->second.Contains(item)) return true;
    }
    return false;
  }
  return it->second.Contains(v);
}

}  // namespace cxlab::engine
