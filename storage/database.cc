// Copyright 2026 The cxlab Authors.

#include "storage/database.h"

#include <algorithm>
#include <cstdarg>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_buffer_manager.h"
#include "storage/aggregates_merge.h"
#include "storage/internal/db_handles.h"
#include "storage/internal/rocksdb_status.h"
#include "storage/keys.h"

namespace cxlab::storage {
namespace {

using internal::DbHandles;
using internal::FromRocksDbStatus;

// Discards RocksDB's informational log: a read-only database must not
// create a LOG file in its directory (e.g. in a backup being inspected).
class DiscardingLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

rocksdb::DBOptions MakeDbOptions(const DatabaseOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.error_if_exists = options.error_if_exists;
  db_options.create_missing_column_families = true;
  // cxlab runs on small machines; keep RocksDB's own footprint modest.
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  // A column family that rarely changes (config, bandits) would otherwise
  // pin every WAL file written since its last flush: the data dir of a
  // 10-minute soak held 700 MB of WAL beside 29 MB of tables. Past this
  // total, RocksDB flushes the column families holding the oldest WAL.
  db_options.max_total_wal_size = 64 << 20;
  if (options.read_only) {
    db_options.info_log = std::make_shared<DiscardingLogger>();
  }
  return db_options;
}

// Points the named fields of `handles` at the cxlab column families.
absl::Status AssignHandles(DbHandles& handles) {
  for (rocksdb::ColumnFamilyHandle* handle : handles.all) {
    const std::string& name = handle->GetName();
    if (name == keys::kConfigColumnFamily) handles.config = handle;
    if (name == keys::kAuditColumnFamily) handles.audit = handle;
    if (name == keys::kExposuresColumnFamily) handles.exposures = handle;
    if (name == keys::kEventsColumnFamily) handles.events = handle;
    if (name == keys::kDedupColumnFamily) handles.dedup = handle;
    if (name == keys::kUnitMetricsColumnFamily) handles.unit_metrics = handle;
    if (name == keys::kAggregatesColumnFamily) handles.aggregates = handle;
    if (name == keys::kAssignmentsColumnFamily) handles.assignments = handle;
    if (name == keys::kBanditsColumnFamily) handles.bandits = handle;
  }
  for (rocksdb::ColumnFamilyHandle* handle :
       {handles.config, handles.audit, handles.exposures, handles.events,
        handles.dedup, handles.unit_metrics, handles.aggregates,
        handles.assignments, handles.bandits}) {
    if (handle == nullptr) {
      return absl::InternalError("a cxlab column family failed to open");
    }
  }
  return absl::OkStatus();
}

// Flushes and releases everything in `handles`; returns the first error.
absl::Status CloseHandles(DbHandles& handles) {
  absl::Status first_error;
  if (handles.db == nullptr) return first_error;
  if (!handles.read_only) {
    rocksdb::FlushOptions flush_options;
    flush_options.wait = true;
    first_error.Update(FromRocksDbStatus(
        handles.db->Flush(flush_options, handles.all), "flush on close"));
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles.all) {
    first_error.Update(FromRocksDbStatus(
        handles.db->DestroyColumnFamilyHandle(handle), "close column family"));
  }
  handles.all.clear();
  handles.config = handles.audit = handles.exposures = handles.events =
      handles.dedup = handles.unit_metrics = handles.aggregates =
          handles.assignments = handles.bandits = nullptr;
  first_error.Update(FromRocksDbStatus(handles.db->Close(), "close"));
  handles.db.reset();
  return first_error;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& dir) {
  return Open(dir, Options());
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& dir, const Options& options) {
  if (dir.empty()) {
    return absl::InvalidArgumentError("database directory must not be empty");
  }
  if (options.memory_budget_bytes < (size_t{8} << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "memory_budget_bytes: must be at least 8 MiB, got ",
        options.memory_budget_bytes));
  }
  std::error_code error;
  const bool has_database =
      std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", error);
  if (error) {
    return absl::ErrnoToStatus(error.value(),
                               absl::StrCat("cannot inspect ", dir));
  }
  if (!has_database && (!options.create_if_missing || options.read_only)) {
    return absl::NotFoundError(absl::StrCat("no database in ", dir));
  }
  if (has_database && options.error_if_exists) {
    return absl::AlreadyExistsError(absl::StrCat("database exists in ", dir));
  }
  if (!has_database && !options.read_only) {
    std::filesystem::create_directories(dir, error);
    if (error) {
      return absl::ErrnoToStatus(error.value(),
                                 absl::StrCat("cannot create ", dir));
    }
  }

  rocksdb::DBOptions db_options = MakeDbOptions(options);
  // RocksDB must be given every existing column family, so start from the
  // ones on disk and add the cxlab ones that are missing.
  std::vector<std::string> names;
  if (has_database) {
    const absl::Status listed = FromRocksDbStatus(
        rocksdb::DB::ListColumnFamilies(db_options, dir, &names),
        absl::StrCat("list column families of ", dir));
    if (!listed.ok()) return listed;
  }
  auto add_name = [&names](absl::string_view name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.emplace_back(name);
    }
  };
  add_name(rocksdb::kDefaultColumnFamilyName);
  // A read-only database cannot create column families: open those on disk.
  if (!options.read_only) {
    for (absl::string_view name : keys::ColumnFamilies()) add_name(name);
  }

  // Point lookups dominate ingest (dedup keys, unit states) and most of them
  // miss: a Bloom filter per table lets a miss skip the table, and one block
  // cache serves every column family.
  //
  // Memory (DatabaseOptions::memory_budget_bytes): the block cache also
  // holds index and filter blocks (else every table reader keeps its own,
  // growing with the data), and the memtables of all column families are
  // capped together and charged to the same cache. Without the cap nine
  // column families with 64 MiB write buffers grew without bound under
  // steady ingest (tools/soak.sh).
  const size_t budget = options.memory_budget_bytes;
  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(budget);
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(budget / 2, cache);
  rocksdb::BlockBasedTableOptions table_options;
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table_options.block_cache = cache;
  table_options.cache_index_and_filter_blocks = true;
  table_options.cache_index_and_filter_blocks_with_high_priority = true;
  table_options.pin_l0_filter_and_index_blocks_in_cache = true;
  std::shared_ptr<rocksdb::TableFactory> table_factory(
      rocksdb::NewBlockBasedTableFactory(table_options));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(names.size());
  for (const std::string& name : names) {
    rocksdb::ColumnFamilyOptions cf_options;
    cf_options.table_factory = table_factory;
    // No single memtable above a quarter of the shared cap, so a flush
    // writes a modest table and the others keep room.
    cf_options.write_buffer_size = std::max<size_t>(budget / 8, 1 << 20);
    if (name == keys::kAggregatesColumnFamily) {
      cf_options.merge_operator = internal::NewSufficientStatsMergeOperator();
      // Reports read every cell of an experiment. Cells are few but each
      // Track call merges into many of them, so a large memtable would hold
      // long chains of merge operands that every read folds again (a report
      // grew from 5 ms at 10^4 events to 70 ms at 10^6). A small memtable
      // flushes (and folds) them often, and successive merges into one key
      // are folded at write time; reports stay flat in the number of events.
      cf_options.write_buffer_size = 4 << 20;
      cf_options.max_successive_merges = 4;
    }
    descriptors.emplace_back(name, cf_options);
  }

  auto handles = std::make_unique<DbHandles>();
  handles->read_only = options.read_only;
  rocksdb::DB* raw_db = nullptr;
  const absl::Status opened = FromRocksDbStatus(
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors,
                                         &handles->all, &raw_db)
          : rocksdb::DB::Open(db_options, dir, descriptors, &handles->all,
                              &raw_db),
      absl::StrCat("open ", dir));
  if (!opened.ok()) return opened;
  handles->db.reset(raw_db);
  if (absl::Status assigned = AssignHandles(*handles); !assigned.ok()) {
    CloseHandles(*handles).IgnoreError();  // The first error is the one.
    return assigned;
  }
  return std::unique_ptr<Database>(new Database(dir, std::move(handles)));
}

Database::Database(std::string dir, std::unique_ptr<DbHandles> handles)
    : dir_(std::move(dir)), handles_(std::move(handles)) {}

Database::~Database() { Close().IgnoreError(); }

absl::Status Database::Close() {
  absl::MutexLock lock(&mu_);
  if (handles_ == nullptr) return absl::OkStatus();
  absl::Status status = CloseHandles(*handles_);
  handles_.reset();
  return status;
}

bool Database::closed() const {
  absl::ReaderMutexLock lock(&mu_);
  return handles_ == nullptr;
}

absl::StatusOr<std::vector<std::string>> Database::ColumnFamilyNamesForTest()
    const {
  std::vector<std::string> names;
  absl::Status status = FromRocksDbStatus(
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_, &names),
      "list column families");
  if (!status.ok()) return status;
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<DatabaseSizes> Database::Sizes() const {
  DatabaseSizes sizes;
  absl::Status status = WithHandles([&sizes](const DbHandles& handles) {
    struct Property {
      const std::string& name;
      uint64_t ColumnFamilySizes::*field;
    };
    const Property properties[] = {
        {rocksdb::DB::Properties::kTotalSstFilesSize,
         &ColumnFamilySizes::sst_bytes},
        {rocksdb::DB::Properties::kLiveSstFilesSize,
         &ColumnFamilySizes::live_sst_bytes},
        {rocksdb::DB::Properties::kEstimatePendingCompactionBytes,
         &ColumnFamilySizes::pending_compaction_bytes},
        {rocksdb::DB::Properties::kCurSizeAllMemTables,
         &ColumnFamilySizes::memtable_bytes},
    };
    for (rocksdb::ColumnFamilyHandle* handle : handles.all) {
      ColumnFamilySizes cf;
      cf.name = handle->GetName();
      for (const Property& property : properties) {
        uint64_t value = 0;
        if (!handles.db->GetIntProperty(handle, property.name, &value)) {
          return absl::InternalError(absl::StrCat(
              "column family ", cf.name, ": RocksDB has no property ",
              property.name));
        }
        cf.*property.field = value;
        sizes.total.*property.field += value;
      }
      sizes.column_families.push_back(std::move(cf));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::sort(sizes.column_families.begin(), sizes.column_families.end(),
            [](const ColumnFamilySizes& a, const ColumnFamilySizes& b) {
              return a.name < b.name;
            });
  return sizes;
}

absl::Status Database::ClosedError() const {
  return absl::FailedPreconditionError(
      absl::StrCat("database ", dir_, " is closed"));
}

}  // namespace cxlab::storage
