// Copyright 2026 The cxlab Authors.
//
// End-to-end crash consistency of the config (issue 8, part 6), with the
// real cxlabd binary. Round r of the config is 200 documents — 50 persona
// segments and 150 draft experiments targeting them — whose names,
// descriptions, conditions and coverage all carry r. Round 0 is applied
// normally; then, over and over, the next round is applied (one Apply call)
// and the daemon is SIGKILLed at a random moment around it (uniform over
// 1.3x the time an Apply takes), restarted on the same data dir, and
// checked:
//   - every document is entirely at one round (all its fields agree), and
//     all 200 at the same one: the old round or the new (ConfigStore commits
//     an Apply as one synced RocksDB batch); the new one if Apply was
//     acknowledged;
//   - the config version is 1 (the bootstrap admin key) + 200 x (round + 1);
//   - the audit log holds exactly the versions 1..version, oldest first, one
//     record per write; each document's version names its newest audit
//     record, whose after_json is the document as stored; no record
//     describes a round the state does not have;
//   - the daemon serves: Assign answers with that config version, and the
//     next round's Apply succeeds.
// The seed is printed; CXLAB_CRASH_SEED=N reruns one sequence of kill
// times.

#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cxlab/v1/assignment.grpc.pb.h"
#include "cxlab/v1/definitions.pb.h"
#include "cxlab/v1/experiment_service.grpc.pb.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/daemon_process.h"

namespace cxlab {
namespace {

using Clock = std::chrono::steady_clock;
using e2e::DaemonProcess;

constexpr char kAdminKey[] = "config-crash-admin-key-01";
constexpr int kSegments = 50;
constexpr int kExperiments = 150;
constexpr int kDocuments = kSegments + kExperiments;
constexpr int kKills = 40;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", std::string("Bearer ") + kAdminKey);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(20));
  return context;
}

std::string Key(const char* prefix, int i) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%s-%03d", prefix, i);
  return buffer;
}

std::string Name(const std::string& key, int round) {
  return key + " r" + std::to_string(round);
}

double Coverage(int round) { return 0.5 + 0.01 * (round % 50); }

// The 200 documents of `round`.
v1::ApplyRequest Round(int round) {
  v1::ApplyRequest request;
  v1::Definitions& defs = *request.mutable_definitions();
  for (int i = 0; i < kSegments; ++i) {
    v1::Segment& s = *defs.add_segments();
    s.set_key(Key("seg", i));
    s.set_name(Name(s.key(), round));
    s.set_description("round " + std::to_string(round));
    google::protobuf::Value gte;
    (*gte.mutable_struct_value()->mutable_fields())["$gte"].set_number_value(
        round);
    (*s.mutable_condition()->mutable_fields())["age"] = gte;
  }
  for (int i = 0; i < kExperiments; ++i) {
    v1::Experiment& e = *defs.add_experiments();
    e.set_key(Key("exp", i));
    e.set_name(Name(e.key(), round));
    e.set_description("round " + std::to_string(round));
    e.set_status(v1::EXPERIMENT_STATUS_DRAFT);
    e.add_variants()->set_key("control");
    e.add_variants()->set_key("treatment");
    e.set_coverage(Coverage(round));
    e.add_segments(Key("seg", i % kSegments));
  }
  return request;
}

// The round a document's name carries ("exp-007 r12" -> 12), or -1.
int RoundOf(const std::string& name) {
  const size_t at = name.rfind(" r");
  if (at == std::string::npos) return -1;
  return std::atoi(name.c_str() + at + 2);
}

struct Stubs {
  explicit Stubs(const std::string& address)
      : channel(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        experiments(v1::ExperimentService::NewStub(channel)),
        assignment(v1::AssignmentService::NewStub(channel)) {}
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::ExperimentService::Stub> experiments;
  std::unique_ptr<v1::AssignmentService::Stub> assignment;
};

class ConfigCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "cxlab-config-crash-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    temp_dir_ = pattern;
    data_dir_ = temp_dir_ + "/db";
  }
  void TearDown() override {
    daemon_.Kill();
    std::error_code ignored;
    if (!temp_dir_.empty()) std::filesystem::remove_all(temp_dir_, ignored);
  }

  void StartDaemon() {
    ASSERT_TRUE(daemon_.Start(
        {"--data_dir", data_dir_, "--grpc_port", "0", "--http_port", "-1"},
        kAdminKey))
        << "cxlabd did not start:\n"
        << daemon_.log();
    stubs_ = std::make_unique<Stubs>(daemon_.address());
  }

  // Checks the state described in the file comment; sets *round to the
  // round every document is at.
  void CheckConsistent(int* round) {
    *round = -1;
    v1::ListSegmentsResponse segments;
    grpc::Status status = stubs_->experiments->ListSegments(
        Context().get(), v1::ListRequest(), &segments);
    ASSERT_TRUE(status.ok()) << status.error_message();
    v1::ListExperimentsResponse experiments;
    status = stubs_->experiments->ListExperiments(
        Context().get(), v1::ListRequest(), &experiments);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(segments.segments_size(), kSegments);
    ASSERT_EQ(experiments.experiments_size(), kExperiments);

    // key -> (version, name) of every document as stored.
    std::map<std::string, std::pair<int64_t, std::string>> stored;
    const int r = RoundOf(segments.segments(0).name());
    ASSERT_GE(r, 0) << segments.segments(0).name();
    for (const v1::Segment& s : segments.segments()) {
      EXPECT_EQ(s.name(), Name(s.key(), r)) << "a segment of another round";
      EXPECT_EQ(s.description(), "round " + std::to_string(r)) << s.key();
      EXPECT_EQ(s.condition()
                    .fields()
                    .at("age")
                    .struct_value()
                    .fields()
                    .at("$gte")
                    .number_value(),
                r)
          << s.key();
      stored["segment/" + s.key()] = {s.meta().version(), s.name()};
    }
    for (const v1::Experiment& e : experiments.experiments()) {
      EXPECT_EQ(e.name(), Name(e.key(), r)) << "an experiment of another round";
      EXPECT_EQ(e.description(), "round " + std::to_string(r)) << e.key();
      EXPECT_DOUBLE_EQ(e.coverage(), Coverage(r)) << e.key();
      stored["experiment/" + e.key()] = {e.meta().version(), e.name()};
    }
    if (HasFailure()) return;

    // The config version: the admin key, then 200 writes per round.
    const int64_t version = 1 + static_cast<int64_t>(kDocuments) * (r + 1);
    v1::AssignRequest assign;
    assign.mutable_unit()->set_unit_id("visitor-1");
    v1::AssignResponse assigned;
    status = stubs_->assignment->Assign(Context().get(), assign, &assigned);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(assigned.config_version(), version);

    // The audit log, oldest first: versions 1..version, one per write.
    std::vector<v1::Change> changes;
    v1::ListChangesRequest request;
    request.set_oldest_first(true);
    request.set_page_size(1000);
    while (true) {
      v1::ListChangesResponse page;
      status =
          stubs_->experiments->ListChanges(Context().get(), request, &page);
      ASSERT_TRUE(status.ok()) << status.error_message();
      for (const v1::Change& c : page.changes()) changes.push_back(c);
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }
    ASSERT_EQ(static_cast<int64_t>(changes.size()), version);
    std::map<std::string, const v1::Change*> newest;
    for (size_t i = 0; i < changes.size(); ++i) {
      const v1::Change& c = changes[i];
      ASSERT_EQ(c.version(), static_cast<int64_t>(i) + 1) << "a gap";
      if (i == 0) {
        EXPECT_EQ(c.kind(), "apikey");
        continue;
      }
      // Round j's writes are versions 2 + 200 j .. 201 + 200 j.
      const int j = static_cast<int>((c.version() - 2) / kDocuments);
      EXPECT_EQ(c.action(), j == 0 ? "create" : "update") << c.version();
      const std::string name = Name(c.key(), j);
      EXPECT_NE(c.after_json().find("\"" + name + "\""), std::string::npos)
          << "audit record " << c.version() << " is not round " << j << ": "
          << c.after_json();
      newest[c.kind() + "/" + c.key()] = &c;
    }
    ASSERT_EQ(newest.size(), stored.size());
    for (const auto& [id, state] : stored) {
      auto it = newest.find(id);
      ASSERT_NE(it, newest.end()) << id << " has no audit record";
      EXPECT_EQ(it->second->version(), state.first)
          << id << ": stored version vs its newest audit record";
      EXPECT_NE(it->second->after_json().find("\"" + state.second + "\""),
                std::string::npos)
          << id << ": the newest audit record is not the stored document";
    }
    *round = r;
  }

  std::string temp_dir_;
  std::string data_dir_;
  DaemonProcess daemon_;
  std::unique_ptr<Stubs> stubs_;
};

TEST_F(ConfigCrashTest, SigkillDuringApplyLeavesTheOldOrTheNewConfig) {
  uint64_t seed = std::random_device{}();
  if (const char* env = std::getenv("CXLAB_CRASH_SEED")) {
    seed = std::strtoull(env, nullptr, 10);
  }
  std::cout << "[ seed     ] CXLAB_CRASH_SEED=" << seed << "\n";
  std::mt19937_64 rng(seed);

  StartDaemon();
  if (HasFatalFailure()) return;
  // Rounds 0 and 1 without a kill; round 1 (an update of every document)
  // times an Apply.
  Clock::duration apply_time{};
  for (int r = 0; r < 2; ++r) {
    v1::ApplyResponse response;
    const Clock::time_point start = Clock::now();
    grpc::Status status =
        stubs_->experiments->Apply(Context().get(), Round(r), &response);
    apply_time = Clock::now() - start;
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.changes_size(), kDocuments);
    ASSERT_EQ(response.config_version(), 1 + kDocuments * (r + 1));
  }
  int round = -1;
  CheckConsistent(&round);
  ASSERT_EQ(round, 1);
  const int64_t window_us =
      std::chrono::duration_cast<std::chrono::microseconds>(apply_time)
          .count() *
      13 / 10;
  std::uniform_int_distribution<int64_t> delay_us(
      0, std::max<int64_t>(window_us, 1000));

  int kept_old = 0, new_unacknowledged = 0, new_acknowledged = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    const int next = round + 1;
    std::atomic<bool> acknowledged{false};
    std::thread apply([this, next, &acknowledged] {
      v1::ApplyResponse response;
      grpc::Status status =
          stubs_->experiments->Apply(Context().get(), Round(next), &response);
      acknowledged = status.ok();
    });
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    daemon_.Kill();
    apply.join();

    StartDaemon();
    if (HasFatalFailure()) return;
    int now = -1;
    CheckConsistent(&now);
    if (HasFatalFailure() || HasFailure()) {
      FAIL() << "after kill " << kill << " during the apply of round " << next
             << " (acknowledged: " << acknowledged.load() << ")";
    }
    ASSERT_TRUE(now == round || now == next)
        << "round " << now << " after applying " << next << " over " << round;
    if (acknowledged) {
      ASSERT_EQ(now, next) << "an acknowledged apply was lost";
      ++new_acknowledged;
    } else if (now == next) {
      ++new_unacknowledged;
    } else {
      ++kept_old;
    }
    round = now;
  }

  // The daemon still takes the next round normally.
  v1::ApplyResponse response;
  grpc::Status status =
      stubs_->experiments->Apply(Context().get(), Round(round + 1), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  int last = -1;
  CheckConsistent(&last);
  EXPECT_EQ(last, round + 1);

  std::cout << "[ config   ] " << kKills << " SIGKILLs within "
            << window_us / 1000.0 << " ms of starting an Apply of "
            << kDocuments << " documents: " << kept_old
            << " left the old round, " << new_unacknowledged
            << " the new round unacknowledged, " << new_acknowledged
            << " after the acknowledgement; never a mix\n";
}

}  // namespace
}  // namespace cxlab
