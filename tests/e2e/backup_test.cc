// Copyright 2026 The cxlab Authors.
//
// End-to-end backup test (issue 8, part 5), with the real cxlabd binary:
//
// 1. A daemon serves a running experiment with a revenue metric and 200
//    exposed units. Two threads call Track continuously (batches of 50
//    events with known ids and values), a third calls AssignBatch for new
//    units (their exposures take the asynchronous path). Meanwhile
//    AdminService.Backup writes a backup.
// 2. Each batch is classified by the test's own clock against the Backup
//    call: acknowledged before Backup was called (A), sent after it
//    returned (C), or in between (B).
// 3. `cxlabd --restore_from BACKUP --restore_only` into the live, non-empty
//    data dir is refused; `cxlabd --restore_from BACKUP --data_dir NEW`
//    restores and serves. There:
//    - EventService.Verify passes (aggregates equal a recompute);
//    - the revenue sum equals the A batches plus exactly the B batches that
//      are present, and each batch, sent again, is entirely duplicates (A:
//      always) or entirely new (C: always): the backup holds whole Track
//      calls, at one point in time;
//    - the exposed units include every unit whose AssignBatch returned
//      before the Backup call (the queued exposures were flushed first) and
//      none assigned after it returned;
//    - the config version is the one Backup reported, and the restored
//      daemon accepts new events.
// Event values are multiples of 1/4, so sums are exact in doubles.

#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cxlab/v1/admin.grpc.pb.h"
#include "cxlab/v1/assignment.grpc.pb.h"
#include "cxlab/v1/events.grpc.pb.h"
#include "cxlab/v1/experiment_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/daemon_process.h"

namespace cxlab {
namespace {

using e2e::DaemonProcess;

constexpr char kAdminKey[] = "backup-admin-key-000000001";
constexpr char kExperiment[] = "backup_exp";
constexpr char kMetric[] = "revenue";
constexpr char kEvent[] = "purchase";
constexpr int kUnits = 200;
constexpr int kBatchSize = 50;
constexpr int kTrackThreads = 2;
constexpr int kAssignBatch = 20;
constexpr auto kTrafficBefore = std::chrono::milliseconds(700);
constexpr auto kTrafficAfter = std::chrono::milliseconds(400);

std::unique_ptr<grpc::ClientContext> Context(
    std::chrono::seconds deadline = std::chrono::seconds(10)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", std::string("Bearer ") + kAdminKey);
  context->set_deadline(std::chrono::system_clock::now() + deadline);
  return context;
}

struct Stubs {
  explicit Stubs(const std::string& address)
      : channel(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        experiments(v1::ExperimentService::NewStub(channel)),
        assignment(v1::AssignmentService::NewStub(channel)),
        events(v1::EventService::NewStub(channel)),
        admin(v1::AdminService::NewStub(channel)) {}

  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::ExperimentService::Stub> experiments;
  std::unique_ptr<v1::AssignmentService::Stub> assignment;
  std::unique_ptr<v1::EventService::Stub> events;
  std::unique_ptr<v1::AdminService::Stub> admin;
};

// Where a call stands relative to the Backup call, by the test's clock.
enum class Phase { kBefore, kDuring, kAfter };

// The Backup call's progress, as the traffic threads see it.
struct BackupClock {
  std::atomic<bool> started{false};
  std::atomic<bool> returned{false};

  // Called around one traffic call: `sent_after` read before sending,
  // `acked_before` after the acknowledgement.
  static Phase Classify(bool sent_after, bool acked_before) {
    if (acked_before) return Phase::kBefore;
    if (sent_after) return Phase::kAfter;
    return Phase::kDuring;
  }
};

struct TrackedBatch {
  v1::TrackRequest request;
  Phase phase = Phase::kDuring;
  double sum = 0;
};

struct AssignedBatch {
  int first = 0;  // units "a-<first>" .. "a-<first + kAssignBatch - 1>"
  Phase phase = Phase::kDuring;
};

// Sends Track batches until `stop`; records every acknowledged one.
void TrackLoop(v1::EventService::Stub& events, std::atomic<int64_t>& next_id,
               std::atomic<bool>& stop, BackupClock& clock, uint64_t seed,
               std::vector<TrackedBatch>& out, std::string& failure) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> unit(0, kUnits - 1);
  std::uniform_int_distribution<int> quarters(1, 4000);
  while (!stop.load()) {
    TrackedBatch batch;
    const int64_t first = next_id.fetch_add(kBatchSize);
    for (int i = 0; i < kBatchSize; ++i) {
      v1::Event& e = *batch.request.add_events();
      e.set_event_id("bk-" + std::to_string(first + i));
      e.set_name(kEvent);
      e.set_unit_id("u-" + std::to_string(unit(rng)));
      e.set_unit_type("user");
      e.set_value(quarters(rng) / 4.0);
      batch.sum += e.value();
    }
    const bool sent_after = clock.returned.load();
    v1::TrackResponse response;
    grpc::Status status =
        events.Track(Context().get(), batch.request, &response);
    const bool acked_before = !clock.started.load();
    if (!status.ok() || response.accepted() != kBatchSize) {
      failure =
          status.ok() ? response.ShortDebugString() : status.error_message();
      return;
    }
    batch.phase = BackupClock::Classify(sent_after, acked_before);
    out.push_back(std::move(batch));
  }
}

// Assigns new units in batches until `stop`.
void AssignLoop(v1::AssignmentService::Stub& assignment,
                std::atomic<bool>& stop, BackupClock& clock,
                std::vector<AssignedBatch>& out, std::string& failure) {
  for (int first = 0; !stop.load(); first += kAssignBatch) {
    v1::AssignBatchRequest request;
    for (int i = 0; i < kAssignBatch; ++i) {
      v1::Unit& unit = *request.add_units();
      unit.set_unit_id("a-" + std::to_string(first + i));
      unit.set_unit_type("user");
    }
    request.add_experiment_keys(kExperiment);
    const bool sent_after = clock.returned.load();
    v1::AssignBatchResponse response;
    grpc::Status status =
        assignment.AssignBatch(Context().get(), request, &response);
    const bool acked_before = !clock.started.load();
    if (!status.ok()) {
      failure = status.error_message();
      return;
    }
    for (const v1::UnitAssignments& r : response.results()) {
      if (r.assignments_size() != 1 || !r.assignments(0).in_experiment()) {
        failure = "not enrolled: " + r.ShortDebugString();
        return;
      }
    }
    out.push_back({first, BackupClock::Classify(sent_after, acked_before)});
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

v1::GetStatsResponse GetStats(Stubs& stubs) {
  v1::GetStatsRequest request;
  request.set_experiment_key(kExperiment);
  v1::GetStatsResponse response;
  grpc::Status status =
      stubs.events->GetStats(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

double Revenue(const v1::GetStatsResponse& stats) {
  double sum = 0;
  for (const v1::MetricStats& s : stats.stats()) {
    if (s.metric_key() == kMetric) sum += s.sum();
  }
  return sum;
}

int64_t Exposed(const v1::GetStatsResponse& stats) {
  int64_t n = 0;
  for (int64_t v : stats.exposed_units()) n += v;
  return n;
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "cxlab-backup-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    temp_dir_ = pattern;
  }
  void TearDown() override {
    if (temp_dir_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir_, ignored);
  }
  std::string Path(const std::string& name) const {
    return (std::filesystem::path(temp_dir_) / name).string();
  }
  static std::vector<std::string> ServeArgs(const std::string& data_dir) {
    return {"--data_dir", data_dir, "--grpc_port", "0", "--http_port", "-1"};
  }

  std::string temp_dir_;
};

void CreateExperimentAndExpose(Stubs& stubs) {
  v1::CreateMetricRequest metric_request;
  v1::Metric& m = *metric_request.mutable_metric();
  m.set_key(kMetric);
  m.set_name("Revenue");
  m.set_type(v1::METRIC_TYPE_MEAN);
  m.set_event(kEvent);
  v1::Metric metric;
  grpc::Status status =
      stubs.experiments->CreateMetric(Context().get(), metric_request, &metric);
  ASSERT_TRUE(status.ok()) << status.error_message();

  v1::CreateExperimentRequest experiment_request;
  v1::Experiment& e = *experiment_request.mutable_experiment();
  e.set_key(kExperiment);
  e.set_name("Backup test");
  e.set_status(v1::EXPERIMENT_STATUS_RUNNING);
  for (const char* key : {"control", "treatment"}) {
    e.add_variants()->set_key(key);
  }
  e.add_metrics(kMetric);
  v1::Experiment experiment;
  status = stubs.experiments->CreateExperiment(Context().get(),
                                               experiment_request, &experiment);
  ASSERT_TRUE(status.ok()) << status.error_message();

  v1::AssignBatchRequest assign;
  for (int i = 0; i < kUnits; ++i) {
    v1::Unit& unit = *assign.add_units();
    unit.set_unit_id("u-" + std::to_string(i));
    unit.set_unit_type("user");
  }
  assign.add_experiment_keys(kExperiment);
  v1::AssignBatchResponse assigned;
  status = stubs.assignment->AssignBatch(Context().get(), assign, &assigned);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // GetStats flushes the exposure queue.
  ASSERT_EQ(Exposed(GetStats(stubs)), kUnits);
}

TEST_F(BackupTest, BackupDuringTrafficRestoresExactlyWhatWasAcknowledged) {
  const std::string live_dir = Path("live");
  const std::string backup_dir = Path("backups/b1");
  const std::string restored_dir = Path("restored");

  DaemonProcess live;
  ASSERT_TRUE(live.Start(ServeArgs(live_dir), kAdminKey)) << live.log();
  Stubs stubs(live.address());
  CreateExperimentAndExpose(stubs);
  if (HasFatalFailure()) return;

  BackupClock clock;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> next_id{0};
  std::vector<std::vector<TrackedBatch>> tracked(kTrackThreads);
  std::vector<std::string> track_failures(kTrackThreads);
  std::vector<AssignedBatch> assigned;
  std::string assign_failure;
  std::vector<std::thread> threads;
  for (int t = 0; t < kTrackThreads; ++t) {
    threads.emplace_back(TrackLoop, std::ref(*stubs.events), std::ref(next_id),
                         std::ref(stop), std::ref(clock), 11 + t,
                         std::ref(tracked[t]), std::ref(track_failures[t]));
  }
  threads.emplace_back(AssignLoop, std::ref(*stubs.assignment), std::ref(stop),
                       std::ref(clock), std::ref(assigned),
                       std::ref(assign_failure));
  std::this_thread::sleep_for(kTrafficBefore);

  v1::BackupRequest backup_request;
  backup_request.set_dir(backup_dir);
  v1::BackupResponse backup;
  clock.started = true;
  grpc::Status backup_status = stubs.admin->Backup(
      Context(std::chrono::seconds(60)).get(), backup_request, &backup);
  clock.returned = true;
  std::this_thread::sleep_for(kTrafficAfter);
  stop = true;
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(backup_status.ok()) << backup_status.error_message();
  for (const std::string& f : track_failures) ASSERT_EQ(f, "");
  ASSERT_EQ(assign_failure, "");
  EXPECT_EQ(backup.dir(), backup_dir);
  EXPECT_GT(backup.files(), 0);
  EXPECT_GT(backup.size_bytes(), 0);
  EXPECT_GT(backup.sequence(), 0u);
  EXPECT_FALSE(backup.backup_id().empty());

  // A second backup into the same directory is refused.
  {
    v1::BackupResponse again;
    grpc::Status status =
        stubs.admin->Backup(Context().get(), backup_request, &again);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS)
        << status.error_message();
  }
  live.Kill();

  // Restoring into a non-empty data dir is refused and changes nothing.
  {
    DaemonProcess restore;
    const int code = restore.Run({"--data_dir", live_dir, "--restore_from",
                                  backup_dir, "--restore_only"},
                                 kAdminKey);
    EXPECT_EQ(code, 1) << restore.log();
    EXPECT_NE(restore.log().find("is not empty"), std::string::npos)
        << restore.log();
  }

  DaemonProcess restored;
  std::vector<std::string> args = ServeArgs(restored_dir);
  args.push_back("--restore_from");
  args.push_back(backup_dir);
  ASSERT_TRUE(restored.Start(args, kAdminKey)) << restored.log();
  EXPECT_NE(restored.log().find("restored backup " + backup.backup_id()),
            std::string::npos)
      << restored.log();
  Stubs there(restored.address());

  // The aggregates equal a recompute from the raw log.
  v1::VerifyResponse verify;
  grpc::Status status =
      there.events->Verify(Context().get(), v1::VerifyRequest(), &verify);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(verify.ok()) << verify.ShortDebugString();
  EXPECT_GE(verify.experiments_checked(), 1);

  const v1::GetStatsResponse stats = GetStats(there);
  const double restored_revenue = Revenue(stats);
  const int64_t restored_exposed = Exposed(stats);

  // Probe every batch: a whole Track call is in the backup or not at all.
  double expected_revenue = 0;
  int counts[3] = {0, 0, 0};
  int during_present = 0;
  for (const std::vector<TrackedBatch>& batches : tracked) {
    for (const TrackedBatch& batch : batches) {
      ++counts[static_cast<int>(batch.phase)];
      v1::TrackResponse response;
      status = there.events->Track(Context().get(), batch.request, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
      ASSERT_EQ(response.errors_size(), 0);
      const bool present = response.duplicates() == kBatchSize;
      const bool absent = response.accepted() == kBatchSize;
      ASSERT_TRUE(present || absent)
          << "batch " << batch.request.events(0).event_id()
          << " is partly in the backup: " << response.ShortDebugString();
      switch (batch.phase) {
        case Phase::kBefore:
          EXPECT_TRUE(present) << "acknowledged before the backup but missing: "
                               << batch.request.events(0).event_id();
          break;
        case Phase::kAfter:
          EXPECT_TRUE(absent) << "sent after the backup returned but present: "
                              << batch.request.events(0).event_id();
          break;
        case Phase::kDuring:
          if (present) ++during_present;
          break;
      }
      if (present) expected_revenue += batch.sum;
    }
  }
  EXPECT_GT(counts[static_cast<int>(Phase::kBefore)], 0);
  EXPECT_GT(counts[static_cast<int>(Phase::kAfter)], 0);
  EXPECT_DOUBLE_EQ(restored_revenue, expected_revenue);

  // Exposures: all of the AssignBatch calls that returned before Backup was
  // called, none of those sent after it returned.
  int64_t before_units = 0, during_units = 0, after_units = 0;
  for (const AssignedBatch& batch : assigned) {
    if (batch.phase == Phase::kBefore) before_units += kAssignBatch;
    if (batch.phase == Phase::kDuring) during_units += kAssignBatch;
    if (batch.phase == Phase::kAfter) after_units += kAssignBatch;
  }
  EXPECT_GT(before_units, 0);
  EXPECT_GE(restored_exposed, kUnits + before_units);
  EXPECT_LE(restored_exposed, kUnits + before_units + during_units);

  // The config the backup reported; the restored daemon serves and takes
  // new events.
  v1::AssignRequest assign_request;
  assign_request.mutable_unit()->set_unit_id("u-0");
  assign_request.mutable_unit()->set_unit_type("user");
  v1::AssignResponse assign_response;
  status = there.assignment->Assign(Context().get(), assign_request,
                                    &assign_response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(assign_response.config_version(), backup.config_version());
  v1::TrackRequest fresh;
  v1::Event& e = *fresh.add_events();
  e.set_event_id("after-restore-1");
  e.set_name(kEvent);
  e.set_unit_id("u-1");
  e.set_unit_type("user");
  e.set_value(1.5);
  v1::TrackResponse fresh_response;
  status = there.events->Track(Context().get(), fresh, &fresh_response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(fresh_response.accepted(), 1);

  const double seconds =
      backup.duration().seconds() + backup.duration().nanos() / 1e9;
  std::cout << "[ backup   ] " << backup.backup_id() << ": " << backup.files()
            << " files, " << backup.size_bytes() << " bytes in " << seconds
            << " s; Track batches acknowledged "
            << "before/during/after: "
            << counts[static_cast<int>(Phase::kBefore)] << "/"
            << counts[static_cast<int>(Phase::kDuring)] << " ("
            << during_present << " in the backup)/"
            << counts[static_cast<int>(Phase::kAfter)]
            << "; assigned units before/during/after: " << before_units << "/"
            << during_units << "/" << after_units << ", exposed in backup "
            << restored_exposed - kUnits << "\n";
}

}  // namespace
}  // namespace cxlab
