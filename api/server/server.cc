// Copyright 2026 The cxlab Authors.

#include "api/server/server.h"

#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "cxlab/v1/reports.grpc.pb.h"
#include "engine/status_macros.h"

namespace cxlab::api {
namespace {

// Writes `secret` to `path` readable by the owner only: a temporary file
// (mode 0600 from creation), fsynced, renamed over `path`, so a crash
// leaves the old secret or the new one, never a torn file.
absl::Status WriteSecretFile(const std::string& path,
                             const std::string& secret) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
  }
  std::string line = secret + "\n";
  ssize_t n = ::write(fd, line.data(), line.size());
  ::fchmod(fd, 0600);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size()) || !synced) {
    ::unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": short write"));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return absl::InternalError(
        absl::StrCat(path, ": cannot replace: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// The whole of `path`, for TLS material; errors name the flag.
absl::StatusOr<std::string> ReadPemFile(absl::string_view flag,
                                        const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": cannot read '", path, "': ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", path, "' holds no PEM block"));
  }
  return text.str();
}

// The TLS material of `options` (all empty without TLS).
absl::StatusOr<HttpTlsOptions> LoadTls(const ServerOptions& options) {
  HttpTlsOptions tls;
  const bool cert = !options.tls_cert_file.empty();
  const bool key = !options.tls_key_file.empty();
  if (cert != key) {
    return absl::InvalidArgumentError(
        "tls_cert, tls_key: give both files or neither");
  }
  if (!cert) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "tls_client_ca: needs tls_cert and tls_key (mutual TLS is TLS)");
    }
    return tls;
  }
  ASSIGN_OR_RETURN(tls.cert_chain_pem,
                   ReadPemFile("tls_cert", options.tls_cert_file));
  ASSIGN_OR_RETURN(tls.private_key_pem,
                   ReadPemFile("tls_key", options.tls_key_file));
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(tls.client_ca_pem,
                     ReadPemFile("tls_client_ca", options.tls_client_ca_file));
  }
  return tls;
}

std::shared_ptr<grpc::ServerCredentials> GrpcCredentials(
    const HttpTlsOptions& tls) {
  if (tls.cert_chain_pem.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl(
      tls.client_ca_pem.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = tls.client_ca_pem;
  ssl.pem_key_cert_pairs.push_back({tls.private_key_pem, tls.cert_chain_pem});
  return grpc::SslServerCredentials(ssl);
}

// Refuses an admin.key that other users can read or write: it holds a
// secret with every right.
absl::Status CheckAdminKeyFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return absl::OkStatus();  // none yet
  if ((st.st_mode & 0007) != 0) {
    return absl::PermissionDeniedError(absl::StrFormat(
        "admin.key: %s is readable or writable by every user (mode %04o); "
        "run chmod 600 %s (cxlabd will not serve with an exposed admin key)",
        path, st.st_mode & 07777, path));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsLoopback(const std::string& bind) {
  return bind == "localhost" || bind == "::1" || bind == "[::1]" ||
         absl::StartsWith(bind, "127.");
}

absl::StatusOr<std::unique_ptr<CxlabServer>> CxlabServer::Start(
    const ServerOptions& options) {
  if (options.data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir: is required");
  }
  if (options.grpc_port < 0 || options.grpc_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("grpc_port: must be in [0, 65535], got ",
                     options.grpc_port));
  }
  ASSIGN_OR_RETURN(HttpTlsOptions tls, LoadTls(options));
  std::unique_ptr<CxlabServer> s(new CxlabServer());
  s->options_ = options;
  if (options.rocksdb_memory_mb < 8) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rocksdb_memory_mb: must be at least 8, got ",
        options.rocksdb_memory_mb));
  }
  storage::DatabaseOptions db_options;
  db_options.memory_budget_bytes =
      static_cast<size_t>(options.rocksdb_memory_mb) << 20;
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Open(options.data_dir, db_options);
  if (!db.ok()) {
    return absl::Status(db.status().code(),
                        absl::StrCat("data_dir: ", db.status().message()));
  }
  s->database_ = *std::move(db);
  ASSIGN_OR_RETURN(s->config_, storage::ConfigManager::Open(*s->database_));
  RETURN_IF_ERROR(CheckAdminKeyFile(options.data_dir + "/admin.key"));
  ASSIGN_OR_RETURN(s->keys_, KeyRegistry::Open(*s->config_));
  s->limiter_ = std::make_unique<RateLimiter>(options.rate_limits);
  if (!s->limiter_->unlimited()) s->keys_->SetRateLimiter(s->limiter_.get());
  const std::string admin_key_path = options.data_dir + "/admin.key";
  ASSIGN_OR_RETURN(
      std::optional<std::string> generated,
      s->keys_->Bootstrap(options.admin_key, absl::Now(),
                          [&](const std::string& secret) {
                            return WriteSecretFile(admin_key_path, secret);
                          }));
  if (generated.has_value()) s->generated_admin_key_ = generated;

  storage::TrackerOptions tracker_options;
  tracker_options.sync = options.sync_events;
  ASSIGN_OR_RETURN(s->tracker_, storage::Tracker::Create(
                                    *s->database_, *s->config_, tracker_options));
  ASSIGN_OR_RETURN(s->bandits_,
                   BanditManager::Start(*s->config_, *s->tracker_,
                                        *s->database_, BanditOptions()));
  s->metrics_ = std::make_unique<ServerMetrics>();
  s->assignment_ = std::make_unique<AssignmentServiceImpl>(
      *s->config_, *s->keys_, s->tracker_.get(), s->bandits_.get(),
      s->metrics_.get());
  s->experiments_ =
      std::make_unique<ExperimentServiceImpl>(*s->config_, *s->keys_);
  if (s->generated_admin_key_.has_value() ||
      ::access((options.data_dir + "/admin.key").c_str(), F_OK) == 0) {
    const std::string path = options.data_dir + "/admin.key";
    s->experiments_->OnAdminKeyRotated(
        [path](const std::string& secret) { return WriteSecretFile(path, secret); });
  }
  s->personalization_ = std::make_unique<PersonalizationServiceImpl>(
      *s->config_, *s->keys_, s->tracker_.get(), s->bandits_.get(),
      s->metrics_.get());
  s->events_ = std::make_unique<EventServiceImpl>(
      *s->config_, *s->keys_, *s->tracker_, s->metrics_.get());
  s->reports_ =
      std::make_unique<ReportServiceImpl>(*s->config_, *s->keys_, *s->tracker_);
  s->admin_ = std::make_unique<AdminServiceImpl>(*s->keys_, *s->database_,
                                                 *s->tracker_);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::string address = absl::StrCat(
      options.bind.find(':') != std::string::npos ? "[" + options.bind + "]"
                                                  : options.bind,
      ":", options.grpc_port);
  builder.AddListeningPort(address, GrpcCredentials(tls), &s->port_);
  builder.RegisterService(s->assignment_.get());
  builder.RegisterService(s->experiments_.get());
  builder.RegisterService(s->personalization_.get());
  builder.RegisterService(s->events_.get());
  builder.RegisterService(s->reports_.get());
  builder.RegisterService(s->admin_.get());
  builder.SetMaxReceiveMessageSize(options.grpc_max_message_bytes);
  builder.SetMaxSendMessageSize(options.grpc_max_message_bytes);
  // Load shedding: a bounded pool of handler threads (calls beyond it get
  // RESOURCE_EXHAUSTED from gRPC instead of waiting in a queue) and of
  // streams per connection.
  grpc::ResourceQuota quota("cxlabd");
  quota.SetMaxThreads(std::max(4, options.grpc_max_threads));
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.grpc_max_concurrent_streams);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(MakeRpcInterceptorFactory(*s->metrics_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("bind: cannot listen on ", address));
  }

  if (options.http_port >= 0) {
    HttpGatewayServices services;
    services.assignment = s->assignment_.get();
    services.personalization = s->personalization_.get();
    services.events = s->events_.get();
    services.experiments = s->experiments_.get();
    services.reports = s->reports_.get();
    services.metrics = s->metrics_.get();
    CxlabServer* raw = s.get();
    services.render_metrics = [raw]() {
      ScrapeInputs inputs;
      if (raw->config_ != nullptr) {
        inputs.config_version = raw->config_->snapshot()->version();
      }
      inputs.database = raw->database_.get();
      inputs.tracker = raw->tracker_.get();
      return raw->metrics_->RenderText(inputs);
    };
    services.ready = [raw]() -> absl::Status {
      if (raw->shut_down_) return absl::UnavailableError("shutting down");
      if (raw->database_->closed()) {
        return absl::UnavailableError("database closed");
      }
      return absl::OkStatus();
    };
    HttpGatewayOptions gateway_options;
    gateway_options.cors_origins = options.http_cors_origins;
    gateway_options.max_inflight = options.http_max_inflight;
    s->gateway_ = std::make_unique<HttpGateway>(services, gateway_options);
    HttpServerOptions http_options;
    http_options.bind = options.bind;
    http_options.port = options.http_port;
    http_options.threads = options.http_threads;
    http_options.max_body_bytes = options.http_max_body_bytes;
    http_options.max_connections = options.http_max_connections;
    if (!tls.cert_chain_pem.empty()) http_options.tls = tls;
    const HttpGateway* gateway = s->gateway_.get();
    ASSIGN_OR_RETURN(s->http_,
                     HttpServer::Start(http_options,
                                       [gateway](const HttpRequest& request) {
                                         return gateway->Handle(request);
                                       }));
  }
  return s;
}

int CxlabServer::http_port() const {
  return http_ != nullptr ? http_->port() : 0;
}

std::string CxlabServer::http_address() const {
  return http_ != nullptr ? absl::StrCat(options_.bind, ":", http_->port())
                          : "";
}

std::string CxlabServer::address() const {
  return absl::StrCat(options_.bind, ":", port_);
}

void CxlabServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  // HTTP first: its handlers call the services.
  if (http_ != nullptr) http_.reset();
  // End watch streams first so they do not hold the shutdown.
  experiments_->Shutdown();
  config_->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(grace));
  server_->Wait();
  bandits_->Shutdown();
  tracker_->Shutdown();  // records the exposures still queued
  tracker_.reset();
  keys_.reset();
  config_.reset();
  (void)database_->Close();
}

void CxlabServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

CxlabServer::~CxlabServer() {
  if (server_ != nullptr) Shutdown(absl::Seconds(5));
}

}  // namespace cxlab::api
