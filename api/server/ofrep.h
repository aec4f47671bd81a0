// Copyright 2026 The cxlab Authors.
//
// The OpenFeature Remote Evaluation Protocol (OFREP) over cxlab's
// experiments: any OpenFeature SDK with the OFREP provider evaluates an
// experiment as a flag, with no cxlab code. Every evaluation is an
// AssignmentService Assign (AssignmentServiceImpl::HandleAssign), so the
// variant, the exposure logging and the errors are Assign's.
//
//   POST /ofrep/v1/evaluate/flags/{key}   {"context": {"targetingKey": "u1",
//                                                      "plan": "pro"}}
//   -> 200 {"key": "checkout_redesign", "value": {...payload...},
//           "variant": "one_page", "reason": "SPLIT",
//           "metadata": {"experimentKey": ..., "inExperiment": true,
//                        "cxlabReason": "ASSIGNED", "configVersion": 12}}
//   POST /ofrep/v1/evaluate/flags         -> 200 {"flags": [...]} with an
//                                            ETag; 304 on If-None-Match
//   GET  /ofrep/v1/configuration          -> provider configuration
//
// Mapping: `context.targetingKey` is the unit id, every other context
// field an attribute. The flag's value is the variant's payload, or its key
// when the variant has none. Reasons: SPLIT (hashed into a variant),
// TARGETING_MATCH (forced by unit id, or a launched winner), DISABLED (not
// running: draft, paused, stopped, outside its schedule) and DEFAULT (not
// targeted, outside coverage, another layer's range, a holdout): DISABLED
// and DEFAULT answer the first variant (the control) and record no
// exposure. Errors: 400 PARSE_ERROR (body not JSON), 400
// TARGETING_KEY_MISSING, 400 INVALID_CONTEXT (a context that is not an
// object, a non-string targetingKey, attributes Assign rejects), 404
// FLAG_NOT_FOUND, 401/403 for keys. The bulk answer evaluates every running
// or launched experiment; its ETag hashes the answer, so a client polling
// with If-None-Match gets 304 until a definition change or a new variant
// changes what it would see.
//
// Thread-safety: stateless functions over a thread-safe service.

#ifndef CXLAB_API_SERVER_OFREP_H_
#define CXLAB_API_SERVER_OFREP_H_

#include "absl/strings/string_view.h"
#include "api/server/assignment_service.h"
#include "api/server/http_message.h"

namespace cxlab::api {

// POST /ofrep/v1/evaluate/flags/{key}; `flag_key` is percent-decoded.
HttpResponse OfrepEvaluateFlag(AssignmentServiceImpl& assignment,
                               const HttpRequest& request,
                               absl::string_view flag_key);

// POST /ofrep/v1/evaluate/flags.
HttpResponse OfrepEvaluateFlags(AssignmentServiceImpl& assignment,
                                const HttpRequest& request);

// GET /ofrep/v1/configuration: name "cxlab", polling supported with a
// 1,000 ms minimum interval, every flag type.
HttpResponse OfrepConfiguration(const HttpRequest& request);

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_OFREP_H_
