// Copyright 2026 The cxlab Authors.
//
// JSON codec for definitions (engine/definitions.h): each kind converts to a
// JSON object shaped exactly like the YAML/JSON document a marketer writes
// (docs/definitions.md), and back.
//
//   Value v = ExperimentToValue(def);       // {"key":"checkout", ...}
//   std::string text = ExperimentToJson(def);
//   absl::StatusOr<ExperimentDef> back = ExperimentFromJson(text);
//
// Shape:
//   - Members are the snake_case field names of docs/definitions.md, in the
//     order listed there. The `kind` member is not written: whoever stores
//     the object records the kind (e.g. in its storage key).
//   - `key` is always written; every other field is written only when it
//     differs from its default (empty strings and lists, `status: draft`,
//     `unit_type: user`, `coverage: 1`, `value_property: value`, zero numbers,
//     `sticky: false`, unset optionals, null condition/payload/filter/
//     content, open schedule bounds). A set `bandit` is always written (its
//     presence turns the bandit on), with only the members that differ from
//     their defaults (`interval_minutes: 60`, `min_share: 0.05`).
//     A metric's `direction` is written when it differs from its type's
//     default (`lower` for duration metrics, `higher` otherwise).
//   - Enums are their names ("running", "mean", "higher"/"lower");
//     `layer_range` is `[start, end]`; `forced` is an object of unit id to
//     variant key in definition order; `schedule` is `{start, end}` (a slot
//     rule carries `start` and `end` directly) with
//     RFC 3339 times written in UTC with full sub-second precision
//     ("2026-03-01T00:00:00+00:00", "...T00:00:00.5+00:00") and read with
//     any offset ("Z", "+01:00"). A start of InfinitePast() and an end of
//     InfiniteFuture() mean "open" and are omitted; other infinite bounds
//     are written "infinite-past" / "infinite-future" so they survive the
//     round trip.
//   - condition, payload, filter, content and group ids are copied as they
//     are (member order included).
//   - Integers (`bucket_version`, a slot rule's `priority`) are JSON numbers;
//     reading rejects a fraction or a value outside int64 ("must be an
//     integer"). Like every JSON number they are exact up to 2^53.
//
// Reading is strict about shape and lenient about rules: FromValue rejects
// unknown or duplicate members, values of the wrong JSON type, unknown enum
// names, malformed times and non-finite numeric fields, but checks no
// definition rule (key syntax, weights summing to 1, cross references, ...);
// that is ValidateDefinitions()'s job. A member whose value is null is
// treated as absent (as in the YAML loader). A `kind` member is accepted only
// when it names the kind being read.
//
// Errors are InvalidArgument, "FIELD.PATH: RULE", for the first problem
// found, e.g. "variants[1].weight: must be a number", "unknown field
// 'covrage'", "schedule.start: must be an RFC 3339 time such as
// 2026-03-01T00:00:00Z, got 'tomorrow'".
//
// Round trip: XFromValue(XToValue(x)) equals x field by field, for every
// definition whose numbers are finite. Through JSON text the same holds,
// except that repeated `forced` unit ids collapse (JSON objects keep the last
// duplicate); such definitions are invalid anyway.
//
// Thread-safety: pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_DEFINITIONS_CODEC_H_
#define CXLAB_ENGINE_DEFINITIONS_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/definitions.h"
#include "engine/value.h"

namespace cxlab::engine {

// Converts an experiment to its JSON object (see the file comment).
Value ExperimentToValue(const ExperimentDef& experiment);
// Reads an experiment object; InvalidArgument naming the field path and rule
// on a bad shape.
absl::StatusOr<ExperimentDef> ExperimentFromValue(const Value& value);

// Converts a persona segment to its JSON object.
Value SegmentToValue(const SegmentDef& segment);
// Reads a segment object; InvalidArgument on a bad shape.
absl::StatusOr<SegmentDef> SegmentFromValue(const Value& value);

// Converts a group (named id list) to its JSON object.
Value GroupToValue(const GroupDef& group);
// Reads a group object; ids must be strings or numbers.
absl::StatusOr<GroupDef> GroupFromValue(const Value& value);

// Converts a metric to its JSON object.
Value MetricToValue(const MetricDef& metric);
// Reads a metric object; an absent `direction` takes the type's default.
absl::StatusOr<MetricDef> MetricFromValue(const Value& value);

// Converts a mutual-exclusion layer to its JSON object.
Value LayerToValue(const LayerDef& layer);
// Reads a layer object; InvalidArgument on a bad shape.
absl::StatusOr<LayerDef> LayerFromValue(const Value& value);

// Converts the global holdout to its JSON object.
Value HoldoutToValue(const HoldoutDef& holdout);
// Reads a holdout object; InvalidArgument on a bad shape.
absl::StatusOr<HoldoutDef> HoldoutFromValue(const Value& value);

// Converts a personalization slot (with its rules) to its JSON object.
Value SlotToValue(const SlotDef& slot);
// Reads a slot object; InvalidArgument on a bad shape ("rules[1].priority:
// must be an integer").
absl::StatusOr<SlotDef> SlotFromValue(const Value& value);

// Convenience wrappers: XToJson is ToJson(XToValue(x)) (compact JSON);
// XFromJson parses the text with ParseJson (whose errors name line and
// column) and then reads it with XFromValue.
std::string ExperimentToJson(const ExperimentDef& experiment);
absl::StatusOr<ExperimentDef> ExperimentFromJson(absl::string_view json);
std::string SegmentToJson(const SegmentDef& segment);
absl::StatusOr<SegmentDef> SegmentFromJson(absl::string_view json);
std::string GroupToJson(const GroupDef& group);
absl::StatusOr<GroupDef> GroupFromJson(absl::string_view json);
std::string MetricToJson(const MetricDef& metric);
absl::StatusOr<MetricDef> MetricFromJson(absl::string_view json);
std::string LayerToJson(const LayerDef& layer);
absl::StatusOr<LayerDef> LayerFromJson(absl::string_view json);
std::string HoldoutToJson(const HoldoutDef& holdout);
absl::StatusOr<HoldoutDef> HoldoutFromJson(absl::string_view json);
std::string SlotToJson(const SlotDef& slot);
absl::StatusOr<SlotDef> SlotFromJson(absl::string_view json);

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_DEFINITIONS_CODEC_H_
