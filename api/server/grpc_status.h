// Copyright 2026 The cxlab Authors.
//
// absl::Status -> grpc::Status, in one place. The codes map 1:1; the
// message is kept as is (it names the field and the rule).

#ifndef CXLAB_API_SERVER_GRPC_STATUS_H_
#define CXLAB_API_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace cxlab::api {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_GRPC_STATUS_H_
