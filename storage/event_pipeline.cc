// Copyright 2026 The cxlab Authors.

#include "storage/event_pipeline.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/json.h"
#include "engine/metrics.h"
#include "engine/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "storage/coding.h"
#include "storage/internal/db_handles.h"
#include "storage/internal/rocksdb_status.h"
#include "storage/keys.h"
#include "storage/unit_states.h"

namespace cxlab::storage {
namespace {

using internal::DbHandles;
using internal::FromRocksDbStatus;

constexpr char kEventRecordFormatV1 = 1;
constexpr absl::Duration kPrePeriod = absl::Hours(14 * 24);

// A decoded `events` entry.
struct StoredEvent {
  std::string event_id;
  std::string name;
  double value = 0;
  int64_t time_micros = 0;
  engine::Value properties;  // Null for none.
};

std::string EncodeEventRecord(const StoredEvent& event) {
  std::string out(1, kEventRecordFormatV1);
  PutLengthPrefixed(&out, event.event_id);
  PutLengthPrefixed(&out, event.name);
  uint64_t bits = 0;
  std::memcpy(&bits, &event.value, sizeof bits);
  PutFixed64BigEndian(&out, bits);
  PutVarint64(&out, static_cast<uint64_t>(event.time_micros));
  PutLengthPrefixed(&out, event.properties.is_object()
                              ? engine::ToJson(event.properties)
                              : std::string());
  return out;
}

absl::StatusOr<StoredEvent> DecodeEventRecord(absl::string_view in) {
  auto corrupt = [] {
    return absl::DataLossError("events: undecodable event record");
  };
  if (in.empty() || in[0] != kEventRecordFormatV1) return corrupt();
  in.remove_prefix(1);
  StoredEvent event;
  absl::string_view id, name, props;
  uint64_t bits = 0, time = 0;
  if (!GetLengthPrefixed(&in, &id) || !GetLengthPrefixed(&in, &name) ||
      !GetFixed64BigEndian(&in, &bits) || !GetVarint64(&in, &time) ||
      !GetLengthPrefixed(&in, &props) || !in.empty()) {
    return corrupt();
  }
  event.event_id = std::string(id);
  event.name = std::string(name);
  std::memcpy(&event.value, &bits, sizeof bits);
  event.time_micros = static_cast<int64_t>(time);
  if (!props.empty()) {
    absl::StatusOr<engine::Value> parsed = engine::ParseJson(props);
    if (!parsed.ok()) return corrupt();
    event.properties = *std::move(parsed);
  }
  return event;
}

engine::MetricEvent ToMetricEvent(const StoredEvent& event) {
  engine::MetricEvent out;
  out.name = event.name;
  out.value = event.value;
  out.time = absl::FromUnixMicros(event.time_micros);
  out.properties = event.properties.is_object() ? &event.properties : nullptr;
  return out;
}

const engine::GroupSet& GroupsOf(const MetricCatalog& catalog) {
  static const engine::GroupSet* const kEmpty = new engine::GroupSet();
  return catalog.groups != nullptr ? *catalog.groups : *kEmpty;
}

const engine::CompiledMetric& PreMetricOf(const MetricCatalog::Metric& m) {
  return m.pre_metric != nullptr ? *m.pre_metric : *m.metric;
}

bool Matches(const engine::CompiledMetric& m, const engine::MetricEvent& e,
             const engine::GroupSet& groups) {
  return m.MatchesNumerator(e, groups) || m.MatchesDenominator(e);
}

// The CUPED covariate: the unit's value of the metric over `events` in
// [first_seen - 14 days, first_seen), folded from first_seen - 14 days
// without a window. Events the metric refuses are skipped.
double PreValue(const MetricCatalog::Metric& metric,
                const engine::GroupSet& groups, absl::Time first_seen,
                const std::vector<const StoredEvent*>& events) {
  const engine::CompiledMetric& pre = PreMetricOf(metric);
  const absl::Time start = first_seen - kPrePeriod;
  engine::UnitMetricState scratch;
  for (const StoredEvent* event : events) {
    const engine::MetricEvent e = ToMetricEvent(*event);
    if (e.time < start || e.time >= first_seen) continue;
    absl::StatusOr<engine::Transition> t =
        engine::OnEvent(pre, scratch, start, e, groups);
    if (t.ok()) scratch = t->state;
  }
  return pre.UnitValue(scratch);
}

// The state of a unit exposed at `first_seen` after its events (any order):
// the pre-period covariate, OnExposure, then every event at or after
// first_seen. Events the metric refuses are skipped.
engine::UnitMetricState ReplayUnit(
    const MetricCatalog::Metric& metric, const engine::GroupSet& groups,
    absl::Time first_seen, const std::vector<const StoredEvent*>& events) {
  const double pre = PreValue(metric, groups, first_seen, events);
  engine::UnitMetricState state =
      engine::OnExposure(*metric.metric, engine::UnitMetricState(), pre).state;
  for (const StoredEvent* event : events) {
    const engine::MetricEvent e = ToMetricEvent(*event);
    if (e.time < first_seen) continue;
    absl::StatusOr<engine::Transition> t =
        engine::OnEvent(*metric.metric, state, first_seen, e, groups);
    if (t.ok()) state = t->state;
  }
  return state;
}

// The unit's logged events with time >= from (clamped to 0), in key order.
absl::StatusOr<std::vector<StoredEvent>> ScanUnitEvents(
    const DbHandles& handles, const rocksdb::ReadOptions& base,
    absl::string_view unit_type, absl::string_view unit_id, absl::Time from) {
  ASSIGN_OR_RETURN(std::string prefix,
                   keys::ExposureUnitPrefix(unit_type, unit_id));
  const std::string upper = keys::PrefixSuccessor(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options = base;
  if (!upper.empty()) read_options.iterate_upper_bound = &upper_slice;
  std::string start = prefix;
  PutFixed64BigEndian(
      &start, static_cast<uint64_t>(std::max<int64_t>(
                  0, absl::ToUnixMicros(std::max(from, absl::UnixEpoch())))));
  std::unique_ptr<rocksdb::Iterator> it(
      handles.db->NewIterator(read_options, handles.events));
  std::vector<StoredEvent> out;
  for (it->Seek(start); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(StoredEvent event,
                     DecodeEventRecord(absl::string_view(
                         it->value().data(), it->value().size())));
    out.push_back(std::move(event));
  }
  RETURN_IF_ERROR(FromRocksDbStatus(it->status(), "read events"));
  return out;
}

// Reads a unit's `unit_metrics` record; empty states when absent.
absl::StatusOr<UnitStates> ReadUnitStates(const DbHandles& handles,
                                          const std::string& key) {
  std::string value;
  const rocksdb::Status s =
      handles.db->Get(rocksdb::ReadOptions(), handles.unit_metrics, key, &value);
  UnitStates states;
  if (s.IsNotFound()) return states;
  RETURN_IF_ERROR(FromRocksDbStatus(s, "read unit states"));
  if (!UnitStates::Decode(value, &states)) {
    return absl::DataLossError("unit_metrics: undecodable unit states");
  }
  return states;
}

// Point lookups of `keys` (sorted ascending) in one batched MultiGet; the
// value of each, nullopt when absent.
template <typename Key>
absl::StatusOr<std::vector<std::optional<std::string>>> MultiRead(
    const DbHandles& handles, rocksdb::ColumnFamilyHandle* family,
    const std::vector<Key>& keys) {
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (const Key& key : keys) slices.emplace_back(key.data(), key.size());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  std::vector<std::optional<std::string>> out(keys.size());
  if (keys.empty()) return out;
  handles.db->MultiGet(rocksdb::ReadOptions(), family, keys.size(),
                       slices.data(), values.data(), statuses.data(),
                       /*sorted_input=*/true);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    RETURN_IF_ERROR(FromRocksDbStatus(statuses[i], "read"));
    out[i] = values[i].ToString();
  }
  return out;
}

// Whether each of `keys` (sorted ascending) exists, in one batched MultiGet.
absl::StatusOr<std::vector<bool>> MultiExists(
    const DbHandles& handles, rocksdb::ColumnFamilyHandle* family,
    const std::vector<absl::string_view>& keys) {
  ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                   MultiRead(handles, family, keys));
  std::vector<bool> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) out[i] = values[i].has_value();
  return out;
}

using CellKey = std::tuple<int, std::string, int64_t, std::string>;
using CellMap = EventPipeline::CellMap;

// Adds `delta` to the all-units cell of (experiment, variant, metric, day)
// and to the same cell of each of `segments`.
void AddToCells(CellMap& cells, absl::string_view experiment_key,
                int variant_index, absl::string_view metric_key, int64_t day,
                const std::vector<std::string>& segments,
                const engine::SufficientStats& delta) {
  cells[keys::AggregateKey(experiment_key, variant_index, metric_key, day)]
      .Add(delta);
  for (const std::string& segment : segments) {
    cells[keys::AggregateKey(experiment_key, variant_index, metric_key, day,
                             segment)]
        .Add(delta);
  }
}

// One exposed unit in the `$units` cells.
engine::SufficientStats OneUnit() {
  engine::SufficientStats unit;
  unit.n = 1;
  return unit;
}

// The cells of `m` (keys built by keys::AggregateKey), sorted by (variant,
// metric key, day, segment); all-zero cells dropped when `drop_zero`.
absl::StatusOr<std::vector<CellStats>> ToCells(const CellMap& m,
                                               bool drop_zero) {
  std::map<CellKey, engine::SufficientStats> sorted;
  for (const auto& [key, stats] : m) {
    if (drop_zero && stats.IsZero()) continue;
    absl::string_view experiment, metric, segment;
    int variant = 0;
    int64_t day = 0;
    if (!keys::ParseAggregateKey(key, &experiment, &variant, &metric, &day,
                                 &segment)) {
      return absl::DataLossError("aggregates: undecodable cell key");
    }
    sorted[CellKey(variant, std::string(metric), day, std::string(segment))]
        .Add(stats);
  }
  std::vector<CellStats> out;
  out.reserve(sorted.size());
  for (auto& [key, stats] : sorted) {
    CellStats cell;
    cell.variant_index = std::get<0>(key);
    cell.metric_key = std::get<1>(key);
    cell.day = std::get<2>(key);
    cell.segment = std::get<3>(key);
    cell.stats = stats;
    out.push_back(std::move(cell));
  }
  return out;
}

bool Close(double a, double b) {
  const double diff = std::fabs(a - b);
  if (diff <= 1e-9) return true;
  return diff <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace

// ---------------------------------------------------------------------------
// MetricCatalog

absl::StatusOr<MetricCatalog> MetricCatalog::Build(
    const engine::ConfigSnapshot& snapshot) {
  MetricCatalog catalog;
  catalog.groups = &snapshot.groups();
  std::map<std::string, Metric, std::less<>> by_key;
  for (const engine::MetricDef& def : snapshot.definitions().metrics) {
    ASSIGN_OR_RETURN(engine::CompiledMetric metric,
                     engine::CompiledMetric::Compile(def));
    engine::MetricDef pre_def = def;
    pre_def.window_hours = 0;
    ASSIGN_OR_RETURN(engine::CompiledMetric pre,
                     engine::CompiledMetric::Compile(pre_def));
    catalog.owned.push_back(
        std::make_unique<engine::CompiledMetric>(std::move(metric)));
    Metric entry;
    entry.key = def.key;
    entry.metric = catalog.owned.back().get();
    catalog.owned.push_back(
        std::make_unique<engine::CompiledMetric>(std::move(pre)));
    entry.pre_metric = catalog.owned.back().get();
    by_key[def.key] = entry;
  }
  for (const engine::ExperimentDef& def : snapshot.definitions().experiments) {
    Experiment experiment;
    experiment.variant_count = static_cast<int>(def.variants.size());
    std::set<std::string> seen;
    for (const std::vector<std::string>* list : {&def.metrics, &def.guardrails}) {
      for (const std::string& key : *list) {
        if (!seen.insert(key).second) continue;
        auto it = by_key.find(key);
        if (it == by_key.end()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "experiment ", def.key, ": unknown metric ", key));
        }
        experiment.metrics.push_back(it->second);
      }
    }
    catalog.experiments[def.key] = std::move(experiment);
  }
  return catalog;
}

const MetricCatalog::Experiment* MetricCatalog::Find(
    absl::string_view experiment_key) const {
  auto it = experiments.find(experiment_key);
  return it == experiments.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------
// Free functions

std::vector<VariantMetricStats> SumOverDays(absl::Span<const CellStats> cells,
                                            absl::string_view segment) {
  std::map<std::pair<int, std::string>, engine::SufficientStats> sums;
  for (const CellStats& cell : cells) {
    if (cell.segment != segment) continue;
    sums[{cell.variant_index, cell.metric_key}].Add(cell.stats);
  }
  std::vector<VariantMetricStats> out;
  for (auto& [key, stats] : sums) {
    VariantMetricStats total;
    total.variant_index = key.first;
    total.metric_key = key.second;
    total.stats = stats;
    out.push_back(std::move(total));
  }
  return out;
}

std::vector<std::string> CompareCells(absl::Span<const CellStats> stored,
                                      absl::Span<const CellStats> recomputed) {
  std::map<CellKey, std::pair<engine::SufficientStats, engine::SufficientStats>>
      both;
  for (const CellStats& c : stored) {
    both[{c.variant_index, c.metric_key, c.day, c.segment}].first.Add(c.stats);
  }
  for (const CellStats& c : recomputed) {
    both[{c.variant_index, c.metric_key, c.day, c.segment}].second.Add(
        c.stats);
  }
  std::vector<std::string> diffs;
  for (const auto& [key, pair] : both) {
    const engine::SufficientStats& a = pair.first;
    const engine::SufficientStats& b = pair.second;
    const std::string cell =
        absl::StrCat("variant ", std::get<0>(key), " metric ", std::get<1>(key),
                     " day ", std::get<2>(key),
                     std::get<3>(key).empty() ? "" : " segment ",
                     std::get<3>(key), ": ");
    if (a.n != b.n) diffs.push_back(absl::StrCat(cell, "n ", a.n, " != ", b.n));
    const std::pair<const char*, double engine::SufficientStats::*> fields[] = {
        {"sum", &engine::SufficientStats::sum},
        {"sum_sq", &engine::SufficientStats::sum_sq},
        {"den_sum", &engine::SufficientStats::den_sum},
        {"den_sum_sq", &engine::SufficientStats::den_sum_sq},
        {"cross_sum", &engine::SufficientStats::cross_sum},
        {"pre_sum", &engine::SufficientStats::pre_sum},
        {"pre_sum_sq", &engine::SufficientStats::pre_sum_sq},
        {"pre_cross_sum", &engine::SufficientStats::pre_cross_sum},
    };
    for (const auto& [name, field] : fields) {
      if (!Close(a.*field, b.*field)) {
        diffs.push_back(
            absl::StrCat(cell, name, " ", a.*field, " != ", b.*field));
      }
    }
  }
  return diffs;
}

// ---------------------------------------------------------------------------
// EventPipeline

class EventPipeline::UnitLocks {
 public:
  UnitLocks(EventPipeline& pipeline, const std::set<size_t>& stripes)
      : pipeline_(pipeline), stripes_(stripes) {
    for (size_t s : stripes_) pipeline_.stripes_[s].Lock();
  }
  UnitLocks(const UnitLocks&) = delete;
  UnitLocks& operator=(const UnitLocks&) = delete;
  ~UnitLocks() {
    for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) {
      pipeline_.stripes_[*it].Unlock();
    }
  }

 private:
  EventPipeline& pipeline_;
  const std::set<size_t> stripes_;
};

EventPipeline::EventPipeline(Database& database, ExposureStore& exposures,
                             const PipelineOptions& options)
    : database_(database),
      exposures_(exposures),
      options_(options),
      cache_units_per_stripe_(
          options.exposure_cache_units == 0
              ? 0
              : std::max<size_t>(1, options.exposure_cache_units / kStripes)) {}

size_t EventPipeline::StripeOfKey(absl::string_view unit_key) {
  return absl::Hash<absl::string_view>()(unit_key) % kStripes;
}

size_t EventPipeline::StripeOf(absl::string_view unit_type,
                               absl::string_view unit_id) {
  return StripeOfKey(UnitKey(unit_type, unit_id));
}

std::string EventPipeline::UnitKey(absl::string_view unit_type,
                                   absl::string_view unit_id) {
  return keys::UnitStatesKey(unit_type, unit_id);
}

absl::StatusOr<std::shared_ptr<const std::vector<EventPipeline::Attribution>>>
EventPipeline::AttributionsOf(absl::string_view unit_type,
                              absl::string_view unit_id) {
  const std::string key = UnitKey(unit_type, unit_id);
  AttributionCache& cache = caches_[StripeOfKey(key)];
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  ASSIGN_OR_RETURN(std::vector<Exposure> all,
                   exposures_.ForUnit(unit_type, unit_id));
  auto out = std::make_shared<std::vector<Attribution>>();
  out->reserve(all.size());
  for (Exposure& x : all) {
    out->push_back(Attribution{std::move(x.experiment_key), x.variant_index,
                               x.first_seen, std::move(x.segments)});
  }
  if (cache_units_per_stripe_ > 0) {
    if (cache.size() >= cache_units_per_stripe_) cache.erase(cache.begin());
    cache.emplace(key, out);
  }
  return std::shared_ptr<const std::vector<Attribution>>(std::move(out));
}

absl::StatusOr<IngestResult> EventPipeline::Track(
    absl::Span<const IngestEvent> events, const MetricCatalog& catalog) {
  IngestResult result;
  // Pure validation first, so the units to lock are known.
  std::vector<absl::Status> invalid(events.size());
  std::vector<std::string> event_keys(events.size());
  std::set<size_t> stripes;
  // The units of the call, keyed by UnitKey.
  struct UnitWork {
    std::string unit_type;
    std::string unit_id;
    // Its exposures to the catalog's experiments.
    std::vector<Attribution> attributions;
    UnitStates states;
    bool dirty = false;  // `states` changed.
    // Events of this call accepted so far, for a pre-period refold.
    std::vector<StoredEvent> pending;
  };
  absl::flat_hash_map<std::string, UnitWork> units;
  std::vector<UnitWork*> unit_of(events.size(), nullptr);
  for (size_t i = 0; i < events.size(); ++i) {
    const IngestEvent& e = events[i];
    if (e.time == absl::InfinitePast() || e.time == absl::InfiniteFuture()) {
      invalid[i] = absl::InvalidArgumentError("time: must be finite");
      continue;
    }
    absl::StatusOr<std::string> key = keys::EventKey(
        e.unit_type, e.unit_id, absl::ToUnixMicros(e.time), e.event_id);
    if (!key.ok()) {
      invalid[i] = key.status();
      continue;
    }
    event_keys[i] = *std::move(key);
    stripes.insert(StripeOf(e.unit_type, e.unit_id));
    // Also serialise events sharing an id across units, so the dedup check
    // and write of one id never race.
    stripes.insert(absl::Hash<absl::string_view>()(e.event_id) % kStripes);
    auto [it, inserted] = units.try_emplace(UnitKey(e.unit_type, e.unit_id));
    if (inserted) {
      it->second.unit_type = e.unit_type;
      it->second.unit_id = e.unit_id;
    }
  }
  for (size_t i = 0; i < events.size(); ++i) {
    if (invalid[i].ok()) {
      unit_of[i] = &units.find(UnitKey(events[i].unit_type,
                                       events[i].unit_id))->second;
    }
  }
  UnitLocks locks(*this, stripes);
  for (auto& [key, unit] : units) {
    ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<Attribution>> all,
                     AttributionsOf(unit.unit_type, unit.unit_id));
    for (const Attribution& x : *all) {
      if (catalog.Find(x.experiment_key) != nullptr) {
        unit.attributions.push_back(x);
      }
    }
  }
  const engine::GroupSet& groups = GroupsOf(catalog);

  // Writes and their cache updates form one step for CachedAggregates.
  absl::ReaderMutexLock cache_guard(&cache_load_mu_);
  CellMap cell_deltas;
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles)
                                            -> absl::Status {
    // Which event ids were accepted before: one batched lookup.
    absl::flat_hash_set<absl::string_view> known_ids;
    {
      std::vector<absl::string_view> ids;
      ids.reserve(events.size());
      for (size_t i = 0; i < events.size(); ++i) {
        if (invalid[i].ok()) ids.push_back(events[i].event_id);
      }
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      ASSIGN_OR_RETURN(std::vector<bool> found,
                       MultiExists(handles, handles.dedup, ids));
      for (size_t i = 0; i < ids.size(); ++i) {
        if (found[i]) known_ids.insert(ids[i]);
      }
    }
    // The stored states of every unit exposed to a catalog experiment.
    {
      std::vector<UnitWork*> exposed;
      std::vector<absl::string_view> state_keys;
      for (auto& [key, unit] : units) {
        if (unit.attributions.empty()) continue;
        exposed.push_back(&unit);
      }
      std::sort(exposed.begin(), exposed.end(),
                [](const UnitWork* a, const UnitWork* b) {
                  return std::tie(a->unit_type, a->unit_id) <
                         std::tie(b->unit_type, b->unit_id);
                });
      std::vector<std::string> owned_keys;
      owned_keys.reserve(exposed.size());
      for (const UnitWork* unit : exposed) {
        owned_keys.push_back(UnitKey(unit->unit_type, unit->unit_id));
      }
      ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                       MultiRead(handles, handles.unit_metrics, owned_keys));
      for (size_t i = 0; i < exposed.size(); ++i) {
        if (values[i].has_value() &&
            !UnitStates::Decode(*values[i], &exposed[i]->states)) {
          return absl::DataLossError("unit_metrics: undecodable unit states");
        }
      }
    }

    rocksdb::WriteBatch batch;
    absl::flat_hash_set<absl::string_view> seen_ids;
    for (size_t i = 0; i < events.size(); ++i) {
      const IngestEvent& e = events[i];
      if (!invalid[i].ok()) {
        result.rejected.emplace_back(static_cast<int>(i),
                                     std::string(invalid[i].message()));
        continue;
      }
      if (known_ids.contains(e.event_id) || seen_ids.contains(e.event_id)) {
        ++result.duplicates;
        continue;
      }
      UnitWork& unit = *unit_of[i];

      StoredEvent stored;
      stored.event_id = e.event_id;
      stored.name = e.name;
      stored.value = e.value;
      stored.time_micros = absl::ToUnixMicros(e.time);
      if (e.properties.is_object()) stored.properties = e.properties;
      const engine::MetricEvent me = ToMetricEvent(stored);

      struct Change {
        const std::string* experiment_key;
        const std::string* metric_key;
        engine::UnitMetricState state;
        const Attribution* exposure;
        engine::SufficientStats delta;
      };
      std::vector<Change> changes;
      std::optional<std::string> reject;
      for (const Attribution& x : unit.attributions) {
        const MetricCatalog::Experiment* experiment =
            catalog.Find(x.experiment_key);
        const absl::Time pre_start = x.first_seen - kPrePeriod;
        if (me.time < pre_start) continue;
        for (const MetricCatalog::Metric& metric : experiment->metrics) {
          const engine::CompiledMetric& m = *metric.metric;
          if (!Matches(m, me, groups)) continue;
          const engine::UnitMetricState* stored_state =
              unit.states.Find(x.experiment_key, metric.key);
          const engine::UnitMetricState before =
              stored_state != nullptr ? *stored_state
                                      : engine::UnitMetricState();
          engine::UnitMetricState after;
          if (me.time >= x.first_seen) {
            absl::StatusOr<engine::Transition> t =
                engine::OnEvent(m, before, x.first_seen, me, groups);
            if (!t.ok()) {
              reject = absl::StrCat(x.experiment_key, "/", metric.key, ": ",
                                    t.status().message());
              break;
            }
            after = t->state;
          } else {
            // A late event inside the CUPED pre-period: refold the covariate
            // from the log, this call's earlier events and this one.
            absl::StatusOr<engine::Transition> check = engine::OnEvent(
                PreMetricOf(metric), engine::UnitMetricState(), pre_start, me,
                groups);
            if (!check.ok()) {
              reject = absl::StrCat(x.experiment_key, "/", metric.key, ": ",
                                    check.status().message());
              break;
            }
            ASSIGN_OR_RETURN(
                std::vector<StoredEvent> logged,
                ScanUnitEvents(handles, rocksdb::ReadOptions(), e.unit_type,
                               e.unit_id, pre_start));
            std::vector<const StoredEvent*> all;
            for (const StoredEvent& l : logged) all.push_back(&l);
            for (const StoredEvent& p : unit.pending) all.push_back(&p);
            all.push_back(&stored);
            after = before;
            after.pre = PreValue(metric, groups, x.first_seen, all);
          }
          if (after == before) continue;
          Change change;
          change.experiment_key = &x.experiment_key;
          change.metric_key = &metric.key;
          change.state = after;
          change.exposure = &x;
          change.delta = engine::Delta(m, before, after);
          changes.push_back(std::move(change));
        }
        if (reject.has_value()) break;
      }
      if (reject.has_value()) {
        result.rejected.emplace_back(static_cast<int>(i), *std::move(reject));
        continue;
      }
      // States and cell deltas are coalesced over the whole call: one Put
      // per touched unit and one Merge per touched cell.
      for (Change& change : changes) {
        unit.states.Set(*change.experiment_key, *change.metric_key,
                        change.state);
        unit.dirty = true;
        if (!change.delta.IsZero()) {
          const Attribution& x = *change.exposure;
          AddToCells(cell_deltas, x.experiment_key, x.variant_index,
                     *change.metric_key,
                     keys::DayNumber(absl::ToUnixMicros(x.first_seen)),
                     x.segments, change.delta);
        }
      }
      RETURN_IF_ERROR(FromRocksDbStatus(
          batch.Put(handles.events, event_keys[i], EncodeEventRecord(stored)),
          "batch"));
      RETURN_IF_ERROR(FromRocksDbStatus(
          batch.Put(handles.dedup, keys::DedupKey(e.event_id), ""), "batch"));
      seen_ids.insert(e.event_id);
      unit.pending.push_back(std::move(stored));
      ++result.accepted;
    }
    for (const auto& [key, unit] : units) {
      if (!unit.dirty) continue;
      RETURN_IF_ERROR(FromRocksDbStatus(
          batch.Put(handles.unit_metrics, key, unit.states.Encode()),
          "batch"));
    }
    for (const auto& [key, delta] : cell_deltas) {
      if (delta.IsZero()) continue;
      RETURN_IF_ERROR(FromRocksDbStatus(
          batch.Merge(handles.aggregates, key, delta.Encode()), "batch"));
    }
    if (batch.Count() == 0) return absl::OkStatus();
    rocksdb::WriteOptions write_options;
    write_options.sync = options_.sync;
    return FromRocksDbStatus(handles.db->Write(write_options, &batch),
                             "commit events");
  }));
  ApplyToCache(cell_deltas);
  return result;
}

absl::StatusOr<int64_t> EventPipeline::OnExposures(
    absl::Span<const ExposureRecord> records, const MetricCatalog& catalog) {
  std::set<size_t> stripes;
  for (const ExposureRecord& r : records) {
    stripes.insert(StripeOf(r.unit_type, r.unit_id));
  }
  UnitLocks locks(*this, stripes);
  const engine::GroupSet& groups = GroupsOf(catalog);
  // Units that got a first exposure; their cached attributions go stale.
  std::set<std::string> stale;
  // The cell deltas the exposures' batch merges.
  CellMap cells_written;
  // The metric initialisation of every first exposure joins the batch that
  // records the exposures, so both commit or neither.
  auto initialise = [&](const DbHandles& handles,
                        absl::Span<const NewExposure> fresh,
                        rocksdb::WriteBatch& batch) -> absl::Status {
    // The new exposures whose experiment the catalog knows, per unit.
    std::map<std::pair<std::string, std::string>, std::vector<const Exposure*>>
        by_unit;
    CellMap cells;
    for (const NewExposure& n : fresh) {
      stale.insert(UnitKey(n.unit_type, n.unit_id));
      if (catalog.Find(n.exposure.experiment_key) == nullptr) continue;
      by_unit[{n.unit_type, n.unit_id}].push_back(&n.exposure);
    }
    for (const auto& [unit, exposures] : by_unit) {
      absl::Time from = absl::InfiniteFuture();
      for (const Exposure* x : exposures) {
        from = std::min(from, x->first_seen - kPrePeriod);
      }
      ASSIGN_OR_RETURN(std::vector<StoredEvent> logged,
                       ScanUnitEvents(handles, rocksdb::ReadOptions(),
                                      unit.first, unit.second, from));
      std::vector<const StoredEvent*> all;
      for (const StoredEvent& l : logged) all.push_back(&l);
      const std::string state_key = UnitKey(unit.first, unit.second);
      ASSIGN_OR_RETURN(UnitStates states, ReadUnitStates(handles, state_key));
      for (const Exposure* x : exposures) {
        const MetricCatalog::Experiment* experiment =
            catalog.Find(x->experiment_key);
        const int64_t day = keys::DayNumber(absl::ToUnixMicros(x->first_seen));
        AddToCells(cells, x->experiment_key, x->variant_index,
                   keys::kUnitsMetric, day, x->segments, OneUnit());
        for (const MetricCatalog::Metric& metric : experiment->metrics) {
          const engine::UnitMetricState state =
              ReplayUnit(metric, groups, x->first_seen, all);
          states.Set(x->experiment_key, metric.key, state);
          const engine::SufficientStats delta =
              engine::Contribution(*metric.metric, state);
          if (delta.IsZero()) continue;
          AddToCells(cells, x->experiment_key, x->variant_index, metric.key,
                     day, x->segments, delta);
        }
      }
      RETURN_IF_ERROR(FromRocksDbStatus(
          batch.Put(handles.unit_metrics, state_key, states.Encode()),
          "batch"));
    }
    for (const auto& [key, delta] : cells) {
      RETURN_IF_ERROR(FromRocksDbStatus(
          batch.Merge(handles.aggregates, key, delta.Encode()), "batch"));
    }
    cells_written = std::move(cells);
    return absl::OkStatus();
  };
  absl::ReaderMutexLock cache_guard(&cache_load_mu_);
  CellMap committed;
  absl::StatusOr<RecordResult> recorded = exposures_.Record(
      records, [&](const DbHandles& handles, absl::Span<const NewExposure> fresh,
                   rocksdb::WriteBatch& batch) -> absl::Status {
        committed.clear();
        RETURN_IF_ERROR(initialise(handles, fresh, batch));
        committed = cells_written;
        return absl::OkStatus();
      });
  if (recorded.ok()) ApplyToCache(committed);
  for (const std::string& key : stale) {
    caches_[StripeOfKey(key)].erase(key);
  }
  if (!recorded.ok()) return recorded.status();
  exposures_new_.fetch_add(recorded->new_exposures, std::memory_order_relaxed);
  exposure_repeats_.fetch_add(recorded->repeats, std::memory_order_relaxed);
  exposure_mismatches_.fetch_add(recorded->mismatches,
                                 std::memory_order_relaxed);
  return recorded->new_exposures;
}

PipelineCounters EventPipeline::counters() const {
  PipelineCounters counters;
  counters.exposures_new = exposures_new_.load(std::memory_order_relaxed);
  counters.exposure_repeats = exposure_repeats_.load(std::memory_order_relaxed);
  counters.exposure_mismatches =
      exposure_mismatches_.load(std::memory_order_relaxed);
  return counters;
}

void EventPipeline::ApplyToCache(const CellMap& deltas) {
  if (deltas.empty()) return;
  absl::MutexLock lock(&cache_mu_);
  if (cell_cache_.empty()) return;
  for (const auto& [key, delta] : deltas) {
    const absl::string_view experiment =
        absl::string_view(key).substr(0, key.find('\0'));
    auto it = cell_cache_.find(experiment);
    if (it != cell_cache_.end()) it->second[key].Add(delta);
  }
}

absl::StatusOr<std::vector<CellStats>> EventPipeline::CachedAggregates(
    absl::string_view experiment_key) {
  {
    absl::MutexLock lock(&cache_mu_);
    auto it = cell_cache_.find(experiment_key);
    if (it != cell_cache_.end()) return ToCells(it->second, false);
  }
  // Load with every write paused, so the copy equals the database and each
  // later write is applied to it exactly once.
  absl::WriterMutexLock load(&cache_load_mu_);
  CellMap cells;
  RETURN_IF_ERROR(ScanCells(experiment_key, cells));
  absl::MutexLock lock(&cache_mu_);
  if (cell_cache_.size() >= kMaxCachedExperiments &&
      !cell_cache_.contains(experiment_key)) {
    cell_cache_.erase(cell_cache_.begin());
  }
  CellMap& cached = cell_cache_[std::string(experiment_key)];
  cached = std::move(cells);
  return ToCells(cached, false);
}

absl::StatusOr<std::vector<CellStats>> EventPipeline::ReadAggregates(
    absl::string_view experiment_key) const {
  CellMap cells;
  RETURN_IF_ERROR(ScanCells(experiment_key, cells));
  return ToCells(cells, /*drop_zero=*/false);
}

absl::Status EventPipeline::ScanCells(absl::string_view experiment_key,
                                      CellMap& cells) const {
  const std::string prefix = keys::AggregateExperimentPrefix(experiment_key);
  const std::string upper = keys::PrefixSuccessor(prefix);
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles)
                                            -> absl::Status {
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read_options;
    if (!upper.empty()) read_options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        handles.db->NewIterator(read_options, handles.aggregates));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      engine::SufficientStats stats;
      if (!engine::SufficientStats::Decode(
              absl::string_view(it->value().data(), it->value().size()),
              &stats)) {
        return absl::DataLossError("aggregates: undecodable cell");
      }
      cells[std::string(it->key().data(), it->key().size())] = stats;
    }
    return FromRocksDbStatus(it->status(), "read aggregates");
  }));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<VariantMetricStats>> EventPipeline::ReadTotals(
    absl::string_view experiment_key, absl::string_view segment) const {
  ASSIGN_OR_RETURN(std::vector<CellStats> cells,
                   ReadAggregates(experiment_key));
  return SumOverDays(cells, segment);
}

absl::StatusOr<std::vector<EventPipeline::ExposedUnit>>
EventPipeline::ExposedUnits(absl::string_view experiment_key) const {
  std::vector<ExposedUnit> exposed;
  RETURN_IF_ERROR(exposures_.ForEachExposure(
      experiment_key,
      [&exposed](const std::string& unit_type, const std::string& unit_id,
                 const Exposure& exposure) {
        exposed.push_back(ExposedUnit{unit_type, unit_id, exposure});
        return true;
      }));
  return exposed;
}

absl::Status EventPipeline::ReplayExperiment(
    const internal::DbHandles& handles, absl::string_view experiment_key,
    const MetricCatalog& catalog, absl::Span<const ExposedUnit> exposed,
    CellMap& cells, const ReplayedUnitFn& on_unit) const {
  const MetricCatalog::Experiment& experiment = *catalog.Find(experiment_key);
  const engine::GroupSet& groups = GroupsOf(catalog);
  std::vector<std::pair<const std::string*, engine::UnitMetricState>> states;
  for (const ExposedUnit& u : exposed) {
    const absl::Time first_seen = u.exposure.first_seen;
    ASSIGN_OR_RETURN(std::vector<StoredEvent> logged,
                     ScanUnitEvents(handles, rocksdb::ReadOptions(),
                                    u.unit_type, u.unit_id,
                                    first_seen - kPrePeriod));
    std::vector<const StoredEvent*> all;
    for (const StoredEvent& l : logged) all.push_back(&l);
    const int64_t day = keys::DayNumber(absl::ToUnixMicros(first_seen));
    AddToCells(cells, experiment_key, u.exposure.variant_index,
               keys::kUnitsMetric, day, u.exposure.segments, OneUnit());
    states.clear();
    for (const MetricCatalog::Metric& metric : experiment.metrics) {
      const engine::UnitMetricState state =
          ReplayUnit(metric, groups, first_seen, all);
      AddToCells(cells, experiment_key, u.exposure.variant_index, metric.key,
                 day, u.exposure.segments,
                 engine::Contribution(*metric.metric, state));
      states.emplace_back(&metric.key, state);
    }
    if (on_unit) RETURN_IF_ERROR(on_unit(u, states));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<CellStats>> EventPipeline::Recompute(
    absl::string_view experiment_key, const MetricCatalog& catalog) const {
  if (catalog.Find(experiment_key) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no experiment ", experiment_key, " in the catalog"));
  }
  ASSIGN_OR_RETURN(std::vector<ExposedUnit> exposed,
                   ExposedUnits(experiment_key));
  CellMap cells;
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles) {
    return ReplayExperiment(handles, experiment_key, catalog, exposed, cells,
                            nullptr);
  }));
  return ToCells(cells, /*drop_zero=*/true);
}

absl::StatusOr<int64_t> EventPipeline::Rebuild(
    absl::string_view experiment_key, const MetricCatalog& catalog,
    const RebuildProgress& progress) {
  if (catalog.Find(experiment_key) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no experiment ", experiment_key, " in the catalog"));
  }
  std::set<size_t> all_stripes;
  for (size_t i = 0; i < kStripes; ++i) all_stripes.insert(i);
  UnitLocks locks(*this, all_stripes);
  absl::ReaderMutexLock cache_guard(&cache_load_mu_);
  {
    // The rebuilt cells replace the old ones: reload them when next read.
    absl::MutexLock lock(&cache_mu_);
    cell_cache_.erase(experiment_key);
  }
  ASSIGN_OR_RETURN(std::vector<ExposedUnit> exposed,
                   ExposedUnits(experiment_key));
  const int64_t total = static_cast<int64_t>(exposed.size());
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles)
                                            -> absl::Status {
    rocksdb::WriteBatch batch;
    // Drop the experiment's old cells; each exposed unit's states of the
    // experiment are replaced below.
    const std::string cells_prefix =
        keys::AggregateExperimentPrefix(experiment_key);
    RETURN_IF_ERROR(FromRocksDbStatus(
        batch.DeleteRange(handles.aggregates, cells_prefix,
                          keys::PrefixSuccessor(cells_prefix)),
        "batch"));
    CellMap cells;
    int64_t done = 0;
    RETURN_IF_ERROR(ReplayExperiment(
        handles, experiment_key, catalog, exposed, cells,
        [&](const ExposedUnit& u, const ReplayedStates& replayed)
            -> absl::Status {
          const std::string state_key = UnitKey(u.unit_type, u.unit_id);
          ASSIGN_OR_RETURN(UnitStates states,
                           ReadUnitStates(handles, state_key));
          states.EraseExperiment(experiment_key);
          for (const auto& [metric_key, state] : replayed) {
            states.Set(experiment_key, *metric_key, state);
          }
          RETURN_IF_ERROR(FromRocksDbStatus(
              batch.Put(handles.unit_metrics, state_key, states.Encode()),
              "batch"));
          if (progress) progress(++done, total);
          return absl::OkStatus();
        }));
    for (const auto& [key, stats] : cells) {
      if (stats.IsZero()) continue;
      RETURN_IF_ERROR(FromRocksDbStatus(
          batch.Put(handles.aggregates, key, stats.Encode()), "batch"));
    }
    rocksdb::WriteOptions write_options;
    write_options.sync = options_.sync;
    return FromRocksDbStatus(handles.db->Write(write_options, &batch),
                             "commit rebuild");
  }));
  return total;
}

}  // namespace cxlab::storage
