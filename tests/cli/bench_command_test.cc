// Copyright 2026 The cxlab Authors.
//
// `cxlab bench assign`, `bench content` and `bench track` against an
// in-process cxlabd on port 0: a short Assign, AssignBatch and GetContent run
// succeed without errors and print the figures; a wrong key exits 1 naming
// UNAUTHENTICATED; bad options exit 2;
// the CLI11 registration binds every flag. `bench track` stores events with
// unique ids (none rejected or duplicate, also across runs). No timing
// thresholds: the figures are only checked for presence and sanity.

#include "clients/cpp/cli/bench_command.h"

#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/time/time.h"
#include "api/server/server.h"
#include "cxlab/v1/experiment_service.grpc.pb.h"
#include "engine/json.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::cli {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kAdminKey[] = "bench-admin-key-000001";

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs one bench mode (RunBenchAssign, RunBenchContent, RunBenchTrack).
RunResult RunMode(int (*run)(const BenchOptions&, std::ostream&, std::ostream&),
                  const BenchOptions& options) {
  std::ostringstream out, err;
  RunResult result;
  result.exit_code = run(options, out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

RunResult RunBench(const BenchOptions& options) {
  return RunMode(RunBenchAssign, options);
}
RunResult RunContent(const BenchOptions& options) {
  return RunMode(RunBenchContent, options);
}
RunResult RunTrack(const BenchOptions& options) {
  return RunMode(RunBenchTrack, options);
}

// The value of the "name  value" line of the table output, or "".
std::string TableValue(const std::string& table, const std::string& name) {
  std::istringstream lines(table);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.compare(0, name.size(), name) == 0 && line.size() > name.size() &&
        line[name.size()] == ' ') {
      size_t start = line.find_first_not_of(' ', name.size());
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "";
}

google::protobuf::Value StringValue(const std::string& s) {
  google::protobuf::Value v;
  v.set_string_value(s);
  return v;
}

class BenchCommandTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "cxlab-bench-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    data_dir_ = new std::string(pattern);

    api::ServerOptions options;
    options.data_dir = *data_dir_;
    options.grpc_port = 0;
    options.admin_key = kAdminKey;
    auto server = api::CxlabServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();

    // One running experiment with a condition on an attribute the bench
    // sends, so targeting runs on every call.
    auto stub = v1::ExperimentService::NewStub(grpc::CreateChannel(
        server_->address(), grpc::InsecureChannelCredentials()));
    v1::CreateExperimentRequest request;
    v1::Experiment& e = *request.mutable_experiment();
    e.set_key("bench_exp");
    e.set_name("Bench experiment");
    e.set_status(v1::EXPERIMENT_STATUS_RUNNING);
    for (const char* key : {"control", "treatment"}) {
      v1::Variant& v = *e.add_variants();
      v.set_key(key);
      v.set_weight(0.5);
      *v.mutable_payload() = StringValue(key);
    }
    google::protobuf::Struct in;
    google::protobuf::Value& countries = (*in.mutable_fields())["$in"];
    for (const char* c : {"US", "DE", "FR"}) {
      *countries.mutable_list_value()->add_values() = StringValue(c);
    }
    *(*e.mutable_condition()->mutable_fields())["country"]
         .mutable_struct_value() = in;
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Bearer ") + kAdminKey);
    v1::Experiment created;
    grpc::Status status = stub->CreateExperiment(&context, request, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();

    // One slot for `bench content`: a rule on the same condition.
    v1::CreateSlotRequest slot_request;
    v1::Slot& slot = *slot_request.mutable_slot();
    slot.set_key("bench.hero");
    *slot.mutable_default_content() = StringValue("default");
    v1::SlotRule& rule = *slot.add_rules();
    rule.set_key("countries");
    rule.set_priority(1);
    *rule.mutable_condition() = e.condition();
    *rule.mutable_content() = StringValue("local");
    grpc::ClientContext slot_context;
    slot_context.AddMetadata("authorization",
                             std::string("Bearer ") + kAdminKey);
    v1::Slot created_slot;
    status = stub->CreateSlot(&slot_context, slot_request, &created_slot);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      server_->Shutdown(absl::Seconds(2));
      delete server_;
      server_ = nullptr;
    }
    if (data_dir_ != nullptr) {
      std::error_code ignored;
      std::filesystem::remove_all(*data_dir_, ignored);
      delete data_dir_;
      data_dir_ = nullptr;
    }
  }

  void SetUp() override { ASSERT_NE(server_, nullptr) << "server not started"; }

  // Short-run options against the test server.
  static BenchOptions Options() {
    BenchOptions options;
    options.server = server_->address();
    options.key = kAdminKey;
    options.connections = 2;
    options.concurrency = 8;
    options.duration_seconds = 1;
    options.warmup_seconds = 0.2;
    options.distinct_units = 1000;
    return options;
  }

  static api::CxlabServer* server_;
  static std::string* data_dir_;
};

api::CxlabServer* BenchCommandTest::server_ = nullptr;
std::string* BenchCommandTest::data_dir_ = nullptr;

TEST_F(BenchCommandTest, AssignPrintsThroughputAndLatency) {
  RunResult r = RunBench(Options());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(TableValue(r.out, "mode"), "Assign");
  EXPECT_EQ(TableValue(r.out, "connections"), "2");
  EXPECT_THAT(r.out, HasSubstr("requests/s "));
  EXPECT_THAT(r.out, HasSubstr("assignments/s "));
  for (const char* p : {"p50", "p90", "p99", "p99.9", "max"}) {
    EXPECT_THAT(TableValue(r.out, std::string("latency ") + p), EndsWith(" ms"))
        << p << "\n"
        << r.out;
  }
  std::string requests = TableValue(r.out, "requests");
  EXPECT_GT(std::stoll(requests), 0) << r.out;
  EXPECT_EQ(TableValue(r.out, "errors"), "0") << r.out;
  // One experiment answered per unit.
  EXPECT_THAT(TableValue(r.out, "assignments/s"),
              HasSubstr("(1.00 experiments per unit)"));
}

TEST_F(BenchCommandTest, BatchCountsUnitsAndAssignments) {
  BenchOptions options = Options();
  options.batch = 100;
  options.experiments = {"bench_exp", "no_such_experiment"};
  RunResult r = RunBench(options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(TableValue(r.out, "mode"), "AssignBatch (100 units per call)");
  EXPECT_GT(std::stoll(TableValue(r.out, "requests")), 0) << r.out;
  EXPECT_EQ(TableValue(r.out, "errors"), "0") << r.out;
  // Two keys per unit: the unknown one is answered too.
  EXPECT_THAT(TableValue(r.out, "assignments/s"),
              HasSubstr("(2.00 experiments per unit)"));
  EXPECT_THAT(TableValue(r.out, "latency p99"), EndsWith(" ms"));
}

TEST_F(BenchCommandTest, JsonOutputIsOneObject) {
  BenchOptions options = Options();
  options.output = "json";
  options.connections = 1;
  options.concurrency = 4;
  RunResult r = RunBench(options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = engine::ParseJson(r.out);
  ASSERT_TRUE(doc.ok()) << doc.status() << "\n" << r.out;
  ASSERT_NE(doc->Find("requests"), nullptr);
  EXPECT_GT(doc->Find("requests")->as_number(), 0);
  EXPECT_GT(doc->Find("requests_per_second")->as_number(), 0);
  EXPECT_EQ(doc->Find("mode")->as_string(), "Assign");
  const engine::Value* latency = doc->Find("latency_ms");
  ASSERT_NE(latency, nullptr);
  for (const char* p : {"p50", "p90", "p99", "p99_9", "max"}) {
    ASSERT_NE(latency->Find(p), nullptr) << p;
    EXPECT_GT(latency->Find(p)->as_number(), 0) << p;
  }
  EXPECT_LE(latency->Find("p50")->as_number(),
            latency->Find("p99")->as_number());
  EXPECT_LE(latency->Find("p99")->as_number(),
            latency->Find("max")->as_number());
  EXPECT_EQ(doc->Find("errors")->Find("total")->as_number(), 0);
}

TEST_F(BenchCommandTest, TrackPrintsEventsPerSecondAndLatency) {
  BenchOptions options = Options();
  options.track_batch = 200;
  options.concurrency = 4;
  RunResult r = RunTrack(options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(TableValue(r.out, "mode"), "Track (200 events per call)");
  EXPECT_THAT(TableValue(r.out, "run id"), StartsWith("bench"));
  int64_t requests = std::stoll(TableValue(r.out, "requests"));
  EXPECT_GT(requests, 0) << r.out;
  std::string events = TableValue(r.out, "events");
  EXPECT_EQ(std::stoll(events), requests * 200) << r.out;
  EXPECT_THAT(events, HasSubstr(" duplicates, 0 rejected)")) << r.out;
  EXPECT_THAT(events, HasSubstr("(" + std::to_string(requests * 200) +
                                " accepted, 0 duplicates"))
      << r.out;
  EXPECT_GT(std::stod(TableValue(r.out, "events/s")), 0) << r.out;
  EXPECT_GT(std::stod(TableValue(r.out, "requests/s")), 0) << r.out;
  for (const char* p : {"p50", "p90", "p99", "p99.9", "max"}) {
    EXPECT_THAT(TableValue(r.out, std::string("latency ") + p), EndsWith(" ms"))
        << p << "\n"
        << r.out;
  }
  EXPECT_EQ(TableValue(r.out, "errors"), "0") << r.out;
  EXPECT_EQ(TableValue(r.out, "assignments/s"), "") << r.out;
}

TEST_F(BenchCommandTest, TrackJsonAndRerunsDoNotCollide) {
  BenchOptions options = Options();
  options.output = "json";
  options.track_batch = 50;
  options.connections = 1;
  options.concurrency = 2;
  options.duration_seconds = 0.5;
  std::string first_run_id;
  for (int run = 0; run < 2; ++run) {
    RunResult r = RunTrack(options);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto doc = engine::ParseJson(r.out);
    ASSERT_TRUE(doc.ok()) << doc.status() << "\n" << r.out;
    EXPECT_EQ(doc->Find("mode")->as_string(), "Track");
    EXPECT_EQ(doc->Find("batch")->as_number(), 50);
    double events = doc->Find("events")->as_number();
    EXPECT_GT(events, 0);
    EXPECT_EQ(doc->Find("accepted")->as_number(), events) << r.out;
    EXPECT_EQ(doc->Find("duplicates")->as_number(), 0) << r.out;
    EXPECT_EQ(doc->Find("rejected")->as_number(), 0) << r.out;
    EXPECT_GT(doc->Find("events_per_second")->as_number(), 0);
    ASSERT_NE(doc->Find("latency_ms"), nullptr);
    EXPECT_GT(doc->Find("latency_ms")->Find("p99_9")->as_number(), 0);
    EXPECT_EQ(doc->Find("errors")->Find("total")->as_number(), 0);
    std::string run_id = doc->Find("run_id")->as_string();
    if (run == 0) {
      first_run_id = run_id;
    } else {
      EXPECT_NE(run_id, first_run_id);
    }
  }
}

TEST_F(BenchCommandTest, TrackWrongKeyExitsOne) {
  BenchOptions options = Options();
  options.key = "not-a-key-0000000000";
  RunResult r = RunTrack(options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, StartsWith("cxlab: UNAUTHENTICATED: "));
}

TEST_F(BenchCommandTest, WrongKeyExitsOneWithUnauthenticated) {
  BenchOptions options = Options();
  options.key = "not-a-key-0000000000";
  RunResult r = RunBench(options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, StartsWith("cxlab: UNAUTHENTICATED: "));
}

TEST_F(BenchCommandTest, UnreachableServerExitsOne) {
  BenchOptions options = Options();
  options.server = "127.0.0.1:1";
  RunResult r = RunBench(options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("cxlab: cannot reach 127.0.0.1:1: "));
}

TEST(BenchOptionsTest, BadOptionsExitTwo) {
  BenchOptions good;
  good.server = "127.0.0.1:1";
  good.key = "k";
  std::vector<std::pair<std::string, BenchOptions>> cases;
  auto add = [&](const std::string& needle, auto change) {
    BenchOptions o = good;
    change(o);
    cases.emplace_back(needle, o);
  };
  add("--server", [](BenchOptions& o) { o.server.clear(); });
  add("--key", [](BenchOptions& o) { o.key.clear(); });
  add("--connections", [](BenchOptions& o) { o.connections = 0; });
  add("--concurrency", [](BenchOptions& o) { o.concurrency = 2; });
  add("--duration", [](BenchOptions& o) { o.duration_seconds = 0; });
  add("--warmup", [](BenchOptions& o) { o.warmup_seconds = -1; });
  add("--batch", [](BenchOptions& o) { o.batch = 10001; });
  add("--units", [](BenchOptions& o) { o.distinct_units = 0; });
  add("--output", [](BenchOptions& o) { o.output = "xml"; });
  add("--experiment", [](BenchOptions& o) { o.experiments = {""}; });
  for (const auto& [needle, options] : cases) {
    RunResult r = RunBench(options);
    EXPECT_EQ(r.exit_code, 2) << needle;
    EXPECT_THAT(r.err, StartsWith("cxlab: " + needle)) << needle;
    EXPECT_EQ(r.out, "") << needle;
  }
}

TEST(BenchOptionsTest, BadTrackOptionsExitTwo) {
  BenchOptions good;
  good.server = "127.0.0.1:1";
  good.key = "k";
  std::vector<std::pair<std::string, BenchOptions>> cases;
  auto add = [&](const std::string& needle, auto change) {
    BenchOptions o = good;
    change(o);
    cases.emplace_back(needle, o);
  };
  add("--server", [](BenchOptions& o) { o.server.clear(); });
  add("--key", [](BenchOptions& o) { o.key.clear(); });
  add("--concurrency", [](BenchOptions& o) { o.concurrency = 2; });
  add("--duration", [](BenchOptions& o) { o.duration_seconds = -1; });
  add("--batch must be in [1, 10000]",
      [](BenchOptions& o) { o.track_batch = 0; });
  add("--batch must be in [1, 10000]",
      [](BenchOptions& o) { o.track_batch = 10001; });
  add("--units", [](BenchOptions& o) { o.distinct_units = 0; });
  add("--output", [](BenchOptions& o) { o.output = "xml"; });
  for (const auto& [needle, options] : cases) {
    RunResult r = RunTrack(options);
    EXPECT_EQ(r.exit_code, 2) << needle;
    EXPECT_THAT(r.err, StartsWith("cxlab: " + needle)) << needle;
    EXPECT_EQ(r.out, "") << needle;
  }
}

// The registration as cli_app.cc uses it: global --server/--key on the
// root app, filled into BenchOptions after parsing.
TEST(AddBenchCommandTest, BindsEveryFlag) {
  CLI::App app{"test"};
  std::string server, key;
  app.add_option("--server", server);
  app.add_option("--key", key);
  BenchOptions options;
  BenchCommand command = AddBenchCommand(app, options);
  app.parse(
      "--key k1 bench assign --connections 3 --concurrency 30 --duration 2.5 "
      "--warmup 0 --batch 50 --experiment a --experiment b --units 7 "
      "--output json --server 127.0.0.1:9",
      false);
  EXPECT_TRUE(*command.bench);
  EXPECT_TRUE(*command.assign);
  EXPECT_EQ(server, "127.0.0.1:9");
  EXPECT_EQ(key, "k1");
  EXPECT_EQ(options.connections, 3);
  EXPECT_EQ(options.concurrency, 30);
  EXPECT_DOUBLE_EQ(options.duration_seconds, 2.5);
  EXPECT_DOUBLE_EQ(options.warmup_seconds, 0);
  EXPECT_EQ(options.batch, 50);
  EXPECT_EQ(options.experiments, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(options.distinct_units, 7);
  EXPECT_EQ(options.output, "json");
}

TEST(AddBenchCommandTest, DefaultsAndRangeChecks) {
  {
    CLI::App app{"test"};
    BenchOptions options;
    BenchCommand command = AddBenchCommand(app, options);
    app.parse("bench assign", false);
    EXPECT_TRUE(*command.assign);
    EXPECT_EQ(options.connections, 4);
    EXPECT_EQ(options.concurrency, 64);
    EXPECT_DOUBLE_EQ(options.duration_seconds, 10);
    EXPECT_EQ(options.batch, 0);
    EXPECT_EQ(options.output, "table");
  }
  for (const char* bad :
       {"bench assign --connections 0", "bench assign --duration 0",
        "bench assign --warmup -1", "bench assign --batch 10001",
        "bench assign --units 0", "bench assign --output xml",
        "bench assign --bogus 1", "bench"}) {
    CLI::App app{"test"};
    BenchOptions options;
    AddBenchCommand(app, options);
    EXPECT_THROW(app.parse(bad, false), CLI::ParseError) << bad;
  }
}

TEST(AddBenchCommandTest, TrackBindsItsFlags) {
  CLI::App app{"test"};
  std::string server, key;
  app.add_option("--server", server);
  app.add_option("--key", key);
  BenchOptions options;
  BenchCommand command = AddBenchCommand(app, options);
  app.parse(
      "--key k1 bench track --batch 500 --connections 2 --concurrency 6 "
      "--duration 3 --warmup 0.5 --units 200 --output json "
      "--server 127.0.0.1:9",
      false);
  EXPECT_TRUE(*command.track);
  EXPECT_FALSE(*command.assign);
  EXPECT_EQ(command.track_output->count(), 1u);
  EXPECT_EQ(command.output->count(), 0u);
  EXPECT_EQ(server, "127.0.0.1:9");
  EXPECT_EQ(options.track_batch, 500);
  EXPECT_EQ(options.batch, 0);
  EXPECT_EQ(options.connections, 2);
  EXPECT_EQ(options.concurrency, 6);
  EXPECT_DOUBLE_EQ(options.duration_seconds, 3);
  EXPECT_DOUBLE_EQ(options.warmup_seconds, 0.5);
  EXPECT_EQ(options.distinct_units, 200);
  EXPECT_EQ(options.output, "json");

  for (const char* bad : {"bench track --batch 0", "bench track --batch 10001",
                          "bench track --experiment a"}) {
    CLI::App app2{"test"};
    BenchOptions o;
    AddBenchCommand(app2, o);
    EXPECT_THROW(app2.parse(bad, false), CLI::ParseError) << bad;
  }
  CLI::App app3{"test"};
  BenchOptions defaults;
  BenchCommand c3 = AddBenchCommand(app3, defaults);
  app3.parse("bench track", false);
  EXPECT_TRUE(*c3.track);
  EXPECT_EQ(defaults.track_batch, 1000);
}

TEST_F(BenchCommandTest, ContentCountsSlots) {
  BenchOptions options = Options();
  options.slots = {"bench.hero", "bench.hero"};
  RunResult r = RunContent(options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(TableValue(r.out, "mode"), "GetContent");
  EXPECT_EQ(TableValue(r.out, "slots"), "bench.hero,bench.hero");
  EXPECT_GT(std::stoll(TableValue(r.out, "requests")), 0) << r.out;
  EXPECT_EQ(TableValue(r.out, "errors"), "0") << r.out;
  EXPECT_THAT(TableValue(r.out, "slots/s"),
              HasSubstr("(2.00 slots per request)"));

  options.output = "json";
  options.slots = {};
  r = RunContent(options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  engine::Value doc = *engine::ParseJson(r.out);
  EXPECT_EQ(doc.Find("mode")->as_string(), "GetContent");
  EXPECT_GT(doc.Find("slots_per_second")->as_number(), 0);

  // An unknown slot fails the probe: nothing succeeds.
  options.slots = {"no.such.slot"};
  r = RunContent(options);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT: slots[0]: unknown slot"));
}

TEST(AddBenchCommandTest, ContentBindsItsFlags) {
  CLI::App app{"test"};
  BenchOptions options;
  BenchCommand command = AddBenchCommand(app, options);
  app.parse(
      "bench content --slot a --slot b --connections 2 --concurrency 6 "
      "--duration 3 --warmup 0.5 --units 200 --output json",
      false);
  EXPECT_TRUE(*command.content);
  EXPECT_FALSE(*command.assign);
  EXPECT_EQ(command.content_output->count(), 1u);
  EXPECT_EQ(options.slots, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(options.connections, 2);
  EXPECT_EQ(options.concurrency, 6);
  EXPECT_DOUBLE_EQ(options.duration_seconds, 3);
  EXPECT_EQ(options.distinct_units, 200);
  for (const char* bad : {"bench content --batch 5",
                          "bench content --experiment a",
                          "bench content --units 0"}) {
    CLI::App app2{"test"};
    BenchOptions o;
    AddBenchCommand(app2, o);
    EXPECT_THROW(app2.parse(bad, false), CLI::ParseError) << bad;
  }
}

}  // namespace
}  // namespace cxlab::cli
