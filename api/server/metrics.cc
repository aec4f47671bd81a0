// Copyright 2026 The cxlab Authors.

#include "api/server/metrics.h"

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"

namespace cxlab::api {
namespace {

// Latency buckets (seconds) for both RPC and HTTP: an Assign answers in
// tens of microseconds, a report or a large import may take seconds.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
  return *kBuckets;
}

constexpr absl::string_view kOther = "other";

// The canonical name of a gRPC status code ("OK", "INVALID_ARGUMENT"):
// gRPC's codes are absl's, number for number.
std::string CodeName(grpc::StatusCode code) {
  const int index = static_cast<int>(code);
  if (index < 0 || index > static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)) {
    return "UNKNOWN";
  }
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(index));
}

// The request method if it is a standard one, else "other".
absl::string_view HttpMethodLabel(absl::string_view method) {
  for (absl::string_view known :
       {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return kOther;
}

// A family built at scrape time.
prometheus::MetricFamily MakeFamily(std::string name, std::string help,
                                    prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

// Appends a sample to a counter or gauge family.
void AddSample(prometheus::MetricFamily& family, double value,
               std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

}  // namespace

// ---------------------------------------------------------------------------
// SeriesCache

template <typename T>
class ServerMetrics::SeriesCache {
 public:
  // Creates the metric of a new label set in the family.
  using Factory = std::function<T&(const prometheus::Labels&)>;

  SeriesCache(std::vector<std::string> names, Factory factory)
      : names_(std::move(names)), factory_(std::move(factory)) {}

  // The metric with labels names_[i] = values[i] (values.size() ==
  // names_.size()), created on first use; once the family holds
  // kMaxSeriesPerFamily label sets, a new one gets values[0] = "other".
  T& Get(std::initializer_list<absl::string_view> values) {
    absl::InlinedVector<absl::string_view, 4> v(values);
    absl::InlinedVector<char, 128> key;
    MakeKey(v, key);
    const absl::string_view key_view(key.data(), key.size());
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = series_.find(key_view);
      if (it != series_.end()) return *it->second;
    }
    absl::MutexLock lock(&mu_);
    auto it = series_.find(key_view);
    if (it != series_.end()) return *it->second;
    if (series_.size() >= static_cast<size_t>(kMaxSeriesPerFamily)) {
      v[0] = kOther;
      MakeKey(v, key);
      const absl::string_view other_key(key.data(), key.size());
      it = series_.find(other_key);
      if (it != series_.end()) return *it->second;
    }
    prometheus::Labels labels;
    for (size_t i = 0; i < names_.size(); ++i) {
      labels.emplace(names_[i], std::string(v[i]));
    }
    T& metric = factory_(labels);
    series_.emplace(std::string(key.data(), key.size()), &metric);
    return metric;
  }

 private:
  // The values joined by NUL (label values never hold one in practice; a
  // collision would only merge two series).
  static void MakeKey(absl::Span<const absl::string_view> values,
                      absl::InlinedVector<char, 128>& key) {
    key.clear();
    for (absl::string_view value : values) {
      key.insert(key.end(), value.begin(), value.end());
      key.push_back('\0');
    }
  }

  const std::vector<std::string> names_;
  const Factory factory_;
  absl::Mutex mu_;
  // Values key -> metric, owned by the family (never removed).
  absl::flat_hash_map<std::string, T*> series_ ABSL_GUARDED_BY(mu_);
};

// ---------------------------------------------------------------------------
// AssignmentCells

// One counter per (experiment key, variant key) ever served, split into
// kShards slots so threads on different shards never write the same cache
// line. Slots live in blocks of kBlockCells cells, shard-major (the
// kBlockCells slots of shard 0, then shard 1, ...): a cell is addressed by
// its shard-0 slot, its shard s slot is kBlockCells further per shard.
// Blocks are never moved nor freed before the ServerMetrics, so slot
// pointers stay valid. Thread-safe: Slot() and the readers lock; Increment
// is lock-free.
class ServerMetrics::AssignmentCells {
 public:
  static constexpr int kShards = 8;
  static constexpr int kBlockCells = 512;

  AssignmentCells() = default;
  AssignmentCells(const AssignmentCells&) = delete;
  AssignmentCells& operator=(const AssignmentCells&) = delete;

  // The shard-0 slot of (experiment, variant)'s cell, created at 0.
  std::atomic<int64_t>* Slot(absl::string_view experiment,
                             absl::string_view variant) {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] =
        index_.try_emplace(Key(experiment, variant), cells_.size());
    if (inserted) {
      if (cells_.size() % kBlockCells == 0) {
        blocks_.push_back(std::make_unique<Block>());
      }
      cells_.push_back(Cell{std::string(experiment), std::string(variant)});
    }
    return SlotOf(it->second);
  }

  // Adds one to the calling thread's slot of the cell at `slot` (a Slot()
  // result).
  static void Increment(std::atomic<int64_t>* slot) {
    slot[ThreadShard() * kBlockCells].fetch_add(1, std::memory_order_relaxed);
  }

  // One cell's labels and count.
  struct Total {
    std::string experiment;
    std::string variant;
    int64_t count = 0;
  };
  // Every cell, sorted by (experiment, variant).
  std::vector<Total> Totals() const {
    std::vector<Total> totals;
    {
      absl::MutexLock lock(&mu_);
      totals.reserve(cells_.size());
      for (size_t i = 0; i < cells_.size(); ++i) {
        totals.push_back(
            Total{cells_[i].experiment, cells_[i].variant, Sum(i)});
      }
    }
    std::sort(totals.begin(), totals.end(),
              [](const Total& a, const Total& b) {
                return std::tie(a.experiment, a.variant) <
                       std::tie(b.experiment, b.variant);
              });
    return totals;
  }

  // The count of (experiment, variant), 0 when it has no cell.
  int64_t Count(absl::string_view experiment, absl::string_view variant) const {
    absl::MutexLock lock(&mu_);
    auto it = index_.find(Key(experiment, variant));
    return it == index_.end() ? 0 : Sum(it->second);
  }

 private:
  struct alignas(64) Block {
    Block() {
      for (std::atomic<int64_t>& slot : slots) {
        slot.store(0, std::memory_order_relaxed);
      }
    }
    std::array<std::atomic<int64_t>, kShards * kBlockCells> slots;
  };
  struct Cell {
    std::string experiment;
    std::string variant;
  };

  static std::string Key(absl::string_view experiment,
                         absl::string_view variant) {
    return absl::StrCat(experiment, absl::string_view("\0", 1), variant);
  }

  // This thread's shard, assigned round-robin at its first count.
  static int ThreadShard() {
    static std::atomic<int> next{0};
    thread_local const int shard =
        next.fetch_add(1, std::memory_order_relaxed) % kShards;
    return shard;
  }

  std::atomic<int64_t>* SlotOf(size_t cell) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return &blocks_[cell / kBlockCells]->slots[cell % kBlockCells];
  }

  int64_t Sum(size_t cell) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const std::atomic<int64_t>* slot = SlotOf(cell);
    int64_t sum = 0;
    for (int s = 0; s < kShards; ++s) {
      sum += slot[s * kBlockCells].load(std::memory_order_relaxed);
    }
    return sum;
  }

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, size_t> index_ ABSL_GUARDED_BY(mu_);
  std::vector<Cell> cells_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Block>> blocks_ ABSL_GUARDED_BY(mu_);
};

// ---------------------------------------------------------------------------
// AssignmentTable

// The cells of one snapshot's experiments, by (experiment index, variant
// index). Immutable once built.
struct ServerMetrics::AssignmentTable {
  // The snapshot it was built for (compared, never dereferenced later).
  const engine::ConfigSnapshot* snapshot = nullptr;
  int64_t version = 0;
  const engine::CompiledExperiment* experiments = nullptr;  // experiments()
  // Experiment e's variants have slots [first[e], first[e + 1]).
  std::vector<uint32_t> first;
  // Shard-0 slots (AssignmentCells::Slot).
  std::vector<std::atomic<int64_t>*> slots;

  void Count(const engine::Assignment& a) const {
    if (a.variant < 0 || a.experiment == nullptr) return;
    const size_t e = static_cast<size_t>(a.experiment->index);
    // The assignment must be one of this snapshot's experiments.
    if (e + 1 >= first.size() || a.experiment != experiments + e) return;
    const size_t slot = first[e] + static_cast<size_t>(a.variant);
    if (slot >= first[e + 1]) return;
    AssignmentCells::Increment(slots[slot]);
  }
};

// ---------------------------------------------------------------------------
// ServerMetrics

namespace {
uint64_t NextInstanceId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

ServerMetrics::ServerMetrics()
    : id_(NextInstanceId()),
      registry_(std::make_shared<prometheus::Registry>()),
      rpc_requests_(prometheus::BuildCounter()
                        .Name("cxlab_rpc_requests_total")
                        .Help("gRPC calls finished, by method and status "
                              "code.")
                        .Register(*registry_)),
      rpc_latency_(prometheus::BuildHistogram()
                       .Name("cxlab_rpc_latency_seconds")
                       .Help("gRPC call latency from arrival to status, by "
                             "method.")
                       .Register(*registry_)),
      http_requests_(prometheus::BuildCounter()
                         .Name("cxlab_http_requests_total")
                         .Help("HTTP requests answered, by route pattern, "
                               "method and status.")
                         .Register(*registry_)),
      http_latency_(prometheus::BuildHistogram()
                        .Name("cxlab_http_latency_seconds")
                        .Help("HTTP request latency, by route pattern.")
                        .Register(*registry_)),
      events_(prometheus::BuildCounter()
                  .Name("cxlab_events_total")
                  .Help("Events received, by result: accepted, duplicate (an "
                        "event id accepted before) or rejected.")
                  .Register(*registry_)),
      events_accepted_(events_.Add({{"result", "accepted"}})),
      events_duplicate_(events_.Add({{"result", "duplicate"}})),
      events_rejected_(events_.Add({{"result", "rejected"}})),
      rpc_counters_(std::make_unique<SeriesCache<prometheus::Counter>>(
          std::vector<std::string>{"method", "code"},
          [this](const prometheus::Labels& labels) -> prometheus::Counter& {
            return rpc_requests_.Add(labels);
          })),
      rpc_histograms_(std::make_unique<SeriesCache<prometheus::Histogram>>(
          std::vector<std::string>{"method"},
          [this](const prometheus::Labels& labels) -> prometheus::Histogram& {
            return rpc_latency_.Add(labels, LatencyBuckets());
          })),
      http_counters_(std::make_unique<SeriesCache<prometheus::Counter>>(
          std::vector<std::string>{"route", "method", "status"},
          [this](const prometheus::Labels& labels) -> prometheus::Counter& {
            return http_requests_.Add(labels);
          })),
      http_histograms_(std::make_unique<SeriesCache<prometheus::Histogram>>(
          std::vector<std::string>{"route"},
          [this](const prometheus::Labels& labels) -> prometheus::Histogram& {
            return http_latency_.Add(labels, LatencyBuckets());
          })),
      cells_(std::make_unique<AssignmentCells>()) {}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::ObserveRpc(absl::string_view method,
                               grpc::StatusCode code, absl::Duration latency) {
  if (method.empty()) method = "unknown";
  rpc_counters_->Get({method, CodeName(code)}).Increment();
  rpc_histograms_->Get({method}).Observe(absl::ToDoubleSeconds(latency));
}

void ServerMetrics::ObserveHttp(absl::string_view route,
                                absl::string_view http_method, int status,
                                absl::Duration latency) {
  if (route.empty()) route = kOther;
  char status_buffer[8];
  absl::string_view status_label = kOther;
  if (status >= 100 && status <= 599) {
    status_buffer[0] = static_cast<char>('0' + status / 100);
    status_buffer[1] = static_cast<char>('0' + status / 10 % 10);
    status_buffer[2] = static_cast<char>('0' + status % 10);
    status_label = absl::string_view(status_buffer, 3);
  }
  http_counters_->Get({route, HttpMethodLabel(http_method), status_label})
      .Increment();
  http_histograms_->Get({route}).Observe(absl::ToDoubleSeconds(latency));
}

const ServerMetrics::AssignmentTable& ServerMetrics::TableFor(
    const engine::ConfigSnapshot& snapshot) {
  // The calling thread's table, valid for one (instance, snapshot). It
  // keeps the table alive; tables hold no reference to the instance, and
  // instance ids are never reused, so a stale entry is only ever replaced.
  struct Cached {
    uint64_t owner = 0;
    const engine::ConfigSnapshot* snapshot = nullptr;
    int64_t version = 0;
    std::shared_ptr<const AssignmentTable> table;
  };
  thread_local Cached cached;
  if (cached.owner == id_ && cached.snapshot == &snapshot &&
      cached.version == snapshot.version()) {
    return *cached.table;
  }
  std::shared_ptr<const AssignmentTable> table;
  {
    absl::MutexLock lock(&table_mu_);
    if (last_table_ != nullptr && last_table_->snapshot == &snapshot &&
        last_table_->version == snapshot.version()) {
      table = last_table_;
    } else {
      auto built = std::make_shared<AssignmentTable>();
      built->snapshot = &snapshot;
      built->version = snapshot.version();
      absl::Span<const engine::CompiledExperiment> experiments =
          snapshot.experiments();
      built->experiments = experiments.data();
      built->first.reserve(experiments.size() + 1);
      for (const engine::CompiledExperiment& e : experiments) {
        built->first.push_back(static_cast<uint32_t>(built->slots.size()));
        for (size_t v = 0; v < e.def->variants.size(); ++v) {
          built->slots.push_back(
              cells_->Slot(e.key(), e.VariantKey(static_cast<int>(v))));
        }
      }
      built->first.push_back(static_cast<uint32_t>(built->slots.size()));
      table = std::move(built);
      last_table_ = table;
    }
  }
  cached.owner = id_;
  cached.snapshot = &snapshot;
  cached.version = snapshot.version();
  cached.table = std::move(table);
  return *cached.table;
}

void ServerMetrics::CountAssignment(const engine::ConfigSnapshot& snapshot,
                                    const engine::Assignment& assignment) {
  if (!assignment.in_experiment()) return;
  TableFor(snapshot).Count(assignment);
}

void ServerMetrics::CountAssignments(
    const engine::ConfigSnapshot& snapshot,
    absl::Span<const engine::Assignment> assignments) {
  if (assignments.empty()) return;
  const AssignmentTable& table = TableFor(snapshot);
  for (const engine::Assignment& a : assignments) table.Count(a);
}

void ServerMetrics::CountEvents(int64_t accepted, int64_t duplicates,
                                int64_t rejected) {
  if (accepted > 0) events_accepted_.Increment(static_cast<double>(accepted));
  if (duplicates > 0) {
    events_duplicate_.Increment(static_cast<double>(duplicates));
  }
  if (rejected > 0) events_rejected_.Increment(static_cast<double>(rejected));
}

int64_t ServerMetrics::AssignmentCountForTest(absl::string_view experiment,
                                              absl::string_view variant) const {
  return cells_->Count(experiment, variant);
}

std::string ServerMetrics::RenderText(const ScrapeInputs& inputs) const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families = registry_->Collect();

  prometheus::MetricFamily assignments = MakeFamily(
      "cxlab_assignments_total",
      "Assignments in which the unit sees a variant (assigned, forced or "
      "launched), by experiment and variant key.",
      MetricType::Counter);
  for (const AssignmentCells::Total& total : cells_->Totals()) {
    AddSample(assignments, static_cast<double>(total.count),
              {{"experiment", total.experiment}, {"variant", total.variant}});
  }
  // Like the registry's families, left out until it has a series.
  if (!assignments.metric.empty()) families.push_back(std::move(assignments));

  if (inputs.tracker != nullptr) {
    const storage::TrackerCounters counters = inputs.tracker->counters();
    prometheus::MetricFamily exposures = MakeFamily(
        "cxlab_exposures_total",
        "Exposures recorded, by result: new (the unit's first exposure to "
        "the experiment), repeat (the same variant again) or mismatch "
        "(another variant than the first).",
        MetricType::Counter);
    AddSample(exposures, static_cast<double>(counters.exposures_new),
              {{"result", "new"}});
    AddSample(exposures, static_cast<double>(counters.exposure_repeats),
              {{"result", "repeat"}});
    AddSample(exposures, static_cast<double>(counters.exposure_mismatches),
              {{"result", "mismatch"}});
    families.push_back(std::move(exposures));
    prometheus::MetricFamily mismatches = MakeFamily(
        "cxlab_exposure_mismatches_total",
        "Exposures of a unit to another variant than its first exposure "
        "to the experiment (e.g. after a weight change).",
        MetricType::Counter);
    AddSample(mismatches, static_cast<double>(counters.exposure_mismatches));
    families.push_back(std::move(mismatches));
    prometheus::MetricFamily dropped =
        MakeFamily("cxlab_exposures_dropped_total",
                   "Queued exposures that could not be recorded (lost).",
                   MetricType::Counter);
    AddSample(dropped, static_cast<double>(counters.exposures_dropped));
    families.push_back(std::move(dropped));
    prometheus::MetricFamily queued =
        MakeFamily("cxlab_exposure_queue_length",
                   "Exposures from Assign waiting to be recorded.",
                   MetricType::Gauge);
    AddSample(queued, static_cast<double>(counters.exposures_queued));
    families.push_back(std::move(queued));
  }

  if (inputs.config_version >= 0) {
    prometheus::MetricFamily version =
        MakeFamily("cxlab_config_version", "The config version served.",
                   MetricType::Gauge);
    AddSample(version, static_cast<double>(inputs.config_version));
    families.push_back(std::move(version));
  }

  if (inputs.database != nullptr) {
    absl::StatusOr<storage::DatabaseSizes> sizes = inputs.database->Sizes();
    if (sizes.ok()) {
      struct Gauge {
        const char* name;
        const char* help;
        uint64_t storage::ColumnFamilySizes::*field;
      };
      const Gauge gauges[] = {
          {"cxlab_rocksdb_sst_bytes",
           "Size of all SST files, obsolete ones not yet deleted included, "
           "by column family.",
           &storage::ColumnFamilySizes::sst_bytes},
          {"cxlab_rocksdb_live_sst_bytes",
           "Size of the SST files of the current version, by column family.",
           &storage::ColumnFamilySizes::live_sst_bytes},
          {"cxlab_rocksdb_pending_compaction_bytes",
           "Estimated bytes compaction has to rewrite, by column family.",
           &storage::ColumnFamilySizes::pending_compaction_bytes},
          {"cxlab_rocksdb_memtable_bytes",
           "Size of the active and unflushed memtables, by column family.",
           &storage::ColumnFamilySizes::memtable_bytes},
      };
      for (const Gauge& gauge : gauges) {
        prometheus::MetricFamily family =
            MakeFamily(gauge.name, gauge.help, MetricType::Gauge);
        for (const storage::ColumnFamilySizes& cf : sizes->column_families) {
          AddSample(family, static_cast<double>(cf.*gauge.field),
                    {{"column_family", cf.name}});
        }
        families.push_back(std::move(family));
      }
    }
  }
  return prometheus::TextSerializer().Serialize(families);
}

// ---------------------------------------------------------------------------
// The gRPC interceptor

absl::string_view RpcMethodLabel(absl::string_view full_method) {
  absl::string_view name = full_method;
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (name.empty()) return "unknown";
  const size_t slash = name.find('/');
  if (slash == absl::string_view::npos) return name;
  const size_t dot = name.rfind('.', slash);
  if (dot != absl::string_view::npos) name.remove_prefix(dot + 1);
  return name;
}

namespace {

// Times one call; see MakeRpcInterceptorFactory.
class RpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(ServerMetrics& metrics, absl::string_view method)
      : metrics_(metrics),
        method_(method),
        start_(std::chrono::steady_clock::now()) {}

  ~RpcMetricsInterceptor() override {
    if (!reported_) Report(grpc::StatusCode::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods)
      override {
    // PRE_SEND_STATUS comes once per call, after every send/receive hook
    // that could run concurrently on a streaming call.
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS) &&
        !reported_) {
      Report(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Report(grpc::StatusCode code) {
    reported_ = true;
    metrics_.ObserveRpc(
        method_, code,
        absl::FromChrono(std::chrono::steady_clock::now() - start_));
  }

  ServerMetrics& metrics_;
  // Copied: the name gRPC hands out may not outlive the call's context,
  // and the destructor may run while the context is being destroyed.
  const std::string method_;
  const std::chrono::steady_clock::time_point start_;
  bool reported_ = false;
};

class RpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsInterceptorFactory(ServerMetrics& metrics)
      : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // gRPC takes ownership of the returned interceptor.
    return new RpcMetricsInterceptor(metrics_, LabelOf(info->method()));
  }

 private:
  // Distinct method names remembered; past this, names are resolved
  // without being remembered (only a client calling ever more unknown
  // methods gets there).
  static constexpr size_t kMaxCachedNames = 1024;

  // RpcMethodLabel of a method this binary has a protobuf descriptor of,
  // else "unknown": a server hands its interceptors the path the client
  // asked for, even one it does not serve, and labels must stay few.
  std::string LabelOf(const char* method) {
    const absl::string_view name = method == nullptr ? "" : method;
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = labels_.find(name);
      if (it != labels_.end()) return it->second;
    }
    std::string label(RpcMethodLabel(name));
    // "/cxlab.v1.AssignmentService/Assign" is the protobuf method
    // "cxlab.v1.AssignmentService.Assign".
    std::string dotted(absl::StripPrefix(name, "/"));
    std::replace(dotted.begin(), dotted.end(), '/', '.');
    if (dotted.empty() ||
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
            dotted) == nullptr) {
      label = "unknown";
    }
    absl::MutexLock lock(&mu_);
    if (labels_.size() < kMaxCachedNames) labels_.emplace(name, label);
    return label;
  }

  ServerMetrics& metrics_;
  absl::Mutex mu_;
  // Full method name -> label.
  absl::flat_hash_map<std::string, std::string> labels_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRpcInterceptorFactory(ServerMetrics& metrics) {
  return std::make_unique<RpcMetricsInterceptorFactory>(metrics);
}

}  // namespace cxlab::api
