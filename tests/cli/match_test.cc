// Copyright 2026 The cxlab Authors.

#include <sstream>
#include <string>
#include <vector>

#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/match_command.h"
#include "engine/json.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace cxlab::cli {
namespace {

using testing::CommandResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Lines;
using testing::RunBinary;
using testing::RunInProcess;
using ::testing::SizeIs;
using ::testing::StartsWith;
using testing::TempDir;

CommandResult Match(TempDir& dir, const std::string& condition,
                    const std::string& attributes) {
  return RunBinary(
      dir, {"match", "--condition", condition, "--attributes", attributes});
}

TEST(MatchCommand, PrintsTrueOrFalse) {
  TempDir dir;
  CommandResult yes =
      Match(dir, R"({"age": {"$gte": 18}, "country": {"$in": ["US", "CA"]}})",
            R"({"age": 30, "country": "CA"})");
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  EXPECT_EQ(yes.out, "true\n");
  EXPECT_EQ(yes.err, "");

  CommandResult no = Match(dir, R"({"age": {"$gte": 18}})", R"({"age": 12})");
  EXPECT_EQ(no.exit_code, 0);
  EXPECT_EQ(no.out, "false\n");

  EXPECT_EQ(Match(dir, "{}", "{}").out, "true\n");
  EXPECT_EQ(Match(dir, R"({"address.city": "Paris"})",
                  R"({"address": {"city": "Paris"}})")
                .out,
            "true\n");
  EXPECT_EQ(Match(dir, R"({"interests": {"$elemMatch": {"$eq": "running"}}})",
                  R"({"interests": ["yoga", "running"]})")
                .out,
            "true\n");
  EXPECT_EQ(Match(dir, R"({"app_version": {"$vgte": "3.2.0"}})",
                  R"({"app_version": "3.10.1"})")
                .out,
            "true\n");
}

TEST(MatchCommand, Groups) {
  TempDir dir;
  const std::string condition = R"({"id": {"$inGroup": "vip"}})";
  const std::string groups = R"({"vip": ["u1", 7]})";
  CommandResult in =
      RunBinary(dir, {"match", "--condition", condition, "--attributes",
                      R"({"id": 7})", "--groups", groups});
  EXPECT_EQ(in.out, "true\n") << in.err;
  CommandResult strict =
      RunBinary(dir, {"match", "--condition", condition, "--attributes",
                      R"({"id": "7"})", "--groups", groups});
  EXPECT_EQ(strict.out, "false\n") << strict.err;
  CommandResult no_groups = Match(dir, condition, R"({"id": "u1"})");
  EXPECT_EQ(no_groups.out, "false\n") << no_groups.err;
}

TEST(MatchCommand, BadInputExitsTwoWithOneLine) {
  TempDir dir;
  const std::vector<std::vector<std::string>> cases = {
      {"match", "--condition", "{", "--attributes", "{}"},
      {"match", "--condition", "{}", "--attributes", "{\"a\" 1}"},
      {"match", "--condition", R"({"a": {"$bogus": 1}})", "--attributes", "{}"},
      {"match", "--condition", R"({"a": {"$regex": "("}})", "--attributes",
       "{}"},
      {"match", "--condition", "[1]", "--attributes", "{}"},
      {"match", "--condition", "{}", "--attributes", "\"str\""},
      {"match", "--condition", "{}", "--attributes", "{}", "--groups",
       R"({"g": "not-a-list"})"},
      {"match", "--condition", "{}"},
      {"match", "--attributes", "{}"},
      {"match", "--batch", "--condition", "{}"},
      {"match", "--condition", "{}", "--attributes", "{}", "--nope"},
  };
  for (const auto& args : cases) {
    CommandResult r = RunBinary(dir, args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined;
    EXPECT_EQ(r.out, "") << joined;
    EXPECT_THAT(Lines(r.err), SizeIs(1)) << joined << "\n" << r.err;
    EXPECT_THAT(r.err, StartsWith("cxlab: ")) << joined;
  }
  CommandResult json = Match(dir, "{1}", "{}");
  EXPECT_EQ(json.err,
            "cxlab: --condition: line 1, column 2: expected a string object "
            "key\n");
}

TEST(MatchCommand, BatchAnswersEveryLine) {
  TempDir dir;
  const std::string input =
      R"({"condition": {"a": 1}, "attributes": {"a": 1}})"
      "\n"
      R"({"condition": {"a": 1}, "attributes": {"a": 2}})"
      "\n"
      "\n"
      "this is not json\n"
      R"({"attributes": {"a": 1}})"
      "\n"
      R"({"condition": {"a": {"$nope": 1}}, "attributes": {}})"
      "\n"
      "   \r\n"
      R"({"condition": {"id": {"$inGroup": "g"}}, "attributes": {"id": "x"}, "groups": {"g": ["x"]}})"
      "\n"
      R"({"condition": {}})"
      "\n"
      R"([1, 2])"
      "\n"
      R"({"condition": {}, "attribute": {}})";  // no final newline
  CommandResult r = RunBinary(dir, {"match", "--batch"}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_THAT(lines, SizeIs(9)) << r.out;
  EXPECT_EQ(lines[0], "true");
  EXPECT_EQ(lines[1], "false");
  EXPECT_EQ(lines[5], "true");
  EXPECT_EQ(lines[6], "true");
  for (int i : {2, 3, 4, 7, 8}) {
    absl::StatusOr<engine::Value> error = engine::ParseJson(lines[i]);
    ASSERT_TRUE(error.ok()) << lines[i];
    ASSERT_TRUE(error->is_object()) << lines[i];
    ASSERT_THAT(error->members(), SizeIs(1)) << lines[i];
    const engine::Value* message = error->Find("error");
    ASSERT_NE(message, nullptr) << lines[i];
    EXPECT_TRUE(message->is_string());
    EXPECT_FALSE(message->as_string().empty());
  }
  EXPECT_THAT(lines[3], HasSubstr("condition"));
  EXPECT_THAT(lines[4], HasSubstr("$nope"));
  EXPECT_THAT(lines[8], HasSubstr("attribute"));
}

TEST(MatchCommand, BatchErrorsAreValidUtf8) {
  TempDir dir;
  CommandResult r = RunBinary(dir, {"match", "--batch"}, "\xff\xfe\n");
  EXPECT_EQ(r.exit_code, 0);
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_THAT(lines[0], StartsWith("{\"error\":"));
  EXPECT_EQ(lines[0].find('\xff'), std::string::npos) << lines[0];
  // The engine names the bad byte as an escape, never as the raw byte.
  EXPECT_THAT(lines[0], HasSubstr("unexpected character '\\\\xff'"));
}

TEST(MatchCommand, BatchOfNothingPrintsNothing) {
  TempDir dir;
  CommandResult r = RunBinary(dir, {"match", "--batch"}, "\n\n");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST(MatchCommand, RunMatchDirectly) {
  MatchOptions options;
  options.condition = R"({"plan": {"$ne": "free"}})";
  options.attributes = R"({"plan": "pro"})";
  std::istringstream in;
  std::ostringstream out, err;
  EXPECT_EQ(RunMatch(options, in, out, err), kExitOk);
  EXPECT_EQ(out.str(), "true\n");

  MatchOptions batch;
  batch.batch = true;
  std::istringstream lines(
      "{\"condition\": {\"x\": {\"$exists\": true}}}\n{]\n");
  std::ostringstream out2, err2;
  EXPECT_EQ(RunMatch(batch, lines, out2, err2), kExitOk);
  EXPECT_THAT(Lines(out2.str()),
              ElementsAre("false", StartsWith("{\"error\":\"line 1, column")));

  EXPECT_EQ(*MatchBatchLine(R"({"condition": {}, "attributes": null})"), true);
  EXPECT_FALSE(MatchBatchLine(R"({"condition": 5})").ok());
}

TEST(MatchCommand, InProcessMatchesSubprocess) {
  CommandResult r =
      RunInProcess({"match", "--condition", R"({"n": {"$gt": 1}})",
                    "--attributes", R"({"n": 2})"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "true\n");
}

}  // namespace
}  // namespace cxlab::cli
