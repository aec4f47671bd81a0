// Copyright 2026 The cxlab Authors.

#include <sstream>
#include <string>
#include <vector>

#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/eval_command.h"
#include "engine/json.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace cxlab::cli {
namespace {

using engine::ParseJson;
using engine::Value;
using testing::CommandResult;
using ::testing::HasSubstr;
using testing::kDefinitionsYaml;
using testing::kNow;
using testing::Lines;
using testing::RunBinary;
using ::testing::SizeIs;
using ::testing::StartsWith;
using testing::TempDir;

// The assignment object for `experiment` in an eval JSON document, or null.
Value FindAssignment(const Value& doc, const std::string& experiment) {
  const Value* list = doc.Find("assignments");
  if (list == nullptr) return Value();
  for (const Value& a : list->items()) {
    const Value* key = a.Find("experiment");
    if (key != nullptr && key->as_string() == experiment) return a;
  }
  return Value();
}

std::string Field(const Value& assignment, const std::string& name) {
  const Value* v = assignment.Find(name);
  if (v == nullptr) return "<missing>";
  if (v->is_null()) return "<null>";
  return v->is_string() ? v->as_string() : engine::ToJson(*v);
}

class EvalTest : public ::testing::Test {
 protected:
  EvalTest() : defs_(dir_.Write("defs.yaml", kDefinitionsYaml)) {}

  // Runs `cxlab eval -f defs --now kNow ARGS...`.
  CommandResult Eval(std::vector<std::string> args) {
    std::vector<std::string> full = {"eval", "-f", defs_, "--now", kNow};
    full.insert(full.end(), args.begin(), args.end());
    return RunBinary(dir_, full);
  }

  // Runs eval with --output json and parses stdout.
  Value EvalJson(std::vector<std::string> args) {
    args.push_back("--output");
    args.push_back("json");
    CommandResult r = Eval(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    absl::StatusOr<Value> doc = ParseJson(r.out);
    EXPECT_TRUE(doc.ok()) << doc.status() << "\n" << r.out;
    return doc.ok() ? *doc : Value();
  }

  TempDir dir_;
  std::string defs_;
};

TEST_F(EvalTest, ForcedUnitGetsItsVariantAndPayload) {
  Value doc = EvalJson({"--unit", "qa-green"});
  EXPECT_EQ(Field(doc, "unit"), "qa-green");
  Value a = FindAssignment(doc, "checkout_button");
  EXPECT_EQ(Field(a, "variant"), "green");
  EXPECT_EQ(Field(a, "reason"), "forced");
  EXPECT_EQ(Field(a, "payload"), R"({"color":"green"})");
}

TEST_F(EvalTest, JsonListsRunningExperimentsInDefinitionOrder) {
  Value doc = EvalJson({"--unit", "u-1"});
  const Value* list = doc.Find("assignments");
  ASSERT_NE(list, nullptr);
  std::vector<std::string> keys;
  for (const Value& a : list->items()) keys.push_back(Field(a, "experiment"));
  EXPECT_THAT(keys, ::testing::ElementsAre(
                        "checkout_button", "returning_banner", "big_cart_offer",
                        "three_way", "beta_feature", "summer_sale"));
  Value a = FindAssignment(doc, "checkout_button");
  EXPECT_EQ(Field(a, "reason"), "assigned");
  EXPECT_THAT(Field(a, "variant"), ::testing::AnyOf("control", "green"));
  EXPECT_EQ(Field(FindAssignment(doc, "summer_sale"), "reason"),
            "outside_schedule");
  EXPECT_EQ(Field(FindAssignment(doc, "summer_sale"), "variant"), "<null>");
  EXPECT_EQ(Field(FindAssignment(doc, "summer_sale"), "payload"), "<null>");
}

TEST_F(EvalTest, SameUnitTwiceGivesTheSameOutput) {
  CommandResult first = Eval({"--unit", "visitor-42", "--output", "json"});
  CommandResult second = Eval({"--unit", "visitor-42", "--output", "json"});
  EXPECT_EQ(first.exit_code, 0);
  EXPECT_EQ(first.out, second.out);
  CommandResult table1 = Eval({"--unit", "visitor-42"});
  CommandResult table2 = Eval({"--unit", "visitor-42"});
  EXPECT_EQ(table1.out, table2.out);
}

TEST_F(EvalTest, DraftExperimentOnlyWithAll) {
  Value active = EvalJson({"--unit", "u-1"});
  EXPECT_TRUE(FindAssignment(active, "draft_idea").is_null());
  Value all = EvalJson({"--unit", "u-1", "--all"});
  Value draft = FindAssignment(all, "draft_idea");
  EXPECT_EQ(Field(draft, "reason"), "not_running");
  EXPECT_EQ(Field(draft, "variant"), "<null>");
}

TEST_F(EvalTest, TableIsAligned) {
  CommandResult r = Eval({"--unit", "qa-green", "--all"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_THAT(lines, SizeIs(8));  // header + 7 experiments
  EXPECT_THAT(lines[0], StartsWith("experiment"));
  const size_t variant_col = lines[0].find("variant");
  const size_t reason_col = lines[0].find("reason");
  ASSERT_NE(variant_col, std::string::npos);
  ASSERT_NE(reason_col, std::string::npos);
  for (const std::string& line : lines) {
    EXPECT_NE(line[variant_col], ' ') << line;
    EXPECT_EQ(line[variant_col - 1], ' ') << line;
    EXPECT_NE(line[reason_col], ' ') << line;
    EXPECT_EQ(line[reason_col - 1], ' ') << line;
  }
  EXPECT_THAT(r.out, HasSubstr("checkout_button"));
  EXPECT_THAT(lines[1].substr(variant_col), StartsWith("green"));
  EXPECT_THAT(lines[1].substr(reason_col), StartsWith("forced"));
}

TEST_F(EvalTest, SegmentsAndConditionsSeeAttributes) {
  Value plain = EvalJson({"--unit", "u-7"});
  EXPECT_EQ(Field(FindAssignment(plain, "returning_banner"), "reason"),
            "not_targeted");
  EXPECT_EQ(Field(FindAssignment(plain, "big_cart_offer"), "reason"),
            "not_targeted");
  EXPECT_EQ(Field(FindAssignment(plain, "beta_feature"), "reason"),
            "not_targeted");

  // --attr values are JSON when they parse; dots nest.
  Value targeted = EvalJson({"--unit", "u-7", "--attr", "is_returning=true",
                             "--attr", "cart.items=3", "--attr", "id=beta-2"});
  EXPECT_EQ(Field(FindAssignment(targeted, "returning_banner"), "reason"),
            "assigned");
  EXPECT_EQ(Field(FindAssignment(targeted, "big_cart_offer"), "reason"),
            "assigned");
  EXPECT_EQ(Field(FindAssignment(targeted, "beta_feature"), "reason"),
            "assigned");

  // --attributes, with --attr applied on top.
  Value merged = EvalJson({"--unit", "u-7", "--attributes",
                           R"({"is_returning": true, "cart": {"items": 1}})",
                           "--attr", "cart.items=5"});
  EXPECT_EQ(Field(FindAssignment(merged, "returning_banner"), "reason"),
            "assigned");
  EXPECT_EQ(Field(FindAssignment(merged, "big_cart_offer"), "reason"),
            "assigned");
}

TEST_F(EvalTest, NowSelectsTheScheduleWindow) {
  CommandResult r =
      RunBinary(dir_, {"eval", "-f", defs_, "--unit", "u-1", "--now",
                       "2030-07-01T00:00:00Z", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<Value> doc = ParseJson(r.out);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Field(FindAssignment(*doc, "summer_sale"), "reason"), "assigned");
}

TEST_F(EvalTest, OtherUnitTypesViaId) {
  // With only a device id, user-randomised experiments have no unit id.
  Value doc = EvalJson({"--unit", "d-1", "--unit-type", "device"});
  EXPECT_EQ(Field(FindAssignment(doc, "checkout_button"), "reason"),
            "missing_unit_id");
  Value both = EvalJson(
      {"--unit", "d-1", "--unit-type", "device", "--id", "user=qa-green"});
  EXPECT_EQ(Field(FindAssignment(both, "checkout_button"), "reason"), "forced");
  EXPECT_EQ(Field(both, "unit"), "d-1");
}

TEST_F(EvalTest, UnitsFilePrintsOneJsonLinePerUnit) {
  std::string units = dir_.Write("units.txt", "u-1\n\nqa-green\r\n  u-3  \n\n");
  CommandResult r = Eval({"--units-file", units});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_THAT(lines, SizeIs(3));
  const char* expected_units[] = {"u-1", "qa-green", "u-3"};
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::StatusOr<Value> doc = ParseJson(lines[i]);
    ASSERT_TRUE(doc.ok()) << lines[i];
    EXPECT_EQ(Field(*doc, "unit"), expected_units[i]);
    EXPECT_THAT(doc->Find("assignments")->items(), SizeIs(6));
  }
  // Same shape and content as --unit ... --output json.
  CommandResult single = Eval({"--unit", "qa-green", "--output", "json"});
  EXPECT_EQ(lines[1] + "\n", single.out);
}

TEST_F(EvalTest, BadInputExitsTwoWithOneLine) {
  const std::vector<std::vector<std::string>> cases = {
      {"--unit", "u", "--attributes", "{1: 2}"},
      {"--unit", "u", "--attributes", "[1, 2]"},
      {"--unit", "u", "--attr", "no-equals-sign"},
      {"--unit", "u", "--attr", "=value"},
      {"--unit", "u", "--attr", "a=1", "--attr", "a.b=2"},
      {"--unit", "u", "--attr", "a..b=2"},
      {"--unit", "u", "--id", "nonsense"},
      {"--unit", "u", "--now", "yesterday"},
      {"--unit", "u", "--output", "xml"},
      {"--unit", "u", "--bogus"},
      {"--units-file", "/nonexistent/units.txt"},
      {"--unit", "u", "--units-file", "/nonexistent/units.txt"},
      {},  // neither --unit nor --units-file
  };
  for (const auto& args : cases) {
    CommandResult r = Eval(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined;
    EXPECT_EQ(r.out, "") << joined;
    EXPECT_THAT(Lines(r.err), SizeIs(1)) << joined << "\n" << r.err;
    EXPECT_THAT(r.err, StartsWith("cxlab: ")) << joined;
  }
  CommandResult json = Eval({"--unit", "u", "--attributes", "{1: 2}"});
  EXPECT_EQ(json.err,
            "cxlab: --attributes: line 1, column 2: expected a string object "
            "key\n");
}

TEST_F(EvalTest, InvalidDefinitionsExitTwoListingErrors) {
  std::string bad = dir_.Write("bad.yaml", R"yaml(kind: experiment
key: bad
status: running
variants: [{key: a, weight: 0.7}, {key: b, weight: 0.7}]
)yaml");
  CommandResult r =
      RunBinary(dir_, {"eval", "-f", bad, "--unit", "u", "--now", kNow});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  std::vector<std::string> lines = Lines(r.err);
  ASSERT_THAT(lines, SizeIs(2)) << r.err;
  EXPECT_THAT(lines[0], StartsWith(bad + ":"));
  EXPECT_EQ(lines[1], "cxlab: invalid definitions in " + bad + ": 1 error");

  CommandResult missing = RunBinary(
      dir_, {"eval", "-f", dir_.path() + "/nope.yaml", "--unit", "u"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(Lines(missing.err), SizeIs(1));
}

TEST(EvalCommand, RunEvalDirectly) {
  TempDir dir;
  EvalOptions options;
  options.path = dir.Write("defs.yaml", kDefinitionsYaml);
  options.unit = "qa-green";
  options.now = kNow;
  options.output = "json";
  std::ostringstream out, err;
  ASSERT_EQ(RunEval(options, out, err), kExitOk) << err.str();
  absl::StatusOr<Value> doc = ParseJson(out.str());
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Field(FindAssignment(*doc, "checkout_button"), "variant"), "green");

  options.attrs = {"broken"};
  std::ostringstream out2, err2;
  EXPECT_EQ(RunEval(options, out2, err2), kExitUsage);
  EXPECT_EQ(err2.str(), "cxlab: --attr broken: expected key=value\n");
}

TEST(EvalCommand, AttributeHelpers) {
  EXPECT_EQ(ParseAttrValue("3"), Value(3));
  EXPECT_EQ(ParseAttrValue("2.5"), Value(2.5));
  EXPECT_EQ(ParseAttrValue("true"), Value(true));
  EXPECT_EQ(ParseAttrValue("null"), Value());
  EXPECT_EQ(ParseAttrValue("US"), Value("US"));
  EXPECT_EQ(ParseAttrValue("\"42\""), Value("42"));
  EXPECT_EQ(ParseAttrValue(""), Value(""));
  EXPECT_TRUE(ParseAttrValue(R"(["a", 1])").is_array());

  absl::StatusOr<Value> attrs = BuildAttributes(R"({"a": {"x": 1}, "n": 0})",
                                                {"a.y=2", "b.c.d=deep", "n=7"});
  ASSERT_TRUE(attrs.ok()) << attrs.status();
  EXPECT_EQ(engine::ToJson(*attrs),
            R"({"a":{"x":1,"y":2},"n":7,"b":{"c":{"d":"deep"}}})");

  EXPECT_FALSE(BuildAttributes(std::nullopt, {"n=1", "n.m=2"}).ok());
  EXPECT_FALSE(BuildAttributes(std::string("3"), {}).ok());

  auto ids = ParseUnitIds({"device=d-1", "account=acme=co"});
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ((*ids)[1].second, "acme=co");
  EXPECT_FALSE(ParseUnitIds({"device=a", "device=b"}).ok());
}

}  // namespace
}  // namespace cxlab::cli
