// Copyright 2026 The cxlab Authors.
//
// `cxlab track`, `cxlab stats` and `cxlab verify` against a real cxlabd
// started in-process (api::CxlabServer on a temporary data dir, port 0):
// single events and event files (NDJSON and CSV) with local and server-side
// rejections mapped to file lines, duplicates on a re-send, the raw
// statistics checked against hand-computed sums, and the exit codes.

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "api/server/server.h"
#include "clients/cpp/client/client.h"
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
using ::testing::EndsWith;
using ::testing::HasSubstr;
using testing::Lines;
using testing::RunBinary;
using testing::RunInProcess;
using ::testing::SizeIs;
using ::testing::StartsWith;
using testing::TempDir;

constexpr char kAdminKey[] = "test-admin-key-0123456789";

// Two metrics on purchases, an NPS guardrail and one running experiment
// with two equal variants.
constexpr char kDefinitions[] = R"yaml(
kind: metric
key: conversion
type: binomial
event: purchase
---
kind: metric
key: revenue
type: mean
event: purchase
---
kind: metric
key: nps
type: nps
event: survey_nps
---
kind: experiment
key: checkout
status: running
variants:
  - key: control
    weight: 0.5
  - key: treatment
    weight: 0.5
metrics: [conversion, revenue]
guardrails: [nps]
)yaml";

std::vector<std::string> Cells(const std::string& line) {
  return absl::StrSplit(line, ' ', absl::SkipEmpty());
}

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

class TrackTest : public ::testing::Test {
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
    address_ = server_->address();
    CommandResult applied =
        Cli({"apply", "-f", dir_.Write("defs.yaml", kDefinitions)});
    ASSERT_EQ(applied.exit_code, 0) << applied.err;
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
  }

  // `cxlab --server ADDR --key KEY ARGS...` in-process.
  CommandResult Cli(const std::vector<std::string>& args,
                    const std::string& key = kAdminKey) {
    std::vector<std::string> full = {"--server", address_, "--key", key};
    full.insert(full.end(), args.begin(), args.end());
    return RunInProcess(full);
  }

  // Finds two units in each variant without logging exposures (a preview
  // Assign), then exposes exactly those four with `cxlab assign`.
  void ExposeTwoPerVariant() {
    absl::StatusOr<std::unique_ptr<client::Client>> client =
        client::Client::Connect(address_, kAdminKey);
    ASSERT_TRUE(client.ok()) << client.status();
    std::map<std::string, std::vector<std::string>> by_variant;
    for (int i = 0;
         by_variant["control"].size() < 2 || by_variant["treatment"].size() < 2;
         ++i) {
      ASSERT_LT(i, 1000);
      v1::AssignRequest request;
      request.mutable_unit()->set_unit_id(absl::StrCat("u", i));
      request.add_experiment_keys("checkout");
      request.set_log_exposure(false);
      absl::StatusOr<v1::AssignResponse> r = (*client)->Assign(request);
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_EQ(r->assignments_size(), 1);
      std::vector<std::string>& units =
          by_variant[r->assignments(0).variant_key()];
      if (units.size() < 2) units.push_back(absl::StrCat("u", i));
    }
    a0_ = by_variant["control"][0];
    a1_ = by_variant["control"][1];
    b0_ = by_variant["treatment"][0];
    b1_ = by_variant["treatment"][1];
    for (const std::string& unit : {a0_, a1_, b0_, b1_}) {
      CommandResult r = Cli({"assign", "--unit", unit});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    // GetStats flushes the exposures Assign queued, so the events below
    // are attributed (and the NPS rule applies) when they arrive.
    CommandResult stats = Cli({"stats", "--experiment", "checkout"});
    ASSERT_EQ(stats.exit_code, 0) << stats.err;
    EXPECT_THAT(Lines(stats.out),
                Contains("exposed units: control 2, treatment 2"));
  }

  // The cells of the stats row for (variant, metric); empty when missing.
  static std::vector<std::string> Row(const std::string& table,
                                      const std::string& variant,
                                      const std::string& metric) {
    for (const std::string& line : Lines(table)) {
      std::vector<std::string> cells = Cells(line);
      if (cells.size() >= 2 && cells[0] == variant && cells[1] == metric) {
        return cells;
      }
    }
    return {};
  }

  TempDir dir_;
  std::unique_ptr<api::CxlabServer> server_;
  std::string address_;
  std::string a0_, a1_, b0_, b1_;
};

TEST_F(TrackTest, SingleEventsFilesStatsAndVerify) {
  ExposeTwoPerVariant();

  // Single events: an explicit id counts once.
  CommandResult one = Cli({"track", "--unit", a0_, "--event", "purchase",
                           "--value", "30", "--id", "s1"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, "accepted 1, duplicates 0, rejected 0\n");
  EXPECT_EQ(one.err, "");
  CommandResult again = Cli({"track", "--unit", a0_, "--event", "purchase",
                             "--value", "30", "--id", "s1"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "accepted 0, duplicates 1, rejected 0\n");

  // A generated id, properties and a time; JSON output.
  CommandResult props =
      Cli({"track", "--unit", a0_, "--event", "purchase", "--value", "20",
           "--prop", "plan=pro", "--prop", "cart.items=3", "--output", "json"});
  ASSERT_EQ(props.exit_code, 0) << props.err;
  engine::Value doc = Json(props.out);
  EXPECT_EQ(doc.Find("accepted")->as_number(), 1);
  EXPECT_EQ(doc.Find("duplicates")->as_number(), 0);
  EXPECT_EQ(doc.Find("rejected")->as_number(), 0);
  EXPECT_THAT(doc.Find("errors")->items(), SizeIs(0));
  const std::string id = doc.Find("id")->as_string();
  EXPECT_THAT(id, StartsWith("cli-"));
  EXPECT_THAT(id, SizeIs(20));
  CommandResult timed = Cli({"track", "--unit", "nobody", "--event", "visit",
                             "--time", "2024-01-02T03:04:05Z"});
  ASSERT_EQ(timed.exit_code, 0) << timed.err;
  EXPECT_EQ(timed.out, "accepted 1, duplicates 0, rejected 0\n");

  // A rejected single event exits 1 with the server's reason.
  CommandResult bad_nps = Cli({"track", "--unit", b0_, "--event", "survey_nps",
                               "--value", "11", "--id", "s2"});
  EXPECT_EQ(bad_nps.exit_code, 1);
  EXPECT_EQ(bad_nps.out, "accepted 0, duplicates 0, rejected 1\n");
  EXPECT_THAT(bad_nps.err, StartsWith("cxlab: events[0]: checkout/nps: "));
  EXPECT_THAT(bad_nps.err,
              HasSubstr("NPS answers must be integers 0-10, got 11"));

  // NDJSON: line 4 does not parse, line 5 breaks the NPS rule, line 6 has
  // no name; with --batch 2 the server's batch indexes are mapped back.
  const std::string ndjson = dir_.Write(
      "events.ndjson",
      absl::StrCat(
          R"({"id":"f1","unit_id":")", b0_,
          R"(","name":"purchase","value":100})", "\n",
          R"({"id":"f2","unit_id":")", b1_,
          R"(","name":"survey_nps","value":10})", "\n",
          R"({"id":"f3","unit_id":")", a1_,
          R"(","name":"survey_nps","value":3,"properties":{"q":"delivery"}})",
          "\n", "{not json\n", R"({"id":"f5","unit_id":")", b0_,
          R"(","name":"survey_nps","value":11})", "\n",
          R"({"id":"f6","unit_id":")", b1_, R"(","name":""})", "\n"));
  CommandResult file =
      Cli({"track", "-f", ndjson, "--batch", "2", "--progress"});
  ASSERT_EQ(file.exit_code, 0) << file.err;
  EXPECT_EQ(file.out, "accepted 3, duplicates 0, rejected 3\n");
  std::vector<std::string> err_lines = Lines(file.err);
  ASSERT_THAT(err_lines, SizeIs(4)) << file.err;
  EXPECT_THAT(err_lines[0], StartsWith(ndjson + ":4: "));
  // The first update and the last are always drawn (the others at most ten
  // times a second).
  EXPECT_THAT(err_lines[1], StartsWith("\r  [########------------]  40%  2/5 "
                                       "events"));
  EXPECT_THAT(err_lines[1],
              EndsWith("\r  [####################] 100%  5/5 events"));
  EXPECT_THAT(err_lines[2],
              StartsWith(ndjson + ":5: events[3]: checkout/nps: "));
  EXPECT_THAT(err_lines[2],
              HasSubstr("NPS answers must be integers 0-10, got 11"));
  EXPECT_EQ(err_lines[3], ndjson + ":6: events[4].name: must not be empty");

  // Sending the same file again: everything valid is a duplicate.
  CommandResult resent = Cli({"track", "-f", ndjson});
  ASSERT_EQ(resent.exit_code, 0) << resent.err;
  EXPECT_EQ(resent.out, "accepted 0, duplicates 3, rejected 3\n");
  EXPECT_THAT(Lines(resent.err), SizeIs(3));  // no progress: not a terminal

  // CSV through the real binary: a non-numeric value and an NPS 11.
  const std::string csv =
      dir_.Write("events.csv", absl::StrCat("id,unit_id,name,value\n",    //
                                            "c1,", a0_, ",purchase,5\n",  //
                                            "c2,", b1_, ",purchase,abc\n",
                                            "c3,", b1_, ",purchase,7\n",  //
                                            "c4,", a0_, ",survey_nps,11\n"));
  CommandResult csv_run = RunBinary(
      dir_, {"--server", address_, "--key", kAdminKey, "track", "-f", csv});
  ASSERT_EQ(csv_run.exit_code, 0) << csv_run.err;
  EXPECT_EQ(csv_run.out, "accepted 2, duplicates 0, rejected 2\n");
  EXPECT_THAT(Lines(csv_run.err),
              ElementsAre(csv + ":3: value: must be a number, got 'abc'",
                          AllOf(StartsWith(csv + ":5: events[2]: "
                                                 "checkout/nps: "),
                                HasSubstr("got 11"))));
  CommandResult csv_json =
      Cli({"track", "-f", csv, "--output", "json", "--batch", "1"});
  ASSERT_EQ(csv_json.exit_code, 0) << csv_json.err;
  EXPECT_EQ(csv_json.err, "");
  engine::Value summary = Json(csv_json.out);
  EXPECT_EQ(summary.Find("accepted")->as_number(), 0);
  EXPECT_EQ(summary.Find("duplicates")->as_number(), 2);
  EXPECT_EQ(summary.Find("rejected")->as_number(), 2);
  ASSERT_THAT(summary.Find("errors")->items(), SizeIs(2));
  EXPECT_EQ(summary.Find("errors")->items()[0].as_string(),
            csv + ":3: value: must be a number, got 'abc'");
  EXPECT_THAT(summary.Find("errors")->items()[1].as_string(),
              StartsWith(csv + ":5: events[2]: checkout/nps: "));

  // Hand-computed: control a0 bought 30 + 20 + 5 = 55, a1 answered 3
  // (detractor, -1); treatment b0 bought 100, b1 bought 7 and answered 10
  // (promoter, +1). Nothing before exposure: no CUPED sums; no ratio.
  CommandResult stats = Cli({"stats", "--experiment", "checkout"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_THAT(Cells(Lines(stats.out)[0]),
              ElementsAre("variant", "metric", "n", "mean", "sum", "sum_sq",
                          "den_sum", "den_sum_sq", "cross_sum", "pre_sum",
                          "pre_sum_sq", "pre_cross_sum"));
  EXPECT_THAT(Row(stats.out, "control", "conversion"),
              ElementsAre("control", "conversion", "2", "0.5", "1", "1", "-",
                          "-", "-", "-", "-", "-"));
  EXPECT_THAT(Row(stats.out, "control", "revenue"),
              ElementsAre("control", "revenue", "2", "27.5", "55", "3025", "-",
                          "-", "-", "-", "-", "-"));
  EXPECT_THAT(Row(stats.out, "control", "nps"),
              ElementsAre("control", "nps", "1", "-1", "-1", "1", "-", "-", "-",
                          "-", "-", "-"));
  EXPECT_THAT(Row(stats.out, "treatment", "conversion"),
              ElementsAre("treatment", "conversion", "2", "1", "2", "2", "-",
                          "-", "-", "-", "-", "-"));
  EXPECT_THAT(Row(stats.out, "treatment", "revenue"),
              ElementsAre("treatment", "revenue", "2", "53.5", "107", "10049",
                          "-", "-", "-", "-", "-", "-"));
  EXPECT_THAT(Row(stats.out, "treatment", "nps"),
              ElementsAre("treatment", "nps", "1", "1", "1", "1", "-", "-", "-",
                          "-", "-", "-"));
  std::vector<std::string> stat_lines = Lines(stats.out);
  EXPECT_THAT(stat_lines, Contains("exposed units: control 2, treatment 2"));
  EXPECT_EQ(stat_lines.back(), "mismatched units: 0");

  CommandResult stats_json =
      Cli({"stats", "--experiment", "checkout", "--output", "json"});
  ASSERT_EQ(stats_json.exit_code, 0) << stats_json.err;
  engine::Value raw = Json(stats_json.out);
  ASSERT_NE(raw.Find("stats"), nullptr) << stats_json.out;
  EXPECT_THAT(raw.Find("stats")->items(), SizeIs(6));
  ASSERT_NE(raw.Find("exposedUnits"), nullptr) << stats_json.out;
  EXPECT_EQ(raw.Find("exposedUnits")->items()[0].as_string(), "2");

  CommandResult verify = Cli({"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.out,
            "ok: 1 experiment, aggregates equal a recompute from the raw "
            "log\n");
  CommandResult verify_one =
      RunBinary(dir_, {"--server", address_, "--key", kAdminKey, "verify",
                       "--experiment", "checkout", "--output", "json"});
  EXPECT_EQ(verify_one.exit_code, 0) << verify_one.err;
  engine::Value report = Json(verify_one.out);
  ASSERT_NE(report.Find("ok"), nullptr) << verify_one.out;
  EXPECT_TRUE(report.Find("ok")->as_bool());
}

TEST_F(TrackTest, EmptyAndAllBadFilesNeedNoServerCall) {
  const std::string file = dir_.Write("bad.ndjson", "\n{oops\n\n");
  // Nothing valid to send: no connection is needed.
  CommandResult r =
      RunInProcess({"--server", absl::StrCat("127.0.0.1:", ClosedPort()),
                    "track", "-f", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "accepted 0, duplicates 0, rejected 1\n");
  EXPECT_THAT(Lines(r.err), ElementsAre(StartsWith(file + ":2: ")));
}

TEST_F(TrackTest, UsageErrorsExit2) {
  const std::string ndjson =
      dir_.Write("ok.ndjson", R"({"id":"x","unit_id":"u","name":"n"})"
                              "\n");
  const std::vector<std::vector<std::string>> cases = {
      {"track"},
      {"track", "--unit", "u"},
      {"track", "--event", "purchase"},
      {"track", "-f", dir_.path() + "/missing.ndjson"},
      {"track", "-f", dir_.Write("events.txt", "x")},
      {"track", "-f", ndjson, "--unit", "u"},
      {"track", "-f", ndjson, "--batch", "0"},
      {"track", "-f", ndjson, "--batch", "10001"},
      {"track", "--unit", "u", "--event", "e", "--value", "abc"},
      {"track", "--unit", "u", "--event", "e", "--time", "yesterday"},
      {"track", "--unit", "u", "--event", "e", "--prop", "novalue"},
      {"track", "--unit", "u", "--event", "e", "--bogus"},
      {"stats"},
      {"stats", "--experiment", ""},
  };
  for (const std::vector<std::string>& args : cases) {
    CommandResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 2) << absl::StrJoin(args, " ") << "\n" << r.err;
    EXPECT_THAT(r.err, StartsWith("cxlab: ")) << absl::StrJoin(args, " ");
    EXPECT_EQ(r.out, "") << absl::StrJoin(args, " ");
  }
  EXPECT_THAT(Cli({"track"}).err,
              HasSubstr("track needs -f PATH (a file of events) or --unit ID "
                        "--event NAME (one event)"));
  EXPECT_THAT(Cli({"track", "-f", ndjson, "--batch", "0"}).err,
              HasSubstr("--batch must be between 1 and 10000, got 0"));
  EXPECT_THAT(Cli({"track", "--unit", "u", "--event", "e", "--prop", "x"}).err,
              HasSubstr("--prop x: expected key=value"));
}

TEST_F(TrackTest, ServerErrorsExit1) {
  const std::string ndjson =
      dir_.Write("ok.ndjson", R"({"id":"x","unit_id":"u","name":"n"})"
                              "\n");
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"track", "--unit", "u", "--event", "purchase"},
           {"track", "-f", ndjson},
           {"stats", "--experiment", "checkout"},
           {"verify"}}) {
    CommandResult r = Cli(args, "wrong-key");
    EXPECT_EQ(r.exit_code, 1) << absl::StrJoin(args, " ") << "\n" << r.err;
    EXPECT_THAT(r.err, StartsWith("cxlab: UNAUTHENTICATED: "))
        << absl::StrJoin(args, " ");
    EXPECT_EQ(r.out, "");
  }
  CommandResult unknown = Cli({"stats", "--experiment", "nope"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.err;
  EXPECT_THAT(unknown.err, StartsWith("cxlab: NOT_FOUND: "));

  CommandResult unreachable =
      RunInProcess({"--server", absl::StrCat("127.0.0.1:", ClosedPort()),
                    "--key", kAdminKey, "track", "-f", ndjson});
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_THAT(unreachable.err, StartsWith("cxlab: cannot reach 127.0.0.1:"));
}

TEST_F(TrackTest, ClientTrackStreamAndExposures) {
  absl::StatusOr<std::unique_ptr<client::Client>> client =
      client::Client::Connect(address_, kAdminKey);
  ASSERT_TRUE(client.ok()) << client.status();
  v1::TrackExposuresRequest exposures;
  v1::Exposure* x = exposures.add_exposures();
  x->set_experiment_key("checkout");
  x->set_variant_key("treatment");
  x->set_unit_id("local-1");
  absl::StatusOr<v1::TrackExposuresResponse> recorded =
      (*client)->TrackExposures(exposures);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->recorded(), 1);

  std::vector<v1::TrackRequest> batches(2);
  for (int i = 0; i < 4; ++i) {
    v1::Event* e = batches[i / 2].add_events();
    e->set_event_id(absl::StrCat("stream-", i));
    e->set_unit_id("local-1");
    e->set_name(i == 3 ? "" : "purchase");
    e->set_value(10);
  }
  absl::StatusOr<v1::TrackResponse> streamed = (*client)->TrackStream(batches);
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  EXPECT_EQ(streamed->accepted(), 3);
  ASSERT_EQ(streamed->errors_size(), 1);
  // Indexes count across the stream's batches.
  EXPECT_EQ(streamed->errors(0).index(), 3);

  v1::GetStatsRequest request;
  request.set_experiment_key("checkout");
  absl::StatusOr<v1::GetStatsResponse> stats = (*client)->GetStats(request);
  ASSERT_TRUE(stats.ok()) << stats.status();
  double revenue = 0;
  for (const v1::MetricStats& s : stats->stats()) {
    if (s.variant_key() == "treatment" && s.metric_key() == "revenue") {
      revenue = s.sum();
    }
  }
  EXPECT_EQ(revenue, 30);
  absl::StatusOr<v1::VerifyResponse> verify = (*client)->Verify();
  ASSERT_TRUE(verify.ok()) << verify.status();
  EXPECT_TRUE(verify->ok());
  EXPECT_EQ(verify->experiments_checked(), 1);
}

}  // namespace
}  // namespace cxlab::cli
