// Copyright 2026 The cxlab Authors.
//
// Personalization: which content each slot of a page serves to one unit
// (DESIGN §4).
//
// A slot's rules are tried in ascending priority. A rule applies when the
// time is inside its schedule window, the unit matches ANY of its persona
// segments (a rule without segments has no persona requirement) and its
// condition. A rule without an experiment then serves its content. A rule
// with an experiment asks the evaluator for the unit's variant: a unit that
// sees a variant (assigned, forced or launched) gets the variant's payload,
// or the slot default when that payload is null (the control); a unit the
// experiment leaves out (not running, not targeted, outside coverage, held
// out, ...) gets the rule's own content when it has one, else the rule does
// not apply and the next rule is tried. When no rule applies the slot
// default is served.
//
//   UnitEvaluator evaluator(*snapshot, unit, now);
//   std::vector<SlotContentChoice> choices;  // reuse across calls
//   ChooseAllContent(*snapshot, evaluator, choices);
//   for (const SlotContentChoice& c : choices) {
//     Render(c.slot->key(), c.content->json);
//   }
//
// Choosing allocates nothing once `choices` has grown to its size (unless
// a rule matches a unit on more than four of its segments): conditions are
// compiled, segment matches memoised by the evaluator and contents
// serialised when the snapshot is built.
//
// Thread-safety: the functions are reentrant; the evaluator they use
// belongs to the calling thread (see evaluator.h). Results point into the
// snapshot, which must outlive them.

#ifndef CXLAB_ENGINE_PERSONALIZATION_H_
#define CXLAB_ENGINE_PERSONALIZATION_H_

#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "engine/evaluator.h"
#include "engine/snapshot.h"

namespace cxlab::engine {

// Why a slot serves its content.
enum class ContentReason {
  kRule,                      // a rule's own content
  kExperimentVariant,         // the payload of the unit's variant
  kExperimentControlDefault,  // the unit's variant has no payload (control)
  kDefault,                   // no rule applied: the slot default
};

// "rule", "experiment_variant", "experiment_control_default", "default".
absl::string_view ContentReasonName(ContentReason reason);

// The content one slot serves to one unit. Every pointer points into the
// snapshot the choice was made from.
struct SlotContentChoice {
  const CompiledSlot* slot = nullptr;
  // The rule that applied; nullptr when the slot default is served.
  const CompiledRule* rule = nullptr;
  // What to serve; never nullptr after a Choose call.
  const CompiledContent* content = nullptr;
  ContentReason reason = ContentReason::kDefault;
  // The rule's segments (indices into ConfigSnapshot::segments(), in the
  // rule's order) that the unit matches: the personas it was served for.
  absl::InlinedVector<int, 4> personas;
  // With an experiment-backed rule: the evaluation of its experiment for
  // the unit (assignment.experiment is nullptr otherwise). It decided the
  // content when assignment.in_experiment(); log an exposure when its
  // reason is kAssigned, as Assign does.
  Assignment assignment;

  // True when the rule's experiment chose the content (a variant or the
  // control's slot default).
  bool decided_by_experiment() const {
    return reason == ContentReason::kExperimentVariant ||
           reason == ContentReason::kExperimentControlDefault;
  }
};

// Chooses the content of `slot` (a slot of the evaluator's snapshot) for the
// evaluator's unit at the evaluator's time, overwriting every field of
// `out`.
void ChooseContent(const CompiledSlot& slot, UnitEvaluator& evaluator,
                   SlotContentChoice& out);

// Chooses the content of every slot of `snapshot`, in snapshot order, into
// `out` (resized to the number of slots; its elements are reused).
// `evaluator` must have been built from `snapshot`.
void ChooseAllContent(const ConfigSnapshot& snapshot, UnitEvaluator& evaluator,
                      std::vector<SlotContentChoice>& out);

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_PERSONALIZATION_H_
