// Copyright 2026 The cxlab Authors.
//
// The JavaScript coercions GrowthBook's condition language is defined by, so
// cxlab answers every conformance case exactly as the JavaScript SDK does:
//
//   ToNumber(Value("8")) == 8;  ToString(Value()) == "null";
//   LessThan(Value(), Value(10)) == true   // null coerces to 0
//
// Thread-safety: pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_JS_SEMANTICS_H_
#define CXLAB_ENGINE_JS_SEMANTICS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "engine/value.h"

namespace cxlab::engine::js {

// `Number(v)`: null -> 0, booleans -> 0/1, strings parsed as JS numeric
// literals (trimmed; "" -> 0; invalid -> NaN), arrays via their string form,
// objects -> NaN.
double ToNumber(const Value& v);

// `String(v)`: null -> "null", numbers in JS form, arrays joined with ",",
// objects -> "[object Object]". For strings returns a view of the value
// itself without allocating; otherwise writes into `scratch` and returns a
// view of it. The view is valid while `v` and `scratch` are.
absl::string_view ToString(const Value& v, std::string& scratch);

// `!!v`: false for null, false, 0, NaN and ""; true otherwise.
bool Truthy(const Value& v);

// `a === b`: same type and value for primitives; arrays and objects are
// never strictly equal (they are distinct references in JS).
bool StrictEquals(const Value& a, const Value& b);

// JS relational operators (`a < b`, `a <= b`): both converted to primitives;
// two strings compare by code unit, anything else numerically (NaN -> false).
bool LessThan(const Value& a, const Value& b);
bool LessOrEqual(const Value& a, const Value& b);

// Compares two UTF-8 strings in JavaScript's order (by UTF-16 code unit):
// -1, 0 or 1. Equal to byte order except that code points above U+FFFF sort
// before U+E000..U+FFFF, as their surrogates do.
int CompareUtf16(absl::string_view a, absl::string_view b);

// Parses a string the way `Number(s)` does; NaN when it is not a number.
double StringToNumber(absl::string_view s);

}  // namespace cxlab::engine::js

#endif  // CXLAB_ENGINE_JS_SEMANTICS_H_
