// Copyright 2026 The cxlab Authors.

#include "api/server/admin_service.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/convert/value_convert.h"
#include "api/server/grpc_status.h"
#include "api/server/request_context.h"
#include "engine/status_macros.h"
#include "storage/backup.h"

namespace cxlab::api {

absl::Status AdminServiceImpl::HandleBackup(absl::string_view authorization,
                                            const v1::BackupRequest& request,
                                            v1::BackupResponse* response) {
  ASSIGN_OR_RETURN(Principal who, keys_.Authenticate(authorization));
  RETURN_IF_ERROR(Authorize(who, Role::kAdmin, "Backup"));
  if (request.dir().empty()) {
    return absl::InvalidArgumentError("dir: must not be empty");
  }
  absl::MutexLock lock(&backup_mu_);
  const absl::Time start = absl::Now();
  // Exposures queued by Assign before this call are recorded first, so the
  // backup holds every exposure of an Assign that returned before it.
  tracker_.Flush();
  absl::StatusOr<storage::BackupInfo> info =
      storage::CreateBackup(database_, request.dir(), start);
  if (!info.ok()) {
    if (info.status().code() == absl::StatusCode::kPermissionDenied) {
      return absl::FailedPreconditionError(
          absl::StrCat("dir: ", info.status().message()));
    }
    return info.status();
  }
  response->set_backup_id(info->backup_id);
  response->set_dir(info->dir);
  ToProtoTimestamp(info->time, response->mutable_time());
  response->set_sequence(info->sequence);
  response->set_config_version(info->config_version);
  response->set_files(info->files);
  response->set_size_bytes(info->size_bytes);
  const absl::Duration took = absl::Now() - start;
  const int64_t nanos = absl::ToInt64Nanoseconds(took);
  response->mutable_duration()->set_seconds(nanos / 1000000000);
  response->mutable_duration()->set_nanos(
      static_cast<int32_t>(nanos % 1000000000));
  return absl::OkStatus();
}

grpc::Status AdminServiceImpl::Backup(grpc::ServerContext* context,
                                      const v1::BackupRequest* request,
                                      v1::BackupResponse* response) {
  return ToGrpcStatus(
      HandleBackup(AuthorizationHeader(*context), *request, response));
}

}  // namespace cxlab::api
