// Copyright 2026 The cxlab Authors.
//
// Tests for engine/js_semantics.h: the JavaScript coercions conditions are
// defined by (Number(), String(), !!, ===, < and <=).

#include "engine/js_semantics.h"

#include <cmath>
#include <limits>
#include <string>

#include "engine/json.h"
#include "gtest/gtest.h"

namespace cxlab::engine::js {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Builds a Value from JSON text (test shorthand).
Value J(const char* text) {
  absl::StatusOr<Value> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : Value();
}

std::string Str(const Value& v) {
  std::string scratch;
  return std::string(ToString(v, scratch));
}

// ---------------------------------------------------------------- ToNumber

TEST(ToNumber, Primitives) {
  EXPECT_EQ(ToNumber(Value()), 0);
  EXPECT_EQ(ToNumber(Value(true)), 1);
  EXPECT_EQ(ToNumber(Value(false)), 0);
  EXPECT_EQ(ToNumber(Value(3.5)), 3.5);
  EXPECT_EQ(ToNumber(Value(-7)), -7);
  EXPECT_TRUE(std::isnan(ToNumber(Value(kNaN))));
}

TEST(ToNumber, Strings) {
  struct Case {
    const char* s;
    double want;
  } cases[] = {
      {"", 0},
      {"   ", 0},
      {"\t\n", 0},
      {"12", 12},
      {" 12 ", 12},
      {"\t12\n", 12},
      {"-5", -5},
      {"+5", 5},
      {"1.5", 1.5},
      {".5", 0.5},
      {"5.", 5},
      {"1e3", 1000},
      {"1E-2", 0.01},
      {"-1.5e-3", -0.0015},
      {"007", 7},
      {"0x10", 16},
      {"0X1f", 31},
      {"0o17", 15},
      {"0b101", 5},
      {"0B11", 3},
      {"Infinity", kInf},
      {"-Infinity", -kInf},
      {"+Infinity", kInf},
      {"1e1000", kInf},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ToNumber(Value(c.s)), c.want) << '"' << c.s << '"';
    EXPECT_EQ(StringToNumber(c.s), c.want) << '"' << c.s << '"';
  }
}

TEST(ToNumber, InvalidStringsAreNaN) {
  for (const char* s :
       {"abc", "12abc", "1 2", "1_000", "0x", "0xG", "-0x10", "0b2", "0o8",
        "1e", "1e+", ".", "-", "+", "e5", "infinity", "NaN", "1,5", "$5"}) {
    EXPECT_TRUE(std::isnan(ToNumber(Value(s)))) << '"' << s << '"';
    EXPECT_TRUE(std::isnan(StringToNumber(s))) << '"' << s << '"';
  }
}

TEST(ToNumber, ArraysGoThroughTheirStringForm) {
  EXPECT_EQ(ToNumber(J("[5]")), 5);
  EXPECT_EQ(ToNumber(J(R"(["7"])")), 7);
  EXPECT_EQ(ToNumber(J(R"([" 8 "])")), 8);
  EXPECT_EQ(ToNumber(J("[[3]]")), 3);
  EXPECT_EQ(ToNumber(J("[]")), 0);      // "" -> 0
  EXPECT_EQ(ToNumber(J("[null]")), 0);  // "" -> 0
  EXPECT_TRUE(std::isnan(ToNumber(J("[1,2]"))));
  EXPECT_TRUE(std::isnan(ToNumber(J(R"(["a"])"))));
  EXPECT_TRUE(std::isnan(ToNumber(J("[{}]"))));
}

TEST(ToNumber, ObjectsAreNaN) {
  EXPECT_TRUE(std::isnan(ToNumber(J("{}"))));
  EXPECT_TRUE(std::isnan(ToNumber(J(R"({"a": 1})"))));
}

// ---------------------------------------------------------------- ToString

TEST(ToString, Primitives) {
  EXPECT_EQ(Str(Value()), "null");
  EXPECT_EQ(Str(Value(true)), "true");
  EXPECT_EQ(Str(Value(false)), "false");
  EXPECT_EQ(Str(Value(1)), "1");
  EXPECT_EQ(Str(Value(1.5)), "1.5");
  EXPECT_EQ(Str(Value(-0.0)), "0");
  EXPECT_EQ(Str(Value(1e21)), "1e+21");
  EXPECT_EQ(Str(Value(kNaN)), "NaN");
  EXPECT_EQ(Str(Value(-kInf)), "-Infinity");
  EXPECT_EQ(Str(Value("text")), "text");
  EXPECT_EQ(Str(Value("")), "");
}

TEST(ToString, StringsAreReturnedWithoutCopying) {
  Value v("a long enough string to live on the heap, not inline");
  std::string scratch = "untouched";
  absl::string_view s = ToString(v, scratch);
  EXPECT_EQ(s.data(), v.as_string().data());
  EXPECT_EQ(s.size(), v.as_string().size());
  EXPECT_EQ(scratch, "untouched");
}

TEST(ToString, NonStringsAreWrittenToScratch) {
  std::string scratch = "old contents";
  absl::string_view s = ToString(Value(42), scratch);
  EXPECT_EQ(s, "42");
  EXPECT_EQ(s.data(), scratch.data());
}

TEST(ToString, ArraysJoinWithCommas) {
  EXPECT_EQ(Str(J("[1,2]")), "1,2");
  EXPECT_EQ(Str(J("[]")), "");
  EXPECT_EQ(Str(J(R"(["a"])")), "a");
  EXPECT_EQ(Str(J(R"([1,null,"a"])")), "1,,a");
  EXPECT_EQ(Str(J("[null]")), "");
  EXPECT_EQ(Str(J("[null,null]")), ",");
  EXPECT_EQ(Str(J("[[1,2],[3]]")), "1,2,3");
  EXPECT_EQ(Str(J("[true,false,1.5]")), "true,false,1.5");
  EXPECT_EQ(Str(J("[{},{}]")), "[object Object],[object Object]");
}

TEST(ToString, ObjectsArePlaceholder) {
  EXPECT_EQ(Str(J("{}")), "[object Object]");
  EXPECT_EQ(Str(J(R"({"a": [1]})")), "[object Object]");
}

// ---------------------------------------------------------------- Truthy

TEST(Truthy, FalsyValues) {
  EXPECT_FALSE(Truthy(Value()));
  EXPECT_FALSE(Truthy(Value(false)));
  EXPECT_FALSE(Truthy(Value(0)));
  EXPECT_FALSE(Truthy(Value(-0.0)));
  EXPECT_FALSE(Truthy(Value(kNaN)));
  EXPECT_FALSE(Truthy(Value("")));
}

TEST(Truthy, TruthyValues) {
  EXPECT_TRUE(Truthy(Value(true)));
  EXPECT_TRUE(Truthy(Value(1)));
  EXPECT_TRUE(Truthy(Value(-0.5)));
  EXPECT_TRUE(Truthy(Value(kInf)));
  EXPECT_TRUE(Truthy(Value("0")));
  EXPECT_TRUE(Truthy(Value("false")));
  EXPECT_TRUE(Truthy(Value(" ")));
  EXPECT_TRUE(Truthy(J("[]")));
  EXPECT_TRUE(Truthy(J("{}")));
}

// ---------------------------------------------------------------- ===

TEST(StrictEquals, SameTypeAndValue) {
  EXPECT_TRUE(StrictEquals(Value(), Value()));
  EXPECT_TRUE(StrictEquals(Value(true), Value(true)));
  EXPECT_FALSE(StrictEquals(Value(true), Value(false)));
  EXPECT_TRUE(StrictEquals(Value(1), Value(1.0)));
  EXPECT_TRUE(StrictEquals(Value(0), Value(-0.0)));
  EXPECT_FALSE(StrictEquals(Value(kNaN), Value(kNaN)));
  EXPECT_TRUE(StrictEquals(Value("a"), Value("a")));
  EXPECT_FALSE(StrictEquals(Value("a"), Value("A")));
}

TEST(StrictEquals, NoCoercion) {
  EXPECT_FALSE(StrictEquals(Value("1"), Value(1)));
  EXPECT_FALSE(StrictEquals(Value(1), Value("1")));
  EXPECT_FALSE(StrictEquals(Value(true), Value(1)));
  EXPECT_FALSE(StrictEquals(Value(), Value(0)));
  EXPECT_FALSE(StrictEquals(Value(), Value(false)));
  EXPECT_FALSE(StrictEquals(Value(""), Value(0)));
}

TEST(StrictEquals, ArraysAndObjectsAreNeverEqual) {
  EXPECT_FALSE(StrictEquals(J("[1]"), J("[1]")));
  EXPECT_FALSE(StrictEquals(J("[]"), J("[]")));
  EXPECT_FALSE(StrictEquals(J("{}"), J("{}")));
  Value obj = J(R"({"a": 1})");
  EXPECT_FALSE(StrictEquals(obj, obj));
}

// ---------------------------------------------------------------- < and <=

TEST(LessThan, Numbers) {
  EXPECT_TRUE(LessThan(Value(1), Value(2)));
  EXPECT_FALSE(LessThan(Value(2), Value(1)));
  EXPECT_FALSE(LessThan(Value(1), Value(1)));
  EXPECT_TRUE(LessThan(Value(-kInf), Value(0)));
  EXPECT_TRUE(LessOrEqual(Value(1), Value(1)));
  EXPECT_FALSE(LessOrEqual(Value(2), Value(1)));
  EXPECT_TRUE(LessOrEqual(Value(0), Value(-0.0)));
}

TEST(LessThan, NaNComparesFalseBothWays) {
  EXPECT_FALSE(LessThan(Value(kNaN), Value(1)));
  EXPECT_FALSE(LessThan(Value(1), Value(kNaN)));
  EXPECT_FALSE(LessOrEqual(Value(kNaN), Value(kNaN)));
  EXPECT_FALSE(LessThan(Value("abc"), Value(5)));
  EXPECT_FALSE(LessThan(Value(5), Value("abc")));
  EXPECT_FALSE(LessOrEqual(Value("abc"), Value(5)));
  EXPECT_FALSE(LessOrEqual(Value(5), Value("abc")));
}

TEST(LessThan, StringAndNumberCompareNumerically) {
  // "8" > 5
  EXPECT_TRUE(LessThan(Value(5), Value("8")));
  EXPECT_FALSE(LessThan(Value("8"), Value(5)));
  // "10" vs 9 is numeric, so 10 > 9.
  EXPECT_TRUE(LessThan(Value(9), Value("10")));
  EXPECT_FALSE(LessThan(Value("10"), Value(9)));
  EXPECT_TRUE(LessOrEqual(Value(" 12 "), Value(12)));
  EXPECT_TRUE(LessThan(Value(""), Value(1)));  // "" -> 0
}

TEST(LessThan, TwoStringsCompareBytewise) {
  EXPECT_TRUE(LessThan(Value("10"), Value("9")));  // not numeric
  EXPECT_FALSE(LessThan(Value("9"), Value("10")));
  EXPECT_TRUE(LessThan(Value("B"), Value("a")));  // 'B' 0x42 < 'a' 0x61
  EXPECT_TRUE(LessThan(Value("a"), Value("b")));
  EXPECT_TRUE(LessThan(Value(""), Value("a")));
  EXPECT_TRUE(LessThan(Value("ab"), Value("abc")));
  EXPECT_FALSE(LessThan(Value("abc"), Value("abc")));
  EXPECT_TRUE(LessOrEqual(Value("abc"), Value("abc")));
  EXPECT_TRUE(LessThan(Value("z"), Value("\xC3\xA9")));  // "z" < "é"
  EXPECT_TRUE(LessThan(Value("abc"), Value("abd")));
}

TEST(LessThan, TwoStringsCompareByUtf16CodeUnit) {
  // JavaScript compares UTF-16 code units (docs/conditions.md). U+1F600 is
  // the surrogate pair D83D DE00, so it sorts before U+FF61 (code unit FF61)
  // even though its UTF-8 bytes (F0 ...) sort after U+FF61's (EF ...).
  const Value astral("\xF0\x9F\x98\x80");  // U+1F600
  const Value halfwidth("\xEF\xBD\xA1");   // U+FF61
  EXPECT_TRUE(LessThan(astral, halfwidth));
  EXPECT_FALSE(LessThan(halfwidth, astral));
  EXPECT_TRUE(LessOrEqual(astral, halfwidth));
  // Within the BMP below U+D800 UTF-8 byte order and code unit order agree.
  EXPECT_TRUE(LessThan(Value("\xC3\xA9"), Value("\xE2\x82\xAC")));  // é < €
}

TEST(LessThan, NullAndBooleansAreNumbers) {
  EXPECT_TRUE(LessThan(Value(), Value(10)));  // null -> 0
  EXPECT_FALSE(LessThan(Value(), Value(0)));
  EXPECT_TRUE(LessOrEqual(Value(), Value(0)));
  EXPECT_TRUE(LessOrEqual(Value(), Value()));
  EXPECT_TRUE(LessThan(Value(-1), Value()));
  EXPECT_TRUE(LessThan(Value(false), Value(true)));
  EXPECT_TRUE(LessThan(Value(true), Value(2)));
  EXPECT_TRUE(LessOrEqual(Value(true), Value("1")));
  // null vs a string: "null" is not involved, the string becomes a number.
  EXPECT_TRUE(LessThan(Value(), Value("5")));
}

TEST(LessThan, ArraysAndObjects) {
  EXPECT_TRUE(LessThan(J("[2]"), Value(3)));        // "2" -> 2
  EXPECT_FALSE(LessThan(J("[1,2]"), Value(3)));     // "1,2" -> NaN
  EXPECT_TRUE(LessThan(J("[10]"), J("[9]")));       // "10" < "9" as strings
  EXPECT_TRUE(LessThan(J("[1,2]"), Value("1,3")));  // strings
  EXPECT_FALSE(LessThan(J("{}"), Value(1)));
  EXPECT_FALSE(LessThan(Value(1), J("{}")));
  // "[object Object]" vs "[object Object]" as strings.
  EXPECT_TRUE(LessOrEqual(J("{}"), J(R"({"a":1})")));
  EXPECT_FALSE(LessThan(J("{}"), J(R"({"a":1})")));
}

}  // namespace
}  // namespace cxlab::engine::js
