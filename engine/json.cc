// Copyright 2026 The cxlab Authors.

#include "engine/json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cxlab::engine {
namespace {

constexpr int kMaxDepth = 256;

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<Value> ParseDocument() {
    SkipWhitespace();
    Value v;
    if (!ParseValue(v, 0)) return error_;
    SkipWhitespace();
    if (pos_ != text_.size()) {
      return Error("unexpected text after the JSON document");
    }
    return v;
  }

 private:
  absl::Status Error(absl::string_view what) {
    int line = 1, column = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    error_ = absl::InvalidArgumentError(
        absl::StrCat("line ", line, ", column ", column, ": ", what));
    return error_;
  }

  bool Fail(absl::string_view what) {
    error_ = Error(what);
    return false;
  }

  void SkipWhitespace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  bool Consume(absl::string_view literal) {
    if (text_.substr(pos_, literal.size()) == literal) {
      pos_ += literal.size();
      return true;
    }
    return false;
  }

  bool ParseValue(Value& out, int depth) {
    if (depth > kMaxDepth) return Fail("nesting deeper than 256 levels");
    if (pos_ >= text_.size()) return Fail("unexpected end of input");
    char c = text_[pos_];
    if ((c == '{' || c == '[') && depth + 1 > kMaxDepth) {
      return Fail("nesting deeper than 256 levels");
    }
    switch (c) {
      case '{':
        return ParseObject(out, depth);
      case '[':
        return ParseArray(out, depth);
      case '"': {
        std::string s;
        if (!ParseString(s)) return false;
        out = Value(std::move(s));
        return true;
      }
      case 't':
        if (Consume("true")) {
          out = Value(true);
          return true;
        }
        return Fail("invalid literal (expected true)");
      case 'f':
        if (Consume("false")) {
          out = Value(false);
          return true;
        }
        return Fail("invalid literal (expected false)");
      case 'n':
        if (Consume("null")) {
          out = Value();
          return true;
        }
        return Fail("invalid literal (expected null)");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
        // Printable ASCII is quoted as-is; any other byte as \xNN, so the
        // message is always valid UTF-8.
        return Fail(absl::StrCat(
            "unexpected character '",
            (c >= 0x20 && c < 0x7f)
                ? std::string(1, c)
                : absl::StrFormat("\\x%02x", static_cast<unsigned char>(c)),
            "'"));
    }
  }

  bool ParseNumber(Value& out) {
    size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    if (pos_ >= text_.size()) return Fail("invalid number");
    if (text_[pos_] == '0') {
      ++pos_;
    } else if (text_[pos_] >= '1' && text_[pos_] <= '9') {
      while (pos_ < text_.size() && isdigit(text_[pos_])) ++pos_;
    } else {
      return Fail("invalid number");
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (pos_ >= text_.size() || !isdigit(text_[pos_])) {
        return Fail("invalid number: digits expected after '.'");
      }
      while (pos_ < text_.size() && isdigit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
        ++pos_;
      }
      if (pos_ >= text_.size() || !isdigit(text_[pos_])) {
        return Fail("invalid number: digits expected in exponent");
      }
      while (pos_ < text_.size() && isdigit(text_[pos_])) ++pos_;
    }
    std::string digits(text_.substr(start, pos_ - start));
    out = Value(std::strtod(digits.c_str(), nullptr));
    return true;
  }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool ParseHex4(uint32_t& code) {
    if (pos_ + 4 > text_.size()) return Fail("truncated \\u escape");
    code = 0;
    for (int i = 0; i < 4; ++i) {
      int h = HexValue(text_[pos_ + i]);
      if (h < 0) return Fail("invalid \\u escape");
      code = code * 16 + static_cast<uint32_t>(h);
    }
    pos_ += 4;
    return true;
  }

  static void AppendUtf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
      s.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool ParseString(std::string& out) {
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= text_.size()) return Fail("unterminated string");
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Fail("control character in string (escape it)");
      }
      if (c != '\\') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= text_.size()) return Fail("unterminated string");
      char e = text_[pos_++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!ParseHex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (!Consume("\\u") || !ParseHex4(low) || low < 0xDC00 ||
                low > 0xDFFF) {
              return Fail("unpaired UTF-16 surrogate in \\u escape");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Fail("unpaired UTF-16 surrogate in \\u escape");
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          --pos_;
          return Fail("invalid escape in string");
      }
    }
  }

  bool ParseArray(Value& out, int depth) {
    ++pos_;  // [
    out = Value::Array();
    SkipWhitespace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipWhitespace();
      Value item;
      if (!ParseValue(item, depth + 1)) return false;
      out.mutable_items().push_back(std::move(item));
      SkipWhitespace();
      if (pos_ >= text_.size()) return Fail("unterminated array");
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or ']' in array");
    }
  }

  bool ParseObject(Value& out, int depth) {
    ++pos_;  // {
    out = Value::Object();
    SkipWhitespace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipWhitespace();
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        return Fail("expected a string object key");
      }
      std::string key;
      if (!ParseString(key)) return false;
      SkipWhitespace();
      if (pos_ >= text_.size() || text_[pos_] != ':') {
        return Fail("expected ':' after object key");
      }
      ++pos_;
      SkipWhitespace();
      Value item;
      if (!ParseValue(item, depth + 1)) return false;
      // Duplicate keys: the last one wins, as in JavaScript.
      out.Set(key, std::move(item));
      SkipWhitespace();
      if (pos_ >= text_.size()) return Fail("unterminated object");
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or '}' in object");
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
  absl::Status error_;
};

void AppendQuoted(std::string& out, const std::string& s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<int>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendJson(std::string& out, const Value& v) {
  switch (v.type()) {
    case Value::Type::kNull:
      out += "null";
      return;
    case Value::Type::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case Value::Type::kNumber:
      if (!std::isfinite(v.as_number())) {
        out += "null";
      } else {
        out += FormatNumber(v.as_number());
      }
      return;
    case Value::Type::kString:
      AppendQuoted(out, v.as_string());
      return;
    case Value::Type::kArray: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJson(out, item);
      }
      out.push_back(']');
      return;
    }
    case Value::Type::kObject: {
      out.push_back('{');
      bool first = true;
      for (const Value::Member& m : v.members()) {
        if (!first) out.push_back(',');
        first = false;
        AppendQuoted(out, m.first);
        out.push_back(':');
        AppendJson(out, m.second);
      }
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

absl::StatusOr<Value> ParseJson(absl::string_view text) {
  Parser parser(text);
  return parser.ParseDocument();
}

std::string ToJson(const Value& value) {
  std::string out;
  AppendJson(out, value);
  return out;
}

std::string FormatNumber(double n) {
  if (std::isnan(n)) return "NaN";
  if (std::isinf(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (n == 0) return "0";
  // Integers print without exponent below 1e21, as in JS. Below 2^53 every
  // integer is exact; above, JS prints the shortest round-trip digits padded
  // with zeros (2^64 -> "18446744073709552000").
  if (std::fabs(n) < 1e21 && n == std::trunc(n)) {
    if (std::fabs(n) < 9007199254740992.0) return absl::StrFormat("%.0f", n);
    char buf[40];
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof(buf), "%.*e", precision - 1, n);
      if (std::strtod(buf, nullptr) == n) break;
    }
    std::string mantissa(buf, std::strchr(buf, 'e') - buf);
    int exponent = std::atoi(std::strchr(buf, 'e') + 1);
    std::string digits;
    for (char c : mantissa) {
      if (c >= '0' && c <= '9') digits.push_back(c);
    }
    digits.resize(static_cast<size_t>(exponent) + 1, '0');
    return absl::StrCat(n < 0 ? "-" : "", digits);
  }
  // Shortest representation that round-trips.
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, n);
    if (std::strtod(buf, nullptr) == n) break;
  }
  std::string s(buf);
  // Convert C exponent style (1e-07) to JavaScript style (1e-7).
  size_t e = s.find('e');
  if (e != std::string::npos) {
    std::string mantissa = s.substr(0, e);
    int exponent = std::atoi(s.c_str() + e + 1);
    if (exponent >= -6 && exponent < 0) {
      // JavaScript prints these in fixed notation: 0.00001 not 1e-5.
      bool negative = mantissa[0] == '-';
      std::string digits;
      for (char c : mantissa) {
        if (c >= '0' && c <= '9') digits.push_back(c);
      }
      return absl::StrCat(negative ? "-" : "", "0.",
                          std::string(-exponent - 1, '0'), digits);
    }
    return absl::StrCat(mantissa, "e", exponent > 0 ? "+" : "", exponent);
  }
  return s;
}

}  // namespace cxlab::engine
