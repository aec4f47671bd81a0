// Copyright 2026 The cxlab Authors.
//
// Storage-internal: the one conversion from rocksdb::Status to absl::Status.
// Included only by storage/*.cc; public headers never include RocksDB.
//
//   RETURN_IF_ERROR(FromRocksDbStatus(db->Write(options, &batch), "commit"));

#ifndef CXLAB_STORAGE_INTERNAL_ROCKSDB_STATUS_H_
#define CXLAB_STORAGE_INTERNAL_ROCKSDB_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace cxlab::storage::internal {

// Returns OK for an OK `status`; otherwise an error whose message is
// "<context>: <RocksDB's message>" (just RocksDB's message when `context` is
// empty) and whose code is:
//   NotFound, PathNotFound        -> NOT_FOUND
//   Corruption                    -> DATA_LOSS
//   NotSupported                  -> UNIMPLEMENTED
//   InvalidArgument               -> INVALID_ARGUMENT
//   IOError with NoSpace/SpaceLimit, MemoryLimit -> RESOURCE_EXHAUSTED
//   Busy, TryAgain, ShutdownInProgress          -> UNAVAILABLE
//   TimedOut                      -> DEADLINE_EXCEEDED
//   Aborted                       -> ABORTED
//   ColumnFamilyDropped           -> FAILED_PRECONDITION
//   anything else (IOError, Incomplete, MergeInProgress, ...) -> INTERNAL
absl::Status FromRocksDbStatus(const rocksdb::Status& status,
                               absl::string_view context = {});

}  // namespace cxlab::storage::internal

#endif  // CXLAB_STORAGE_INTERNAL_ROCKSDB_STATUS_H_
