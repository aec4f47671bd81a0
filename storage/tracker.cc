// Copyright 2026 The cxlab Authors.

#include "storage/tracker.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"
#include "storage/keys.h"

namespace cxlab::storage {

absl::StatusOr<std::unique_ptr<Tracker>> Tracker::Create(
    Database& database, ConfigManager& config, const TrackerOptions& options) {
  ExposureOptions exposure_options;
  exposure_options.sync = options.sync;
  ASSIGN_OR_RETURN(std::unique_ptr<ExposureStore> exposures,
                   ExposureStore::Create(database, exposure_options));
  return std::unique_ptr<Tracker>(
      new Tracker(database, std::move(exposures), config, options));
}

Tracker::Tracker(Database& database, std::unique_ptr<ExposureStore> exposures,
                 ConfigManager& config, const TrackerOptions& options)
    : exposures_(std::move(exposures)),
      config_(config),
      options_(options),
      pipeline_(database, *exposures_, PipelineOptions{options.sync}) {
  flusher_ = std::thread([this] { FlushLoop(); });
}

Tracker::~Tracker() { Shutdown(); }

absl::StatusOr<std::shared_ptr<const Tracker::Catalog>>
Tracker::CurrentCatalog() {
  std::shared_ptr<const engine::ConfigSnapshot> snap = config_.snapshot();
  absl::MutexLock lock(&catalog_mu_);
  if (catalog_ != nullptr && catalog_->snapshot == snap) return catalog_;
  ASSIGN_OR_RETURN(MetricCatalog metrics, MetricCatalog::Build(*snap));
  auto next = std::make_shared<Catalog>();
  next->snapshot = snap;
  next->metrics = std::move(metrics);
  catalog_ = std::move(next);
  return catalog_;
}

absl::StatusOr<IngestResult> Tracker::Track(
    absl::Span<const IngestEvent> events) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog, CurrentCatalog());
  return pipeline_.Track(events, catalog->metrics);
}

absl::StatusOr<int64_t> Tracker::RecordExposures(
    absl::Span<const ExposureRecord> records) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog, CurrentCatalog());
  return pipeline_.OnExposures(records, catalog->metrics);
}

void Tracker::EnqueueExposures(std::vector<ExposureRecord> records) {
  if (records.empty()) return;
  {
    absl::MutexLock lock(&queue_mu_);
    if (!stopping_) {
      for (ExposureRecord& r : records) queue_.push_back(std::move(r));
      ++enqueued_;
      queue_cv_.Signal();
      return;
    }
  }
  // After shutdown: record synchronously (best effort).
  if (!RecordExposures(records).ok()) {
    dropped_.fetch_add(static_cast<int64_t>(records.size()),
                       std::memory_order_relaxed);
  }
}

void Tracker::FlushLoop() {
  while (true) {
    std::vector<ExposureRecord> batch;
    int64_t batch_mark;
    bool stop;
    {
      absl::MutexLock lock(&queue_mu_);
      while (queue_.empty() && !stopping_) {
        queue_cv_.WaitWithTimeout(&queue_mu_, options_.exposure_flush_interval);
      }
      batch.swap(queue_);
      batch_mark = enqueued_;
      stop = stopping_;
    }
    // Record in slices the exposure store accepts in one batch.
    constexpr size_t kSlice = 10000;
    for (size_t i = 0; i < batch.size(); i += kSlice) {
      absl::Span<const ExposureRecord> slice(
          batch.data() + i, std::min(kSlice, batch.size() - i));
      // On failure, record one by one so a single bad record cannot drop
      // the others; what still fails (e.g. the database closed during
      // shutdown) is dropped — this path is best effort (file comment).
      if (!RecordExposures(slice).ok()) {
        for (const ExposureRecord& r : slice) {
          if (!RecordExposures(absl::MakeConstSpan(&r, 1)).ok()) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
          }
        }
      }
    }
    {
      absl::MutexLock lock(&queue_mu_);
      flushed_ = batch_mark;
      queue_cv_.SignalAll();
      if (stop && queue_.empty()) return;
    }
  }
}

void Tracker::Flush() {
  absl::MutexLock lock(&queue_mu_);
  const int64_t target = enqueued_;
  queue_cv_.SignalAll();
  while (flushed_ < target) queue_cv_.Wait(&queue_mu_);
}

TrackerCounters Tracker::counters() const {
  const PipelineCounters recorded = pipeline_.counters();
  TrackerCounters counters;
  counters.exposures_new = recorded.exposures_new;
  counters.exposure_repeats = recorded.exposure_repeats;
  counters.exposure_mismatches = recorded.exposure_mismatches;
  counters.exposures_dropped = dropped_.load(std::memory_order_relaxed);
  absl::MutexLock lock(&queue_mu_);
  counters.exposures_queued = static_cast<int64_t>(queue_.size());
  return counters;
}

void Tracker::Shutdown() {
  {
    absl::MutexLock lock(&queue_mu_);
    if (stopping_) return;
    stopping_ = true;
    queue_cv_.SignalAll();
  }
  if (flusher_.joinable()) flusher_.join();
}

absl::StatusOr<ExperimentStats> Tracker::Stats(
    absl::string_view experiment_key, absl::string_view segment) {
  std::shared_ptr<const engine::ConfigSnapshot> snapshot = config_.snapshot();
  const engine::CompiledExperiment* experiment =
      snapshot->FindExperiment(experiment_key);
  if (experiment == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("experiment '", experiment_key, "' not found"));
  }
  if (!segment.empty() && snapshot->FindSegment(segment) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("segment: unknown segment '", segment, "'"));
  }
  ExperimentStats out;
  ASSIGN_OR_RETURN(std::vector<VariantMetricStats> totals,
                   pipeline_.ReadTotals(experiment_key, segment));
  out.exposures.per_variant.assign(experiment->def->variants.size(), 0);
  for (VariantMetricStats& t : totals) {
    if (t.metric_key != keys::kUnitsMetric) {
      out.metrics.push_back(std::move(t));
      continue;
    }
    const size_t index = static_cast<size_t>(t.variant_index);
    if (index >= out.exposures.per_variant.size()) {
      out.exposures.per_variant.resize(index + 1, 0);
    }
    out.exposures.per_variant[index] = t.stats.n;
  }
  if (segment.empty()) {
    // Mismatches are not aggregated: count them from the exposures.
    ASSIGN_OR_RETURN(ExposureCounts counts,
                     exposures_->CountByVariant(experiment_key));
    out.exposures.mismatched_units = counts.mismatched_units;
  }
  return out;
}

absl::StatusOr<int> Tracker::StickyVariant(absl::string_view experiment_key,
                                           int64_t bucket_version,
                                           absl::string_view id) const {
  return exposures_->StickyVariant(experiment_key, bucket_version, id);
}

absl::StatusOr<std::vector<CellStats>> Tracker::Cells(
    absl::string_view experiment_key) {
  if (config_.snapshot()->FindExperiment(experiment_key) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("experiment '", experiment_key, "' not found"));
  }
  return pipeline_.CachedAggregates(experiment_key);
}

absl::StatusOr<int64_t> Tracker::Rebuild(absl::string_view experiment_key,
                                         const RebuildProgress& progress) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog, CurrentCatalog());
  if (catalog->metrics.Find(experiment_key) == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "experiment '", experiment_key, "' not found or has no metrics"));
  }
  Flush();  // exposures queued by Assign first
  return pipeline_.Rebuild(experiment_key, catalog->metrics, progress);
}

absl::StatusOr<Tracker::VerifyReport> Tracker::Verify(
    absl::string_view experiment_key) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog, CurrentCatalog());
  VerifyReport report;
  std::vector<std::string> keys;
  if (!experiment_key.empty()) {
    if (catalog->metrics.Find(experiment_key) == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "experiment '", experiment_key, "' not found or has no metrics"));
    }
    keys.emplace_back(experiment_key);
  } else {
    for (const auto& [key, experiment] : catalog->metrics.experiments) {
      keys.push_back(key);
    }
  }
  for (const std::string& key : keys) {
    ASSIGN_OR_RETURN(std::vector<CellStats> stored,
                     pipeline_.ReadAggregates(key));
    ASSIGN_OR_RETURN(std::vector<CellStats> recomputed,
                     pipeline_.Recompute(key, catalog->metrics));
    for (std::string& line : CompareCells(stored, recomputed)) {
      report.differences.push_back(absl::StrCat(key, " ", line));
    }
    ++report.experiments_checked;
  }
  return report;
}

}  // namespace cxlab::storage
