// Copyright 2026 The cxlab Authors.
//
// ExperimentServiceImpl: thin handlers over storage::ConfigManager and
// KeyRegistry. Each handler authenticates and authorises the caller,
// converts protos to engine types (api/convert), calls the manager and
// converts the answer back. No business rules live here: lifecycle rules
// are in engine/lifecycle.h, validation in engine/definitions.h, storage in
// storage/.
//
// Thread-safety: safe for concurrent calls (sync gRPC API).

#ifndef CXLAB_API_SERVER_EXPERIMENT_SERVICE_H_
#define CXLAB_API_SERVER_EXPERIMENT_SERVICE_H_

#include <atomic>
#include <functional>

#include "api/server/auth.h"
#include "cxlab/v1/experiment_service.grpc.pb.h"
#include "storage/config_manager.h"

namespace cxlab::api {

class ExperimentServiceImpl final : public v1::ExperimentService::Service {
 public:
  // Borrows `config` and `keys`; both must outlive the service.
  ExperimentServiceImpl(storage::ConfigManager& config, KeyRegistry& keys)
      : config_(config), keys_(keys) {}

  // Makes WatchConfig streams end promptly (server shutdown).
  void Shutdown() { shutting_down_.store(true); }

  // GetExperiment and ListExperiments for every front end (gRPC and the
  // HTTP gateway); `authorization` is the caller's "Bearer <key>". Errors:
  // UNAUTHENTICATED / PERMISSION_DENIED (role reader or higher);
  // INVALID_ARGUMENT for an empty key; NOT_FOUND for an unknown one.
  absl::Status HandleGetExperiment(absl::string_view authorization,
                                   const v1::GetRequest& request,
                                   v1::Experiment* out);
  absl::Status HandleListExperiments(absl::string_view authorization,
                                     const v1::ListRequest& request,
                                     v1::ListExperimentsResponse* out);

  grpc::Status CreateExperiment(grpc::ServerContext*,
                                const v1::CreateExperimentRequest*,
                                v1::Experiment*) override;
  grpc::Status UpdateExperiment(grpc::ServerContext*,
                                const v1::UpdateExperimentRequest*,
                                v1::Experiment*) override;
  grpc::Status GetExperiment(grpc::ServerContext*, const v1::GetRequest*,
                             v1::Experiment*) override;
  grpc::Status ListExperiments(grpc::ServerContext*, const v1::ListRequest*,
                               v1::ListExperimentsResponse*) override;
  grpc::Status DeleteExperiment(grpc::ServerContext*, const v1::DeleteRequest*,
                                v1::DeleteResponse*) override;

  grpc::Status CreateSegment(grpc::ServerContext*,
                             const v1::CreateSegmentRequest*,
                             v1::Segment*) override;
  grpc::Status UpdateSegment(grpc::ServerContext*,
                             const v1::UpdateSegmentRequest*,
                             v1::Segment*) override;
  grpc::Status GetSegment(grpc::ServerContext*, const v1::GetRequest*,
                          v1::Segment*) override;
  grpc::Status ListSegments(grpc::ServerContext*, const v1::ListRequest*,
                            v1::ListSegmentsResponse*) override;
  grpc::Status DeleteSegment(grpc::ServerContext*, const v1::DeleteRequest*,
                             v1::DeleteResponse*) override;

  grpc::Status CreateGroup(grpc::ServerContext*, const v1::CreateGroupRequest*,
                           v1::Group*) override;
  grpc::Status UpdateGroup(grpc::ServerContext*, const v1::UpdateGroupRequest*,
                           v1::Group*) override;
  grpc::Status GetGroup(grpc::ServerContext*, const v1::GetRequest*,
                        v1::Group*) override;
  grpc::Status ListGroups(grpc::ServerContext*, const v1::ListRequest*,
                          v1::ListGroupsResponse*) override;
  grpc::Status DeleteGroup(grpc::ServerContext*, const v1::DeleteRequest*,
                           v1::DeleteResponse*) override;

  grpc::Status CreateMetric(grpc::ServerContext*,
                            const v1::CreateMetricRequest*,
                            v1::Metric*) override;
  grpc::Status UpdateMetric(grpc::ServerContext*,
                            const v1::UpdateMetricRequest*,
                            v1::Metric*) override;
  grpc::Status GetMetric(grpc::ServerContext*, const v1::GetRequest*,
                         v1::Metric*) override;
  grpc::Status ListMetrics(grpc::ServerContext*, const v1::ListRequest*,
                           v1::ListMetricsResponse*) override;
  grpc::Status DeleteMetric(grpc::ServerContext*, const v1::DeleteRequest*,
                            v1::DeleteResponse*) override;

  grpc::Status CreateLayer(grpc::ServerContext*, const v1::CreateLayerRequest*,
                           v1::Layer*) override;
  grpc::Status UpdateLayer(grpc::ServerContext*, const v1::UpdateLayerRequest*,
                           v1::Layer*) override;
  grpc::Status GetLayer(grpc::ServerContext*, const v1::GetRequest*,
                        v1::Layer*) override;
  grpc::Status ListLayers(grpc::ServerContext*, const v1::ListRequest*,
                          v1::ListLayersResponse*) override;
  grpc::Status DeleteLayer(grpc::ServerContext*, const v1::DeleteRequest*,
                           v1::DeleteResponse*) override;

  grpc::Status CreateHoldout(grpc::ServerContext*,
                             const v1::CreateHoldoutRequest*,
                             v1::Holdout*) override;
  grpc::Status UpdateHoldout(grpc::ServerContext*,
                             const v1::UpdateHoldoutRequest*,
                             v1::Holdout*) override;
  grpc::Status GetHoldout(grpc::ServerContext*, const v1::GetRequest*,
                          v1::Holdout*) override;
  grpc::Status ListHoldouts(grpc::ServerContext*, const v1::ListRequest*,
                            v1::ListHoldoutsResponse*) override;
  grpc::Status DeleteHoldout(grpc::ServerContext*, const v1::DeleteRequest*,
                             v1::DeleteResponse*) override;

  grpc::Status CreateSlot(grpc::ServerContext*, const v1::CreateSlotRequest*,
                          v1::Slot*) override;
  grpc::Status UpdateSlot(grpc::ServerContext*, const v1::UpdateSlotRequest*,
                          v1::Slot*) override;
  grpc::Status GetSlot(grpc::ServerContext*, const v1::GetRequest*,
                       v1::Slot*) override;
  grpc::Status ListSlots(grpc::ServerContext*, const v1::ListRequest*,
                         v1::ListSlotsResponse*) override;
  grpc::Status DeleteSlot(grpc::ServerContext*, const v1::DeleteRequest*,
                          v1::DeleteResponse*) override;

  grpc::Status StartExperiment(grpc::ServerContext*,
                               const v1::StartExperimentRequest*,
                               v1::Experiment*) override;
  grpc::Status PauseExperiment(grpc::ServerContext*,
                               const v1::LifecycleRequest*,
                               v1::Experiment*) override;
  grpc::Status StopExperiment(grpc::ServerContext*, const v1::LifecycleRequest*,
                              v1::Experiment*) override;
  grpc::Status LaunchExperiment(grpc::ServerContext*,
                                const v1::LaunchExperimentRequest*,
                                v1::Experiment*) override;

  grpc::Status Apply(grpc::ServerContext*, const v1::ApplyRequest*,
                     v1::ApplyResponse*) override;
  grpc::Status Validate(grpc::ServerContext*, const v1::ValidateRequest*,
                        v1::ValidateResponse*) override;

  grpc::Status ListChanges(grpc::ServerContext*,
                           const v1::ListChangesRequest*,
                           v1::ListChangesResponse*) override;
  grpc::Status WatchConfig(grpc::ServerContext*,
                           const v1::WatchConfigRequest*,
                           grpc::ServerWriter<v1::ConfigEvent>*) override;

  grpc::Status CreateApiKey(grpc::ServerContext*,
                            const v1::CreateApiKeyRequest*,
                            v1::CreateApiKeyResponse*) override;
  grpc::Status ListApiKeys(grpc::ServerContext*, const v1::ListApiKeysRequest*,
                           v1::ListApiKeysResponse*) override;
  grpc::Status RotateApiKey(grpc::ServerContext*,
                            const v1::RotateApiKeyRequest*,
                            v1::CreateApiKeyResponse*) override;

  // Called with the new secret when the bootstrap admin key (id "admin") is
  // rotated, to rewrite DATA_DIR/admin.key. Set before serving.
  void OnAdminKeyRotated(std::function<absl::Status(const std::string&)> f) {
    on_admin_key_rotated_ = std::move(f);
  }

  grpc::Status RevokeApiKey(grpc::ServerContext*,
                            const v1::RevokeApiKeyRequest*,
                            v1::ApiKey*) override;

 private:
  // Authenticates the caller and checks `role`; fills *actor.
  absl::Status Check(grpc::ServerContext* context, Role role,
                     absl::string_view method, storage::Actor* actor) const;
  absl::Status Check(absl::string_view authorization, Role role,
                     absl::string_view method, storage::Actor* actor) const;

  template <typename Proto>
  grpc::Status PutDefinition(grpc::ServerContext* context,
                             absl::string_view method, const Proto& in,
                             storage::ConfigManager::WriteMode mode,
                             int64_t expected_version, Proto* out);
  template <typename Proto>
  absl::Status GetDefinition(absl::string_view authorization,
                             absl::string_view method, storage::Kind kind,
                             const std::string& key, Proto* out);
  template <typename Proto, typename Response>
  absl::Status ListDefinitions(absl::string_view authorization,
                               absl::string_view method, storage::Kind kind,
                               Response* out,
                               google::protobuf::RepeatedPtrField<Proto>* items);
  grpc::Status DeleteDefinition(grpc::ServerContext* context,
                                absl::string_view method, storage::Kind kind,
                                const v1::DeleteRequest& request,
                                v1::DeleteResponse* out);
  grpc::Status Transition(grpc::ServerContext* context,
                          absl::string_view method, const std::string& key,
                          const storage::Transition& transition,
                          int64_t expected_version, v1::Experiment* out);

  storage::ConfigManager& config_;
  KeyRegistry& keys_;
  std::atomic<bool> shutting_down_{false};
  std::function<absl::Status(const std::string&)> on_admin_key_rotated_;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_EXPERIMENT_SERVICE_H_
