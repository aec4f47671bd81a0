// Copyright 2026 The cxlab Authors.
//
// Database: cxlab's one RocksDB database, opened with every column family of
// storage/keys.h. It owns the RocksDB instance; stores such as ConfigStore
// borrow it. RocksDB types stay behind an opaque internal struct, so this
// header (and everything above storage/) never sees RocksDB.
//
//   absl::StatusOr<std::unique_ptr<Database>> db =
//   Database::Open("/var/cxlab"); if (!db.ok()) return db.status();
//   ...
//   RETURN_IF_ERROR((*db)->Close());  // optional: the destructor closes too

#ifndef CXLAB_STORAGE_DATABASE_H_
#define CXLAB_STORAGE_DATABASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace cxlab::storage {

namespace internal {
// The RocksDB instance and its column family handles; defined in
// storage/internal/db_handles.h, which only storage/*.cc files include.
struct DbHandles;
}  // namespace internal

// How Database::Open treats the directory.
struct DatabaseOptions {
  // Create the directory (with parents) and an empty database if there is
  // none. When false, opening a directory without a database is NOT_FOUND.
  bool create_if_missing = true;
  // Fail with ALREADY_EXISTS if the directory already holds a database.
  bool error_if_exists = false;
  // Open an existing database without writing to its directory (RocksDB's
  // read-only mode: the write-ahead log is replayed into memory only, and
  // Close() flushes nothing). Writes then fail; create_if_missing is
  // ignored (a directory without a database is NOT_FOUND), and every cxlab
  // column family must already exist (else INTERNAL). Several read-only
  // Databases may open one directory; used to inspect backups.
  bool read_only = false;
  // RocksDB's memory for this database, in bytes: one LRU block cache of
  // this capacity holds data blocks, index and filter blocks, and is also
  // charged for the memtables, which a shared write-buffer manager caps at
  // half of it across all column families (flushing the largest when they
  // reach it). So RocksDB's memory stays near this figure however long the
  // daemon runs and however many column families see writes. Must be at
  // least 8 MiB (else Open is INVALID_ARGUMENT).
  size_t memory_budget_bytes = 128 << 20;
};

// RocksDB's own size figures of one column family, in bytes (for
// monitoring; estimates where RocksDB says so).
struct ColumnFamilySizes {
  std::string name;  // e.g. "exposures"; "default" included
  // All SST files of the column family, including obsolete ones not yet
  // deleted ("rocksdb.total-sst-files-size").
  uint64_t sst_bytes = 0;
  // The SST files of the current version only
  // ("rocksdb.live-sst-files-size").
  uint64_t live_sst_bytes = 0;
  // Estimated bytes compaction must rewrite to bring every level under its
  // target ("rocksdb.estimate-pending-compaction-bytes").
  uint64_t pending_compaction_bytes = 0;
  // Active and unflushed immutable memtables
  // ("rocksdb.cur-size-all-mem-tables").
  uint64_t memtable_bytes = 0;
};

// Database::Sizes(): every column family, and their sum.
struct DatabaseSizes {
  // Sorted by name.
  std::vector<ColumnFamilySizes> column_families;
  // The sum over column_families (its name is empty).
  ColumnFamilySizes total;
};

// An open RocksDB database with all cxlab column families (keys.h).
//
// Thread-safe: every method may be called concurrently from any thread.
// Close() waits for operations already running through WithHandles() and
// makes later ones fail with FAILED_PRECONDITION. Only one Database (in any
// process) can have a directory open at a time.
class Database {
 public:
  using Options = DatabaseOptions;

  // Opens the database in `dir`, creating the directory, the database and any
  // missing column families as `options` allow. An existing database is
  // reopened with all its column families, including ones this version of
  // cxlab does not know. Errors: INVALID_ARGUMENT for an empty `dir`;
  // NOT_FOUND if there is no database and !create_if_missing; ALREADY_EXISTS
  // if there is one and error_if_exists; the errno-derived code if the
  // directory cannot be created; otherwise RocksDB's error (e.g. INTERNAL when
  // another Database holds the directory's lock, DATA_LOSS on corruption).
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& dir,
                                                        const Options& options);
  // Open(dir, Options()).
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& dir);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Closes the database (see Close()), dropping any error; call Close() first
  // to see it. Committed writes are durable either way: they are in the
  // synced write-ahead log.
  ~Database();

  // Flushes every column family's memtable to disk and closes the database.
  // Returns the first error met, but always releases the database (and its
  // directory lock). Idempotent: closing a closed database returns OK.
  // Must not be called from inside a WithHandles() callback (deadlock).
  absl::Status Close();

  // True once Close() has run.
  bool closed() const;

  // The directory this database lives in.
  const std::string& dir() const { return dir_; }

  // RocksDB's size figures of every open column family and their sum, read
  // from RocksDB's in-memory properties (no I/O; cheap enough for every
  // metrics scrape). Errors: FAILED_PRECONDITION if the database is closed;
  // INTERNAL if RocksDB does not answer one of the properties.
  absl::StatusOr<DatabaseSizes> Sizes() const;

  // Column families recorded in the database's on-disk manifest, sorted
  // (includes "default"). Test-only.
  absl::StatusOr<std::vector<std::string>> ColumnFamilyNamesForTest() const;

  // Storage-internal (the type is only complete in storage/*.cc): calls
  // `fn(const internal::DbHandles&)` while holding a shared lock that keeps
  // the database open, and returns what it returns (an absl::Status).
  // FAILED_PRECONDITION if the database is closed. `fn` must not call
  // Close() and must not keep the handles after it returns.
  template <typename Fn>
  absl::Status WithHandles(Fn&& fn) const {
    absl::ReaderMutexLock lock(&mu_);
    if (handles_ == nullptr) return ClosedError();
    return std::forward<Fn>(fn)(*handles_);
  }

 private:
  Database(std::string dir, std::unique_ptr<internal::DbHandles> handles);

  absl::Status ClosedError() const;

  // Constant after construction.
  const std::string dir_;

  // Shared by operations in flight, exclusive for Close().
  mutable absl::Mutex mu_;
  // Null once closed.
  std::unique_ptr<internal::DbHandles> handles_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxlab::storage

#endif  // CXLAB_STORAGE_DATABASE_H_
