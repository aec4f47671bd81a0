// Copyright 2026 The cxlab Authors.
//
// UnitStates: every per-metric state of one unit, stored as one record in
// the `unit_metrics` column family (storage/keys.h, UnitStatesKey). Ingest
// reads and writes a unit's states together — an event usually changes
// several metrics of several experiments of the same unit — so one record per
// unit costs one Get and one Put per unit and batch instead of one of each
// per (experiment, metric).
//
//   UnitStates states;
//   if (!UnitStates::Decode(stored_bytes, &states)) { ... DATA_LOSS ... }
//   engine::UnitMetricState* s = states.Find("checkout", "conversion");
//   states.Set("checkout", "revenue", new_state);
//   batch.Put(unit_metrics, key, states.Encode());
//
// Record format: byte 1, varint64 entry count, then per entry (sorted by
// experiment key, then metric key, each pair once) the length-prefixed
// experiment key, the length-prefixed metric key and the length-prefixed
// engine::UnitMetricState::Encode() bytes.
//
// Thread-compatible: a plain value type.

#ifndef CXLAB_STORAGE_UNIT_STATES_H_
#define CXLAB_STORAGE_UNIT_STATES_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/metrics.h"

namespace cxlab::storage {

class UnitStates {
 public:
  // One (experiment, metric) state of the unit.
  struct Entry {
    std::string experiment_key;
    std::string metric_key;
    engine::UnitMetricState state;
  };

  // The state of (experiment_key, metric_key), or null when the unit has
  // none. The pointer is valid until the next Set/Erase/Decode.
  const engine::UnitMetricState* Find(absl::string_view experiment_key,
                                      absl::string_view metric_key) const;

  // Sets the state of (experiment_key, metric_key), adding the entry if
  // absent.
  void Set(absl::string_view experiment_key, absl::string_view metric_key,
           const engine::UnitMetricState& state);

  // Removes every entry of `experiment_key`; returns how many there were.
  size_t EraseExperiment(absl::string_view experiment_key);

  // The entries, sorted by (experiment key, metric key).
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  // The record described in the file comment.
  std::string Encode() const;

  // Parses Encode()'s output into `*out` (replacing its entries). Returns
  // false, leaving `*out` unspecified, for a malformed record.
  static bool Decode(absl::string_view bytes, UnitStates* out);

 private:
  // The position of the first entry not less than the pair.
  std::vector<Entry>::const_iterator LowerBound(
      absl::string_view experiment_key, absl::string_view metric_key) const;

  std::vector<Entry> entries_;
};

}  // namespace cxlab::storage

#endif  // CXLAB_STORAGE_UNIT_STATES_H_
