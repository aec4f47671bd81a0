// Copyright 2026 The cxlab Authors.

#include "clients/cpp/definitions_loader.h"

#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/definitions.h"
#include "engine/evaluator.h"
#include "engine/json.h"
#include "engine/snapshot.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::client {
namespace {

namespace fs = std::filesystem;
using engine::ExperimentStatus;
using engine::MetricDirection;
using engine::MetricType;
using engine::ToJson;
using engine::Value;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (fs::temp_directory_path() / "cxlab_loader_test_XXXXXX").string();
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to `relative` (creating parent directories) and returns
  // the full path.
  std::string Write(const std::string& relative, const std::string& text) {
    const fs::path p = fs::path(path_) / relative;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
    return p.string();
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> ErrorStrings(const LoadResult& r) {
  std::vector<std::string> out;
  for (const LoadError& e : r.errors) out.push_back(e.ToString());
  return out;
}

// Parses `text` as "t.yaml" without validation.
LoadResult Parse(const std::string& text) {
  LoadResult r;
  ParseDefinitionsText(text, "t.yaml", r);
  return r;
}

constexpr char kFullExperiment[] = R"(kind: experiment
key: checkout_one_page
name: One-page checkout
description: Collapse the checkout into one page.
hypothesis: Fewer steps reduce cart abandonment.
owner: cx-team@example.com
tags: [checkout, cart]
status: running
salt: checkout-2026
unit_type: device
hash_attribute: device_id
fallback_attribute: session_id
variants:
  - key: control
    name: Control
    weight: 0.25
    payload: {layout: steps, steps: 3}
  - key: one_page
    name: One page
    weight: 0.75
    payload:
      layout: single
      chat: false
coverage: 0.8
segments: [returning_visitors]
condition:
  cart.items: {$gt: 0}
layer: checkout
layer_range: [0.1, 0.6]
exempt_from_holdout: true
forced:
  qa-user-2: one_page
  qa-user-1: control
schedule:
  start: 2026-03-01T00:00:00Z
  end: 2026-04-01T12:30:00+02:00
winner: one_page
metrics: [conversion, revenue]
guardrails: [csat]
)";

TEST(ParseDefinitionsText, ExperimentFieldsRoundTrip) {
  LoadResult r = Parse(kFullExperiment);
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  ASSERT_THAT(r.defs.experiments, SizeIs(1));
  const engine::ExperimentDef& e = r.defs.experiments[0];
  EXPECT_EQ(e.key, "checkout_one_page");
  EXPECT_EQ(e.name, "One-page checkout");
  EXPECT_EQ(e.description, "Collapse the checkout into one page.");
  EXPECT_EQ(e.hypothesis, "Fewer steps reduce cart abandonment.");
  EXPECT_EQ(e.owner, "cx-team@example.com");
  EXPECT_THAT(e.tags, ElementsAre("checkout", "cart"));
  EXPECT_EQ(e.status, ExperimentStatus::kRunning);
  EXPECT_EQ(e.salt, "checkout-2026");
  EXPECT_EQ(e.unit_type, "device");
  EXPECT_EQ(e.hash_attribute, "device_id");
  EXPECT_EQ(e.fallback_attribute, "session_id");
  ASSERT_THAT(e.variants, SizeIs(2));
  EXPECT_EQ(e.variants[0].key, "control");
  EXPECT_EQ(e.variants[0].name, "Control");
  EXPECT_EQ(e.variants[0].weight, 0.25);
  EXPECT_EQ(ToJson(e.variants[0].payload), R"({"layout":"steps","steps":3})");
  EXPECT_EQ(e.variants[1].key, "one_page");
  EXPECT_EQ(e.variants[1].weight, 0.75);
  EXPECT_EQ(ToJson(e.variants[1].payload),
            R"({"layout":"single","chat":false})");
  EXPECT_EQ(e.coverage, 0.8);
  EXPECT_THAT(e.segments, ElementsAre("returning_visitors"));
  EXPECT_EQ(ToJson(e.condition), R"({"cart.items":{"$gt":0}})");
  EXPECT_EQ(e.layer, "checkout");
  ASSERT_TRUE(e.layer_range.has_value());
  EXPECT_EQ(e.layer_range->start, 0.1);
  EXPECT_EQ(e.layer_range->end, 0.6);
  EXPECT_TRUE(e.exempt_from_holdout);
  // File order, not sorted.
  using Forced = std::pair<std::string, std::string>;
  EXPECT_THAT(e.forced, ElementsAre(Forced("qa-user-2", "one_page"),
                                    Forced("qa-user-1", "control")));
  EXPECT_EQ(e.start, absl::FromUnixSeconds(1772323200));  // 2026-03-01 UTC
  EXPECT_EQ(e.end, absl::FromUnixSeconds(1775039400));    // 2026-04-01 10:30Z
  EXPECT_EQ(e.winner, "one_page");
  EXPECT_THAT(e.metrics, ElementsAre("conversion", "revenue"));
  EXPECT_THAT(e.guardrails, ElementsAre("csat"));
}

TEST(ParseDefinitionsText, DefaultsWhenFieldsAreAbsentOrNull) {
  LoadResult r = Parse(R"(kind: experiment
key: minimal
description: ~
winner:
variants:
  - key: a
  - key: b
)");
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  const engine::ExperimentDef& e = r.defs.experiments.at(0);
  EXPECT_EQ(e.status, ExperimentStatus::kDraft);
  EXPECT_EQ(e.unit_type, "user");
  EXPECT_EQ(e.coverage, 1.0);
  EXPECT_FALSE(e.variants[0].weight.has_value());
  EXPECT_TRUE(e.variants[0].payload.is_null());
  EXPECT_TRUE(e.condition.is_null());
  EXPECT_FALSE(e.layer_range.has_value());
  EXPECT_EQ(e.start, absl::InfinitePast());
  EXPECT_EQ(e.end, absl::InfiniteFuture());
  EXPECT_EQ(e.winner, "");
}

TEST(ParseDefinitionsText, OtherKindsRoundTrip) {
  LoadResult r = Parse(R"(kind: segment
key: runners
name: Runners
description: Bought running gear.
condition:
  interests: {$elemMatch: {$eq: running}}
---
kind: group
key: vip_customers
description: Top spenders.
ids: [u-1, 42, "007"]
---
kind: metric
key: revenue
name: Revenue
description: Purchase value per visitor.
type: mean
event: purchase
value_property: amount
filter: {currency: EUR}
window_hours: 72
direction: higher
guardrail: true
cap: 500
---
kind: metric
key: orders_per_session
type: ratio
event: purchase
denominator_event: session_start
direction: lower
---
kind: metric
key: effort
type: ces
event: survey_ces
retention_hours: 24
scale_min: 1
scale_max: 7
---
kind: layer
key: pricing
description: Price experiments.
salt: pricing-v1
holdout: 0.05
---
kind: holdout
key: global
description: Never experimented on.
salt: holdout-2026
share: 0.02
)");
  ASSERT_THAT(ErrorStrings(r), IsEmpty());

  ASSERT_THAT(r.defs.segments, SizeIs(1));
  EXPECT_EQ(r.defs.segments[0].key, "runners");
  EXPECT_EQ(r.defs.segments[0].name, "Runners");
  EXPECT_EQ(r.defs.segments[0].description, "Bought running gear.");
  EXPECT_EQ(ToJson(r.defs.segments[0].condition),
            R"({"interests":{"$elemMatch":{"$eq":"running"}}})");

  ASSERT_THAT(r.defs.groups, SizeIs(1));
  EXPECT_EQ(r.defs.groups[0].key, "vip_customers");
  EXPECT_EQ(r.defs.groups[0].description, "Top spenders.");
  EXPECT_THAT(r.defs.groups[0].ids,
              ElementsAre(Value("u-1"), Value(42), Value("007")));

  ASSERT_THAT(r.defs.metrics, SizeIs(3));
  const engine::MetricDef& m = r.defs.metrics[0];
  EXPECT_EQ(m.key, "revenue");
  EXPECT_EQ(m.name, "Revenue");
  EXPECT_EQ(m.description, "Purchase value per visitor.");
  EXPECT_EQ(m.type, MetricType::kMean);
  EXPECT_EQ(m.event, "purchase");
  EXPECT_EQ(m.value_property, "amount");
  EXPECT_EQ(ToJson(m.filter), R"({"currency":"EUR"})");
  EXPECT_EQ(m.window_hours, 72);
  EXPECT_EQ(m.direction, MetricDirection::kHigher);
  EXPECT_TRUE(m.guardrail);
  EXPECT_EQ(m.cap, 500);
  const engine::MetricDef& ratio = r.defs.metrics[1];
  EXPECT_EQ(ratio.type, MetricType::kRatio);
  EXPECT_EQ(ratio.value_property, "value");  // default kept
  EXPECT_EQ(ratio.denominator_event, "session_start");
  EXPECT_EQ(ratio.direction, MetricDirection::kLower);
  EXPECT_FALSE(ratio.cap.has_value());
  const engine::MetricDef& ces = r.defs.metrics[2];
  EXPECT_EQ(ces.type, MetricType::kCes);
  EXPECT_EQ(ces.retention_hours, 24);
  EXPECT_EQ(ces.scale_min, 1);
  EXPECT_EQ(ces.scale_max, 7);

  ASSERT_THAT(r.defs.layers, SizeIs(1));
  EXPECT_EQ(r.defs.layers[0].key, "pricing");
  EXPECT_EQ(r.defs.layers[0].description, "Price experiments.");
  EXPECT_EQ(r.defs.layers[0].salt, "pricing-v1");
  EXPECT_EQ(r.defs.layers[0].holdout, 0.05);

  ASSERT_THAT(r.defs.holdouts, SizeIs(1));
  EXPECT_EQ(r.defs.holdouts[0].key, "global");
  EXPECT_EQ(r.defs.holdouts[0].description, "Never experimented on.");
  EXPECT_EQ(r.defs.holdouts[0].salt, "holdout-2026");
  EXPECT_EQ(r.defs.holdouts[0].share, 0.02);
}

TEST(ParseDefinitionsText, DurationMetricsDefaultToLowerIsBetter) {
  LoadResult r = Parse(R"(kind: metric
key: time_to_resolution
type: duration
event: ticket_resolved
---
kind: metric
key: handle_time_up
type: duration
event: ticket_resolved
direction: higher
---
kind: metric
key: revenue
type: mean
event: purchase
)");
  ASSERT_TRUE(r.ok()) << r.errors[0].ToString();
  ASSERT_THAT(r.defs.metrics, SizeIs(3));
  EXPECT_EQ(r.defs.metrics[0].direction, MetricDirection::kLower);
  EXPECT_EQ(r.defs.metrics[1].direction, MetricDirection::kHigher);
  EXPECT_EQ(r.defs.metrics[2].direction, MetricDirection::kHigher);
}

TEST(ParseDefinitionsText, DoesNotValidate) {
  LoadResult r = Parse(R"(kind: experiment
key: bad
variants: [{key: a, weight: 0.5}, {key: b, weight: 0.4}]
)");
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.files, IsEmpty());
  EXPECT_THAT(r.defs.experiments, SizeIs(1));
}

TEST(ParseDefinitionsText, MultiDocumentYamlSkipsEmptyDocuments) {
  LoadResult r = Parse(R"(# leading comment
---
kind: segment
key: a
condition: {x: 1}
---
---
# only a comment
---
kind: segment
key: b
condition: {x: 2}
...
---
- kind: segment
  key: c
  condition: {x: 3}
- kind: metric
  key: m
  event: e
)");
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  ASSERT_THAT(r.defs.segments, SizeIs(3));
  EXPECT_EQ(r.defs.segments[0].key, "a");
  EXPECT_EQ(r.defs.segments[1].key, "b");
  EXPECT_EQ(r.defs.segments[2].key, "c");
  ASSERT_THAT(r.defs.metrics, SizeIs(1));
}

TEST(ParseDefinitionsText, EmptyTextIsNothing) {
  LoadResult r = Parse("");
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.defs.experiments, IsEmpty());
}

TEST(ParseDefinitionsText, ScalarResolutionFollowsCoreSchema) {
  LoadResult r = Parse(R"(kind: segment
key: s
condition:
  quoted_int: "123"
  plain_int: 123
  single_quoted: '45'
  negative: -7
  plus: +3
  float: 2.5
  exp: 1.5e3
  leading_dot: .5
  hex: 0x1F
  octal: 0o17
  leading_zero: 017
  inf: -.inf
  t1: true
  t2: True
  t3: TRUE
  f1: false
  yes_is_string: yes
  quoted_true: "true"
  null1: ~
  null2: null
  null3: NULL
  null4:
  quoted_null: "null"
  empty_string: ""
  date: 2026-03-01
  version: 1.2.3
  underscore: 1_000
  str_tag: !!str 12
  int_tag: !!int "12"
  list: [1, "1", a]
)");
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  const Value& c = r.defs.segments.at(0).condition;
  auto get = [&](const char* k) {
    const Value* v = c.Find(k);
    EXPECT_NE(v, nullptr) << k;
    return v == nullptr ? Value() : *v;
  };
  EXPECT_EQ(get("quoted_int"), Value("123"));
  EXPECT_EQ(get("plain_int"), Value(123));
  EXPECT_TRUE(get("plain_int").is_number());
  EXPECT_EQ(get("single_quoted"), Value("45"));
  EXPECT_EQ(get("negative"), Value(-7));
  EXPECT_EQ(get("plus"), Value(3));
  EXPECT_EQ(get("float"), Value(2.5));
  EXPECT_EQ(get("exp"), Value(1500));
  EXPECT_EQ(get("leading_dot"), Value(0.5));
  EXPECT_EQ(get("hex"), Value(31));
  EXPECT_EQ(get("octal"), Value(15));
  EXPECT_EQ(get("leading_zero"), Value(17));
  EXPECT_TRUE(std::isinf(get("inf").as_number()));
  EXPECT_LT(get("inf").as_number(), 0);
  EXPECT_EQ(get("t1"), Value(true));
  EXPECT_EQ(get("t2"), Value(true));
  EXPECT_EQ(get("t3"), Value(true));
  EXPECT_EQ(get("f1"), Value(false));
  EXPECT_EQ(get("yes_is_string"), Value("yes"));
  EXPECT_EQ(get("quoted_true"), Value("true"));
  EXPECT_TRUE(get("null1").is_null());
  EXPECT_TRUE(get("null2").is_null());
  EXPECT_TRUE(get("null3").is_null());
  EXPECT_TRUE(get("null4").is_null());
  EXPECT_EQ(get("quoted_null"), Value("null"));
  EXPECT_EQ(get("empty_string"), Value(""));
  EXPECT_EQ(get("date"), Value("2026-03-01"));
  EXPECT_EQ(get("version"), Value("1.2.3"));
  EXPECT_EQ(get("underscore"), Value("1_000"));
  EXPECT_EQ(get("str_tag"), Value("12"));
  EXPECT_EQ(get("int_tag"), Value(12));
  EXPECT_EQ(ToJson(get("list")), R"([1,"1","a"])");
  // Member order is file order.
  EXPECT_EQ(c.members().front().first, "quoted_int");
  EXPECT_EQ(c.members().back().first, "list");
}

TEST(ParseDefinitionsText, NanIsANumber) {
  LoadResult r = Parse("kind: segment\nkey: s\ncondition: {x: .nan}\n");
  ASSERT_TRUE(r.ok());
  const Value* x = r.defs.segments.at(0).condition.Find("x");
  ASSERT_NE(x, nullptr);
  EXPECT_TRUE(x->is_number());
  EXPECT_TRUE(std::isnan(x->as_number()));
}

TEST(ParseDefinitionsText, JsonObjectWithEscapesAndUtf8) {
  LoadResult r;
  ParseDefinitionsText(
      "{\n"
      "\t\"kind\": \"experiment\",\n"
      "\t\"key\": \"hero\",\n"
      "\t\"name\": \"Caf\\u00e9 \xc3\xa9t\xc3\xa9 \\ud83c\\udfc3\",\n"
      "\t\"variants\": [\n"
      "\t\t{\"key\": \"a\", \"weight\": 0.5, \"payload\": {\"n\": 1e2, "
      "\"s\": \"123\", \"b\": true, \"z\": null, \"l\": []}},\n"
      "\t\t{\"key\": \"b\", \"weight\": 0.5}\n"
      "\t]\n"
      "}\n",
      "x.json", r);
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  ASSERT_THAT(r.defs.experiments, SizeIs(1));
  const engine::ExperimentDef& e = r.defs.experiments[0];
  EXPECT_EQ(e.name, "Caf\xc3\xa9 \xc3\xa9t\xc3\xa9 \xf0\x9f\x8f\x83");
  EXPECT_EQ(ToJson(e.variants[0].payload),
            R"({"n":100,"s":"123","b":true,"z":null,"l":[]})");
  EXPECT_EQ(e.variants[1].weight, 0.5);
}

TEST(ParseDefinitionsText, JsonEscapedBackslashIsNotAnEscape) {
  LoadResult r;
  // JSON text: "a\\ud83c" is a backslash followed by "ud83c".
  ParseDefinitionsText(
      R"({"kind": "segment", "key": "s", "name": "a\\ud83c\u0041",
          "condition": {"x": 1}})",
      "x.json", r);
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  EXPECT_EQ(r.defs.segments.at(0).name, "a\\ud83cA");
}

TEST(ParseDefinitionsText, JsonArrayOfObjects) {
  LoadResult r;
  ParseDefinitionsText(R"([
  {"kind": "segment", "key": "a", "condition": {"age": {"$gte": 18}}},
  {"kind": "group", "key": "g", "ids": ["x", 7]}
])",
                       "x.json", r);
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  ASSERT_THAT(r.defs.segments, SizeIs(1));
  EXPECT_EQ(ToJson(r.defs.segments[0].condition), R"({"age":{"$gte":18}})");
  ASSERT_THAT(r.defs.groups, SizeIs(1));
  EXPECT_THAT(r.defs.groups[0].ids, ElementsAre(Value("x"), Value(7)));
}

TEST(ParseDefinitionsText, UnknownFieldsAreErrorsWithSuggestions) {
  LoadResult r = Parse(R"(kind: experiment
key: e
covrage: 0.5
variants:
  - key: a
    wieght: 0.5
  - key: b
    colour: red
)");
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre("t.yaml:3 unknown field 'covrage'; did you mean "
                          "'coverage'?",
                          "t.yaml:6 variants[0]: unknown field 'wieght'; did "
                          "you mean 'weight'?",
                          "t.yaml:8 variants[1]: unknown field 'colour'"));
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(r.errors[0].field, "");
  EXPECT_EQ(r.errors[0].message,
            "unknown field 'covrage'; did you mean 'coverage'?");
}

TEST(ParseDefinitionsText, WrongTypesNameFieldAndType) {
  LoadResult r = Parse(R"(kind: experiment
key: e
tags: checkout
status: [running]
coverage: "0.5"
exempt_from_holdout: yes
variants:
  - key: a
    weight: 0.5
  - key: b
    weight: half
    payload: {x: !custom 1}
layer_range: [0, 0.5, 1]
forced:
  qa-user-1: [a]
schedule:
  start: 2026-03-01
segments: [{a: 1}]
)");
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          "t.yaml:3 tags: must be a list of strings",
          "t.yaml:4 status: must be a string",
          "t.yaml:5 coverage: must be a number",
          "t.yaml:6 exempt_from_holdout: must be a boolean (true or false)",
          "t.yaml:11 variants[1].weight: must be a number",
          "t.yaml:12 variants[1].payload.x: unsupported YAML tag '!custom'",
          "t.yaml:13 layer_range: must be [start, end]",
          "t.yaml:15 forced.qa-user-1: must be a variant key",
          "t.yaml:17 schedule.start: must be an RFC 3339 time such as "
          "2026-03-01T00:00:00Z, got '2026-03-01'",
          "t.yaml:18 segments[0]: must be a string"));
}

TEST(ParseDefinitionsText, EnumErrorsUseEngineMessages) {
  LoadResult r = Parse(R"(kind: experiment
key: e
status: live
---
kind: metric
key: m
type: avg
direction: up
guardrail: "true"
)");
  ASSERT_THAT(r.errors, SizeIs(4));
  EXPECT_EQ(r.errors[0].field, "status");
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_THAT(r.errors[0].message, HasSubstr("unknown status 'live'"));
  EXPECT_EQ(r.errors[1].field, "type");
  EXPECT_THAT(r.errors[1].message, HasSubstr("unknown metric type 'avg'"));
  EXPECT_EQ(r.errors[2].ToString(),
            "t.yaml:8 direction: must be 'higher' or 'lower', got 'up'");
  EXPECT_EQ(r.errors[3].ToString(),
            "t.yaml:9 guardrail: must be a boolean (true or false)");
}

TEST(ParseDefinitionsText, KindIsRequiredAndChecked) {
  LoadResult r = Parse(R"(key: no_kind
---
kind: experimnt
key: typo
---
kind: [segment]
---
- just a string
)");
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          "t.yaml:1 missing field 'kind' (one of experiment, segment, group, "
          "metric, layer, holdout, slot)",
          "t.yaml:3 kind: unknown kind 'experimnt'; expected one of "
          "experiment, segment, group, metric, layer, holdout, slot",
          "t.yaml:6 kind: must be one of experiment, segment, group, metric, "
          "layer, holdout, slot",
          "t.yaml:8 expected a mapping (a definition with a 'kind' field)"));
  EXPECT_THAT(r.defs.experiments, IsEmpty());
}

TEST(ParseDefinitionsText, DuplicateFieldsAndKeysAreErrors) {
  LoadResult r = Parse(R"(kind: segment
key: a
key: b
condition:
  x: 1
  x: 2
)");
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre("t.yaml:3 duplicate field 'key'",
                          "t.yaml:6 condition: duplicate key 'x'"));
}

TEST(ParseDefinitionsText, SyntaxErrorReportsLine) {
  LoadResult r = Parse("kind: segment\nkey: a\ncondition: {x: [1, 2}\n");
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_EQ(r.errors[0].file, "t.yaml");
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_THAT(r.errors[0].message, HasSubstr("invalid YAML"));
  EXPECT_THAT(r.defs.segments, IsEmpty());

  LoadResult indent = Parse("kind: segment\nkey: a\n  name: b\n");
  ASSERT_THAT(indent.errors, SizeIs(1));
  EXPECT_EQ(indent.errors[0].line, 3);
  EXPECT_EQ(indent.errors[0].ToString(),
            "t.yaml:3 invalid YAML: illegal map value (column 7)");
}

// yaml-cpp 0.7's LoadAll never returns on a ',' where a document starts
// (tests/fuzz definitions_yaml found it); a JSON file with a trailing comma
// must be a syntax error instead.
TEST(ParseDefinitionsText, TrailingCommaAfterJsonIsAnErrorNotAHang) {
  LoadResult r = Parse("{\"kind\": \"segment\", \"key\": \"a\"},\n");
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_EQ(r.errors[0].ToString(),
            "t.yaml:1 invalid YAML: unexpected ',' outside a flow collection "
            "([...] or {...}) (column 32)");
  EXPECT_THAT(Parse("kind: group\nkey: g\n---\n,\n").errors, SizeIs(1));
}

TEST(ParseDefinitionsText, RecursiveAliasDoesNotCrash) {
  LoadResult r = Parse("kind: segment\nkey: a\ncondition: &c {x: *c}\n");
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_THAT(r.errors[0].message, HasSubstr("nested more than"));

  // Two branches per level: bounded by the node budget, reported once each.
  LoadResult wide =
      Parse("kind: segment\nkey: a\ncondition: &c {x: *c, y: *c}\n");
  ASSERT_THAT(wide.errors, SizeIs(2));
  EXPECT_THAT(wide.errors[0].message, HasSubstr("nested more than"));
  EXPECT_THAT(wide.errors[1].message, HasSubstr("too large"));
}

TEST(ParseDefinitionsText, AliasesExpand) {
  LoadResult r = Parse(R"(kind: experiment
key: e
variants:
  - {key: a, payload: &p {color: red}}
  - {key: b, payload: *p}
)");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ToJson(r.defs.experiments[0].variants[1].payload),
            R"({"color":"red"})");
}

// ---- slots, sticky bucketing and bandits --------------------------------------

TEST(ParseDefinitionsText, SlotFieldsRoundTrip) {
  LoadResult r = Parse(R"(kind: slot
key: home.hero
name: Homepage hero
description: The banner at the top.
default_content:
  headline: Gear for every adventure
  cta: {text: Shop, href: /sports}
rules:
  - key: runners
    segments: [runners, joggers]
    condition: {country: {$in: [US, CA]}}
    priority: -10
    start: 2026-11-27T00:00:00+01:00
    end: 2026-12-01T00:00:00Z
    content:
      headline: Run further
      items: 3
  - key: bandit
    priority: 20
    experiment: hero_bandit
  - {key: plain, content: "just text", priority: 0x1F}
)");
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  ASSERT_THAT(r.defs.slots, SizeIs(1));
  const engine::SlotDef& s = r.defs.slots[0];
  EXPECT_EQ(s.key, "home.hero");
  EXPECT_EQ(s.name, "Homepage hero");
  EXPECT_EQ(s.description, "The banner at the top.");
  EXPECT_EQ(ToJson(s.default_content),
            R"({"headline":"Gear for every adventure",)"
            R"("cta":{"text":"Shop","href":"/sports"}})");
  ASSERT_THAT(s.rules, SizeIs(3));
  const engine::SlotRuleDef& runners = s.rules[0];
  EXPECT_EQ(runners.key, "runners");
  EXPECT_THAT(runners.segments, ElementsAre("runners", "joggers"));
  EXPECT_EQ(ToJson(runners.condition), R"({"country":{"$in":["US","CA"]}})");
  EXPECT_EQ(runners.priority, -10);
  EXPECT_EQ(runners.start, absl::FromCivil(absl::CivilSecond(2026, 11, 26, 23,
                                                             0, 0),
                                           absl::UTCTimeZone()));
  EXPECT_EQ(runners.end, absl::FromCivil(absl::CivilDay(2026, 12, 1),
                                         absl::UTCTimeZone()));
  EXPECT_EQ(ToJson(runners.content), R"({"headline":"Run further","items":3})");
  EXPECT_TRUE(runners.experiment.empty());
  const engine::SlotRuleDef& bandit = s.rules[1];
  EXPECT_EQ(bandit.priority, 20);
  EXPECT_EQ(bandit.experiment, "hero_bandit");
  EXPECT_TRUE(bandit.content.is_null());
  EXPECT_TRUE(bandit.condition.is_null());
  EXPECT_EQ(bandit.start, absl::InfinitePast());
  EXPECT_EQ(bandit.end, absl::InfiniteFuture());
  EXPECT_EQ(s.rules[2].priority, 31);
  EXPECT_EQ(ToJson(s.rules[2].content), R"("just text")");
}

TEST(ParseDefinitionsText, SlotFromJson) {
  LoadResult r = Parse(R"([{"kind": "slot", "key": "checkout.hint",
    "default_content": null,
    "rules": [{"key": "mobile", "segments": ["mobile_shoppers"],
               "priority": 10, "content": {"text": "Pay in one tap"}}]}])");
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  ASSERT_THAT(r.defs.slots, SizeIs(1));
  EXPECT_TRUE(r.defs.slots[0].default_content.is_null());
  ASSERT_THAT(r.defs.slots[0].rules, SizeIs(1));
  EXPECT_EQ(ToJson(r.defs.slots[0].rules[0].content),
            R"({"text":"Pay in one tap"})");
}

TEST(ParseDefinitionsText, StickyAndBanditFields) {
  LoadResult r = Parse(R"(kind: experiment
key: recs
sticky: true
bucket_version: 3
bandit:
  metric: add_to_cart
  interval_minutes: 1
  min_share: 0.1
---
kind: experiment
key: defaults
bandit: {metric: add_to_cart}
---
kind: experiment
key: fixed
bandit: ~
)");
  ASSERT_THAT(ErrorStrings(r), IsEmpty());
  ASSERT_THAT(r.defs.experiments, SizeIs(3));
  const engine::ExperimentDef& e = r.defs.experiments[0];
  EXPECT_TRUE(e.sticky);
  EXPECT_EQ(e.bucket_version, 3);
  ASSERT_TRUE(e.bandit.has_value());
  EXPECT_EQ(e.bandit->metric, "add_to_cart");
  EXPECT_EQ(e.bandit->interval_minutes, 1);
  EXPECT_EQ(e.bandit->min_share, 0.1);
  const engine::ExperimentDef& d = r.defs.experiments[1];
  EXPECT_FALSE(d.sticky);
  EXPECT_EQ(d.bucket_version, 0);
  ASSERT_TRUE(d.bandit.has_value());
  EXPECT_EQ(d.bandit->interval_minutes, 60);
  EXPECT_EQ(d.bandit->min_share, 0.05);
  EXPECT_FALSE(r.defs.experiments[2].bandit.has_value());
}

TEST(ParseDefinitionsText, SlotAndBanditShapeErrors) {
  LoadResult r = Parse(R"(kind: experiment
key: e
sticky: maybe
bucket_version: 1.5
bandit:
  metric: [add_to_cart]
  intervl_minutes: 5
  min_share: lots
---
kind: experiment
key: f
bandit: add_to_cart
---
kind: slot
key: s
default: {}
rules:
  - key: a
    priority: high
    start: tomorrow
    contnet: {x: 1}
  - just a string
  - key: c
    priority: 2.5
    segments: runners
    end: 2026-12-01
---
kind: slot
key: t
rules: {key: a}
)");
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          "t.yaml:3 sticky: must be a boolean (true or false)",
          "t.yaml:4 bucket_version: must be an integer",
          "t.yaml:6 bandit.metric: must be a string",
          "t.yaml:7 bandit: unknown field 'intervl_minutes'; did you mean "
          "'interval_minutes'?",
          "t.yaml:8 bandit.min_share: must be a number",
          "t.yaml:12 bandit: must be a mapping with metric, interval_minutes, "
          "min_share",
          "t.yaml:16 unknown field 'default'",
          "t.yaml:19 rules[0].priority: must be an integer",
          "t.yaml:20 rules[0].start: must be an RFC 3339 time such as "
          "2026-03-01T00:00:00Z, got 'tomorrow'",
          "t.yaml:21 rules[0]: unknown field 'contnet'; did you mean "
          "'content'?",
          "t.yaml:22 rules[1]: must be a mapping with key, segments, "
          "condition, content, priority, start, end, experiment",
          "t.yaml:24 rules[2].priority: must be an integer",
          "t.yaml:25 rules[2].segments: must be a list of strings",
          "t.yaml:26 rules[2].end: must be an RFC 3339 time such as "
          "2026-03-01T00:00:00Z, got '2026-12-01'",
          "t.yaml:30 rules: must be a list of rules"));
}

TEST(LoadDefinitions, SlotValidationErrorsMapToTheirLines) {
  TempDir dir;
  const std::string file = dir.Write("slots.yaml", R"(kind: segment
key: runners
condition: {interests: {$elemMatch: {$eq: running}}}
---
kind: metric
key: revenue
type: mean
event: purchase
---
kind: experiment
key: recs
status: running
variants: [{key: a}, {key: b}]
bucket_version: -1
bandit:
  metric: revenue
  min_share: 0.9
---
kind: slot
key: home.hero
default_content: {headline: Hi}
rules:
  - key: runners
    segments: [runners, joggers]
    priority: 10
    content: {headline: Run}
  - key: runners
    priority: 10
    start: 2026-12-01T00:00:00Z
    end: 2026-11-01T00:00:00Z
  - key: recs
    priority: 30
    experiment: recs
  - key: recs_again
    priority: 40
    experiment: recs
  - key: ghost
    priority: 50
    experiment: no_such_experiment
)");
  LoadResult r = LoadDefinitions(file);
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          absl::StrCat(file, ":14 bucket_version: must be >= 0, got -1"),
          absl::StrCat(file,
                       ":16 bandit.metric: must be a binomial metric, "
                       "'revenue' is mean"),
          absl::StrCat(file,
                       ":17 bandit.min_share: must be in [0, 0.5], got 0.9"),
          absl::StrCat(file,
                       ":24 rules[0].segments[1]: unknown segment 'joggers'"),
          absl::StrCat(file,
                       ":27 rules[1].key: duplicate rule key 'runners'"),
          // No content line: the rule's own line.
          absl::StrCat(file,
                       ":27 rules[1].content: is required unless the rule "
                       "has an experiment"),
          absl::StrCat(file,
                       ":28 rules[1].priority: duplicate priority 10 (rule "
                       "'runners' has it)"),
          absl::StrCat(file, ":30 rules[1].end: must be after start"),
          absl::StrCat(file,
                       ":36 rules[3].experiment: experiment 'recs' already "
                       "backs rule home.hero/recs; an experiment may back "
                       "one rule only"),
          absl::StrCat(file,
                       ":39 rules[4].experiment: unknown experiment "
                       "'no_such_experiment'")));
}

TEST(LoadError, ToStringFormats) {
  EXPECT_EQ((LoadError{"a.yaml", 14, "variants[1].weight", "bad"}).ToString(),
            "a.yaml:14 variants[1].weight: bad");
  EXPECT_EQ(
      (LoadError{"a.yaml", 0, "", "no such file or directory"}).ToString(),
      "a.yaml: no such file or directory");
  EXPECT_EQ((LoadError{"a.yaml", 3, "", "bad"}).ToString(), "a.yaml:3 bad");
  EXPECT_EQ((LoadError{"a.yaml", 0, "key", "bad"}).ToString(),
            "a.yaml: key: bad");
}

constexpr char kBadWeights[] = R"(# Weights that do not add up.
kind: experiment
key: checkout
status: running
variants:
  - key: control
    weight: 0.5
  - key: one_page
    weight: 0.4
)";

TEST(LoadDefinitions, WeightSumErrorPointsAtTheLastWeight) {
  TempDir dir;
  const std::string file = dir.Write("checkout.yaml", kBadWeights);
  LoadResult r = LoadDefinitions(file);
  EXPECT_THAT(r.files, ElementsAre(file));
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(absl::StrCat(
          file, ":9 variants[1].weight: weights must sum to 1, got 0.9")));
}

TEST(LoadDefinitions, FileNamesAreRelativeToTheGivenPath) {
  TempDir dir;
  dir.Write("experiments/checkout.yaml", kBadWeights);
  const fs::path saved = fs::current_path();
  fs::current_path(dir.path());
  LoadResult r = LoadDefinitions("experiments");
  LoadResult with_slash = LoadDefinitions("experiments/");
  fs::current_path(saved);
  EXPECT_THAT(r.files, ElementsAre("experiments/checkout.yaml"));
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre("experiments/checkout.yaml:9 variants[1].weight: "
                          "weights must sum to 1, got 0.9"));
  EXPECT_THAT(with_slash.files, ElementsAre("experiments/checkout.yaml"));
}

TEST(LoadDefinitions, ValidationErrorsMapToTheNearestLine) {
  TempDir dir;
  const std::string file = dir.Write("e.yaml", R"(kind: segment
key: adults
condition:
  age:
    $gte: 18
    $in: 21
---
kind: experiment
key: exp
status: launched
variants:
  - key: a
  - key: b
segments: [adults, nobody]
forced:
  qa-1: a
  qa-2: c
schedule:
  start: 2026-05-01T00:00:00Z
  end: 2026-04-01T00:00:00Z
metrics:
  - missing_metric
)");
  LoadResult r = LoadDefinitions(file);
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          absl::StrCat(file, ":6 condition.age.$in: operand must be an array"),
          absl::StrCat(file, ":8 winner: is required when status is launched"),
          absl::StrCat(file, ":14 segments[1]: unknown segment 'nobody'"),
          absl::StrCat(file, ":17 forced.qa-2: unknown variant 'c'"),
          absl::StrCat(file, ":20 schedule.end: must be after schedule.start"),
          absl::StrCat(file,
                       ":22 metrics[0]: unknown metric 'missing_metric'")));
}

TEST(LoadDefinitions, ReportsEveryErrorInFileOrder) {
  TempDir dir;
  const std::string a = dir.Write("a.yaml", R"(kind: experiment
key: first
coverage: 2
varients: []
variants: [{key: x}, {key: x}]
)");
  const std::string b = dir.Write("b.yaml", R"(kind: metric
key: m
type: ratio
event: purchase
)");
  LoadResult r = LoadDefinitions(dir.path());
  EXPECT_THAT(r.files, ElementsAre(a, b));
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          absl::StrCat(a, ":3 coverage: must be in [0, 1], got 2"),
          absl::StrCat(a,
                       ":4 unknown field 'varients'; did you mean "
                       "'variants'?"),
          absl::StrCat(a, ":5 variants[1].key: duplicate variant key 'x'"),
          absl::StrCat(b,
                       ":1 denominator_event: is required for ratio "
                       "metrics")));
}

TEST(LoadDefinitions, ParseErrorsSuppressTheirValidationEchoes) {
  TempDir dir;
  const std::string file = dir.Write("e.yaml", R"(kind: experiment
key: e
coverage: 3
variants:
  - {key: a, weight: 0.5}
  - {key: b, weight: "0.5"}
)");
  LoadResult r = LoadDefinitions(file);
  // No "set a weight on every variant" echo for variants[1].weight.
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(absl::StrCat(file,
                                       ":3 coverage: must be in [0, 1], "
                                       "got 3"),
                          absl::StrCat(file,
                                       ":6 variants[1].weight: must be "
                                       "a number")));
}

TEST(LoadDefinitions, DuplicateAndMissingKeysPointAtTheRightDocument) {
  TempDir dir;
  const std::string file = dir.Write("s.yaml", R"(kind: segment
key: same
condition: {a: 1}
---
kind: segment
key: same
condition: {a: 2}
---
kind: segment
condition: {a: 3}
---
kind: segment
condition: {a: 4}
)");
  LoadResult r = LoadDefinitions(file);
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(absl::StrCat(file,
                                       ":6 key: duplicate segment key "
                                       "'same'"),
                          absl::StrCat(file, ":9 key: is required"),
                          absl::StrCat(file, ":12 key: is required")));
}

TEST(LoadDefinitions, DirectoryLoadsYamlYmlAndJsonSorted) {
  TempDir dir;
  const std::string seg = dir.Write("b/segments.yml", R"(kind: segment
key: runners
condition: {sport: running}
)");
  const std::string metric = dir.Write("a.json", R"([
  {"kind": "metric", "key": "conversion", "type": "binomial",
   "event": "purchase"}
])");
  const std::string exp = dir.Write("c.yaml", R"(kind: experiment
key: hero
status: running
segments: [runners]
metrics: [conversion]
variants: [{key: a}, {key: b}]
)");
  const std::string upper = dir.Write("d.YAML", R"(kind: group
key: vip
ids: [1]
)");
  dir.Write("notes.txt", "kind: nonsense\n");
  dir.Write("README.md", "# not definitions\n");
  dir.Write("b/config.yaml.bak", "{{{");
  LoadResult r = LoadDefinitions(dir.path());
  EXPECT_THAT(ErrorStrings(r), IsEmpty());
  EXPECT_THAT(r.files, ElementsAre(metric, seg, exp, upper));
  EXPECT_THAT(r.defs.metrics, SizeIs(1));
  EXPECT_THAT(r.defs.segments, SizeIs(1));
  EXPECT_THAT(r.defs.experiments, SizeIs(1));
  EXPECT_THAT(r.defs.groups, SizeIs(1));
}

TEST(LoadDefinitions, SingleFileWithAnyExtension) {
  TempDir dir;
  const std::string file =
      dir.Write("defs.txt", "kind: segment\nkey: s\ncondition: {a: 1}\n");
  LoadResult r = LoadDefinitions(file);
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.defs.segments, SizeIs(1));
}

TEST(LoadDefinitions, SyntaxErrorSkipsValidation) {
  TempDir dir;
  const std::string broken =
      dir.Write("a.yaml", "kind: segment\nkey: s\ncondition: [\n");
  const std::string exp = dir.Write("b.yaml", R"(kind: experiment
key: e
segments: [s]
variants: [{key: a}, {key: b}]
)");
  LoadResult r = LoadDefinitions(dir.path());
  ASSERT_THAT(r.errors, SizeIs(1));  // no "unknown segment 's'" echo
  EXPECT_EQ(r.errors[0].file, broken);
  EXPECT_GT(r.errors[0].line, 0);
  EXPECT_THAT(r.errors[0].message, HasSubstr("invalid YAML"));
  EXPECT_THAT(r.files, ElementsAre(broken, exp));
  EXPECT_THAT(r.defs.experiments, SizeIs(1));
}

TEST(LoadDefinitions, MissingPathIsAnError) {
  TempDir dir;
  const std::string missing = dir.path() + "/nope.yaml";
  LoadResult r = LoadDefinitions(missing);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.files, IsEmpty());
  EXPECT_THAT(ErrorStrings(r), ElementsAre(absl::StrCat(
                                   missing, ": no such file or directory")));
}

TEST(LoadDefinitions, ReadFailureIsAnError) {
  // Reading /proc/self/mem from offset 0 fails with EIO even for root.
  const std::string file = "/proc/self/mem";
  ASSERT_TRUE(fs::exists(file)) << "cxlab tests run on Linux with /proc";
  LoadResult r = LoadDefinitions(file);
  ASSERT_THAT(r.errors, SizeIs(1));
  EXPECT_EQ(r.errors[0].file, file);
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_THAT(r.errors[0].message, HasSubstr("cannot read file"));
  EXPECT_THAT(r.files, IsEmpty());
}

TEST(LoadDefinitions, EmptyDirectoryIsEmpty) {
  TempDir dir;
  LoadResult r = LoadDefinitions(dir.path());
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.files, IsEmpty());
}

#ifdef CXLAB_SOURCE_DIR
// The example definitions shipped in experiments/ must always validate.
TEST(LoadDefinitions, ShippedExamplesValidate) {
  LoadResult r = LoadDefinitions(CXLAB_SOURCE_DIR "/experiments");
  EXPECT_THAT(ErrorStrings(r), IsEmpty());
  EXPECT_GE(r.files.size(), 6u);
  EXPECT_GE(r.defs.experiments.size(), 6u);
  EXPECT_GE(r.defs.segments.size(), 6u);
  EXPECT_GE(r.defs.metrics.size(), 8u);
  EXPECT_GE(r.defs.groups.size(), 2u);
  EXPECT_GE(r.defs.layers.size(), 1u);
  EXPECT_GE(r.defs.slots.size(), 3u);
}

// The shipped examples compile into a snapshot and behave as their comments
// say for a few typical visitors.
TEST(LoadDefinitions, ShippedExamplesBehaveAsDocumented) {
  LoadResult r = LoadDefinitions(CXLAB_SOURCE_DIR "/experiments");
  ASSERT_TRUE(r.ok());
  absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> built =
      engine::ConfigSnapshot::Build(std::move(r.defs), 1);
  ASSERT_TRUE(built.ok()) << built.status();
  const engine::ConfigSnapshot& snap = **built;
  auto experiment = [&](const char* key) {
    const engine::CompiledExperiment* e = snap.FindExperiment(key);
    EXPECT_NE(e, nullptr) << key;
    return e;
  };
  const absl::Time in_campaign = absl::FromCivil(
      absl::CivilSecond(2026, 12, 1, 12, 0, 0), absl::UTCTimeZone());
  const absl::Time before_campaign = absl::FromCivil(
      absl::CivilSecond(2026, 10, 15, 12, 0, 0), absl::UTCTimeZone());
  auto unit = [](const std::string& id, const char* attributes) {
    engine::Unit u;
    u.ids = {{"user", id}, {"device", "d-" + id}};
    absl::StatusOr<Value> parsed = engine::ParseJson(attributes);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    if (parsed.ok()) u.attributes = *parsed;
    return u;
  };

  // QA override on the checkout redesign.
  const engine::Unit qa =
      unit("qa-user-1",
           R"({"customer_id": "qa-user-1", "visits": 4, "last_visit_days": 2,
          "cart": {"items": 2}})");
  engine::UnitEvaluator qa_eval(snap, qa, in_campaign);
  engine::Assignment forced =
      qa_eval.Evaluate(*experiment("checkout_redesign"));
  EXPECT_EQ(forced.reason, engine::Reason::kForced);
  EXPECT_EQ(forced.variant_key(), "one_page");

  // A returning visitor with an empty cart is not targeted; a draft assigns
  // nobody; the hero banner waits for its schedule.
  const engine::Unit empty_cart =
      unit("u-1", R"({"visits": 4, "last_visit_days": 2, "cart": {"items": 0},
                 "interests": ["running"]})");
  engine::UnitEvaluator empty_eval(snap, empty_cart, before_campaign);
  EXPECT_EQ(empty_eval.Evaluate(*experiment("checkout_redesign")).reason,
            engine::Reason::kNotTargeted);
  EXPECT_EQ(empty_eval.Evaluate(*experiment("homepage_recommendations")).reason,
            engine::Reason::kNotRunning);
  EXPECT_EQ(empty_eval.Evaluate(*experiment("homepage_hero_banner")).reason,
            engine::Reason::kOutsideSchedule);

  // Over many visitors: the A/A test takes everyone and splits about 50/50;
  // the two pricing tests never share a visitor; the hero banner reaches
  // runners and families only; the launched test gives its winner.
  int aa_b = 0;
  int in_free_shipping = 0;
  int in_bundle = 0;
  int hero_assigned = 0;
  int launched = 0;
  constexpr int kUnits = 2000;
  for (int i = 0; i < kUnits; ++i) {
    const bool runner = i % 2 == 0;
    const engine::Unit u = unit(
        absl::StrCat("visitor-", i),
        runner ? R"({"interests": ["running"], "device": {"type": "mobile"}})"
               : R"({"interests": ["tennis"], "device": {"type": "pc"}})");
    engine::UnitEvaluator eval(snap, u, in_campaign);
    engine::Assignment aa =
        eval.Evaluate(*experiment("aa_randomization_check"));
    ASSERT_EQ(aa.reason, engine::Reason::kAssigned);
    aa_b += aa.variant_key() == "b";
    const bool free_shipping =
        eval.Evaluate(*experiment("free_shipping_threshold")).in_experiment();
    const bool bundle =
        eval.Evaluate(*experiment("bundle_discount")).in_experiment();
    EXPECT_FALSE(free_shipping && bundle) << i;
    in_free_shipping += free_shipping;
    in_bundle += bundle;
    engine::Assignment hero =
        eval.Evaluate(*experiment("homepage_hero_banner"));
    if (!runner) {
      EXPECT_FALSE(hero.in_experiment()) << i;
    }
    hero_assigned += hero.in_experiment();
    engine::Assignment express =
        eval.Evaluate(*experiment("express_checkout_button"));
    if (express.reason == engine::Reason::kLaunched) {
      ++launched;
      EXPECT_EQ(express.variant_key(), "wallet_button");
    }
  }
  EXPECT_NEAR(aa_b, kUnits / 2, 150);
  EXPECT_GT(in_free_shipping, kUnits * 0.4);
  EXPECT_GT(in_bundle, kUnits / 2 * 0.3);  // runners only, 45% of the layer
  EXPECT_GT(hero_assigned, kUnits / 2 * 0.9);
  EXPECT_GT(launched, kUnits / 2 * 0.9);  // mobile runners
}
#endif

}  // namespace
}  // namespace cxlab::client
