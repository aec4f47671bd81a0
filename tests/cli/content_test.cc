// Copyright 2026 The cxlab Authors.
//
// `cxlab content` against a real cxlabd started in-process (api::CxlabServer
// on a temporary data dir, port 0): the table and JSON output per persona,
// the slot default, an unknown slot (exit 1, the server's message) and bad
// flags (exit 2).

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "api/server/server.h"
#include "engine/json.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace cxlab::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::CommandResult;
using testing::Lines;
using testing::RunInProcess;
using testing::TempDir;

constexpr char kAdminKey[] = "test-admin-key-0123456789";

constexpr char kSlotsYaml[] = R"(kind: segment
key: runners
condition: {interests: {$elemMatch: {$eq: running}}}
---
kind: segment
key: families
condition: {children: {$gt: 0}}
---
kind: slot
key: home.hero
default_content: {title: Welcome}
rules:
  - key: families
    segments: [families]
    priority: 10
    content: {title: Kids gear}
  - key: runners
    segments: [runners, families]
    priority: 20
    content: {title: Run}
---
kind: slot
key: checkout.hint
default_content: Free returns
)";

// The cells of a table line: columns are separated by two or more spaces
// (a cell may hold single spaces).
std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  for (absl::string_view part : absl::StrSplit(line, "  ", absl::SkipEmpty())) {
    part = absl::StripLeadingAsciiWhitespace(part);
    if (!part.empty()) cells.emplace_back(part);
  }
  return cells;
}

class ContentCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("CXLAB_SERVER");
    unsetenv("CXLAB_KEY");
    api::ServerOptions options;
    options.data_dir = dir_.path() + "/data";
    options.grpc_port = 0;
    options.admin_key = kAdminKey;
    absl::StatusOr<std::unique_ptr<api::CxlabServer>> server =
        api::CxlabServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    const std::string file = dir_.path() + "/slots.yaml";
    std::ofstream(file) << kSlotsYaml;
    CommandResult applied = Cli({"apply", "-f", file});
    ASSERT_EQ(applied.exit_code, 0) << applied.err;
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
  }

  CommandResult Cli(const std::vector<std::string>& args) {
    std::vector<std::string> full = {"--server", server_->address(), "--key",
                                     kAdminKey};
    full.insert(full.end(), args.begin(), args.end());
    return RunInProcess(full);
  }

  TempDir dir_;
  std::unique_ptr<api::CxlabServer> server_;
};

TEST_F(ContentCommandTest, PrintsOneRowPerSlot) {
  CommandResult r =
      Cli({"content", "--unit", "v-1", "--attr", R"(interests=["running"])",
           "--attr", "children=2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_THAT(Cells(lines[0]),
              ElementsAre("slot", "reason", "rule", "personas", "experiment",
                          "variant", "content"));
  // Every slot, ordered by key.
  EXPECT_THAT(Cells(lines[1]), ElementsAre("checkout.hint", "default", "-",
                                           "-", "-", "-", R"("Free returns")"));
  EXPECT_THAT(Cells(lines[2]),
              ElementsAre("home.hero", "rule", "families", "families", "-", "-",
                          R"({"title":"Kids gear"})"));

  // Only the runners rule's matching persona is listed.
  r = Cli({"content", "--unit", "v-2", "--attr", R"(interests=["running"])",
           "--slot", "home.hero"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_THAT(Cells(lines[1]), ElementsAre("home.hero", "rule", "runners",
                                           "runners", "-", "-",
                                           R"({"title":"Run"})"));
}

TEST_F(ContentCommandTest, JsonOutputIsTheResponse) {
  CommandResult r = Cli({"content", "--unit", "v-1", "--slot", "home.hero",
                         "--no-exposure", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<engine::Value> doc = engine::ParseJson(r.out);
  ASSERT_TRUE(doc.ok()) << doc.status() << "\n" << r.out;
  const engine::Value* contents = doc->Find("contents");
  ASSERT_NE(contents, nullptr) << r.out;
  ASSERT_EQ(contents->items().size(), 1u);
  const engine::Value& hero = contents->items()[0];
  EXPECT_EQ(hero.Find("slot")->as_string(), "home.hero");
  EXPECT_EQ(hero.Find("reason")->as_string(), "default");
  EXPECT_TRUE(hero.Find("isDefault")->as_bool());
  EXPECT_EQ(engine::ToJson(*hero.Find("content")), R"({"title":"Welcome"})");
}

TEST_F(ContentCommandTest, UnknownSlotAndBadFlags) {
  CommandResult r = Cli({"content", "--unit", "v-1", "--slot", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err,
              HasSubstr("INVALID_ARGUMENT: slots[0]: unknown slot 'nope'"));
  r = Cli({"content", "--slot", "home.hero"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = Cli({"content", "--unit", "v-1", "--id", "user=x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--id user=x: the unit type of --unit is user"));
  r = Cli({"content", "--unit", "v-1", "--attributes", "[1]"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(ContentCommandTest, BanditShowsTheLearnedWeights) {
  const std::string file = dir_.path() + "/bandit.yaml";
  std::ofstream(file) << R"(kind: metric
key: clicks
type: binomial
event: click
---
kind: experiment
key: reco
status: running
variants:
  - key: a
  - key: b
metrics: [clicks]
bandit:
  metric: clicks
  interval_minutes: 60
  min_share: 0.1
)";
  CommandResult applied = Cli({"apply", "-f", file});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  CommandResult r = Cli({"bandit", "reco", "--history", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::StartsWith("reco: "));
  EXPECT_THAT(r.out, ::testing::HasSubstr("metric clicks, every 60 min, "
                                          "min share 10%"));
  r = Cli({"bandit", "reco", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr(R"("variantKeys":["a","b"])"));
  // Not a bandit, unknown, bad flags.
  r = Cli({"bandit", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, ::testing::HasSubstr("NOT_FOUND"));
  r = Cli({"bandit", "reco", "--history", "-1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, ::testing::HasSubstr("--history: must be >= 0, got -1"));
}

}  // namespace
}  // namespace cxlab::cli
