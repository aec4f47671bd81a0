// Copyright 2026 The cxlab Authors.
//
// AssignmentServiceImpl: the hot path. Each call authenticates the key,
// takes the current snapshot (lock-free), evaluates and copies prebuilt
// payloads into the answer. Uses gRPC's callback API, so no thread blocks
// per call.
//
// Thread-safety: safe for concurrent calls.

#ifndef CXLAB_API_SERVER_ASSIGNMENT_SERVICE_H_
#define CXLAB_API_SERVER_ASSIGNMENT_SERVICE_H_

#include <memory>

#include "absl/synchronization/mutex.h"
#include "api/convert/convert.h"
#include "api/server/auth.h"
#include "cxlab/v1/assignment.grpc.pb.h"
#include "storage/config_manager.h"

namespace cxlab::api {

// Limits of one AssignBatch call.
inline constexpr int kMaxBatchUnits = 10000;

class AssignmentServiceImpl final
    : public v1::AssignmentService::CallbackService {
 public:
  // Borrows `config` and `keys`; both must outlive the service.
  AssignmentServiceImpl(storage::ConfigManager& config,
                        const KeyRegistry& keys)
      : config_(config), keys_(keys) {}

  grpc::ServerUnaryReactor* Assign(grpc::CallbackServerContext* context,
                                   const v1::AssignRequest* request,
                                   v1::AssignResponse* response) override;

  grpc::ServerUnaryReactor* AssignBatch(
      grpc::CallbackServerContext* context,
      const v1::AssignBatchRequest* request,
      v1::AssignBatchResponse* response) override;

 private:
  // A snapshot with its payloads converted to protobuf once.
  struct Serving {
    std::shared_ptr<const engine::ConfigSnapshot> snapshot;
    std::unique_ptr<PayloadCache> payloads;
  };

  // The serving state for the current snapshot (rebuilt when it changes).
  std::shared_ptr<const Serving> Current();

  absl::Status Authenticate(grpc::CallbackServerContext* context) const;

  storage::ConfigManager& config_;
  const KeyRegistry& keys_;
  absl::Mutex rebuild_mu_;
  std::shared_ptr<const Serving> serving_;  // std::atomic_load/store
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_ASSIGNMENT_SERVICE_H_
