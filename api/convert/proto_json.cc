// Copyright 2026 The cxlab Authors.

#include "api/convert/proto_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/charconv.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace cxlab::api {
namespace {

namespace pb = ::google::protobuf;
using ::google::protobuf::Descriptor;
using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::EnumValueDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

// ---- Well-known types ------------------------------------------------------

enum class Wkt {
  kNone,
  kStruct,
  kValue,
  kListValue,
  kTimestamp,
  kDuration,
  kFieldMask,
  kEmpty,
  kAny,
  kWrapper,  // DoubleValue ... BytesValue: field 1 "value"
};

Wkt WktOf(const Descriptor* d) {
  const std::string& package = d->file()->package();
  if (package.size() != 15 || package != "google.protobuf") return Wkt::kNone;
  const std::string& name = d->name();
  switch (name[0]) {
    case 'A':
      if (name == "Any") return Wkt::kAny;
      break;
    case 'B':
      if (name == "BoolValue" || name == "BytesValue") return Wkt::kWrapper;
      break;
    case 'D':
      if (name == "Duration") return Wkt::kDuration;
      if (name == "DoubleValue") return Wkt::kWrapper;
      break;
    case 'E':
      if (name == "Empty") return Wkt::kEmpty;
      break;
    case 'F':
      if (name == "FieldMask") return Wkt::kFieldMask;
      if (name == "FloatValue") return Wkt::kWrapper;
      break;
    case 'I':
      if (name == "Int32Value" || name == "Int64Value") return Wkt::kWrapper;
      break;
    case 'L':
      if (name == "ListValue") return Wkt::kListValue;
      break;
    case 'S':
      if (name == "Struct") return Wkt::kStruct;
      if (name == "StringValue") return Wkt::kWrapper;
      break;
    case 'T':
      if (name == "Timestamp") return Wkt::kTimestamp;
      break;
    case 'U':
      if (name == "UInt32Value" || name == "UInt64Value") return Wkt::kWrapper;
      break;
    case 'V':
      if (name == "Value") return Wkt::kValue;
      break;
    default:
      break;
  }
  return Wkt::kNone;
}

bool IsNullValueEnum(const FieldDescriptor* f) {
  return f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM &&
         f->enum_type()->full_name() == "google.protobuf.NullValue";
}

bool IsValueMessage(const FieldDescriptor* f) {
  return f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
         WktOf(f->message_type()) == Wkt::kValue;
}

// The field number of the kind a google.protobuf.Value holds, 0 if none
// (1 null, 2 number, 3 string, 4 bool, 5 struct, 6 list).
int ValueKind(const Message& value) {
  if (const auto* v = pb::DynamicCastToGenerated<pb::Value>(&value)) {
    return static_cast<int>(v->kind_case());
  }
  const Descriptor* d = value.GetDescriptor();
  if (d->oneof_decl_count() == 0) return 0;
  const FieldDescriptor* f =
      value.GetReflection()->GetOneofFieldDescriptor(value, d->oneof_decl(0));
  return f == nullptr ? 0 : f->number();
}

// Copies `from` into `to` through the wire format: for a well-known type
// held as a DynamicMessage, to use the generated code paths.
void CopyViaWire(const Message& from, Message* to) {
  to->ParseFromString(from.SerializeAsString());
}

// Timestamp / Duration limits of the JSON mapping.
constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int64_t kMaxDurationSeconds = 315576000000;
constexpr int64_t kNanosPerSecond = 1000000000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// algorithm).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

bool IsLeapYear(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// protobuf's FieldMask path conversions (util/internal/utility.cc).
std::string ToCamelCase(absl::string_view input) {
  bool capitalize_next = false;
  bool was_cap = true;
  bool is_cap = false;
  bool first_word = true;
  std::string result;
  result.reserve(input.size());
  for (size_t i = 0; i < input.size(); ++i, was_cap = is_cap) {
    const char c = input[i];
    is_cap = absl::ascii_isupper(static_cast<unsigned char>(c));
    if (c == '_') {
      capitalize_next = true;
      if (!result.empty()) first_word = false;
      continue;
    } else if (first_word) {
      if (!result.empty() && is_cap &&
          (!was_cap ||
           (i + 1 < input.size() &&
            absl::ascii_islower(static_cast<unsigned char>(input[i + 1]))))) {
        first_word = false;
        result.push_back(c);
      } else {
        result.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
        continue;
      }
    } else if (capitalize_next) {
      capitalize_next = false;
      if (absl::ascii_islower(static_cast<unsigned char>(c))) {
        result.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
      } else {
        result.push_back(c);
      }
      continue;
    } else {
      result.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return result;
}

std::string ToSnakeCase(absl::string_view input) {
  bool was_not_underscore = false;
  bool was_not_cap = false;
  std::string result;
  result.reserve(input.size() * 2);
  for (size_t i = 0; i < input.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(input[i]);
    if (absl::ascii_isupper(c)) {
      if (was_not_underscore &&
          (was_not_cap ||
           (i + 1 < input.size() &&
            absl::ascii_islower(static_cast<unsigned char>(input[i + 1]))))) {
        result.push_back('_');
      }
      result.push_back(absl::ascii_tolower(c));
      was_not_underscore = true;
      was_not_cap = false;
    } else {
      result.push_back(static_cast<char>(c));
      was_not_underscore = c != '_';
      was_not_cap = true;
    }
  }
  return result;
}

// ============================================================================
// Printing
// ============================================================================

constexpr char kHex[] = "0123456789abcdef";

// kPlain[c]: byte c is copied unchanged (printable ASCII other than '"',
// '\\', '<', '>').
struct PlainTable {
  bool plain[256];
  constexpr PlainTable() : plain() {
    for (int c = 0x20; c < 0x7f; ++c) plain[c] = true;
    plain[static_cast<int>('"')] = false;
    plain[static_cast<int>('\\')] = false;
    plain[static_cast<int>('<')] = false;
    plain[static_cast<int>('>')] = false;
  }
};
constexpr PlainTable kPlain;

void AppendU16Escape(uint32_t unit, std::string* out) {
  char buf[6] = {'\\',
                 'u',
                 kHex[(unit >> 12) & 0xf],
                 kHex[(unit >> 8) & 0xf],
                 kHex[(unit >> 4) & 0xf],
                 kHex[unit & 0xf]};
  out->append(buf, 6);
}

// Escapes a code point below 0xa0 that is not plain ASCII.
void AppendLowEscape(uint32_t cp, std::string* out) {
  switch (cp) {
    case '"':
      out->append("\\\"");
      return;
    case '\\':
      out->append("\\\\");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\t':
      out->append("\\t");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\r':
      out->append("\\r");
      return;
    default:
      AppendU16Escape(cp, out);
  }
}

// Whether protobuf escapes code point `cp` (>= 0xa0), and how.
// 0: no; 1: \uXXXX; 2: a surrogate pair.
int EscapeKind(uint32_t cp) {
  switch (cp) {
    case 0xfeff:
    case 0xfff9:
    case 0xfffa:
    case 0xfffb:
    case 0x00ad:
    case 0x06dd:
    case 0x070f:
    case 0x17b4:
    case 0x17b5:
      return 1;
    default:
      break;
  }
  if ((cp >= 0x0600 && cp <= 0x0603) || (cp >= 0x200b && cp <= 0x200f) ||
      (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
      (cp >= 0x206a && cp <= 0x206f)) {
    return 1;
  }
  if (cp == 0xe0001 || (cp >= 0x1d173 && cp <= 0x1d17a) ||
      (cp >= 0xe0020 && cp <= 0xe007f)) {
    return 2;
  }
  return 0;
}

// Appends the body of a JSON string (no quotes) escaping `s` exactly as
// protobuf 3.21's JsonEscaping does, dropping bytes that are not UTF-8 the
// way it drops them.
void AppendEscaped(absl::string_view s, std::string* out) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = p + s.size();
  const unsigned char* run = p;
  while (p < end) {
    const unsigned char c = *p;
    if (kPlain.plain[c]) {
      ++p;
      continue;
    }
    out->append(reinterpret_cast<const char*>(run), p - run);
    if (c < 0x80) {
      AppendLowEscape(c, out);
      run = ++p;
      continue;
    }
    // A multi-byte sequence, read as protobuf's ReadCodePoint does: the
    // bytes it reads are dropped when they turn out invalid.
    const unsigned char* const start = p;
    uint32_t cp = c;
    int left;
    bool ok = true;
    if (c <= 0xbf || c >= 0xf8) {
      ok = false;
      left = 0;
    } else if (c <= 0xdf) {
      cp &= 0x1f;
      left = 1;
    } else if (c <= 0xef) {
      cp &= 0x0f;
      left = 2;
    } else {
      cp &= 0x07;
      left = 3;
    }
    ++p;
    while (ok && left > 0 && p < end) {
      const unsigned char b = *p++;
      --left;
      cp = (cp << 6) | (b & 0x3f);
      if (b < 0x80 || b > 0xbf) ok = false;
    }
    if (ok && left > 0) ok = false;  // truncated at the end
    if (ok && ((cp & 0xfffff800) == 0xd800 || cp > 0x10ffff)) ok = false;
    run = p;
    if (!ok) continue;
    if (cp < 0xa0) {
      // Overlong forms of ASCII and the C1 controls.
      if (cp < 0x80 && kPlain.plain[cp]) {
        out->append(reinterpret_cast<const char*>(start), p - start);
      } else {
        AppendLowEscape(cp, out);
      }
      continue;
    }
    switch (EscapeKind(cp)) {
      case 0:
        out->append(reinterpret_cast<const char*>(start), p - start);
        break;
      case 1:
        AppendU16Escape(cp, out);
        break;
      default: {
        const uint32_t v = cp - 0x10000;
        AppendU16Escape(0xd800 + (v >> 10), out);
        AppendU16Escape(0xdc00 + (v & 0x3ff), out);
        break;
      }
    }
  }
  out->append(reinterpret_cast<const char*>(run), p - run);
}

void AppendQuoted(absl::string_view s, std::string* out) {
  out->push_back('"');
  AppendEscaped(s, out);
  out->push_back('"');
}

void AppendBase64(absl::string_view in, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char* p = reinterpret_cast<const unsigned char*>(in.data());
  size_t n = in.size();
  const size_t old = out->size();
  out->resize(old + (n + 2) / 3 * 4);
  char* w = &(*out)[old];
  for (; n >= 3; n -= 3, p += 3) {
    const uint32_t v = (p[0] << 16) | (p[1] << 8) | p[2];
    *w++ = kAlphabet[v >> 18];
    *w++ = kAlphabet[(v >> 12) & 63];
    *w++ = kAlphabet[(v >> 6) & 63];
    *w++ = kAlphabet[v & 63];
  }
  if (n == 1) {
    const uint32_t v = p[0] << 16;
    *w++ = kAlphabet[v >> 18];
    *w++ = kAlphabet[(v >> 12) & 63];
    *w++ = '=';
    *w++ = '=';
  } else if (n == 2) {
    const uint32_t v = (p[0] << 16) | (p[1] << 8);
    *w++ = kAlphabet[v >> 18];
    *w++ = kAlphabet[(v >> 12) & 63];
    *w++ = kAlphabet[(v >> 6) & 63];
    *w++ = '=';
  }
}

template <typename Int>
void AppendInt(Int v, std::string* out) {
  char buf[24];
  char* end = absl::numbers_internal::FastIntToBuffer(v, buf);
  out->append(buf, end - buf);
}

template <typename Int>
void AppendQuotedInt(Int v, std::string* out) {
  char buf[26];
  buf[0] = '"';
  char* end = absl::numbers_internal::FastIntToBuffer(v, buf + 1);
  *end++ = '"';
  out->append(buf, end - buf);
}

// Non-finite numbers as protobuf prints them (quoted).
void AppendNonFinite(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
  } else {
    out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  }
}

// "%.15g" then, when that does not read back exactly, "%.17g": the slow
// way, for subnormals and 16-digit values.
char* DtoaSlow(double v, char* buf, char* buf_end) {
  char* end =
      std::to_chars(buf, buf_end, v, std::chars_format::general, 15).ptr;
  double back = 0;
  std::from_chars(buf, end, back);
  if (back != v) {
    end = std::to_chars(buf, buf_end, v, std::chars_format::general, 17).ptr;
  }
  return end;
}

// protobuf's SimpleDtoa: "%.15g" if it reads back exactly, else "%.17g".
// Computed from the shortest round-trip digits where they decide it: with
// at most 15 of them "%.15g" prints exactly those (a double's ulp is far
// below the 15-digit spacing), with 17 they are "%.17g"'s (the closest
// 17-digit decimal); only 16 needs "%.17g" itself.
void AppendDouble(double v, std::string* out) {
  if (!std::isfinite(v)) return AppendNonFinite(v, out);
  char buf[40];
  if (std::fabs(v) < 1e15 && v == std::trunc(v)) {
    // "%.15g" of an integer below 10^15 is the integer.
    if (v == 0) {
      out->append(std::signbit(v) ? "-0" : "0");
      return;
    }
    char* end =
        absl::numbers_internal::FastIntToBuffer(static_cast<int64_t>(v), buf);
    out->append(buf, end - buf);
    return;
  }
  if (std::fabs(v) < std::numeric_limits<double>::min()) {
    char* end = DtoaSlow(v, buf, buf + sizeof(buf));
    out->append(buf, end - buf);
    return;
  }
  // Shortest digits: "-d.ddde-XX".
  char* const sci_end =
      std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific)
          .ptr;
  const char* p = buf;
  const bool negative = *p == '-';
  if (negative) ++p;
  char digits[20];
  int n = 0;
  for (; *p != 'e'; ++p) {
    if (*p != '.') digits[n++] = *p;
  }
  ++p;
  const bool negative_exp = *p == '-';
  ++p;
  int exp = 0;
  for (; p < sci_end; ++p) exp = exp * 10 + (*p - '0');
  if (negative_exp) exp = -exp;
  if (n == 16) {
    // "%.15g" cannot read back (else 15 digits would do): "%.17g".
    char* end =
        std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 17)
            .ptr;
    out->append(buf, end - buf);
    return;
  }
  // "%.{15,17}g" of these digits (no trailing zeros).
  const int precision = n <= 15 ? 15 : 17;
  char* w = buf;  // buf's digits were copied out
  if (negative) *w++ = '-';
  if (exp < -4 || exp >= precision) {
    *w++ = digits[0];
    if (n > 1) {
      *w++ = '.';
      for (int i = 1; i < n; ++i) *w++ = digits[i];
    }
    *w++ = 'e';
    *w++ = exp < 0 ? '-' : '+';
    const int a = exp < 0 ? -exp : exp;
    if (a >= 100) *w++ = static_cast<char>('0' + a / 100);
    *w++ = static_cast<char>('0' + a / 10 % 10);
    *w++ = static_cast<char>('0' + a % 10);
  } else if (exp >= 0) {
    for (int i = 0; i <= exp; ++i) *w++ = i < n ? digits[i] : '0';
    if (n > exp + 1) {
      *w++ = '.';
      for (int i = exp + 1; i < n; ++i) *w++ = digits[i];
    }
  } else {
    *w++ = '0';
    *w++ = '.';
    for (int i = -1; i > exp; --i) *w++ = '0';
    for (int i = 0; i < n; ++i) *w++ = digits[i];
  }
  out->append(buf, w - buf);
}

// protobuf's SimpleFtoa: "%.6g" if it reads back exactly, else "%.9g"
// (always for subnormals).
void AppendFloat(float v, std::string* out) {
  if (!std::isfinite(v)) return AppendNonFinite(v, out);
  char buf[40];
  char* end;
  if (std::fabs(v) < 1e6f && v == std::trunc(v)) {
    if (v == 0) {
      if (std::signbit(v)) {
        out->append("-0");
      } else {
        out->push_back('0');
      }
      return;
    }
    end = absl::numbers_internal::FastIntToBuffer(static_cast<int32_t>(v), buf);
  } else {
    end =
        std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 6)
            .ptr;
    float back = 0;
    std::from_chars(buf, end, back);
    // protobuf's check (strtof) also fails on subnormals: ERANGE.
    if (back != v || std::fabs(v) < std::numeric_limits<float>::min()) {
      end = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general,
                          9)
                .ptr;
    }
  }
  out->append(buf, end - buf);
}

// Appends n as exactly `width` digits.
void AppendDigits(int64_t n, int width, std::string* out) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  out->append(buf, width);
}

// ".021", ".000021", ".000000021" or nothing, as protobuf's FormatNanos.
void AppendNanos(int32_t nanos, std::string* out) {
  if (nanos == 0) return;
  out->push_back('.');
  if (nanos % 1000000 == 0) {
    AppendDigits(nanos / 1000000, 3, out);
  } else if (nanos % 1000 == 0) {
    AppendDigits(nanos / 1000, 6, out);
  } else {
    AppendDigits(nanos, 9, out);
  }
}

void AppendTimestamp(int64_t seconds, int32_t nanos, std::string* out) {
  if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds ||
      nanos < 0 || nanos >= kNanosPerSecond) {
    // Not printable by protobuf: normalise, then clamp to the range.
    __int128 total = static_cast<__int128>(seconds) * kNanosPerSecond + nanos;
    const __int128 lo =
        static_cast<__int128>(kMinTimestampSeconds) * kNanosPerSecond;
    const __int128 hi =
        static_cast<__int128>(kMaxTimestampSeconds) * kNanosPerSecond +
        (kNanosPerSecond - 1);
    total = std::min(std::max(total, lo), hi);
    __int128 s = total / kNanosPerSecond;
    __int128 n = total % kNanosPerSecond;
    if (n < 0) {
      n += kNanosPerSecond;
      --s;
    }
    seconds = static_cast<int64_t>(s);
    nanos = static_cast<int32_t>(n);
  }
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t year;
  int month, day;
  CivilFromDays(days, &year, &month, &day);
  char buf[20];
  // YYYY-MM-DDTHH:MM:SS
  const auto put2 = [](char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  const int y = static_cast<int>(year);
  put2(buf, y / 100);
  put2(buf + 2, y % 100);
  buf[4] = '-';
  put2(buf + 5, month);
  buf[7] = '-';
  put2(buf + 8, day);
  buf[10] = 'T';
  put2(buf + 11, static_cast<int>(rem / 3600));
  buf[13] = ':';
  put2(buf + 14, static_cast<int>(rem / 60 % 60));
  buf[16] = ':';
  put2(buf + 17, static_cast<int>(rem % 60));
  out->push_back('"');
  out->append(buf, 19);
  AppendNanos(nanos, out);
  out->append("Z\"");
}

void AppendDuration(int64_t seconds, int32_t nanos, std::string* out) {
  __int128 total = static_cast<__int128>(seconds) * kNanosPerSecond + nanos;
  const __int128 max =
      static_cast<__int128>(kMaxDurationSeconds) * kNanosPerSecond +
      (kNanosPerSecond - 1);
  total = std::min(std::max(total, -max), max);
  out->push_back('"');
  if (total < 0) {
    out->push_back('-');
    total = -total;
  }
  AppendInt(static_cast<int64_t>(total / kNanosPerSecond), out);
  AppendNanos(static_cast<int32_t>(total % kNanosPerSecond), out);
  out->append("s\"");
}

// The descriptor of enum value `number`, or nullptr.
const EnumValueDescriptor* FindEnumValue(const EnumDescriptor* e, int number) {
  // Enums numbered 0, 1, 2... in order: the value at index `number`.
  if (number >= 0 && number < e->value_count() && !e->options().allow_alias()) {
    const EnumValueDescriptor* v = e->value(number);
    if (v->number() == number) return v;
  }
  return e->FindValueByNumber(number);
}

class Printer {
 public:
  explicit Printer(std::string* out) : out_(*out) {}

  // The JSON value of a message (a well-known type's own form).
  void MessageValue(const Message& m) {
    MessageValue(m, WktOf(m.GetDescriptor()));
  }

 private:
  void MessageValue(const Message& m, Wkt wkt);
  void Object(const Message& m);
  // `,"jsonName":` (no comma before the first).
  void Key(const FieldDescriptor* f, bool* first) {
    const std::string& name = f->json_name();
    // A json_name derived from the field name is an identifier: no escapes.
    if (!f->has_json_name() && name.size() <= 60) {
      char buf[64];
      char* w = buf;
      if (!*first) *w++ = ',';
      *first = false;
      *w++ = '"';
      std::memcpy(w, name.data(), name.size());
      w += name.size();
      *w++ = '"';
      *w++ = ':';
      out_.append(buf, w - buf);
      return;
    }
    if (!*first) out_.push_back(',');
    *first = false;
    out_.push_back('"');
    AppendEscaped(name, &out_);
    out_.append("\":");
  }
  void Singular(const Message& m, const Reflection* r,
                const FieldDescriptor* f);
  void List(const Message& m, const Reflection* r, const FieldDescriptor* f);
  void Map(const Message& m, const Reflection* r, const FieldDescriptor* f);
  void Enum(const EnumDescriptor* e, int number, bool null_value) {
    if (null_value) {
      out_.append("null");
      return;
    }
    if (const EnumValueDescriptor* v = FindEnumValue(e, number)) {
      AppendQuoted(v->name(), &out_);
    } else {
      AppendInt(number, &out_);
    }
  }

  void Value(const pb::Value& v);
  void Struct(const pb::Struct& s);
  void ListValue(const pb::ListValue& l);
  void Any(const Message& m);

  std::string& out_;
};

void Printer::MessageValue(const Message& m, Wkt wkt) {
  switch (wkt) {
    case Wkt::kNone:
    case Wkt::kEmpty:
      Object(m);
      return;
    case Wkt::kValue:
      if (const auto* v = pb::DynamicCastToGenerated<pb::Value>(&m)) {
        Value(*v);
      } else {
        pb::Value copy;
        CopyViaWire(m, &copy);
        Value(copy);
      }
      return;
    case Wkt::kStruct:
      if (const auto* s = pb::DynamicCastToGenerated<pb::Struct>(&m)) {
        Struct(*s);
      } else {
        pb::Struct copy;
        CopyViaWire(m, &copy);
        Struct(copy);
      }
      return;
    case Wkt::kListValue:
      if (const auto* l = pb::DynamicCastToGenerated<pb::ListValue>(&m)) {
        ListValue(*l);
      } else {
        pb::ListValue copy;
        CopyViaWire(m, &copy);
        ListValue(copy);
      }
      return;
    case Wkt::kTimestamp:
    case Wkt::kDuration: {
      const Descriptor* d = m.GetDescriptor();
      const Reflection* r = m.GetReflection();
      const int64_t seconds = r->GetInt64(m, d->field(0));
      const int32_t nanos = r->GetInt32(m, d->field(1));
      if (wkt == Wkt::kTimestamp) {
        AppendTimestamp(seconds, nanos, &out_);
      } else {
        AppendDuration(seconds, nanos, &out_);
      }
      return;
    }
    case Wkt::kFieldMask: {
      const Reflection* r = m.GetReflection();
      const FieldDescriptor* paths = m.GetDescriptor()->field(0);
      const int n = r->FieldSize(m, paths);
      std::string joined;
      std::string scratch;
      for (int i = 0; i < n; ++i) {
        if (i > 0) joined.push_back(',');
        const std::string& path =
            r->GetRepeatedStringReference(m, paths, i, &scratch);
        // Dot-separated segments, each converted.
        size_t start = 0;
        while (true) {
          const size_t dot = path.find('.', start);
          joined +=
              ToCamelCase(absl::string_view(path).substr(start, dot - start));
          if (dot == std::string::npos) break;
          joined.push_back('.');
          start = dot + 1;
        }
      }
      AppendQuoted(joined, &out_);
      return;
    }
    case Wkt::kWrapper:
      Singular(m, m.GetReflection(), m.GetDescriptor()->field(0));
      return;
    case Wkt::kAny:
      Any(m);
      return;
  }
}

void Printer::Any(const Message& m) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  if (pb::util::MessageToJsonString(m, &json, options).ok() && !json.empty()) {
    out_ += json;
  } else {
    out_.append("{}");
  }
}

// Where protobuf's DefaultValueObjectWriter puts a set message field: in
// its place when it prints as an object, last when it prints as anything
// else, nowhere for a Value without a kind.
enum class Placement { kInPlace, kLast, kOmit };

Placement PlacementOf(const Message& sub, Wkt wkt) {
  switch (wkt) {
    case Wkt::kNone:
    case Wkt::kStruct:
    case Wkt::kEmpty:
    case Wkt::kAny:
      return Placement::kInPlace;
    case Wkt::kValue: {
      const int kind = ValueKind(sub);
      if (kind == 0) return Placement::kOmit;
      return kind == pb::Value::kStructValue ? Placement::kInPlace
                                             : Placement::kLast;
    }
    default:
      return Placement::kLast;
  }
}

void Printer::Object(const Message& m) {
  const Descriptor* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  out_.push_back('{');
  bool first = true;
  absl::InlinedVector<const FieldDescriptor*, 4> last;
  const int n = d->field_count();
  for (int i = 0; i < n; ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) {
      Key(f, &first);
      if (f->is_map()) {
        Map(m, r, f);
      } else {
        List(m, r, f);
      }
      continue;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!r->HasField(m, f)) continue;
      const Message& sub = r->GetMessage(m, f);
      const Wkt wkt = WktOf(f->message_type());
      switch (PlacementOf(sub, wkt)) {
        case Placement::kInPlace:
          Key(f, &first);
          MessageValue(sub, wkt);
          break;
        case Placement::kLast:
          last.push_back(f);
          break;
        case Placement::kOmit:
          break;
      }
      continue;
    }
    if (f->containing_oneof() != nullptr) {
      // Oneof members and proto3 optional fields: printed when set, last.
      if (r->HasField(m, f)) last.push_back(f);
      continue;
    }
    Key(f, &first);
    Singular(m, r, f);
  }
  if (!last.empty()) {
    // Wire order: by field number.
    const auto by_number = [](const FieldDescriptor* a,
                              const FieldDescriptor* b) {
      return a->number() < b->number();
    };
    if (!std::is_sorted(last.begin(), last.end(), by_number)) {
      std::sort(last.begin(), last.end(), by_number);
    }
    for (const FieldDescriptor* f : last) {
      Key(f, &first);
      Singular(m, r, f);
    }
  }
  out_.push_back('}');
}

void Printer::Singular(const Message& m, const Reflection* r,
                       const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      AppendInt(r->GetInt32(m, f), &out_);
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      AppendQuotedInt(r->GetInt64(m, f), &out_);
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      AppendInt(r->GetUInt32(m, f), &out_);
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      AppendQuotedInt(r->GetUInt64(m, f), &out_);
      return;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendDouble(r->GetDouble(m, f), &out_);
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendFloat(r->GetFloat(m, f), &out_);
      return;
    case FieldDescriptor::CPPTYPE_BOOL:
      out_.append(r->GetBool(m, f) ? "true" : "false");
      return;
    case FieldDescriptor::CPPTYPE_ENUM:
      // protobuf prints a NullValue field's default as its name, but a set
      // oneof member as null.
      Enum(f->enum_type(), r->GetEnumValue(m, f),
           f->containing_oneof() != nullptr && IsNullValueEnum(f));
      return;
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = r->GetStringReference(m, f, &scratch);
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        out_.push_back('"');
        AppendBase64(s, &out_);
        out_.push_back('"');
      } else {
        AppendQuoted(s, &out_);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      MessageValue(r->GetMessage(m, f), WktOf(f->message_type()));
      return;
  }
}

void Printer::List(const Message& m, const Reflection* r,
                   const FieldDescriptor* f) {
  out_.push_back('[');
  const int n = r->FieldSize(m, f);
  const auto comma = [&](int i) {
    if (i > 0) out_.push_back(',');
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      for (int i = 0; i < n; ++i) {
        comma(i);
        AppendInt(r->GetRepeatedInt32(m, f, i), &out_);
      }
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      for (int i = 0; i < n; ++i) {
        comma(i);
        AppendQuotedInt(r->GetRepeatedInt64(m, f, i), &out_);
      }
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      for (int i = 0; i < n; ++i) {
        comma(i);
        AppendInt(r->GetRepeatedUInt32(m, f, i), &out_);
      }
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      for (int i = 0; i < n; ++i) {
        comma(i);
        AppendQuotedInt(r->GetRepeatedUInt64(m, f, i), &out_);
      }
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      for (int i = 0; i < n; ++i) {
        comma(i);
        AppendDouble(r->GetRepeatedDouble(m, f, i), &out_);
      }
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      for (int i = 0; i < n; ++i) {
        comma(i);
        AppendFloat(r->GetRepeatedFloat(m, f, i), &out_);
      }
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      for (int i = 0; i < n; ++i) {
        comma(i);
        out_.append(r->GetRepeatedBool(m, f, i) ? "true" : "false");
      }
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const bool null_value = IsNullValueEnum(f);
      for (int i = 0; i < n; ++i) {
        comma(i);
        Enum(f->enum_type(), r->GetRepeatedEnumValue(m, f, i), null_value);
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      const bool bytes = f->type() == FieldDescriptor::TYPE_BYTES;
      std::string scratch;
      for (int i = 0; i < n; ++i) {
        comma(i);
        const std::string& s = r->GetRepeatedStringReference(m, f, i, &scratch);
        if (bytes) {
          out_.push_back('"');
          AppendBase64(s, &out_);
          out_.push_back('"');
        } else {
          AppendQuoted(s, &out_);
        }
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Wkt wkt = WktOf(f->message_type());
      bool first = true;
      for (int i = 0; i < n; ++i) {
        const Message& e = r->GetRepeatedMessage(m, f, i);
        if (wkt == Wkt::kValue && ValueKind(e) == 0) continue;
        if (!first) out_.push_back(',');
        first = false;
        MessageValue(e, wkt);
      }
      break;
    }
  }
  out_.push_back(']');
}

void Printer::Map(const Message& m, const Reflection* r,
                  const FieldDescriptor* f) {
  out_.push_back('{');
  const Descriptor* entry = f->message_type();
  const FieldDescriptor* key = entry->map_key();
  const FieldDescriptor* value = entry->map_value();
  const bool value_is_value = IsValueMessage(value);
  // The entries in the map's iteration order, which is the order the
  // serializer (and so protobuf's printer) visits them in.
  const int n = r->FieldSize(m, f);
  bool first = true;
  std::string scratch;
  for (int i = 0; i < n; ++i) {
    const Message& e = r->GetRepeatedMessage(m, f, i);
    const Reflection* er = e.GetReflection();
    if (value_is_value && ValueKind(er->GetMessage(e, value)) == 0) continue;
    if (!first) out_.push_back(',');
    first = false;
    switch (key->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        AppendQuoted(er->GetStringReference(e, key, &scratch), &out_);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        AppendQuotedInt(er->GetInt32(e, key), &out_);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        AppendQuotedInt(er->GetInt64(e, key), &out_);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        AppendQuotedInt(er->GetUInt32(e, key), &out_);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        AppendQuotedInt(er->GetUInt64(e, key), &out_);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_.append(er->GetBool(e, key) ? "\"true\"" : "\"false\"");
        break;
      default:  // not a valid map key type
        out_.append("\"\"");
        break;
    }
    out_.push_back(':');
    Singular(e, er, value);
  }
  out_.push_back('}');
}

void Printer::Value(const pb::Value& v) {
  switch (v.kind_case()) {
    case pb::Value::kNumberValue:
      AppendDouble(v.number_value(), &out_);
      return;
    case pb::Value::kStringValue:
      AppendQuoted(v.string_value(), &out_);
      return;
    case pb::Value::kBoolValue:
      out_.append(v.bool_value() ? "true" : "false");
      return;
    case pb::Value::kStructValue:
      Struct(v.struct_value());
      return;
    case pb::Value::kListValue:
      ListValue(v.list_value());
      return;
    case pb::Value::kNullValue:
    case pb::Value::KIND_NOT_SET:
      out_.append("null");
      return;
  }
}

void Printer::Struct(const pb::Struct& s) {
  out_.push_back('{');
  bool first = true;
  for (const auto& [key, value] : s.fields()) {
    if (value.kind_case() == pb::Value::KIND_NOT_SET) continue;
    if (!first) out_.push_back(',');
    first = false;
    AppendQuoted(key, &out_);
    out_.push_back(':');
    Value(value);
  }
  out_.push_back('}');
}

void Printer::ListValue(const pb::ListValue& l) {
  out_.push_back('[');
  bool first = true;
  for (const pb::Value& v : l.values()) {
    if (v.kind_case() == pb::Value::KIND_NOT_SET) continue;
    if (!first) out_.push_back(',');
    first = false;
    Value(v);
  }
  out_.push_back(']');
}

// ============================================================================
// Parsing
// ============================================================================

// Length of the valid UTF-8 sequence starting with lead byte p[0] >= 0x80,
// or 0 when it is not valid (overlong, surrogate, beyond U+10FFFF,
// truncated).
int Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
  const unsigned c = p[0];
  const auto cont = [](unsigned b) { return (b & 0xc0) == 0x80; };
  if (c < 0xc2) return 0;
  if (c < 0xe0) return end - p >= 2 && cont(p[1]) ? 2 : 0;
  if (c < 0xf0) {
    if (end - p < 3 || !cont(p[1]) || !cont(p[2])) return 0;
    if (c == 0xe0 && p[1] < 0xa0) return 0;
    if (c == 0xed && p[1] >= 0xa0) return 0;
    return 3;
  }
  if (c < 0xf5) {
    if (end - p < 4 || !cont(p[1]) || !cont(p[2]) || !cont(p[3])) return 0;
    if (c == 0xf0 && p[1] < 0x90) return 0;
    if (c == 0xf4 && p[1] >= 0x90) return 0;
    return 4;
  }
  return 0;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  char buf[4];
  int n;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    n = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xc0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xe0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    buf[0] = static_cast<char>(0xf0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3f));
    n = 4;
  }
  out->append(buf, n);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "an " before "int32", "enum number"...; "a " before "uint32".
const char* Article(absl::string_view noun) {
  return !noun.empty() && (noun[0] == 'i' || noun[0] == 'e') ? "an " : "a ";
}

// Parses "-?[0-9]+" (leading zeros allowed, as protobuf allows them in
// quoted integers) into a sign and a magnitude; false on anything else or
// on overflow of the magnitude.
bool ParseIntegerText(absl::string_view s, bool* negative, uint64_t* mag) {
  size_t i = 0;
  *negative = false;
  if (i < s.size() && s[i] == '-') {
    *negative = true;
    ++i;
  }
  if (i == s.size()) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) return false;
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  *mag = v;
  return true;
}

// Whether `s` is a complete JSON number.
bool IsJsonNumber(absl::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i == n || !IsDigit(s[i])) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (i < n && IsDigit(s[i])) ++i;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i == n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i == n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  return i == n;
}

// Converts the text of a valid JSON number to a double; false when it
// overflows (underflow gives a zero, as strtod does).
bool NumberTextToDouble(absl::string_view s, double* v) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  if (r.ec == std::errc()) return true;
  if (r.ec != std::errc::result_out_of_range) return false;
  double d = 0;
  absl::from_chars(s.data(), s.data() + s.size(), d);
  if (std::fabs(d) >= 1) return false;  // overflow
  *v = d;
  return true;
}

bool ParseTimestampText(absl::string_view s, int64_t* seconds, int32_t* nanos) {
  size_t i = 0;
  const auto digits = [&](int n, int* v) {
    if (i + n > s.size()) return false;
    int x = 0;
    for (int k = 0; k < n; ++k) {
      if (!IsDigit(s[i + k])) return false;
      x = x * 10 + (s[i + k] - '0');
    }
    i += n;
    *v = x;
    return true;
  };
  const auto literal = [&](char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int year, month, day, hour, minute, second;
  if (!(digits(4, &year) && literal('-') && digits(2, &month) && literal('-') &&
        digits(2, &day) && literal('T') && digits(2, &hour) && literal(':') &&
        digits(2, &minute) && literal(':') && digits(2, &second))) {
    return false;
  }
  int32_t ns = 0;
  if (literal('.')) {
    int k = 0;
    while (i < s.size() && IsDigit(s[i])) {
      if (k == 9) return false;
      ns = ns * 10 + (s[i] - '0');
      ++k;
      ++i;
    }
    if (k == 0) return false;
    for (; k < 9; ++k) ns *= 10;
  }
  int64_t offset = 0;
  if (!literal('Z')) {
    if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
    const int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh, om;
    if (!(digits(2, &oh) && literal(':') && digits(2, &om))) return false;
    if (oh > 23 || om > 59) return false;
    offset = sign * (oh * 3600 + om * 60);
  }
  if (i != s.size()) return false;
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month) || hour > 23 || minute > 59 ||
      second > 59) {
    return false;
  }
  const int64_t secs = DaysFromCivil(year, month, day) * 86400 + hour * 3600 +
                       minute * 60 + second - offset;
  if (secs < kMinTimestampSeconds || secs > kMaxTimestampSeconds) {
    return false;
  }
  *seconds = secs;
  *nanos = ns;
  return true;
}

bool ParseDurationText(absl::string_view s, int64_t* seconds, int32_t* nanos) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && s[i] == '-') {
    negative = true;
    ++i;
  }
  const size_t start = i;
  int64_t secs = 0;
  while (i < s.size() && IsDigit(s[i])) {
    secs = secs * 10 + (s[i] - '0');
    if (secs > kMaxDurationSeconds) return false;
    ++i;
  }
  if (i == start) return false;
  int32_t ns = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int k = 0;
    while (i < s.size() && IsDigit(s[i])) {
      if (k == 9) return false;
      ns = ns * 10 + (s[i] - '0');
      ++k;
      ++i;
    }
    for (; k < 9; ++k) ns *= 10;
  }
  if (i + 1 != s.size() || s[i] != 's') return false;
  *seconds = negative ? -secs : secs;
  *nanos = negative ? -ns : ns;
  return true;
}

bool IsIdentifier(absl::string_view s) {
  if (s.empty() || IsDigit(s[0])) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

// A map or Struct key as a path segment: ".key", or ["key"] when it is not
// an identifier.
std::string KeySegment(absl::string_view key) {
  if (IsIdentifier(key)) return std::string(key);
  std::string s = "[";
  AppendQuoted(key, &s);
  s.push_back(']');
  return s;
}

// Which fields (and oneofs) of one JSON object were seen.
class SeenFields {
 public:
  SeenFields(int fields, int oneofs)
      : fields_(fields), bits_((fields + oneofs + 63) / 64) {}
  // Marks field `index`; true if it was marked before.
  bool TestAndSetField(int index) { return TestAndSet(index); }
  bool TestAndSetOneof(int index) { return TestAndSet(fields_ + index); }

 private:
  bool TestAndSet(int bit) {
    uint64_t& word = bits_[bit / 64];
    const uint64_t mask = uint64_t{1} << (bit % 64);
    const bool was = (word & mask) != 0;
    word |= mask;
    return was;
  }
  int fields_;
  absl::InlinedVector<uint64_t, 2> bits_;
};

class Parser {
 public:
  explicit Parser(absl::string_view json)
      : begin_(json.data()), p_(json.data()), end_(json.data() + json.size()) {}

  absl::Status Parse(Message* m) {
    bool ok;
    if (PeekNonWs() == '\0' && p_ == end_) {
      ok = Fail("expected a JSON value, got end of input");
    } else {
      ok = MessageValue(m);
      if (ok) {
        SkipWs();
        if (p_ != end_) ok = SyntaxError("end of input after the JSON value");
      }
    }
    if (ok) return absl::OkStatus();
    std::string path;
    for (auto it = path_.rbegin(); it != path_.rend(); ++it) {
      if (!path.empty() && (*it)[0] != '[') path.push_back('.');
      path += *it;
    }
    if (path.empty()) return absl::InvalidArgumentError(error_);
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", error_));
  }

 private:
  // ---- errors ----
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }
  // Records one more (outer) path segment while an error unwinds.
  bool Unwind(std::string segment) {
    path_.push_back(std::move(segment));
    return false;
  }
  std::string Offset() const { return absl::StrCat(p_ - begin_); }
  // What is at the cursor, for messages.
  std::string Got() const {
    if (p_ >= end_) return "end of input";
    const unsigned char c = static_cast<unsigned char>(*p_);
    if (c >= 0x20 && c < 0x7f) {
      return absl::StrCat("'", std::string(1, *p_), "'");
    }
    return absl::StrCat("byte 0x", absl::Hex(c, absl::kZeroPad2));
  }
  bool SyntaxError(absl::string_view expected) {
    return Fail(absl::StrCat("expected ", expected, " at byte ", Offset(),
                             ", got ", Got()));
  }
  // Describes the JSON value starting at the cursor.
  static const char* KindName(char c) {
    switch (c) {
      case '{':
        return "an object";
      case '[':
        return "an array";
      case '"':
        return "a string";
      case 't':
      case 'f':
        return "a boolean";
      case 'n':
        return "null";
      default:
        return (c == '-' || IsDigit(c)) ? "a number" : nullptr;
    }
  }
  // "expected <what>, got <kind>" for a well-formed value of the wrong
  // type; a syntax error when no JSON value starts here.
  bool TypeError(absl::string_view expected) {
    const char* kind = p_ < end_ ? KindName(*p_) : nullptr;
    if (kind == nullptr) return SyntaxError("a JSON value");
    return Fail(absl::StrCat("expected ", expected, ", got ", kind));
  }
  bool DepthError() {
    return Fail(
        absl::StrCat("nesting deeper than ", kMaxProtoJsonDepth, " levels"));
  }

  // ---- lexing ----
  void SkipWs() {
    while (p_ < end_ &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
      ++p_;
    }
  }
  // The next non-whitespace character ('\0' at the end).
  char PeekNonWs() {
    SkipWs();
    return p_ < end_ ? *p_ : '\0';
  }
  bool Literal(absl::string_view word) {
    if (static_cast<size_t>(end_ - p_) >= word.size() &&
        std::memcmp(p_, word.data(), word.size()) == 0) {
      p_ += word.size();
      return true;
    }
    return SyntaxError("a JSON value");
  }
  bool Enter() {
    ++p_;
    return ++depth_ <= kMaxProtoJsonDepth || DepthError();
  }

  // Parses the JSON string at the cursor (at '"') into *out.
  bool String(std::string* out) {
    const char* const start = ++p_;
    const char* q = start;
    while (q < end_) {
      const unsigned char c = static_cast<unsigned char>(*q);
      if (c == '"') {
        out->assign(start, q - start);
        p_ = q + 1;
        return true;
      }
      if (c == '\\' || c < 0x20 || c >= 0x80) break;
      ++q;
    }
    out->assign(start, q - start);
    p_ = q;
    return StringTail(out);
  }
  // A key: a view into the input when it has no escapes, else into
  // key_scratch_ (valid until the next key).
  bool Key(absl::string_view* key) {
    const char* const start = ++p_;
    const char* q = start;
    while (q < end_) {
      const unsigned char c = static_cast<unsigned char>(*q);
      if (c == '"') {
        *key = absl::string_view(start, q - start);
        p_ = q + 1;
        return true;
      }
      if (c == '\\' || c < 0x20 || c >= 0x80) break;
      ++q;
    }
    key_scratch_.assign(start, q - start);
    p_ = q;
    if (!StringTail(&key_scratch_)) return false;
    *key = key_scratch_;
    return true;
  }
  // The rest of a string after its plain prefix, appended to *out.
  bool StringTail(std::string* out) {
    while (true) {
      const char* run = p_;
      while (p_ < end_) {
        const unsigned char c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      out->append(run, p_ - run);
      if (p_ >= end_) return Fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c >= 0x80) {
        const int n =
            Utf8SequenceLength(reinterpret_cast<const unsigned char*>(p_),
                               reinterpret_cast<const unsigned char*>(end_));
        if (n == 0) {
          return Fail(absl::StrCat("invalid UTF-8 at byte ", Offset()));
        }
        out->append(p_, n);
        p_ += n;
        continue;
      }
      if (c < 0x20) {
        return Fail(
            absl::StrCat("unescaped control character in a string "
                         "at byte ",
                         Offset()));
      }
      // A backslash escape.
      if (end_ - p_ < 2) return Fail("unterminated string");
      const char e = p_[1];
      p_ += 2;
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t low;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
              return Fail(absl::StrCat("lone surrogate \\u", absl::Hex(cp),
                                       " at byte ", Offset()));
            }
            p_ += 2;
            if (!Hex4(&low)) return false;
            if (low < 0xdc00 || low > 0xdfff) {
              return Fail(absl::StrCat("lone surrogate \\u", absl::Hex(cp),
                                       " at byte ", Offset()));
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return Fail(absl::StrCat("lone surrogate \\u", absl::Hex(cp),
                                     " at byte ", Offset()));
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          p_ -= 2;
          return Fail(
              absl::StrCat("invalid escape in a string at byte ", Offset()));
      }
    }
  }
  bool Hex4(uint32_t* cp) {
    if (end_ - p_ < 4) return Fail("unterminated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = p_[i];
      v <<= 4;
      if (IsDigit(c)) {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v |= c - 'A' + 10;
      } else {
        return Fail(
            absl::StrCat("invalid \\u escape at byte ", p_ - begin_ - 2));
      }
    }
    p_ += 4;
    *cp = v;
    return true;
  }

  // Scans the JSON number at the cursor ('-' or a digit).
  bool Number(absl::string_view* text, bool* integer) {
    const char* const start = p_;
    const char* q = p_;
    *integer = true;
    if (q < end_ && *q == '-') ++q;
    if (q == end_ || !IsDigit(*q)) {
      p_ = q;
      return SyntaxError("a digit");
    }
    if (*q == '0') {
      ++q;
      if (q < end_ && IsDigit(*q)) {
        p_ = q;
        return Fail(
            absl::StrCat("leading zero in a number at byte ", start - begin_));
      }
    } else {
      while (q < end_ && IsDigit(*q)) ++q;
    }
    if (q < end_ && *q == '.') {
      *integer = false;
      ++q;
      if (q == end_ || !IsDigit(*q)) {
        p_ = q;
        return SyntaxError("a digit");
      }
      while (q < end_ && IsDigit(*q)) ++q;
    }
    if (q < end_ && (*q == 'e' || *q == 'E')) {
      *integer = false;
      ++q;
      if (q < end_ && (*q == '+' || *q == '-')) ++q;
      if (q == end_ || !IsDigit(*q)) {
        p_ = q;
        return SyntaxError("a digit");
      }
      while (q < end_ && IsDigit(*q)) ++q;
    }
    *text = absl::string_view(start, q - start);
    p_ = q;
    return true;
  }

  // ---- scalars ----

  // An integer in [lo, hi] from a number (1, 1.0, 1e2) or a decimal string.
  bool SignedInt(int64_t lo, int64_t hi, const char* type, int64_t* out) {
    const char c = PeekNonWs();
    bool negative;
    uint64_t mag;
    if (c == '"') {
      if (!String(&scratch_)) return false;
      if (!ParseIntegerText(scratch_, &negative, &mag)) {
        return Fail(absl::StrCat("expected ", Article(type), type, ", got \"",
                                 scratch_, "\""));
      }
    } else if (c == '-' || IsDigit(c)) {
      absl::string_view text;
      bool integer;
      if (!Number(&text, &integer)) return false;
      if (integer) {
        if (!ParseIntegerText(text, &negative, &mag)) {
          return Fail(
              absl::StrCat("value out of range for ", type, ": ", text));
        }
      } else {
        double d;
        if (!NumberTextToDouble(text, &d) || d != std::trunc(d)) {
          return Fail(
              absl::StrCat("expected ", Article(type), type, ", got ", text));
        }
        if (!(d >= static_cast<double>(lo) && d < -static_cast<double>(lo) &&
              d >= -9.2233720368547758e18 && d < 9.2233720368547758e18)) {
          return Fail(
              absl::StrCat("value out of range for ", type, ": ", text));
        }
        const int64_t v = static_cast<int64_t>(d);
        if (v < lo || v > hi) {
          return Fail(
              absl::StrCat("value out of range for ", type, ": ", text));
        }
        *out = v;
        return true;
      }
    } else {
      return TypeError(absl::StrCat(Article(type), type));
    }
    // Sign and magnitude to [lo, hi].
    int64_t v;
    if (negative) {
      if (mag >
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) {
        return Fail(absl::StrCat("value out of range for ", type, ": -", mag));
      }
      v = static_cast<int64_t>(0 - mag);
    } else {
      if (mag > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Fail(absl::StrCat("value out of range for ", type, ": ", mag));
      }
      v = static_cast<int64_t>(mag);
    }
    if (v < lo || v > hi) {
      return Fail(absl::StrCat("value out of range for ", type, ": ", v));
    }
    *out = v;
    return true;
  }

  bool UnsignedInt(uint64_t hi, const char* type, uint64_t* out) {
    const char c = PeekNonWs();
    bool negative;
    uint64_t mag;
    if (c == '"') {
      if (!String(&scratch_)) return false;
      if (!ParseIntegerText(scratch_, &negative, &mag)) {
        return Fail(absl::StrCat("expected ", Article(type), type, ", got \"",
                                 scratch_, "\""));
      }
    } else if (c == '-' || IsDigit(c)) {
      absl::string_view text;
      bool integer;
      if (!Number(&text, &integer)) return false;
      if (integer) {
        if (!ParseIntegerText(text, &negative, &mag)) {
          return Fail(
              absl::StrCat("value out of range for ", type, ": ", text));
        }
      } else {
        double d;
        if (!NumberTextToDouble(text, &d) || d != std::trunc(d)) {
          return Fail(
              absl::StrCat("expected ", Article(type), type, ", got ", text));
        }
        if (!(d >= 0 && d < 1.8446744073709552e19 &&
              d <= static_cast<double>(hi))) {
          return Fail(
              absl::StrCat("value out of range for ", type, ": ", text));
        }
        const uint64_t v = static_cast<uint64_t>(d);
        if (v > hi) {
          return Fail(
              absl::StrCat("value out of range for ", type, ": ", text));
        }
        *out = v;
        return true;
      }
    } else {
      return TypeError(absl::StrCat(Article(type), type));
    }
    if (negative && mag != 0) {
      return Fail(absl::StrCat("value out of range for ", type, ": -", mag));
    }
    if (mag > hi) {
      return Fail(absl::StrCat("value out of range for ", type, ": ", mag));
    }
    *out = mag;
    return true;
  }

  // A double from a number or a string ("NaN", "Infinity", "-Infinity",
  // or a number's text).
  bool Double(double* out) {
    const char c = PeekNonWs();
    if (c == '"') {
      if (!String(&scratch_)) return false;
      if (scratch_ == "NaN") {
        *out = std::numeric_limits<double>::quiet_NaN();
      } else if (scratch_ == "Infinity") {
        *out = std::numeric_limits<double>::infinity();
      } else if (scratch_ == "-Infinity") {
        *out = -std::numeric_limits<double>::infinity();
      } else if (!IsJsonNumber(scratch_)) {
        return Fail(absl::StrCat("expected a number, got \"", scratch_, "\""));
      } else if (!NumberTextToDouble(scratch_, out)) {
        return Fail(absl::StrCat("number out of range: ", scratch_));
      }
      return true;
    }
    if (c == '-' || IsDigit(c)) {
      absl::string_view text;
      bool integer;
      if (!Number(&text, &integer)) return false;
      if (!NumberTextToDouble(text, out)) {
        return Fail(absl::StrCat("number out of range: ", text));
      }
      return true;
    }
    return TypeError("a number");
  }

  bool Float(float* out) {
    double d;
    if (!Double(&d)) return false;
    if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
      // Doubles just above the largest float round to it.
      const float f = static_cast<float>(d);
      if (std::isinf(f)) {
        std::string text;
        AppendDouble(d, &text);
        return Fail(absl::StrCat("float out of range: ", text));
      }
      *out = f;
      return true;
    }
    *out = static_cast<float>(d);
    return true;
  }

  bool Bool(bool* out) {
    const char c = PeekNonWs();
    if (c == 't') {
      if (!Literal("true")) return false;
      *out = true;
      return true;
    }
    if (c == 'f') {
      if (!Literal("false")) return false;
      *out = false;
      return true;
    }
    return TypeError("a boolean");
  }

  bool Enum(const EnumDescriptor* e, int* out) {
    const char c = PeekNonWs();
    if (c == '"') {
      if (!String(&scratch_)) return false;
      const int n = e->value_count();
      for (int i = 0; i < n; ++i) {
        const EnumValueDescriptor* v = e->value(i);
        if (v->name() == scratch_) {
          *out = v->number();
          return true;
        }
      }
      bool negative;
      uint64_t mag;
      if (ParseIntegerText(scratch_, &negative, &mag) &&
          mag <= (negative ? uint64_t{2147483648} : uint64_t{2147483647})) {
        return EnumNumber(e,
                          negative
                              ? static_cast<int>(-static_cast<int64_t>(mag))
                              : static_cast<int>(mag),
                          out);
      }
      return Fail(absl::StrCat("unknown value \"", scratch_, "\" of enum ",
                               e->full_name()));
    }
    if (c == '-' || IsDigit(c)) {
      int64_t v = 0;
      if (!SignedInt(std::numeric_limits<int32_t>::min(),
                     std::numeric_limits<int32_t>::max(), "enum number", &v)) {
        return false;
      }
      return EnumNumber(e, static_cast<int>(v), out);
    }
    if (c == 'n' && e->full_name() == "google.protobuf.NullValue") {
      if (!Literal("null")) return false;
      *out = 0;
      return true;
    }
    return TypeError(absl::StrCat("a value of enum ", e->full_name()));
  }
  bool EnumNumber(const EnumDescriptor* e, int number, int* out) {
    if (e->file()->syntax() != pb::FileDescriptor::SYNTAX_PROTO3 &&
        e->FindValueByNumber(number) == nullptr) {
      return Fail(
          absl::StrCat("unknown value ", number, " of enum ", e->full_name()));
    }
    *out = number;
    return true;
  }

  // ---- messages ----

  // Parses the JSON value at the cursor into the singular field f of m
  // (add: appends to the repeated field f instead).
  bool Singular(Message* m, const Reflection* r, const FieldDescriptor* f,
                bool add) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: {
        int64_t v = 0;
        if (!SignedInt(std::numeric_limits<int32_t>::min(),
                       std::numeric_limits<int32_t>::max(), "int32", &v)) {
          return false;
        }
        add ? r->AddInt32(m, f, static_cast<int32_t>(v))
            : r->SetInt32(m, f, static_cast<int32_t>(v));
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v = 0;
        if (!SignedInt(std::numeric_limits<int64_t>::min(),
                       std::numeric_limits<int64_t>::max(), "int64", &v)) {
          return false;
        }
        add ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint64_t v = 0;
        if (!UnsignedInt(std::numeric_limits<uint32_t>::max(), "uint32", &v)) {
          return false;
        }
        add ? r->AddUInt32(m, f, static_cast<uint32_t>(v))
            : r->SetUInt32(m, f, static_cast<uint32_t>(v));
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t v = 0;
        if (!UnsignedInt(std::numeric_limits<uint64_t>::max(), "uint64", &v)) {
          return false;
        }
        add ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        double v = 0;
        if (!Double(&v)) return false;
        add ? r->AddDouble(m, f, v) : r->SetDouble(m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_FLOAT: {
        float v = 0;
        if (!Float(&v)) return false;
        add ? r->AddFloat(m, f, v) : r->SetFloat(m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool v = false;
        if (!Bool(&v)) return false;
        add ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        int v = 0;
        if (!Enum(f->enum_type(), &v)) return false;
        add ? r->AddEnumValue(m, f, v) : r->SetEnumValue(m, f, v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        if (PeekNonWs() != '"') {
          return TypeError(f->type() == FieldDescriptor::TYPE_BYTES
                               ? "a base64 string"
                               : "a string");
        }
        std::string v;
        if (!String(&v)) return false;
        if (f->type() == FieldDescriptor::TYPE_BYTES) {
          std::string decoded;
          if (!absl::Base64Unescape(v, &decoded) &&
              !absl::WebSafeBase64Unescape(v, &decoded)) {
            return Fail("invalid base64");
          }
          v = std::move(decoded);
        }
        add ? r->AddString(m, f, std::move(v))
            : r->SetString(m, f, std::move(v));
        return true;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return MessageValue(add ? r->AddMessage(m, f)
                                : r->MutableMessage(m, f));
    }
    return Fail("unsupported field type");
  }

  // The JSON value of a message: an object, or a well-known type's form.
  bool MessageValue(Message* m) {
    const Descriptor* d = m->GetDescriptor();
    switch (WktOf(d)) {
      case Wkt::kNone:
      case Wkt::kEmpty:
        return Object(m, d);
      case Wkt::kValue:
        if (auto* v = pb::DynamicCastToGenerated<pb::Value>(m)) {
          return Value(v);
        } else {
          pb::Value tmp;
          if (!Value(&tmp)) return false;
          CopyViaWire(tmp, m);
          return true;
        }
      case Wkt::kStruct:
        if (auto* s = pb::DynamicCastToGenerated<pb::Struct>(m)) {
          return Struct(s);
        } else {
          pb::Struct tmp;
          if (!Struct(&tmp)) return false;
          CopyViaWire(tmp, m);
          return true;
        }
      case Wkt::kListValue:
        if (auto* l = pb::DynamicCastToGenerated<pb::ListValue>(m)) {
          return ListValue(l);
        } else {
          pb::ListValue tmp;
          if (!ListValue(&tmp)) return false;
          CopyViaWire(tmp, m);
          return true;
        }
      case Wkt::kTimestamp:
      case Wkt::kDuration: {
        const bool timestamp = WktOf(d) == Wkt::kTimestamp;
        if (PeekNonWs() != '"') {
          return TypeError(timestamp ? "an RFC 3339 timestamp string"
                                     : "a duration string like \"1.5s\"");
        }
        if (!String(&scratch_)) return false;
        int64_t seconds;
        int32_t nanos;
        if (timestamp) {
          if (!ParseTimestampText(scratch_, &seconds, &nanos)) {
            return Fail(absl::StrCat(
                "invalid timestamp \"", scratch_,
                "\" (want RFC 3339 between years 0001 and 9999, e.g. "
                "\"1972-01-01T10:00:20.021Z\")"));
          }
        } else if (!ParseDurationText(scratch_, &seconds, &nanos)) {
          return Fail(absl::StrCat(
              "invalid duration \"", scratch_,
              "\" (want seconds with up to 9 decimals and an 's', at most "
              "315576000000, e.g. \"1.5s\")"));
        }
        const Reflection* r = m->GetReflection();
        r->SetInt64(m, d->field(0), seconds);
        r->SetInt32(m, d->field(1), nanos);
        return true;
      }
      case Wkt::kFieldMask: {
        if (PeekNonWs() != '"') return TypeError("a field mask string");
        if (!String(&scratch_)) return false;
        const Reflection* r = m->GetReflection();
        const FieldDescriptor* paths = d->field(0);
        if (scratch_.empty()) return true;
        size_t start = 0;
        while (true) {
          const size_t comma = scratch_.find(',', start);
          r->AddString(m, paths,
                       ToSnakeCase(absl::string_view(scratch_).substr(
                           start, comma - start)));
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        return true;
      }
      case Wkt::kWrapper:
        return Singular(m, m->GetReflection(), d->field(0), /*add=*/false);
      case Wkt::kAny: {
        SkipWs();
        const char* start = p_;
        const int depth = depth_;
        if (!Skip()) return false;
        depth_ = depth;
        pb::util::JsonParseOptions options;
        const auto status = pb::util::JsonStringToMessage(
            pb::StringPiece(start, p_ - start), m, options);
        if (!status.ok()) {
          return Fail(
              absl::StrCat("invalid Any: ", std::string(status.message())));
        }
        return true;
      }
    }
    return Fail("unsupported message type");
  }

  // Finds the field named `key` (its json_name or its proto name), trying
  // the fields after the last match first.
  static const FieldDescriptor* FindField(const Descriptor* d,
                                          absl::string_view key, int* hint) {
    const int n = d->field_count();
    for (int k = 0; k < n; ++k) {
      int i = *hint + k;
      if (i >= n) i -= n;
      const FieldDescriptor* f = d->field(i);
      if (f->json_name() == key || f->name() == key) {
        *hint = i + 1;
        return f;
      }
    }
    return nullptr;
  }

  bool Object(Message* m, const Descriptor* d) {
    if (PeekNonWs() != '{') return TypeError("an object");
    if (!Enter()) return false;
    const Reflection* r = m->GetReflection();
    SeenFields seen(d->field_count(), d->oneof_decl_count());
    int hint = 0;
    if (PeekNonWs() == '}') {
      ++p_;
      --depth_;
      return true;
    }
    while (true) {
      if (PeekNonWs() != '"') return SyntaxError("a '\"' starting a key");
      absl::string_view key;
      if (!Key(&key)) return false;
      const FieldDescriptor* f = FindField(d, key, &hint);
      if (f == nullptr) {
        Fail(absl::StrCat("unknown field of ", d->full_name()));
        return Unwind(KeySegment(key));
      }
      // The name as written, from storage that outlives key_scratch_.
      const std::string& name =
          key == f->json_name() ? f->json_name() : f->name();
      if (PeekNonWs() != ':') return SyntaxError("':' after the key");
      ++p_;
      if (seen.TestAndSetField(f->index())) {
        Fail("field given twice");
        return Unwind(name);
      }
      const char c = PeekNonWs();
      if (c == 'n' &&
          (f->is_repeated() || !(IsValueMessage(f) || IsNullValueEnum(f)))) {
        // null: the field stays unset.
        if (!Literal("null")) return Unwind(name);
      } else {
        if (const pb::OneofDescriptor* o = f->real_containing_oneof()) {
          if (seen.TestAndSetOneof(o->index())) {
            Fail(absl::StrCat("another field of oneof ", o->name(),
                              " is already set"));
            return Unwind(name);
          }
        }
        bool ok;
        if (f->is_map()) {
          ok = Map(m, r, f);
        } else if (f->is_repeated()) {
          ok = Repeated(m, r, f);
        } else {
          ok = Singular(m, r, f, /*add=*/false);
        }
        if (!ok) return Unwind(name);
      }
      const char next = PeekNonWs();
      if (next == ',') {
        ++p_;
        continue;
      }
      if (next == '}') {
        ++p_;
        break;
      }
      return SyntaxError("',' or '}'");
    }
    --depth_;
    return true;
  }

  bool Repeated(Message* m, const Reflection* r, const FieldDescriptor* f) {
    if (PeekNonWs() != '[') return TypeError("an array");
    if (!Enter()) return false;
    if (PeekNonWs() == ']') {
      ++p_;
      --depth_;
      return true;
    }
    // protobuf skips null elements, except where null is a value.
    const bool null_is_value = IsValueMessage(f) || IsNullValueEnum(f);
    for (int i = 0;; ++i) {
      if (PeekNonWs() == 'n' && !null_is_value) {
        if (!Literal("null")) return Unwind(absl::StrCat("[", i, "]"));
      } else if (!Singular(m, r, f, /*add=*/true)) {
        return Unwind(absl::StrCat("[", i, "]"));
      }
      const char next = PeekNonWs();
      if (next == ',') {
        ++p_;
        continue;
      }
      if (next == ']') {
        ++p_;
        break;
      }
      return SyntaxError("',' or ']'");
    }
    --depth_;
    return true;
  }

  bool Map(Message* m, const Reflection* r, const FieldDescriptor* f) {
    if (PeekNonWs() != '{') return TypeError("an object");
    if (!Enter()) return false;
    const FieldDescriptor* key_field = f->message_type()->map_key();
    const FieldDescriptor* value_field = f->message_type()->map_value();
    const bool null_is_value =
        IsValueMessage(value_field) || IsNullValueEnum(value_field);
    absl::flat_hash_set<std::string> seen;
    if (PeekNonWs() == '}') {
      ++p_;
      --depth_;
      return true;
    }
    std::string key;
    std::string canonical;
    while (true) {
      if (PeekNonWs() != '"') return SyntaxError("a '\"' starting a key");
      if (!String(&key)) return false;
      if (PeekNonWs() != ':') return SyntaxError("':' after the key");
      ++p_;
      Message* entry = r->AddMessage(m, f);
      const Reflection* er = entry->GetReflection();
      if (!MapKey(entry, er, key_field, key, &canonical)) {
        return Unwind(KeySegment(key));
      }
      if (!seen.insert(canonical).second) {
        Fail("duplicate key");
        return Unwind(KeySegment(key));
      }
      if (PeekNonWs() == 'n' && !null_is_value) {
        // null: the value type's default.
        if (!Literal("null")) return Unwind(KeySegment(key));
      } else if (!Singular(entry, er, value_field, /*add=*/false)) {
        return Unwind(KeySegment(key));
      }
      const char next = PeekNonWs();
      if (next == ',') {
        ++p_;
        continue;
      }
      if (next == '}') {
        ++p_;
        break;
      }
      return SyntaxError("',' or '}'");
    }
    --depth_;
    return true;
  }

  // Sets the key of a map entry from its JSON text `key`; *canonical is its
  // canonical form (so "01" and "1" are the same key).
  bool MapKey(Message* entry, const Reflection* er, const FieldDescriptor* f,
              const std::string& key, std::string* canonical) {
    bool negative;
    uint64_t mag;
    const auto bad = [&](const char* type) {
      return Fail(absl::StrCat("invalid map key: expected ", type));
    };
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        er->SetString(entry, f, key);
        *canonical = key;
        return true;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (key == "true" || key == "false") {
          er->SetBool(entry, f, key == "true");
          *canonical = key;
          return true;
        }
        return bad("true or false");
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64: {
        const bool is32 = f->cpp_type() == FieldDescriptor::CPPTYPE_INT32;
        const uint64_t limit =
            is32 ? uint64_t{2147483647} : uint64_t{9223372036854775807u};
        if (!ParseIntegerText(key, &negative, &mag) ||
            mag > limit + (negative ? 1 : 0)) {
          return bad(is32 ? "an int32" : "an int64");
        }
        const int64_t v = negative ? static_cast<int64_t>(0 - mag)
                                   : static_cast<int64_t>(mag);
        if (is32) {
          er->SetInt32(entry, f, static_cast<int32_t>(v));
        } else {
          er->SetInt64(entry, f, v);
        }
        *canonical = absl::StrCat(v);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64: {
        const bool is32 = f->cpp_type() == FieldDescriptor::CPPTYPE_UINT32;
        const uint64_t limit =
            is32 ? uint64_t{4294967295u} : std::numeric_limits<uint64_t>::max();
        if (!ParseIntegerText(key, &negative, &mag) || (negative && mag != 0) ||
            mag > limit) {
          return bad(is32 ? "a uint32" : "a uint64");
        }
        if (is32) {
          er->SetUInt32(entry, f, static_cast<uint32_t>(mag));
        } else {
          er->SetUInt64(entry, f, mag);
        }
        *canonical = absl::StrCat(mag);
        return true;
      }
      default:
        return bad("a valid key type");
    }
  }

  // ---- google.protobuf.Value / Struct / ListValue (generated) ----

  bool Value(pb::Value* v) {
    switch (PeekNonWs()) {
      case '{':
        return Struct(v->mutable_struct_value());
      case '[':
        return ListValue(v->mutable_list_value());
      case '"':
        return String(v->mutable_string_value());
      case 't':
        if (!Literal("true")) return false;
        v->set_bool_value(true);
        return true;
      case 'f':
        if (!Literal("false")) return false;
        v->set_bool_value(false);
        return true;
      case 'n':
        if (!Literal("null")) return false;
        v->set_null_value(pb::NULL_VALUE);
        return true;
      default: {
        const char c = p_ < end_ ? *p_ : '\0';
        if (c != '-' && !IsDigit(c)) return SyntaxError("a JSON value");
        absl::string_view text;
        bool integer;
        if (!Number(&text, &integer)) return false;
        double d;
        if (!NumberTextToDouble(text, &d)) {
          return Fail(absl::StrCat("number out of range: ", text));
        }
        v->set_number_value(d);
        return true;
      }
    }
  }

  bool Struct(pb::Struct* s) {
    if (PeekNonWs() != '{') return TypeError("an object");
    if (!Enter()) return false;
    auto* fields = s->mutable_fields();
    if (PeekNonWs() == '}') {
      ++p_;
      --depth_;
      return true;
    }
    while (true) {
      if (PeekNonWs() != '"') return SyntaxError("a '\"' starting a key");
      std::string key;
      if (!String(&key)) return false;
      if (PeekNonWs() != ':') return SyntaxError("':' after the key");
      ++p_;
      auto [it, inserted] = fields->try_emplace(std::move(key));
      if (!inserted) {
        Fail("duplicate key");
        return Unwind(KeySegment(it->first));
      }
      if (!Value(&it->second)) return Unwind(KeySegment(it->first));
      const char next = PeekNonWs();
      if (next == ',') {
        ++p_;
        continue;
      }
      if (next == '}') {
        ++p_;
        break;
      }
      return SyntaxError("',' or '}'");
    }
    --depth_;
    return true;
  }

  bool ListValue(pb::ListValue* l) {
    if (PeekNonWs() != '[') return TypeError("an array");
    if (!Enter()) return false;
    if (PeekNonWs() == ']') {
      ++p_;
      --depth_;
      return true;
    }
    for (int i = 0;; ++i) {
      if (!Value(l->add_values())) return Unwind(absl::StrCat("[", i, "]"));
      const char next = PeekNonWs();
      if (next == ',') {
        ++p_;
        continue;
      }
      if (next == ']') {
        ++p_;
        break;
      }
      return SyntaxError("',' or ']'");
    }
    --depth_;
    return true;
  }

  // Skips (and checks) one JSON value.
  bool Skip() {
    switch (PeekNonWs()) {
      case '{': {
        if (!Enter()) return false;
        if (PeekNonWs() == '}') {
          ++p_;
          --depth_;
          return true;
        }
        while (true) {
          if (PeekNonWs() != '"') return SyntaxError("a '\"' starting a key");
          if (!String(&scratch_)) return false;
          if (PeekNonWs() != ':') return SyntaxError("':' after the key");
          ++p_;
          if (!Skip()) return false;
          const char next = PeekNonWs();
          if (next == ',') {
            ++p_;
            continue;
          }
          if (next == '}') {
            ++p_;
            break;
          }
          return SyntaxError("',' or '}'");
        }
        --depth_;
        return true;
      }
      case '[': {
        if (!Enter()) return false;
        if (PeekNonWs() == ']') {
          ++p_;
          --depth_;
          return true;
        }
        while (true) {
          if (!Skip()) return false;
          const char next = PeekNonWs();
          if (next == ',') {
            ++p_;
            continue;
          }
          if (next == ']') {
            ++p_;
            break;
          }
          return SyntaxError("',' or ']'");
        }
        --depth_;
        return true;
      }
      case '"':
        return String(&scratch_);
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default: {
        const char c = p_ < end_ ? *p_ : '\0';
        if (c != '-' && !IsDigit(c)) return SyntaxError("a JSON value");
        absl::string_view text;
        bool integer;
        return Number(&text, &integer);
      }
    }
  }

  const char* const begin_;
  const char* p_;
  const char* const end_;
  int depth_ = 0;
  std::string scratch_;      // decoded strings used and dropped at once
  std::string key_scratch_;  // a key with escapes (see Key())
  std::string error_;
  std::vector<std::string> path_;  // innermost segment first
};

}  // namespace

void AppendProtoJson(const Message& message, std::string* out) {
  Printer(out).MessageValue(message);
}

std::string ProtoToJson(const Message& message) {
  std::string out;
  out.reserve(256);
  AppendProtoJson(message, &out);
  return out;
}

absl::Status ProtoFromJson(absl::string_view json, Message* message) {
  message->Clear();
  return Parser(json).Parse(message);
}

}  // namespace cxlab::api
