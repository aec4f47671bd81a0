// Copyright 2026 The cxlab Authors.

#include "engine/lifecycle.h"

#include <optional>

#include "absl/strings/str_cat.h"

namespace cxlab::engine {
namespace {

bool Live(ExperimentStatus s) {
  return s == ExperimentStatus::kRunning || s == ExperimentStatus::kPaused;
}

absl::Status Frozen(absl::string_view field, ExperimentStatus status) {
  return absl::FailedPreconditionError(absl::StrCat(
      field, ": cannot change while the experiment is ",
      ExperimentStatusName(status),
      " (stop it and start a new experiment, or restart it with a new salt)"));
}

bool SameVariants(const ExperimentDef& a, const ExperimentDef& b) {
  if (a.variants.size() != b.variants.size()) return false;
  for (size_t i = 0; i < a.variants.size(); ++i) {
    if (a.variants[i].key != b.variants[i].key) return false;
    if (a.variants[i].weight != b.variants[i].weight) return false;
  }
  return true;
}

bool SameRange(const std::optional<BucketRange>& a,
               const std::optional<BucketRange>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() || *a == *b;
}

}  // namespace

const std::string& EffectiveSalt(const ExperimentDef& e) {
  return e.salt.empty() ? e.key : e.salt;
}

bool IsAllowedTransition(ExperimentStatus from, ExperimentStatus to) {
  using S = ExperimentStatus;
  if (from == to) return true;
  switch (from) {
    case S::kDraft:
      return to == S::kRunning || to == S::kStopped;
    case S::kRunning:
      return to == S::kPaused || to == S::kStopped || to == S::kLaunched;
    case S::kPaused:
      return to == S::kRunning || to == S::kStopped || to == S::kLaunched;
    case S::kStopped:
      return to == S::kRunning || to == S::kLaunched;
    case S::kLaunched:
      return to == S::kStopped;
  }
  return false;
}

absl::Status CheckExperimentChange(const ExperimentDef* before,
                                   const ExperimentDef& after) {
  if (before == nullptr) return absl::OkStatus();
  const ExperimentStatus from = before->status;
  const ExperimentStatus to = after.status;
  if (!IsAllowedTransition(from, to)) {
    return absl::FailedPreconditionError(
        absl::StrCat("status: cannot go from ", ExperimentStatusName(from),
                     " to ", ExperimentStatusName(to)));
  }
  if (from == ExperimentStatus::kStopped && to == ExperimentStatus::kRunning &&
      EffectiveSalt(*before) == EffectiveSalt(after)) {
    return absl::FailedPreconditionError(
        "status: cannot go from stopped to running without a new salt (a "
        "restart must not inherit the stopped experiment's assignments)");
  }
  // A restart with a new salt is a fresh randomisation: anything may change.
  if (!Live(from) || !Live(to)) return absl::OkStatus();
  if (!SameVariants(*before, after)) return Frozen("variants", from);
  if (EffectiveSalt(*before) != EffectiveSalt(after)) {
    return Frozen("salt", from);
  }
  if (before->unit_type != after.unit_type) return Frozen("unit_type", from);
  if (before->hash_attribute != after.hash_attribute) {
    return Frozen("hash_attribute", from);
  }
  if (before->fallback_attribute != after.fallback_attribute) {
    return Frozen("fallback_attribute", from);
  }
  if (before->layer != after.layer) return Frozen("layer", from);
  if (!SameRange(before->layer_range, after.layer_range)) {
    return Frozen("layer_range", from);
  }
  return absl::OkStatus();
}

}  // namespace cxlab::engine
