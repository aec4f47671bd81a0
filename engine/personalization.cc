// Copyright 2026 The cxlab Authors.

#include "engine/personalization.h"

namespace cxlab::engine {

absl::string_view ContentReasonName(ContentReason reason) {
  switch (reason) {
    case ContentReason::kRule:
      return "rule";
    case ContentReason::kExperimentVariant:
      return "experiment_variant";
    case ContentReason::kExperimentControlDefault:
      return "experiment_control_default";
    case ContentReason::kDefault:
      return "default";
  }
  return "default";
}

namespace {

// True when `rule` is in its schedule, the unit matches one of its segments
// (or it has none) and its condition; fills `personas` with the matching
// segments.
bool RuleMatches(const CompiledRule& rule, UnitEvaluator& evaluator,
                 const GroupSet& groups,
                 absl::InlinedVector<int, 4>& personas) {
  const SlotRuleDef& def = *rule.def;
  const absl::Time now = evaluator.now();
  if (now < def.start || now >= def.end) return false;
  personas.resize(0);  // keeps any heap storage for the next rule
  for (int s : rule.segments) {
    if (evaluator.MatchesSegment(s)) personas.push_back(s);
  }
  if (!rule.segments.empty() && personas.empty()) return false;
  return rule.condition.is_empty() ||
         rule.condition.Matches(evaluator.unit().attributes, groups);
}

}  // namespace

void ChooseContent(const CompiledSlot& slot, UnitEvaluator& evaluator,
                   SlotContentChoice& out) {
  const ConfigSnapshot& snapshot = evaluator.snapshot();
  const absl::Span<const CompiledContent> contents = snapshot.contents();
  out.slot = &slot;
  for (const CompiledRule& rule : slot.rules) {
    if (!RuleMatches(rule, evaluator, snapshot.groups(), out.personas)) {
      continue;
    }
    if (rule.experiment < 0) {
      out.rule = &rule;
      out.content = &contents[rule.content];
      out.reason = ContentReason::kRule;
      out.assignment = Assignment();
      return;
    }
    Assignment a = evaluator.Evaluate(snapshot.experiments()[rule.experiment]);
    if (a.in_experiment() &&
        static_cast<size_t>(a.variant) < rule.variant_contents.size()) {
      const int content = rule.variant_contents[a.variant];
      out.rule = &rule;
      out.assignment = a;
      if (content >= 0) {
        out.content = &contents[content];
        out.reason = ContentReason::kExperimentVariant;
      } else {
        out.content = &contents[slot.default_content];
        out.reason = ContentReason::kExperimentControlDefault;
      }
      return;
    }
    if (rule.content >= 0) {
      out.rule = &rule;
      out.content = &contents[rule.content];
      out.reason = ContentReason::kRule;
      out.assignment = a;
      return;
    }
    // Only the experiment's units match this rule: try the next one.
  }
  out.rule = nullptr;
  out.content = &contents[slot.default_content];
  out.reason = ContentReason::kDefault;
  out.personas.resize(0);
  out.assignment = Assignment();
}

void ChooseAllContent(const ConfigSnapshot& snapshot, UnitEvaluator& evaluator,
                      std::vector<SlotContentChoice>& out) {
  const absl::Span<const CompiledSlot> slots = snapshot.slots();
  out.resize(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    ChooseContent(slots[i], evaluator, out[i]);
  }
}

}  // namespace cxlab::engine
