// Copyright 2026 The cxlab Authors.
//
// Fuzz target "http": raw bytes on the HTTP port, through the same Beast
// request_parser the server runs (api/server/http_server.cc: 16 KiB of
// headers, a 4 MiB body limit) into an HttpRequest, then the gateway's
// request handling (api/server/http_gateway.h).
//
// Input: the bytes of one HTTP/1.1 request, e.g.
//
//   POST /v1/assign HTTP/1.1
//   Host: localhost
//   Content-Type: application/json
//   Content-Length: 35
//
//   {"unit": {"unitId": "visitor-42"}}
//
// The gateway is built with no services (fuzzing the services would need a
// database). HttpGateway::Handle runs only for requests whose routing never
// reaches a service: preflights, bad percent-escapes, unknown paths, wrong
// methods, /healthz, /readyz, /metrics and /ofrep/v1/configuration (see
// ReachesService, which mirrors HttpGateway::Route). For every request, the
// pieces that run before a service is called are fuzzed directly:
// MessageFromQuery into the report requests, MessageFromJson and
// api::ProtoFromJson into the body's request message (chosen by the path,
// else all of them), the unit and event conversions the handlers run next,
// PercentDecode of every path segment and the error answers.
//
// Properties checked besides "no crash, no sanitizer report":
//   - Handle answers a valid HTTP status and, for JSON errors, valid JSON;
//   - ProtoFromJson reads back what ProtoToJson prints, to an equal message.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/convert/convert.h"
#include "api/convert/event_convert.h"
#include "api/convert/proto_json.h"
#include "api/server/http_gateway.h"
#include "api/server/http_message.h"
#include "cxlab/v1/assignment.pb.h"
#include "cxlab/v1/events.pb.h"
#include "cxlab/v1/personalization.pb.h"
#include "cxlab/v1/reports.pb.h"
#include "engine/json.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace http = boost::beast::http;
namespace api = cxlab::api;
namespace v1 = cxlab::v1;

// As api/server/http_server.cc configures its parser.
constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxBodyBytes = 4 << 20;

// Parses `bytes` as the server does; false when Beast rejects them or they
// are not one complete request.
bool ParseRequest(absl::string_view bytes, api::HttpRequest* out) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(kMaxBodyBytes);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t offset = 0;
  // As http::read does with everything received so far: put() what is
  // buffered; need_more means wait for more bytes, and there are none (the
  // parser must not be given the same bytes again), so end of stream.
  while (!parser.is_done() && offset < bytes.size()) {
    const size_t n = parser.put(
        boost::asio::buffer(bytes.data() + offset, bytes.size() - offset), ec);
    offset += n;
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec) return false;
    if (n == 0) break;
  }
  if (!parser.is_done()) {
    // As http::read does at end of stream (put_eof requires some input).
    if (!parser.got_some()) return false;
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return false;
  }
  http::request<http::string_body> in = parser.release();
  // As http_server.cc's ToHttpRequest.
  out->method = std::string(in.method_string());
  absl::AsciiStrToUpper(&out->method);
  const boost::beast::string_view target = in.target();
  const size_t q = target.find('?');
  if (q == boost::beast::string_view::npos) {
    out->path = std::string(target);
  } else {
    out->path = std::string(target.substr(0, q));
    out->query = std::string(target.substr(q + 1));
  }
  for (const auto& field : in) {
    std::string name(field.name_string());
    absl::AsciiStrToLower(&name);
    out->headers[name] = std::string(field.value());
  }
  out->body = std::move(in.body());
  return true;
}

// True when HttpGateway::Route would call a service (which this target
// does not have) for `request`. Mirrors the routing table of
// api/server/http_gateway.cc; keep the two in step.
bool ReachesService(const api::HttpRequest& request,
                    const std::vector<std::string>& s) {
  if (request.method == "OPTIONS" &&
      !request.Header("access-control-request-method").empty()) {
    return false;  // preflight, answered before routing
  }
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  if (s.empty()) return false;
  if (s[0] == "ui") return true;
  if (s[0] == "ofrep") {
    const bool evaluate = s.size() >= 4 && s.size() <= 5 && s[1] == "v1" &&
                          s[2] == "evaluate" && s[3] == "flags";
    return evaluate && post;
  }
  if (s[0] != "v1") return false;
  if (s.size() == 2 && (s[1] == "assign" || s[1] == "assign:batch" ||
                        s[1] == "content" || s[1] == "events")) {
    return post;
  }
  if ((s.size() == 2 || s.size() == 3) && s[1] == "experiments") return get;
  if ((s.size() == 3 || (s.size() == 4 && s[3] == "timeseries")) &&
      s[1] == "reports") {
    return get;
  }
  return false;
}

// The JSON codecs on `body` into `message`: protobuf's (MessageFromJson)
// and ours (ProtoFromJson), whose printing must read back to itself.
void ParseBody(absl::string_view body, google::protobuf::Message* message) {
  const absl::Status s = api::MessageFromJson(body, message);
  if (!s.ok()) (void)api::ErrorResponse(s);
  const absl::Status ours = api::ProtoFromJson(body, message);
  if (!ours.ok()) {
    (void)api::ErrorResponse(ours);
    return;
  }
  const std::string first = api::ProtoToJson(*message);
  std::unique_ptr<google::protobuf::Message> back(message->New());
  const absl::Status again = api::ProtoFromJson(first, back.get());
  FUZZ_CHECK(again.ok(), "ProtoFromJson cannot read ProtoToJson's " + first +
                             ": " + std::string(again.message()));
  // Compared as messages: maps (and Struct members) print in the map's
  // iteration order, which a round trip may change.
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*message,
                                                                *back),
             "proto JSON round trip changed " + first + " into " +
                 api::ProtoToJson(*back));
}

void HandleBodies(const api::HttpRequest& request,
                  const std::vector<std::string>& s) {
  const std::string last = s.empty() ? "" : s.back();
  const bool any = last != "assign" && last != "assign:batch" &&
                   last != "content" && last != "events";
  if (any || last == "assign") {
    v1::AssignRequest r;
    ParseBody(request.body, &r);
    if (r.has_unit()) (void)api::FromProto(r.unit(), "unit");
  }
  if (any || last == "assign:batch") {
    v1::AssignBatchRequest r;
    ParseBody(request.body, &r);
    for (int i = 0; i < r.units_size() && i < 16; ++i) {
      (void)api::FromProto(r.units(i), "units[0]");
    }
  }
  if (any || last == "content") {
    v1::GetContentRequest r;
    ParseBody(request.body, &r);
    if (r.has_unit()) (void)api::FromProto(r.unit(), "unit");
  }
  if (any || last == "events") {
    v1::TrackRequest r;
    ParseBody(request.body, &r);
    const absl::Time now = absl::FromUnixSeconds(1780000000);
    for (int i = 0; i < r.events_size() && i < 16; ++i) {
      (void)api::FromProto(r.events(i), now, "events[0]");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Protobuf logs every invalid UTF-8 string it parses; silence it.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  if (size > 64 * 1024) return 0;
  api::HttpRequest request;
  if (!ParseRequest(
          absl::string_view(reinterpret_cast<const char*>(data), size),
          &request)) {
    return 0;
  }

  // The path's segments as the router decodes them.
  std::vector<std::string> segments;
  bool bad_escape = false;
  for (absl::string_view raw :
       absl::StrSplit(request.path, '/', absl::SkipEmpty())) {
    std::string decoded;
    if (!api::PercentDecode(raw, &decoded)) {
      bad_escape = true;
      break;
    }
    segments.push_back(std::move(decoded));
  }

  v1::GetReportRequest report;
  absl::Status status = api::MessageFromQuery(request.query, &report);
  if (!status.ok()) (void)api::ErrorResponse(status);
  v1::GetTimeSeriesRequest timeseries;
  status = api::MessageFromQuery(request.query, &timeseries);
  if (!status.ok()) (void)api::ErrorResponse(status);
  (void)api::AuthorizationOf(request);
  HandleBodies(request, segments);

  if (bad_escape || !ReachesService(request, segments)) {
    api::HttpGatewayServices services;
    services.ready = [] { return absl::UnavailableError("config not loaded"); };
    api::HttpGatewayOptions options;
    options.cors_origins = {"https://shop.example"};
    const api::HttpGateway gateway(services, options);
    const api::HttpResponse response = gateway.Handle(request);
    FUZZ_CHECK(response.status >= 100 && response.status <= 599,
               "bad HTTP status");
    if (response.content_type == "application/json" &&
        response.status >= 400) {
      FUZZ_CHECK(cxlab::engine::ParseJson(response.body).ok(),
                 "error answer is not JSON: " + response.body);
    }
  }
  return 0;
}
