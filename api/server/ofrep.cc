// Copyright 2026 The cxlab Authors.

#include "api/server/ofrep.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <xxhash.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "api/server/http_gateway.h"

namespace cxlab::api {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out);
  return out;
}

// An OFREP failure: {"key"?, "errorCode", "errorDetails"}.
HttpResponse Failure(int status, absl::string_view key,
                     absl::string_view error_code, absl::string_view details) {
  Struct body;
  auto& fields = *body.mutable_fields();
  if (!key.empty()) fields["key"].set_string_value(std::string(key));
  fields["errorCode"].set_string_value(std::string(error_code));
  fields["errorDetails"].set_string_value(std::string(details));
  HttpResponse r;
  r.status = status;
  r.body = ToJson(body);
  return r;
}

// Errors of the key (401, 403) and of the server: the spec's general
// error shape {"errorDetails"}.
HttpResponse GeneralError(const absl::Status& status) {
  Struct body;
  (*body.mutable_fields())["errorDetails"].set_string_value(
      std::string(status.message()));
  HttpResponse r;
  r.status = HttpStatusOf(status.code());
  r.body = ToJson(body);
  return r;
}

// The request's evaluation context as an Assign request, or the OFREP
// failure to answer.
struct ParsedContext {
  v1::AssignRequest request;
  std::optional<HttpResponse> failure;
};

ParsedContext ParseContext(const HttpRequest& http, absl::string_view key) {
  ParsedContext out;
  Struct body;
  if (!absl::StripAsciiWhitespace(http.body).empty()) {
    google::protobuf::util::JsonParseOptions options;
    const auto status =
        google::protobuf::util::JsonStringToMessage(http.body, &body, options);
    if (!status.ok()) {
      out.failure = Failure(400, key, "PARSE_ERROR",
                            absl::StrCat("body is not a JSON object: ",
                                         status.message().as_string()));
      return out;
    }
  }
  auto context_it = body.fields().find("context");
  if (context_it == body.fields().end() ||
      context_it->second.kind_case() == Value::kNullValue) {
    out.failure = Failure(400, key, "TARGETING_KEY_MISSING",
                          "context.targetingKey: required (the unit id)");
    return out;
  }
  if (!context_it->second.has_struct_value()) {
    out.failure = Failure(400, key, "INVALID_CONTEXT",
                          "context: must be a JSON object");
    return out;
  }
  const Struct& context = context_it->second.struct_value();
  v1::Unit* unit = out.request.mutable_unit();
  for (const auto& [name, value] : context.fields()) {
    if (name == "targetingKey") {
      if (value.kind_case() != Value::kStringValue) {
        out.failure = Failure(400, key, "INVALID_CONTEXT",
                              "context.targetingKey: must be a string");
        return out;
      }
      unit->set_unit_id(value.string_value());
      continue;
    }
    (*unit->mutable_attributes()->mutable_fields())[name] = value;
  }
  if (unit->unit_id().empty()) {
    out.failure = Failure(400, key, "TARGETING_KEY_MISSING",
                          "context.targetingKey: required (the unit id)");
  }
  return out;
}

// The OFREP reason of an Assign answer.
absl::string_view OfrepReason(v1::Reason reason) {
  switch (reason) {
    case v1::REASON_ASSIGNED:
      return "SPLIT";
    case v1::REASON_FORCED:
    case v1::REASON_LAUNCHED:
      return "TARGETING_MATCH";
    case v1::REASON_NOT_RUNNING:
    case v1::REASON_OUTSIDE_SCHEDULE:
      return "DISABLED";
    default:
      return "DEFAULT";
  }
}

// "REASON_NOT_TARGETED" -> "NOT_TARGETED".
std::string CxlabReason(v1::Reason reason) {
  return std::string(
      absl::StripPrefix(v1::Reason_Name(reason), "REASON_"));
}

// `text` as a JSON string literal.
std::string Quote(absl::string_view text) {
  Value v;
  v.set_string_value(std::string(text));
  return ToJson(v);
}

// One flag of an answer as JSON, fields in the spec's order: the
// evaluation of `a` (not an unknown experiment).
std::string Evaluation(const v1::Assignment& a,
                       const AssignmentServiceImpl::Serving& served) {
  std::string variant = a.variant_key();
  const Value* payload = a.has_payload() ? &a.payload() : nullptr;
  if (!a.in_experiment()) {
    // The control: the first variant and its payload, from the snapshot
    // that answered.
    const engine::CompiledExperiment* e =
        served.snapshot->FindExperiment(a.experiment_key());
    if (e != nullptr && !e->def->variants.empty()) {
      variant = e->VariantKey(0);
      payload = served.cache->Get(e->index, 0);
    }
  }
  return absl::StrCat(
      R"({"key":)", Quote(a.experiment_key()),
      R"(,"value":)", payload != nullptr ? ToJson(*payload) : Quote(variant),
      R"(,"variant":)", Quote(variant), R"(,"reason":")",
      OfrepReason(a.reason()), R"(","metadata":{"experimentKey":)",
      Quote(a.experiment_key()), R"(,"inExperiment":)",
      a.in_experiment() ? "true" : "false", R"(,"cxlabReason":")",
      CxlabReason(a.reason()), R"(","configVersion":)",
      served.snapshot->version(), "}}");
}

// True when `if_none_match` ("a", W/"a", "a", "b" or *) matches `etag`.
bool EtagMatches(absl::string_view if_none_match, absl::string_view etag) {
  for (absl::string_view candidate : absl::StrSplit(if_none_match, ',')) {
    candidate = absl::StripAsciiWhitespace(candidate);
    if (candidate == "*") return true;
    absl::ConsumePrefix(&candidate, "W/");
    if (candidate == etag) return true;
  }
  return false;
}

}  // namespace

HttpResponse OfrepEvaluateFlag(AssignmentServiceImpl& assignment,
                               const HttpRequest& request,
                               absl::string_view flag_key) {
  ParsedContext parsed = ParseContext(request, flag_key);
  if (parsed.failure.has_value()) return *std::move(parsed.failure);
  parsed.request.add_experiment_keys(std::string(flag_key));
  v1::AssignResponse response;
  std::shared_ptr<const AssignmentServiceImpl::Serving> served;
  const absl::Status status = assignment.HandleAssign(
      AuthorizationOf(request), parsed.request, &response, &served);
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    return Failure(400, flag_key, "INVALID_CONTEXT", status.message());
  }
  if (!status.ok()) return GeneralError(status);
  const v1::Assignment& a = response.assignments(0);
  if (a.reason() == v1::REASON_UNKNOWN_EXPERIMENT) {
    return Failure(404, flag_key, "FLAG_NOT_FOUND",
                   absl::StrCat("no experiment with key '", flag_key, "'"));
  }
  HttpResponse r;
  r.body = Evaluation(a, *served);
  return r;
}

HttpResponse OfrepEvaluateFlags(AssignmentServiceImpl& assignment,
                                const HttpRequest& request) {
  ParsedContext parsed = ParseContext(request, "");
  if (parsed.failure.has_value()) return *std::move(parsed.failure);
  v1::AssignResponse response;
  std::shared_ptr<const AssignmentServiceImpl::Serving> served;
  const absl::Status status = assignment.HandleAssign(
      AuthorizationOf(request), parsed.request, &response, &served);
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    return Failure(400, "", "INVALID_CONTEXT", status.message());
  }
  if (!status.ok()) return GeneralError(status);
  HttpResponse r;
  r.body = R"({"flags":[)";
  // The ETag: what the answer depends on (the config version and each
  // flag's variant and reason), not its bytes, whose map order protobuf
  // does not fix.
  std::string identity = absl::StrCat(served->snapshot->version());
  for (int i = 0; i < response.assignments_size(); ++i) {
    const v1::Assignment& a = response.assignments(i);
    if (i > 0) r.body += ',';
    r.body += Evaluation(a, *served);
    absl::StrAppend(&identity, "|", a.experiment_key(), "=", a.variant_key(),
                    "/", static_cast<int>(a.reason()));
  }
  r.body += "]}";
  const std::string etag = absl::StrFormat(
      "\"%016x\"", XXH3_64bits(identity.data(), identity.size()));
  r.headers.emplace_back("ETag", etag);
  const absl::string_view if_none_match = request.Header("if-none-match");
  if (!if_none_match.empty() && EtagMatches(if_none_match, etag)) {
    r.status = 304;
    r.body.clear();
    r.content_type.clear();
  }
  return r;
}

HttpResponse OfrepConfiguration(const HttpRequest&) {
  HttpResponse r;
  r.body =
      R"({"name":"cxlab","capabilities":{"cacheInvalidation":{"polling":)"
      R"({"enabled":true,"minPollingIntervalMs":1000}},)"
      R"("flagEvaluation":{"supportedTypes":["boolean","string","int",)"
      R"("float","object"]}}})";
  return r;
}

}  // namespace cxlab::api
