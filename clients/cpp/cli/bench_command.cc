// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/bench_command.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "clients/cpp/cli/cli_util.h"
#include "cxlab/v1/assignment.grpc.pb.h"
#include "cxlab/v1/assignment.pb.h"
#include "cxlab/v1/events.grpc.pb.h"
#include "cxlab/v1/events.pb.h"
#include "cxlab/v1/personalization.grpc.pb.h"
#include "cxlab/v1/personalization.pb.h"
#include "engine/json.h"
#include "engine/value.h"

namespace cxlab::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Exit code when no call succeeded.
constexpr int kExitNothingSucceeded = 1;
// AssignBatch accepts at most this many units per call.
constexpr int kMaxBatch = 10000;
// Deadline of every call, so a stuck server cannot hang the drain.
constexpr auto kCallDeadline = std::chrono::seconds(10);
// Deadline of the first (probe) call on each connection.
constexpr auto kProbeDeadline = std::chrono::seconds(5);
// The channel argument that keeps the connections apart: channels with
// different arguments never share a subchannel (TCP connection).
constexpr char kChannelIndexArg[] = "cxlab.bench.channel";

// What is benchmarked.
enum class Mode {
  kAssign,       // Assign
  kAssignBatch,  // AssignBatch with options.batch units
  kTrack,        // Track with options.track_batch events
  kContent,      // GetContent for options.slots
};

// Every benchmarked service over one connection (channel).
struct Connection {
  std::unique_ptr<v1::AssignmentService::Stub> assignment;
  std::unique_ptr<v1::EventService::Stub> events;
  std::unique_ptr<v1::PersonalizationService::Stub> personalization;
};

// ---- latency histogram --------------------------------------------------

// A log-linear histogram of non-negative integers (latencies in ns): values
// below 256 have their own bucket; above, every power-of-two range is split
// into 128 equal buckets, so a bucket is at most 1/128 of its lower bound
// wide and its midpoint is within 0.4 % of any value in it. Not
// thread-safe; each worker thread fills its own and they are merged.
class LatencyHistogram {
 public:
  LatencyHistogram() : counts_(kBuckets, 0) {}

  void Record(int64_t value) {
    if (value < 0) value = 0;
    ++counts_[Index(static_cast<uint64_t>(value))];
    ++count_;
    max_ = std::max(max_, value);
  }

  void Merge(const LatencyHistogram& other) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
  }

  int64_t count() const { return count_; }
  int64_t max() const { return max_; }

  // The smallest recorded value v such that at least `quantile` of the
  // values are <= v, reported as its bucket's midpoint (capped at max()).
  // 0 when empty.
  double Percentile(double quantile) const {
    if (count_ == 0) return 0;
    int64_t rank =
        static_cast<int64_t>(std::ceil(quantile * static_cast<double>(count_)));
    rank = std::clamp<int64_t>(rank, 1, count_);
    int64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        return std::min(Midpoint(i), static_cast<double>(max_));
      }
    }
    return static_cast<double>(max_);
  }

 private:
  static constexpr int kSubBits = 8;                       // 256 exact values
  static constexpr uint64_t kHalf = 1u << (kSubBits - 1);  // 128 per octave
  static constexpr size_t kBuckets = 2 * kHalf + (64 - kSubBits) * kHalf;

  static size_t Index(uint64_t v) {
    if (v < 2 * kHalf) return static_cast<size_t>(v);
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - (kSubBits - 1);  // >= 1
    uint64_t top = v >> shift;         // in [128, 256)
    return static_cast<size_t>(2 * kHalf + (shift - 1) * kHalf + (top - kHalf));
  }

  static double Midpoint(size_t index) {
    if (index < 2 * kHalf) return static_cast<double>(index);
    size_t rest = index - 2 * kHalf;
    int shift = static_cast<int>(rest / kHalf) + 1;
    uint64_t top = kHalf + rest % kHalf;
    double low = std::ldexp(static_cast<double>(top), shift);
    double width = std::ldexp(1.0, shift);
    return low + (width - 1) / 2;
  }

  std::vector<int64_t> counts_;
  int64_t count_ = 0;
  int64_t max_ = 0;
};

// ---- status codes ---------------------------------------------------------

constexpr int kStatusCodes = 17;  // OK .. UNAUTHENTICATED

absl::string_view CodeName(int code) {
  static constexpr absl::string_view kNames[kStatusCodes] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  if (code < 0 || code >= kStatusCodes) return "UNKNOWN";
  return kNames[code];
}

int CodeIndex(const grpc::Status& status) {
  int code = static_cast<int>(status.error_code());
  return code >= 0 && code < kStatusCodes ? code : grpc::StatusCode::UNKNOWN;
}

std::string DescribeStatus(const grpc::Status& status) {
  return absl::StrCat(CodeName(CodeIndex(status)), ": ",
                      status.error_message());
}

// ---- the load ---------------------------------------------------------------

// Fills `unit` as unit number `k`: id "bench-<k>" and attributes derived
// from k. Reuses the unit's existing strings and map entries, so refilling
// a unit allocates nothing once it has been filled once.
void FillUnit(int64_t k, v1::Unit& unit) {
  static constexpr const char* kCountries[] = {"US", "DE", "FR", "GB",
                                               "NL", "ES", "IT"};
  static constexpr const char* kDevices[] = {"mobile", "desktop", "tablet"};
  std::string& id = *unit.mutable_unit_id();
  id.assign("bench-");
  absl::StrAppend(&id, k);
  auto& fields = *unit.mutable_attributes()->mutable_fields();
  fields["country"].set_string_value(kCountries[k % 7]);
  (*fields["device"].mutable_struct_value()->mutable_fields())["type"]
      .set_string_value(kDevices[k % 3]);
  fields["visits"].set_number_value(static_cast<double>(k % 13));
}

// Fills `event` as event number `seq` of worker `worker` in run `run_id`:
// id "<run_id>-<worker>-<seq>", a random unit "bench-<k>" of the
// `distinct_units`, name "purchase" (even seq; value also as the property
// "amount", which the demo metrics read) or "page_view" (odd seq), and a
// random value in [0, 200) with two decimals. Reuses the event's strings.
void FillEvent(absl::string_view run_id, int worker, int64_t seq,
               int distinct_units, std::mt19937_64& rng, v1::Event& event) {
  std::string& id = *event.mutable_event_id();
  id.clear();
  absl::StrAppend(&id, run_id, "-", worker, "-", seq);
  std::string& unit = *event.mutable_unit_id();
  unit.assign("bench-");
  absl::StrAppend(&unit, static_cast<int64_t>(rng() % distinct_units));
  if (event.unit_type().empty()) event.set_unit_type("user");
  double value = static_cast<double>(rng() % 20000) / 100.0;
  event.set_value(value);
  if (seq % 2 == 0) {
    event.set_name("purchase");
    (*event.mutable_properties()->mutable_fields())["amount"].set_number_value(
        value);
  } else {
    event.set_name("page_view");
    event.clear_properties();
  }
}

// A random run id of 12 hex digits, so the event ids of separate runs
// never collide with the server's dedup of earlier ones.
std::string NewRunId() {
  std::random_device device;
  uint64_t bits = (static_cast<uint64_t>(device()) << 32) ^ device();
  return absl::StrFormat("bench%012x", bits & 0xffffffffffffULL);
}

// What one worker observed inside the measured window (plus the first
// error seen at any time).
struct WorkerStats {
  LatencyHistogram latency;  // successful calls, ns
  int64_t requests = 0;      // successful calls
  int64_t units = 0;
  int64_t assignments = 0;  // GetContent: slot contents answered
  int64_t events = 0;      // Track: events sent in successful calls
  int64_t accepted = 0;    // Track: events the server stored
  int64_t duplicates = 0;  // Track: events already seen
  int64_t rejected = 0;    // Track: events rejected (TrackResponse.errors)
  std::array<int64_t, kStatusCodes> errors{};
  int64_t succeeded_anytime = 0;  // including the warm-up
  std::optional<std::string> first_error;
};

// The window all workers share.
struct Schedule {
  Clock::time_point measure_start;
  Clock::time_point measure_end;
};

// One completion-queue thread and the calls it keeps in flight. Each call
// slot is pinned to one connection. Used only by its own thread between
// Start() and Join(); the connections are borrowed.
class Worker {
 public:
  Worker(const BenchOptions& options, Mode mode, absl::string_view run_id,
         int index, int workers, std::vector<Connection*> slot_connections,
         const Schedule& schedule)
      : options_(options),
        mode_(mode),
        run_id_(run_id),
        index_(index),
        schedule_(schedule),
        authorization_(absl::StrCat("Bearer ", options.key)),
        next_unit_(index),
        unit_step_(workers),
        rng_(std::random_device{}() ^ static_cast<uint64_t>(index)) {
    slots_.reserve(slot_connections.size());
    for (Connection* connection : slot_connections) {
      auto slot = std::make_unique<Slot>();
      slot->stub = connection->assignment.get();
      slot->events_stub = connection->events.get();
      slot->personalization_stub = connection->personalization.get();
      if (mode_ == Mode::kContent) {
        for (const std::string& key : options_.slots) {
          slot->content_request.add_slots(key);
        }
      } else if (mode_ == Mode::kTrack) {
        for (int i = 0; i < options_.track_batch; ++i) {
          slot->track_request.add_events();
        }
      } else if (mode_ == Mode::kAssignBatch) {
        for (int i = 0; i < options_.batch; ++i) {
          slot->batch_request.add_units();
        }
        for (const std::string& e : options_.experiments) {
          slot->batch_request.add_experiment_keys(e);
        }
      } else {
        for (const std::string& e : options_.experiments) {
          slot->request.add_experiment_keys(e);
        }
      }
      slots_.push_back(std::move(slot));
    }
  }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Join() { thread_.join(); }

  const WorkerStats& stats() const { return stats_; }

 private:
  struct Slot {
    v1::AssignmentService::Stub* stub = nullptr;
    std::unique_ptr<grpc::ClientContext> context;
    Clock::time_point start;
    grpc::Status status;
    v1::AssignRequest request;
    v1::AssignResponse response;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::AssignResponse>> reader;
    v1::AssignBatchRequest batch_request;
    v1::AssignBatchResponse batch_response;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::AssignBatchResponse>>
        batch_reader;
    v1::EventService::Stub* events_stub = nullptr;
    v1::TrackRequest track_request;
    v1::TrackResponse track_response;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::TrackResponse>>
        track_reader;
    v1::PersonalizationService::Stub* personalization_stub = nullptr;
    v1::GetContentRequest content_request;
    v1::GetContentResponse content_response;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::GetContentResponse>>
        content_reader;
  };

  int64_t NextUnit() {
    int64_t k = next_unit_;
    next_unit_ += unit_step_;
    if (next_unit_ >= options_.distinct_units) {
      next_unit_ %= options_.distinct_units;
    }
    return k % options_.distinct_units;
  }

  // Starts the next call of `slot`; its completion is tagged with `slot`.
  void Issue(Slot& slot) {
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.context->AddMetadata("authorization", authorization_);
    slot.start = Clock::now();
    slot.context->set_deadline(std::chrono::system_clock::now() +
                               kCallDeadline);
    if (mode_ == Mode::kContent) {
      FillUnit(NextUnit(), *slot.content_request.mutable_unit());
      slot.content_reader = slot.personalization_stub->AsyncGetContent(
          slot.context.get(), slot.content_request, &cq_);
      slot.content_reader->Finish(&slot.content_response, &slot.status, &slot);
    } else if (mode_ == Mode::kTrack) {
      for (v1::Event& event : *slot.track_request.mutable_events()) {
        FillEvent(run_id_, index_, next_event_++, options_.distinct_units, rng_,
                  event);
      }
      slot.track_response.Clear();
      slot.track_reader = slot.events_stub->AsyncTrack(
          slot.context.get(), slot.track_request, &cq_);
      slot.track_reader->Finish(&slot.track_response, &slot.status, &slot);
    } else if (mode_ == Mode::kAssignBatch) {
      for (v1::Unit& unit : *slot.batch_request.mutable_units()) {
        FillUnit(NextUnit(), unit);
      }
      slot.batch_reader = slot.stub->AsyncAssignBatch(slot.context.get(),
                                                      slot.batch_request, &cq_);
      slot.batch_reader->Finish(&slot.batch_response, &slot.status, &slot);
    } else {
      FillUnit(NextUnit(), *slot.request.mutable_unit());
      slot.reader =
          slot.stub->AsyncAssign(slot.context.get(), slot.request, &cq_);
      slot.reader->Finish(&slot.response, &slot.status, &slot);
    }
    ++outstanding_;
  }

  // Accounts for the finished call of `slot`, completed at `now`.
  void Complete(Slot& slot, Clock::time_point now) {
    --outstanding_;
    bool ok = slot.status.ok();
    if (ok) {
      ++stats_.succeeded_anytime;
    } else if (!stats_.first_error.has_value()) {
      stats_.first_error = DescribeStatus(slot.status);
    }
    if (now < schedule_.measure_start || now >= schedule_.measure_end) return;
    if (!ok) {
      ++stats_.errors[CodeIndex(slot.status)];
      return;
    }
    ++stats_.requests;
    stats_.latency.Record(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - slot.start)
            .count());
    if (mode_ == Mode::kContent) {
      stats_.units += 1;
      stats_.assignments += slot.content_response.contents_size();
    } else if (mode_ == Mode::kTrack) {
      stats_.events += slot.track_request.events_size();
      stats_.accepted += slot.track_response.accepted();
      stats_.duplicates += slot.track_response.duplicates();
      stats_.rejected += slot.track_response.errors_size();
    } else if (mode_ == Mode::kAssignBatch) {
      stats_.units += slot.batch_response.results_size();
      for (const v1::UnitAssignments& result : slot.batch_response.results()) {
        stats_.assignments += result.assignments_size();
      }
    } else {
      stats_.units += 1;
      stats_.assignments += slot.response.assignments_size();
    }
  }

  void Run() {
    if (slots_.empty()) return;
    for (auto& slot : slots_) Issue(*slot);
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
      Slot& slot = *static_cast<Slot*>(tag);
      Clock::time_point now = Clock::now();
      Complete(slot, now);
      if (now < schedule_.measure_end) {
        Issue(slot);
      } else if (outstanding_ == 0) {
        cq_.Shutdown();
      }
    }
  }

  const BenchOptions& options_;
  const Mode mode_;
  const std::string run_id_;
  const int index_;
  const Schedule schedule_;
  const std::string authorization_;
  grpc::CompletionQueue cq_;
  std::vector<std::unique_ptr<Slot>> slots_;
  int64_t next_unit_;
  const int64_t unit_step_;
  std::mt19937_64 rng_;
  int64_t next_event_ = 0;
  int outstanding_ = 0;
  WorkerStats stats_;
  std::thread thread_;
};

// ---- options, probe, report ---------------------------------------------

// An error message for invalid options, or "" when they are fine.
std::string CheckOptions(const BenchOptions& o, Mode mode) {
  if (o.server.empty()) return "--server is required";
  if (o.key.empty()) return "--key is required";
  if (o.connections < 1) return "--connections must be at least 1";
  if (o.concurrency < o.connections) {
    return absl::StrCat("--concurrency (", o.concurrency,
                        ") must be at least --connections (", o.connections,
                        ")");
  }
  if (!(o.duration_seconds > 0) || !std::isfinite(o.duration_seconds)) {
    return "--duration must be a positive number of seconds";
  }
  if (!(o.warmup_seconds >= 0) || !std::isfinite(o.warmup_seconds)) {
    return "--warmup must be a non-negative number of seconds";
  }
  if (mode == Mode::kTrack) {
    if (o.track_batch < 1 || o.track_batch > kMaxBatch) {
      return absl::StrCat("--batch must be in [1, ", kMaxBatch, "]");
    }
  } else if (o.batch < 0 || o.batch > kMaxBatch) {
    return absl::StrCat("--batch must be in [0, ", kMaxBatch, "]");
  }
  if (o.distinct_units < 1) return "--units must be at least 1";
  if (o.output != "table" && o.output != "json") {
    return absl::StrCat("--output must be table or json, got '", o.output, "'");
  }
  for (const std::string& e : o.experiments) {
    if (e.empty()) return "--experiment must not be empty";
  }
  for (const std::string& slot : o.slots) {
    if (slot.empty()) return "--slot must not be empty";
  }
  return "";
}

// One blocking call of the benchmarked kind on `stub`, so a wrong address
// or key ends the run before the load starts.
// A Track probe sends one event with the id "<run_id>-probe-<connection>".
grpc::Status Probe(const BenchOptions& options, Mode mode,
                   absl::string_view run_id, int connection_index,
                   Connection& connection) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", options.key));
  context.set_deadline(std::chrono::system_clock::now() + kProbeDeadline);
  v1::AssignmentService::Stub& stub = *connection.assignment;
  if (mode == Mode::kContent) {
    v1::GetContentRequest request;
    FillUnit(0, *request.mutable_unit());
    for (const std::string& key : options.slots) request.add_slots(key);
    v1::GetContentResponse response;
    return connection.personalization->GetContent(&context, request,
                                                  &response);
  }
  if (mode == Mode::kTrack) {
    v1::TrackRequest request;
    std::mt19937_64 rng(static_cast<uint64_t>(connection_index));
    v1::Event& event = *request.add_events();
    FillEvent(run_id, 0, 0, options.distinct_units, rng, event);
    event.set_event_id(absl::StrCat(run_id, "-probe-", connection_index));
    v1::TrackResponse response;
    return connection.events->Track(&context, request, &response);
  }
  if (mode == Mode::kAssignBatch) {
    v1::AssignBatchRequest request;
    for (int i = 0; i < options.batch; ++i) {
      FillUnit(i % options.distinct_units, *request.add_units());
    }
    for (const std::string& e : options.experiments) {
      request.add_experiment_keys(e);
    }
    v1::AssignBatchResponse response;
    return stub.AssignBatch(&context, request, &response);
  }
  v1::AssignRequest request;
  FillUnit(0, *request.mutable_unit());
  for (const std::string& e : options.experiments) {
    request.add_experiment_keys(e);
  }
  v1::AssignResponse response;
  return stub.Assign(&context, request, &response);
}

// Completion-queue threads: one per connection, at most two (the budget
// machine has two cores, which the server shares).
int WorkerCount(const BenchOptions& options) {
  return std::min(2, options.connections);
}

// Rounds to `decimals` places (for the JSON numbers).
double Round(double value, int decimals) {
  double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

struct Result {
  Mode mode = Mode::kAssign;
  std::string run_id;  // Track: the prefix of the event ids
  WorkerStats totals;
  double seconds = 0;
};

void PrintTable(const BenchOptions& o, const Result& r, std::ostream& out) {
  const WorkerStats& t = r.totals;
  auto line = [&out](absl::string_view name, absl::string_view value) {
    out << absl::StrFormat("%-16s %s\n", name, value);
  };
  auto ms = [](double ns) { return absl::StrFormat("%.3f ms", ns / 1e6); };
  double per_unit =
      t.units > 0 ? static_cast<double>(t.assignments) / t.units : 0;
  if (r.mode == Mode::kTrack) {
    line("mode", absl::StrCat("Track (", o.track_batch, " events per call)"));
  } else if (r.mode == Mode::kContent) {
    line("mode", "GetContent");
  } else {
    line("mode", o.batch > 0 ? absl::StrCat("AssignBatch (", o.batch,
                                            " units per call)")
                             : std::string("Assign"));
  }
  line("server", o.server);
  if (r.mode == Mode::kTrack) {
    line("run id", r.run_id);
  } else if (r.mode == Mode::kContent) {
    line("slots", o.slots.empty()      ? std::string("all")
                  : o.slots.size() <= 4 ? absl::StrJoin(o.slots, ",")
                                        : absl::StrCat(o.slots.size(), " (",
                                                       o.slots.front(), " .. ",
                                                       o.slots.back(), ")"));
  } else {
    line("experiments", o.experiments.empty()
                            ? std::string("all running")
                            : absl::StrJoin(o.experiments, ","));
  }
  line("connections", absl::StrCat(o.connections));
  line("concurrency", absl::StrCat(o.concurrency, " calls in flight"));
  line("duration", absl::StrFormat("%.2f s (after %.2f s warm-up)", r.seconds,
                                   o.warmup_seconds));
  line("requests", absl::StrCat(t.requests, " ok"));
  line("requests/s", absl::StrFormat("%.1f", t.requests / r.seconds));
  if (r.mode == Mode::kTrack) {
    line("events/s", absl::StrFormat("%.1f", t.events / r.seconds));
    line("events",
         absl::StrCat(t.events, " (", t.accepted, " accepted, ", t.duplicates,
                      " duplicates, ", t.rejected, " rejected)"));
  } else if (r.mode == Mode::kContent) {
    line("slots/s", absl::StrFormat("%.1f (%.2f slots per request)",
                                    t.assignments / r.seconds, per_unit));
  } else {
    line("units/s", absl::StrFormat("%.1f", t.units / r.seconds));
    line("assignments/s", absl::StrFormat("%.1f (%.2f experiments per unit)",
                                          t.assignments / r.seconds, per_unit));
  }
  line("latency p50", ms(t.latency.Percentile(0.50)));
  line("latency p90", ms(t.latency.Percentile(0.90)));
  line("latency p99", ms(t.latency.Percentile(0.99)));
  line("latency p99.9", ms(t.latency.Percentile(0.999)));
  line("latency max", ms(static_cast<double>(t.latency.max())));
  int64_t errors = 0;
  std::vector<std::string> by_code;
  for (int code = 1; code < kStatusCodes; ++code) {
    if (t.errors[code] == 0) continue;
    errors += t.errors[code];
    by_code.push_back(absl::StrCat(CodeName(code), " ", t.errors[code]));
  }
  line("errors", errors == 0 ? std::string("0")
                             : absl::StrCat(errors, " (",
                                            absl::StrJoin(by_code, ", "), ")"));
  if (errors > 0 && t.first_error.has_value()) {
    line("first error", *t.first_error);
  }
}

void PrintJson(const BenchOptions& o, const Result& r, std::ostream& out) {
  using engine::Value;
  const WorkerStats& t = r.totals;
  Value doc = Value::Object();
  const bool track = r.mode == Mode::kTrack;
  const bool content = r.mode == Mode::kContent;
  doc.Set("mode", Value(track         ? "Track"
                        : content     ? "GetContent"
                        : o.batch > 0 ? "AssignBatch"
                                      : "Assign"));
  doc.Set("server", Value(o.server));
  if (!content) doc.Set("batch", Value(track ? o.track_batch : o.batch));
  if (track) {
    doc.Set("run_id", Value(r.run_id));
  } else if (content) {
    Value slots = Value::Array();
    for (const std::string& slot : o.slots) slots.Append(Value(slot));
    doc.Set("slots", std::move(slots));
  } else {
    Value experiments = Value::Array();
    for (const std::string& e : o.experiments) experiments.Append(Value(e));
    doc.Set("experiments", std::move(experiments));
  }
  doc.Set("connections", Value(o.connections));
  doc.Set("concurrency", Value(o.concurrency));
  doc.Set("duration_seconds", Value(Round(r.seconds, 3)));
  doc.Set("warmup_seconds", Value(Round(o.warmup_seconds, 3)));
  doc.Set("requests", Value(t.requests));
  doc.Set("requests_per_second", Value(Round(t.requests / r.seconds, 1)));
  if (track) {
    doc.Set("events", Value(t.events));
    doc.Set("events_per_second", Value(Round(t.events / r.seconds, 1)));
    doc.Set("accepted", Value(t.accepted));
    doc.Set("duplicates", Value(t.duplicates));
    doc.Set("rejected", Value(t.rejected));
  } else if (content) {
    doc.Set("slots_per_second", Value(Round(t.assignments / r.seconds, 1)));
  } else {
    doc.Set("units_per_second", Value(Round(t.units / r.seconds, 1)));
    doc.Set("assignments_per_second",
            Value(Round(t.assignments / r.seconds, 1)));
    doc.Set("assignments_per_unit",
            Value(t.units > 0
                      ? Round(static_cast<double>(t.assignments) / t.units, 3)
                      : 0.0));
  }
  Value latency = Value::Object();
  auto ms = [](double ns) { return Value(Round(ns / 1e6, 3)); };
  latency.Set("p50", ms(t.latency.Percentile(0.50)));
  latency.Set("p90", ms(t.latency.Percentile(0.90)));
  latency.Set("p99", ms(t.latency.Percentile(0.99)));
  latency.Set("p99_9", ms(t.latency.Percentile(0.999)));
  latency.Set("max", ms(static_cast<double>(t.latency.max())));
  doc.Set("latency_ms", std::move(latency));
  Value by_code = Value::Object();
  int64_t errors = 0;
  for (int code = 1; code < kStatusCodes; ++code) {
    if (t.errors[code] == 0) continue;
    errors += t.errors[code];
    by_code.Set(CodeName(code), Value(t.errors[code]));
  }
  Value error_doc = Value::Object();
  error_doc.Set("total", Value(errors));
  error_doc.Set("by_code", std::move(by_code));
  if (errors > 0 && t.first_error.has_value()) {
    error_doc.Set("first", Value(*t.first_error));
  }
  doc.Set("errors", std::move(error_doc));
  out << engine::ToJson(doc) << "\n";
}

// The run of RunBenchAssign, RunBenchTrack and RunBenchContent.
int RunBench(const BenchOptions& options, Mode mode, std::ostream& out,
             std::ostream& err) {
  std::string problem = CheckOptions(options, mode);
  if (!problem.empty()) return ReportUsageError(err, problem);
  const std::string run_id = mode == Mode::kTrack ? NewRunId() : "";

  // One channel per connection; the distinct argument keeps gRPC from
  // sharing one TCP connection between them.
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < options.connections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(kChannelIndexArg, i);
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
        options.server, grpc::InsecureChannelCredentials(), args);
    auto connection = std::make_unique<Connection>();
    connection->assignment = v1::AssignmentService::NewStub(channel);
    connection->events = v1::EventService::NewStub(channel);
    connection->personalization =
        v1::PersonalizationService::NewStub(channel);
    connections.push_back(std::move(connection));
  }
  for (int i = 0; i < options.connections; ++i) {
    grpc::Status status = Probe(options, mode, run_id, i, *connections[i]);
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
      err << "cxlab: cannot reach " << options.server << ": "
          << status.error_message() << "\n";
      return kExitNothingSucceeded;
    }
    if (!status.ok()) {
      err << "cxlab: " << DescribeStatus(status) << "\n";
      return kExitNothingSucceeded;
    }
  }

  const int workers_count = WorkerCount(options);
  std::vector<std::vector<Connection*>> slot_connections(workers_count);
  for (int slot = 0; slot < options.concurrency; ++slot) {
    // Connection c belongs to worker c % workers_count.
    int connection = slot % options.connections;
    slot_connections[connection % workers_count].push_back(
        connections[connection].get());
  }

  Schedule schedule;
  Clock::time_point begin = Clock::now();
  schedule.measure_start =
      begin + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(options.warmup_seconds));
  schedule.measure_end =
      schedule.measure_start +
      std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(options.duration_seconds));

  std::vector<std::unique_ptr<Worker>> workers;
  for (int w = 0; w < workers_count; ++w) {
    workers.push_back(
        std::make_unique<Worker>(options, mode, run_id, w, workers_count,
                                 std::move(slot_connections[w]), schedule));
  }
  for (auto& worker : workers) worker->Start();
  for (auto& worker : workers) worker->Join();

  Result result;
  result.mode = mode;
  result.run_id = run_id;
  result.seconds = options.duration_seconds;
  int64_t succeeded_anytime = 0;
  for (const auto& worker : workers) {
    const WorkerStats& s = worker->stats();
    result.totals.latency.Merge(s.latency);
    result.totals.requests += s.requests;
    result.totals.units += s.units;
    result.totals.assignments += s.assignments;
    result.totals.events += s.events;
    result.totals.accepted += s.accepted;
    result.totals.duplicates += s.duplicates;
    result.totals.rejected += s.rejected;
    for (int code = 0; code < kStatusCodes; ++code) {
      result.totals.errors[code] += s.errors[code];
    }
    succeeded_anytime += s.succeeded_anytime;
    if (!result.totals.first_error.has_value()) {
      result.totals.first_error = s.first_error;
    }
  }

  if (result.totals.requests == 0) {
    err << "cxlab: no call succeeded in the measured window";
    if (result.totals.first_error.has_value()) {
      err << "; first error: " << *result.totals.first_error;
    }
    err << "\n";
    return kExitNothingSucceeded;
  }
  if (options.output == "json") {
    PrintJson(options, result, out);
  } else {
    PrintTable(options, result, out);
  }
  return kExitOk;
}

}  // namespace

int RunBenchAssign(const BenchOptions& options, std::ostream& out,
                   std::ostream& err) {
  return RunBench(options,
                  options.batch > 0 ? Mode::kAssignBatch : Mode::kAssign, out,
                  err);
}

int RunBenchTrack(const BenchOptions& options, std::ostream& out,
                  std::ostream& err) {
  return RunBench(options, Mode::kTrack, out, err);
}

int RunBenchContent(const BenchOptions& options, std::ostream& out,
                    std::ostream& err) {
  return RunBench(options, Mode::kContent, out, err);
}

namespace {

// The flags every bench subcommand shares: --connections, --concurrency,
// --duration, --warmup, then --units with `units_help`.
void AddLoadFlags(CLI::App& command, BenchOptions& options,
                  const std::string& units_help) {
  command.fallthrough();
  command
      .add_option("--connections", options.connections,
                  "Separate connections (channels) to the server")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  command
      .add_option("--concurrency", options.concurrency,
                  "Calls in flight in total, spread over the connections")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  command.add_option("--duration", options.duration_seconds, "Measured seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      .add_option("--warmup", options.warmup_seconds,
                  "Seconds of load before measuring (discarded)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command.add_option("--units", options.distinct_units, units_help)
      ->check(CLI::Range(1, 1 << 30))
      ->capture_default_str();
}

// A repeatable --NAME KEY option.
void AddKeys(CLI::App& command, const std::string& name,
             std::vector<std::string>& keys, const std::string& help) {
  command.add_option(name, keys, help)
      ->type_name("KEY")
      ->allow_extra_args(false)
      ->take_all();
}

CLI::Option* AddOutput(CLI::App& command, BenchOptions& options) {
  return command.add_option("--output", options.output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
}

}  // namespace

BenchCommand AddBenchCommand(CLI::App& app, BenchOptions& options) {
  BenchCommand command;
  command.bench = app.add_subcommand(
      "bench", "Load benchmarks against a running cxlabd (--server, --key).");
  command.bench->require_subcommand(1);
  command.bench->fallthrough();

  CLI::App* assign = command.bench->add_subcommand(
      "assign",
      "Keep many Assign (or, with --batch, AssignBatch) calls in flight and "
      "print requests/s, assignments/s and p50/p90/p99/p99.9 latency.");
  AddLoadFlags(*assign, options,
               "Distinct unit ids cycled through (bench-0 ...)");
  assign
      ->add_option("--batch", options.batch,
                   "0: Assign; N: AssignBatch with N units per call")
      ->check(CLI::Range(0, kMaxBatch))
      ->capture_default_str();
  AddKeys(*assign, "--experiment", options.experiments,
          "Experiment key to evaluate (repeatable; default: every running "
          "experiment)");
  command.output = AddOutput(*assign, options);
  command.assign = assign;

  CLI::App* content = command.bench->add_subcommand(
      "content",
      "Keep many GetContent calls in flight and print requests/s, slots/s "
      "and p50/p90/p99/p99.9 latency.");
  AddLoadFlags(*content, options,
               "Distinct unit ids cycled through (bench-0 ...)");
  AddKeys(*content, "--slot", options.slots,
          "Slot key to ask for (repeatable; default: every slot)");
  command.content_output = AddOutput(*content, options);
  command.content = content;

  CLI::App* track = command.bench->add_subcommand(
      "track",
      "Keep many Track calls of --batch events in flight (unique ids, "
      "purchase/page_view for units bench-0 ...) and print events/s, "
      "requests/s and p50/p90/p99/p99.9 latency per call.");
  AddLoadFlags(*track, options,
               "Distinct unit ids the events pick from at random "
               "(bench-0 ...; expose them first with bench assign)");
  track->add_option("--batch", options.track_batch, "Events per Track call")
      ->check(CLI::Range(1, kMaxBatch))
      ->capture_default_str();
  command.track_output = AddOutput(*track, options);
  command.track = track;
  return command;
}

}  // namespace cxlab::cli
