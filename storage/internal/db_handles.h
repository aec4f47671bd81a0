// Copyright 2026 The cxlab Authors.
//
// Storage-internal: the RocksDB instance behind a Database. Included only by
// storage/*.cc; reach it through Database::WithHandles().

#ifndef CXLAB_STORAGE_INTERNAL_DB_HANDLES_H_
#define CXLAB_STORAGE_INTERNAL_DB_HANDLES_H_

#include <memory>
#include <vector>

#include "rocksdb/db.h"

namespace cxlab::storage::internal {

// Owned by Database and immutable while the database is open, so it may be
// read from any thread holding Database's shared lock. The column family
// pointers are never null while open; the handles are destroyed by
// Database::Close().
struct DbHandles {
  std::unique_ptr<rocksdb::DB> db;
  // Opened with DatabaseOptions::read_only: nothing may be written (not
  // even the flush on close).
  bool read_only = false;

  // The cxlab column families (storage/keys.h).
  rocksdb::ColumnFamilyHandle* config = nullptr;
  rocksdb::ColumnFamilyHandle* audit = nullptr;
  rocksdb::ColumnFamilyHandle* exposures = nullptr;
  rocksdb::ColumnFamilyHandle* events = nullptr;
  rocksdb::ColumnFamilyHandle* dedup = nullptr;
  rocksdb::ColumnFamilyHandle* unit_metrics = nullptr;
  rocksdb::ColumnFamilyHandle* aggregates = nullptr;
  rocksdb::ColumnFamilyHandle* assignments = nullptr;
  rocksdb::ColumnFamilyHandle* bandits = nullptr;

  // Every handle opened (including "default" and families unknown to this
  // version), for flushing and destruction.
  std::vector<rocksdb::ColumnFamilyHandle*> all;
};

}  // namespace cxlab::storage::internal

#endif  // CXLAB_STORAGE_INTERNAL_DB_HANDLES_H_
