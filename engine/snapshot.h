// Copyright 2026 The cxlab Authors.
//
// ConfigSnapshot: an immutable, compiled view of one version of the
// definitions. Conditions are parsed into trees, regexes compiled, seeds and
// bucket ranges precomputed and cross references resolved to indices, so
// evaluating a unit never parses JSON or takes a lock. Slot rules are sorted
// by priority and every slot content is serialised to JSON once.
//
//   ASSIGN_OR_RETURN(std::shared_ptr<const ConfigSnapshot> snap,
//                    ConfigSnapshot::Build(std::move(defs), /*version=*/7));
//   const CompiledExperiment* e = snap->FindExperiment("checkout_redesign");
//   const CompiledSlot* hero = snap->FindSlot("home.hero");
//
// A server keeps the current snapshot in a std::shared_ptr<const
// ConfigSnapshot> and swaps it atomically when the config changes; request
// threads hold their own reference for the duration of a request.
//
// Thread-safety: immutable after Build(); safe for concurrent readers.

#ifndef CXLAB_ENGINE_SNAPSHOT_H_
#define CXLAB_ENGINE_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/allocation.h"
#include "engine/condition.h"
#include "engine/definitions.h"
#include "engine/groups.h"

namespace cxlab::engine {

struct CompiledSegment {
  const SegmentDef* def = nullptr;  // owned by the snapshot
  Condition condition;
};

struct CompiledLayer {
  std::string key;
  uint64_t seed = 0;
  double holdout = 0;  // units at layer position >= 1 - holdout are held out
};

struct CompiledExperiment {
  const ExperimentDef* def = nullptr;  // owned by the snapshot
  int index = 0;                       // position in experiments()
  uint64_t seed = 0;                   // SeedForSalt(salt or key)
  std::vector<BucketRange> ranges;     // one per variant
  std::vector<int> segments;           // indices into segments()
  Condition condition;
  int layer = -1;  // index into layers(), -1 = none
  BucketRange layer_range{0, 1};
  absl::flat_hash_map<std::string, int> forced;  // unit id -> variant index
  int winner = -1;                               // variant index when launched
  bool uses_global_holdout = false;

  const std::string& key() const { return def->key; }
  const std::string& VariantKey(int i) const { return def->variants[i].key; }
};

// One piece of slot content (a slot default, a rule's content or the payload
// of a variant of a rule's experiment), compiled once: the JSON value and its
// serialised text, so serving hands out a pointer and never serialises.
struct CompiledContent {
  const Value* value = nullptr;  // owned by the snapshot
  std::string json;              // ToJson(*value), compact
  int index = 0;                 // position in ConfigSnapshot::contents()
};

// A rule of a slot, resolved against the snapshot.
struct CompiledRule {
  const SlotRuleDef* def = nullptr;  // owned by the snapshot
  std::vector<int> segments;         // indices into segments(); any one
  Condition condition;
  int content = -1;     // index into contents(); -1 when the rule has none
  int experiment = -1;  // index into experiments(); -1 when none
  // With an experiment: per variant, the index into contents() of its
  // payload, or -1 for a null payload (the control: the slot default).
  std::vector<int> variant_contents;

  const std::string& key() const { return def->key; }
};

// A personalization slot with its rules in evaluation order.
struct CompiledSlot {
  const SlotDef* def = nullptr;  // owned by the snapshot
  int index = 0;                 // position in slots()
  int default_content = 0;       // index into contents()
  std::vector<CompiledRule> rules;  // ascending priority

  const std::string& key() const { return def->key; }
};

class ConfigSnapshot {
 public:
  // Validates (ValidateDefinitions) and compiles `defs`. On any violation
  // returns InvalidArgument whose message lists every error, one per line.
  static absl::StatusOr<std::shared_ptr<const ConfigSnapshot>> Build(
      Definitions defs, int64_t version = 0);

  ConfigSnapshot(const ConfigSnapshot&) = delete;
  ConfigSnapshot& operator=(const ConfigSnapshot&) = delete;

  // The config version this snapshot was built from.
  int64_t version() const { return version_; }
  const Definitions& definitions() const { return defs_; }

  // nullptr when there is no experiment / segment with that key.
  const CompiledExperiment* FindExperiment(absl::string_view key) const;
  const CompiledSegment* FindSegment(absl::string_view key) const;
  // nullptr when there is no slot with that key.
  const CompiledSlot* FindSlot(absl::string_view key) const;

  absl::Span<const CompiledExperiment> experiments() const {
    return experiments_;
  }
  absl::Span<const CompiledSegment> segments() const { return segments_; }
  absl::Span<const CompiledLayer> layers() const { return layers_; }
  const GroupSet& groups() const { return groups_; }
  // Slots in definition order; contents() holds every content they serve.
  absl::Span<const CompiledSlot> slots() const { return slots_; }
  absl::Span<const CompiledContent> contents() const { return contents_; }

  // The global holdout (share 0 when none is defined).
  double holdout_share() const { return holdout_share_; }
  uint64_t holdout_seed() const { return holdout_seed_; }

 private:
  ConfigSnapshot() = default;

  // Appends `value` (owned by defs_) to contents_; returns its index.
  int AddContent(const Value& value);
  // Compiles defs_.slots into slots_ (after segments and experiments).
  absl::Status CompileSlots();

  int64_t version_ = 0;
  Definitions defs_;
  std::vector<CompiledExperiment> experiments_;
  std::vector<CompiledSegment> segments_;
  std::vector<CompiledLayer> layers_;
  GroupSet groups_;
  std::vector<CompiledSlot> slots_;
  std::vector<CompiledContent> contents_;
  absl::flat_hash_map<std::string, int> experiment_index_;
  absl::flat_hash_map<std::string, int> segment_index_;
  absl::flat_hash_map<std::string, int> slot_index_;
  double holdout_share_ = 0;
  uint64_t holdout_seed_ = 0;
};

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_SNAPSHOT_H_
