// Copyright 2026 The cxlab Authors.
//
// Tests for engine/condition.h: strict compile errors, lenient compilation
// and the evaluation semantics users rely on (docs/conditions.md).

#include "engine/condition.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/groups.h"
#include "engine/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::engine {
namespace {

Value J(const std::string& text) {
  absl::StatusOr<Value> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status();
  return v.ok() ? *v : Value();
}

Condition::Options Strict() { return Condition::Options(); }

Condition::Options Lenient() {
  Condition::Options o;
  o.strict = false;
  return o;
}

// Compiles `doc` (JSON text), failing the test on error.
Condition Compile(const std::string& doc,
                  const Condition::Options& options = Strict()) {
  absl::StatusOr<Condition> c = Condition::Compile(J(doc), options);
  EXPECT_TRUE(c.ok()) << doc << ": " << c.status();
  return c.ok() ? std::move(*c) : Condition();
}

// The strict compile error for `doc`, which must be InvalidArgument.
std::string CompileError(const std::string& doc,
                         const Condition::Options& options = Strict()) {
  absl::StatusOr<Condition> c = Condition::Compile(J(doc), options);
  if (c.ok()) {
    ADD_FAILURE() << "compiled: " << doc;
    return "";
  }
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << doc;
  return std::string(c.status().message());
}

// Whether condition `doc` matches attributes `attrs` (both JSON text).
bool Match(const std::string& doc, const std::string& attrs,
           const GroupSet& groups = GroupSet()) {
  return Compile(doc).Matches(J(attrs), groups);
}

// ---------------------------------------------------------------- strict
// errors

TEST(ConditionStrict, ErrorMessages) {
  struct Case {
    const char* doc;
    const char* message;
  } cases[] = {
      {R"({"name": {"$regx": "hello"}})",
       "condition.name.$regx: unknown operator $regx"},
      {R"({"name": {"$eq": 1, "$foo": 2}})",
       "condition.name.$foo: unknown operator $foo"},
      {R"({"country": {"$in": "US"}})",
       "condition.country.$in: operand must be an array"},
      {R"({"country": {"$nin": {"a": 1}}})",
       "condition.country.$nin: operand must be an array"},
      {R"({"country": {"$ini": "us"}})",
       "condition.country.$ini: operand must be an array"},
      {R"({"country": {"$nini": null}})",
       "condition.country.$nini: operand must be an array"},
      {R"({"tags": {"$all": "a"}})",
       "condition.tags.$all: operand must be an array"},
      {R"({"tags": {"$alli": 3}})",
       "condition.tags.$alli: operand must be an array"},
      {R"({"$and": {"a": 1}})", "condition.$and: operand must be an array"},
      {R"({"$or": {"a": 1}})", "condition.$or: operand must be an array"},
      {R"({"$nor": "x"})", "condition.$nor: operand must be an array"},
      {R"({"x": {"$type": "integer"}})",
       "condition.x.$type: type must be one of null, boolean, number, "
       "string, array, object"},
      {R"({"x": {"$type": 5}})",
       "condition.x.$type: operand must be a type name string"},
      {R"({"tags": {"$elemMatch": 5}})",
       "condition.tags.$elemMatch: operand must be an object"},
      {R"({"tags": {"$elemMatch": ["a"]}})",
       "condition.tags.$elemMatch: operand must be an object"},
      {R"({"age": {"$gt": 1, "max": 2}})",
       "condition.age: mixes operators and plain fields in one object"},
      {R"({"age": {"max": 2, "$gt": 1}})",
       "condition.age: mixes operators and plain fields in one object"},
      {R"({"id": {"$inGroup": 5}})",
       "condition.id.$inGroup: operand must be a group key string"},
      {R"({"id": {"$notInGroup": ["g"]}})",
       "condition.id.$notInGroup: operand must be a group key string"},
      {R"({"app": {"$vgt": true}})",
       "condition.app.$vgt: operand must be a version string"},
      {R"({"email": {"$regex": 5}})",
       "condition.email.$regex: operand must be a regular expression string"},
      {"5", "condition: must be an object"},
      {"[]", "condition: must be an object"},
      {R"("x")", "condition: must be an object"},
      {R"({"$or": [{"a": 1}, 5]})", "condition.$or[1]: must be an object"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CompileError(c.doc), c.message) << c.doc;
  }
}

TEST(ConditionStrict, AllErrorsCanBeCollected) {
  Condition::Options options;
  std::vector<std::string> errors;
  options.all_errors = &errors;
  absl::StatusOr<Condition> c = Condition::Compile(
      J(R"({"age": {"$in": 5}, "plan": {"$regx": "x"},
            "$or": [{"tags": {"$all": "a"}}, {"ok": true}]})"),
      options);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "condition.age.$in: operand must be an array");
  EXPECT_THAT(errors,
              ::testing::ElementsAre(
                  "condition.age.$in: operand must be an array",
                  "condition.plan.$regx: unknown operator $regx",
                  "condition.$or[0].tags.$all: operand must be an array"));
  // Without the collector, compilation stops at the first error.
  EXPECT_EQ(Condition::Compile(J(R"({"a": {"$x": 1}, "b": {"$y": 2}})"), {})
                .status()
                .message(),
            "condition.a.$x: unknown operator $x");
}

TEST(ConditionStrict, InvalidRegularExpression) {
  for (const char* doc :
       {R"({"name": {"$regex": "("}})", R"({"name": {"$regex": "[a-"}})",
        R"j({"name": {"$regex": "(?=x)"}})j",   // lookahead
        R"j({"name": {"$regex": "(a)\\1"}})j",  // backreference
        R"j({"name": {"$regex": "/???***[)"}})j"}) {
    std::string message = CompileError(doc);
    EXPECT_TRUE(absl::StartsWith(
        message, "condition.name.$regex: invalid regular expression:"))
        << doc << " -> " << message;
  }
  std::string regexi = CompileError(R"({"name": {"$regexi": "("}})");
  EXPECT_TRUE(absl::StartsWith(
      regexi, "condition.name.$regexi: invalid regular expression:"))
      << regexi;
}

TEST(ConditionStrict, ErrorPathsNameNestedMembers) {
  struct Case {
    const char* doc;
    const char* message;
  } cases[] = {
      {R"({"$or": [{"a": 1}, {"email": {"$regex": 1}}]})",
       "condition.$or[1].email.$regex: operand must be a regular expression "
       "string"},
      {R"({"$and": [{"$nor": [{"b": {"$foo": 1}}]}]})",
       "condition.$and[0].$nor[0].b.$foo: unknown operator $foo"},
      {R"({"$not": {"a": {"$zz": 1}}})",
       "condition.$not.a.$zz: unknown operator $zz"},
      {R"({"x": {"$not": {"$in": 3}}})",
       "condition.x.$not.$in: operand must be an array"},
      {R"({"t": {"$all": [1, {"$bad": 1}]}})",
       "condition.t.$all[1].$bad: unknown operator $bad"},
      {R"({"items": {"$elemMatch": {"sku": {"$in": 1}}}})",
       "condition.items.$elemMatch.sku.$in: operand must be an array"},
      {R"({"items": {"$elemMatch": {"$gt": 1, "$nope": 2}}})",
       "condition.items.$elemMatch.$nope: unknown operator $nope"},
      {R"({"tags": {"$size": {"$foo": 1}}})",
       "condition.tags.$size.$foo: unknown operator $foo"},
      {R"({"address.country": {"$in": "FR"}})",
       "condition.address.country.$in: operand must be an array"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CompileError(c.doc), c.message) << c.doc;
  }
}

TEST(ConditionStrict, FieldPrefixOption) {
  Condition::Options options;
  options.field = "experiments[checkout].condition";
  EXPECT_EQ(CompileError(R"({"name": {"$regx": "a"}})", options),
            "experiments[checkout].condition.name.$regx: unknown operator "
            "$regx");
  options.field = "filter";
  EXPECT_EQ(CompileError(R"({"plan": {"$in": "pro"}})", options),
            "filter.plan.$in: operand must be an array");
  EXPECT_EQ(CompileError("7", options), "filter: must be an object");
}

TEST(ConditionStrict, ValidConditionsCompile) {
  for (const char* doc : {
           "{}",
           R"({"country": "US", "age": {"$gte": 18, "$lt": 65}})",
           R"({"$or": [], "$and": [], "$nor": []})",
           R"({"tags": {"$elemMatch": {"$eq": "a"}}})",
           R"({"x": {"$type": "array"}, "y": {"$exists": 0}})",
           R"({"v": {"$vgte": "1.0.0", "$vlt": 2}})",
           R"({"size": {"w": 1, "h": 2}})",
           R"({"id": {"$inGroup": "g", "$notInGroup": "h"}})",
       }) {
    EXPECT_TRUE(Condition::Compile(J(doc), Strict()).ok()) << doc;
  }
}

// ---------------------------------------------------------------- lenient

TEST(ConditionLenient, BrokenPartsCompileAndNeverMatch) {
  struct Case {
    const char* doc;
    const char* attrs;  // would match if the broken part were ignored
  } cases[] = {
      {R"({"name": {"$regx": "hello"}})", R"({"name": "hello"})"},
      {R"({"name": {"$regex": "("}})", R"({"name": "("})"},
      {R"j({"name": {"$regex": "/???***[)"}})j", R"({"name": "hello"})"},
      {R"({"name": {"$regex": 5}})", R"({"name": "5"})"},
      {R"({"country": {"$in": "US"}})", R"({"country": "US"})"},
      {R"({"country": {"$nin": "US"}})", R"({"country": "FR"})"},
      {R"({"country": {"$ini": "us"}})", R"({"country": "us"})"},
      {R"({"country": {"$nini": "us"}})", R"({"country": "fr"})"},
      {R"({"x": {"$type": "integer"}})", R"({"x": 1})"},
      {R"({"x": {"$type": 5}})", R"({"x": 5})"},
      {R"({"tags": {"$elemMatch": 5}})", R"({"tags": [5]})"},
      {R"({"age": {"$gt": 1, "max": 2}})", R"({"age": 5})"},
      {R"({"id": {"$inGroup": 5}})", R"({"id": "u1"})"},
  };
  GroupSet groups;
  groups.Add("g", {Value("u1")});
  for (const Case& c : cases) {
    absl::StatusOr<Condition> cond = Condition::Compile(J(c.doc), Lenient());
    ASSERT_TRUE(cond.ok()) << c.doc << ": " << cond.status();
    EXPECT_FALSE(cond->Matches(J(c.attrs), groups)) << c.doc;
    EXPECT_FALSE(cond->Matches(J("{}"), groups)) << c.doc;
    // Strict mode rejects the same document.
    EXPECT_FALSE(Condition::Compile(J(c.doc), Strict()).ok()) << c.doc;
  }
}

TEST(ConditionLenient, NonArrayLogicOperandsFollowJavaScript) {
  // GrowthBook: a non-array passes $and/$or (the loop runs zero times) and
  // fails $nor.
  EXPECT_TRUE(Compile(R"({"$and": {"a": 1}})", Lenient())
                  .Matches(J(R"({"a": 2})"), GroupSet()));
  EXPECT_TRUE(Compile(R"({"$or": {"a": 1}})", Lenient())
                  .Matches(J(R"({"a": 2})"), GroupSet()));
  EXPECT_FALSE(Compile(R"({"$nor": {"a": 1}})", Lenient())
                   .Matches(J(R"({"a": 2})"), GroupSet()));
}

TEST(ConditionLenient, NonObjectConditionCompiles) {
  absl::StatusOr<Condition> c = Condition::Compile(Value(5), Lenient());
  EXPECT_TRUE(c.ok()) << c.status();
}

TEST(ConditionLenient, BrokenPartOnlySpoilsItsOwnBranch) {
  Condition c =
      Compile(R"({"$or": [{"a": {"$bogus": 1}}, {"b": 2}]})", Lenient());
  EXPECT_TRUE(c.Matches(J(R"({"a": 1, "b": 2})"), GroupSet()));
  EXPECT_FALSE(c.Matches(J(R"({"a": 1, "b": 3})"), GroupSet()));
}

// ---------------------------------------------------------------- paths

TEST(ConditionPaths, DotPathsWalkNestedObjects) {
  const std::string doc = R"({"address.country": "US"})";
  EXPECT_TRUE(Match(doc, R"({"address": {"country": "US"}})"));
  EXPECT_FALSE(Match(doc, R"({"address": {"country": "CA"}})"));
  EXPECT_FALSE(Match(doc, R"({"address": "US"})"));
  EXPECT_FALSE(Match(doc, R"({})"));
  // A key containing a dot cannot be addressed.
  EXPECT_FALSE(Match(doc, R"({"address.country": "US"})"));

  EXPECT_TRUE(
      Match(R"({"a.b.c.d": {"$gt": 3}})", R"({"a": {"b": {"c": {"d": 4}}}})"));
}

TEST(ConditionPaths, NumericPartsIndexArrays) {
  const std::string attrs =
      R"({"items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1}]})";
  EXPECT_TRUE(Match(R"({"items.0.sku": "A1"})", attrs));
  EXPECT_TRUE(Match(R"({"items.1.sku": "B2"})", attrs));
  EXPECT_FALSE(Match(R"({"items.0.sku": "B2"})", attrs));
  EXPECT_TRUE(Match(R"({"items.1.qty": {"$lt": 2}})", attrs));
  // Past the end, leading zeros, signs and non-numbers find nothing (null).
  EXPECT_TRUE(Match(R"({"items.2.sku": null})", attrs));
  EXPECT_TRUE(Match(R"({"items.01.sku": null})", attrs));
  EXPECT_TRUE(Match(R"({"items.-1.sku": null})", attrs));
  EXPECT_TRUE(Match(R"({"items.x.sku": null})", attrs));
  EXPECT_FALSE(Match(R"({"items.01.sku": "B2"})", attrs));
  // Nested arrays.
  EXPECT_TRUE(Match(R"({"m.1.0": 7})", R"({"m": [[1], [7, 8]]})"));
}

TEST(ConditionPaths, OnlyCanonicalDecimalPartsIndexArrays) {
  // GrowthBook tests `part in array`, which holds only for the canonical
  // index text: "+1", " 1" and "1 " are not indexes and read as null.
  const std::string attrs = R"({"items": [{"sku": "A1"}, {"sku": "B2"}]})";
  EXPECT_FALSE(Match(R"({"items.+1.sku": "B2"})", attrs));
  EXPECT_FALSE(Match(R"({"items. 1.sku": "B2"})", attrs));
  EXPECT_FALSE(Match(R"({"items.1 .sku": "B2"})", attrs));
  EXPECT_TRUE(Match(R"({"items.+1.sku": null})", attrs));
}

TEST(ConditionPaths, MissingAttributeReadsAsNull) {
  // Implicit equality with null, $exists and $type.
  EXPECT_TRUE(Match(R"({"x": null})", "{}"));
  EXPECT_TRUE(Match(R"({"x": null})", R"({"x": null})"));
  EXPECT_FALSE(Match(R"({"x": null})", R"({"x": 0})"));
  EXPECT_TRUE(Match(R"({"x": {"$type": "null"}})", "{}"));
  EXPECT_TRUE(Match(R"({"x": {"$in": [null]}})", "{}"));
  EXPECT_TRUE(Match(R"({"x": {"$ne": "a"}})", "{}"));
  EXPECT_FALSE(Match(R"({"x": {"$eq": "a"}})", "{}"));
  // The documented pitfalls: null is 0 in comparisons, "null" as a string.
  EXPECT_TRUE(Match(R"({"age": {"$lt": 10}})", "{}"));
  EXPECT_TRUE(Match(R"({"age": {"$gte": -5}})", "{}"));
  EXPECT_FALSE(Match(R"({"age": {"$gt": 0}})", "{}"));
  EXPECT_TRUE(Match(R"({"children": 0})", "{}"));
  EXPECT_TRUE(Match(R"({"name": "null"})", "{}"));
  EXPECT_TRUE(Match(R"({"name": {"$regex": "ul"}})", "{}"));
  EXPECT_FALSE(Match(R"({"flag": false})", "{}"));
  EXPECT_FALSE(Match(R"({"flag": {"$eq": false}})", "{}"));
  // Guarding with $exists.
  EXPECT_FALSE(Match(R"({"age": {"$exists": true, "$lt": 10}})", "{}"));
  EXPECT_TRUE(
      Match(R"({"age": {"$exists": true, "$lt": 10}})", R"({"age": 7})"));
}

TEST(ConditionPaths, NonObjectAttributesReadEverythingAsNull) {
  Condition c = Compile(R"({"x": null})");
  EXPECT_TRUE(c.Matches(Value(5), GroupSet()));
  EXPECT_TRUE(c.Matches(Value(), GroupSet()));
  EXPECT_FALSE(Compile(R"({"x": 1})").Matches(Value(1), GroupSet()));
}

// ---------------------------------------------------------------- plain values

TEST(ConditionValues, ImplicitEqualityCoercesByLiteralType) {
  EXPECT_TRUE(Match(R"({"age": "30"})", R"({"age": 30})"));
  EXPECT_TRUE(Match(R"({"children": 2})", R"({"children": "2"})"));
  EXPECT_TRUE(Match(R"({"children": 8})", R"({"children": " 8 "})"));
  EXPECT_FALSE(Match(R"({"children": 2})", R"({"children": "two"})"));
  EXPECT_TRUE(Match(R"({"returning": true})", R"({"returning": "yes"})"));
  EXPECT_FALSE(Match(R"({"returning": true})", R"({"returning": 0})"));
  EXPECT_TRUE(Match(R"({"returning": false})", R"({"returning": 0})"));
  EXPECT_TRUE(Match(R"({"tags": "a,b"})", R"({"tags": ["a", "b"]})"));
  EXPECT_FALSE(Match(R"({"country": "US"})", R"({"country": "us"})"));
}

TEST(ConditionValues, ArraysAndObjectsCompareDeeply) {
  EXPECT_TRUE(Match(R"({"tags": ["a", "b"]})", R"({"tags": ["a", "b"]})"));
  EXPECT_FALSE(Match(R"({"tags": ["a", "b"]})", R"({"tags": ["b", "a"]})"));
  EXPECT_FALSE(Match(R"({"tags": ["a", "b"]})", R"({"tags": ["a"]})"));
  EXPECT_TRUE(
      Match(R"({"size": {"w": 1, "h": 2}})", R"({"size": {"w": 1, "h": 2}})"));
  EXPECT_FALSE(
      Match(R"({"size": {"w": 1, "h": 2}})", R"({"size": {"h": 2, "w": 1}})"));
  EXPECT_FALSE(Match(R"({"size": {"w": 1}})", R"({"size": {}})"));
}

// ---------------------------------------------------------------- operators

TEST(ConditionOperators, EqAndNeAreStrict) {
  EXPECT_TRUE(Match(R"({"n": {"$eq": 8}})", R"({"n": 8})"));
  EXPECT_FALSE(Match(R"({"n": {"$eq": 8}})", R"({"n": "8"})"));
  EXPECT_FALSE(Match(R"({"b": {"$eq": true}})", R"({"b": 1})"));
  EXPECT_TRUE(Match(R"({"n": {"$ne": 8}})", R"({"n": "8"})"));
  // Arrays and objects are never $eq.
  EXPECT_FALSE(Match(R"({"t": {"$eq": ["a"]}})", R"({"t": ["a"]})"));
  EXPECT_TRUE(Match(R"({"t": {"$ne": ["a"]}})", R"({"t": ["a"]})"));
}

TEST(ConditionOperators, Comparisons) {
  const std::string doc = R"({"age": {"$gte": 18, "$lt": 65}})";
  EXPECT_TRUE(Match(doc, R"({"age": 18})"));
  EXPECT_TRUE(Match(doc, R"({"age": 64.9})"));
  EXPECT_FALSE(Match(doc, R"({"age": 17})"));
  EXPECT_FALSE(Match(doc, R"({"age": 65})"));
  EXPECT_TRUE(Match(doc, R"({"age": "30"})"));    // numeric string
  EXPECT_FALSE(Match(doc, R"({"age": "abc"})"));  // NaN
  // Both strings: lexicographic.
  EXPECT_TRUE(Match(R"({"build": {"$lt": "9"}})", R"({"build": "10"})"));
  EXPECT_FALSE(Match(R"({"build": {"$lt": 9}})", R"({"build": "10"})"));
  EXPECT_TRUE(
      Match(R"({"d": {"$gt": "2026-01-01"}})", R"({"d": "2026-03-15"})"));
  EXPECT_TRUE(Match(R"({"n": {"$lte": 5, "$gt": 4}})", R"({"n": 5})"));
}

TEST(ConditionOperators, InAndNin) {
  const std::string in = R"({"country": {"$in": ["US", "CA"]}})";
  EXPECT_TRUE(Match(in, R"({"country": "US"})"));
  EXPECT_FALSE(Match(in, R"({"country": "FR"})"));
  EXPECT_FALSE(Match(in, R"({"country": "us"})"));
  EXPECT_FALSE(Match(in, "{}"));
  // Strict: "1" is not 1.
  EXPECT_FALSE(Match(R"({"id": {"$in": ["1"]}})", R"({"id": 1})"));
  EXPECT_TRUE(Match(R"({"id": {"$in": [1]}})", R"({"id": 1})"));
  // An array attribute intersects.
  EXPECT_TRUE(Match(R"({"i": {"$in": ["running", "cycling"]}})",
                    R"({"i": ["cooking", "running"]})"));
  EXPECT_FALSE(
      Match(R"({"i": {"$in": ["running"]}})", R"({"i": ["cooking"]})"));
  EXPECT_FALSE(Match(R"({"i": {"$in": ["running"]}})", R"({"i": []})"));
  // $nin is the negation.
  const std::string nin = R"({"plan": {"$nin": ["free", "trial"]}})";
  EXPECT_TRUE(Match(nin, R"({"plan": "pro"})"));
  EXPECT_FALSE(Match(nin, R"({"plan": "free"})"));
  EXPECT_TRUE(Match(nin, "{}"));
  EXPECT_FALSE(Match(R"({"i": {"$nin": ["a"]}})", R"({"i": ["b", "a"]})"));
  EXPECT_TRUE(Match(R"({"i": {"$nin": ["a"]}})", R"({"i": ["b", "c"]})"));
}

TEST(ConditionOperators, CaseInsensitiveLists) {
  const std::string ini = R"({"country": {"$ini": ["us", "CA"]}})";
  EXPECT_TRUE(Match(ini, R"({"country": "US"})"));
  EXPECT_TRUE(Match(ini, R"({"country": "us"})"));
  EXPECT_TRUE(Match(ini, R"({"country": "Ca"})"));
  EXPECT_FALSE(Match(ini, R"({"country": "FR"})"));
  EXPECT_TRUE(Match(ini, R"({"country": ["fr", "uS"]})"));
  // ASCII only: É and é differ.
  EXPECT_FALSE(Match(R"({"c": {"$ini": ["\u00e9"]}})", R"({"c": "\u00c9"})"));
  // Numbers are unaffected.
  EXPECT_TRUE(Match(R"({"n": {"$ini": [1]}})", R"({"n": 1})"));
  EXPECT_FALSE(Match(R"({"n": {"$ini": [1]}})", R"({"n": "1"})"));

  const std::string nini = R"({"browser": {"$nini": ["ie", "Edge"]}})";
  EXPECT_FALSE(Match(nini, R"({"browser": "IE"})"));
  EXPECT_FALSE(Match(nini, R"({"browser": "edge"})"));
  EXPECT_TRUE(Match(nini, R"({"browser": "Firefox"})"));

  const std::string alli = R"({"tags": {"$alli": ["Sport", "MUSIC"]}})";
  EXPECT_TRUE(Match(alli, R"({"tags": ["sport", "music", "x"]})"));
  EXPECT_TRUE(Match(alli, R"({"tags": ["SPORT", "Music"]})"));
  EXPECT_FALSE(Match(alli, R"({"tags": ["sport"]})"));
  EXPECT_FALSE(Match(alli, R"({"tags": "sport,music"})"));
  // $all is case-sensitive.
  EXPECT_FALSE(
      Match(R"({"tags": {"$all": ["Sport"]}})", R"({"tags": ["sport"]})"));
}

TEST(ConditionOperators, Exists) {
  const std::string yes = R"({"email": {"$exists": true}})";
  EXPECT_TRUE(Match(yes, R"({"email": "a@b.c"})"));
  EXPECT_TRUE(Match(yes, R"({"email": ""})"));
  EXPECT_TRUE(Match(yes, R"({"email": 0})"));
  EXPECT_TRUE(Match(yes, R"({"email": false})"));
  EXPECT_FALSE(Match(yes, "{}"));
  EXPECT_FALSE(Match(yes, R"({"email": null})"));
  const std::string no = R"({"churned": {"$exists": false}})";
  EXPECT_TRUE(Match(no, "{}"));
  EXPECT_TRUE(Match(no, R"({"churned": null})"));
  EXPECT_FALSE(Match(no, R"({"churned": "2026-01-01"})"));
  // The operand is read by truthiness.
  EXPECT_TRUE(Match(R"({"e": {"$exists": 1}})", R"({"e": 1})"));
  EXPECT_TRUE(Match(R"({"e": {"$exists": ""}})", "{}"));
}

TEST(ConditionOperators, Type) {
  const char* attrs =
      R"({"n": 1, "s": "x", "b": false, "z": null, "a": [], "o": {}})";
  EXPECT_TRUE(Match(R"({"n": {"$type": "number"}})", attrs));
  EXPECT_TRUE(Match(R"({"s": {"$type": "string"}})", attrs));
  EXPECT_TRUE(Match(R"({"b": {"$type": "boolean"}})", attrs));
  EXPECT_TRUE(Match(R"({"z": {"$type": "null"}})", attrs));
  EXPECT_TRUE(Match(R"({"a": {"$type": "array"}})", attrs));
  EXPECT_TRUE(Match(R"({"o": {"$type": "object"}})", attrs));
  EXPECT_TRUE(Match(R"({"missing": {"$type": "null"}})", attrs));
  EXPECT_FALSE(Match(R"({"s": {"$type": "number"}})", attrs));
  EXPECT_FALSE(Match(R"({"a": {"$type": "object"}})", attrs));
}

TEST(ConditionOperators, Regex) {
  const std::string doc = R"({"email": {"$regex": "@example\\.com$"}})";
  EXPECT_TRUE(Match(doc, R"({"email": "ann@example.com"})"));
  EXPECT_FALSE(Match(doc, R"({"email": "ann@example.com.evil"})"));
  EXPECT_FALSE(Match(doc, R"({"email": "ann@exampleXcom"})"));
  EXPECT_FALSE(Match(doc, R"({"email": "ANN@EXAMPLE.COM"})"));
  // Partial (unanchored) match.
  EXPECT_TRUE(Match(R"j({"ua": {"$regex": "(Mobile|Tablet)"}})j",
                    R"({"ua": "Mozilla/5.0 (iPhone) Mobile Safari"})"));
  // Non-strings are searched in their String() form.
  EXPECT_TRUE(Match(R"({"zip": {"$regex": "^75"}})", R"({"zip": 75001})"));
  EXPECT_TRUE(Match(R"({"t": {"$regex": "^a,b$"}})", R"({"t": ["a", "b"]})"));
  // UTF-8 attributes.
  EXPECT_TRUE(
      Match(R"({"n": {"$regex": "^Jos\u00e9$"}})", R"({"n": "Jos\u00e9"})"));
}

TEST(ConditionOperators, RegexiIgnoresCase) {
  const std::string doc = R"({"email": {"$regexi": "@example\\.com$"}})";
  EXPECT_TRUE(Match(doc, R"({"email": "ANN@EXAMPLE.COM"})"));
  EXPECT_TRUE(Match(doc, R"({"email": "ann@Example.Com"})"));
  EXPECT_FALSE(Match(doc, R"({"email": "ann@example.org"})"));
  // RE2's case folding covers non-ASCII letters.
  EXPECT_TRUE(Match(R"({"c": {"$regexi": "^\u00e9t\u00e9$"}})",
                    R"({"c": "\u00c9T\u00c9"})"));
}

TEST(ConditionOperators, ElemMatchOnValues) {
  const std::string doc = R"({"scores": {"$elemMatch": {"$gt": 10}}})";
  EXPECT_TRUE(Match(doc, R"({"scores": [1, 5, 11]})"));
  EXPECT_FALSE(Match(doc, R"({"scores": [1, 5, 10]})"));
  EXPECT_FALSE(Match(doc, R"({"scores": []})"));
  EXPECT_FALSE(Match(doc, R"({"scores": 11})"));  // not an array
  EXPECT_FALSE(Match(doc, "{}"));
  // Falsy elements are skipped.
  EXPECT_FALSE(Match(R"({"s": {"$elemMatch": {"$eq": 0}}})", R"({"s": [0]})"));
  EXPECT_FALSE(Match(R"({"s": {"$elemMatch": {"$exists": false}}})",
                     R"({"s": [null]})"));
}

TEST(ConditionOperators, ElemMatchOnNestedObjects) {
  const std::string doc =
      R"({"orders": {"$elemMatch": {"status": "paid", "total": {"$gt": 100}}}})";
  EXPECT_FALSE(Match(doc, R"({"orders": [{"status": "paid", "total": 50},
                                         {"status": "open", "total": 150}]})"));
  EXPECT_TRUE(Match(doc, R"({"orders": [{"status": "paid", "total": 50},
                                        {"status": "open", "total": 150},
                                        {"status": "paid", "total": 120}]})"));
  // Dot paths and operators inside the element condition.
  EXPECT_TRUE(Match(
      R"({"orders": {"$elemMatch": {"ship.country": {"$in": ["FR", "BE"]}}}})",
      R"({"orders": [{"ship": {"country": "DE"}}, {"ship": {"country": "BE"}}]})"));
  // Nested $elemMatch.
  EXPECT_TRUE(Match(
      R"({"orders": {"$elemMatch": {"items": {"$elemMatch": {"sku": "X"}}}}})",
      R"({"orders": [{"items": [{"sku": "Y"}]}, {"items": [{"sku": "X"}]}]})"));
  EXPECT_FALSE(Match(
      R"({"orders": {"$elemMatch": {"items": {"$elemMatch": {"sku": "X"}}}}})",
      R"({"orders": [{"items": [{"sku": "Y"}]}]})"));
}

TEST(ConditionOperators, Size) {
  EXPECT_TRUE(Match(R"({"t": {"$size": 2}})", R"({"t": ["a", "b"]})"));
  EXPECT_FALSE(Match(R"({"t": {"$size": 2}})", R"({"t": ["a"]})"));
  EXPECT_TRUE(Match(R"({"t": {"$size": 0}})", R"({"t": []})"));
  EXPECT_FALSE(Match(R"({"t": {"$size": 0}})", "{}"));
  EXPECT_FALSE(Match(R"({"t": {"$size": 2}})", R"({"t": "ab"})"));
  EXPECT_TRUE(Match(R"({"t": {"$size": {"$gte": 2}}})", R"({"t": [1, 2, 3]})"));
}

TEST(ConditionOperators, All) {
  const std::string doc = R"({"i": {"$all": ["running", "cooking"]}})";
  EXPECT_TRUE(Match(doc, R"({"i": ["cooking", "x", "running"]})"));
  EXPECT_FALSE(Match(doc, R"({"i": ["cooking"]})"));
  EXPECT_FALSE(Match(doc, R"({"i": "running,cooking"})"));
  EXPECT_TRUE(Match(R"({"i": {"$all": []}})", R"({"i": []})"));
  EXPECT_TRUE(Match(R"({"s": {"$all": [{"$gt": 90}]}})", R"({"s": [10, 95]})"));
  // Items use implicit equality: 1 matches "1".
  EXPECT_TRUE(Match(R"({"s": {"$all": [1]}})", R"({"s": ["1"]})"));
}

TEST(ConditionOperators, NotOnAField) {
  const std::string doc = R"({"country": {"$not": {"$in": ["US", "CA"]}}})";
  EXPECT_FALSE(Match(doc, R"({"country": "US"})"));
  EXPECT_TRUE(Match(doc, R"({"country": "FR"})"));
  EXPECT_TRUE(Match(R"({"n": {"$not": 5}})", R"({"n": 4})"));
  EXPECT_FALSE(Match(R"({"n": {"$not": 5}})", R"({"n": "5"})"));
}

TEST(ConditionLogic, TopLevelNot) {
  const std::string doc = R"({"$not": {"plan": "free", "trial": true}})";
  EXPECT_FALSE(Match(doc, R"({"plan": "free", "trial": true})"));
  EXPECT_TRUE(Match(doc, R"({"plan": "free", "trial": false})"));
  EXPECT_TRUE(Match(doc, R"({"plan": "pro"})"));
}

TEST(ConditionLogic, AndOrNor) {
  const std::string or_doc =
      R"({"$or": [{"plan": "pro"}, {"ltv": {"$gt": 1000}}]})";
  EXPECT_TRUE(Match(or_doc, R"({"plan": "pro"})"));
  EXPECT_TRUE(Match(or_doc, R"({"plan": "free", "ltv": 2000})"));
  EXPECT_FALSE(Match(or_doc, R"({"plan": "free", "ltv": 10})"));

  const std::string and_doc =
      R"({"$and": [{"age": {"$gte": 18}}, {"country": {"$in": ["US"]}}]})";
  EXPECT_TRUE(Match(and_doc, R"({"age": 20, "country": "US"})"));
  EXPECT_FALSE(Match(and_doc, R"({"age": 20, "country": "FR"})"));

  const std::string nor_doc = R"({"$nor": [{"a": 1}, {"b": 2}]})";
  EXPECT_FALSE(Match(nor_doc, R"({"a": 1})"));
  EXPECT_FALSE(Match(nor_doc, R"({"b": 2})"));
  EXPECT_TRUE(Match(nor_doc, R"({"a": 3, "b": 3})"));

  // Top-level members combine with AND.
  const std::string mixed = R"({"country": "US", "$or": [{"a": 1}, {"b": 1}]})";
  EXPECT_TRUE(Match(mixed, R"({"country": "US", "b": 1})"));
  EXPECT_FALSE(Match(mixed, R"({"country": "CA", "b": 1})"));
  EXPECT_FALSE(Match(mixed, R"({"country": "US"})"));
}

TEST(ConditionLogic, EmptyLists) {
  EXPECT_TRUE(Match(R"({"$or": []})", "{}"));
  EXPECT_TRUE(Match(R"({"$and": []})", "{}"));
  EXPECT_FALSE(Match(R"({"$nor": []})", "{}"));
  EXPECT_FALSE(Match(R"({"$nor": [], "$or": []})", R"({"a": 1})"));
}

TEST(ConditionOperators, Versions) {
  const std::string range = R"({"app": {"$vgte": "1.2.0", "$vlt": "2.0.0"}})";
  EXPECT_TRUE(Match(range, R"({"app": "1.2.0"})"));
  EXPECT_TRUE(Match(range, R"({"app": "1.10.0"})"));
  EXPECT_TRUE(Match(range, R"({"app": "v1.5.3"})"));
  EXPECT_TRUE(Match(range, R"({"app": "2.0.0-beta"})"));  // pre-release < 2.0.0
  EXPECT_FALSE(Match(range, R"({"app": "1.1.9"})"));
  EXPECT_FALSE(Match(range, R"({"app": "2.0.0"})"));
  EXPECT_FALSE(Match(range, R"({"app": "10.0.0"})"));

  EXPECT_TRUE(
      Match(R"({"v": {"$veq": "1.0.0"}})", R"({"v": "1.0.0+build.7"})"));
  EXPECT_TRUE(Match(R"({"v": {"$veq": "v1.0.0"}})", R"({"v": "1.0.0"})"));
  EXPECT_FALSE(Match(R"({"v": {"$veq": "1.0.0"}})", R"({"v": "1.0.0-rc.1"})"));
  EXPECT_TRUE(Match(R"({"v": {"$vne": "1.0.0-beta"}})", R"({"v": "1.0.0"})"));
  EXPECT_TRUE(
      Match(R"({"v": {"$vgt": "1.0.0-rc.2"}})", R"({"v": "1.0.0-rc.10"})"));
  EXPECT_TRUE(Match(R"({"v": {"$vlte": "1.0.0"}})", R"({"v": "1.0.0"})"));
  EXPECT_TRUE(
      Match(R"({"v": {"$vgt": "1.0.0-alpha"}})", R"({"v": "1.0.0-alpha.1"})"));
  // A missing version reads as "0", below every release.
  EXPECT_TRUE(Match(R"({"v": {"$vlt": "0.0.1"}})", "{}"));
  EXPECT_FALSE(Match(R"({"v": {"$vgte": "0.0.1"}})", "{}"));
  // A number operand or attribute is read as its text.
  EXPECT_TRUE(Match(R"({"v": {"$veq": 2}})", R"({"v": "2"})"));
}

TEST(ConditionOperators, InGroup) {
  GroupSet groups;
  groups.Add("beta_testers", {Value("u1"), Value("u2"), Value(1001)});
  const std::string in = R"({"id": {"$inGroup": "beta_testers"}})";
  EXPECT_TRUE(Match(in, R"({"id": "u1"})", groups));
  EXPECT_TRUE(Match(in, R"({"id": 1001})", groups));
  EXPECT_FALSE(Match(in, R"({"id": "1001"})", groups));  // strict
  EXPECT_FALSE(Match(in, R"({"id": "u3"})", groups));
  EXPECT_FALSE(Match(in, "{}", groups));
  EXPECT_TRUE(Match(in, R"({"id": ["x", "u2"]})", groups));
  EXPECT_FALSE(Match(in, R"({"id": "u1"})", GroupSet()));  // unknown group

  const std::string out = R"({"id": {"$notInGroup": "beta_testers"}})";
  EXPECT_FALSE(Match(out, R"({"id": "u1"})", groups));
  EXPECT_TRUE(Match(out, R"({"id": "u3"})", groups));
  EXPECT_TRUE(Match(out, R"({"id": "u1"})", GroupSet()));  // unknown group
}

// ---------------------------------------------------------------- object API

TEST(ConditionApi, EmptyConditionMatchesEverything) {
  Condition empty = Compile("{}");
  EXPECT_TRUE(empty.is_empty());
  EXPECT_TRUE(empty.Matches(J("{}"), GroupSet()));
  EXPECT_TRUE(empty.Matches(J(R"({"a": 1})"), GroupSet()));
  EXPECT_TRUE(empty.Matches(Value(), GroupSet()));

  Condition default_constructed;
  EXPECT_TRUE(default_constructed.is_empty());
  EXPECT_TRUE(default_constructed.Matches(J(R"({"a": 1})"), GroupSet()));

  EXPECT_FALSE(Compile(R"({"a": 1})").is_empty());
  EXPECT_FALSE(Compile(R"({"$nor": []})").is_empty());
}

TEST(ConditionApi, CompiledConditionDoesNotRetainTheDocument) {
  absl::StatusOr<Condition> c;
  {
    Value doc = J(R"({"country": {"$in": ["US"]}, "e": {"$regex": "^a"}})");
    c = Condition::Compile(doc, Strict());
  }
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->Matches(J(R"({"country": "US", "e": "abc"})"), GroupSet()));
  EXPECT_FALSE(c->Matches(J(R"({"country": "US", "e": "bcd"})"), GroupSet()));
}

TEST(ConditionApi, MovedConditionStillEvaluates) {
  Condition original =
      Compile(R"({"age": {"$gte": 18}, "e": {"$regex": "x"}})");
  Condition moved(std::move(original));
  EXPECT_TRUE(moved.Matches(J(R"({"age": 20, "e": "xyz"})"), GroupSet()));
  EXPECT_FALSE(moved.Matches(J(R"({"age": 10, "e": "xyz"})"), GroupSet()));

  Condition assigned;
  assigned = std::move(moved);
  EXPECT_FALSE(assigned.is_empty());
  EXPECT_TRUE(assigned.Matches(J(R"({"age": 20, "e": "x"})"), GroupSet()));
  EXPECT_FALSE(assigned.Matches(J(R"({"age": 20, "e": "y"})"), GroupSet()));

  std::vector<Condition> many;
  for (int i = 0; i < 20; ++i) {
    many.push_back(Compile(absl::StrCat(R"({"n": )", i, "}")));
  }
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(
        many[i].Matches(J(absl::StrCat(R"({"n": )", i, "}")), GroupSet()));
  }
}

TEST(ConditionApi, LargeInList) {
  std::string doc = R"({"id": {"$in": [)";
  for (int i = 0; i < 1000; ++i) {
    if (i > 0) doc += ",";
    absl::StrAppend(&doc, "\"id-", i, "\"");
  }
  doc += "]}}";
  Condition c = Compile(doc);
  EXPECT_TRUE(c.Matches(J(R"({"id": "id-0"})"), GroupSet()));
  EXPECT_TRUE(c.Matches(J(R"({"id": "id-500"})"), GroupSet()));
  EXPECT_TRUE(c.Matches(J(R"({"id": "id-999"})"), GroupSet()));
  EXPECT_FALSE(c.Matches(J(R"({"id": "id-1000"})"), GroupSet()));
  EXPECT_FALSE(c.Matches(J(R"({"id": "ID-5"})"), GroupSet()));
  EXPECT_FALSE(c.Matches(J(R"({"id": 5})"), GroupSet()));
}

// ---------------------------------------------------------------- persona

// The persona from DESIGN §4 / docs/definitions.md.
constexpr char kSportyParents[] =
    R"({"age": {"$gte": 25, "$lte": 45},
        "children": {"$gt": 0},
        "interests": {"$elemMatch": {"$eq": "running"}}})";

TEST(ConditionPersona, SportyParentsMatch) {
  Condition c = Compile(kSportyParents);
  for (const char* visitor : {
           R"({"age": 34, "children": 2, "interests": ["running", "cooking"]})",
           R"({"age": 25, "children": 1, "interests": ["yoga", "running"]})",
           R"({"age": 45, "children": 3, "interests": ["running"],
               "country": "FR", "plan": "free"})",
           // Attributes that arrive as strings coerce as in JavaScript.
           R"({"age": "40", "children": "1", "interests": ["running"]})",
       }) {
    EXPECT_TRUE(c.Matches(J(visitor), GroupSet())) << visitor;
  }
}

TEST(ConditionPersona, SportyParentsDoNotMatch) {
  Condition c = Compile(kSportyParents);
  for (const char* visitor : {
           R"({"age": 24, "children": 2, "interests": ["running"]})",
           R"({"age": 46, "children": 2, "interests": ["running"]})",
           R"({"age": 34, "children": 0, "interests": ["running"]})",
           R"({"age": 34, "interests": ["running"]})",
           R"({"age": 34, "children": 2, "interests": ["swimming"]})",
           R"({"age": 34, "children": 2, "interests": "running"})",
           R"({"age": 34, "children": 2, "interests": ["Running"]})",
           R"({"age": 34, "children": 2})",
           R"({"children": 2, "interests": ["running"]})",
           R"({})",
       }) {
    EXPECT_FALSE(c.Matches(J(visitor), GroupSet())) << visitor;
  }
}

}  // namespace
}  // namespace cxlab::engine
