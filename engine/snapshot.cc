// Copyright 2026 The cxlab Authors.

#include "engine/snapshot.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/hashing.h"
#include "engine/json.h"
#include "engine/status_macros.h"

namespace cxlab::engine {

absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> ConfigSnapshot::Build(
    Definitions defs, int64_t version) {
  std::vector<DefinitionError> errors = ValidateDefinitions(defs);
  if (!errors.empty()) {
    std::vector<std::string> lines;
    lines.reserve(errors.size());
    for (const DefinitionError& e : errors) lines.push_back(e.ToString());
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }

  // Private constructor: no make_shared.
  std::shared_ptr<ConfigSnapshot> snap(new ConfigSnapshot());
  snap->version_ = version;
  snap->defs_ = std::move(defs);
  const Definitions& d = snap->defs_;

  for (const GroupDef& g : d.groups) snap->groups_.Add(g.key, g.ids);

  snap->segments_.reserve(d.segments.size());
  for (size_t i = 0; i < d.segments.size(); ++i) {
    CompiledSegment seg;
    seg.def = &d.segments[i];
    Condition::Options options;
    options.field = absl::StrCat("segments[", seg.def->key, "].condition");
    ASSIGN_OR_RETURN(seg.condition,
                     Condition::Compile(seg.def->condition, options));
    snap->segment_index_[seg.def->key] = static_cast<int>(i);
    snap->segments_.push_back(std::move(seg));
  }

  // Layers (validation guarantees every experiment's layer is declared).
  absl::flat_hash_map<std::string, int> layer_index;
  for (const LayerDef& l : d.layers) {
    layer_index[l.key] = static_cast<int>(snap->layers_.size());
    snap->layers_.push_back(
        {l.key, SeedForSalt(l.salt.empty() ? l.key : l.salt), l.holdout});
  }

  if (!d.holdouts.empty()) {
    const HoldoutDef& h = d.holdouts.front();
    snap->holdout_share_ = h.share;
    snap->holdout_seed_ = SeedForSalt(h.salt.empty() ? h.key : h.salt);
  }

  snap->experiments_.reserve(d.experiments.size());
  for (size_t i = 0; i < d.experiments.size(); ++i) {
    const ExperimentDef& e = d.experiments[i];
    CompiledExperiment c;
    c.def = &e;
    c.index = static_cast<int>(i);
    // A bucket_version bump re-randomises: version 0 hashes the salt as
    // always (docs/hashing.md), version v > 0 the salt + "/v<v>".
    c.seed = e.bucket_version > 0
                 ? SeedForSalt(absl::StrCat(e.salt.empty() ? e.key : e.salt,
                                            "/v", e.bucket_version))
                 : SeedForSalt(e.salt.empty() ? e.key : e.salt);
    std::vector<double> weights;
    if (!e.variants.empty() && e.variants[0].weight.has_value()) {
      for (const VariantDef& v : e.variants) weights.push_back(*v.weight);
    } else {
      weights = EqualWeights(static_cast<int>(e.variants.size()));
    }
    c.ranges =
        BucketRanges(static_cast<int>(e.variants.size()), e.coverage, weights);
    for (const std::string& s : e.segments) {
      c.segments.push_back(snap->segment_index_.at(s));
    }
    Condition::Options options;
    options.field = "condition";
    ASSIGN_OR_RETURN(c.condition, Condition::Compile(e.condition, options));
    if (!e.layer.empty()) {
      c.layer = layer_index.at(e.layer);
      c.layer_range = *e.layer_range;
    }
    for (const auto& [unit_id, variant] : e.forced) {
      for (size_t v = 0; v < e.variants.size(); ++v) {
        if (e.variants[v].key == variant) {
          c.forced.emplace(unit_id, static_cast<int>(v));
        }
      }
    }
    if (!e.winner.empty()) {
      for (size_t v = 0; v < e.variants.size(); ++v) {
        if (e.variants[v].key == e.winner) c.winner = static_cast<int>(v);
      }
    }
    c.uses_global_holdout = snap->holdout_share_ > 0 && !e.exempt_from_holdout;
    snap->experiment_index_[e.key] = static_cast<int>(i);
    snap->experiments_.push_back(std::move(c));
  }
  RETURN_IF_ERROR(snap->CompileSlots());
  return std::shared_ptr<const ConfigSnapshot>(std::move(snap));
}

int ConfigSnapshot::AddContent(const Value& value) {
  CompiledContent content;
  content.value = &value;
  content.json = ToJson(value);
  content.index = static_cast<int>(contents_.size());
  contents_.push_back(std::move(content));
  return contents_.back().index;
}

absl::Status ConfigSnapshot::CompileSlots() {
  slots_.reserve(defs_.slots.size());
  for (size_t i = 0; i < defs_.slots.size(); ++i) {
    const SlotDef& def = defs_.slots[i];
    CompiledSlot slot;
    slot.def = &def;
    slot.index = static_cast<int>(i);
    slot.default_content = AddContent(def.default_content);
    slot.rules.reserve(def.rules.size());
    for (size_t r = 0; r < def.rules.size(); ++r) {
      const SlotRuleDef& rule_def = def.rules[r];
      CompiledRule rule;
      rule.def = &rule_def;
      for (const std::string& s : rule_def.segments) {
        rule.segments.push_back(segment_index_.at(s));
      }
      Condition::Options options;
      options.field =
          absl::StrCat("slots[", def.key, "].rules[", r, "].condition");
      ASSIGN_OR_RETURN(rule.condition,
                       Condition::Compile(rule_def.condition, options));
      if (!rule_def.content.is_null()) {
        rule.content = AddContent(rule_def.content);
      }
      if (!rule_def.experiment.empty()) {
        // Validation guarantees the experiment exists.
        rule.experiment = experiment_index_.at(rule_def.experiment);
        for (const VariantDef& v :
             defs_.experiments[rule.experiment].variants) {
          rule.variant_contents.push_back(
              v.payload.is_null() ? -1 : AddContent(v.payload));
        }
      }
      slot.rules.push_back(std::move(rule));
    }
    // Priorities are unique within a slot (validated).
    std::sort(slot.rules.begin(), slot.rules.end(),
              [](const CompiledRule& a, const CompiledRule& b) {
                return a.def->priority < b.def->priority;
              });
    slot_index_[def.key] = slot.index;
    slots_.push_back(std::move(slot));
  }
  return absl::OkStatus();
}

const CompiledExperiment* ConfigSnapshot::FindExperiment(
    absl::string_view key) const {
  auto it = experiment_index_.find(key);
  return it == experiment_index_.end() ? nullptr : &experiments_[it->second];
}

const CompiledSegment* ConfigSnapshot::FindSegment(
    absl::string_view key) const {
  auto it = segment_index_.find(key);
  return it == segment_index_.end() ? nullptr : &segments_[it->second];
}

const CompiledSlot* ConfigSnapshot::FindSlot(absl::string_view key) const {
  auto it = slot_index_.find(key);
  return it == slot_index_.end() ? nullptr : &slots_[it->second];
}

}  // namespace cxlab::engine
