// Copyright 2026 The cxlab Authors.
//
// End-to-end crash test (issue 4): the real cxlabd binary as a child
// process. Client threads stream Track batches of unique event ids for
// exposed units; after about one second, with batches in flight, the daemon
// is killed with SIGKILL. It is restarted on the same data dir and then:
//   - every acknowledged batch, sent again, is counted entirely as
//     duplicates (accepted 0): each acknowledged event id is present;
//   - every batch that was in flight at the kill (not acknowledged) is sent
//     again, as an idempotent client would, and each of its events is
//     counted exactly once (accepted + duplicates == size);
//   - a batch of never-sent ids is still accepted;
//   - EventService.Verify (`cxlab verify`) reports ok;
//   - GetStats' revenue sum equals the client-side sum of the values of all
//     those events: no acknowledged event is lost or counted twice.
// Event values are multiples of 1/4, so the sums are exact in doubles.

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cxlab/v1/assignment.grpc.pb.h"
#include "cxlab/v1/events.grpc.pb.h"
#include "cxlab/v1/experiment_service.grpc.pb.h"
#include "gtest/gtest.h"

#ifndef CXLABD_BINARY
#error "CXLABD_BINARY must be defined (the path of cxlabd)"
#endif

namespace cxlab {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kAdminKey[] = "crash-admin-key-0000000001";
constexpr char kExperiment[] = "crash_exp";
constexpr char kMetric[] = "revenue";
constexpr char kEvent[] = "purchase";
constexpr int kUnits = 200;
constexpr int kBatchSize = 100;
constexpr int kClientThreads = 2;
constexpr auto kStreamFor = std::chrono::milliseconds(1000);
constexpr auto kCallDeadline = std::chrono::seconds(5);
constexpr auto kStartTimeout = std::chrono::seconds(20);

// A cxlabd child process: its stdout and stderr go to a pipe that a thread
// drains into `log` (so the daemon never blocks on a full pipe).
class Daemon {
 public:
  Daemon() = default;
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  ~Daemon() { Kill(); }

  // Starts cxlabd on `data_dir` and waits for "listening on ADDR:PORT".
  // Returns false (with the output in log()) when it does not come up.
  bool Start(const std::string& data_dir) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    // Built before fork: only async-signal-safe calls in the child.
    std::string env_key = std::string("CXLAB_ADMIN_KEY=") + kAdminKey;
    std::vector<std::string> env_strings = {env_key};
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("CXLAB_ADMIN_KEY=", 0) != 0) {
        env_strings.push_back(*e);
      }
    }
    std::vector<char*> envp;
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> arg_strings = {CXLABD_BINARY, "--data_dir",
                                            data_dir, "--grpc_port", "0",
                                            "--http_port", "-1"};
    std::vector<char*> argv;
    for (std::string& s : arg_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0) {
      close(fds[0]);
      close(fds[1]);
      return false;
    }
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      dup2(fds[1], STDERR_FILENO);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(fds[1]);
    read_fd_ = fds[0];
    drain_ = std::thread([this] { Drain(); });

    const Clock::time_point give_up = Clock::now() + kStartTimeout;
    while (Clock::now() < give_up) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!address_.empty()) return true;
        if (eof_) return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // SIGKILLs the child (if running) and reaps it; joins the drain thread.
  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (drain_.joinable()) drain_.join();
    if (read_fd_ >= 0) {
      close(read_fd_);
      read_fd_ = -1;
    }
  }

  std::string address() const {
    std::lock_guard<std::mutex> lock(mu_);
    return address_;
  }
  std::string log() const {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }

 private:
  void Drain() {
    char buffer[4096];
    while (true) {
      ssize_t n = read(read_fd_, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(mu_);
      if (n <= 0) {
        eof_ = true;
        return;
      }
      log_.append(buffer, static_cast<size_t>(n));
      if (address_.empty()) {
        constexpr char kPrefix[] = "listening on ";
        size_t at = log_.find(kPrefix);
        if (at != std::string::npos) {
          size_t end = log_.find('\n', at);
          if (end != std::string::npos) {
            size_t start = at + sizeof(kPrefix) - 1;
            address_ = log_.substr(start, end - start);
          }
        }
      }
    }
  }

  pid_t pid_ = -1;
  int read_fd_ = -1;
  std::thread drain_;
  mutable std::mutex mu_;
  std::string log_;
  std::string address_;
  bool eof_ = false;
};

// The stubs of one connection to the daemon.
struct Client {
  explicit Client(const std::string& address)
      : channel(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        experiments(v1::ExperimentService::NewStub(channel)),
        assignment(v1::AssignmentService::NewStub(channel)),
        events(v1::EventService::NewStub(channel)) {}

  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::ExperimentService::Stub> experiments;
  std::unique_ptr<v1::AssignmentService::Stub> assignment;
  std::unique_ptr<v1::EventService::Stub> events;
};

// A context with the admin key and a deadline.
std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", std::string("Bearer ") + kAdminKey);
  context->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  return context;
}

std::string UnitId(int i) { return "u-" + std::to_string(i); }

// A batch of kBatchSize purchase events with ids "<prefix><first + i>",
// random exposed units and random values (multiples of 1/4); adds the
// values to `*sum`.
v1::TrackRequest MakeBatch(const std::string& prefix, int64_t first,
                           std::mt19937_64& rng, double* sum) {
  std::uniform_int_distribution<int> unit(0, kUnits - 1);
  std::uniform_int_distribution<int> quarters(1, 4000);
  v1::TrackRequest request;
  for (int i = 0; i < kBatchSize; ++i) {
    v1::Event& e = *request.add_events();
    e.set_event_id(prefix + std::to_string(first + i));
    e.set_name(kEvent);
    e.set_unit_id(UnitId(unit(rng)));
    e.set_unit_type("user");
    e.set_value(quarters(rng) / 4.0);
    *sum += e.value();
  }
  return request;
}

double BatchSum(const v1::TrackRequest& request) {
  double sum = 0;
  for (const v1::Event& e : request.events()) sum += e.value();
  return sum;
}

// What one streaming thread sent.
struct StreamLog {
  std::vector<v1::TrackRequest> acknowledged;
  // Sent but not acknowledged OK (in flight at the kill).
  std::vector<v1::TrackRequest> unacknowledged;
  std::string unexpected;  // a non-crash failure, if any
};

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "cxlab-crash-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    temp_dir_ = pattern;
    data_dir_ = (std::filesystem::path(temp_dir_) / "db").string();
  }

  void TearDown() override {
    daemon_.reset();  // SIGKILL + reap
    if (!temp_dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(temp_dir_, ignored);
    }
  }

  // Starts a fresh daemon on data_dir_; fatal on failure.
  void StartDaemon() {
    daemon_ = std::make_unique<Daemon>();
    ASSERT_TRUE(daemon_->Start(data_dir_)) << "cxlabd did not start:\n"
                                           << daemon_->log();
  }

  // The metric, the running experiment and kUnits exposed units.
  void CreateExperimentAndExpose(Client& client) {
    v1::CreateMetricRequest metric_request;
    v1::Metric& m = *metric_request.mutable_metric();
    m.set_key(kMetric);
    m.set_name("Revenue");
    m.set_type(v1::METRIC_TYPE_MEAN);
    m.set_event(kEvent);
    v1::Metric metric;
    grpc::Status status = client.experiments->CreateMetric(
        Context().get(), metric_request, &metric);
    ASSERT_TRUE(status.ok()) << status.error_message();

    v1::CreateExperimentRequest experiment_request;
    v1::Experiment& e = *experiment_request.mutable_experiment();
    e.set_key(kExperiment);
    e.set_name("Crash test");
    e.set_status(v1::EXPERIMENT_STATUS_RUNNING);
    for (const char* key : {"control", "treatment"}) {
      e.add_variants()->set_key(key);
    }
    e.add_metrics(kMetric);
    v1::Experiment experiment;
    status = client.experiments->CreateExperiment(
        Context().get(), experiment_request, &experiment);
    ASSERT_TRUE(status.ok()) << status.error_message();

    v1::AssignBatchRequest assign;
    for (int i = 0; i < kUnits; ++i) {
      v1::Unit& unit = *assign.add_units();
      unit.set_unit_id(UnitId(i));
      unit.set_unit_type("user");
    }
    assign.add_experiment_keys(kExperiment);
    v1::AssignBatchResponse assigned;
    status = client.assignment->AssignBatch(Context().get(), assign, &assigned);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(assigned.results_size(), kUnits);
    for (const v1::UnitAssignments& r : assigned.results()) {
      ASSERT_EQ(r.assignments_size(), 1);
      ASSERT_TRUE(r.assignments(0).in_experiment()) << r.unit_id();
    }

    // GetStats flushes the server's asynchronous exposure queue, so every
    // exposure is recorded before the first event arrives.
    v1::GetStatsResponse stats = GetStats(client);
    int64_t exposed = 0;
    for (int64_t n : stats.exposed_units()) exposed += n;
    ASSERT_EQ(exposed, kUnits);
  }

  static v1::GetStatsResponse GetStats(Client& client) {
    v1::GetStatsRequest request;
    request.set_experiment_key(kExperiment);
    v1::GetStatsResponse response;
    grpc::Status status =
        client.events->GetStats(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::string temp_dir_;
  std::string data_dir_;
  std::unique_ptr<Daemon> daemon_;
};

// One streaming thread: sends batches until `stop` or the first failure
// (the kill), recording which were acknowledged.
void Stream(Client& client, std::atomic<int64_t>& next_id,
            std::atomic<bool>& stop, uint64_t seed, StreamLog& log) {
  std::mt19937_64 rng(seed);
  while (!stop.load()) {
    double ignored = 0;
    int64_t first = next_id.fetch_add(kBatchSize);
    v1::TrackRequest request = MakeBatch("crash-", first, rng, &ignored);
    v1::TrackResponse response;
    grpc::Status status =
        client.events->Track(Context().get(), request, &response);
    if (!status.ok()) {
      // The daemon was killed: this batch may or may not be stored.
      log.unacknowledged.push_back(std::move(request));
      return;
    }
    if (response.accepted() != kBatchSize || response.duplicates() != 0 ||
        response.errors_size() != 0) {
      log.unexpected = "batch from " + std::to_string(first) + ": " +
                       response.ShortDebugString();
      return;
    }
    log.acknowledged.push_back(std::move(request));
  }
}

TEST_F(CrashTest, AcknowledgedEventsSurviveSigkillExactlyOnce) {
  StartDaemon();
  std::vector<StreamLog> logs(kClientThreads);
  {
    Client client(daemon_->address());
    CreateExperimentAndExpose(client);
    if (HasFatalFailure()) return;

    std::atomic<int64_t> next_id{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kClientThreads; ++t) {
      threads.emplace_back(Stream, std::ref(client), std::ref(next_id),
                           std::ref(stop), 42 + t, std::ref(logs[t]));
    }
    std::this_thread::sleep_for(kStreamFor);
    daemon_->Kill();  // SIGKILL while batches are in flight
    stop = true;
    for (std::thread& t : threads) t.join();
  }

  std::vector<v1::TrackRequest> acknowledged, unacknowledged;
  for (StreamLog& log : logs) {
    ASSERT_EQ(log.unexpected, "");
    for (auto& r : log.acknowledged) acknowledged.push_back(std::move(r));
    for (auto& r : log.unacknowledged) unacknowledged.push_back(std::move(r));
  }
  ASSERT_GT(acknowledged.size(), 0u) << "no batch acknowledged before kill";
  // At most one batch per thread was in flight when the daemon died.
  EXPECT_LE(unacknowledged.size(), static_cast<size_t>(kClientThreads));

  StartDaemon();
  Client client(daemon_->address());
  double expected_sum = 0;

  // Every acknowledged event id is present: all duplicates, none accepted.
  int64_t duplicates = 0;
  for (const v1::TrackRequest& request : acknowledged) {
    v1::TrackResponse response;
    grpc::Status status =
        client.events->Track(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.accepted(), 0) << request.events(0).event_id();
    ASSERT_EQ(response.errors_size(), 0);
    duplicates += response.duplicates();
    expected_sum += BatchSum(request);
  }
  EXPECT_EQ(duplicates, static_cast<int64_t>(acknowledged.size()) * kBatchSize);

  // The batches in flight at the kill, retried: each event exactly once.
  int64_t in_flight_stored = 0;
  for (const v1::TrackRequest& request : unacknowledged) {
    v1::TrackResponse response;
    grpc::Status status =
        client.events->Track(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.errors_size(), 0);
    EXPECT_EQ(response.accepted() + response.duplicates(), kBatchSize);
    in_flight_stored += response.duplicates();
    expected_sum += BatchSum(request);
  }

  // New ids are still accepted.
  std::mt19937_64 rng(7);
  v1::TrackRequest fresh = MakeBatch("crash-new-", 0, rng, &expected_sum);
  v1::TrackResponse fresh_response;
  grpc::Status status =
      client.events->Track(Context().get(), fresh, &fresh_response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(fresh_response.accepted(), kBatchSize);
  EXPECT_EQ(fresh_response.duplicates(), 0);

  // The stored aggregates equal a recompute from the raw log.
  v1::VerifyRequest verify_request;
  v1::VerifyResponse verify;
  status = client.events->Verify(Context().get(), verify_request, &verify);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(verify.ok()) << verify.ShortDebugString();
  EXPECT_GE(verify.experiments_checked(), 1);

  // Nothing lost, nothing counted twice.
  v1::GetStatsResponse stats = GetStats(client);
  double revenue = 0;
  int cells = 0;
  for (const v1::MetricStats& s : stats.stats()) {
    if (s.metric_key() != kMetric) continue;
    revenue += s.sum();
    ++cells;
  }
  EXPECT_GT(cells, 0) << stats.ShortDebugString();
  EXPECT_NEAR(revenue, expected_sum, 1e-6)
      << acknowledged.size() << " acknowledged batches, "
      << unacknowledged.size() << " in flight (" << in_flight_stored
      << " of their events stored before the kill)";
  int64_t exposed = 0;
  for (int64_t n : stats.exposed_units()) exposed += n;
  EXPECT_EQ(exposed, kUnits);

  std::cout << "[ crash    ] " << acknowledged.size() * kBatchSize
            << " acknowledged events, " << unacknowledged.size()
            << " batches in flight at SIGKILL (" << in_flight_stored
            << " of their events already stored)\n";
}

}  // namespace
}  // namespace cxlab
