// Copyright 2026 The cxlab Authors.
//
// What the calls that serve one unit — AssignmentService.Assign and
// PersonalizationService.GetContent — share at the edge: authorizing the
// caller and converting the unit, and turning a served variant into an
// exposure record, so both attribute exposures the same way.
//
//   ASSIGN_OR_RETURN(engine::Unit unit,
//                    AuthorizeUnitCall(keys, authorization, "GetContent",
//                                      request.unit()));
//   ...
//   const std::vector<std::string> personas = PersonasOf(evaluator);
//   AppendExposure(request.unit(), assignment, now, personas, records);
//   tracker->EnqueueExposures(std::move(records));
//
// Thread-safety: pure functions (the key registry is only read); may be
// called concurrently.

#ifndef CXLAB_API_SERVER_UNIT_CALLS_H_
#define CXLAB_API_SERVER_UNIT_CALLS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/server/auth.h"
#include "cxlab/v1/assignment.pb.h"
#include "engine/evaluator.h"
#include "engine/snapshot.h"
#include "storage/exposure_store.h"

namespace cxlab::api {

// Authenticates the caller of `method` from its "authorization" value
// ("Bearer <key>", from gRPC metadata or an HTTP header) and requires role
// sdk or higher. UNAUTHENTICATED / PERMISSION_DENIED as
// KeyRegistry::Authenticate and Authorize say.
absl::Status AuthorizeSdk(const KeyRegistry& keys,
                          absl::string_view authorization,
                          absl::string_view method);

// AuthorizeSdk, then FromProto(unit, "unit") (INVALID_ARGUMENT naming the
// field, e.g. "unit.unit_id: must not be empty").
absl::StatusOr<engine::Unit> AuthorizeUnitCall(
    const KeyRegistry& keys, absl::string_view authorization,
    absl::string_view method, const v1::Unit& unit);

// The persona segments to record with an exposure: every segment the
// evaluator's unit matches, or keys::kNoPersonaSegment when it matches none.
std::vector<std::string> PersonasOf(engine::UnitEvaluator& evaluator);

// Appends the exposure of `unit` (as sent in the request) to the variant of
// `assignment` (an ASSIGNED engine answer) at `now`, tagged with the unit's
// persona `segments` (PersonasOf). For a sticky or bandit experiment whose
// variant was hashed now (not served from the store), the record also asks
// the store to keep the assignment (bucket_version, sticky_id); `assignment`
// must come from an evaluator that is still alive (its hashed id is a view).
//
// The exposure is recorded under the unit the experiment randomises on, so
// events tracked with that unit type and id are attributed to it: the
// request's unit (unit_type, default "user") unless the experiment
// randomises on another unit type that the request's `ids` carry. An
// experiment hashing an attribute uses the request's unit.
void AppendExposure(const v1::Unit& unit, const engine::Assignment& assignment,
                    absl::Time now, const std::vector<std::string>& segments,
                    std::vector<storage::ExposureRecord>& out);

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_UNIT_CALLS_H_
