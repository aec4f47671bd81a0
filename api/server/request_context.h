// Copyright 2026 The cxlab Authors.
//
// Reading the caller's metadata, for both the sync and the callback APIs.

#ifndef CXLAB_API_SERVER_REQUEST_CONTEXT_H_
#define CXLAB_API_SERVER_REQUEST_CONTEXT_H_

#include <grpcpp/server_context.h>

#include "absl/strings/string_view.h"

namespace cxlab::api {

// The value of the "authorization" metadata entry, or "" when absent. The
// view is valid for the duration of the call.
inline absl::string_view AuthorizationHeader(
    const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_REQUEST_CONTEXT_H_
