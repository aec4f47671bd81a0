// Copyright 2026 The cxlab Authors.
//
// cxlab::client::Client: a thin, synchronous C++ client of cxlabd. It wraps
// the ExperimentService, AssignmentService, PersonalizationService,
// EventService, ReportService and AdminService stubs (and grpc.health.v1):
// every call sends "authorization: Bearer <key>" and a deadline, and returns
// absl::StatusOr<Response>, the gRPC status code and message kept as they
// are (the server's messages name the field: "experiment checkout:
// variants[1].weight: weights must sum to 1, got 0.9").
//
//   absl::StatusOr<std::unique_ptr<Client>> client =
//       Client::Connect("127.0.0.1:7070", key);
//   if (!client.ok()) ...;  // UNAVAILABLE "cannot reach 127.0.0.1:7070: ..."
//   v1::GetRequest request;
//   request.set_key("checkout_redesign");
//   absl::StatusOr<v1::Experiment> e = (*client)->GetExperiment(request);
//
// The client depends only on the generated protos and gRPC (target
// cxlab_api_proto); it never converts to engine types. Streaming calls
// other than TrackStream (WatchConfig) are not wrapped: use channel() and
// PrepareContext() with a stub of your own.
//
// Thread-safety: a Client is safe for concurrent calls from many threads
// (gRPC stubs and channels are); it keeps no per-call state.

#ifndef CXLAB_CLIENTS_CPP_CLIENT_CLIENT_H_
#define CXLAB_CLIENTS_CPP_CLIENT_CLIENT_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cxlab/v1/admin.grpc.pb.h"
#include "cxlab/v1/assignment.grpc.pb.h"
#include "cxlab/v1/events.grpc.pb.h"
#include "cxlab/v1/experiment_service.grpc.pb.h"
#include "cxlab/v1/personalization.grpc.pb.h"
#include "cxlab/v1/reports.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace cxlab::client {

// grpc::Status -> absl::Status: the code maps 1:1, the message is kept.
absl::Status FromGrpcStatus(const grpc::Status& status);

// TLS of the channel, as file paths; all empty means plaintext.
struct TlsFiles {
  // PEM CA that signed the server's certificate; non-empty turns TLS on.
  std::string ca_file;
  // Mutual TLS: the client's PEM certificate chain and private key (both
  // or neither; they need ca_file).
  std::string cert_file;
  std::string key_file;
};

class Client {
 public:
  // How long Connect() waits for the server to answer its first call.
  static constexpr absl::Duration kConnectTimeout = absl::Seconds(5);

  // Opens an insecure channel to `server` ("HOST:PORT") and checks, with one
  // grpc.health.v1 Check (deadline min(timeout, kConnectTimeout), not
  // waiting for a connection that failed), that the server answers. `key`
  // is the API key secret sent with every call; it may be empty (calls then
  // fail UNAUTHENTICATED, except Health). `timeout` is the deadline of every
  // later call.
  //
  // Errors: INVALID_ARGUMENT "server: must not be empty", "key: must be
  // printable ASCII without spaces"; UNAVAILABLE "cannot reach SERVER:
  // <gRPC's reason>" when the server does not answer.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(
      const std::string& server, const std::string& key,
      absl::Duration timeout = absl::Seconds(30));

  // As above over TLS when `tls.ca_file` is set (the server's certificate
  // must be signed by it and name the host of `server`), presenting
  // `tls.cert_file` for mutual TLS. INVALID_ARGUMENT "tls_ca: cannot read
  // ..." for unreadable files; UNAVAILABLE "cannot reach ..." when the
  // handshake fails (wrong CA, plaintext server, missing client cert).
  static absl::StatusOr<std::unique_ptr<Client>> Connect(
      const std::string& server, const std::string& key,
      absl::Duration timeout, const TlsFiles& tls);

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The address given to Connect().
  const std::string& server() const { return server_; }
  // The underlying channel, for stubs of services not wrapped here.
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  // Sets the authorization metadata and the deadline (now + timeout) on
  // `context`, as every wrapped call does.
  void PrepareContext(grpc::ClientContext* context) const;

  // ---- ExperimentService: definitions (roles: reader for Get/List,
  // editor for Create/Update/Delete) ----------------------------------------
  absl::StatusOr<v1::Experiment> CreateExperiment(
      const v1::CreateExperimentRequest& request) const;
  absl::StatusOr<v1::Experiment> UpdateExperiment(
      const v1::UpdateExperimentRequest& request) const;
  absl::StatusOr<v1::Experiment> GetExperiment(
      const v1::GetRequest& request) const;
  absl::StatusOr<v1::ListExperimentsResponse> ListExperiments(
      const v1::ListRequest& request = {}) const;
  absl::StatusOr<v1::DeleteResponse> DeleteExperiment(
      const v1::DeleteRequest& request) const;

  absl::StatusOr<v1::Segment> CreateSegment(
      const v1::CreateSegmentRequest& request) const;
  absl::StatusOr<v1::Segment> UpdateSegment(
      const v1::UpdateSegmentRequest& request) const;
  absl::StatusOr<v1::Segment> GetSegment(const v1::GetRequest& request) const;
  absl::StatusOr<v1::ListSegmentsResponse> ListSegments(
      const v1::ListRequest& request = {}) const;
  absl::StatusOr<v1::DeleteResponse> DeleteSegment(
      const v1::DeleteRequest& request) const;

  absl::StatusOr<v1::Group> CreateGroup(
      const v1::CreateGroupRequest& request) const;
  absl::StatusOr<v1::Group> UpdateGroup(
      const v1::UpdateGroupRequest& request) const;
  absl::StatusOr<v1::Group> GetGroup(const v1::GetRequest& request) const;
  absl::StatusOr<v1::ListGroupsResponse> ListGroups(
      const v1::ListRequest& request = {}) const;
  absl::StatusOr<v1::DeleteResponse> DeleteGroup(
      const v1::DeleteRequest& request) const;

  absl::StatusOr<v1::Metric> CreateMetric(
      const v1::CreateMetricRequest& request) const;
  absl::StatusOr<v1::Metric> UpdateMetric(
      const v1::UpdateMetricRequest& request) const;
  absl::StatusOr<v1::Metric> GetMetric(const v1::GetRequest& request) const;
  absl::StatusOr<v1::ListMetricsResponse> ListMetrics(
      const v1::ListRequest& request = {}) const;
  absl::StatusOr<v1::DeleteResponse> DeleteMetric(
      const v1::DeleteRequest& request) const;

  absl::StatusOr<v1::Layer> CreateLayer(
      const v1::CreateLayerRequest& request) const;
  absl::StatusOr<v1::Layer> UpdateLayer(
      const v1::UpdateLayerRequest& request) const;
  absl::StatusOr<v1::Layer> GetLayer(const v1::GetRequest& request) const;
  absl::StatusOr<v1::ListLayersResponse> ListLayers(
      const v1::ListRequest& request = {}) const;
  absl::StatusOr<v1::DeleteResponse> DeleteLayer(
      const v1::DeleteRequest& request) const;

  absl::StatusOr<v1::Holdout> CreateHoldout(
      const v1::CreateHoldoutRequest& request) const;
  absl::StatusOr<v1::Holdout> UpdateHoldout(
      const v1::UpdateHoldoutRequest& request) const;
  absl::StatusOr<v1::Holdout> GetHoldout(const v1::GetRequest& request) const;
  absl::StatusOr<v1::ListHoldoutsResponse> ListHoldouts(
      const v1::ListRequest& request = {}) const;
  absl::StatusOr<v1::DeleteResponse> DeleteHoldout(
      const v1::DeleteRequest& request) const;

  absl::StatusOr<v1::Slot> CreateSlot(
      const v1::CreateSlotRequest& request) const;
  absl::StatusOr<v1::Slot> UpdateSlot(
      const v1::UpdateSlotRequest& request) const;
  absl::StatusOr<v1::Slot> GetSlot(const v1::GetRequest& request) const;
  absl::StatusOr<v1::ListSlotsResponse> ListSlots(
      const v1::ListRequest& request = {}) const;
  absl::StatusOr<v1::DeleteResponse> DeleteSlot(
      const v1::DeleteRequest& request) const;

  // ---- ExperimentService: lifecycle, apply, audit (editor; Validate and
  // ListChanges: reader) -----------------------------------------------------
  absl::StatusOr<v1::Experiment> StartExperiment(
      const v1::StartExperimentRequest& request) const;
  absl::StatusOr<v1::Experiment> PauseExperiment(
      const v1::LifecycleRequest& request) const;
  absl::StatusOr<v1::Experiment> StopExperiment(
      const v1::LifecycleRequest& request) const;
  absl::StatusOr<v1::Experiment> LaunchExperiment(
      const v1::LaunchExperimentRequest& request) const;
  absl::StatusOr<v1::ApplyResponse> Apply(
      const v1::ApplyRequest& request) const;
  absl::StatusOr<v1::ValidateResponse> Validate(
      const v1::ValidateRequest& request) const;
  absl::StatusOr<v1::ListChangesResponse> ListChanges(
      const v1::ListChangesRequest& request) const;

  // ---- ExperimentService: API keys (admin) ---------------------------------
  absl::StatusOr<v1::CreateApiKeyResponse> CreateApiKey(
      const v1::CreateApiKeyRequest& request) const;
  absl::StatusOr<v1::ListApiKeysResponse> ListApiKeys(
      const v1::ListApiKeysRequest& request = {}) const;
  absl::StatusOr<v1::ApiKey> RevokeApiKey(
      const v1::RevokeApiKeyRequest& request) const;
  absl::StatusOr<v1::CreateApiKeyResponse> RotateApiKey(
      const v1::RotateApiKeyRequest& request) const;

  // ---- AssignmentService (sdk) ----------------------------------------------
  absl::StatusOr<v1::AssignResponse> Assign(
      const v1::AssignRequest& request) const;
  absl::StatusOr<v1::AssignBatchResponse> AssignBatch(
      const v1::AssignBatchRequest& request) const;

  // ---- PersonalizationService (sdk) -----------------------------------------
  // The content of the requested slots (every slot when none) for one unit;
  // INVALID_ARGUMENT naming an unknown slot ("slots[1]: unknown slot 'x'").
  absl::StatusOr<v1::GetContentResponse> GetContent(
      const v1::GetContentRequest& request) const;
  // The weights a bandit experiment learned, per persona, with history.
  absl::StatusOr<v1::BanditState> GetBanditState(
      const v1::GetBanditStateRequest& request) const;

  // ---- EventService (sdk for Track*, reader for GetStats and Verify) -------
  // Stores one batch of 1 to 10,000 events; rejected events come back in
  // TrackResponse.errors (index within `request`), not as a call error.
  absl::StatusOr<v1::TrackResponse> Track(
      const v1::TrackRequest& request) const;
  // Sends `batches` over one TrackStream call (a client stream) and returns
  // the server's single summary; error indexes count across all batches.
  // Every batch must hold 1 to 10,000 events.
  absl::StatusOr<v1::TrackResponse> TrackStream(
      const std::vector<v1::TrackRequest>& batches) const;
  // Records exposures decided by the client (local evaluation).
  absl::StatusOr<v1::TrackExposuresResponse> TrackExposures(
      const v1::TrackExposuresRequest& request) const;
  // The raw per-variant sufficient statistics of one experiment.
  absl::StatusOr<v1::GetStatsResponse> GetStats(
      const v1::GetStatsRequest& request) const;
  // Recomputes the aggregates from the raw log and lists differences.
  absl::StatusOr<v1::VerifyResponse> Verify(
      const v1::VerifyRequest& request = {}) const;
  // Rebuilds an experiment's aggregates from the raw log (editor). Calls
  // `on_progress` (when set) for every progress message the server streams;
  // returns the last one (done set). UNAVAILABLE if the stream ends before
  // the server says it is done.
  absl::StatusOr<v1::RecomputeProgress> Recompute(
      const v1::RecomputeRequest& request,
      const std::function<void(const v1::RecomputeProgress&)>& on_progress =
          nullptr) const;

  // ---- ReportService (reader) ----------------------------------------------
  // The significance report of one experiment (GetReportRequest has the
  // options: method, alpha, CUPED, correction, days, segment, by_segment).
  // INVALID_ARGUMENT for bad options, NOT_FOUND for an unknown experiment.
  absl::StatusOr<v1::Report> GetReport(
      const v1::GetReportRequest& request) const;
  // The cumulative daily effect of one metric (the primary one when
  // request.metric_key is empty), one point per (day, treatment).
  absl::StatusOr<v1::GetTimeSeriesResponse> GetTimeSeries(
      const v1::GetTimeSeriesRequest& request) const;

  // ---- AdminService (admin) -------------------------------------------------
  // A consistent online backup of the whole database into request.dir, a
  // directory on the server's machine (see admin.proto). Give the client a
  // timeout long enough to copy the database when request.dir is on another
  // filesystem than the server's data dir.
  absl::StatusOr<v1::BackupResponse> Backup(
      const v1::BackupRequest& request) const;

  // ---- grpc.health.v1 (no key needed) --------------------------------------
  absl::StatusOr<grpc::health::v1::HealthCheckResponse> Health(
      const grpc::health::v1::HealthCheckRequest& request = {}) const;

 private:
  Client(std::string server, std::string key, absl::Duration timeout,
         std::shared_ptr<grpc::Channel> channel);

  // Runs one unary call of `stub` with a prepared context.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(
      Stub& stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      const Request& request) const;

  std::string server_;
  std::string authorization_;  // "Bearer <key>", or empty
  absl::Duration timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ExperimentService::Stub> experiments_;
  std::unique_ptr<v1::AssignmentService::Stub> assignment_;
  std::unique_ptr<v1::PersonalizationService::Stub> personalization_;
  std::unique_ptr<v1::EventService::Stub> events_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

}  // namespace cxlab::client

#endif  // CXLAB_CLIENTS_CPP_CLIENT_CLIENT_H_
