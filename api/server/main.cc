// Copyright 2026 The cxlab Authors.
//
// cxlabd: flags and wiring only.
//
//   cxlabd --data_dir DIR [--grpc_port N] [--bind ADDR]
//   cxlabd --data_dir NEW --restore_from BACKUP [--restore_only]
//
// Prints "listening on ADDR:PORT" once serving (port 0 picks a free port).
// On a new data dir the first admin key comes from CXLAB_ADMIN_KEY or is
// generated, written to DATA_DIR/admin.key (mode 0600) and printed once.
// SIGINT/SIGTERM shut down gracefully: in-flight calls finish and the
// database closes cleanly.

#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "api/server/memory_trimmer.h"
#include "api/server/server.h"
#include "storage/backup.h"

ABSL_FLAG(std::string, data_dir, "", "directory of the RocksDB database");
ABSL_FLAG(int, grpc_port, 7070, "gRPC port; 0 picks a free one");
ABSL_FLAG(std::string, bind, "127.0.0.1", "address to listen on");
ABSL_FLAG(bool, sync_events, false,
          "fsync every events/exposures batch (the WAL is always on: "
          "acknowledged events survive a process kill either way)");
ABSL_FLAG(int, http_port, 7080,
          "HTTP/JSON gateway port (OFREP, /metrics, /ui); 0 picks a free "
          "one, -1 serves no HTTP");
ABSL_FLAG(int, http_threads, 4, "HTTP I/O threads");
ABSL_FLAG(int64_t, http_max_body_bytes, 4 << 20,
          "largest HTTP request body; larger ones get 413");
ABSL_FLAG(std::vector<std::string>, http_cors_origins, {},
          "comma-separated origins allowed to call the HTTP API from a "
          "browser (e.g. https://shop.example); * allows any");
ABSL_FLAG(std::string, rate_limit_sdk, "0",
          "per-key rate limit of sdk keys: RATE[:BURST] calls/s; 0 = none");
ABSL_FLAG(std::string, rate_limit_reader, "0",
          "per-key rate limit of reader keys (RATE[:BURST]; 0 = none)");
ABSL_FLAG(std::string, rate_limit_editor, "0",
          "per-key rate limit of editor keys (RATE[:BURST]; 0 = none)");
ABSL_FLAG(std::string, rate_limit_admin, "0",
          "per-key rate limit of admin keys (RATE[:BURST]; 0 = none)");
ABSL_FLAG(int, rocksdb_memory_mb, 128,
          "RocksDB's memory in MiB: block cache with index and filter "
          "blocks, and the memtables (capped at half of it)");
ABSL_FLAG(int, malloc_trim_seconds, 30,
          "every so many seconds, return memory the process freed to the "
          "system (glibc malloc_trim); 0 = never");
ABSL_FLAG(int, http_max_inflight, 256,
          "HTTP requests handled at once; more get 429 (0 = no cap)");
ABSL_FLAG(int, http_max_connections, 1024,
          "open HTTP connections; more are closed at once (0 = no cap)");
ABSL_FLAG(int, grpc_max_threads, 64,
          "threads running synchronous gRPC handlers; calls beyond get "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(int, grpc_max_message_bytes, 64 << 20,
          "largest gRPC message received or sent");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve gRPC and HTTP over TLS (with "
          "--tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA: require client certificates it signed (mutual TLS)");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "on SIGINT/SIGTERM, how long in-flight calls may take to finish");
ABSL_FLAG(std::string, restore_from, "",
          "restore the backup in this directory (cxlab backup) into "
          "--data_dir, which must not exist or be empty, then serve it");
ABSL_FLAG(bool, restore_only, false,
          "with --restore_from: exit after the restore instead of serving");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "cxlabd --data_dir DIR [--grpc_port N] [--http_port N] [--bind ADDR]\n"
      "The cxlab experimentation and personalization daemon.");
  absl::ParseCommandLine(argc, argv);
  // Debian's Abseil checks every lock acquisition for potential deadlocks
  // (a debug feature that costs CPU on the ingest path); the lock order of
  // the daemon is fixed and covered by the tests.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the shutdown signals in every thread; main waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  cxlab::api::ServerOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.grpc_port = absl::GetFlag(FLAGS_grpc_port);
  options.bind = absl::GetFlag(FLAGS_bind);
  options.sync_events = absl::GetFlag(FLAGS_sync_events);
  options.rocksdb_memory_mb = absl::GetFlag(FLAGS_rocksdb_memory_mb);
  if (absl::GetFlag(FLAGS_malloc_trim_seconds) < 0) {
    std::cerr << "cxlabd: malloc_trim_seconds: must be >= 0 (0 = never)\n";
    return 2;
  }
  options.http_port = absl::GetFlag(FLAGS_http_port);
  options.http_threads = absl::GetFlag(FLAGS_http_threads);
  options.http_max_body_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_http_max_body_bytes));
  options.http_cors_origins = absl::GetFlag(FLAGS_http_cors_origins);
  options.http_max_inflight = absl::GetFlag(FLAGS_http_max_inflight);
  options.http_max_connections = absl::GetFlag(FLAGS_http_max_connections);
  options.grpc_max_threads = absl::GetFlag(FLAGS_grpc_max_threads);
  options.grpc_max_message_bytes = absl::GetFlag(FLAGS_grpc_max_message_bytes);
  const std::pair<cxlab::api::Role, std::string> role_limits[] = {
      {cxlab::api::Role::kSdk, absl::GetFlag(FLAGS_rate_limit_sdk)},
      {cxlab::api::Role::kReader, absl::GetFlag(FLAGS_rate_limit_reader)},
      {cxlab::api::Role::kEditor, absl::GetFlag(FLAGS_rate_limit_editor)},
      {cxlab::api::Role::kAdmin, absl::GetFlag(FLAGS_rate_limit_admin)}};
  for (const auto& [role, text] : role_limits) {
    const std::string flag =
        std::string("rate_limit_") + std::string(cxlab::api::RoleName(role));
    absl::StatusOr<cxlab::api::RateLimit> limit =
        cxlab::api::ParseRateLimit(flag, text);
    if (!limit.ok()) {
      std::cerr << "cxlabd: " << limit.status().message() << "\n";
      return 2;
    }
    options.rate_limits.per_role[static_cast<int>(role)] = *limit;
  }
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  if (const char* key = std::getenv("CXLAB_ADMIN_KEY")) options.admin_key = key;
  if (options.data_dir.empty()) {
    std::cerr << "cxlabd: --data_dir is required\n";
    return 2;
  }
  if (const std::string backup = absl::GetFlag(FLAGS_restore_from);
      !backup.empty()) {
    absl::StatusOr<cxlab::storage::BackupInfo> restored =
        cxlab::storage::RestoreBackup(backup, options.data_dir);
    if (!restored.ok()) {
      std::cerr << "cxlabd: restore: " << restored.status().message() << "\n";
      return 1;
    }
    std::cout << "restored backup " << restored->backup_id << " (config "
              << "version " << restored->config_version << ", sequence "
              << restored->sequence << ") into " << options.data_dir
              << std::endl;
  } else if (absl::GetFlag(FLAGS_restore_only)) {
    std::cerr << "cxlabd: --restore_only needs --restore_from\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_restore_only)) return 0;

  absl::StatusOr<std::unique_ptr<cxlab::api::CxlabServer>> server =
      cxlab::api::CxlabServer::Start(options);
  if (!server.ok()) {
    std::cerr << "cxlabd: " << server.status().message() << "\n";
    return 1;
  }
  if ((*server)->generated_admin_key().has_value()) {
    // Never the secret itself: stdout usually ends up in a log.
    std::cout << "admin key created: its secret is in " << options.data_dir
              << "/admin.key (mode 0600); read it from there" << std::endl;
  }
  if (!(*server)->tls() && !cxlab::api::IsLoopback(options.bind)) {
    std::cerr << "cxlabd: warning: serving plaintext on " << options.bind
              << ": API keys and customer data cross the network "
                 "unencrypted; give --tls_cert and --tls_key"
              << std::endl;
  }
  if ((*server)->tls()) {
    std::cout << "tls: certificate " << options.tls_cert_file
              << (options.tls_client_ca_file.empty()
                      ? ""
                      : "; client certificates required (mutual TLS)")
              << std::endl;
  }
  std::cout << "listening on " << (*server)->address() << std::endl;
  if ((*server)->http_port() != 0) {
    std::cout << "http listening on " << (*server)->http_address()
              << std::endl;
  }

  // Keeps RSS near live memory under steady traffic (memory_trimmer.h).
  const cxlab::api::MemoryTrimmer trimmer(
      absl::Seconds(absl::GetFlag(FLAGS_malloc_trim_seconds)));

  int received = 0;
  sigwait(&signals, &received);
  std::cout << "cxlabd: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
            << ", shutting down" << std::endl;
  (*server)->Shutdown(
      absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  std::cout << "cxlabd: stopped" << std::endl;
  return 0;
}
