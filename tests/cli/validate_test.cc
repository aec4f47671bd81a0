// Copyright 2026 The cxlab Authors.

#include <sstream>
#include <string>

#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/validate_command.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace cxlab::cli {
namespace {

using testing::CommandResult;
using ::testing::HasSubstr;
using testing::kDefinitionsYaml;
using testing::Lines;
using testing::RunBinary;
using testing::RunInProcess;
using ::testing::SizeIs;
using ::testing::StartsWith;
using testing::TempDir;

constexpr char kBadWeights[] = R"yaml(kind: experiment
key: bad_weights
status: running
variants:
  - {key: a, weight: 0.5}
  - {key: b, weight: 0.4}
---
kind: experiment
key: lonely
status: running
segments: [no_such_segment]
variants: [{key: a}, {key: b}]
)yaml";

TEST(ValidateCommand, ValidFilePrintsSummaryAndExitsZero) {
  TempDir dir;
  std::string file = dir.Write("defs.yaml", kDefinitionsYaml);
  CommandResult r = RunBinary(dir, {"validate", "-f", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "ok: 7 experiments, 1 segments, 1 groups, 1 metrics, 1 layers in "
            "1 files\n");
  EXPECT_EQ(r.err, "");
}

TEST(ValidateCommand, DirectoryCountsEveryFile) {
  TempDir dir;
  dir.Write("defs/all.yaml", kDefinitionsYaml);
  dir.Write("defs/more/extra.yaml",
            "kind: segment\nkey: mobile\ncondition: {device: mobile}\n");
  dir.Write("defs/README.txt", "not a definitions file");
  CommandResult r =
      RunBinary(dir, {"validate", "--file", dir.path() + "/defs"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "ok: 7 experiments, 2 segments, 1 groups, 1 metrics, 1 layers in "
            "2 files\n");
}

TEST(ValidateCommand, InvalidDefinitionsListEveryErrorAndExitOne) {
  TempDir dir;
  std::string file = dir.Write("bad.yaml", kBadWeights);
  CommandResult r = RunBinary(dir, {"validate", "-f", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  std::vector<std::string> lines = Lines(r.err);
  ASSERT_THAT(lines, SizeIs(3)) << r.err;
  EXPECT_THAT(lines[0], StartsWith(file + ":"));
  EXPECT_THAT(lines[0], HasSubstr("weight"));
  EXPECT_THAT(lines[1], StartsWith(file + ":"));
  EXPECT_THAT(lines[1], HasSubstr("no_such_segment"));
  EXPECT_EQ(lines[2], "invalid: 2 errors in 1 file");
}

TEST(ValidateCommand, SyntaxErrorExitsOne) {
  TempDir dir;
  std::string file = dir.Write("broken.yaml", "kind: experiment\nkey: [oops\n");
  CommandResult r = RunBinary(dir, {"validate", "-f", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(file));
  EXPECT_THAT(Lines(r.err).back(), StartsWith("invalid: "));
}

TEST(ValidateCommand, MissingPathExitsTwoWithOneLine) {
  TempDir dir;
  CommandResult r =
      RunBinary(dir, {"validate", "-f", dir.path() + "/does-not-exist"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  ASSERT_THAT(Lines(r.err), SizeIs(1));
  EXPECT_THAT(r.err, StartsWith("cxlab: -f "));
  EXPECT_THAT(r.err, HasSubstr("does-not-exist"));
}

TEST(ValidateCommand, MissingFlagExitsTwo) {
  TempDir dir;
  CommandResult r = RunBinary(dir, {"validate"});
  EXPECT_EQ(r.exit_code, 2);
  ASSERT_THAT(Lines(r.err), SizeIs(1));
  EXPECT_THAT(r.err, StartsWith("cxlab: "));
  EXPECT_THAT(r.err, HasSubstr("--file"));
}

TEST(ValidateCommand, UnknownFlagExitsTwo) {
  TempDir dir;
  std::string file = dir.Write("defs.yaml", kDefinitionsYaml);
  CommandResult r = RunBinary(dir, {"validate", "-f", file, "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  ASSERT_THAT(Lines(r.err), SizeIs(1));
  EXPECT_THAT(r.err, HasSubstr("--bogus"));
}

TEST(ValidateCommand, RepositoryExperimentsAreValid) {
  TempDir dir;
  CommandResult r = RunBinary(
      dir, {"validate", "-f", std::string(CXLAB_SOURCE_DIR) + "/experiments"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("ok: "));
}

TEST(ValidateCommand, RunValidateDirectly) {
  TempDir dir;
  ValidateOptions options;
  options.path = dir.Write("defs.json",
                           R"([{"kind": "segment", "key": "us",
                                "condition": {"country": "US"}}])");
  std::ostringstream out, err;
  EXPECT_EQ(RunValidate(options, out, err), kExitOk) << err.str();
  EXPECT_EQ(out.str(),
            "ok: 0 experiments, 1 segments, 0 groups, 0 metrics, 0 layers in "
            "1 files\n");

  options.path = dir.Write("bad.yaml", kBadWeights);
  std::ostringstream out2, err2;
  EXPECT_EQ(RunValidate(options, out2, err2), kExitInvalidDefinitions);
  EXPECT_THAT(Lines(err2.str()), SizeIs(3));
}

TEST(Cli, HelpAndVersionExitZero) {
  TempDir dir;
  CommandResult help = RunBinary(dir, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("validate"));
  EXPECT_THAT(help.out, HasSubstr("simulate"));

  CommandResult eval_help = RunBinary(dir, {"eval", "--help"});
  EXPECT_EQ(eval_help.exit_code, 0);
  EXPECT_THAT(eval_help.out, HasSubstr("--units-file"));

  CommandResult version = RunBinary(dir, {"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, std::string("cxlab ") + CXLAB_PROJECT_VERSION + "\n");
}

TEST(Cli, NoCommandOrUnknownCommandExitsTwo) {
  TempDir dir;
  CommandResult none = RunBinary(dir, {});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(Lines(none.err), SizeIs(1));
  EXPECT_THAT(none.err, StartsWith("cxlab: "));

  CommandResult unknown = RunInProcess({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(Lines(unknown.err), SizeIs(1));
}

}  // namespace
}  // namespace cxlab::cli
