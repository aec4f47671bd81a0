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
#include "storage/tracker.h"

namespace cxlab::api {

// Limits of one AssignBatch call.
inline constexpr int kMaxBatchUnits = 10000;

class AssignmentServiceImpl final
    : public v1::AssignmentService::CallbackService {
 public:
  // Borrows `config`, `keys` and `tracker` (nullable: no exposure
  // logging); they must outlive the service.
  AssignmentServiceImpl(storage::ConfigManager& config,
                        const KeyRegistry& keys, storage::Tracker* tracker)
      : config_(config), keys_(keys), tracker_(tracker) {}

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

  // Queues an exposure for every ASSIGNED answer in `assignments`, with the
  // persona segments `engine_unit` (the converted `unit`) matches.
  void LogExposures(const engine::ConfigSnapshot& snapshot,
                    const v1::Unit& unit, const engine::Unit& engine_unit,
                    const google::protobuf::RepeatedPtrField<v1::Assignment>&
                        assignments,
                    absl::Time now,
                    std::vector<storage::ExposureRecord>& out) const;

  storage::ConfigManager& config_;
  const KeyRegistry& keys_;
  storage::Tracker* const tracker_;
  absl::Mutex rebuild_mu_;
  std::shared_ptr<const Serving> serving_;  // std::atomic_load/store
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_ASSIGNMENT_SERVICE_H_
