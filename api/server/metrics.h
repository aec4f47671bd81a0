// Copyright 2026 The cxlab Authors.
//
// ServerMetrics: the Prometheus metrics of one cxlabd, rendered for
// `GET /metrics` in the text exposition format (version 0.0.4).
//
//   ServerMetrics metrics;  // must outlive the grpc::Server (interceptors)
//   std::vector<std::unique_ptr<
//       grpc::experimental::ServerInterceptorFactoryInterface>> creators;
//   creators.push_back(MakeRpcInterceptorFactory(metrics));
//   builder.experimental().SetInterceptorCreators(std::move(creators));
//   ...
//   metrics.CountAssignments(*serving->snapshot, assignments);  // hot path
//   metrics.CountEvents(result.accepted, result.duplicates, rejected);
//   metrics.ObserveHttp("/v1/assign", "POST", 200, elapsed);
//   ...
//   ScrapeInputs inputs;
//   inputs.config_version = config.snapshot()->version();
//   inputs.database = &database;
//   inputs.tracker = &tracker;
//   std::string body = metrics.RenderText(inputs);  // Content-Type:
//                                                   // kTextContentType
//
// Families (every counter is cumulative since the ServerMetrics was built;
// a family is rendered once it has a series):
//   cxlab_rpc_requests_total{method,code}            counter
//   cxlab_rpc_latency_seconds{method}                histogram
//   cxlab_http_requests_total{route,method,status}   counter
//   cxlab_http_latency_seconds{route}                histogram
//   cxlab_assignments_total{experiment,variant}      counter
//   cxlab_events_total{result}                       counter
//                    result: accepted | duplicate | rejected
// and, read at scrape time from the ScrapeInputs:
//   cxlab_exposures_total{result}                    counter (tracker)
//                    result: new | repeat | mismatch
//   cxlab_exposure_mismatches_total                  counter (tracker)
//   cxlab_exposures_dropped_total                    counter (tracker)
//   cxlab_exposure_queue_length                      gauge   (tracker)
//   cxlab_config_version                             gauge
//   cxlab_rocksdb_sst_bytes{column_family}           gauge   (database)
//   cxlab_rocksdb_live_sst_bytes{column_family}      gauge   (database)
//   cxlab_rocksdb_pending_compaction_bytes{column_family}  gauge (database)
//   cxlab_rocksdb_memtable_bytes{column_family}      gauge   (database)
//
// Cardinality is bounded: a family keeps at most kMaxSeriesPerFamily label
// sets from ObserveRpc / ObserveHttp; after that, new ones are counted with
// their first label (method, route) set to "other". HTTP methods outside
// GET/HEAD/POST/PUT/PATCH/DELETE/OPTIONS are "other", statuses outside
// [100, 599] are "other". Assignment series are one per (experiment key,
// variant key) ever served, zeros included.
//
// Thread-safety: every method is safe to call concurrently.

#ifndef CXLAB_API_SERVER_METRICS_H_
#define CXLAB_API_SERVER_METRICS_H_

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/evaluator.h"
#include "engine/snapshot.h"
#include "storage/database.h"
#include "storage/tracker.h"

namespace cxlab::api {

// The Content-Type of RenderText's output.
inline constexpr absl::string_view kTextContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// What a scrape reads besides ServerMetrics' own counters. Borrowed for the
// duration of RenderText only; a null pointer (or a negative version) leaves
// its families out.
struct ScrapeInputs {
  // The config version served (ConfigSnapshot::version()).
  int64_t config_version = -1;
  // Sizes() of every column family. A closed database is skipped.
  const storage::Database* database = nullptr;
  // counters(): exposures recorded, repeated, mismatched, dropped, queued.
  const storage::Tracker* tracker = nullptr;
};

// The metrics of one cxlabd. See the file comment for the families.
//
// Thread-safe. Counting an assignment is one relaxed atomic add on a
// counter slot of the calling thread's shard (no lock, no label lookup, no
// contended cache line between threads on different shards); ObserveRpc and
// ObserveHttp take a reader lock and one hash lookup; RenderText takes the
// locks briefly and reads RocksDB properties.
class ServerMetrics {
 public:
  // Label sets per ObserveRpc / ObserveHttp family before "other".
  static constexpr int kMaxSeriesPerFamily = 512;

  ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;
  ~ServerMetrics();

  // Counts one finished gRPC call: cxlab_rpc_requests_total{method, code}
  // (code is the canonical name, e.g. "OK", "INVALID_ARGUMENT") and its
  // latency in cxlab_rpc_latency_seconds{method} (buckets 50 us .. 10 s).
  // `method` is a label as RpcMethodLabel returns, e.g.
  // "AssignmentService/Assign". The interceptor (MakeRpcInterceptorFactory)
  // calls this for every RPC; services need not.
  void ObserveRpc(absl::string_view method, grpc::StatusCode code,
                  absl::Duration latency);

  // Counts one finished HTTP request: cxlab_http_requests_total{route,
  // method, status} and its latency in cxlab_http_latency_seconds{route}.
  // `route` must be the matched route pattern, not the path (e.g.
  // "/v1/assign", "/ofrep/v1/evaluate/flags/{key}", "/ui/experiments/{key}",
  // or "other" when nothing matched), so its values stay few.
  // `http_method` is the request method ("GET", "POST", ...).
  void ObserveHttp(absl::string_view route, absl::string_view http_method,
                   int status, absl::Duration latency);

  // Counts `assignment` in cxlab_assignments_total{experiment, variant} when
  // the unit sees a variant (reason assigned, forced or launched, i.e.
  // assignment.in_experiment()); others (and experiment == nullptr, an
  // unknown key) are ignored. `assignment` must come from `snapshot`.
  //
  // Fast: the (experiment index, variant index) -> counter table is built
  // once per snapshot (per thread: the first call of a thread after the
  // snapshot changed takes a mutex); after that a call is a check and one
  // atomic add. Counts are keyed by (experiment key, variant key), so they
  // carry over across config versions. Snapshots are told apart by address
  // and version(): two different snapshots alive at the same time must not
  // share both (ConfigManager's never do).
  void CountAssignment(const engine::ConfigSnapshot& snapshot,
                       const engine::Assignment& assignment);

  // CountAssignment for each of `assignments` (e.g. UnitEvaluator::
  // EvaluateAll's output), resolving the snapshot's table once.
  void CountAssignments(const engine::ConfigSnapshot& snapshot,
                        absl::Span<const engine::Assignment> assignments);

  // Adds to cxlab_events_total{result="accepted"|"duplicate"|"rejected"}.
  // Negative arguments count as 0.
  void CountEvents(int64_t accepted, int64_t duplicates, int64_t rejected);

  // The text exposition of every family: the registry's, the assignment
  // counters, and the scrape-time families of `inputs` (see ScrapeInputs).
  // A database whose Sizes() fails (e.g. closed) omits the RocksDB gauges.
  std::string RenderText(const ScrapeInputs& inputs) const;

  // The registry holding the RPC, HTTP and event families; other modules
  // may register their own families in it (they are rendered too).
  prometheus::Registry& registry() { return *registry_; }

  // The assignment count of (experiment key, variant key) (0 if never seen).
  // Test-only.
  int64_t AssignmentCountForTest(absl::string_view experiment,
                                 absl::string_view variant) const;

 private:
  // Resolves label values to a metric of one family once, then by a hash
  // lookup; caps the family at kMaxSeriesPerFamily label sets.
  template <typename T>
  class SeriesCache;
  // The assignment counter slots (defined in metrics.cc).
  class AssignmentCells;
  // One snapshot's (experiment, variant) -> counter slot table.
  struct AssignmentTable;

  // The table of `snapshot`, from the calling thread's cache or built.
  const AssignmentTable& TableFor(const engine::ConfigSnapshot& snapshot);

  // Constant after construction.
  // Unique per ServerMetrics in the process (never reused), so a thread's
  // cached table can never be taken for another instance's.
  const uint64_t id_;
  const std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& rpc_requests_;
  prometheus::Family<prometheus::Histogram>& rpc_latency_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Histogram>& http_latency_;
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Counter& events_accepted_;
  prometheus::Counter& events_duplicate_;
  prometheus::Counter& events_rejected_;
  const std::unique_ptr<SeriesCache<prometheus::Counter>> rpc_counters_;
  const std::unique_ptr<SeriesCache<prometheus::Histogram>> rpc_histograms_;
  const std::unique_ptr<SeriesCache<prometheus::Counter>> http_counters_;
  const std::unique_ptr<SeriesCache<prometheus::Histogram>> http_histograms_;
  // Thread-safe itself (see metrics.cc).
  const std::unique_ptr<AssignmentCells> cells_;

  // The table of the snapshot last resolved by any thread, handed to the
  // other threads' caches without a rebuild.
  absl::Mutex table_mu_;
  std::shared_ptr<const AssignmentTable> last_table_
      ABSL_GUARDED_BY(table_mu_);
};

// "AssignmentService/Assign" for "/cxlab.v1.AssignmentService/Assign": the
// full gRPC method name without its leading '/' and its package; "unknown"
// for an empty name. A name not shaped "/package.Service/Method" is
// returned without its leading '/'.
absl::string_view RpcMethodLabel(absl::string_view full_method);

// A gRPC server interceptor factory that times every RPC (unary and
// streaming, sync, async and callback services) from the interceptor's
// creation when the call arrives to the moment its status is sent, and
// reports it with ServerMetrics::ObserveRpc(RpcMethodLabel(method), code,
// latency). A method this binary has no protobuf descriptor of (a client
// calling a path no service defines; gRPC answers UNIMPLEMENTED) is
// labelled "unknown", so clients cannot mint labels. A call that ends without sending a status (cancelled, or the
// server shut down under it) counts as CANCELLED when its interceptor is
// destroyed. A streaming call counts once, at its end, with its whole
// duration. Borrows `metrics`, which must outlive every server it is
// installed in (declare the ServerMetrics before the grpc::Server).
// Register with ServerBuilder::experimental().SetInterceptorCreators().
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRpcInterceptorFactory(ServerMetrics& metrics);

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_METRICS_H_
