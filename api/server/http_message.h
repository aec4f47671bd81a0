// Copyright 2026 The cxlab Authors.
//
// HttpRequest / HttpResponse: one HTTP/1.1 exchange as plain values, so the
// gateway's routing and handlers (http_gateway.h) know nothing of the
// transport (http_server.h, Boost.Beast) and are tested without sockets.
//
//   HttpRequest request;
//   request.method = "POST";
//   request.path = "/v1/assign";
//   request.headers["authorization"] = "Bearer ...";
//   request.body = R"({"unit": {"unitId": "u1"}})";
//   HttpResponse response = gateway.Handle(request);
//
// Thread-safety: plain values.

#ifndef CXLAB_API_SERVER_HTTP_MESSAGE_H_
#define CXLAB_API_SERVER_HTTP_MESSAGE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace cxlab::api {

struct HttpRequest {
  // Upper-case method: "GET", "POST", "OPTIONS"...
  std::string method;
  // The path of the target, percent-decoded per segment by the router; here
  // as sent, without the query ("/v1/experiments/checkout%20flow").
  std::string path;
  // The raw query string after '?', without it ("" when none).
  std::string query;
  // Header names lower-cased; a repeated header keeps its last value.
  absl::flat_hash_map<std::string, std::string> headers;
  std::string body;

  // The value of header `name` (lower-case), or "" when absent.
  absl::string_view Header(absl::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? absl::string_view() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  // Extra headers (CORS, ETag, Allow, Retry-After...), in order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Close the connection after this response (e.g. after 413).
  bool close = false;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_HTTP_MESSAGE_H_
