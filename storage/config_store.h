// Copyright 2026 The cxlab Authors.
//
// ConfigStore: versioned configuration objects (experiments, segments, API
// keys, ...) with optimistic concurrency and an append-only audit log, kept
// in the `config` and `audit` column families (storage/keys.h).
//
// Values are opaque bytes chosen by the caller (cxlabd stores definitions as
// JSON text). Every committed write bumps one global config version by 1, so
// the version counts the writes ever committed and names each audit record.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<ConfigStore> store,
//                    ConfigStore::Open("/var/cxlab"));
//   ConfigStore::Write write;
//   write.kind = "experiment";
//   write.key = "checkout";
//   write.value = R"({"variants": 2})";
//   write.expected_version = 0;  // create: must not exist yet
//   write.actor = "key-1";
//   write.action = "create";
//   write.time = now;
//   ASSIGN_OR_RETURN(int64_t version, store->Commit(write));

#ifndef CXLAB_STORAGE_CONFIG_STORE_H_
#define CXLAB_STORAGE_CONFIG_STORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "storage/database.h"

namespace cxlab::storage {

// The versioned configuration store.
//
// Thread-safe: all methods may be called concurrently. Commits are
// serialized by an internal mutex (a commit is one synced RocksDB write
// batch); reads do not take that mutex and see each commit entirely or not
// at all. The store either owns its Database (Open) or borrows one (Create).
//
// Validation shared by all methods: `kind` must be non-empty and contain no
// '/', `key` must be non-empty; violations are INVALID_ARGUMENT naming the
// field. Times are stored with microsecond precision. Once the Database is
// closed every method except version() returns FAILED_PRECONDITION.
class ConfigStore {
 public:
  // A configuration object as stored.
  struct StoredObject {
    std::string kind;
    std::string key;
    std::string value;            // Opaque bytes supplied by the writer.
    int64_t version = 0;          // Config version of its last write.
    int64_t created_version = 0;  // Config version of the write creating it.
    absl::Time updated_at;        // Write::time of its last write.
    std::string updated_by;       // Write::actor of its last write.
  };

  // One audit log entry; exactly one per committed write.
  struct ChangeRecord {
    int64_t version = 0;  // The config version this write created.
    absl::Time time;      // Write::time.
    std::string actor;    // Who wrote, e.g. an API key id.
    std::string action;   // e.g. "create", "update", "delete", "start",
                          // "key.create".
    std::string kind;
    std::string key;
    std::string before;  // Opaque (JSON) text supplied by the writer; empty
    std::string after;   // when absent.
  };

  // One write to commit.
  struct Write {
    enum class Op { kPut, kDelete };
    Op op = Op::kPut;
    std::string kind;
    std::string key;
    std::string value;  // Stored by kPut; ignored by kDelete.
    // Optimistic concurrency check against the object's current version:
    //   nullopt: none (kPut creates or overwrites; kDelete needs the object);
    //   0: the object must not exist (a create);
    //   N > 0: the object must exist with version N.
    // Negative values are INVALID_ARGUMENT.
    std::optional<int64_t> expected_version;
    // Audit fields, recorded verbatim in the ChangeRecord. `actor` and
    // `time` also become the object's updated_by and updated_at.
    std::string actor;
    std::string action;
    absl::Time time;
    std::string before;
    std::string after;
  };

  // Selects audit records for ListChanges.
  struct ChangeQuery {
    std::string kind;  // Only records of this kind; empty = any.
    std::string key;   // Only records with this key; empty = any.
    // Paging cursor; 0 starts at the newest (newest_first) or oldest record.
    // Otherwise newest_first returns versions < cursor, oldest-first returns
    // versions > cursor. Pass the previous page's next_cursor.
    int64_t after_version = 0;
    int limit = 100;  // Page size, 1..kMaxChangePageSize (larger is capped).
    bool newest_first = true;
  };

  // One page of audit records.
  struct ChangePage {
    std::vector<ChangeRecord> changes;  // In the requested order.
    int64_t next_cursor = 0;            // 0 when there are no more.
  };

  // The largest page ListChanges returns.
  static constexpr int kMaxChangePageSize = 1000;

  // Opens (creating if needed) the database in `dir` and a store that owns
  // it. Errors: those of Database::Open, and DATA_LOSS if the stored version
  // and the audit log disagree or a record cannot be decoded.
  static absl::StatusOr<std::unique_ptr<ConfigStore>> Open(
      const std::string& dir, const DatabaseOptions& options = {});

  // Creates a store over the borrowed `database`, which must outlive it.
  // Errors: FAILED_PRECONDITION if `database` is closed; DATA_LOSS as Open.
  static absl::StatusOr<std::unique_ptr<ConfigStore>> Create(
      Database& database);

  ConfigStore(const ConfigStore&) = delete;
  ConfigStore& operator=(const ConfigStore&) = delete;

  // Destroys the store, closing the Database if it owns it.
  ~ConfigStore();

  // Closes the owned Database (see Database::Close); a no-op returning OK for
  // a borrowed one. Afterwards other methods return FAILED_PRECONDITION.
  absl::Status Close();

  // The database this store uses (owned or borrowed).
  Database& database() const { return database_; }

  // The current global config version: 0 for an empty store, otherwise the
  // version of the newest committed write. Never blocks.
  int64_t version() const { return version_.load(std::memory_order_acquire); }

  // Atomically checks `write.expected_version`, bumps the global version,
  // writes or deletes the object and appends its ChangeRecord, in one synced
  // batch. Returns the new global version (= the write's version). Errors:
  //   INVALID_ARGUMENT   bad kind/key/expected_version (named in the message);
  //   ALREADY_EXISTS     expected_version == 0 and the object exists;
  //   NOT_FOUND          the object is missing and expected_version > 0, or
  //                      the op is kDelete;
  //   ABORTED            the object's version differs from expected_version,
  //                      e.g. "experiment checkout: version 7 expected,
  //                      current is 9";
  //   others             from RocksDB.
  // A failed Commit writes nothing.
  absl::StatusOr<int64_t> Commit(const Write& write);

  // Commits `writes` all-or-nothing in one synced batch, in order; each write
  // gets its own consecutive version and audit record, and sees the effect
  // of the writes before it (so a batch may create then update an object).
  // Returns the new global version (that of the last write; the current
  // version if `writes` is empty). Errors as Commit, with the message
  // prefixed "writes[i]: " for the first failing write; then nothing is
  // written.
  absl::StatusOr<int64_t> CommitMany(absl::Span<const Write> writes);

  // Returns the object, or nullopt if it does not exist.
  absl::StatusOr<std::optional<StoredObject>> Get(const std::string& kind,
                                                  const std::string& key) const;

  // All objects of `kind`, sorted by key (bytewise), from one consistent
  // snapshot.
  absl::StatusOr<std::vector<StoredObject>> List(const std::string& kind) const;

  // All objects, sorted by kind then key (bytewise), from one consistent
  // snapshot.
  absl::StatusOr<std::vector<StoredObject>> ListAll() const;

  // One page of the audit log matching `query`, from one consistent
  // snapshot. Filtering scans the log, so a sparse filter costs time
  // proportional to the records skipped. Errors: INVALID_ARGUMENT for
  // limit <= 0, after_version < 0, or a kind containing '/'.
  absl::StatusOr<ChangePage> ListChanges(const ChangeQuery& query) const;

 private:
  ConfigStore(std::unique_ptr<Database> owned, Database& database,
              int64_t version);

  static absl::StatusOr<std::unique_ptr<ConfigStore>> CreateInternal(
      std::unique_ptr<Database> owned, Database& database);

  absl::StatusOr<std::vector<StoredObject>> ListPrefix(
      const std::string& prefix) const;

  // Constant after construction. `owned_database_` is null when borrowed;
  // otherwise `database_` refers to it.
  std::unique_ptr<Database> owned_database_;
  Database& database_;

  // Serializes commits.
  absl::Mutex commit_mu_;
  // Written only while holding commit_mu_, after the batch is durable.
  std::atomic<int64_t> version_;
};

}  // namespace cxlab::storage

#endif  // CXLAB_STORAGE_CONFIG_STORE_H_
