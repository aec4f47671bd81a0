// Copyright 2026 The cxlab Authors.

#include "api/convert/convert.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"

namespace cxlab::api {
namespace {

namespace pb = ::google::protobuf;

constexpr absl::string_view kDefaultUnitType = "user";

using IdEntry = pb::MapPair<std::string, std::string>;

// Writes every field of `out` but the payload.
void SetAssignmentFields(const engine::Assignment& a, v1::Assignment* out) {
  if (a.experiment != nullptr) {
    out->set_experiment_key(a.experiment->key());
  } else {
    out->clear_experiment_key();
  }
  if (a.in_experiment() && a.experiment != nullptr) {
    out->set_variant_key(a.experiment->VariantKey(a.variant));
    out->set_variant_index(a.variant);
  } else {
    out->clear_variant_key();
    out->set_variant_index(-1);
  }
  out->set_reason(ReasonToProto(a.reason));
  out->set_in_experiment(a.in_experiment());
  out->set_used_fallback(a.used_fallback);
}

// The variant payload `a` would carry, or nullptr.
const engine::Value* PayloadOf(const engine::Assignment& a) {
  if (!a.in_experiment() || a.experiment == nullptr) return nullptr;
  const engine::Value& payload = a.experiment->def->variants[a.variant].payload;
  return payload.is_null() ? nullptr : &payload;
}

}  // namespace

absl::StatusOr<engine::Unit> FromProto(const v1::Unit& unit,
                                       absl::string_view field) {
  if (unit.unit_id().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".unit_id: must not be empty"));
  }
  if (unit.unit_id().size() > kMaxUnitIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".unit_id: must be at most ", kMaxUnitIdBytes, " bytes"));
  }
  // Ids key exposures and events in storage, where NUL separates fields.
  if (unit.unit_id().find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".unit_id: must not contain NUL"));
  }
  if (unit.unit_type().find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".unit_type: must not contain NUL"));
  }
  absl::InlinedVector<const IdEntry*, 4> ids;
  ids.reserve(unit.ids_size());
  const absl::string_view unit_type = unit.unit_type().empty()
                                          ? kDefaultUnitType
                                          : absl::string_view(unit.unit_type());
  for (const IdEntry& entry : unit.ids()) {
    if (entry.first == unit_type) continue;
    ids.push_back(&entry);
  }
  std::sort(ids.begin(), ids.end(), [](const IdEntry* a, const IdEntry* b) {
    return a->first < b->first;
  });
  for (const IdEntry* entry : ids) {
    if (entry->second.size() > kMaxUnitIdBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".ids[", entry->first, "]: must be at most ",
                       kMaxUnitIdBytes, " bytes"));
    }
    if (entry->first.find('\0') != std::string::npos ||
        entry->second.find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".ids: unit types and ids must not contain NUL"));
    }
  }
  if (unit.has_attributes()) {
    const size_t bytes = unit.attributes().ByteSizeLong();
    if (bytes > kMaxAttributesBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".attributes: must be at most 64 KiB, got ", bytes, " bytes"));
    }
  }

  engine::Unit out;
  out.ids.reserve(1 + ids.size());
  out.ids.emplace_back(std::string(unit_type), unit.unit_id());
  for (const IdEntry* entry : ids) {
    out.ids.emplace_back(entry->first, entry->second);
  }
  if (unit.has_attributes()) {
    ASSIGN_OR_RETURN(
        out.attributes,
        FromProtoStruct(unit.attributes(), absl::StrCat(field, ".attributes")));
  } else {
    out.attributes = engine::Value::Object();
  }
  return out;
}

v1::Reason ReasonToProto(engine::Reason reason) {
  switch (reason) {
    case engine::Reason::kAssigned:
      return v1::REASON_ASSIGNED;
    case engine::Reason::kNotRunning:
      return v1::REASON_NOT_RUNNING;
    case engine::Reason::kNotTargeted:
      return v1::REASON_NOT_TARGETED;
    case engine::Reason::kNotInCoverage:
      return v1::REASON_NOT_IN_COVERAGE;
    case engine::Reason::kLayerExcluded:
      return v1::REASON_LAYER_EXCLUDED;
    case engine::Reason::kHoldout:
      return v1::REASON_HOLDOUT;
    case engine::Reason::kForced:
      return v1::REASON_FORCED;
    case engine::Reason::kOutsideSchedule:
      return v1::REASON_OUTSIDE_SCHEDULE;
    case engine::Reason::kLaunched:
      return v1::REASON_LAUNCHED;
    case engine::Reason::kMissingUnitId:
      return v1::REASON_MISSING_UNIT_ID;
  }
  return v1::REASON_UNSPECIFIED;
}

void ToProto(const engine::Assignment& assignment, bool include_payload,
             v1::Assignment* out) {
  SetAssignmentFields(assignment, out);
  const engine::Value* payload =
      include_payload ? PayloadOf(assignment) : nullptr;
  if (payload != nullptr) {
    ToProtoValue(*payload, out->mutable_payload());
  } else {
    out->clear_payload();
  }
}

void ToProto(const engine::Assignment& assignment, const PayloadCache& payloads,
             v1::Assignment* out) {
  SetAssignmentFields(assignment, out);
  const pb::Value* payload =
      assignment.in_experiment() && assignment.experiment != nullptr
          ? payloads.Get(assignment.experiment->index, assignment.variant)
          : nullptr;
  if (payload != nullptr) {
    out->mutable_payload()->CopyFrom(*payload);
  } else {
    out->clear_payload();
  }
}

void UnknownExperimentToProto(absl::string_view experiment_key,
                              v1::Assignment* out) {
  out->set_experiment_key(std::string(experiment_key));
  out->clear_variant_key();
  out->set_variant_index(-1);
  out->clear_payload();
  out->set_reason(v1::REASON_UNKNOWN_EXPERIMENT);
  out->set_in_experiment(false);
  out->set_used_fallback(false);
}

std::unique_ptr<PayloadCache> PayloadCache::Build(
    const engine::ConfigSnapshot& snapshot) {
  std::unique_ptr<PayloadCache> cache(new PayloadCache());
  cache->version_ = snapshot.version();
  size_t total = 0;
  for (const engine::CompiledExperiment& e : snapshot.experiments()) {
    total += e.def->variants.size();
  }
  cache->offsets_.reserve(snapshot.experiments().size() + 1);
  cache->payloads_.resize(total);
  size_t next = 0;
  for (const engine::CompiledExperiment& e : snapshot.experiments()) {
    cache->offsets_.push_back(next);
    for (const engine::VariantDef& v : e.def->variants) {
      if (!v.payload.is_null())
        ToProtoValue(v.payload, &cache->payloads_[next]);
      ++next;
    }
  }
  cache->offsets_.push_back(next);
  return cache;
}

const pb::Value* PayloadCache::Get(int experiment_index,
                                   int variant_index) const {
  if (experiment_index < 0 || variant_index < 0 ||
      static_cast<size_t>(experiment_index) + 1 >= offsets_.size()) {
    return nullptr;
  }
  const size_t begin = offsets_[experiment_index];
  const size_t end = offsets_[experiment_index + 1];
  if (static_cast<size_t>(variant_index) >= end - begin) return nullptr;
  const pb::Value& payload = payloads_[begin + variant_index];
  return payload.kind_case() == pb::Value::KIND_NOT_SET ? nullptr : &payload;
}

}  // namespace cxlab::api
