// Copyright 2026 The cxlab Authors.

#include "storage/internal/rocksdb_status.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace cxlab::storage::internal {
namespace {

absl::StatusCode CodeOf(const rocksdb::Status& status) {
  if (status.IsPathNotFound()) return absl::StatusCode::kNotFound;
  if (status.IsNoSpace() || status.IsMemoryLimit() ||
      status.subcode() == rocksdb::Status::kSpaceLimit) {
    return absl::StatusCode::kResourceExhausted;
  }
  switch (status.code()) {
    case rocksdb::Status::kOk:
      return absl::StatusCode::kOk;
    case rocksdb::Status::kNotFound:
      return absl::StatusCode::kNotFound;
    case rocksdb::Status::kCorruption:
      return absl::StatusCode::kDataLoss;
    case rocksdb::Status::kNotSupported:
      return absl::StatusCode::kUnimplemented;
    case rocksdb::Status::kInvalidArgument:
      return absl::StatusCode::kInvalidArgument;
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kShutdownInProgress:
      return absl::StatusCode::kUnavailable;
    case rocksdb::Status::kTimedOut:
      return absl::StatusCode::kDeadlineExceeded;
    case rocksdb::Status::kAborted:
      return absl::StatusCode::kAborted;
    case rocksdb::Status::kColumnFamilyDropped:
      return absl::StatusCode::kFailedPrecondition;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status FromRocksDbStatus(const rocksdb::Status& status,
                               absl::string_view context) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = status.ToString();
  return absl::Status(
      CodeOf(status),
      context.empty() ? message : absl::StrCat(context, ": ", message));
}

}  // namespace cxlab::storage::internal
