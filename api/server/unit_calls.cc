// Copyright 2026 The cxlab Authors.

#include "api/server/unit_calls.h"

#include <utility>

#include "api/convert/convert.h"
#include "storage/keys.h"

namespace cxlab::api {

absl::Status AuthorizeSdk(const KeyRegistry& keys,
                          absl::string_view authorization,
                          absl::string_view method) {
  absl::StatusOr<Principal> who = keys.Authenticate(authorization);
  if (!who.ok()) return who.status();
  return Authorize(*who, Role::kSdk, method);
}

absl::StatusOr<engine::Unit> AuthorizeUnitCall(
    const KeyRegistry& keys, absl::string_view authorization,
    absl::string_view method, const v1::Unit& unit) {
  absl::Status status = AuthorizeSdk(keys, authorization, method);
  if (!status.ok()) return status;
  return FromProto(unit, "unit");
}

std::vector<std::string> PersonasOf(engine::UnitEvaluator& evaluator) {
  std::vector<std::string> personas;
  evaluator.MatchingSegments(personas);
  if (personas.empty()) {
    personas.emplace_back(storage::keys::kNoPersonaSegment);
  }
  return personas;
}

void AppendExposure(const v1::Unit& unit, const engine::Assignment& assignment,
                    absl::Time now, const std::vector<std::string>& segments,
                    std::vector<storage::ExposureRecord>& out) {
  const engine::CompiledExperiment& experiment = *assignment.experiment;
  const int variant_index = assignment.variant;
  const engine::ExperimentDef& def = *experiment.def;
  storage::ExposureRecord r;
  r.unit_type = unit.unit_type().empty() ? "user" : unit.unit_type();
  r.unit_id = unit.unit_id();
  if (def.unit_type != r.unit_type && def.hash_attribute.empty()) {
    auto it = unit.ids().find(def.unit_type);
    if (it != unit.ids().end() && !it->second.empty()) {
      r.unit_type = def.unit_type;
      r.unit_id = it->second;
    }
  }
  r.experiment_key = def.key;
  r.variant_index = variant_index;
  r.variant_key = experiment.VariantKey(variant_index);
  r.time = now;
  r.segments = segments;
  if ((def.sticky || def.bandit.has_value()) && !assignment.from_store &&
      !assignment.hashed_id.empty()) {
    r.bucket_version = def.bucket_version;
    r.sticky_id = std::string(assignment.hashed_id);
  }
  out.push_back(std::move(r));
}

}  // namespace cxlab::api
