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

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "api/convert/convert.h"
#include "api/server/auth.h"
#include "api/server/bandit_manager.h"
#include "api/server/metrics.h"
#include "api/server/serving_cache.h"
#include "cxlab/v1/assignment.grpc.pb.h"
#include "storage/config_manager.h"
#include "storage/tracker.h"

namespace cxlab::api {

// Limits of one AssignBatch call.
inline constexpr int kMaxBatchUnits = 10000;

class AssignmentServiceImpl final
    : public v1::AssignmentService::CallbackService {
 public:
  // Borrows `config`, `keys`, `tracker` (nullable: no exposure logging and
  // no sticky assignments), `bandits` (nullable: configured weights) and
  // `metrics` (nullable: assignments not counted); they must outlive the
  // service.
  AssignmentServiceImpl(storage::ConfigManager& config,
                        const KeyRegistry& keys, storage::Tracker* tracker,
                        const BanditManager* bandits = nullptr,
                        ServerMetrics* metrics = nullptr)
      : serving_(config),
        keys_(keys),
        tracker_(tracker),
        bandits_(bandits),
        metrics_(metrics) {}

  // The snapshot an answer came from, with its payloads as protobuf.
  using Serving = ServingCache<PayloadCache>::Serving;

  // The calls behind the gRPC methods, shared by every front end (gRPC and
  // the HTTP gateway). `authorization` is the caller's "Bearer <key>".
  // Errors: UNAUTHENTICATED / PERMISSION_DENIED (role sdk or higher);
  // INVALID_ARGUMENT naming the field ("unit.unit_id: must not be empty").
  // When `served` is set, HandleAssign stores there the snapshot that
  // answered (adapters read variants that were not assigned from it).
  absl::Status HandleAssign(absl::string_view authorization,
                            const v1::AssignRequest& request,
                            v1::AssignResponse* response,
                            std::shared_ptr<const Serving>* served = nullptr);
  absl::Status HandleAssignBatch(absl::string_view authorization,
                                 const v1::AssignBatchRequest& request,
                                 v1::AssignBatchResponse* response);

  grpc::ServerUnaryReactor* Assign(grpc::CallbackServerContext* context,
                                   const v1::AssignRequest* request,
                                   v1::AssignResponse* response) override;

  grpc::ServerUnaryReactor* AssignBatch(
      grpc::CallbackServerContext* context,
      const v1::AssignBatchRequest* request,
      v1::AssignBatchResponse* response) override;

 private:
  // The snapshot with its payloads converted to protobuf once.
  ServingCache<PayloadCache> serving_;
  const KeyRegistry& keys_;
  storage::Tracker* const tracker_;
  const BanditManager* const bandits_;
  ServerMetrics* const metrics_;  // nullable: assignments not counted
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_ASSIGNMENT_SERVICE_H_
