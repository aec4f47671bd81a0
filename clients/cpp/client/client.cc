// Copyright 2026 The cxlab Authors.

#include "clients/cpp/client/client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cxlab::client {
namespace {

// Large AssignBatch answers (10,000 units with payloads) exceed gRPC's 4 MiB
// default.
constexpr int kMaxMessageBytes = 64 * 1024 * 1024;

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration timeout) {
  return std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout);
}

// gRPC metadata values must be printable ASCII; a secret with a space or a
// line break is a copy-paste mistake.
bool IsValidKey(const std::string& key) {
  return std::all_of(key.begin(), key.end(),
                     [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

Client::Client(std::string server, std::string key, absl::Duration timeout,
               std::shared_ptr<grpc::Channel> channel)
    : server_(std::move(server)),
      authorization_(key.empty() ? "" : absl::StrCat("Bearer ", key)),
      timeout_(timeout),
      channel_(std::move(channel)),
      experiments_(v1::ExperimentService::NewStub(channel_)),
      assignment_(v1::AssignmentService::NewStub(channel_)),
      personalization_(v1::PersonalizationService::NewStub(channel_)),
      events_(v1::EventService::NewStub(channel_)),
      reports_(v1::ReportService::NewStub(channel_)),
      admin_(v1::AdminService::NewStub(channel_)),
      health_(grpc::health::v1::Health::NewStub(channel_)) {}

namespace {

absl::StatusOr<std::string> ReadFile(absl::string_view flag,
                                     const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": cannot read '", path, "': ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const TlsFiles& tls) {
  if (tls.ca_file.empty()) {
    if (!tls.cert_file.empty() || !tls.key_file.empty()) {
      return absl::InvalidArgumentError(
          "tls_cert: a client certificate needs the server's CA (tls_ca)");
    }
    return grpc::InsecureChannelCredentials();
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "tls_cert, tls_key: give both files or neither");
  }
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca = ReadFile("tls_ca", tls.ca_file);
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *std::move(ca);
  if (!tls.cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadFile("tls_cert", tls.cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile("tls_key", tls.key_file);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(
    const std::string& server, const std::string& key, absl::Duration timeout) {
  return Connect(server, key, timeout, TlsFiles());
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(
    const std::string& server, const std::string& key, absl::Duration timeout,
    const TlsFiles& tls) {
  if (server.empty()) {
    return absl::InvalidArgumentError("server: must not be empty");
  }
  if (!IsValidKey(key)) {
    return absl::InvalidArgumentError(
        "key: must be printable ASCII without spaces");
  }
  if (timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("timeout: must be positive");
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      Credentials(tls);
  if (!credentials.ok()) return credentials.status();
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(server, *credentials, args);
  std::unique_ptr<Client> client(
      new Client(server, key, timeout, std::move(channel)));

  // One health check: without wait_for_ready it fails as soon as the
  // connection attempt fails (refused, unresolvable) and otherwise within
  // the connect deadline (a host that drops packets).
  grpc::ClientContext context;
  context.set_deadline(DeadlineAfter(std::min(timeout, kConnectTimeout)));
  context.set_wait_for_ready(false);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = client->health_->Check(&context, request, &response);
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reach ", server, ": ",
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
            ? absl::StrCat("no answer within ", absl::FormatDuration(std::min(
                                                    timeout, kConnectTimeout)))
            : status.error_message()));
  }
  // Any other answer (even UNIMPLEMENTED) means a server is there.
  return client;
}

void Client::PrepareContext(grpc::ClientContext* context) const {
  if (!authorization_.empty()) {
    context->AddMetadata("authorization", authorization_);
  }
  context->set_deadline(DeadlineAfter(timeout_));
}

template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> Client::Call(
    Stub& stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*),
    const Request& request) const {
  grpc::ClientContext context;
  PrepareContext(&context);
  Response response;
  grpc::Status status = (stub.*method)(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

// Each wrapper forwards to the stub method of the same name.
#define CXLAB_CLIENT_CALL(Stub, stub, Method, Request, Response)          \
  absl::StatusOr<Response> Client::Method(const Request& request) const { \
    return Call(*stub, &Stub::Method, request);                           \
  }
#define CXLAB_EXPERIMENT_CALL(Method, Request, Response)               \
  CXLAB_CLIENT_CALL(v1::ExperimentService::Stub, experiments_, Method, \
                    Request, Response)
#define CXLAB_DEFINITION_CALLS(Type, Plural)                               \
  CXLAB_EXPERIMENT_CALL(Create##Type, v1::Create##Type##Request, v1::Type) \
  CXLAB_EXPERIMENT_CALL(Update##Type, v1::Update##Type##Request, v1::Type) \
  CXLAB_EXPERIMENT_CALL(Get##Type, v1::GetRequest, v1::Type)               \
  CXLAB_EXPERIMENT_CALL(List##Plural, v1::ListRequest,                     \
                        v1::List##Plural##Response)                        \
  CXLAB_EXPERIMENT_CALL(Delete##Type, v1::DeleteRequest, v1::DeleteResponse)

CXLAB_DEFINITION_CALLS(Experiment, Experiments)
CXLAB_DEFINITION_CALLS(Segment, Segments)
CXLAB_DEFINITION_CALLS(Group, Groups)
CXLAB_DEFINITION_CALLS(Metric, Metrics)
CXLAB_DEFINITION_CALLS(Layer, Layers)
CXLAB_DEFINITION_CALLS(Holdout, Holdouts)
CXLAB_DEFINITION_CALLS(Slot, Slots)

CXLAB_EXPERIMENT_CALL(StartExperiment, v1::StartExperimentRequest,
                      v1::Experiment)
CXLAB_EXPERIMENT_CALL(PauseExperiment, v1::LifecycleRequest, v1::Experiment)
CXLAB_EXPERIMENT_CALL(StopExperiment, v1::LifecycleRequest, v1::Experiment)
CXLAB_EXPERIMENT_CALL(LaunchExperiment, v1::LaunchExperimentRequest,
                      v1::Experiment)
CXLAB_EXPERIMENT_CALL(Apply, v1::ApplyRequest, v1::ApplyResponse)
CXLAB_EXPERIMENT_CALL(Validate, v1::ValidateRequest, v1::ValidateResponse)
CXLAB_EXPERIMENT_CALL(ListChanges, v1::ListChangesRequest,
                      v1::ListChangesResponse)
CXLAB_EXPERIMENT_CALL(CreateApiKey, v1::CreateApiKeyRequest,
                      v1::CreateApiKeyResponse)
CXLAB_EXPERIMENT_CALL(ListApiKeys, v1::ListApiKeysRequest,
                      v1::ListApiKeysResponse)
CXLAB_EXPERIMENT_CALL(RevokeApiKey, v1::RevokeApiKeyRequest, v1::ApiKey)
CXLAB_EXPERIMENT_CALL(RotateApiKey, v1::RotateApiKeyRequest,
                      v1::CreateApiKeyResponse)

CXLAB_CLIENT_CALL(v1::AssignmentService::Stub, assignment_, Assign,
                  v1::AssignRequest, v1::AssignResponse)
CXLAB_CLIENT_CALL(v1::AssignmentService::Stub, assignment_, AssignBatch,
                  v1::AssignBatchRequest, v1::AssignBatchResponse)
CXLAB_CLIENT_CALL(v1::PersonalizationService::Stub, personalization_,
                  GetContent, v1::GetContentRequest, v1::GetContentResponse)
CXLAB_CLIENT_CALL(v1::PersonalizationService::Stub, personalization_,
                  GetBanditState, v1::GetBanditStateRequest, v1::BanditState)
CXLAB_CLIENT_CALL(v1::EventService::Stub, events_, Track, v1::TrackRequest,
                  v1::TrackResponse)
CXLAB_CLIENT_CALL(v1::EventService::Stub, events_, TrackExposures,
                  v1::TrackExposuresRequest, v1::TrackExposuresResponse)
CXLAB_CLIENT_CALL(v1::EventService::Stub, events_, GetStats,
                  v1::GetStatsRequest, v1::GetStatsResponse)
CXLAB_CLIENT_CALL(v1::EventService::Stub, events_, Verify, v1::VerifyRequest,
                  v1::VerifyResponse)
CXLAB_CLIENT_CALL(v1::ReportService::Stub, reports_, GetReport,
                  v1::GetReportRequest, v1::Report)
CXLAB_CLIENT_CALL(v1::ReportService::Stub, reports_, GetTimeSeries,
                  v1::GetTimeSeriesRequest, v1::GetTimeSeriesResponse)
CXLAB_CLIENT_CALL(v1::AdminService::Stub, admin_, Backup, v1::BackupRequest,
                  v1::BackupResponse)

#undef CXLAB_DEFINITION_CALLS
#undef CXLAB_EXPERIMENT_CALL
#undef CXLAB_CLIENT_CALL

absl::StatusOr<v1::TrackResponse> Client::TrackStream(
    const std::vector<v1::TrackRequest>& batches) const {
  grpc::ClientContext context;
  PrepareContext(&context);
  v1::TrackResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::TrackRequest>> writer =
      events_->TrackStream(&context, &response);
  for (const v1::TrackRequest& batch : batches) {
    // A failed write means the server ended the call; Finish() says why.
    if (!writer->Write(batch)) break;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::RecomputeProgress> Client::Recompute(
    const v1::RecomputeRequest& request,
    const std::function<void(const v1::RecomputeProgress&)>& on_progress)
    const {
  grpc::ClientContext context;
  PrepareContext(&context);
  std::unique_ptr<grpc::ClientReader<v1::RecomputeProgress>> reader =
      events_->Recompute(&context, request);
  v1::RecomputeProgress progress, last;
  while (reader->Read(&progress)) {
    if (on_progress) on_progress(progress);
    last = progress;
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  if (!last.done()) {
    return absl::UnavailableError(
        "Recompute: the server ended the stream before it was done");
  }
  return last;
}

absl::StatusOr<grpc::health::v1::HealthCheckResponse> Client::Health(
    const grpc::health::v1::HealthCheckRequest& request) const {
  return Call(*health_, &grpc::health::v1::Health::Stub::Check, request);
}

}  // namespace cxlab::client
