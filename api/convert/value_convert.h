// Copyright 2026 The cxlab Authors.
//
// Conversion between the protobuf well-known types the API carries
// (google.protobuf.Value / Struct / Timestamp) and the engine's
// representation (engine::Value, absl::Time). Part of the edge library
// `cxlab_api_convert`: the engine never sees protobuf.
//
//   absl::StatusOr<engine::Value> attrs =
//       FromProtoStruct(request.unit().attributes(), "unit.attributes");
//   google::protobuf::Value payload;
//   ToProtoValue(variant.payload, &payload);
//
// Rules shared by every function here:
//   - A Struct has no member order. FromProtoStruct returns members sorted by
//     key (byte order), so the result is deterministic; an engine object
//     survives a round trip exactly when its keys are sorted and unique
//     (ToProtoStruct keeps the last of duplicate keys).
//   - Numbers that are not finite (NaN, +-inf) become null in both
//     directions, as JSON.stringify does; proto3's JSON mapping cannot carry
//     them.
//   - A Value whose kind is not set reads as null.
//   - FromProto* rejects nesting deeper than kMaxProtoValueDepth containers
//     (arrays and objects) so hostile input cannot exhaust the stack.
//
// Fallible functions take `field`, the path of the converted field in the
// request ("unit.attributes"), and return InvalidArgument
// "<field>: <rule>" on bad input.
//
// Thread-safety: pure functions, safe to call concurrently.

#ifndef CXLAB_API_CONVERT_VALUE_CONVERT_H_
#define CXLAB_API_CONVERT_VALUE_CONVERT_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/value.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace cxlab::api {

// The deepest container nesting FromProtoValue / FromProtoStruct accept:
// `{}` and `[]` are depth 1, `{"a": [1]}` is depth 2.
// Protobuf stops parsing messages nested deeper than 100 levels, and each
// Struct/ListValue level costs about three, so requests past this limit
// would otherwise fail to parse with an unhelpful error.
inline constexpr int kMaxProtoValueDepth = 32;

// Converts a protobuf Value to an engine Value (see the rules above).
// InvalidArgument "<field>: nesting deeper than 32 levels" when the value
// nests too deeply.
absl::StatusOr<engine::Value> FromProtoValue(
    const google::protobuf::Value& value, absl::string_view field);

// Converts a Struct to an engine object (members sorted by key).
// InvalidArgument "<field>: nesting deeper than 32 levels" (the Struct
// itself counts as one level).
absl::StatusOr<engine::Value> FromProtoStruct(
    const google::protobuf::Struct& object, absl::string_view field);

// For a message-typed Struct field that may be unset (a condition, a
// filter): engine null when `has` is false, else FromProtoStruct(object).
// Call as FromOptionalStruct(m.has_condition(), m.condition(), path).
absl::StatusOr<engine::Value> FromOptionalStruct(
    bool has, const google::protobuf::Struct& object, absl::string_view field);

// Writes `value` into `*out`, replacing what it held. Non-finite numbers are
// written as null_value. `out` must not be null.
void ToProtoValue(const engine::Value& value, google::protobuf::Value* out);

// Writes the object `object` into `*out`, replacing what it held.
// InvalidArgument "expected an object, got <type>" (leaving `*out`
// unchanged) when `object` is not an object. `out` must not be null.
absl::Status ToProtoStruct(const engine::Value& object,
                           google::protobuf::Struct* out);

// The instant a Timestamp names. InvalidArgument
// "<field>: timestamp out of range" when seconds lie outside
// [0001-01-01T00:00:00Z, 9999-12-31T23:59:59Z] or nanos outside
// [0, 999999999] (the range proto3's JSON mapping allows).
absl::StatusOr<absl::Time> FromProtoTimestamp(
    const google::protobuf::Timestamp& timestamp, absl::string_view field);

// Writes `time` into `*out`, truncated to whole nanoseconds (toward the
// past). Times outside the Timestamp range, infinite ones included, are
// clamped to its first or last instant; callers that mean "unbounded" leave
// the field unset instead (ToProto(ExperimentDef) does). `out` must not be
// null.
void ToProtoTimestamp(absl::Time time, google::protobuf::Timestamp* out);

}  // namespace cxlab::api

#endif  // CXLAB_API_CONVERT_VALUE_CONVERT_H_
