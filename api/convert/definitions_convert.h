// Copyright 2026 The cxlab Authors.
//
// Conversion between the cxlab.v1 definition messages (definitions.proto)
// and the engine's definition structs (engine/definitions.h), both
// directions.
//
//   absl::StatusOr<engine::ExperimentDef> def =
//       FromProto(request.experiment(), "experiment");
//   v1::Experiment reply;
//   ToProto(*def, &reply);
//
// Mapping (proto -> engine; ToProto writes the engine value back explicitly,
// so engine -> proto -> engine is exact, up to the Struct member order
// described in value_convert.h):
//   - ExperimentStatus UNSPECIFIED -> draft; MetricType UNSPECIFIED ->
//     binomial; MetricDirection UNSPECIFIED -> higher, or lower for duration
//     metrics. ToProto always writes a specified value.
//   - Experiment.coverage unset -> 1.0; ToProto always sets it.
//   - Experiment.start / end (and SlotRule.start / end) unset ->
//     absl::InfinitePast() / InfiniteFuture(); ToProto leaves them unset for
//     exactly those values (other infinite bounds are clamped, see
//     ToProtoTimestamp).
//   - Experiment.bandit set <-> std::optional<ExperimentDef::Bandit>; its
//     interval_minutes / min_share unset -> 60 / 0.05 (the engine defaults);
//     ToProto always sets them.
//   - Optional doubles (Variant.weight, Metric.cap, scale_min, scale_max)
//     <-> std::optional; layer_range set <-> std::optional<BucketRange>.
//   - Condition / filter Structs unset <-> engine null; a payload or
//     content Value unset <-> engine null (ToProto leaves a null payload or
//     content unset). ToProto
//     leaves a condition or filter that is not an object (which
//     ValidateDefinitions rejects anyway) unset.
//   - Experiment.forced <-> the vector of (unit id, variant key) in order.
//   - Experiment.unit_type empty -> "user"; Metric.value_property empty ->
//     "value" (the engine defaults; an engine value of "" therefore comes
//     back as the default, and is invalid anyway).
//   - `meta` is ignored by FromProto and left untouched by ToProto (the
//     server fills it).
//
// FromProto checks shape only — enum values in range, timestamps in range,
// Struct/Value nesting — never definition rules; that is
// engine::ValidateDefinitions()'s job. Errors are InvalidArgument
// "<field>.<path>: <rule>", where `field` is the caller's path of the message
// ("experiment", "definitions.experiments[2]"), e.g.
// "experiment.status: unknown value 42",
// "experiment.start: timestamp out of range",
// "slot.rules[1].content: nesting deeper than 32 levels".
//
// ToProto overwrites every field of `*out` except `meta`; `out` must not be
// null.
//
// Thread-safety: pure functions, safe to call concurrently.

#ifndef CXLAB_API_CONVERT_DEFINITIONS_CONVERT_H_
#define CXLAB_API_CONVERT_DEFINITIONS_CONVERT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cxlab/v1/definitions.pb.h"
#include "engine/definitions.h"

namespace cxlab::api {

// ---- enums ------------------------------------------------------------------

// UNSPECIFIED -> draft. InvalidArgument "<field>: unknown value N" for a
// number that names no ExperimentStatus.
absl::StatusOr<engine::ExperimentStatus> ExperimentStatusFromProto(
    v1::ExperimentStatus status, absl::string_view field);
v1::ExperimentStatus ExperimentStatusToProto(engine::ExperimentStatus status);

// UNSPECIFIED -> binomial. InvalidArgument "<field>: unknown value N".
absl::StatusOr<engine::MetricType> MetricTypeFromProto(v1::MetricType type,
                                                       absl::string_view field);
v1::MetricType MetricTypeToProto(engine::MetricType type);

// UNSPECIFIED -> the default for `type`: lower for duration, else higher.
// InvalidArgument "<field>: unknown value N".
absl::StatusOr<engine::MetricDirection> MetricDirectionFromProto(
    v1::MetricDirection direction, engine::MetricType type,
    absl::string_view field);
v1::MetricDirection MetricDirectionToProto(engine::MetricDirection direction);

// ---- definitions ------------------------------------------------------------

absl::StatusOr<engine::ExperimentDef> FromProto(
    const v1::Experiment& experiment, absl::string_view field = "experiment");
void ToProto(const engine::ExperimentDef& experiment, v1::Experiment* out);

absl::StatusOr<engine::SegmentDef> FromProto(
    const v1::Segment& segment, absl::string_view field = "segment");
void ToProto(const engine::SegmentDef& segment, v1::Segment* out);

absl::StatusOr<engine::GroupDef> FromProto(const v1::Group& group,
                                           absl::string_view field = "group");
void ToProto(const engine::GroupDef& group, v1::Group* out);

absl::StatusOr<engine::MetricDef> FromProto(const v1::Metric& metric,
                                            absl::string_view field = "metric");
void ToProto(const engine::MetricDef& metric, v1::Metric* out);

absl::StatusOr<engine::LayerDef> FromProto(const v1::Layer& layer,
                                           absl::string_view field = "layer");
void ToProto(const engine::LayerDef& layer, v1::Layer* out);

absl::StatusOr<engine::HoldoutDef> FromProto(
    const v1::Holdout& holdout, absl::string_view field = "holdout");
void ToProto(const engine::HoldoutDef& holdout, v1::Holdout* out);

absl::StatusOr<engine::SlotDef> FromProto(const v1::Slot& slot,
                                          absl::string_view field = "slot");
void ToProto(const engine::SlotDef& slot, v1::Slot* out);

// Converts every object, in order. Paths of nested errors are
// "<field>.experiments[i]...", e.g.
// "definitions.experiments[2].status: unknown value 42"; the first error
// found is returned.
absl::StatusOr<engine::Definitions> FromProto(
    const v1::Definitions& definitions,
    absl::string_view field = "definitions");
void ToProto(const engine::Definitions& definitions, v1::Definitions* out);

// ---- validation errors ------------------------------------------------------

// Copies kind, key, field and message one to one.
void ToProto(const engine::DefinitionError& error, v1::FieldError* out);

}  // namespace cxlab::api

#endif  // CXLAB_API_CONVERT_DEFINITIONS_CONVERT_H_
