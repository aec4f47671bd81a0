// Copyright 2026 The cxlab Authors.
//
// HttpGateway: cxlabd's HTTP/JSON front end. Routes each request to the
// same service code the gRPC methods run (the services' Handle* calls), so
// HTTP and gRPC answer alike by construction. Bodies and answers follow the
// proto3 JSON mapping of the gRPC messages (lowerCamelCase names; the
// original snake_case names are accepted too).
//
//   POST /v1/assign                 AssignRequest -> AssignResponse
//   POST /v1/assign:batch           AssignBatchRequest -> AssignBatchResponse
//   POST /v1/content                GetContentRequest -> GetContentResponse
//   POST /v1/events                 TrackRequest -> TrackResponse
//   GET  /v1/experiments            ListExperimentsResponse
//   GET  /v1/experiments/{key}      Experiment
//   GET  /v1/reports/{key}?method=sequential&alpha=0.05&cuped=true...
//                                   Report (GetReportRequest fields as query
//                                   parameters)
//   GET  /v1/reports/{key}/timeseries?metric_key=...
//                                   GetTimeSeriesResponse
//   POST /ofrep/v1/evaluate/flags/{key}, POST /ofrep/v1/evaluate/flags,
//   GET  /ofrep/v1/configuration    OpenFeature remote evaluation (ofrep.h)
//   GET  /metrics                   Prometheus text format
//   GET  /healthz, /readyz          liveness, readiness
//   GET  /ui, /ui/experiments/{key} web reports (HTML; web_ui_handler.h)
//
// Errors are JSON {"code": "INVALID_ARGUMENT", "message": "...", "field":
// "unit.unit_id"} with the HTTP status of the gRPC code (400, 401, 403,
// 404, 409, 429, 500, 501, 503, 504). The API key is read from
// "Authorization: Bearer KEY" or "X-API-Key: KEY". Unknown paths get 404,
// a known path with another method 405 with an Allow header. CORS: a
// request whose Origin is in `cors_origins` ("*" allows any) gets
// Access-Control-Allow-Origin, and its preflight (OPTIONS) is answered 204.
//
// Thread-safety: Handle() is safe to call concurrently; the services and
// callbacks it borrows must be too.

#ifndef CXLAB_API_SERVER_HTTP_GATEWAY_H_
#define CXLAB_API_SERVER_HTTP_GATEWAY_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "api/server/http_message.h"
#include "google/protobuf/message.h"

namespace cxlab::api {

class AssignmentServiceImpl;
class PersonalizationServiceImpl;
class EventServiceImpl;
class ExperimentServiceImpl;
class ReportServiceImpl;
class ServerMetrics;

struct HttpGatewayOptions {
  // Origins allowed to call from a browser ("https://shop.example"); "*"
  // allows any. Empty: no CORS headers, preflights answered 403.
  std::vector<std::string> cors_origins;
  // Requests handled at once; more are answered 429 (RESOURCE_EXHAUSTED,
  // Retry-After: 1) at once, not queued. /healthz, /readyz and /metrics are
  // never refused. 0: no cap.
  int max_inflight = 256;
};

// What the gateway serves; every pointer is borrowed and must outlive it.
struct HttpGatewayServices {
  AssignmentServiceImpl* assignment = nullptr;
  PersonalizationServiceImpl* personalization = nullptr;
  EventServiceImpl* events = nullptr;
  ExperimentServiceImpl* experiments = nullptr;
  ReportServiceImpl* reports = nullptr;
  // Nullable: no /metrics and no HTTP request metrics.
  ServerMetrics* metrics = nullptr;
  // The Prometheus text of /metrics (metrics and scrape-time gauges).
  std::function<std::string()> render_metrics;
  // OK when the daemon can serve (database open, config loaded); /readyz
  // answers 503 with the message otherwise.
  std::function<absl::Status()> ready;
};

class HttpGateway {
 public:
  HttpGateway(const HttpGatewayServices& services,
              const HttpGatewayOptions& options);

  // Answers one request. Never fails: errors are answers.
  HttpResponse Handle(const HttpRequest& request) const;

 private:
  HttpResponse Route(const HttpRequest& request, std::string* route) const;

  HttpGatewayServices services_;
  HttpGatewayOptions options_;
  mutable std::atomic<int> inflight_{0};
};

// --- Building blocks, exposed for the OFREP and UI handlers and tests. ---

// The value for the services' `authorization` argument: the Authorization
// header as sent, else "Bearer " + X-API-Key, else "".
std::string AuthorizationOf(const HttpRequest& request);

// The HTTP status of a gRPC status code (OK 200, INVALID_ARGUMENT 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS
// and ABORTED 409, FAILED_PRECONDITION 400, RESOURCE_EXHAUSTED 429,
// UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, others 500).
int HttpStatusOf(absl::StatusCode code);

// The field an error message names: its prefix before ": " when that is a
// field path ("variants[1].weight"), else "".
std::string FieldOfMessage(absl::string_view message);

// A JSON error answer {"code", "message", "field"} for a non-OK `status`.
HttpResponse ErrorResponse(const absl::Status& status);

// Parses a JSON body into `message` (proto3 JSON mapping). An empty body
// is the empty message. INVALID_ARGUMENT "body: ..." otherwise.
absl::Status MessageFromJson(absl::string_view body,
                             google::protobuf::Message* message);

// `message` as JSON, every field printed (zeros included).
std::string MessageToJson(const google::protobuf::Message& message);

// Sets fields of `message` from a URL query ("alpha=0.01&cuped=true&
// method=sequential&prior.mean=0"): names are the proto field names (or
// their JSON names), dotted for nested messages; enum values by name, with
// or without their prefix and in any case ("sequential" for
// METHOD_SEQUENTIAL); booleans true/false/1/0 (a bare name is true);
// repeated fields by repeating the parameter. INVALID_ARGUMENT naming the
// parameter otherwise.
absl::Status MessageFromQuery(absl::string_view query,
                              google::protobuf::Message* message);

// Percent-decodes `text` ('+' stays '+'); false on a bad escape.
bool PercentDecode(absl::string_view text, std::string* out);

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_HTTP_GATEWAY_H_
