// Copyright 2026 The cxlab Authors.

#include "storage/config_store.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/write_batch.h"
#include "storage/coding.h"
#include "storage/database.h"
#include "storage/internal/db_handles.h"
#include "storage/internal/rocksdb_status.h"
#include "storage/keys.h"

namespace cxlab::storage {
namespace {

using internal::DbHandles;
using internal::FromRocksDbStatus;

// ----- Record encodings (formats documented in storage/keys.h) -----

// An object record: the StoredObject fields that are not in the key.
struct ObjectRecord {
  std::string value;
  int64_t version = 0;
  int64_t created_version = 0;
  absl::Time updated_at;
  std::string updated_by;
};

void PutInt64(std::string* dst, int64_t value) {
  PutVarint64(dst, static_cast<uint64_t>(value));
}

bool GetInt64(absl::string_view* input, int64_t* value) {
  uint64_t raw = 0;
  if (!GetVarint64(input, &raw)) return false;
  *value = static_cast<int64_t>(raw);
  return true;
}

bool GetString(absl::string_view* input, std::string* value) {
  absl::string_view view;
  if (!GetLengthPrefixed(input, &view)) return false;
  value->assign(view.data(), view.size());
  return true;
}

std::string EncodeObjectRecord(const ObjectRecord& record) {
  std::string out(1, keys::kRecordFormatV1);
  PutLengthPrefixed(&out, record.value);
  PutInt64(&out, record.version);
  PutInt64(&out, record.created_version);
  PutInt64(&out, absl::ToUnixMicros(record.updated_at));
  PutLengthPrefixed(&out, record.updated_by);
  return out;
}

absl::StatusOr<ObjectRecord> DecodeObjectRecord(absl::string_view db_key,
                                                absl::string_view input) {
  ObjectRecord record;
  int64_t micros = 0;
  if (input.empty() || input[0] != keys::kRecordFormatV1) {
    return absl::DataLossError(
        absl::StrCat("unknown object record format at ", db_key));
  }
  input.remove_prefix(1);
  if (!GetString(&input, &record.value) || !GetInt64(&input, &record.version) ||
      !GetInt64(&input, &record.created_version) ||
      !GetInt64(&input, &micros) || !GetString(&input, &record.updated_by) ||
      !input.empty()) {
    return absl::DataLossError(
        absl::StrCat("corrupt object record at ", db_key));
  }
  record.updated_at = absl::FromUnixMicros(micros);
  return record;
}

std::string EncodeChangeRecord(const ConfigStore::Write& write) {
  std::string out(1, keys::kRecordFormatV1);
  PutInt64(&out, absl::ToUnixMicros(write.time));
  PutLengthPrefixed(&out, write.actor);
  PutLengthPrefixed(&out, write.action);
  PutLengthPrefixed(&out, write.kind);
  PutLengthPrefixed(&out, write.key);
  PutLengthPrefixed(&out, write.before);
  PutLengthPrefixed(&out, write.after);
  return out;
}

absl::StatusOr<ConfigStore::ChangeRecord> DecodeChangeRecord(
    int64_t version, absl::string_view input) {
  ConfigStore::ChangeRecord change;
  change.version = version;
  int64_t micros = 0;
  if (input.empty() || input[0] != keys::kRecordFormatV1) {
    return absl::DataLossError(
        absl::StrCat("unknown change record format at version ", version));
  }
  input.remove_prefix(1);
  if (!GetInt64(&input, &micros) || !GetString(&input, &change.actor) ||
      !GetString(&input, &change.action) || !GetString(&input, &change.kind) ||
      !GetString(&input, &change.key) || !GetString(&input, &change.before) ||
      !GetString(&input, &change.after) || !input.empty()) {
    return absl::DataLossError(
        absl::StrCat("corrupt change record at version ", version));
  }
  change.time = absl::FromUnixMicros(micros);
  return change;
}

ConfigStore::StoredObject ToStoredObject(absl::string_view kind,
                                         absl::string_view key,
                                         ObjectRecord record) {
  ConfigStore::StoredObject object;
  object.kind = std::string(kind);
  object.key = std::string(key);
  object.value = std::move(record.value);
  object.version = record.version;
  object.created_version = record.created_version;
  object.updated_at = record.updated_at;
  object.updated_by = std::move(record.updated_by);
  return object;
}

// ----- Validation -----

absl::Status ValidateKind(absl::string_view kind) {
  if (kind.empty()) return absl::InvalidArgumentError("kind must not be empty");
  if (kind.find('/') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("kind must not contain '/': \"", kind, "\""));
  }
  return absl::OkStatus();
}

absl::Status ValidateKindAndKey(absl::string_view kind, absl::string_view key) {
  RETURN_IF_ERROR(ValidateKind(kind));
  if (key.empty()) return absl::InvalidArgumentError("key must not be empty");
  return absl::OkStatus();
}

absl::Status ValidateWrite(const ConfigStore::Write& write) {
  if (write.op != ConfigStore::Write::Op::kPut &&
      write.op != ConfigStore::Write::Op::kDelete) {
    return absl::InvalidArgumentError(absl::StrCat(
        "op is not kPut or kDelete: ", static_cast<int>(write.op)));
  }
  RETURN_IF_ERROR(ValidateKindAndKey(write.kind, write.key));
  if (write.expected_version.has_value() && *write.expected_version < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected_version must be >= 0, got ", *write.expected_version));
  }
  return absl::OkStatus();
}

// Returns `status` with "writes[index]: " before its message when `indexed`.
absl::Status WithIndex(const absl::Status& status, size_t index, bool indexed) {
  if (status.ok() || !indexed) return status;
  return absl::Status(status.code(),
                      absl::StrCat("writes[", index, "]: ", status.message()));
}

// Checks `write` against the object's `current` record (nullopt if absent).
absl::Status CheckExpected(const ConfigStore::Write& write,
                           const std::optional<ObjectRecord>& current) {
  const std::string name = absl::StrCat(write.kind, " ", write.key);
  if (write.expected_version.has_value()) {
    const int64_t expected = *write.expected_version;
    if (expected == 0 && current.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat(
          name, " already exists (version ", current->version, ")"));
    }
    if (expected > 0 && !current.has_value()) {
      return absl::NotFoundError(absl::StrCat(name, " does not exist (version ",
                                              expected, " expected)"));
    }
    if (expected > 0 && current->version != expected) {
      return absl::AbortedError(absl::StrCat(name, ": version ", expected,
                                             " expected, current is ",
                                             current->version));
    }
  }
  if (write.op == ConfigStore::Write::Op::kDelete && !current.has_value()) {
    return absl::NotFoundError(absl::StrCat(name, " does not exist"));
  }
  return absl::OkStatus();
}

// ----- Reads -----

absl::StatusOr<std::optional<ObjectRecord>> ReadObject(
    const DbHandles& handles, const rocksdb::ReadOptions& options,
    const std::string& db_key) {
  std::string raw;
  const rocksdb::Status status =
      handles.db->Get(options, handles.config, db_key, &raw);
  if (status.IsNotFound()) return std::optional<ObjectRecord>();
  RETURN_IF_ERROR(FromRocksDbStatus(status, absl::StrCat("read ", db_key)));
  ASSIGN_OR_RETURN(ObjectRecord record, DecodeObjectRecord(db_key, raw));
  return std::optional<ObjectRecord>(std::move(record));
}

// Reads the global config version (0 if never written).
absl::StatusOr<int64_t> ReadStoredVersion(const DbHandles& handles) {
  std::string raw;
  const rocksdb::Status status =
      handles.db->Get(rocksdb::ReadOptions(), handles.config,
                      rocksdb::Slice(keys::kConfigVersionKey.data(),
                                     keys::kConfigVersionKey.size()),
                      &raw);
  if (status.IsNotFound()) return 0;
  RETURN_IF_ERROR(FromRocksDbStatus(status, "read config version"));
  absl::string_view input = raw;
  uint64_t version = 0;
  if (raw.size() != 8 || !GetFixed64BigEndian(&input, &version) ||
      version > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::DataLossError("corrupt config version record");
  }
  return static_cast<int64_t>(version);
}

// Reads the version of the newest audit record (0 if the log is empty).
absl::StatusOr<int64_t> ReadLastAuditVersion(const DbHandles& handles) {
  std::unique_ptr<rocksdb::Iterator> it(
      handles.db->NewIterator(rocksdb::ReadOptions(), handles.audit));
  it->SeekToLast();
  RETURN_IF_ERROR(FromRocksDbStatus(it->status(), "read audit log"));
  if (!it->Valid()) return 0;
  int64_t version = 0;
  if (!keys::ParseAuditKey(
          absl::string_view(it->key().data(), it->key().size()), &version)) {
    return absl::DataLossError("corrupt audit key");
  }
  return version;
}

}  // namespace

// ----- Construction -----

absl::StatusOr<std::unique_ptr<ConfigStore>> ConfigStore::Open(
    const std::string& dir, const DatabaseOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> database,
                   Database::Open(dir, options));
  Database& borrowed = *database;
  return CreateInternal(std::move(database), borrowed);
}

absl::StatusOr<std::unique_ptr<ConfigStore>> ConfigStore::Create(
    Database& database) {
  return CreateInternal(nullptr, database);
}

absl::StatusOr<std::unique_ptr<ConfigStore>> ConfigStore::CreateInternal(
    std::unique_ptr<Database> owned, Database& database) {
  int64_t version = 0;
  RETURN_IF_ERROR(database.WithHandles([&](const DbHandles& handles) {
    ASSIGN_OR_RETURN(version, ReadStoredVersion(handles));
    ASSIGN_OR_RETURN(const int64_t last_audit, ReadLastAuditVersion(handles));
    if (last_audit != version) {
      return absl::DataLossError(
          absl::StrCat("config version is ", version,
                       " but the audit log ends at version ", last_audit));
    }
    return absl::OkStatus();
  }));
  return std::unique_ptr<ConfigStore>(
      new ConfigStore(std::move(owned), database, version));
}

ConfigStore::ConfigStore(std::unique_ptr<Database> owned, Database& database,
                         int64_t version)
    : owned_database_(std::move(owned)),
      database_(database),
      version_(version) {}

ConfigStore::~ConfigStore() = default;

absl::Status ConfigStore::Close() {
  if (owned_database_ == nullptr) return absl::OkStatus();
  return owned_database_->Close();
}

// ----- Writes -----

absl::StatusOr<int64_t> ConfigStore::Commit(const Write& write) {
  return CommitMany(absl::MakeConstSpan(&write, 1));
}

absl::StatusOr<int64_t> ConfigStore::CommitMany(
    absl::Span<const Write> writes) {
  const bool indexed = writes.size() > 1;
  for (size_t i = 0; i < writes.size(); ++i) {
    RETURN_IF_ERROR(WithIndex(ValidateWrite(writes[i]), i, indexed));
  }

  absl::MutexLock lock(&commit_mu_);
  int64_t version = version_.load(std::memory_order_relaxed);
  if (writes.empty()) return version;

  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles) {
    // Objects this batch already wrote (nullopt: deleted), so later writes
    // of the batch check against them rather than the database.
    absl::flat_hash_map<std::string, std::optional<ObjectRecord>> pending;
    rocksdb::WriteBatch batch;
    const rocksdb::ReadOptions read_options;
    for (size_t i = 0; i < writes.size(); ++i) {
      const Write& write = writes[i];
      const std::string db_key = keys::ObjectKey(write.kind, write.key);
      std::optional<ObjectRecord> current;
      if (auto it = pending.find(db_key); it != pending.end()) {
        current = it->second;
      } else {
        ASSIGN_OR_RETURN(current, ReadObject(handles, read_options, db_key));
      }
      RETURN_IF_ERROR(WithIndex(CheckExpected(write, current), i, indexed));

      ++version;
      std::optional<ObjectRecord>& next = pending[db_key];
      if (write.op == Write::Op::kPut) {
        ObjectRecord record;
        record.value = write.value;
        record.version = version;
        record.created_version =
            current.has_value() ? current->created_version : version;
        record.updated_at = write.time;
        record.updated_by = write.actor;
        RETURN_IF_ERROR(FromRocksDbStatus(
            batch.Put(handles.config, db_key, EncodeObjectRecord(record)),
            "batch"));
        next = std::move(record);
      } else {
        RETURN_IF_ERROR(
            FromRocksDbStatus(batch.Delete(handles.config, db_key), "batch"));
        next.reset();
      }
      RETURN_IF_ERROR(
          FromRocksDbStatus(batch.Put(handles.audit, keys::AuditKey(version),
                                      EncodeChangeRecord(write)),
                            "batch"));
    }
    RETURN_IF_ERROR(FromRocksDbStatus(
        batch.Put(handles.config,
                  rocksdb::Slice(keys::kConfigVersionKey.data(),
                                 keys::kConfigVersionKey.size()),
                  EncodeFixed64BigEndian(static_cast<uint64_t>(version))),
        "batch"));
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    return FromRocksDbStatus(handles.db->Write(write_options, &batch),
                             "commit");
  }));
  version_.store(version, std::memory_order_release);
  return version;
}

// ----- Reads -----

absl::StatusOr<std::optional<ConfigStore::StoredObject>> ConfigStore::Get(
    const std::string& kind, const std::string& key) const {
  RETURN_IF_ERROR(ValidateKindAndKey(kind, key));
  std::optional<StoredObject> result;
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles) {
    ASSIGN_OR_RETURN(std::optional<ObjectRecord> record,
                     ReadObject(handles, rocksdb::ReadOptions(),
                                keys::ObjectKey(kind, key)));
    if (record.has_value()) {
      result = ToStoredObject(kind, key, std::move(*record));
    }
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<std::vector<ConfigStore::StoredObject>> ConfigStore::List(
    const std::string& kind) const {
  RETURN_IF_ERROR(ValidateKind(kind));
  return ListPrefix(keys::ObjectKindPrefix(kind));
}

absl::StatusOr<std::vector<ConfigStore::StoredObject>> ConfigStore::ListAll()
    const {
  return ListPrefix(std::string(keys::kObjectPrefix));
}

absl::StatusOr<std::vector<ConfigStore::StoredObject>> ConfigStore::ListPrefix(
    const std::string& prefix) const {
  std::vector<StoredObject> objects;
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles) {
    // The upper bound must outlive the iterator.
    const std::string upper = keys::PrefixSuccessor(prefix);
    const rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read_options;
    read_options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        handles.db->NewIterator(read_options, handles.config));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      const absl::string_view db_key(it->key().data(), it->key().size());
      absl::string_view kind;
      absl::string_view key;
      if (!keys::ParseObjectKey(db_key, &kind, &key)) {
        return absl::DataLossError(absl::StrCat("corrupt object key ", db_key));
      }
      ASSIGN_OR_RETURN(
          ObjectRecord record,
          DecodeObjectRecord(db_key, absl::string_view(it->value().data(),
                                                       it->value().size())));
      objects.push_back(ToStoredObject(kind, key, std::move(record)));
    }
    return FromRocksDbStatus(it->status(), "list objects");
  }));
  return objects;
}

absl::StatusOr<ConfigStore::ChangePage> ConfigStore::ListChanges(
    const ChangeQuery& query) const {
  if (query.limit <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be positive, got ", query.limit));
  }
  if (query.after_version < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("after_version must be >= 0, got ", query.after_version));
  }
  if (!query.kind.empty()) RETURN_IF_ERROR(ValidateKind(query.kind));
  const size_t limit =
      static_cast<size_t>(std::min(query.limit, kMaxChangePageSize));
  const int64_t cursor = query.after_version;

  ChangePage page;
  // Oldest-first after the largest version: nothing can follow.
  if (!query.newest_first && cursor == std::numeric_limits<int64_t>::max()) {
    return page;
  }
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles) {
    std::unique_ptr<rocksdb::Iterator> it(
        handles.db->NewIterator(rocksdb::ReadOptions(), handles.audit));
    if (query.newest_first) {
      if (cursor == 0) {
        it->SeekToLast();
      } else {
        it->SeekForPrev(keys::AuditKey(cursor - 1));
      }
    } else {
      it->Seek(keys::AuditKey(cursor + 1));
    }
    for (; it->Valid(); query.newest_first ? it->Prev() : it->Next()) {
      int64_t version = 0;
      if (!keys::ParseAuditKey(
              absl::string_view(it->key().data(), it->key().size()),
              &version)) {
        return absl::DataLossError("corrupt audit key");
      }
      ASSIGN_OR_RETURN(
          ChangeRecord change,
          DecodeChangeRecord(version, absl::string_view(it->value().data(),
                                                        it->value().size())));
      if (!query.kind.empty() && change.kind != query.kind) continue;
      if (!query.key.empty() && change.key != query.key) continue;
      if (page.changes.size() == limit) {
        // A further match exists: resume after the last one returned.
        page.next_cursor = page.changes.back().version;
        break;
      }
      page.changes.push_back(std::move(change));
    }
    return FromRocksDbStatus(it->status(), "list changes");
  }));
  return page;
}

}  // namespace cxlab::storage
