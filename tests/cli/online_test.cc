// Copyright 2026 The cxlab Authors.
//
// The online commands of `cxlab` against a real cxlabd started in-process
// (api::CxlabServer on a temporary data dir, port 0): RunCli in-process and
// the cxlab binary as a subprocess.

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "api/server/server.h"
#include "engine/json.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace cxlab::cli {
namespace {

using ::testing::AllOf;
using testing::CommandResult;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kDefinitionsYaml;
using testing::Lines;
using ::testing::Not;
using testing::RunBinary;
using testing::RunInProcess;
using ::testing::SizeIs;
using ::testing::StartsWith;
using testing::TempDir;

constexpr char kAdminKey[] = "test-admin-key-0123456789";

std::string Experiments() {
  return std::string(CXLAB_SOURCE_DIR) + "/experiments";
}

// The whitespace-separated cells of a table line.
std::vector<std::string> Cells(const std::string& line) {
  return absl::StrSplit(line, ' ', absl::SkipEmpty());
}

// Parses one JSON document; fails the test when it does not parse.
engine::Value Json(const std::string& text) {
  absl::StatusOr<engine::Value> v = engine::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status() << "\n" << text;
  return v.ok() ? *v : engine::Value();
}

// A free TCP port on 127.0.0.1 with nothing listening on it.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class OnlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The tests name the server and key explicitly.
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
    address_ = server_->address();
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
  }

  // `cxlab --server ADDR --key ADMIN ARGS...` in-process.
  CommandResult Cli(const std::vector<std::string>& args,
                    const std::string& key = kAdminKey) {
    std::vector<std::string> full = {"--server", address_};
    if (!key.empty()) {
      full.push_back("--key");
      full.push_back(key);
    }
    full.insert(full.end(), args.begin(), args.end());
    return RunInProcess(full);
  }

  // The same through the cxlab binary.
  CommandResult Binary(const std::vector<std::string>& args,
                       const std::string& key = kAdminKey) {
    std::vector<std::string> full = {"--server", address_};
    if (!key.empty()) {
      full.push_back("--key");
      full.push_back(key);
    }
    full.insert(full.end(), args.begin(), args.end());
    return RunBinary(dir_, full);
  }

  void ApplyExperiments() {
    CommandResult r = Cli({"apply", "-f", Experiments()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // Creates a key with `role` and returns its secret.
  std::string CreateKey(const std::string& role, std::string* id = nullptr) {
    CommandResult r = Cli({"keys", "create", "--role", role, "--name",
                           "test-" + role, "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    engine::Value doc = Json(r.out);
    const engine::Value* secret = doc.Find("secret");
    const engine::Value* key = doc.Find("key");
    if (secret == nullptr || key == nullptr) return "";
    if (id != nullptr) *id = key->Find("id")->as_string();
    return secret->as_string();
  }

  TempDir dir_;
  std::unique_ptr<api::CxlabServer> server_;
  std::string address_;
};

TEST_F(OnlineTest, ApplyCreatesThenReportsEverythingUnchanged) {
  CommandResult first = Cli({"apply", "-f", Experiments()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.err, "");
  std::vector<std::string> lines = Lines(first.out);
  EXPECT_THAT(lines, Contains("created experiment checkout_redesign"));
  EXPECT_THAT(lines, Contains("created segment runners"));
  EXPECT_THAT(lines, Contains("created metric revenue"));
  EXPECT_THAT(lines, Contains("created layer pricing"));
  EXPECT_THAT(lines, Contains("created slot home.hero"));
  EXPECT_THAT(lines, Contains("created slot home.recommendations"));
  EXPECT_THAT(lines.back(), StartsWith("applied "));
  EXPECT_THAT(lines.back(),
              HasSubstr(" 0 updated, 0 unchanged; config version"));

  CommandResult second = Binary({"apply", "-f", Experiments()});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  std::vector<std::string> again = Lines(second.out);
  ASSERT_EQ(again.size(), lines.size());
  for (size_t i = 0; i + 1 < again.size(); ++i) {
    EXPECT_THAT(again[i], StartsWith("unchanged ")) << again[i];
  }
  EXPECT_THAT(again.back(), HasSubstr(": 0 created, 0 updated, "));
  // Nothing changed, so the config version is the same.
  EXPECT_EQ(lines.back().substr(lines.back().find("config version")),
            again.back().substr(again.back().find("config version")));
}

TEST_F(OnlineTest, ApplyPrintsChangedFieldsAndJson) {
  ApplyExperiments();
  std::string file = dir_.Write("runners.yaml", R"yaml(
kind: segment
key: runners
name: Runners
condition: {interests: {$elemMatch: {$eq: trail}}}
)yaml");
  CommandResult r = Cli({"apply", "-f", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Lines(r.out),
              ElementsAre("updated segment runners (condition, description)",
                          StartsWith("applied 1 object: 0 created, 1 updated, "
                                     "0 unchanged; config version ")));

  CommandResult json = Cli({"apply", "-f", file, "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  engine::Value doc = Json(json.out);
  ASSERT_NE(doc.Find("changes"), nullptr) << json.out;
  EXPECT_EQ(doc.Find("changes")->items()[0].Find("action")->as_string(),
            "ACTION_UNCHANGED");
}

TEST_F(OnlineTest, DryRunPrintsPlanAndStoresNothing) {
  ApplyExperiments();
  std::string file = dir_.Write("new.yaml", R"yaml(
kind: experiment
key: new_idea
metrics: [conversion]
variants: [{key: a}, {key: b}]
)yaml");
  // References a metric that exists only on the server: validated there.
  CommandResult r = Cli({"apply", "--dry-run", "-f", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Lines(r.out),
              ElementsAre("would create experiment new_idea",
                          "dry run: 1 to create, 0 to update, 0 unchanged; "
                          "nothing was stored"));
  CommandResult get = Cli({"get", "experiment", "new_idea"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_THAT(get.err, StartsWith("cxlab: NOT_FOUND: "));
}

TEST_F(OnlineTest, DryRunOfBrokenFileListsFieldErrors) {
  ApplyExperiments();
  std::string file = dir_.Write("bad.yaml", R"yaml(
kind: experiment
key: checkout
variants:
  - {key: a, weight: 0.5}
  - {key: b, weight: 0.4}
---
kind: experiment
key: lonely
segments: [no_such_segment]
variants: [{key: a}, {key: b}]
)yaml");
  for (bool binary : {false, true}) {
    std::vector<std::string> args = {"apply", "--dry-run", "-f", file};
    CommandResult r = binary ? Binary(args) : Cli(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    std::vector<std::string> lines = Lines(r.err);
    EXPECT_THAT(lines, Contains("experiment checkout: variants[1].weight: "
                                "weights must sum to 1, got 0.9"));
    EXPECT_THAT(lines, Contains(AllOf(StartsWith("experiment lonely: "
                                                 "segments[0]: "),
                                      HasSubstr("no_such_segment"))));
    EXPECT_EQ(lines.back(), "invalid: 2 errors");
  }
  // Without --dry-run the server refuses the whole set.
  CommandResult apply = Cli({"apply", "-f", file});
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_THAT(Lines(apply.err),
              Contains("cxlab: INVALID_ARGUMENT: experiment checkout: "
                       "variants[1].weight: weights must sum to 1, got 0.9"));
}

TEST_F(OnlineTest, ApplyReportsParseErrorsWithoutCallingTheServer) {
  std::string file = dir_.Write("typo.yaml", R"yaml(kind: segment
key: s
conditon: {a: 1}
)yaml");
  // Any server: the file is rejected before connecting.
  CommandResult r =
      RunInProcess({"--server", "127.0.0.1:" + std::to_string(ClosedPort()),
                    "apply", "-f", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(Lines(r.err).front(), StartsWith(file + ":3 "));
  EXPECT_EQ(Lines(r.err).back(), "invalid: 1 error in 1 file");

  CommandResult missing = Cli({"apply", "-f", dir_.path() + "/nope"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, StartsWith("cxlab: -f "));
}

TEST_F(OnlineTest, GetAndListAsTableAndJson) {
  ApplyExperiments();
  CommandResult list = Binary({"list", "experiments"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::vector<std::string> lines = Lines(list.out);
  ASSERT_THAT(lines, SizeIs(9));  // header + 8 experiments
  EXPECT_THAT(Cells(lines[0]), ElementsAre("key", "status", "variants",
                                           "coverage", "layer", "version"));
  bool found = false;
  for (const std::string& line : lines) {
    std::vector<std::string> cells = Cells(line);
    if (cells[0] == "free_shipping_threshold") {
      found = true;
      EXPECT_EQ(cells[1], "running");
      EXPECT_EQ(cells[4], "pricing[0,0.5)");
    }
    if (cells[0] == "homepage_recommendations") {
      EXPECT_EQ(cells[1], "draft");
    }
  }
  EXPECT_TRUE(found) << list.out;

  CommandResult json = Cli({"--output", "json", "list", "experiments"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  ASSERT_THAT(Lines(json.out), SizeIs(1));
  engine::Value doc = Json(json.out);
  ASSERT_NE(doc.Find("experiments"), nullptr);
  EXPECT_THAT(doc.Find("experiments")->items(), SizeIs(8));

  for (const char* kind :
       {"segments", "groups", "metrics", "layers", "holdouts", "slots"}) {
    CommandResult r = Cli({"list", kind});
    EXPECT_EQ(r.exit_code, 0) << kind << r.err;
    EXPECT_THAT(Cells(Lines(r.out)[0])[0], "key") << kind;
    CommandResult j = Cli({"list", kind, "--output", "json"});
    EXPECT_EQ(j.exit_code, 0);
    EXPECT_TRUE(Json(j.out).is_object());
  }

  CommandResult get = Cli({"get", "experiment", "checkout_redesign"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  std::vector<std::string> rows = Lines(get.out);
  EXPECT_THAT(rows, Contains(AllOf(StartsWith("key "),
                                   HasSubstr("checkout_redesign"))));
  EXPECT_THAT(rows,
              Contains(AllOf(StartsWith("status "), HasSubstr("running"))));
  EXPECT_THAT(rows, Contains(StartsWith("variants[2] ")));
  EXPECT_THAT(rows, Contains(StartsWith("meta.version ")));

  CommandResult get_json =
      Binary({"get", "segment", "runners", "--output", "json"});
  ASSERT_EQ(get_json.exit_code, 0) << get_json.err;
  engine::Value segment = Json(get_json.out);
  EXPECT_EQ(segment.Find("key")->as_string(), "runners");
  EXPECT_NE(segment.Find("condition"), nullptr);
  // Map members print sorted, so the JSON is stable from call to call.
  EXPECT_EQ(get_json.out,
            Binary({"get", "segment", "runners", "--output", "json"}).out);

  for (const char* kind : {"group", "metric", "layer", "holdout"}) {
    const char* key = std::string(kind) == "group"    ? "vip_customers"
                      : std::string(kind) == "metric" ? "revenue"
                      : std::string(kind) == "layer"  ? "pricing"
                                                      : "global_holdout_2026";
    CommandResult r = Cli({"get", kind, key});
    EXPECT_EQ(r.exit_code, 0) << kind << r.err;
    EXPECT_THAT(r.out, StartsWith("key ")) << kind;
  }
}

TEST_F(OnlineTest, GetAndListSlots) {
  ApplyExperiments();
  CommandResult list = Binary({"list", "slots"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::vector<std::string> lines = Lines(list.out);
  ASSERT_THAT(lines, SizeIs(4));  // header + 3 slots, sorted by key
  EXPECT_THAT(Cells(lines[0]),
              ElementsAre("key", "name", "rules", "experiments", "version"));
  EXPECT_EQ(Cells(lines[1])[0], "checkout.hint");
  EXPECT_EQ(Cells(lines[2])[0], "home.hero");
  std::vector<std::string> recs = Cells(lines[3]);
  EXPECT_EQ(recs[0], "home.recommendations");
  EXPECT_THAT(recs, Contains("recommendation_block_bandit"));
  // The singular works too, as for the other kinds.
  EXPECT_EQ(Cli({"list", "slot"}).out, list.out);

  CommandResult json = Cli({"--output", "json", "list", "slots"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  engine::Value doc = Json(json.out);
  ASSERT_NE(doc.Find("slots"), nullptr) << json.out;
  EXPECT_THAT(doc.Find("slots")->items(), SizeIs(3));

  CommandResult get = Cli({"get", "slot", "home.hero"});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  std::vector<std::string> rows = Lines(get.out);
  EXPECT_THAT(rows,
              Contains(AllOf(StartsWith("key "), HasSubstr("home.hero"))));
  EXPECT_THAT(rows, Contains(StartsWith("rules[3]")));
  EXPECT_THAT(rows, Contains(StartsWith("meta.version ")));

  CommandResult get_json =
      Binary({"get", "slot", "home.hero", "--output", "json"});
  ASSERT_EQ(get_json.exit_code, 0) << get_json.err;
  engine::Value slot = Json(get_json.out);
  EXPECT_EQ(slot.Find("key")->as_string(), "home.hero");
  ASSERT_NE(slot.Find("defaultContent"), nullptr) << get_json.out;
  const engine::Value* rules = slot.Find("rules");
  ASSERT_NE(rules, nullptr);
  ASSERT_THAT(rules->items(), SizeIs(4));
  EXPECT_EQ(rules->items()[0].Find("key")->as_string(), "runners");
  EXPECT_THAT(rules->items()[0].Find("segments")->items(),
              ElementsAre(engine::Value("runners")));
  EXPECT_NE(rules->items()[0].Find("content")->Find("headline"), nullptr);

  // The bandit experiment behind home.recommendations carries its fields.
  CommandResult bandit = Cli(
      {"get", "experiment", "recommendation_block_bandit", "--output", "json"});
  ASSERT_EQ(bandit.exit_code, 0) << bandit.err;
  engine::Value e = Json(bandit.out);
  EXPECT_TRUE(e.Find("sticky")->as_bool());
  ASSERT_NE(e.Find("bandit"), nullptr) << bandit.out;
  EXPECT_EQ(e.Find("bandit")->Find("metric")->as_string(), "add_to_cart");

  CommandResult missing = Cli({"get", "slot", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "cxlab: NOT_FOUND: slot 'nope' not found\n");
}

TEST_F(OnlineTest, GetErrors) {
  ApplyExperiments();
  CommandResult missing = Cli({"get", "experiment", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "cxlab: NOT_FOUND: experiment 'nope' not found\n");

  CommandResult kind = Cli({"get", "widget", "x"});
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_THAT(kind.err, StartsWith("cxlab: unknown kind 'widget'"));

  CommandResult usage = Cli({"get", "experiment"});
  EXPECT_EQ(usage.exit_code, 2);

  // A key spelled like a command is still a key.
  CommandResult named = Cli({"get", "experiment", "list"});
  EXPECT_EQ(named.exit_code, 1);
  EXPECT_THAT(named.err, HasSubstr("experiment 'list' not found"));
}

TEST_F(OnlineTest, LifecycleCommandsAndTheirErrors) {
  ApplyExperiments();
  const std::string e = "homepage_recommendations";
  CommandResult start = Cli({"start", e});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_THAT(start.out, StartsWith("experiment " + e + ": running (version "));

  CommandResult pause = Binary({"pause", e});
  ASSERT_EQ(pause.exit_code, 0) << pause.err;
  EXPECT_THAT(pause.out, StartsWith("experiment " + e + ": paused"));

  CommandResult stop = Cli({"stop", e});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_THAT(stop.out, StartsWith("experiment " + e + ": stopped"));

  // Restarting a stopped experiment needs a new salt.
  CommandResult restart = Binary({"start", e});
  EXPECT_EQ(restart.exit_code, 1);
  EXPECT_EQ(restart.out, "");
  EXPECT_THAT(
      restart.err,
      AllOf(StartsWith("cxlab: FAILED_PRECONDITION: experiment " + e + ": "),
            HasSubstr("new salt")));
  ASSERT_THAT(Lines(restart.err), SizeIs(1));

  CommandResult salted = Cli({"start", e, "--new-salt", "recs-2"});
  ASSERT_EQ(salted.exit_code, 0) << salted.err;
  EXPECT_THAT(salted.out, HasSubstr("running, salt recs-2"));

  CommandResult bad_winner = Cli({"launch", e, "--variant", "nope"});
  EXPECT_EQ(bad_winner.exit_code, 1);
  EXPECT_THAT(bad_winner.err, StartsWith("cxlab: INVALID_ARGUMENT: "));
  EXPECT_THAT(bad_winner.err, HasSubstr("nope"));

  CommandResult no_variant = Cli({"launch", e});
  EXPECT_EQ(no_variant.exit_code, 2);

  CommandResult launch =
      Cli({"launch", e, "--variant", "carousel", "--output", "json"});
  ASSERT_EQ(launch.exit_code, 0) << launch.err;
  engine::Value doc = Json(launch.out);
  EXPECT_EQ(doc.Find("status")->as_string(), "EXPERIMENT_STATUS_LAUNCHED");
  EXPECT_EQ(doc.Find("winner")->as_string(), "carousel");

  CommandResult unknown = Cli({"pause", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, StartsWith("cxlab: NOT_FOUND: "));
}

TEST_F(OnlineTest, AssignPrintsVariantAndReason) {
  ApplyExperiments();
  CommandResult r = Binary({"assign", "--unit", "qa-user-1", "--attr",
                            "visits=3", "--attr", "cart.items=2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_THAT(Cells(lines[0]), ElementsAre("experiment", "variant", "reason"));
  // qa-user-1 is forced into one_page.
  EXPECT_THAT(lines,
              Contains(AllOf(StartsWith("checkout_redesign "),
                             HasSubstr(" one_page "), HasSubstr(" forced"))));
  // Every running or launched experiment answers; the draft does not.
  EXPECT_THAT(lines, Not(Contains(StartsWith("homepage_recommendations"))));

  CommandResult json =
      Cli({"assign", "--unit", "visitor-7", "--experiment",
           "aa_randomization_check", "--experiment", "nope", "--attributes",
           R"({"visits": 1})", "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  engine::Value doc = Json(json.out);
  const engine::Value* assignments = doc.Find("assignments");
  ASSERT_NE(assignments, nullptr) << json.out;
  ASSERT_THAT(assignments->items(), SizeIs(2));
  EXPECT_EQ(assignments->items()[0].Find("experimentKey")->as_string(),
            "aa_randomization_check");
  EXPECT_EQ(assignments->items()[0].Find("reason")->as_string(),
            "REASON_ASSIGNED");
  EXPECT_NE(assignments->items()[0].Find("payload"), nullptr);
  EXPECT_EQ(assignments->items()[1].Find("reason")->as_string(),
            "REASON_UNKNOWN_EXPERIMENT");

  // Deterministic: the same unit gets the same answer.
  EXPECT_EQ(json.out,
            Cli({"assign", "--unit", "visitor-7", "--experiment",
                 "aa_randomization_check", "--experiment", "nope",
                 "--attributes", R"({"visits": 1})", "--output", "json"})
                .out);

  CommandResult bad_attr = Cli({"assign", "--unit", "u", "--attr", "novalue"});
  EXPECT_EQ(bad_attr.exit_code, 2);
  CommandResult empty = Cli({"assign", "--unit", ""});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_THAT(empty.err, StartsWith("cxlab: INVALID_ARGUMENT: unit.unit_id"));
}

TEST_F(OnlineTest, ChangesListsTheAuditLog) {
  ApplyExperiments();
  ASSERT_EQ(Cli({"start", "homepage_recommendations"}).exit_code, 0);
  CommandResult r = Cli({"changes", "--limit", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_THAT(lines, SizeIs(4));
  EXPECT_THAT(Cells(lines[0]),
              ElementsAre("version", "time", "actor", "action", "kind", "key"));
  std::vector<std::string> newest = Cells(lines[1]);
  ASSERT_THAT(newest, SizeIs(6));
  EXPECT_EQ(newest[2], "admin");
  EXPECT_EQ(newest[3], "start");
  EXPECT_EQ(newest[4], "experiment");
  EXPECT_EQ(newest[5], "homepage_recommendations");
  EXPECT_THAT(newest[1], AllOf(HasSubstr("T"), ::testing::EndsWith("Z")));

  CommandResult one =
      Binary({"changes", "--experiment", "homepage_recommendations"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  std::vector<std::string> rows = Lines(one.out);
  ASSERT_THAT(rows, SizeIs(3));  // header, start, create
  EXPECT_EQ(Cells(rows[1])[3], "start");
  EXPECT_EQ(Cells(rows[2])[3], "create");

  // More than one page (the server's pages hold at most 1,000).
  CommandResult all = Cli(
      {"changes", "--limit", "10000", "--kind", "metrics", "--output", "json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  engine::Value doc = Json(all.out);
  ASSERT_NE(doc.Find("changes"), nullptr);
  EXPECT_THAT(doc.Find("changes")->items(), SizeIs(11));  // 11 metrics
  EXPECT_EQ(doc.Find("nextPageToken"), nullptr);

  EXPECT_EQ(Cli({"changes", "--limit", "0"}).exit_code, 2);
}

TEST_F(OnlineTest, KeysCreateListRevoke) {
  std::string id;
  const std::string secret = CreateKey("reader", &id);
  ASSERT_FALSE(secret.empty());

  CommandResult table =
      Cli({"keys", "create", "--role", "editor", "--name", "ci"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  std::vector<std::string> created = Lines(table.out);
  ASSERT_GE(created.size(), 2u);
  EXPECT_THAT(created[0], StartsWith("created api key "));
  EXPECT_THAT(created[1], StartsWith("secret: "));
  const std::string editor_secret = created[1].substr(8);

  // The reader key reads but cannot write.
  CommandResult read = Binary({"list", "experiments"}, secret);
  EXPECT_EQ(read.exit_code, 0) << read.err;
  CommandResult write = Cli({"start", "x"}, secret);
  EXPECT_EQ(write.exit_code, 1);
  EXPECT_THAT(write.err, StartsWith("cxlab: PERMISSION_DENIED: "));
  // Neither it nor an editor manages keys.
  CommandResult keys = Cli({"keys", "list"}, editor_secret);
  EXPECT_EQ(keys.exit_code, 1);
  EXPECT_THAT(keys.err, StartsWith("cxlab: PERMISSION_DENIED: "));

  CommandResult list = Cli({"keys", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(
      Cells(Lines(list.out)[0]),
      ElementsAre("id", "name", "role", "created", "created_by", "status"));
  EXPECT_THAT(Lines(list.out),
              Contains(AllOf(StartsWith(id + " "), HasSubstr(" reader "),
                             ::testing::EndsWith(" active"))));

  CommandResult revoke = Binary({"keys", "revoke", id});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.err;
  EXPECT_THAT(revoke.out, StartsWith("revoked api key " + id));
  EXPECT_THAT(
      Lines(Cli({"keys", "list"}).out),
      Contains(AllOf(StartsWith(id + " "), ::testing::EndsWith(" revoked"))));

  CommandResult revoked = Binary({"list", "experiments"}, secret);
  EXPECT_EQ(revoked.exit_code, 1);
  EXPECT_THAT(revoked.err, StartsWith("cxlab: UNAUTHENTICATED: "));

  CommandResult bad_role =
      Cli({"keys", "create", "--role", "boss", "--name", "x"});
  EXPECT_EQ(bad_role.exit_code, 2);
  EXPECT_EQ(Cli({"keys", "revoke", "no-such-id"}).exit_code, 1);
  EXPECT_EQ(Cli({"keys"}).exit_code, 2);
}

TEST_F(OnlineTest, MissingOrWrongKeyIsUnauthenticated) {
  CommandResult none = Binary({"list", "experiments"}, "");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.err, StartsWith("cxlab: UNAUTHENTICATED: "));

  CommandResult wrong = Cli({"list", "experiments"}, "not-a-key");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.err, StartsWith("cxlab: UNAUTHENTICATED: "));

  // Health needs no key.
  CommandResult health = Cli({"health"}, "");
  EXPECT_EQ(health.exit_code, 0) << health.err;
  EXPECT_EQ(health.out, "SERVING\n");
}

TEST_F(OnlineTest, KeyAndServerFromEnvironmentOrFile) {
  ApplyExperiments();
  std::string key_file = dir_.Write("key.txt", std::string(kAdminKey) + "\n");
  CommandResult from_file = RunInProcess(
      {"list", "layers", "--server", address_, "--key-file", key_file});
  EXPECT_EQ(from_file.exit_code, 0) << from_file.err;

  setenv("CXLAB_SERVER", address_.c_str(), 1);
  setenv("CXLAB_KEY", kAdminKey, 1);
  CommandResult from_env = RunBinary(dir_, {"list", "layers"});
  unsetenv("CXLAB_SERVER");
  unsetenv("CXLAB_KEY");
  EXPECT_EQ(from_env.exit_code, 0) << from_env.err;
  EXPECT_EQ(from_env.out, from_file.out);

  CommandResult both =
      RunInProcess({"list", "layers", "--key", "a", "--key-file", key_file});
  EXPECT_EQ(both.exit_code, 2);
  CommandResult unreadable = RunInProcess(
      {"--server", address_, "--key-file", dir_.path() + "/none", "health"});
  EXPECT_EQ(unreadable.exit_code, 2);
  EXPECT_THAT(unreadable.err, StartsWith("cxlab: --key-file "));
}

TEST_F(OnlineTest, UnreachableServerFailsFast) {
  const std::string server = "127.0.0.1:" + std::to_string(ClosedPort());
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"list", "experiments"}, {"health"}, {"simulate"}}) {
    std::vector<std::string> full = {"--server", server, "--key", "k"};
    full.insert(full.end(), args.begin(), args.end());
    auto start = std::chrono::steady_clock::now();
    CommandResult r = RunBinary(dir_, full);
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_THAT(r.err, StartsWith("cxlab: cannot reach " + server + ": "))
        << args[0];
    EXPECT_LT(elapsed, std::chrono::seconds(10)) << args[0];
  }
}

TEST_F(OnlineTest, OnlineSimulateMatchesOfflineSimulate) {
  std::string defs = dir_.Write("defs.yaml", kDefinitionsYaml);
  ASSERT_EQ(Cli({"apply", "-f", defs}).exit_code, 0);
  // Offline at the current time (the server's clock), not the fixture's.
  CommandResult offline =
      RunInProcess({"simulate", "-f", defs, "--visitors", "3000"});
  ASSERT_EQ(offline.exit_code, 0) << offline.err;
  CommandResult online = Binary({"simulate", "--visitors", "3000"});
  ASSERT_EQ(online.exit_code, 0) << online.err;
  EXPECT_THAT(Lines(online.out)[0],
              AllOf(StartsWith("simulated 3000 visitors (visitor-0 .. "
                               "visitor-2999) through " +
                               address_),
                    HasSubstr("against 6 running experiments of 7")));
  // After the first line, the same blocks: the offline mode prints them in
  // definition order, the online mode in the server's (key) order.
  auto blocks = [](const std::string& out) {
    std::vector<std::string> parts = absl::StrSplit(
        out.substr(out.find('\n') + 1), "\n\n", absl::SkipWhitespace());
    for (std::string& part : parts) {
      part = std::string(absl::StripAsciiWhitespace(part));
    }
    std::sort(parts.begin(), parts.end());
    return parts;
  };
  EXPECT_THAT(blocks(online.out), SizeIs(6));
  EXPECT_EQ(blocks(online.out), blocks(offline.out));
  EXPECT_THAT(online.out, HasSubstr("three_way  (unit user, coverage 0.8, "
                                    "layer pricing [0, 0.5))"));
}

TEST_F(OnlineTest, OnlineSimulateUsage) {
  CommandResult now = Cli({"simulate", "--now", "2026-01-01T00:00:00Z"});
  EXPECT_EQ(now.exit_code, 2);
  EXPECT_THAT(now.err, HasSubstr("--now"));
  std::string defs = dir_.Write("defs.yaml", kDefinitionsYaml);
  CommandResult both = Cli({"simulate", "-f", defs});
  EXPECT_EQ(both.exit_code, 2);
  CommandResult neither = RunInProcess({"simulate"});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_THAT(neither.err, HasSubstr("--server"));
  CommandResult empty = Cli({"simulate", "--visitors", "10"});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_THAT(empty.out, HasSubstr("against 0 running experiments of 0"));
}

TEST_F(OnlineTest, HealthServing) {
  CommandResult r = Binary({"health"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "SERVING\n");
  CommandResult json = Cli({"health", "--output", "json"});
  EXPECT_EQ(json.out, "{\"status\":\"SERVING\"}\n");
}

}  // namespace
}  // namespace cxlab::cli
