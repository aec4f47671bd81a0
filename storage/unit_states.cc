// Copyright 2026 The cxlab Authors.

#include "storage/unit_states.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/metrics.h"
#include "storage/coding.h"

namespace cxlab::storage {
namespace {

constexpr char kUnitStatesFormatV1 = 1;

bool Less(absl::string_view a_experiment, absl::string_view a_metric,
          absl::string_view b_experiment, absl::string_view b_metric) {
  return std::tie(a_experiment, a_metric) < std::tie(b_experiment, b_metric);
}

}  // namespace

std::vector<UnitStates::Entry>::const_iterator UnitStates::LowerBound(
    absl::string_view experiment_key, absl::string_view metric_key) const {
  return std::lower_bound(
      entries_.begin(), entries_.end(), 0,
      [&](const Entry& e, int) {
        return Less(e.experiment_key, e.metric_key, experiment_key,
                    metric_key);
      });
}

const engine::UnitMetricState* UnitStates::Find(
    absl::string_view experiment_key, absl::string_view metric_key) const {
  auto it = LowerBound(experiment_key, metric_key);
  if (it == entries_.end() || it->experiment_key != experiment_key ||
      it->metric_key != metric_key) {
    return nullptr;
  }
  return &it->state;
}

void UnitStates::Set(absl::string_view experiment_key,
                     absl::string_view metric_key,
                     const engine::UnitMetricState& state) {
  auto it = entries_.begin() + (LowerBound(experiment_key, metric_key) -
                                entries_.cbegin());
  if (it != entries_.end() && it->experiment_key == experiment_key &&
      it->metric_key == metric_key) {
    it->state = state;
    return;
  }
  entries_.insert(it, Entry{std::string(experiment_key),
                            std::string(metric_key), state});
}

size_t UnitStates::EraseExperiment(absl::string_view experiment_key) {
  const size_t before = entries_.size();
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const Entry& e) {
                                  return e.experiment_key == experiment_key;
                                }),
                 entries_.end());
  return before - entries_.size();
}

std::string UnitStates::Encode() const {
  std::string out(1, kUnitStatesFormatV1);
  PutVarint64(&out, entries_.size());
  for (const Entry& e : entries_) {
    PutLengthPrefixed(&out, e.experiment_key);
    PutLengthPrefixed(&out, e.metric_key);
    PutLengthPrefixed(&out, e.state.Encode());
  }
  return out;
}

bool UnitStates::Decode(absl::string_view bytes, UnitStates* out) {
  out->entries_.clear();
  if (bytes.empty() || bytes[0] != kUnitStatesFormatV1) return false;
  bytes.remove_prefix(1);
  uint64_t count = 0;
  if (!GetVarint64(&bytes, &count) || count > bytes.size()) return false;
  out->entries_.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    absl::string_view experiment, metric, state;
    Entry entry;
    if (!GetLengthPrefixed(&bytes, &experiment) ||
        !GetLengthPrefixed(&bytes, &metric) ||
        !GetLengthPrefixed(&bytes, &state) ||
        !engine::UnitMetricState::Decode(state, &entry.state)) {
      return false;
    }
    if (!out->entries_.empty() &&
        !Less(out->entries_.back().experiment_key,
              out->entries_.back().metric_key, experiment, metric)) {
      return false;  // Not strictly sorted.
    }
    entry.experiment_key = std::string(experiment);
    entry.metric_key = std::string(metric);
    out->entries_.push_back(std::move(entry));
  }
  return bytes.empty();
}

}  // namespace cxlab::storage
