// Copyright 2026 The cxlab Authors.
//
// Tests for engine/json.h: strict parsing, error positions, the nesting
// limit, serialisation and JavaScript number formatting.

#include "engine/json.h"

#include <cmath>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace cxlab::engine {
namespace {

// Parses `text`, failing the test when it does not parse.
Value MustParse(const std::string& text) {
  absl::StatusOr<Value> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << "input: " << text << "\nstatus: " << v.status();
  return v.ok() ? *v : Value();
}

// The error message for `text`, which must be rejected as InvalidArgument.
std::string ErrorOf(const std::string& text) {
  absl::StatusOr<Value> v = ParseJson(text);
  if (v.ok()) {
    ADD_FAILURE() << "accepted invalid input: " << text;
    return "";
  }
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << text;
  return std::string(v.status().message());
}

std::string Nested(int depth, char open, char close) {
  return std::string(depth, open) + std::string(depth, close);
}

std::string NestedObjects(int depth) {
  std::string s;
  for (int i = 0; i < depth - 1; ++i) s += R"({"a":)";
  s += "{}";
  s += std::string(depth - 1, '}');
  return s;
}

// ---------------------------------------------------------------- scalars

TEST(ParseJson, Literals) {
  EXPECT_TRUE(MustParse("null").is_null());

  Value t = MustParse("true");
  ASSERT_TRUE(t.is_bool());
  EXPECT_TRUE(t.as_bool());

  Value f = MustParse("false");
  ASSERT_TRUE(f.is_bool());
  EXPECT_FALSE(f.as_bool());
}

TEST(ParseJson, Numbers) {
  struct Case {
    const char* text;
    double want;
  } cases[] = {
      {"0", 0},         {"7", 7},
      {"-12", -12},     {"1.5", 1.5},
      {"-0.25", -0.25}, {"1e3", 1000},
      {"1E3", 1000},    {"2.5e-3", 0.0025},
      {"1e+2", 100},    {"123456789012", 123456789012.0},
      {"0.1", 0.1},     {"9007199254740993", 9007199254740992.0},
  };
  for (const Case& c : cases) {
    Value v = MustParse(c.text);
    ASSERT_TRUE(v.is_number()) << c.text;
    EXPECT_EQ(v.as_number(), c.want) << c.text;
  }
  Value neg_zero = MustParse("-0");
  ASSERT_TRUE(neg_zero.is_number());
  EXPECT_EQ(neg_zero.as_number(), 0);
  EXPECT_TRUE(std::signbit(neg_zero.as_number()));
}

TEST(ParseJson, Strings) {
  Value v = MustParse(R"("hello world")");
  ASSERT_TRUE(v.is_string());
  EXPECT_EQ(v.as_string(), "hello world");

  EXPECT_EQ(MustParse(R"("")").as_string(), "");
  EXPECT_EQ(MustParse(R"("\"\\\/\b\f\n\r\t")").as_string(), "\"\\/\b\f\n\r\t");
}

TEST(ParseJson, WhitespaceAroundDocumentAndTokens) {
  Value v = MustParse(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n\n ");
  ASSERT_TRUE(v.is_object());
  const Value* a = v.Find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->items().size(), 2u);
  EXPECT_EQ(a->items()[1].as_number(), 2);
}

// ---------------------------------------------------------------- unicode

TEST(ParseJson, UnicodeEscapesBecomeUtf8) {
  EXPECT_EQ(MustParse(R"("\u0041")").as_string(), "A");
  EXPECT_EQ(MustParse(R"("\u00e9")").as_string(), "\xC3\xA9");      // é
  EXPECT_EQ(MustParse(R"("\u00E9")").as_string(), "\xC3\xA9");      // hex case
  EXPECT_EQ(MustParse(R"("\u20ac")").as_string(), "\xE2\x82\xAC");  // €
  EXPECT_EQ(MustParse(R"("\u6771")").as_string(), "\xE6\x9D\xB1");  // 東
  EXPECT_EQ(MustParse(R"("caf\u00e9!")").as_string(), "caf\xC3\xA9!");
  // \u0000 is a legal escape and yields an embedded NUL.
  EXPECT_EQ(MustParse(R"("a\u0000b")").as_string(), std::string("a\0b", 3));
}

TEST(ParseJson, SurrogatePairsBecomeOneFourByteCharacter) {
  // U+1F600 GRINNING FACE.
  EXPECT_EQ(MustParse(R"("\ud83d\ude00")").as_string(), "\xF0\x9F\x98\x80");
  // U+1D11E MUSICAL SYMBOL G CLEF, upper-case hex.
  EXPECT_EQ(MustParse(R"("\uD834\uDD1E")").as_string(), "\xF0\x9D\x84\x9E");
  // U+10FFFF, the last code point.
  EXPECT_EQ(MustParse(R"("\udbff\udfff")").as_string(), "\xF4\x8F\xBF\xBF");
}

TEST(ParseJson, UnpairedSurrogatesAreRejected) {
  EXPECT_EQ(ErrorOf(R"("\ud83d")"),
            "line 1, column 8: unpaired UTF-16 surrogate in \\u escape");
  EXPECT_EQ(ErrorOf(R"("\ud83dx")"),
            "line 1, column 8: unpaired UTF-16 surrogate in \\u escape");
  EXPECT_EQ(ErrorOf(R"("\ude00")"),
            "line 1, column 8: unpaired UTF-16 surrogate in \\u escape");
  // High surrogate followed by a non-surrogate escape.
  EXPECT_NE(ErrorOf(R"("\ud83d\u0041")").find("unpaired UTF-16 surrogate"),
            std::string::npos);
}

TEST(ParseJson, RawUtf8PassesThroughUnchanged) {
  const std::string text =
      "Jos\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x8F\x83";
  Value v = MustParse("\"" + text + "\"");
  EXPECT_EQ(v.as_string(), text);
  EXPECT_EQ(ToJson(v), "\"" + text + "\"");

  Value key = MustParse("{\"pa\xC3\xAFs\":1}");
  EXPECT_NE(key.Find("pa\xC3\xAFs"), nullptr);
}

// ---------------------------------------------------------------- containers

TEST(ParseJson, ArraysKeepOrderAndMixedTypes) {
  EXPECT_TRUE(MustParse("[]").is_array());
  EXPECT_TRUE(MustParse("[]").items().empty());

  Value v = MustParse(R"([1, "two", null, true, [3], {"k": "v"}])");
  ASSERT_TRUE(v.is_array());
  ASSERT_EQ(v.items().size(), 6u);
  EXPECT_EQ(v.items()[0].as_number(), 1);
  EXPECT_EQ(v.items()[1].as_string(), "two");
  EXPECT_TRUE(v.items()[2].is_null());
  EXPECT_TRUE(v.items()[3].as_bool());
  ASSERT_TRUE(v.items()[4].is_array());
  EXPECT_EQ(v.items()[4].items()[0].as_number(), 3);
  ASSERT_TRUE(v.items()[5].is_object());
  EXPECT_EQ(v.items()[5].Find("k")->as_string(), "v");
}

TEST(ParseJson, ObjectsKeepInsertionOrder) {
  EXPECT_TRUE(MustParse("{}").is_object());
  EXPECT_TRUE(MustParse("{}").members().empty());

  Value v = MustParse(R"({"z": 1, "a": 2, "m": 3})");
  ASSERT_EQ(v.members().size(), 3u);
  EXPECT_EQ(v.members()[0].first, "z");
  EXPECT_EQ(v.members()[1].first, "a");
  EXPECT_EQ(v.members()[2].first, "m");
}

TEST(ParseJson, DeepNesting) {
  Value v = MustParse(
      R"({"user": {"address": {"country": "FR", "zip": [75001, 75002]},
                   "tags": [["a", {"b": [null]}]]}})");
  const Value* user = v.Find("user");
  ASSERT_NE(user, nullptr);
  const Value* address = user->Find("address");
  ASSERT_NE(address, nullptr);
  EXPECT_EQ(address->Find("country")->as_string(), "FR");
  EXPECT_EQ(address->Find("zip")->items()[1].as_number(), 75002);
  const Value& inner = user->Find("tags")->items()[0].items()[1];
  ASSERT_TRUE(inner.is_object());
  EXPECT_TRUE(inner.Find("b")->items()[0].is_null());
}

TEST(ParseJson, DuplicateKeysLastOneWins) {
  Value v = MustParse(R"({"a": 1, "b": 2, "a": 3})");
  ASSERT_EQ(v.members().size(), 2u);
  EXPECT_EQ(v.Find("a")->as_number(), 3);
  EXPECT_EQ(v.Find("b")->as_number(), 2);
  // As in JavaScript, the key keeps its first position.
  EXPECT_EQ(ToJson(v), R"({"a":3,"b":2})");

  Value nested = MustParse(R"({"a": {"x": 1}, "a": "flat"})");
  EXPECT_EQ(nested.Find("a")->as_string(), "flat");
}

// ---------------------------------------------------------------- errors

TEST(ParseJson, ErrorsNameLineColumnAndRule) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      // Trailing commas.
      {"[1,2,]", "line 1, column 6: unexpected character ']'"},
      {R"({"a":1,})", "line 1, column 8: expected a string object key"},
      // Missing colon.
      {R"({"a" 1})", "line 1, column 6: expected ':' after object key"},
      {R"({"country" "US"})",
       "line 1, column 12: expected ':' after object key"},
      // Unterminated string.
      {R"("abc)", "line 1, column 5: unterminated string"},
      {R"({"a": "b)", "line 1, column 9: unterminated string"},
      {R"("abc\)", "line 1, column 6: unterminated string"},
      // Trailing garbage.
      {R"({"a":1} x)",
       "line 1, column 9: unexpected text after the JSON document"},
      {"[] []", "line 1, column 4: unexpected text after the JSON document"},
      {"01", "line 1, column 2: unexpected text after the JSON document"},
      // Everything else.
      {"", "line 1, column 1: unexpected end of input"},
      {"   ", "line 1, column 4: unexpected end of input"},
      {"[1,", "line 1, column 4: unexpected end of input"},
      {"[1", "line 1, column 3: unterminated array"},
      {"[1 2]", "line 1, column 4: expected ',' or ']' in array"},
      {R"({"a":1)", "line 1, column 7: unterminated object"},
      {R"({"a":1 "b":2})", "line 1, column 8: expected ',' or '}' in object"},
      {"{a:1}", "line 1, column 2: expected a string object key"},
      {"{1:1}", "line 1, column 2: expected a string object key"},
      {"tru", "line 1, column 1: invalid literal (expected true)"},
      {"fals", "line 1, column 1: invalid literal (expected false)"},
      {"nul", "line 1, column 1: invalid literal (expected null)"},
      {"NaN", "line 1, column 1: unexpected character 'N'"},
      {"'a'", "line 1, column 1: unexpected character '''"},
      {"+1", "line 1, column 1: unexpected character '+'"},
      {"-", "line 1, column 2: invalid number"},
      {"-a", "line 1, column 2: invalid number"},
      {"1.", "line 1, column 3: invalid number: digits expected after '.'"},
      {".5", "line 1, column 1: unexpected character '.'"},
      {"1e", "line 1, column 3: invalid number: digits expected in exponent"},
      {"1e+", "line 1, column 4: invalid number: digits expected in exponent"},
      {"\"a\nb\"", "line 1, column 3: control character in string (escape it)"},
      {"\"a\tb\"", "line 1, column 3: control character in string (escape it)"},
      {R"("\x")", "line 1, column 3: invalid escape in string"},
      {R"("\u12g4")", "line 1, column 4: invalid \\u escape"},
      {R"("\u12")", "line 1, column 4: truncated \\u escape"},
      {R"("\u12)", "line 1, column 4: truncated \\u escape"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ErrorOf(c.text), c.message) << "input: " << c.text;
  }
}

TEST(ParseJson, ErrorPositionCountsLines) {
  EXPECT_EQ(ErrorOf("{\n  \"a\": 1,\n  \"b\" 2\n}"),
            "line 3, column 7: expected ':' after object key");
  EXPECT_EQ(ErrorOf("[\n1,\n2,\n]"),
            "line 4, column 1: unexpected character ']'");
  EXPECT_EQ(ErrorOf("{}\n\n  garbage"),
            "line 3, column 3: unexpected text after the JSON document");
}

// ---------------------------------------------------------------- depth

TEST(ParseJson, NestingUpTo256LevelsIsAccepted) {
  Value v = MustParse(Nested(200, '[', ']'));
  int depth = 0;
  const Value* cur = &v;
  while (cur->is_array()) {
    ++depth;
    if (cur->items().empty()) break;
    cur = &cur->items()[0];
  }
  EXPECT_EQ(depth, 200);

  EXPECT_TRUE(ParseJson(Nested(256, '[', ']')).ok());
  EXPECT_TRUE(ParseJson(NestedObjects(256)).ok());
}

TEST(ParseJson, NestingDeeperThan256LevelsIsRejected) {
  // 257 levels is "deeper than 256" (json.h).
  for (int depth : {257, 258, 1000, 100000}) {
    for (const std::string& text :
         {Nested(depth, '[', ']'), NestedObjects(depth)}) {
      absl::StatusOr<Value> v = ParseJson(text);
      EXPECT_FALSE(v.ok()) << depth
                           << " levels accepted: " << text.substr(0, 8);
      if (v.ok()) continue;
      EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(v.status().message().find("nesting deeper than 256 levels"),
                absl::string_view::npos)
          << v.status();
    }
  }
}

// ---------------------------------------------------------------- ToJson

TEST(ToJson, CompactForm) {
  EXPECT_EQ(ToJson(Value()), "null");
  EXPECT_EQ(ToJson(Value(true)), "true");
  EXPECT_EQ(ToJson(Value(false)), "false");
  EXPECT_EQ(ToJson(Value(42)), "42");
  EXPECT_EQ(ToJson(Value(-1.5)), "-1.5");
  EXPECT_EQ(ToJson(Value("x")), "\"x\"");
  EXPECT_EQ(ToJson(Value::Array()), "[]");
  EXPECT_EQ(ToJson(Value::Object()), "{}");

  Value obj = Value::Object();
  obj.Set("country", Value("US"));
  obj.Set("age", Value(30));
  Value tags = Value::Array();
  tags.Append(Value("a"));
  tags.Append(Value());
  obj.Set("tags", tags);
  EXPECT_EQ(ToJson(obj), R"({"country":"US","age":30,"tags":["a",null]})");
}

TEST(ToJson, NonFiniteNumbersPrintAsNull) {
  EXPECT_EQ(ToJson(Value(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(ToJson(Value(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(ToJson(Value(-std::numeric_limits<double>::infinity())), "null");
}

TEST(ToJson, EscapesStrings) {
  EXPECT_EQ(ToJson(Value("a\"b")), R"("a\"b")");
  EXPECT_EQ(ToJson(Value("a\\b")), R"("a\\b")");
  EXPECT_EQ(ToJson(Value("\n\r\t\b\f")), R"("\n\r\t\b\f")");
  EXPECT_EQ(ToJson(Value(std::string("\x01\x1f", 2))), R"("\u0001\u001f")");
  EXPECT_EQ(ToJson(Value(std::string("a\0b", 3))), R"("a\u0000b")");
  // '/' and DEL need no escaping.
  EXPECT_EQ(ToJson(Value("a/b\x7f")), "\"a/b\x7f\"");
  // Object keys are escaped too.
  Value obj = Value::Object();
  obj.Set("k\"ey", Value(1));
  EXPECT_EQ(ToJson(obj), R"({"k\"ey":1})");
}

TEST(ToJson, RoundTrip) {
  const char* docs[] = {
      R"({"a":[1,2.5,"x\"y",null,true,false,{}],"b":{"c":"\n"},"d":[]})",
      R"([0.1,-3,1e+21,1e-7,123456789012,"caf)"
      "\xC3\xA9"
      R"("])",
      R"({"nested":{"deeper":{"deepest":[[[]]]}}})",
      R"("\u0001")",
      "null",
  };
  for (const char* doc : docs) {
    Value v = MustParse(doc);
    std::string text = ToJson(v);
    EXPECT_EQ(text, doc);
    absl::StatusOr<Value> again = ParseJson(text);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, v);
  }
  // Whitespace and escapes normalise: \u00e9 comes back as raw UTF-8.
  EXPECT_EQ(ToJson(MustParse(R"({ "k" : "\u00e9\/" , "n" : 1.0 })")),
            "{\"k\":\"\xC3\xA9/\",\"n\":1}");
}

// ---------------------------------------------------------------- numbers

TEST(FormatNumber, MatchesJavaScriptString) {
  struct Case {
    double n;
    const char* want;
  } cases[] = {
      {0, "0"},
      {-0.0, "0"},
      {1, "1"},
      {-1, "-1"},
      {1.5, "1.5"},
      {-0.5, "-0.5"},
      {0.1, "0.1"},
      {0.1 + 0.2, "0.30000000000000004"},
      {123.456, "123.456"},
      {100, "100"},
      {123456789012, "123456789012"},
      {9007199254740992.0, "9007199254740992"},  // 2^53
      {1e20, "100000000000000000000"},
      {1e21, "1e+21"},
      {-1e21, "-1e+21"},
      {1.23e21, "1.23e+21"},
      {1.5e300, "1.5e+300"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {0.000001, "0.000001"},
      {0.0000015, "0.0000015"},
      {0.00001234, "0.00001234"},
      {-0.000001, "-0.000001"},
      {0.0001, "0.0001"},
      {1e-7, "1e-7"},
      {-1e-7, "-1e-7"},
      {1.5e-7, "1.5e-7"},
      {5e-324, "5e-324"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FormatNumber(c.n), c.want) << "n = " << c.n;
  }
}

TEST(FormatNumber, IntegersAbove2To53UseShortestDigits) {
  // JavaScript prints the shortest round-trip digits padded with zeros, not
  // the exact binary value: String(2 ** 64) === "18446744073709552000".
  EXPECT_EQ(FormatNumber(18446744073709551616.0), "18446744073709552000");
  EXPECT_EQ(FormatNumber(1152921504606846976.0),
            "1152921504606847000");  // 2^60
  EXPECT_EQ(FormatNumber(123456789012345680000.0), "123456789012345680000");
}

TEST(FormatNumber, NonFinite) {
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(FormatNumber(-std::numeric_limits<double>::infinity()),
            "-Infinity");
}

TEST(FormatNumber, RoundTripsThroughParse) {
  for (double n : {0.1, 1.0 / 3, 2.0 / 3, 1e-7, 123.456e10, 5e-324,
                   1.7976931348623157e308, 0.000001, 4.35, 1e21}) {
    absl::StatusOr<Value> v = ParseJson(FormatNumber(n));
    ASSERT_TRUE(v.ok()) << FormatNumber(n);
    EXPECT_EQ(v->as_number(), n) << FormatNumber(n);
  }
}

}  // namespace
}  // namespace cxlab::engine
