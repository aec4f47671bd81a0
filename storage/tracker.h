// Copyright 2026 The cxlab Authors.
//
// Tracker: the event side of a cxlabd — exposures and events recorded
// through the EventPipeline against the metrics of the config now served.
//
// Exposures from Assign take the asynchronous path: EnqueueExposures()
// returns at once and a background thread records them in batches (every
// 20 ms or 10,000 records), so the assignment hot path never waits for
// RocksDB. Order does not matter for correctness: an event that arrives
// before its exposure is recorded is counted when the exposure lands (the
// pipeline replays the unit's logged events). A process kill can lose the
// exposures still queued (at most ~20 ms); explicit TrackExposures and all
// events are written synchronously (WAL on; `sync` adds an fsync).
//
// Thread-safety: all methods are safe to call concurrently.

#ifndef CXLAB_STORAGE_TRACKER_H_
#define CXLAB_STORAGE_TRACKER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "storage/config_manager.h"
#include "storage/database.h"
#include "storage/event_pipeline.h"
#include "storage/exposure_store.h"

namespace cxlab::storage {

struct TrackerOptions {
  // fsync every events/exposures batch (see PipelineOptions).
  bool sync = false;
  // How long queued exposures may wait before a background flush.
  absl::Duration exposure_flush_interval = absl::Milliseconds(20);
};

// Cumulative exposure figures of a Tracker since its creation (for
// /metrics): counters, except exposures_queued.
struct TrackerCounters {
  // Exposures recorded (queued by Assign or explicit), by outcome of
  // ExposureStore::Record: the unit's first exposure to the experiment, the
  // same variant again, or another variant than the first (a mismatch, e.g.
  // after a weight change; see exposure_store.h).
  int64_t exposures_new = 0;
  int64_t exposure_repeats = 0;
  int64_t exposure_mismatches = 0;
  // Queued exposures the flusher could not record (e.g. the database was
  // closed under it); they are lost.
  int64_t exposures_dropped = 0;
  // A gauge: exposures waiting in the queue now.
  int64_t exposures_queued = 0;
};

// Per-variant statistics of one experiment (all units, or one segment).
struct ExperimentStats {
  std::vector<VariantMetricStats> metrics;  // sorted by (variant, metric)
  // per_variant: exposed units per variant (one entry per variant of the
  // experiment), from the aggregates. mismatched_units: counted from the
  // exposures for all units; 0 for a segment.
  ExposureCounts exposures;
};

class Tracker {
 public:
  // Borrows `database` and `config`; both must outlive the tracker. Starts
  // the exposure flusher thread.
  static absl::StatusOr<std::unique_ptr<Tracker>> Create(
      Database& database, ConfigManager& config,
      const TrackerOptions& options);

  // Drains the exposure queue and stops the flusher.
  ~Tracker();

  // Ingests events synchronously (see EventPipeline::Track).
  absl::StatusOr<IngestResult> Track(absl::Span<const IngestEvent> events);

  // Records exposures synchronously; returns how many were new.
  absl::StatusOr<int64_t> RecordExposures(
      absl::Span<const ExposureRecord> records);

  // Queues exposures for the background flusher (the Assign path).
  void EnqueueExposures(std::vector<ExposureRecord> records);

  // Blocks until every exposure queued before the call is recorded.
  void Flush();

  // The cumulative exposure figures. Cheap (atomics and one short lock);
  // for a scrape. A batch being recorded concurrently may be counted in
  // some fields and not yet in others.
  TrackerCounters counters() const;

  // Stored per-variant statistics of `experiment_key` (summed over days),
  // for all units (`segment` empty) or the units that matched `segment` at
  // exposure. Errors: NOT_FOUND for an unknown experiment or segment.
  absl::StatusOr<ExperimentStats> Stats(absl::string_view experiment_key,
                                        absl::string_view segment = {});

  // The sticky assignment of `id` in `experiment_key` at `bucket_version`
  // (ExposureStore::StickyVariant): a variant index, or -1.
  absl::StatusOr<int> StickyVariant(absl::string_view experiment_key,
                                    int64_t bucket_version,
                                    absl::string_view id) const;

  // Every stored cell of `experiment_key`: all days, all units and each
  // persona segment, metrics and "$units" (see EventPipeline::ReadAggregates).
  // Reads aggregates only. Errors: NOT_FOUND for an unknown experiment.
  absl::StatusOr<std::vector<CellStats>> Cells(
      absl::string_view experiment_key);

  // Recomputes the aggregates of `experiment_key` (empty: every experiment
  // with metrics) from exposures and the raw log and lists differences.
  struct VerifyReport {
    int64_t experiments_checked = 0;
    std::vector<std::string> differences;
  };
  absl::StatusOr<VerifyReport> Verify(absl::string_view experiment_key);

  // Rebuilds the aggregates of `experiment_key` under the metrics now
  // defined (see EventPipeline::Rebuild, also for `progress`); returns the
  // units replayed.
  absl::StatusOr<int64_t> Rebuild(absl::string_view experiment_key,
                                  const RebuildProgress& progress = nullptr);

  // Drains the queue and stops the flusher; later Enqueue calls are
  // recorded synchronously. Idempotent.
  void Shutdown();

 private:
  struct Catalog {
    std::shared_ptr<const engine::ConfigSnapshot> snapshot;
    MetricCatalog metrics;
  };

  Tracker(Database& database, std::unique_ptr<ExposureStore> exposures,
          ConfigManager& config, const TrackerOptions& options);

  // The metric catalog of the snapshot now served (rebuilt on change).
  absl::StatusOr<std::shared_ptr<const Catalog>> CurrentCatalog();
  void FlushLoop();

  const std::unique_ptr<ExposureStore> exposures_;
  ConfigManager& config_;
  const TrackerOptions options_;
  EventPipeline pipeline_;

  absl::Mutex catalog_mu_;
  std::shared_ptr<const Catalog> catalog_ ABSL_GUARDED_BY(catalog_mu_);

  mutable absl::Mutex queue_mu_;
  absl::CondVar queue_cv_;
  std::vector<ExposureRecord> queue_ ABSL_GUARDED_BY(queue_mu_);
  int64_t enqueued_ ABSL_GUARDED_BY(queue_mu_) = 0;  // batches queued
  int64_t flushed_ ABSL_GUARDED_BY(queue_mu_) = 0;   // batches recorded
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  // TrackerCounters::exposures_dropped.
  std::atomic<int64_t> dropped_{0};
  std::thread flusher_;
};

}  // namespace cxlab::storage

#endif  // CXLAB_STORAGE_TRACKER_H_
