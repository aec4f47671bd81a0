// Copyright 2026 The cxlab Authors.
//
// PersonalizationServiceImpl: GetContent, on the hot path like Assign. Each
// call authenticates the key (role sdk), converts the unit, takes the current
// snapshot (lock-free), chooses each requested slot's content with the
// engine (engine/personalization.h) and copies the content prebuilt for that
// snapshot (ContentCache) into the answer: no JSON is parsed or serialised
// per request. Experiment-backed rules that assigned the unit record an
// exposure exactly as Assign does (api/server/unit_calls.h).
//
//   auto service = std::make_unique<PersonalizationServiceImpl>(
//       config, keys, tracker);
//   builder.RegisterService(service.get());
//
// Thread-safety: safe for concurrent calls.

#ifndef CXLAB_API_SERVER_PERSONALIZATION_SERVICE_H_
#define CXLAB_API_SERVER_PERSONALIZATION_SERVICE_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

#include "api/convert/content_cache.h"
#include "api/server/auth.h"
#include "api/server/bandit_manager.h"
#include "api/server/metrics.h"
#include "api/server/serving_cache.h"
#include "cxlab/v1/personalization.grpc.pb.h"
#include "engine/snapshot.h"
#include "storage/config_manager.h"
#include "storage/tracker.h"

namespace cxlab::api {

class PersonalizationServiceImpl final
    : public v1::PersonalizationService::CallbackService {
 public:
  // Serves `config`'s snapshot. Borrows `config`, `keys`, `tracker`
  // (nullable: no exposure logging, no sticky assignments), `bandits`
  // (nullable: configured weights) and `metrics` (nullable: assignments not
  // counted); they must outlive the service.
  PersonalizationServiceImpl(storage::ConfigManager& config,
                             const KeyRegistry& keys, storage::Tracker* tracker,
                             const BanditManager* bandits = nullptr,
                             ServerMetrics* metrics = nullptr)
      : serving_(config),
        keys_(keys),
        tracker_(tracker),
        bandits_(bandits),
        metrics_(metrics) {}

  // GetContent for every front end (gRPC and the HTTP gateway);
  // `authorization` is the caller's "Bearer <key>".
  // Errors: UNAUTHENTICATED / PERMISSION_DENIED (role sdk or higher);
  // INVALID_ARGUMENT for a bad unit ("unit.unit_id: must not be empty", as
  // Assign) or an unknown slot key ("slots[1]: unknown slot 'x'").
  absl::Status HandleGetContent(absl::string_view authorization,
                                const v1::GetContentRequest& request,
                                v1::GetContentResponse* response);

  // The gRPC method: HandleGetContent with the call's metadata.
  grpc::ServerUnaryReactor* GetContent(
      grpc::CallbackServerContext* context,
      const v1::GetContentRequest* request,
      v1::GetContentResponse* response) override;

  // Errors: UNAUTHENTICATED / PERMISSION_DENIED (role reader or higher);
  // INVALID_ARGUMENT for an empty key; NOT_FOUND for an unknown experiment;
  // FAILED_PRECONDITION when it is not a bandit; UNAVAILABLE without a
  // bandit manager.
  grpc::ServerUnaryReactor* GetBanditState(
      grpc::CallbackServerContext* context,
      const v1::GetBanditStateRequest* request,
      v1::BanditState* response) override;

 private:
  // The snapshot with its contents converted to protobuf once.
  ServingCache<ContentCache> serving_;
  const KeyRegistry& keys_;
  storage::Tracker* const tracker_;
  const BanditManager* const bandits_;
  ServerMetrics* const metrics_;  // nullable: assignments not counted
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_PERSONALIZATION_SERVICE_H_
