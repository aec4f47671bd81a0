// Copyright 2026 The cxlab Authors.
//
// CxlabServer: one cxlabd — the RocksDB database, the config manager, the
// API keys, the gRPC services (AssignmentService, PersonalizationService,
// ExperimentService, EventService, ReportService, AdminService,
// grpc.health.v1, server reflection) and, when http_port is set, the HTTP/JSON gateway with OFREP,
// /metrics and the web reports — started and stopped as one unit. main.cc and the integration tests both use it.
//
//   ServerOptions options;
//   options.data_dir = "/var/lib/cxlab";
//   ASSIGN_OR_RETURN(auto server, CxlabServer::Start(options));
//   std::cout << "listening on " << server->address() << "\n";
//   ... server->Shutdown(absl::Seconds(10));
//
// Thread-safety: Start/Shutdown from one thread; the services are
// thread-safe.

#ifndef CXLAB_API_SERVER_SERVER_H_
#define CXLAB_API_SERVER_SERVER_H_

#include <grpcpp/server.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/server/admin_service.h"
#include "api/server/assignment_service.h"
#include "api/server/bandit_manager.h"
#include "api/server/auth.h"
#include "api/server/event_service.h"
#include "api/server/experiment_service.h"
#include "api/server/http_gateway.h"
#include "api/server/http_server.h"
#include "api/server/metrics.h"
#include "api/server/rate_limiter.h"
#include "api/server/personalization_service.h"
#include "api/server/report_service.h"
#include "storage/config_manager.h"
#include "storage/database.h"
#include "storage/tracker.h"

namespace cxlab::api {

struct ServerOptions {
  // Where RocksDB lives; created when missing.
  std::string data_dir;
  // Address to bind; 127.0.0.1 keeps the server local.
  std::string bind = "127.0.0.1";
  // 0 picks a free port (see CxlabServer::port()).
  int grpc_port = 0;
  // The first admin key on a new data dir (CXLAB_ADMIN_KEY); empty means
  // generate one and write it to DATA_DIR/admin.key (mode 0600).
  std::string admin_key;
  // fsync every event/exposure batch (the WAL is always on: acknowledged
  // events survive a process kill either way; sync adds machine crashes).
  bool sync_events = false;
  // RocksDB's memory (block cache, index and filter blocks, memtables; see
  // storage::DatabaseOptions::memory_budget_bytes), in MiB; at least 8.
  int rocksdb_memory_mb = 128;
  // The HTTP/JSON gateway (http_gateway.h) on `bind`: -1 serves no HTTP; 0
  // picks a free port (see CxlabServer::http_port()).
  int http_port = -1;
  // HTTP I/O threads (they also run the handlers).
  int http_threads = 4;
  // Largest accepted HTTP request body; larger ones are answered 413.
  size_t http_max_body_bytes = 4 << 20;
  // Origins allowed to call the HTTP API from a browser ("*": any).
  std::vector<std::string> http_cors_origins;
  // Overload protection. Per-key rate limits by role (rate_limiter.h; all
  // unlimited by default).
  RateLimits rate_limits;
  // HTTP requests handled at once (more get 429) and connections open at
  // once (more are closed); 0: no cap.
  int http_max_inflight = 256;
  int http_max_connections = 1024;
  // gRPC: threads running synchronous handlers (calls beyond them are
  // refused with RESOURCE_EXHAUSTED, not queued), concurrent streams per
  // connection, and the largest message accepted.
  int grpc_max_threads = 64;
  int grpc_max_concurrent_streams = 256;
  int grpc_max_message_bytes = 64 << 20;
  // TLS for both ports: PEM files of the server's certificate chain and its
  // private key (both or neither). Unset: plaintext.
  std::string tls_cert_file;
  std::string tls_key_file;
  // With TLS: a PEM CA file; clients must present a certificate it signed
  // (mutual TLS) on both ports.
  std::string tls_client_ca_file;
};

// True when `bind` only accepts local connections (127.0.0.0/8, ::1,
// localhost), where plaintext is acceptable.
bool IsLoopback(const std::string& bind);

class CxlabServer {
 public:
  // Opens the data dir, loads the config, bootstraps the admin key and
  // starts serving. Errors name what failed ("data_dir: ...", "bind: ...").
  static absl::StatusOr<std::unique_ptr<CxlabServer>> Start(
      const ServerOptions& options);

  // Shuts down (if not yet) and closes the database.
  ~CxlabServer();

  // The port actually bound, and "ADDR:PORT".
  int port() const { return port_; }
  std::string address() const;

  // True when both ports serve TLS.
  bool tls() const { return !options_.tls_cert_file.empty(); }

  // The HTTP port bound and "ADDR:PORT"; 0 and "" without HTTP.
  int http_port() const;
  std::string http_address() const;

  // The admin key generated at this start, if one was (printed once).
  const std::optional<std::string>& generated_admin_key() const {
    return generated_admin_key_;
  }

  // Graceful shutdown: stops accepting calls, ends watch streams, lets
  // in-flight calls finish (cancelling them after `grace`), then closes the
  // database cleanly. Idempotent.
  void Shutdown(absl::Duration grace = absl::Seconds(10));

  // Blocks until the server has shut down.
  void Wait();

  storage::ConfigManager& config() { return *config_; }
  storage::Tracker& tracker() { return *tracker_; }

 private:
  CxlabServer() = default;

  ServerOptions options_;
  int port_ = 0;
  std::optional<std::string> generated_admin_key_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<storage::ConfigManager> config_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<KeyRegistry> keys_;
  std::unique_ptr<storage::Tracker> tracker_;
  // Before the services and the servers, which use it until they stop.
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<BanditManager> bandits_;
  std::unique_ptr<AssignmentServiceImpl> assignment_;
  std::unique_ptr<ExperimentServiceImpl> experiments_;
  std::unique_ptr<PersonalizationServiceImpl> personalization_;
  std::unique_ptr<EventServiceImpl> events_;
  std::unique_ptr<ReportServiceImpl> reports_;
  std::unique_ptr<AdminServiceImpl> admin_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HttpGateway> gateway_;
  std::unique_ptr<HttpServer> http_;
  bool shut_down_ = false;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_SERVER_H_
