// Copyright 2026 The cxlab Authors.

#include "engine/evaluator.h"

#include <cmath>

#include "engine/hashing.h"
#include "engine/json.h"

namespace cxlab::engine {

absl::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kAssigned:
      return "assigned";
    case Reason::kNotRunning:
      return "not_running";
    case Reason::kNotTargeted:
      return "not_targeted";
    case Reason::kNotInCoverage:
      return "not_in_coverage";
    case Reason::kLayerExcluded:
      return "layer_excluded";
    case Reason::kHoldout:
      return "holdout";
    case Reason::kForced:
      return "forced";
    case Reason::kOutsideSchedule:
      return "outside_schedule";
    case Reason::kLaunched:
      return "launched";
    case Reason::kMissingUnitId:
      return "missing_unit_id";
  }
  return "not_running";
}

absl::string_view Unit::Id(absl::string_view unit_type) const {
  for (const auto& [type, id] : ids) {
    if (type == unit_type) return id;
  }
  return {};
}

absl::string_view Assignment::variant_key() const {
  if (experiment == nullptr || variant < 0) return {};
  return experiment->VariantKey(variant);
}

UnitEvaluator::UnitEvaluator(const ConfigSnapshot& snapshot, const Unit& unit,
                             absl::Time now,
                             const AssignmentOverrides* overrides)
    : snapshot_(snapshot),
      unit_(unit),
      now_(now),
      overrides_(overrides),
      segment_match_(snapshot.segments().size(), -1) {}

absl::string_view UnitEvaluator::BanditContext() {
  const auto segments = snapshot_.segments();
  for (size_t i = 0; i < segments.size(); ++i) {
    if (MatchesSegment(static_cast<int>(i))) return segments[i].def->key;
  }
  return {};
}

bool UnitEvaluator::MatchesSegment(int index) {
  int8_t& memo = segment_match_[index];
  if (memo < 0) {
    memo = snapshot_.segments()[index].condition.Matches(unit_.attributes,
                                                         snapshot_.groups())
               ? 1
               : 0;
  }
  return memo == 1;
}

void UnitEvaluator::MatchingSegments(std::vector<std::string>& out) {
  const auto segments = snapshot_.segments();
  for (size_t i = 0; i < segments.size(); ++i) {
    if (MatchesSegment(static_cast<int>(i))) out.push_back(segments[i].def->key);
  }
}

namespace {

// The hashable text of an attribute: strings as-is, finite numbers in their
// JavaScript form; anything else (missing, null, bool, array, object) is not
// an id.
absl::string_view AttributeId(const Value* v, std::string& scratch) {
  if (v == nullptr) return {};
  if (v->is_string()) return v->as_string();
  if (v->is_number() && std::isfinite(v->as_number())) {
    scratch = FormatNumber(v->as_number());
    return scratch;
  }
  return {};
}

}  // namespace

absl::string_view UnitEvaluator::HashId(const CompiledExperiment& e,
                                        std::string& scratch,
                                        bool* fallback) const {
  *fallback = false;
  const ExperimentDef& def = *e.def;
  absl::string_view id =
      def.hash_attribute.empty()
          ? unit_.Id(def.unit_type)
          : AttributeId(unit_.attributes.Find(def.hash_attribute), scratch);
  if (id.empty() && !def.fallback_attribute.empty()) {
    id = AttributeId(unit_.attributes.Find(def.fallback_attribute), scratch);
    *fallback = !id.empty();
  }
  return id;
}

double UnitEvaluator::LayerPosition(int layer, absl::string_view id) {
  return HashPosition(snapshot_.layers()[layer].seed, id);
}

Assignment UnitEvaluator::Evaluate(const CompiledExperiment& e) {
  Assignment a;
  a.experiment = &e;
  const ExperimentDef& def = *e.def;
  const bool launched = def.status == ExperimentStatus::kLaunched;

  // 1. Only running and launched experiments give variants.
  if (def.status != ExperimentStatus::kRunning && !launched) {
    a.reason = Reason::kNotRunning;
    return a;
  }

  std::string scratch;
  absl::string_view id = HashId(e, scratch, &a.used_fallback);

  // 2. QA overrides by unit id.
  if (!id.empty() && !e.forced.empty()) {
    auto it = e.forced.find(id);
    if (it != e.forced.end()) {
      a.variant = it->second;
      a.reason = Reason::kForced;
      return a;
    }
  }

  // 3. Schedule window (a launched experiment has no end).
  if (!launched && (now_ < def.start || now_ >= def.end)) {
    a.reason = Reason::kOutsideSchedule;
    return a;
  }

  // 4. Something to hash.
  if (id.empty()) {
    a.reason = Reason::kMissingUnitId;
    return a;
  }

  // 5. Holdouts and layers.
  if (e.uses_global_holdout &&
      HashPosition(snapshot_.holdout_seed(), id) < snapshot_.holdout_share()) {
    a.reason = Reason::kHoldout;
    return a;
  }
  if (e.layer >= 0) {
    const CompiledLayer& layer = snapshot_.layers()[e.layer];
    double pos = LayerPosition(e.layer, id);
    if (layer.holdout > 0 && pos >= 1.0 - layer.holdout) {
      a.reason = Reason::kHoldout;
      return a;
    }
    if (!launched && !e.layer_range.Contains(pos)) {
      a.reason = Reason::kLayerExcluded;
      return a;
    }
  }

  // 6. Targeting: every segment, then the condition.
  for (int s : e.segments) {
    if (!MatchesSegment(s)) {
      a.reason = Reason::kNotTargeted;
      return a;
    }
  }
  if (!e.condition.is_empty() &&
      !e.condition.Matches(unit_.attributes, snapshot_.groups())) {
    a.reason = Reason::kNotTargeted;
    return a;
  }

  // 7. After a decision every eligible unit gets the winner.
  if (launched) {
    a.variant = e.winner;
    a.reason = Reason::kLaunched;
    return a;
  }

  // 8. Sticky and bandit experiments: a stored assignment wins over the
  // current weights and coverage.
  const bool stored_kind = def.sticky || def.bandit.has_value();
  if (stored_kind) {
    if (!id.empty() && id.data() == scratch.data()) {
      built_ids_.push_back(std::make_unique<std::string>(std::move(scratch)));
      id = *built_ids_.back();
    }
    a.hashed_id = id;
    if (overrides_ != nullptr) {
      const int stored = overrides_->StoredVariant(e, id);
      if (stored >= 0 && stored < static_cast<int>(def.variants.size())) {
        a.variant = stored;
        a.reason = Reason::kAssigned;
        a.from_store = true;
        return a;
      }
    }
  }

  // 9. The bucket range (a bandit's learned ranges for the unit's persona).
  const std::vector<BucketRange>* ranges = &e.ranges;
  if (def.bandit.has_value() && overrides_ != nullptr) {
    const std::vector<BucketRange>* learned =
        overrides_->BanditRanges(e, BanditContext());
    if (learned != nullptr && learned->size() == e.ranges.size()) {
      ranges = learned;
    }
  }
  a.position = HashPosition(e.seed, id);
  a.variant = ChooseVariant(a.position, *ranges);
  a.reason = a.variant >= 0 ? Reason::kAssigned : Reason::kNotInCoverage;
  return a;
}

void UnitEvaluator::EvaluateAll(std::vector<Assignment>& out,
                                bool include_inactive) {
  out.clear();
  for (const CompiledExperiment& e : snapshot_.experiments()) {
    ExperimentStatus s = e.def->status;
    if (include_inactive || s == ExperimentStatus::kRunning ||
        s == ExperimentStatus::kLaunched) {
      out.push_back(Evaluate(e));
    }
  }
}

}  // namespace cxlab::engine
