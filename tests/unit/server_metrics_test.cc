// Copyright 2026 The cxlab Authors.
//
// ServerMetrics: the rendered text exposition after each kind of call,
// assignment counting across snapshot versions and threads, cardinality
// caps, and the scrape-time families read from a Database and a Tracker.

#include "api/server/metrics.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/definitions.h"
#include "engine/evaluator.h"
#include "engine/snapshot.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/config_manager.h"
#include "storage/database.h"
#include "storage/tracker.h"
#include "tests/storage/test_util.h"

namespace cxlab::api {
namespace {

using ::cxlab::storage_test::IsOk;
using ::cxlab::storage_test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

// The value of the sample whose name and labels are exactly `series` (e.g.
// `cxlab_events_total{result="accepted"}`), or nullopt.
std::optional<double> Sample(const std::string& text,
                             absl::string_view series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, series)) continue;
    absl::string_view rest = line.substr(series.size());
    if (rest.empty() || rest[0] != ' ') continue;
    rest.remove_prefix(1);
    double value = 0;
    if (rest == "+Inf") return INFINITY;
    if (!absl::SimpleAtod(rest, &value)) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

// The lines of `text` that are samples of the family `name` (any suffix).
std::vector<std::string> SamplesOf(const std::string& text,
                                   absl::string_view name) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, absl::StrCat(name, "{")) ||
        absl::StartsWith(line, absl::StrCat(name, " "))) {
      out.emplace_back(line);
    }
  }
  return out;
}

engine::ExperimentDef Experiment(const std::string& key,
                                 std::vector<std::string> variants) {
  engine::ExperimentDef e;
  e.key = key;
  e.status = engine::ExperimentStatus::kRunning;
  for (const std::string& v : variants) {
    engine::VariantDef variant;
    variant.key = v;
    e.variants.push_back(variant);
  }
  return e;
}

std::shared_ptr<const engine::ConfigSnapshot> Snapshot(
    std::vector<engine::ExperimentDef> experiments, int64_t version) {
  engine::Definitions defs;
  defs.experiments = std::move(experiments);
  absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> snapshot =
      engine::ConfigSnapshot::Build(std::move(defs), version);
  EXPECT_THAT(snapshot, IsOk());
  return snapshot.ok() ? *snapshot : nullptr;
}

// An assignment of `snapshot`'s experiment `key` to `variant`.
engine::Assignment Assigned(const engine::ConfigSnapshot& snapshot,
                            const std::string& key, int variant,
                            engine::Reason reason = engine::Reason::kAssigned) {
  engine::Assignment a;
  a.experiment = snapshot.FindExperiment(key);
  EXPECT_NE(a.experiment, nullptr) << key;
  a.variant = variant;
  a.reason = reason;
  return a;
}

std::string Render(const ServerMetrics& metrics) {
  return metrics.RenderText(ScrapeInputs());
}

TEST(ServerMetrics, AFreshInstanceRendersTheEventCountersAtZero) {
  ServerMetrics metrics;
  ScrapeInputs inputs;
  inputs.config_version = 42;
  const std::string text = metrics.RenderText(inputs);
  EXPECT_THAT(text, HasSubstr("# TYPE cxlab_events_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE cxlab_config_version gauge"));
  // Families without a series yet are left out.
  EXPECT_THAT(text, Not(HasSubstr("cxlab_rpc")));
  EXPECT_THAT(text, Not(HasSubstr("cxlab_http")));
  EXPECT_THAT(text, Not(HasSubstr("cxlab_assignments")));
  EXPECT_THAT(Sample(text, R"(cxlab_events_total{result="accepted"})"),
              Optional(0.0));
  EXPECT_THAT(Sample(text, R"(cxlab_events_total{result="duplicate"})"),
              Optional(0.0));
  EXPECT_THAT(Sample(text, R"(cxlab_events_total{result="rejected"})"),
              Optional(0.0));
  EXPECT_THAT(Sample(text, "cxlab_config_version"), Optional(42.0));
  // Without a tracker or a database their families are left out.
  EXPECT_THAT(text, Not(HasSubstr("cxlab_exposure")));
  EXPECT_THAT(text, Not(HasSubstr("cxlab_rocksdb")));
  EXPECT_THAT(Render(metrics), Not(HasSubstr("cxlab_config_version")));
}

TEST(ServerMetrics, ObserveRpcCountsByMethodAndCode) {
  ServerMetrics metrics;
  metrics.ObserveRpc("AssignmentService/Assign", grpc::StatusCode::OK,
                     absl::Microseconds(40));
  metrics.ObserveRpc("AssignmentService/Assign", grpc::StatusCode::OK,
                     absl::Microseconds(80));
  metrics.ObserveRpc("AssignmentService/Assign",
                     grpc::StatusCode::INVALID_ARGUMENT,
                     absl::Microseconds(20));
  metrics.ObserveRpc("EventService/Track", grpc::StatusCode::UNAUTHENTICATED,
                     absl::Milliseconds(2));
  metrics.ObserveRpc("", grpc::StatusCode::UNIMPLEMENTED, absl::ZeroDuration());
  const std::string text = Render(metrics);
  EXPECT_THAT(text, HasSubstr("# TYPE cxlab_rpc_requests_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE cxlab_rpc_latency_seconds histogram"));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_rpc_requests_total{code="OK",method="AssignmentService/Assign"})"),
      Optional(2.0));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_rpc_requests_total{code="INVALID_ARGUMENT",method="AssignmentService/Assign"})"),
      Optional(1.0));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_rpc_requests_total{code="UNAUTHENTICATED",method="EventService/Track"})"),
      Optional(1.0));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_rpc_requests_total{code="UNIMPLEMENTED",method="unknown"})"),
      Optional(1.0));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_rpc_latency_seconds_count{method="AssignmentService/Assign"})"),
      Optional(3.0));
  EXPECT_EQ(SamplesOf(text, "cxlab_rpc_requests_total").size(), 4u);
}

TEST(ServerMetrics, LatencyHistogramBucketsSpan50MicrosecondsTo10Seconds) {
  ServerMetrics metrics;
  for (absl::Duration latency :
       {absl::Microseconds(30), absl::Microseconds(50), absl::Microseconds(700),
        absl::Milliseconds(3), absl::Seconds(2), absl::Seconds(20)}) {
    metrics.ObserveRpc("S/M", grpc::StatusCode::OK, latency);
  }
  const std::string text = Render(metrics);
  std::vector<double> bounds;
  for (const std::string& line :
       SamplesOf(text, "cxlab_rpc_latency_seconds_bucket")) {
    const size_t le = line.find("le=\"");
    ASSERT_NE(le, std::string::npos) << line;
    const std::string bound =
        line.substr(le + 4, line.find('"', le + 4) - le - 4);
    double value = 0;
    if (bound == "+Inf") {
      value = INFINITY;
    } else {
      ASSERT_TRUE(absl::SimpleAtod(bound, &value)) << line;
    }
    bounds.push_back(value);
  }
  ASSERT_EQ(bounds.size(), 18u);  // 17 bounds and +Inf
  EXPECT_DOUBLE_EQ(bounds.front(), 0.00005);
  EXPECT_DOUBLE_EQ(bounds[16], 10);
  EXPECT_TRUE(std::isinf(bounds.back()));
  auto bucket = [&](absl::string_view le) {
    return Sample(text,
                  absl::StrCat(R"(cxlab_rpc_latency_seconds_bucket{method="S/M",le=")",
                               le, R"("})"));
  };
  // Buckets are cumulative and a bound includes its value.
  EXPECT_THAT(bucket("5e-05"), Optional(2.0));   // 30 us, 50 us
  EXPECT_THAT(bucket("0.001"), Optional(3.0));   // + 700 us
  EXPECT_THAT(bucket("0.005"), Optional(4.0));   // + 3 ms
  EXPECT_THAT(bucket("2.5"), Optional(5.0));     // + 2 s
  EXPECT_THAT(bucket("10"), Optional(5.0));
  EXPECT_THAT(bucket("+Inf"), Optional(6.0));    // + 20 s
  EXPECT_THAT(Sample(text, R"(cxlab_rpc_latency_seconds_count{method="S/M"})"),
              Optional(6.0));
  std::optional<double> sum =
      Sample(text, R"(cxlab_rpc_latency_seconds_sum{method="S/M"})");
  ASSERT_TRUE(sum.has_value());
  EXPECT_NEAR(*sum, 22.00378, 1e-9);
}

TEST(ServerMetrics, ObserveHttpCountsByRouteMethodAndStatus) {
  ServerMetrics metrics;
  metrics.ObserveHttp("/v1/assign", "POST", 200, absl::Microseconds(90));
  metrics.ObserveHttp("/v1/assign", "POST", 200, absl::Microseconds(110));
  metrics.ObserveHttp("/v1/assign", "POST", 401, absl::Microseconds(10));
  metrics.ObserveHttp("/ofrep/v1/evaluate/flags/{key}", "POST", 404,
                      absl::Microseconds(50));
  metrics.ObserveHttp("/ui/experiments/{key}", "BREW", 418,
                      absl::Milliseconds(1));
  metrics.ObserveHttp("", "GET", 42, absl::Milliseconds(1));
  const std::string text = Render(metrics);
  EXPECT_THAT(text, HasSubstr("# TYPE cxlab_http_requests_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE cxlab_http_latency_seconds histogram"));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_http_requests_total{method="POST",route="/v1/assign",status="200"})"),
      Optional(2.0));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_http_requests_total{method="POST",route="/v1/assign",status="401"})"),
      Optional(1.0));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_http_requests_total{method="POST",route="/ofrep/v1/evaluate/flags/{key}",status="404"})"),
      Optional(1.0));
  // Unknown methods, out-of-range statuses and empty routes are "other".
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_http_requests_total{method="other",route="/ui/experiments/{key}",status="418"})"),
      Optional(1.0));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_http_requests_total{method="GET",route="other",status="other"})"),
      Optional(1.0));
  EXPECT_THAT(
      Sample(text, R"(cxlab_http_latency_seconds_count{route="/v1/assign"})"),
      Optional(3.0));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_http_latency_seconds_bucket{route="/v1/assign",le="0.0001"})"),
      Optional(2.0));
}

TEST(ServerMetrics, LabelSetsAreCappedPerFamily) {
  ServerMetrics metrics;
  const int kRoutes = ServerMetrics::kMaxSeriesPerFamily + 88;
  for (int i = 0; i < kRoutes; ++i) {
    metrics.ObserveHttp(absl::StrCat("/r", i), "GET", 200,
                        absl::Microseconds(1));
  }
  const std::string text = Render(metrics);
  const std::vector<std::string> counters =
      SamplesOf(text, "cxlab_http_requests_total");
  EXPECT_EQ(counters.size(),
            static_cast<size_t>(ServerMetrics::kMaxSeriesPerFamily) + 1);
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_http_requests_total{method="GET",route="other",status="200"})"),
      Optional(88.0));
  // Label sets seen before the cap keep counting under their own labels.
  metrics.ObserveHttp("/r0", "GET", 200, absl::Microseconds(1));
  EXPECT_THAT(
      Sample(Render(metrics),
             R"(cxlab_http_requests_total{method="GET",route="/r0",status="200"})"),
      Optional(2.0));
}

TEST(ServerMetrics, CountsAssignmentsInWhichTheUnitSeesAVariant) {
  ServerMetrics metrics;
  std::shared_ptr<const engine::ConfigSnapshot> snap =
      Snapshot({Experiment("checkout", {"control", "treatment"}),
                Experiment("hero", {"a", "b", "c"})},
               1);
  ASSERT_NE(snap, nullptr);
  for (int i = 0; i < 3; ++i) {
    metrics.CountAssignment(*snap, Assigned(*snap, "checkout", 1));
  }
  metrics.CountAssignment(
      *snap, Assigned(*snap, "checkout", 0, engine::Reason::kForced));
  metrics.CountAssignment(*snap,
                          Assigned(*snap, "hero", 2, engine::Reason::kLaunched));
  // Not counted: no variant (not targeted, holdout ...), unknown key.
  metrics.CountAssignment(
      *snap, Assigned(*snap, "hero", -1, engine::Reason::kNotTargeted));
  metrics.CountAssignment(*snap, engine::Assignment());
  // A batch, as EvaluateAll returns it.
  std::vector<engine::Assignment> batch = {
      Assigned(*snap, "checkout", 0), Assigned(*snap, "hero", 0),
      Assigned(*snap, "hero", -1, engine::Reason::kHoldout),
      engine::Assignment()};
  metrics.CountAssignments(*snap, batch);

  EXPECT_EQ(metrics.AssignmentCountForTest("checkout", "treatment"), 3);
  EXPECT_EQ(metrics.AssignmentCountForTest("checkout", "control"), 2);
  EXPECT_EQ(metrics.AssignmentCountForTest("hero", "a"), 1);
  EXPECT_EQ(metrics.AssignmentCountForTest("hero", "b"), 0);
  EXPECT_EQ(metrics.AssignmentCountForTest("hero", "c"), 1);
  const std::string text = Render(metrics);
  EXPECT_THAT(text, HasSubstr("# TYPE cxlab_assignments_total counter"));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_assignments_total{experiment="checkout",variant="treatment"})"),
      Optional(3.0));
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_assignments_total{experiment="checkout",variant="control"})"),
      Optional(2.0));
  // Every variant of the served experiments has a series, zeros included.
  EXPECT_THAT(
      Sample(text, R"(cxlab_assignments_total{experiment="hero",variant="b"})"),
      Optional(0.0));
  EXPECT_EQ(SamplesOf(text, "cxlab_assignments_total").size(), 5u);
}

TEST(ServerMetrics, AssignmentCountsCarryOverAcrossSnapshotVersions) {
  ServerMetrics metrics;
  std::shared_ptr<const engine::ConfigSnapshot> v1 =
      Snapshot({Experiment("checkout", {"control", "treatment"})}, 1);
  // Version 2 reorders the variants and adds an experiment before it, so
  // both the experiment and the variant indexes change.
  std::shared_ptr<const engine::ConfigSnapshot> v2 =
      Snapshot({Experiment("checkout", {"treatment", "control"}),
                Experiment("banner", {"off", "on"})},
               2);
  ASSERT_NE(v1, nullptr);
  ASSERT_NE(v2, nullptr);
  metrics.CountAssignment(*v1, Assigned(*v1, "checkout", 1));  // treatment
  metrics.CountAssignment(*v2, Assigned(*v2, "checkout", 0));  // treatment
  metrics.CountAssignment(*v2, Assigned(*v2, "checkout", 1));  // control
  metrics.CountAssignment(*v2, Assigned(*v2, "banner", 1));
  // A request still holding version 1 after the swap counts correctly.
  metrics.CountAssignment(*v1, Assigned(*v1, "checkout", 0));  // control
  EXPECT_EQ(metrics.AssignmentCountForTest("checkout", "treatment"), 2);
  EXPECT_EQ(metrics.AssignmentCountForTest("checkout", "control"), 2);
  EXPECT_EQ(metrics.AssignmentCountForTest("banner", "on"), 1);

  // An experiment deleted from the config keeps its series.
  std::shared_ptr<const engine::ConfigSnapshot> v3 =
      Snapshot({Experiment("banner", {"off", "on"})}, 3);
  ASSERT_NE(v3, nullptr);
  metrics.CountAssignment(*v3, Assigned(*v3, "banner", 1));
  const std::string text = Render(metrics);
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_assignments_total{experiment="checkout",variant="control"})"),
      Optional(2.0));
  EXPECT_THAT(
      Sample(text, R"(cxlab_assignments_total{experiment="banner",variant="on"})"),
      Optional(2.0));
}

TEST(ServerMetrics, IgnoresAnAssignmentOfAnotherSnapshot) {
  ServerMetrics metrics;
  std::shared_ptr<const engine::ConfigSnapshot> v1 =
      Snapshot({Experiment("checkout", {"control", "treatment"})}, 1);
  std::shared_ptr<const engine::ConfigSnapshot> v2 =
      Snapshot({Experiment("checkout", {"control", "treatment"})}, 2);
  ASSERT_NE(v1, nullptr);
  ASSERT_NE(v2, nullptr);
  metrics.CountAssignment(*v2, Assigned(*v1, "checkout", 1));
  EXPECT_EQ(metrics.AssignmentCountForTest("checkout", "treatment"), 0);
}

TEST(ServerMetrics, InstancesCountSeparatelyOnOneThread) {
  std::shared_ptr<const engine::ConfigSnapshot> snap =
      Snapshot({Experiment("checkout", {"control", "treatment"})}, 1);
  ASSERT_NE(snap, nullptr);
  auto first = std::make_unique<ServerMetrics>();
  auto second = std::make_unique<ServerMetrics>();
  for (int i = 0; i < 3; ++i) {
    first->CountAssignment(*snap, Assigned(*snap, "checkout", 0));
    second->CountAssignment(*snap, Assigned(*snap, "checkout", 1));
  }
  EXPECT_EQ(first->AssignmentCountForTest("checkout", "control"), 3);
  EXPECT_EQ(first->AssignmentCountForTest("checkout", "treatment"), 0);
  EXPECT_EQ(second->AssignmentCountForTest("checkout", "treatment"), 3);
  // A new instance (possibly at the old one's address) starts from zero.
  first.reset();
  auto third = std::make_unique<ServerMetrics>();
  third->CountAssignment(*snap, Assigned(*snap, "checkout", 0));
  EXPECT_EQ(third->AssignmentCountForTest("checkout", "control"), 1);
}

TEST(ServerMetrics, ConcurrentCountingLosesNothing) {
  ServerMetrics metrics;
  std::shared_ptr<const engine::ConfigSnapshot> v1 =
      Snapshot({Experiment("checkout", {"control", "treatment"})}, 1);
  std::shared_ptr<const engine::ConfigSnapshot> v2 =
      Snapshot({Experiment("other", {"x", "y"}),
                Experiment("checkout", {"control", "treatment"})},
               2);
  ASSERT_NE(v1, nullptr);
  ASSERT_NE(v2, nullptr);
  constexpr int kThreads = 12;  // more than the shards
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Half the threads switch snapshots midway, as under a config change.
      const engine::ConfigSnapshot& first = *v1;
      const engine::ConfigSnapshot& second = t % 2 == 0 ? *v1 : *v2;
      const engine::Assignment a1 = Assigned(first, "checkout", t % 2);
      const engine::Assignment a2 = Assigned(second, "checkout", t % 2);
      for (int i = 0; i < kPerThread; ++i) {
        if (i < kPerThread / 2) {
          metrics.CountAssignment(first, a1);
        } else {
          metrics.CountAssignments(second, absl::MakeConstSpan(&a2, 1));
        }
      }
      metrics.ObserveRpc("S/M", grpc::StatusCode::OK, absl::Microseconds(t));
    });
  }
  std::thread scraper([&] {
    for (int i = 0; i < 20; ++i) (void)Render(metrics);
  });
  for (std::thread& thread : threads) thread.join();
  scraper.join();
  EXPECT_EQ(metrics.AssignmentCountForTest("checkout", "control"),
            int64_t{kThreads / 2} * kPerThread);
  EXPECT_EQ(metrics.AssignmentCountForTest("checkout", "treatment"),
            int64_t{kThreads / 2} * kPerThread);
  EXPECT_THAT(
      Sample(Render(metrics),
             R"(cxlab_rpc_requests_total{code="OK",method="S/M"})"),
      Optional(static_cast<double>(kThreads)));
}

TEST(ServerMetrics, CountEventsByResult) {
  ServerMetrics metrics;
  metrics.CountEvents(5, 2, 1);
  metrics.CountEvents(1, 0, 0);
  metrics.CountEvents(-3, -1, 0);  // ignored
  const std::string text = Render(metrics);
  EXPECT_THAT(Sample(text, R"(cxlab_events_total{result="accepted"})"),
              Optional(6.0));
  EXPECT_THAT(Sample(text, R"(cxlab_events_total{result="duplicate"})"),
              Optional(2.0));
  EXPECT_THAT(Sample(text, R"(cxlab_events_total{result="rejected"})"),
              Optional(1.0));
}

TEST(ServerMetrics, LabelValuesAreEscaped) {
  ServerMetrics metrics;
  metrics.ObserveHttp("/a\"b\\c\nd", "GET", 200, absl::Microseconds(1));
  EXPECT_THAT(Render(metrics), HasSubstr(R"(route="/a\"b\\c\nd")"));
}

TEST(RpcMethodLabel, DropsTheSlashAndThePackage) {
  EXPECT_EQ(RpcMethodLabel("/cxlab.v1.AssignmentService/Assign"),
            "AssignmentService/Assign");
  EXPECT_EQ(RpcMethodLabel("/grpc.health.v1.Health/Check"), "Health/Check");
  EXPECT_EQ(RpcMethodLabel("/Service/Method"), "Service/Method");
  EXPECT_EQ(RpcMethodLabel("/a.b/c.d"), "b/c.d");
  EXPECT_EQ(RpcMethodLabel("unknown"), "unknown");
  EXPECT_EQ(RpcMethodLabel("/"), "unknown");
  EXPECT_EQ(RpcMethodLabel(""), "unknown");
}

// The scrape-time families, read from a real Database and Tracker.
TEST(ServerMetrics, RendersTrackerCountersAndDatabaseSizes) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Open(dir.path());
  ASSERT_THAT(db, IsOk());
  absl::StatusOr<std::unique_ptr<storage::ConfigManager>> config =
      storage::ConfigManager::Open(**db);
  ASSERT_THAT(config, IsOk());
  absl::StatusOr<std::unique_ptr<storage::Tracker>> tracker =
      storage::Tracker::Create(**db, **config, storage::TrackerOptions());
  ASSERT_THAT(tracker, IsOk());
  auto exposure = [](const std::string& unit, int variant) {
    storage::ExposureRecord r;
    r.unit_type = "user";
    r.unit_id = unit;
    r.experiment_key = "checkout";
    r.variant_index = variant;
    r.variant_key = variant == 0 ? "control" : "treatment";
    r.time = absl::FromUnixSeconds(1700000000);
    return r;
  };
  // u1 arrives as control, again as control, then as treatment: a mismatch.
  ASSERT_THAT((*tracker)->RecordExposures(
                  {exposure("u1", 0), exposure("u2", 1), exposure("u1", 0)}),
              IsOk());
  (*tracker)->EnqueueExposures({exposure("u1", 1)});
  (*tracker)->Flush();

  ServerMetrics metrics;
  ScrapeInputs inputs;
  inputs.config_version = (*config)->snapshot()->version();
  inputs.database = db->get();
  inputs.tracker = tracker->get();
  std::string text = metrics.RenderText(inputs);
  EXPECT_THAT(Sample(text, "cxlab_exposure_mismatches_total"), Optional(1.0));
  EXPECT_THAT(Sample(text, R"(cxlab_exposures_total{result="new"})"),
              Optional(2.0));
  EXPECT_THAT(Sample(text, R"(cxlab_exposures_total{result="repeat"})"),
              Optional(1.0));
  EXPECT_THAT(Sample(text, R"(cxlab_exposures_total{result="mismatch"})"),
              Optional(1.0));
  EXPECT_THAT(Sample(text, "cxlab_exposures_dropped_total"), Optional(0.0));
  EXPECT_THAT(Sample(text, "cxlab_exposure_queue_length"), Optional(0.0));
  EXPECT_THAT(Sample(text, "cxlab_config_version"),
              Optional(static_cast<double>(inputs.config_version)));
  // One series per column family for each RocksDB gauge.
  for (absl::string_view gauge :
       {"cxlab_rocksdb_sst_bytes", "cxlab_rocksdb_live_sst_bytes",
        "cxlab_rocksdb_pending_compaction_bytes",
        "cxlab_rocksdb_memtable_bytes"}) {
    EXPECT_THAT(text, HasSubstr(absl::StrCat("# TYPE ", gauge, " gauge")));
    EXPECT_EQ(SamplesOf(text, gauge).size(), 10u) << gauge;
  }
  std::optional<double> memtable = Sample(
      text, R"(cxlab_rocksdb_memtable_bytes{column_family="exposures"})");
  ASSERT_TRUE(memtable.has_value());
  EXPECT_GT(*memtable, 0);

  // A closed database leaves its gauges out; the rest still renders.
  (*tracker)->Shutdown();
  ASSERT_THAT((*db)->Close(), IsOk());
  text = metrics.RenderText(inputs);
  EXPECT_THAT(text, Not(HasSubstr("cxlab_rocksdb")));
  EXPECT_THAT(Sample(text, "cxlab_exposure_mismatches_total"), Optional(1.0));
}

}  // namespace
}  // namespace cxlab::api
