// Copyright 2026 The cxlab Authors.
//
// The edge between the cxlab.v1 API messages and the engine. The server and
// the CLI convert requests to engine types here and engine results back; the
// engine itself never sees protobuf. This header is the library's single
// include: it declares the unit and assignment conversions and the
// PayloadCache, and pulls in
//   - value_convert.h:       google.protobuf.Value / Struct / Timestamp
//   - definitions_convert.h: experiments, segments, groups, metrics, layers,
//                            holdouts, slots, Definitions, FieldError and
//                            enums
//
//   ASSIGN_OR_RETURN(engine::Unit unit, FromProto(request.unit(), "unit"));
//   engine::UnitEvaluator eval(*snapshot, unit, now);
//   for (const engine::Assignment& a : assignments) {
//     ToProto(a, *payload_cache, response.add_assignments());
//   }
//
// Errors are InvalidArgument "<field path>: <rule>", the path given by the
// caller ("unit", "units[3]").
//
// Thread-safety: the functions are pure and may be called concurrently; a
// PayloadCache is immutable after Build() and safe for concurrent readers.

#ifndef CXLAB_API_CONVERT_CONVERT_H_
#define CXLAB_API_CONVERT_CONVERT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/convert/definitions_convert.h"  // IWYU pragma: export
#include "api/convert/value_convert.h"        // IWYU pragma: export
#include "cxlab/v1/assignment.pb.h"
#include "engine/evaluator.h"
#include "engine/snapshot.h"
#include "google/protobuf/struct.pb.h"

namespace cxlab::api {

// Limits of a v1::Unit (assignment.proto).
inline constexpr size_t kMaxUnitIdBytes = 1024;
inline constexpr size_t kMaxAttributesBytes = 64 * 1024;

// Converts and validates a unit. `field` is its path in the request ("unit",
// "units[3]").
//
// ids: first {unit_type, unit_id} (unit_type empty means "user"), then the
// entries of the `ids` map sorted by unit type, skipping an entry for
// unit_type itself. attributes: FromProtoStruct (members sorted by key);
// unset means an empty object.
//
// InvalidArgument, checked in this order:
//   "<field>.unit_id: must not be empty"
//   "<field>.unit_id: must be at most 1024 bytes"
//   "<field>.ids[<type>]: must be at most 1024 bytes"
//   "<field>.attributes: must be at most 64 KiB, got N bytes"
//       (N = attributes().ByteSizeLong(), the serialised size)
//   "<field>.attributes: nesting deeper than 32 levels"
//
// Computing the serialised size updates the message's cached sizes, so
// `unit` must not be read by another thread during the call.
absl::StatusOr<engine::Unit> FromProto(const v1::Unit& unit,
                                       absl::string_view field);

// engine::Reason -> v1::Reason (REASON_UNKNOWN_EXPERIMENT has no engine
// counterpart; see UnknownExperimentToProto).
v1::Reason ReasonToProto(engine::Reason reason);

// Writes one evaluation result, overwriting every field of `*out`:
// experiment_key, variant_key ("" when none), variant_index (-1 when none),
// reason, in_experiment, used_fallback, and — when `include_payload` and the
// unit sees a variant whose payload is not null — the variant's payload
// (unset otherwise). Converts the payload on every call; the hot path uses
// the PayloadCache overload instead. `assignment.experiment` must be null or
// point into a live snapshot; `out` must not be null.
void ToProto(const engine::Assignment& assignment, bool include_payload,
             v1::Assignment* out);

class PayloadCache;

// As above with include_payload = true, but copies the payload prebuilt in
// `payloads`, which must have been built from the snapshot that produced
// `assignment`.
void ToProto(const engine::Assignment& assignment, const PayloadCache& payloads,
             v1::Assignment* out);

// The answer for a requested experiment key the snapshot does not know:
// reason REASON_UNKNOWN_EXPERIMENT, variant_index -1, every other field
// empty. Overwrites every field of `*out`.
void UnknownExperimentToProto(absl::string_view experiment_key,
                              v1::Assignment* out);

// PayloadCache: every variant payload of one ConfigSnapshot, converted once
// to google.protobuf.Value, so answering an assignment copies a prebuilt
// message instead of converting an engine::Value. Build one per snapshot,
// next to it, and swap them together.
//
//   std::unique_ptr<PayloadCache> cache = PayloadCache::Build(*snapshot);
//   const google::protobuf::Value* p = cache->Get(a.experiment->index,
//                                                 a.variant);
//
// Thread-safety: immutable after Build(); safe for concurrent readers. It
// copies the payloads, so it does not borrow the snapshot.
class PayloadCache {
 public:
  // Converts every payload of `snapshot` (its experiments() in order).
  static std::unique_ptr<PayloadCache> Build(
      const engine::ConfigSnapshot& snapshot);

  PayloadCache(const PayloadCache&) = delete;
  PayloadCache& operator=(const PayloadCache&) = delete;

  // The payload of variant `variant_index` of experiment `experiment_index`
  // (CompiledExperiment::index). nullptr when the payload is null or either
  // index is out of range.
  const google::protobuf::Value* Get(int experiment_index,
                                     int variant_index) const;

  // The version of the snapshot this cache was built from.
  int64_t version() const { return version_; }

 private:
  PayloadCache() = default;

  int64_t version_ = 0;
  // Payloads of experiment i are payloads_[offsets_[i] .. offsets_[i+1]); a
  // value whose kind is not set stands for a null payload.
  std::vector<size_t> offsets_;
  std::vector<google::protobuf::Value> payloads_;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_CONVERT_CONVERT_H_
