// Copyright 2026 The cxlab Authors.
//
// Lifecycle rules: which changes a stored experiment may undergo, so that no
// visitor is silently reshuffled while an experiment collects data.
//
//   draft   -> running | stopped
//   running -> paused | stopped | launched
//   paused  -> running | stopped | launched
//   stopped -> launched, or running with a new salt (a fresh randomisation)
//   launched -> stopped (retire the rollout)
//   nothing returns to draft.
//
// While an experiment is running or paused its randomisation is frozen:
// variant keys and weights, salt, unit type, hash and fallback attributes,
// layer and layer range cannot change (coverage, targeting, payloads, names
// and metrics can).
//
// Thread-safety: pure functions.

#ifndef CXLAB_ENGINE_LIFECYCLE_H_
#define CXLAB_ENGINE_LIFECYCLE_H_

#include "absl/status/status.h"
#include "engine/definitions.h"

namespace cxlab::engine {

// The salt actually hashed: `salt`, or the key when it is empty.
const std::string& EffectiveSalt(const ExperimentDef& e);

// True when the lifecycle allows `from` -> `to` (equal states always are;
// stopped -> running additionally needs a new salt, see CheckExperimentChange).
bool IsAllowedTransition(ExperimentStatus from, ExperimentStatus to);

// Checks that `after` may replace `before` (nullptr when `after` is new; any
// initial status is allowed, so existing experiments can be imported).
// Returns FAILED_PRECONDITION naming the field and the rule, e.g.
//   "status: cannot go from stopped to running without a new salt"
//   "variants: cannot change while the experiment is running"
// Does not check the definition itself (see ValidateDefinitions).
absl::Status CheckExperimentChange(const ExperimentDef* before,
                                   const ExperimentDef& after);

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_LIFECYCLE_H_
