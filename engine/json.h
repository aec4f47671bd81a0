// Copyright 2026 The cxlab Authors.
//
// Strict JSON (RFC 8259) parsing into Value and serialisation back to text.
//
//   absl::StatusOr<Value> v = ParseJson(R"({"country": "US"})");
//   std::string text = ToJson(*v);   // {"country":"US"}
//
// Thread-safety: all functions are pure and may be called concurrently.

#ifndef CXLAB_ENGINE_JSON_H_
#define CXLAB_ENGINE_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/value.h"

namespace cxlab::engine {

// Parses one JSON document. Leading and trailing whitespace is allowed;
// anything else after the document is an error. Nesting deeper than 256
// levels is rejected so hostile input cannot exhaust the stack.
// Returns InvalidArgument naming the line, column and rule on bad input
// ("line 1, column 9: expected ':' after object key").
absl::StatusOr<Value> ParseJson(absl::string_view text);

// Serialises `value` compactly (no whitespace). Numbers print as JavaScript
// does (shortest round-trip form; integers without a fraction); non-finite
// numbers print as null. Strings are escaped as JSON requires; non-ASCII
// UTF-8 passes through unchanged.
std::string ToJson(const Value& value);

// Formats a number the way JavaScript's String(n) does ("1", "0.1", "1e+21",
// "NaN", "Infinity").
std::string FormatNumber(double n);

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_JSON_H_
