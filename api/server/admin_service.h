// Copyright 2026 The cxlab Authors.
//
// AdminServiceImpl: operations on the daemon's database as a whole, for the
// admin role (api/proto/cxlab/v1/admin.proto). Backup flushes the exposures
// Assign queued (storage::Tracker::Flush) and takes a storage::CreateBackup
// of the database; the work itself lives in storage/backup.h.
//
// Why a service of its own rather than ExperimentService: a backup covers
// everything cxlabd stores (events, exposures, aggregates as well as the
// config), is not a definition change (nothing is audited or versioned) and
// needs admin, like the operations that will join it.
//
// Thread-safety: safe for concurrent calls (sync gRPC API). Backups run
// concurrently with all other traffic; two backups at once are serialised.

#ifndef CXLAB_API_SERVER_ADMIN_SERVICE_H_
#define CXLAB_API_SERVER_ADMIN_SERVICE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "api/server/auth.h"
#include "cxlab/v1/admin.grpc.pb.h"
#include "storage/database.h"
#include "storage/tracker.h"

namespace cxlab::api {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  // Borrows all three; they must outlive the service.
  AdminServiceImpl(const KeyRegistry& keys, storage::Database& database,
                   storage::Tracker& tracker)
      : keys_(keys), database_(database), tracker_(tracker) {}

  // Backup for every front end; `authorization` is the caller's "Bearer
  // <key>". Errors: UNAUTHENTICATED / PERMISSION_DENIED (role admin);
  // those of storage::CreateBackup, except that a file-system permission
  // error is FAILED_PRECONDITION (PERMISSION_DENIED means the key's role).
  absl::Status HandleBackup(absl::string_view authorization,
                            const v1::BackupRequest& request,
                            v1::BackupResponse* response);

  grpc::Status Backup(grpc::ServerContext* context,
                      const v1::BackupRequest* request,
                      v1::BackupResponse* response) override;

 private:
  const KeyRegistry& keys_;
  storage::Database& database_;
  storage::Tracker& tracker_;
  // One backup at a time (each flushes every memtable).
  absl::Mutex backup_mu_;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_ADMIN_SERVICE_H_
