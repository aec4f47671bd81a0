// Copyright 2026 The cxlab Authors.
//
// Online backups of a cxlab database, and their restore into a new data dir.
//
// A backup is a directory holding a RocksDB checkpoint of the whole
// database — every column family (config, audit, exposures, events, dedup,
// unit_metrics, aggregates, assignments, bandits) as of ONE sequence number
// — and a manifest, CXLAB_BACKUP, written last: a directory without it is
// not a backup (an interrupted one leaves only a "DIR.partial-*" directory
// next to DIR, never a half-written DIR).
//
// Consistency. A RocksDB WriteBatch is applied at one sequence number, and
// the checkpoint holds exactly the batches up to its sequence number S (a
// prefix of the write-ahead log). Every cxlab write that must be atomic is
// one batch: a config commit with its audit records and the version, a Track
// call (raw events, dedup keys, unit states and aggregate deltas), an
// exposure batch with its metric initialisation. So in a backup:
//   - every write that completed before CreateBackup was called is present
//     (S is at least the sequence number published when it starts);
//   - no write that started after CreateBackup returned is present;
//   - a write concurrent with the backup is present entirely or not at all;
//   - hence the aggregates equal a recompute from the raw log, and the config
//     version equals the last audit record, exactly as in the live database.
// What is not in RocksDB is not in the backup: exposures still queued in a
// Tracker (call Tracker::Flush() first, as cxlabd's Backup RPC does) and the
// data dir's admin.key file (the keys themselves are stored, hashed).
//
// Speed. The memtables are flushed, then the SST files are hard-linked when
// DIR is on the database's filesystem (copied otherwise) and the small
// MANIFEST, OPTIONS and write-ahead log files are copied; writers are not
// blocked. SST files are immutable, so a hard-linked backup is as safe as a
// copy against anything but the loss of the disk itself: copy DIR elsewhere
// (it is a closed set of files) for that.
//
//   ASSIGN_OR_RETURN(BackupInfo info,
//                    CreateBackup(database, "/backups/cxlab-1", absl::Now()));
//   ...  // later, with no daemon on the new data dir:
//   ASSIGN_OR_RETURN(BackupInfo restored,
//                    RestoreBackup("/backups/cxlab-1", "/var/lib/cxlab-new"));
//
// Thread-safety: the functions may be called concurrently with each other
// and with any use of the Database; concurrent backups must name different
// directories (the second one to finish in the same DIR fails).

#ifndef CXLAB_STORAGE_BACKUP_H_
#define CXLAB_STORAGE_BACKUP_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/database.h"

namespace cxlab::storage {

// The manifest file of a backup directory.
inline constexpr char kBackupManifestFile[] = "CXLAB_BACKUP";

// What a backup holds, as recorded in its manifest.
struct BackupInfo {
  // "<UTC time>-<sequence>", e.g. "20260514T101502Z-48213": names the backup
  // in logs; unique for one database.
  std::string backup_id;
  // The backup directory (absolute).
  std::string dir;
  // When the backup was taken (the `now` given to CreateBackup).
  absl::Time time;
  // The RocksDB sequence number the backup is consistent at: it holds every
  // write batch whose operations are numbered up to it and none after
  // (RocksDB numbers each operation of a batch, so it grows by more than one
  // per batch).
  uint64_t sequence = 0;
  // The config version stored in the backup (= its newest audit record).
  int64_t config_version = 0;
  // The database files of the backup (the manifest excluded) and the sum of
  // their sizes. Hard-linked files count in full although they share their
  // disk blocks with the live database.
  int64_t files = 0;
  int64_t size_bytes = 0;
};

// Takes a consistent online backup of `database` (see the file comment) into
// the directory `dir`, which must not exist or be empty; its parent is
// created if missing. Writers may keep writing; they are not blocked.
// Returns the manifest's contents. Errors:
//   INVALID_ARGUMENT     `dir` is empty, relative, the database directory or
//                        inside it;
//   ALREADY_EXISTS       `dir` exists and is not an empty directory;
//   FAILED_PRECONDITION  the database is closed or opened read-only;
//   others               from the file system (errno-derived, e.g.
//                        PERMISSION_DENIED) or RocksDB; nothing is left in
//                        `dir` then.
absl::StatusOr<BackupInfo> CreateBackup(Database& database,
                                        const std::string& dir, absl::Time now);

// Reads the manifest of the backup in `dir`. Errors: NOT_FOUND when `dir`
// holds no CXLAB_BACKUP file (not a backup, or an interrupted one);
// DATA_LOSS when the manifest cannot be parsed; errno-derived codes when it
// cannot be read.
absl::StatusOr<BackupInfo> ReadBackupInfo(const std::string& dir);

// Restores the backup in `backup_dir` into `data_dir`, which must not exist
// or be an empty directory (its parent is created if missing), without
// changing the backup. The files are copied into a staging directory next to
// `data_dir`, checked (each file's size against the manifest, then the
// restored database is opened: RocksDB's block checksums of every file, the
// sequence number, and the config version against the audit log and the
// manifest) and only then renamed to `data_dir`, so a failed or interrupted
// restore leaves `data_dir` as it was. Returns the backup's manifest.
// Errors:
//   INVALID_ARGUMENT     an empty path, or `data_dir` inside `backup_dir`;
//   NOT_FOUND            `backup_dir` is not a backup (ReadBackupInfo);
//   FAILED_PRECONDITION  `data_dir` exists and is not an empty directory
//                        ("data_dir X is not empty: restore only into a new
//                        or empty directory");
//   DATA_LOSS            a file is missing, has the wrong size or fails its
//                        checksum, or the restored state does not match the
//                        manifest;
//   others               from the file system or RocksDB.
absl::StatusOr<BackupInfo> RestoreBackup(const std::string& backup_dir,
                                         const std::string& data_dir);

}  // namespace cxlab::storage

#endif  // CXLAB_STORAGE_BACKUP_H_
