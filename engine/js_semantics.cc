// Copyright 2026 The cxlab Authors.

#include "engine/js_semantics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "engine/json.h"

namespace cxlab::engine::js {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool IsJsWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

double ParseRadix(absl::string_view digits, int radix) {
  if (digits.empty()) return kNaN;
  double result = 0;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'z') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'Z') {
      d = c - 'A' + 10;
    } else {
      return kNaN;
    }
    if (d >= radix) return kNaN;
    result = result * radix + d;
  }
  return result;
}

// A JS primitive after ToPrimitive: either a string or a number.
struct Primitive {
  bool is_string = false;
  absl::string_view str;
  double number = 0;
};

Primitive ToPrimitive(const Value& v, std::string& scratch) {
  Primitive p;
  switch (v.type()) {
    case Value::Type::kString:
      p.is_string = true;
      p.str = v.as_string();
      return p;
    case Value::Type::kArray:
    case Value::Type::kObject:
      p.is_string = true;
      p.str = ToString(v, scratch);
      return p;
    default:
      p.number = ToNumber(v);
      return p;
  }
}

double PrimitiveNumber(const Primitive& p) {
  return p.is_string ? StringToNumber(p.str) : p.number;
}

void AppendString(const Value& v, std::string& out) {
  switch (v.type()) {
    case Value::Type::kNull:
      out += "null";
      return;
    case Value::Type::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Type::kNumber:
      out += FormatNumber(v.as_number());
      return;
    case Value::Type::kString:
      out += v.as_string();
      return;
    case Value::Type::kArray: {
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        if (!item.is_null()) AppendString(item, out);
      }
      return;
    }
    case Value::Type::kObject:
      out += "[object Object]";
      return;
  }
}

}  // namespace

double StringToNumber(absl::string_view s) {
  while (!s.empty() && IsJsWhitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsJsWhitespace(s.back())) s.remove_suffix(1);
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0') {
    char k = absl::ascii_tolower(s[1]);
    if (k == 'x') return ParseRadix(s.substr(2), 16);
    if (k == 'o') return ParseRadix(s.substr(2), 8);
    if (k == 'b') return ParseRadix(s.substr(2), 2);
  }
  absl::string_view body = s;
  bool negative = false;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "Infinity") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  // StrDecimalLiteral: digits [. digits] [e[+-]digits], or . digits ...
  size_t i = 0;
  size_t int_digits = 0, frac_digits = 0;
  while (i < body.size() && absl::ascii_isdigit(body[i])) ++i, ++int_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && absl::ascii_isdigit(body[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return kNaN;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < body.size() && absl::ascii_isdigit(body[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return kNaN;
  }
  if (i != body.size()) return kNaN;
  std::string copy(s);
  return std::strtod(copy.c_str(), nullptr);
}

double ToNumber(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNull:
      return 0;
    case Value::Type::kBool:
      return v.as_bool() ? 1 : 0;
    case Value::Type::kNumber:
      return v.as_number();
    case Value::Type::kString:
      return StringToNumber(v.as_string());
    case Value::Type::kArray: {
      std::string scratch;
      return StringToNumber(ToString(v, scratch));
    }
    case Value::Type::kObject:
      return kNaN;
  }
  return kNaN;
}

absl::string_view ToString(const Value& v, std::string& scratch) {
  if (v.is_string()) return v.as_string();
  scratch.clear();
  AppendString(v, scratch);
  return scratch;
}

bool Truthy(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNull:
      return false;
    case Value::Type::kBool:
      return v.as_bool();
    case Value::Type::kNumber:
      return v.as_number() != 0 && !std::isnan(v.as_number());
    case Value::Type::kString:
      return !v.as_string().empty();
    default:
      return true;
  }
}

bool StrictEquals(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::kNull:
      return true;
    case Value::Type::kBool:
      return a.as_bool() == b.as_bool();
    case Value::Type::kNumber:
      return a.as_number() == b.as_number();
    case Value::Type::kString:
      return a.as_string() == b.as_string();
    default:
      return false;
  }
}

namespace {

// Decodes the UTF-8 code point starting at s[i] (invalid bytes decode as
// themselves, so comparison stays total).
uint32_t DecodeAt(absl::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (extra == 0 || i + extra >= s.size()) return c;
  uint32_t cp = c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  return cp;
}

// The first UTF-16 code unit of a code point, and the second (0 if none).
void Utf16Units(uint32_t cp, uint32_t& first, uint32_t& second) {
  if (cp < 0x10000) {
    first = cp;
    second = 0;
  } else {
    first = 0xD800 + ((cp - 0x10000) >> 10);
    second = 0xDC00 + ((cp - 0x10000) & 0x3FF);
  }
}

}  // namespace

int CompareUtf16(absl::string_view a, absl::string_view b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  if (i == a.size() || i == b.size()) {
    return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
  }
  // Back up to the start of the code point holding the first difference.
  while (i > 0 && (static_cast<unsigned char>(a[i]) & 0xC0) == 0x80) --i;
  uint32_t fa, sa, fb, sb;
  Utf16Units(DecodeAt(a, i), fa, sa);
  Utf16Units(DecodeAt(b, i), fb, sb);
  if (fa != fb) return fa < fb ? -1 : 1;
  if (sa != sb) return sa < sb ? -1 : 1;
  // Same code point (only possible with malformed input): bytes decide.
  return a.substr(i).compare(b.substr(i)) < 0 ? -1 : 1;
}

namespace {

// Returns <0, 0, >0, or 2 for "undefined" (a NaN was involved).
int Compare(const Value& a, const Value& b) {
  std::string sa, sb;
  Primitive pa = ToPrimitive(a, sa);
  Primitive pb = ToPrimitive(b, sb);
  if (pa.is_string && pb.is_string) {
    return CompareUtf16(pa.str, pb.str);
  }
  double x = PrimitiveNumber(pa), y = PrimitiveNumber(pb);
  if (std::isnan(x) || std::isnan(y)) return 2;
  return x < y ? -1 : (x > y ? 1 : 0);
}

}  // namespace

bool LessThan(const Value& a, const Value& b) { return Compare(a, b) == -1; }

bool LessOrEqual(const Value& a, const Value& b) {
  int c = Compare(a, b);
  return c == -1 || c == 0;
}

}  // namespace cxlab::engine::js
