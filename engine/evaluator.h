// Copyright 2026 The cxlab Authors.
//
// Evaluation: which variant of an experiment a unit sees, and why.
//
// Order (DESIGN §3): not running -> forced variant (QA override by unit id)
// -> schedule window -> unit id present -> holdout / layer -> targeting
// (segments AND condition) -> launched winner -> stored sticky assignment
// (sticky and bandit experiments) -> bucket range (a bandit's learned
// ranges for the unit's persona context).
//
//   Unit unit;
//   unit.ids = {{"user", "visitor-42"}};
//   unit.attributes = *ParseJson(R"({"country": "US"})");
//   UnitEvaluator eval(*snapshot, unit, now);
//   Assignment a = eval.Evaluate(*snapshot->FindExperiment("hero_banner"));
//   if (a.in_experiment()) Show(a.variant_key());
//
// Thread-safety: a UnitEvaluator belongs to one thread (it memoises segment
// matches and layer positions for its unit); the snapshot it reads is shared
// and immutable. It borrows the snapshot and the unit, which must outlive it.

#ifndef CXLAB_ENGINE_EVALUATOR_H_
#define CXLAB_ENGINE_EVALUATOR_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/snapshot.h"
#include "engine/value.h"

namespace cxlab::engine {

enum class Reason {
  kAssigned,         // hashed into a variant
  kNotRunning,       // draft, paused or stopped
  kNotTargeted,      // a segment or the condition did not match
  kNotInCoverage,    // eligible, but outside the coverage share
  kLayerExcluded,    // in the layer, but in another experiment's range
  kHoldout,          // in the global or the layer's holdout
  kForced,           // QA override by unit id
  kOutsideSchedule,  // before start or after end
  kLaunched,         // experiment shipped: the winner for everyone eligible
  kMissingUnitId,    // no unit id, hash attribute or fallback to hash
};

// "assigned", "not_running", "not_targeted", "not_in_coverage",
// "layer_excluded", "holdout", "forced", "outside_schedule", "launched",
// "missing_unit_id".
absl::string_view ReasonName(Reason reason);

// The identity and attributes of the unit being evaluated.
struct Unit {
  // Unit ids by unit type, e.g. {{"user", "u-42"}, {"device", "d-9"}}.
  std::vector<std::pair<std::string, std::string>> ids;
  // Targeting attributes (a JSON object; null means none).
  Value attributes;

  // The id for `unit_type`, or empty.
  absl::string_view Id(absl::string_view unit_type) const;
};

struct Assignment {
  const CompiledExperiment* experiment = nullptr;  // owned by the snapshot
  int variant = -1;  // index into variants, -1 when none
  Reason reason = Reason::kNotRunning;
  bool used_fallback = false;  // hashed on the fallback attribute
  double position = -1;        // the unit's hash position, -1 if not hashed
  // Sticky and bandit experiments: the variant came from the stored
  // assignment (true), or was hashed now and should be stored (false).
  bool from_store = false;
  // The id hashed (for the sticky store); valid while the evaluator and the
  // unit live. Empty when nothing was hashed.
  absl::string_view hashed_id;

  // True when the unit sees a variant (assigned, forced or launched).
  bool in_experiment() const { return variant >= 0; }
  // The variant key, or "" when none.
  absl::string_view variant_key() const;
};

// What the evaluator consults besides the snapshot for sticky and bandit
// experiments: the server's stored assignments and learned weights. The
// engine stays pure; the server implements this over its stores.
// Implementations must be safe to call from the evaluating thread.
class AssignmentOverrides {
 public:
  virtual ~AssignmentOverrides() = default;
  // The variant index stored for `id` (the id the experiment hashes) at the
  // experiment's bucket_version, or -1 when none is stored.
  virtual int StoredVariant(const CompiledExperiment& experiment,
                            absl::string_view id) const = 0;
  // Learned bucket ranges of a bandit experiment for a persona `context`
  // (a segment key, or "" for units matching no persona), or null for the
  // configured ranges. The pointer stays valid while the overrides live.
  virtual const std::vector<BucketRange>* BanditRanges(
      const CompiledExperiment& experiment, absl::string_view context) const = 0;
};

class UnitEvaluator {
 public:
  // Borrows `snapshot`, `unit` and `overrides` (may be null: no stored
  // assignments, configured weights); all must outlive this object.
  UnitEvaluator(const ConfigSnapshot& snapshot, const Unit& unit,
                absl::Time now,
                const AssignmentOverrides* overrides = nullptr);

  // The bandit context of the unit: the key of the first snapshot segment
  // (persona) it matches, or "" when none.
  absl::string_view BanditContext();

  // Evaluates one experiment of the snapshot.
  Assignment Evaluate(const CompiledExperiment& experiment);

  // Evaluates experiments into `out` (cleared first): every experiment that
  // is running or launched, or all of them when `include_inactive`.
  void EvaluateAll(std::vector<Assignment>& out, bool include_inactive = false);

  // True when the unit matches segment `index` (memoised).
  bool MatchesSegment(int index);

  // Appends the key of every segment of the snapshot the unit matches (its
  // personas), in snapshot order, to `out`.
  void MatchingSegments(std::vector<std::string>& out);

  // The snapshot, unit and time this evaluator was built with.
  const ConfigSnapshot& snapshot() const { return snapshot_; }
  const Unit& unit() const { return unit_; }
  absl::Time now() const { return now_; }

 private:
  // The string hashed for `e`, or empty; sets *fallback when the fallback
  // attribute was used. May write into `scratch`.
  absl::string_view HashId(const CompiledExperiment& e, std::string& scratch,
                           bool* fallback) const;
  double LayerPosition(int layer, absl::string_view id);

  const ConfigSnapshot& snapshot_;
  const Unit& unit_;
  const absl::Time now_;
  const AssignmentOverrides* const overrides_;
  // Hashed ids that had to be built (attribute values), kept for
  // Assignment::hashed_id; each string is heap-held, so its bytes never
  // move, and an empty vector allocates nothing.
  std::vector<std::unique_ptr<std::string>> built_ids_;
  // Segment matches: -1 unknown, 0 no, 1 yes.
  absl::InlinedVector<int8_t, 32> segment_match_;
};

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_EVALUATOR_H_
