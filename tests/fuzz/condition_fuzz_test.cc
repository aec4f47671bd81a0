// Copyright 2026 The cxlab Authors.
//
// Fuzz target "condition": engine::Condition compile + evaluate
// (engine/condition.h) on arbitrary JSON.
//
// Input: up to three JSON documents separated by a line "--":
//
//   {"country": {"$in": ["US", "CA"]}, "age": {"$gte": 18}}
//   --
//   {"country": "US", "age": 30}
//   --
//   {"vip": ["u1", "u2"]}
//
// the condition, the attributes (null when absent or not JSON) and the
// groups ({"group key": [members]}). Parsed with engine::ParseJson, so the
// JSON parser is fuzzed too. The condition is compiled strictly (with and
// without collecting every error) and leniently, and every compiled form is
// evaluated against the attributes, against the condition document itself
// and against null.
//
// Properties checked besides "no crash, no sanitizer report":
//   - a failed strict compile names at least one error, and the first
//     collected error is the status message;
//   - a condition that compiles strictly compiles leniently too, to the same
//     answers (lenient only changes what invalid parts do);
//   - Matches is deterministic.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/condition.h"
#include "engine/groups.h"
#include "engine/json.h"
#include "engine/value.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using cxlab::engine::Condition;
using cxlab::engine::GroupSet;
using cxlab::engine::ParseJson;
using cxlab::engine::Value;

Value ParseOrNull(absl::string_view text) {
  absl::StatusOr<Value> v = ParseJson(text);
  return v.ok() ? *std::move(v) : Value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Keep single inputs fast: conditions are small in practice.
  if (size > 16 * 1024) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::string_view condition_text, rest, attributes_text, groups_text;
  cxlab::fuzz::SplitOnce(text, "\n--\n", &condition_text, &rest);
  cxlab::fuzz::SplitOnce(rest, "\n--\n", &attributes_text, &groups_text);

  absl::StatusOr<Value> doc = ParseJson(condition_text);
  if (!doc.ok()) return 0;
  const Value attributes = ParseOrNull(attributes_text);
  GroupSet groups;
  const Value groups_doc = ParseOrNull(groups_text);
  if (groups_doc.is_object()) {
    for (const Value::Member& m : groups_doc.members()) {
      if (m.second.is_array()) groups.Add(m.first, m.second.items());
    }
  }

  Condition::Options strict_options;
  absl::StatusOr<Condition> strict = Condition::Compile(*doc, strict_options);

  std::vector<std::string> all_errors;
  Condition::Options collect_options;
  collect_options.all_errors = &all_errors;
  absl::StatusOr<Condition> collected =
      Condition::Compile(*doc, collect_options);
  FUZZ_CHECK(strict.ok() == collected.ok(),
             "collecting errors changed whether the condition compiles");
  if (!collected.ok() && !all_errors.empty()) {
    FUZZ_CHECK(collected.status().message() == all_errors.front(),
               "the status is not the first collected error");
  }

  Condition::Options lenient_options;
  lenient_options.strict = false;
  absl::StatusOr<Condition> lenient =
      Condition::Compile(*doc, lenient_options);

  const Value* inputs[] = {&attributes, &*doc, nullptr};
  const Value null_value;
  for (const Value* in : inputs) {
    const Value& attrs = in == nullptr ? null_value : *in;
    if (lenient.ok()) {
      const bool first = lenient->Matches(attrs, groups);
      FUZZ_CHECK(first == lenient->Matches(attrs, groups),
                 "Matches is not deterministic");
    }
    if (strict.ok()) {
      FUZZ_CHECK(lenient.ok(), "strict compiles but lenient does not");
      const bool s = strict->Matches(attrs, groups);
      FUZZ_CHECK(s == lenient->Matches(attrs, groups),
                 "strict and lenient disagree on a valid condition");
    }
  }
  return 0;
}
