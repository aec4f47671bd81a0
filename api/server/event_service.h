// Copyright 2026 The cxlab Authors.
//
// EventServiceImpl: thin handlers over storage::Tracker. Validates each
// event at the edge (api/convert/event_convert.h); invalid events are
// reported per index and the valid ones of the batch are kept.
//
// Thread-safety: safe for concurrent calls (sync gRPC API).

#ifndef CXLAB_API_SERVER_EVENT_SERVICE_H_
#define CXLAB_API_SERVER_EVENT_SERVICE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "api/server/auth.h"
#include "api/server/metrics.h"
#include "cxlab/v1/events.grpc.pb.h"
#include "storage/config_manager.h"
#include "storage/tracker.h"

namespace cxlab::api {

class EventServiceImpl final : public v1::EventService::Service {
 public:
  // Borrows all three; they must outlive the service.
  // `metrics` (nullable) counts accepted, duplicate and rejected events.
  EventServiceImpl(storage::ConfigManager& config, const KeyRegistry& keys,
                   storage::Tracker& tracker, ServerMetrics* metrics = nullptr)
      : config_(config), keys_(keys), tracker_(tracker), metrics_(metrics) {}

  // Track for every front end (gRPC and the HTTP gateway); `authorization`
  // is the caller's "Bearer <key>". Errors: UNAUTHENTICATED /
  // PERMISSION_DENIED (role sdk or higher); INVALID_ARGUMENT for an empty or
  // oversized batch. Invalid events are reported per index in the response.
  absl::Status HandleTrack(absl::string_view authorization,
                           const v1::TrackRequest& request,
                           v1::TrackResponse* response);

  grpc::Status Track(grpc::ServerContext* context,
                     const v1::TrackRequest* request,
                     v1::TrackResponse* response) override;
  grpc::Status TrackStream(grpc::ServerContext* context,
                           grpc::ServerReader<v1::TrackRequest>* reader,
                           v1::TrackResponse* response) override;
  grpc::Status TrackExposures(grpc::ServerContext* context,
                              const v1::TrackExposuresRequest* request,
                              v1::TrackExposuresResponse* response) override;
  grpc::Status GetStats(grpc::ServerContext* context,
                        const v1::GetStatsRequest* request,
                        v1::GetStatsResponse* response) override;
  grpc::Status Verify(grpc::ServerContext* context,
                      const v1::VerifyRequest* request,
                      v1::VerifyResponse* response) override;
  grpc::Status Recompute(grpc::ServerContext* context,
                         const v1::RecomputeRequest* request,
                         grpc::ServerWriter<v1::RecomputeProgress>* writer)
      override;

 private:
  absl::Status Check(grpc::ServerContext* context, Role role,
                     absl::string_view method) const;
  absl::Status Check(absl::string_view authorization, Role role,
                     absl::string_view method) const;
  // Validates and ingests one batch; event indexes in errors are offset by
  // `first_index` (for streams).
  absl::Status TrackBatch(const v1::TrackRequest& request, int64_t first_index,
                          v1::TrackResponse* response);

  storage::ConfigManager& config_;
  const KeyRegistry& keys_;
  storage::Tracker& tracker_;
  ServerMetrics* const metrics_;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_EVENT_SERVICE_H_
