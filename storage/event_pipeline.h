// Copyright 2026 The cxlab Authors.
//
// EventPipeline: ingestion of events and exposures into the event log, the
// per-unit metric states and the per-cell sufficient statistics
// (DESIGN.md §5; key layouts in storage/keys.h).
//
// One Track call is one RocksDB WriteBatch holding, for every accepted event,
// its raw log entry and its dedup key, then the new states of every unit it
// changes (one `unit_metrics` record per unit, storage/unit_states.h) and a
// Merge of the summed state deltas into each cell (experiment, variant,
// metric, exposure day). So a crash never leaves an event half-applied and
// the cells always equal a recompute from the log (Recompute/CompareCells,
// used by `cxlab verify`).
//
// Reads per call: one batched MultiGet of the call's event ids (dedup), the
// exposures of each unit (from an in-memory cache of recently seen units,
// else one ExposureStore scan) and one batched MultiGet of the units' state
// records.
//
//   ASSIGN_OR_RETURN(MetricCatalog catalog, MetricCatalog::Build(*snapshot));
//   EventPipeline pipeline(*database, *exposures, PipelineOptions());
//   ASSIGN_OR_RETURN(int64_t fresh, pipeline.OnExposures(records, catalog));
//   ASSIGN_OR_RETURN(IngestResult result, pipeline.Track(events, catalog));
//
// Attribution: an event counts for each experiment its unit is exposed to
// (ExposureStore::ForUnit), only at or after the exposure's first_seen and
// inside the metric's window (engine::OnEvent). The CUPED covariate of a unit
// is its value of the metric over its logged events in [first_seen - 14 days,
// first_seen), folded with engine::OnEvent from first_seen - 14 days without
// a window; an event arriving late into that range updates it.
//
// Durability: the write-ahead log is always on, so an acknowledged call
// survives a process kill (kill -9). With PipelineOptions::sync = false a
// machine crash or power loss may lose the most recent acknowledged batches;
// with sync = true every batch is fsynced before the call returns and survives
// both (at the cost of one fsync per call).
//
// OnExposures writes the exposures and the metric initialisation of the new
// ones in one WriteBatch (ExposureStore::Record with a RecordExtension).
// Exposures must be recorded through OnExposures, never ExposureStore::Record
// directly: their units' metrics would stay uninitialised and the pipeline's
// exposure cache stale.
//
// Thread-safety: all methods may be called concurrently. Track and
// OnExposures lock the pipeline's striped per-unit mutexes of every unit they
// touch (Track also those of every event id), in ascending stripe order, for
// the whole call, so updates of one unit and dedup checks of one event id are
// serialised without a global lock. Readers (ReadAggregates,
// Recompute) take no lock.

#ifndef CXLAB_STORAGE_EVENT_PIPELINE_H_
#define CXLAB_STORAGE_EVENT_PIPELINE_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/groups.h"
#include "engine/metrics.h"
#include "engine/snapshot.h"
#include "engine/value.h"
#include "storage/database.h"
#include "storage/exposure_store.h"

namespace cxlab::storage {
namespace internal {
struct DbHandles;
}  // namespace internal

// The metrics of every experiment, compiled once per config snapshot.
// Move-only; the metric pointers stay valid across moves.
struct MetricCatalog {
  // One metric of an experiment.
  struct Metric {
    std::string key;
    // The compiled metric; never null in a built catalog.
    const engine::CompiledMetric* metric = nullptr;
    // The same metric without a conversion window, used to fold the CUPED
    // pre-period. Null means `metric` is used.
    const engine::CompiledMetric* pre_metric = nullptr;
  };
  // One experiment's metrics.
  struct Experiment {
    int variant_count = 0;
    // The experiment's `metrics` then `guardrails`, each key once.
    std::vector<Metric> metrics;
  };

  // Keyed by experiment key.
  std::map<std::string, Experiment, std::less<>> experiments;
  // Resolves $inGroup in metric filters; borrowed (from the snapshot), must
  // outlive the catalog. Null means no groups.
  const engine::GroupSet* groups = nullptr;
  // Storage of the compiled metrics pointed to above.
  std::vector<std::unique_ptr<engine::CompiledMetric>> owned;

  // Compiles every metric of `snapshot`'s definitions and maps each
  // experiment's `metrics` and `guardrails` keys to them. `snapshot` must
  // outlive the catalog (its groups are borrowed). Errors: INVALID_ARGUMENT
  // for a metric filter that does not compile or an experiment naming an
  // unknown metric.
  static absl::StatusOr<MetricCatalog> Build(
      const engine::ConfigSnapshot& snapshot);

  // The experiment's entry, or null if the catalog has none.
  const Experiment* Find(absl::string_view experiment_key) const;
};

// One event to ingest, already validated by the API layer.
struct IngestEvent {
  std::string event_id;   // Non-empty; the dedup key.
  std::string unit_type;  // Non-empty, no NUL.
  std::string unit_id;    // Non-empty, no NUL.
  std::string name;
  double value = 0;       // The value metrics sum/average.
  absl::Time time;        // Finite, not before 1970; stored in microseconds.
  engine::Value properties;  // An object, or null for none.
};

// What a Track call did.
struct IngestResult {
  int64_t accepted = 0;    // Events written.
  int64_t duplicates = 0;  // Already accepted earlier or earlier in the call.
  // Events not written: (index in the call, reason), in index order.
  std::vector<std::pair<int, std::string>> rejected;
};

// How an EventPipeline writes.
struct PipelineOptions {
  // The WAL is always on. When true each batch is also fsynced before the
  // call returns (see the file comment).
  bool sync = false;
  // Units whose exposures (experiment, variant, first_seen) are kept in
  // memory, so an event of a recently seen unit needs no exposure scan.
  // About 60 bytes per exposure; 0 disables the cache.
  size_t exposure_cache_units = 65536;
};

// What an EventPipeline's OnExposures calls recorded since the pipeline was
// created (committed calls only), per ExposureStore::Record outcome.
struct PipelineCounters {
  int64_t exposures_new = 0;        // first exposures written
  int64_t exposure_repeats = 0;     // same variant again
  int64_t exposure_mismatches = 0;  // another variant than the first
};

// Reports Rebuild's progress: `done` of `total` exposed units replayed.
using RebuildProgress = std::function<void(int64_t done, int64_t total)>;

// The statistics of one cell.
struct CellStats {
  int variant_index = 0;
  // A metric key, or keys::kUnitsMetric ("$units") for the cell counting
  // exposed units (in stats.n).
  std::string metric_key;
  int64_t day = 0;  // Exposure day of its units, days since 1970-01-01 UTC.
  // Empty for all units; else only units that matched this persona segment
  // at exposure.
  std::string segment;
  engine::SufficientStats stats;
};

// The statistics of one (variant, metric), summed over days.
struct VariantMetricStats {
  int variant_index = 0;
  std::string metric_key;
  engine::SufficientStats stats;
};

// Sums the cells of `segment` (empty: the all-units cells) over days; the
// result is sorted by (variant, metric key).
std::vector<VariantMetricStats> SumOverDays(absl::Span<const CellStats> cells,
                                            absl::string_view segment = {});

// Lists the cells that differ between `stored` and `recomputed`, one line
// each ("variant 1 metric revenue day 19000: n 3 != 4" and the like). A cell
// missing on one side counts as all zeros. n must be equal; doubles must be
// within 1e-9 relative (of the larger magnitude, absolute below 1e-9).
// Empty when they agree.
std::vector<std::string> CompareCells(absl::Span<const CellStats> stored,
                                      absl::Span<const CellStats> recomputed);

// The ingest pipeline. Borrows `database` and `exposures`, which must outlive
// it.
class EventPipeline {
 public:
  EventPipeline(Database& database, ExposureStore& exposures,
                const PipelineOptions& options);

  EventPipeline(const EventPipeline&) = delete;
  EventPipeline& operator=(const EventPipeline&) = delete;

  // Ingests `events` in one WriteBatch. Per event, in order: an invalid event
  // (empty event_id, bad unit parts, time not finite or before 1970) is
  // rejected; an event id already accepted (earlier, or earlier in this call)
  // is a duplicate and skipped; otherwise the event is logged, its dedup key
  // written and each metric of each experiment its unit is exposed to
  // updated. An event whose value a metric refuses (e.g. an NPS answer of
  // 11) is rejected with the metric's message prefixed by "<experiment>/
  // <metric>: " and nothing of it is written; the rest of the call is kept.
  // Errors (then nothing is written): FAILED_PRECONDITION when the database
  // is closed, DATA_LOSS for undecodable stored records, others from RocksDB.
  absl::StatusOr<IngestResult> Track(absl::Span<const IngestEvent> events,
                                     const MetricCatalog& catalog);

  // Cumulative outcomes of OnExposures (see PipelineCounters). Lock-free;
  // each field is exact, but a call committing concurrently may be seen in
  // some fields and not yet in others.
  PipelineCounters counters() const;

  // Records `records` through ExposureStore::Record (first exposure wins)
  // and, in the same WriteBatch, initialises the metric state of each new
  // exposure whose experiment is in `catalog`:
  // the CUPED covariate from the pre-period, engine::OnExposure, then a replay
  // of the unit's logged events at or after first_seen, merging the total
  // delta into the exposure day's cell. Returns the number of new exposures.
  // Errors (then nothing is written): those of ExposureStore::Record, then
  // as Track.
  absl::StatusOr<int64_t> OnExposures(absl::Span<const ExposureRecord> records,
                                      const MetricCatalog& catalog);

  // The stored cells of `experiment_key`, sorted by (variant, metric key,
  // day). Errors: DATA_LOSS for an undecodable key or value (including a
  // failed merge), FAILED_PRECONDITION when the database is closed.
  absl::StatusOr<std::vector<CellStats>> ReadAggregates(
      absl::string_view experiment_key) const;

  // ReadAggregates served from memory: the experiment's cells are loaded
  // once from RocksDB (with writes paused for the load) and every later
  // write of this pipeline updates the copy, so a report costs a copy of the
  // cells, not a scan that folds merge operands. Up to kMaxCachedExperiments
  // experiments are kept; Rebuild drops its experiment's copy. Verify reads
  // RocksDB itself (ReadAggregates). Errors as ReadAggregates.
  absl::StatusOr<std::vector<CellStats>> CachedAggregates(
      absl::string_view experiment_key);

  // ReadAggregates summed over days, for all units (`segment` empty) or one
  // persona segment.
  absl::StatusOr<std::vector<VariantMetricStats>> ReadTotals(
      absl::string_view experiment_key, absl::string_view segment = {}) const;

  // Recomputes every cell of `experiment_key` from its exposures and the raw
  // log, replaying each exposed unit exactly as OnExposures does and summing
  // engine::Contribution of the final states (and the units, for the
  // "$units" cells), for all units and per persona segment. Cells with
  // all-zero stats are omitted. Sorted like ReadAggregates. Errors: NOT_FOUND when the catalog
  // lacks the experiment; otherwise as ReadAggregates.
  absl::StatusOr<std::vector<CellStats>> Recompute(
      absl::string_view experiment_key, const MetricCatalog& catalog) const;

  // Rebuilds every cell and unit state of `experiment_key` from its
  // exposures and the raw log under `catalog` — after a metric is added to
  // the experiment or a metric definition changes. Ingest is paused for the
  // duration (every stripe is held); the old cells and states are replaced
  // in one WriteBatch. Returns the number of exposed units replayed.
  // Errors: NOT_FOUND when the catalog lacks the experiment; as Recompute.
  // `progress`, when set, is called after each unit (from this thread, with
  // ingest paused: it must be quick and must not call into the pipeline).
  absl::StatusOr<int64_t> Rebuild(absl::string_view experiment_key,
                                  const MetricCatalog& catalog,
                                  const RebuildProgress& progress = nullptr);

 // Cells by `aggregates` key (implementation detail, public for helpers).
  using CellMap = std::map<std::string, engine::SufficientStats>;

 private:
  static constexpr size_t kStripes = 256;

  // An exposed unit of one experiment.
  struct ExposedUnit {
    std::string unit_type;
    std::string unit_id;
    Exposure exposure;
  };
  // A replayed unit's state per metric key of the experiment.
  using ReplayedStates =
      std::vector<std::pair<const std::string*, engine::UnitMetricState>>;
  using ReplayedUnitFn = std::function<absl::Status(const ExposedUnit&,
                                                    const ReplayedStates&)>;

  static constexpr size_t kMaxCachedExperiments = 64;

  // Scans the experiment's cells from RocksDB into `cells`.
  absl::Status ScanCells(absl::string_view experiment_key,
                         CellMap& cells) const;

  // Adds committed deltas to the cached experiments they belong to.
  void ApplyToCache(const CellMap& deltas);

  // Every exposure of `experiment_key` (a full exposures scan).
  absl::StatusOr<std::vector<ExposedUnit>> ExposedUnits(
      absl::string_view experiment_key) const;

  // Replays each of `exposed` from the raw log (the experiment must be in
  // `catalog`), adding its contributions and its unit to `cells` and calling
  // `on_unit` (when set) with its replayed states.
  absl::Status ReplayExperiment(const internal::DbHandles& handles,
                                absl::string_view experiment_key,
                                const MetricCatalog& catalog,
                                absl::Span<const ExposedUnit> exposed,
                                CellMap& cells,
                                const ReplayedUnitFn& on_unit) const;

  // Locks the stripes of a set of units, ascending, until destruction.
  class UnitLocks;

  // What attribution needs of one exposure.
  struct Attribution {
    std::string experiment_key;
    int variant_index = 0;
    absl::Time first_seen;
    std::vector<std::string> segments;
  };
  // Per stripe: unit key -> the unit's exposures (all experiments).
  using AttributionCache = absl::flat_hash_map<
      std::string, std::shared_ptr<const std::vector<Attribution>>>;

  // "<unit_type>\0<unit_id>\0", the unit's key in caches and unit_metrics.
  static std::string UnitKey(absl::string_view unit_type,
                             absl::string_view unit_id);
  static size_t StripeOfKey(absl::string_view unit_key);
  static size_t StripeOf(absl::string_view unit_type,
                         absl::string_view unit_id);

  // The unit's exposures, from the cache or the ExposureStore (then cached).
  // The caller holds the unit's stripe.
  absl::StatusOr<std::shared_ptr<const std::vector<Attribution>>>
  AttributionsOf(absl::string_view unit_type, absl::string_view unit_id);

  Database& database_;
  ExposureStore& exposures_;
  const PipelineOptions options_;
  const size_t cache_units_per_stripe_;
  std::array<absl::Mutex, kStripes> stripes_;
  // caches_[i] is guarded by stripes_[i] (held through UnitLocks).
  std::array<AttributionCache, kStripes> caches_;
  // Writers hold it shared from their write until their cache update;
  // CachedAggregates holds it exclusively while it loads an experiment.
  absl::Mutex cache_load_mu_ ABSL_ACQUIRED_AFTER(stripes_);
  absl::Mutex cache_mu_ ABSL_ACQUIRED_AFTER(cache_load_mu_);
  absl::flat_hash_map<std::string, CellMap> cell_cache_
      ABSL_GUARDED_BY(cache_mu_);

  // PipelineCounters, added to after each committed OnExposures.
  std::atomic<int64_t> exposures_new_{0};
  std::atomic<int64_t> exposure_repeats_{0};
  std::atomic<int64_t> exposure_mismatches_{0};
};

}  // namespace cxlab::storage

#endif  // CXLAB_STORAGE_EVENT_PIPELINE_H_
