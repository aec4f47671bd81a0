// Copyright 2026 The cxlab Authors.

#include "api/server/http_gateway.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "api/convert/proto_json.h"
#include "api/server/assignment_service.h"
#include "api/server/event_service.h"
#include "api/server/experiment_service.h"
#include "api/server/metrics.h"
#include "api/server/ofrep.h"
#include "api/server/personalization_service.h"
#include "api/server/rate_limiter.h"
#include "api/server/report_service.h"
#include "api/server/web_ui_handler.h"
#include "engine/json.h"
#include "engine/value.h"

namespace cxlab::api {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// `text` as a JSON string literal, quotes included.
std::string JsonString(absl::string_view text) {
  return engine::ToJson(engine::Value(text));
}

HttpResponse JsonResponse(const Message& message) {
  HttpResponse r;
  r.body = MessageToJson(message);
  return r;
}

// Runs a service call: JSON body -> Request -> handler -> JSON answer.
template <typename Request, typename Response, typename Call>
HttpResponse CallWithBody(const HttpRequest& http, Call call) {
  Request request;
  absl::Status status = MessageFromJson(http.body, &request);
  if (!status.ok()) return ErrorResponse(status);
  Response response;
  status = call(AuthorizationOf(http), request, &response);
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(response);
}

HttpResponse PlainText(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

HttpResponse MethodNotAllowed(absl::string_view allow,
                              absl::string_view method) {
  HttpResponse r = ErrorResponse(absl::UnimplementedError(
      absl::StrCat("method ", method, " not allowed here; use ", allow)));
  r.status = 405;
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

HttpResponse NotFound(absl::string_view path) {
  return ErrorResponse(
      absl::NotFoundError(absl::StrCat("no route for path '", path, "'")));
}

// The path's segments after `prefix`, percent-decoded; nullopt when one
// is badly escaped.
std::optional<std::vector<std::string>> Segments(absl::string_view path) {
  std::vector<std::string> out;
  for (absl::string_view raw : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    std::string decoded;
    if (!PercentDecode(raw, &decoded)) return std::nullopt;
    out.push_back(std::move(decoded));
  }
  return out;
}

// Finds a field by proto name or JSON name.
const FieldDescriptor* FindField(const google::protobuf::Descriptor& d,
                                 absl::string_view name) {
  const FieldDescriptor* f = d.FindFieldByName(std::string(name));
  if (f == nullptr) f = d.FindFieldByCamelcaseName(std::string(name));
  return f;
}

absl::Status SetScalarFromString(Message* message, const FieldDescriptor* f,
                                 absl::string_view value,
                                 absl::string_view param) {
  const Reflection* r = message->GetReflection();
  const bool repeated = f->is_repeated();
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        param, ": ", what, ", got '", value, "'"));
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      repeated ? r->AddString(message, f, std::string(value))
               : r->SetString(message, f, std::string(value));
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool b;
      if (value.empty() || value == "1" || absl::EqualsIgnoreCase(value, "true")) {
        b = true;
      } else if (value == "0" || absl::EqualsIgnoreCase(value, "false")) {
        b = false;
      } else {
        return bad("must be true or false");
      }
      repeated ? r->AddBool(message, f, b) : r->SetBool(message, f, b);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double d;
      if (!absl::SimpleAtod(value, &d)) return bad("must be a number");
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        repeated ? r->AddDouble(message, f, d) : r->SetDouble(message, f, d);
      } else {
        const float x = static_cast<float>(d);
        repeated ? r->AddFloat(message, f, x) : r->SetFloat(message, f, x);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t i;
      if (!absl::SimpleAtoi(value, &i)) return bad("must be an integer");
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
        repeated ? r->AddInt64(message, f, i) : r->SetInt64(message, f, i);
      } else {
        if (i < INT32_MIN || i > INT32_MAX) return bad("out of range");
        const int32_t x = static_cast<int32_t>(i);
        repeated ? r->AddInt32(message, f, x) : r->SetInt32(message, f, x);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t u;
      if (!absl::SimpleAtoi(value, &u)) {
        return bad("must be a non-negative integer");
      }
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
        repeated ? r->AddUInt64(message, f, u) : r->SetUInt64(message, f, u);
      } else {
        if (u > UINT32_MAX) return bad("out of range");
        const uint32_t x = static_cast<uint32_t>(u);
        repeated ? r->AddUInt32(message, f, x) : r->SetUInt32(message, f, x);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumDescriptor* e = f->enum_type();
      std::string upper = absl::AsciiStrToUpper(value);
      const google::protobuf::EnumValueDescriptor* v =
          e->FindValueByName(upper);
      if (v == nullptr) {
        // "sequential" for METHOD_SEQUENTIAL: try every value's suffix.
        for (int i = 0; i < e->value_count() && v == nullptr; ++i) {
          if (absl::EndsWith(e->value(i)->name(), absl::StrCat("_", upper))) {
            v = e->value(i);
          }
        }
      }
      if (v == nullptr || upper.empty()) {
        std::vector<std::string> names;
        for (int i = 0; i < e->value_count(); ++i) {
          if (e->value(i)->number() == 0) continue;
          names.push_back(absl::AsciiStrToLower(
              e->value(i)->name().substr(e->value(i)->name().find('_') + 1)));
        }
        return bad(absl::StrCat("must be one of ", absl::StrJoin(names, ", ")));
      }
      repeated ? r->AddEnum(message, f, v) : r->SetEnum(message, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return absl::InvalidArgumentError(absl::StrCat(
          param, ": is a message; set its fields (", param, ".field=...)"));
  }
  return bad("unsupported field type");
}

// The first path segment's route label for metrics (low cardinality).
std::string RouteLabel(const std::vector<std::string>& s) {
  if (s.empty()) return "/";
  if (s[0] == "v1" && s.size() >= 2) {
    if (s[1] == "experiments") {
      return s.size() == 2 ? "/v1/experiments" : "/v1/experiments/{key}";
    }
    if (s[1] == "reports") {
      if (s.size() == 4) return "/v1/reports/{key}/timeseries";
      return "/v1/reports/{key}";
    }
    return absl::StrCat("/v1/", s[1]);
  }
  if (s[0] == "ofrep") {
    if (s.size() == 5) return "/ofrep/v1/evaluate/flags/{key}";
    return absl::StrCat("/", absl::StrJoin(s, "/"));
  }
  if (s[0] == "ui") {
    return s.size() >= 3 ? "/ui/experiments/{key}" : absl::StrCat("/", s[0]);
  }
  if (s.size() == 1) return absl::StrCat("/", s[0]);
  return "other";
}

}  // namespace

std::string AuthorizationOf(const HttpRequest& request) {
  absl::string_view header = request.Header("authorization");
  if (!header.empty()) return std::string(header);
  absl::string_view key = request.Header("x-api-key");
  if (!key.empty()) return absl::StrCat("Bearer ", key);
  return "";
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

std::string FieldOfMessage(absl::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos || colon == 0) return "";
  const absl::string_view field = message.substr(0, colon);
  // identifier ( '[' digits ']' | '.' identifier )*
  size_t i = 0;
  auto ident = [&]() {
    const size_t start = i;
    while (i < field.size() &&
           (absl::ascii_isalnum(field[i]) || field[i] == '_')) {
      ++i;
    }
    return i > start && !absl::ascii_isdigit(field[start]);
  };
  if (!ident()) return "";
  while (i < field.size()) {
    if (field[i] == '.') {
      ++i;
      if (!ident()) return "";
    } else if (field[i] == '[') {
      const size_t start = ++i;
      while (i < field.size() && absl::ascii_isdigit(field[i])) ++i;
      if (i == start || i >= field.size() || field[i] != ']') return "";
      ++i;
    } else {
      return "";
    }
  }
  return std::string(field);
}

HttpResponse ErrorResponse(const absl::Status& status) {
  HttpResponse r;
  r.status = HttpStatusOf(status.code());
  r.body = absl::StrCat(
      R"({"code":")", absl::StatusCodeToString(status.code()),
      R"(","message":)", JsonString(status.message()), R"(,"field":)",
      JsonString(FieldOfMessage(status.message())), "}");
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  if (std::optional<absl::Duration> wait = RetryAfterOf(status)) {
    // Whole seconds, rounded up: a client must not retry before the token.
    r.headers.emplace_back(
        "Retry-After",
        absl::StrCat(std::max<int64_t>(
            1, absl::ToInt64Seconds(absl::Ceil(*wait, absl::Seconds(1))))));
  }
  return r;
}

absl::Status MessageFromJson(absl::string_view body, Message* message) {
  if (absl::StripAsciiWhitespace(body).empty()) {
    message->Clear();
    return absl::OkStatus();
  }
  absl::Status status = ProtoFromJson(body, message);
  if (status.ok()) return status;
  // Errors start with the JSON path of the offending field; one at the top
  // of the document (not an object, trailing text) is about the body.
  if (FieldOfMessage(status.message()).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "body: not a valid ", message->GetDescriptor()->name(), ": ",
        status.message()));
  }
  return status;
}

std::string MessageToJson(const Message& message) {
  return ProtoToJson(message);
}

bool PercentDecode(absl::string_view text, std::string* out) {
  out->clear();
  out->reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out->push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size() || !absl::ascii_isxdigit(text[i + 1]) ||
        !absl::ascii_isxdigit(text[i + 2])) {
      return false;
    }
    auto hex = [](char c) {
      return absl::ascii_isdigit(c) ? c - '0'
                                    : absl::ascii_tolower(c) - 'a' + 10;
    };
    out->push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
    i += 2;
  }
  return true;
}

absl::Status MessageFromQuery(absl::string_view query, Message* message) {
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    std::string name, value;
    const absl::string_view raw_value =
        eq == absl::string_view::npos ? absl::string_view() : pair.substr(eq + 1);
    // Forms send spaces as '+'.
    std::string raw_name(pair.substr(0, eq));
    std::string raw_val(raw_value);
    std::replace(raw_name.begin(), raw_name.end(), '+', ' ');
    std::replace(raw_val.begin(), raw_val.end(), '+', ' ');
    if (!PercentDecode(raw_name, &name) || !PercentDecode(raw_val, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("query: bad percent-escape in '", pair, "'"));
    }
    Message* target = message;
    const FieldDescriptor* field = nullptr;
    std::vector<absl::string_view> parts = absl::StrSplit(name, '.');
    for (size_t i = 0; i < parts.size(); ++i) {
      field = FindField(*target->GetDescriptor(), parts[i]);
      if (field == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": unknown query parameter for ",
            message->GetDescriptor()->name()));
      }
      if (i + 1 < parts.size()) {
        if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
            field->is_repeated()) {
          return absl::InvalidArgumentError(
              absl::StrCat(name, ": '", parts[i], "' has no fields"));
        }
        target = target->GetReflection()->MutableMessage(target, field);
      }
    }
    absl::Status s = SetScalarFromString(target, field, value, name);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

HttpGateway::HttpGateway(const HttpGatewayServices& services,
                         const HttpGatewayOptions& options)
    : services_(services), options_(options) {}

HttpResponse HttpGateway::Handle(const HttpRequest& request) const {
  const absl::Time start = absl::Now();
  std::string route;
  HttpResponse response;
  const absl::string_view origin = request.Header("origin");
  bool origin_allowed = false;
  if (!origin.empty()) {
    for (const std::string& allowed : options_.cors_origins) {
      if (allowed == "*" || allowed == origin) origin_allowed = true;
    }
  }
  // Health, readiness and metrics are never shed: operators need them most
  // when the server is overloaded.
  const bool ops = request.path == "/healthz" || request.path == "/readyz" ||
                   request.path == "/metrics";
  if (request.method == "OPTIONS" &&
      !request.Header("access-control-request-method").empty()) {
    route = "preflight";
    if (!origin_allowed) {
      response = ErrorResponse(absl::PermissionDeniedError(absl::StrCat(
          "origin: '", origin,
          "' is not allowed (cxlabd --http_cors_origins)")));
    } else {
      response.status = 204;
      response.content_type.clear();
      response.headers.emplace_back("Access-Control-Allow-Methods",
                                    "GET, POST, OPTIONS");
      response.headers.emplace_back(
          "Access-Control-Allow-Headers",
          "authorization, content-type, x-api-key, if-none-match");
      response.headers.emplace_back("Access-Control-Max-Age", "600");
    }
  } else if (!ops) {
    // Load shedding: past the cap, answer at once instead of queueing.
    const int inflight = inflight_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (options_.max_inflight > 0 && inflight > options_.max_inflight) {
      route = "overloaded";
      response = ErrorResponse(WithRetryAfter(
          absl::ResourceExhaustedError(absl::StrCat(
              "server overloaded: more than ", options_.max_inflight,
              " HTTP requests in flight (cxlabd --http_max_inflight); retry "
              "later")),
          absl::Seconds(1)));
    } else {
      response = Route(request, &route);
    }
    inflight_.fetch_sub(1, std::memory_order_relaxed);
  } else {
    response = Route(request, &route);
  }
  if (origin_allowed) {
    response.headers.emplace_back("Access-Control-Allow-Origin",
                                  std::string(origin));
    response.headers.emplace_back("Access-Control-Expose-Headers", "ETag");
    response.headers.emplace_back("Vary", "Origin");
  }
  if (services_.metrics != nullptr) {
    services_.metrics->ObserveHttp(route, request.method, response.status,
                                   absl::Now() - start);
  }
  return response;
}

HttpResponse HttpGateway::Route(const HttpRequest& request,
                                std::string* route) const {
  std::optional<std::vector<std::string>> segments = Segments(request.path);
  if (!segments.has_value()) {
    *route = "other";
    return ErrorResponse(absl::InvalidArgumentError(
        absl::StrCat("path: bad percent-escape in '", request.path, "'")));
  }
  const std::vector<std::string>& s = *segments;
  *route = RouteLabel(s);
  const std::string& method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  const bool post = method == "POST";
  const std::string auth = AuthorizationOf(request);

  if (s.size() == 2 && s[0] == "v1") {
    if (s[1] == "assign" || s[1] == "assign:batch" || s[1] == "content" ||
        s[1] == "events") {
      if (!post) return MethodNotAllowed("POST", method);
      if (s[1] == "assign") {
        return CallWithBody<v1::AssignRequest, v1::AssignResponse>(
            request, [&](absl::string_view a, const auto& in, auto* out) {
              return services_.assignment->HandleAssign(a, in, out);
            });
      }
      if (s[1] == "assign:batch") {
        return CallWithBody<v1::AssignBatchRequest, v1::AssignBatchResponse>(
            request, [&](absl::string_view a, const auto& in, auto* out) {
              return services_.assignment->HandleAssignBatch(a, in, out);
            });
      }
      if (s[1] == "content") {
        return CallWithBody<v1::GetContentRequest, v1::GetContentResponse>(
            request, [&](absl::string_view a, const auto& in, auto* out) {
              return services_.personalization->HandleGetContent(a, in, out);
            });
      }
      return CallWithBody<v1::TrackRequest, v1::TrackResponse>(
          request, [&](absl::string_view a, const auto& in, auto* out) {
            return services_.events->HandleTrack(a, in, out);
          });
    }
    if (s[1] == "experiments") {
      if (!get) return MethodNotAllowed("GET", method);
      v1::ListExperimentsResponse out;
      absl::Status status = services_.experiments->HandleListExperiments(
          auth, v1::ListRequest(), &out);
      return status.ok() ? JsonResponse(out) : ErrorResponse(status);
    }
  }
  if (s.size() == 3 && s[0] == "v1" && s[1] == "experiments") {
    if (!get) return MethodNotAllowed("GET", method);
    v1::GetRequest in;
    in.set_key(s[2]);
    v1::Experiment out;
    absl::Status status =
        services_.experiments->HandleGetExperiment(auth, in, &out);
    return status.ok() ? JsonResponse(out) : ErrorResponse(status);
  }
  if ((s.size() == 3 || (s.size() == 4 && s[3] == "timeseries")) &&
      s[0] == "v1" && s[1] == "reports") {
    if (!get) return MethodNotAllowed("GET", method);
    if (s.size() == 3) {
      v1::GetReportRequest in;
      absl::Status status = MessageFromQuery(request.query, &in);
      in.set_experiment_key(s[2]);
      v1::Report out;
      if (status.ok()) {
        status = services_.reports->HandleGetReport(auth, in, &out);
      }
      return status.ok() ? JsonResponse(out) : ErrorResponse(status);
    }
    v1::GetTimeSeriesRequest in;
    absl::Status status = MessageFromQuery(request.query, &in);
    in.set_experiment_key(s[2]);
    v1::GetTimeSeriesResponse out;
    if (status.ok()) {
      status = services_.reports->HandleGetTimeSeries(auth, in, &out);
    }
    return status.ok() ? JsonResponse(out) : ErrorResponse(status);
  }
  if (s.size() >= 4 && s[0] == "ofrep" && s[1] == "v1" && s[2] == "evaluate" &&
      s[3] == "flags" && s.size() <= 5) {
    if (!post) return MethodNotAllowed("POST", method);
    if (s.size() == 5) {
      return OfrepEvaluateFlag(*services_.assignment, request, s[4]);
    }
    return OfrepEvaluateFlags(*services_.assignment, request);
  }
  if (s.size() == 3 && s[0] == "ofrep" && s[1] == "v1" &&
      s[2] == "configuration") {
    if (!get) return MethodNotAllowed("GET", method);
    return OfrepConfiguration(request);
  }
  if (s.size() == 1 && (s[0] == "healthz" || s[0] == "readyz" ||
                        s[0] == "metrics")) {
    if (!get) return MethodNotAllowed("GET", method);
    if (s[0] == "healthz") return PlainText(200, "ok\n");
    if (s[0] == "readyz") {
      const absl::Status ready =
          services_.ready ? services_.ready() : absl::OkStatus();
      if (!ready.ok()) {
        return PlainText(503, absl::StrCat("not ready: ", ready.message(),
                                           "\n"));
      }
      return PlainText(200, "ready\n");
    }
    if (!services_.render_metrics) return NotFound(request.path);
    HttpResponse r =
        PlainText(200, services_.render_metrics());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  if (!s.empty() && s[0] == "ui") {
    return HandleWebUi(
        WebUiServices{services_.experiments, services_.reports}, request, s);
  }
  if (s.empty() && get) {
    HttpResponse r;
    r.status = 302;
    r.content_type.clear();
    r.headers.emplace_back("Location", "/ui");
    return r;
  }
  return NotFound(request.path);
}

}  // namespace cxlab::api
