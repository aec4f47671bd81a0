// Copyright 2026 The cxlab Authors.

#include "storage/exposure_store.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
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

absl::string_view ToView(const rocksdb::Slice& slice) {
  return absl::string_view(slice.data(), slice.size());
}

// ----- Exposure record encoding (format documented in storage/keys.h) -----

// An exposure record: the Exposure fields that are not in the key.
struct ExposureValue {
  int variant_index = 0;
  std::string variant_key;
  absl::Time first_seen;
  int64_t mismatches = 0;
  std::string last_mismatch_variant;
  std::vector<std::string> segments;
};

// Format 2 adds the persona segments; format 1 records (none) still decode.
constexpr char kExposureFormatV2 = 2;

std::string EncodeExposureValue(const ExposureValue& value) {
  std::string out(1, kExposureFormatV2);
  PutVarint64(&out, static_cast<uint64_t>(value.variant_index));
  PutLengthPrefixed(&out, value.variant_key);
  PutFixed64BigEndian(
      &out, static_cast<uint64_t>(absl::ToUnixMicros(value.first_seen)));
  PutVarint64(&out, static_cast<uint64_t>(value.mismatches));
  PutLengthPrefixed(&out, value.last_mismatch_variant);
  PutVarint64(&out, value.segments.size());
  for (const std::string& segment : value.segments) {
    PutLengthPrefixed(&out, segment);
  }
  return out;
}

absl::StatusOr<ExposureValue> DecodeExposureValue(absl::string_view db_key,
                                                  absl::string_view input) {
  // Keys hold NULs; show them readably in messages.
  auto where = [&] {
    std::string shown(db_key);
    std::replace(shown.begin(), shown.end(), '\0', '/');
    return shown;
  };
  if (input.empty() ||
      (input[0] != keys::kRecordFormatV1 && input[0] != kExposureFormatV2)) {
    return absl::DataLossError(
        absl::StrCat("unknown exposure record format at ", where()));
  }
  const bool has_segments = input[0] == kExposureFormatV2;
  input.remove_prefix(1);
  ExposureValue value;
  uint64_t variant_index = 0;
  absl::string_view variant_key;
  uint64_t micros = 0;
  uint64_t mismatches = 0;
  absl::string_view last_mismatch;
  if (!GetVarint64(&input, &variant_index) ||
      !GetLengthPrefixed(&input, &variant_key) ||
      !GetFixed64BigEndian(&input, &micros) ||
      !GetVarint64(&input, &mismatches) ||
      !GetLengthPrefixed(&input, &last_mismatch) ||
      variant_index > static_cast<uint64_t>(std::numeric_limits<int>::max()) ||
      mismatches > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::DataLossError(
        absl::StrCat("corrupt exposure record at ", where()));
  }
  if (has_segments) {
    uint64_t count = 0;
    if (!GetVarint64(&input, &count) || count > input.size()) {
      return absl::DataLossError(
          absl::StrCat("corrupt exposure record at ", where()));
    }
    for (uint64_t i = 0; i < count; ++i) {
      absl::string_view segment;
      if (!GetLengthPrefixed(&input, &segment)) {
        return absl::DataLossError(
            absl::StrCat("corrupt exposure record at ", where()));
      }
      value.segments.emplace_back(segment);
    }
  }
  if (!input.empty()) {
    return absl::DataLossError(
        absl::StrCat("corrupt exposure record at ", where()));
  }
  value.variant_index = static_cast<int>(variant_index);
  value.variant_key = std::string(variant_key);
  value.first_seen = absl::FromUnixMicros(static_cast<int64_t>(micros));
  value.mismatches = static_cast<int64_t>(mismatches);
  value.last_mismatch_variant = std::string(last_mismatch);
  return value;
}

Exposure ToExposure(absl::string_view experiment_key, ExposureValue value) {
  Exposure exposure;
  exposure.experiment_key = std::string(experiment_key);
  exposure.variant_index = value.variant_index;
  exposure.variant_key = std::move(value.variant_key);
  exposure.first_seen = value.first_seen;
  exposure.mismatches = value.mismatches;
  exposure.last_mismatch_variant_key = std::move(value.last_mismatch_variant);
  exposure.segments = std::move(value.segments);
  return exposure;
}

// ----- Validation -----

// Validates `record` and returns its `exposures` key. Errors name the field
// as "records[index].<field>".
absl::StatusOr<std::string> ValidateRecord(const ExposureRecord& record,
                                           size_t index) {
  const std::string prefix = absl::StrCat("records[", index, "].");
  absl::StatusOr<std::string> key = keys::ExposureKey(
      record.unit_type, record.unit_id, record.experiment_key);
  if (!key.ok()) {
    return absl::Status(key.status().code(),
                        absl::StrCat(prefix, key.status().message()));
  }
  if (record.variant_index < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "variant_index: must be >= 0, got ", record.variant_index));
  }
  if (record.time == absl::InfiniteFuture() ||
      record.time == absl::InfinitePast()) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "time: must be finite"));
  }
  for (size_t i = 0; i < record.segments.size(); ++i) {
    const std::string& segment = record.segments[i];
    if (segment.empty() || segment.find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          prefix, "segments[", i, "]: must be non-empty without NUL"));
    }
  }
  return key;
}

// Reads the exposure record at `db_key`; nullopt if there is none.
absl::StatusOr<std::optional<ExposureValue>> ReadExposure(
    const DbHandles& handles, const rocksdb::ReadOptions& options,
    const std::string& db_key) {
  std::string raw;
  const rocksdb::Status status =
      handles.db->Get(options, handles.exposures, db_key, &raw);
  if (status.IsNotFound()) return std::optional<ExposureValue>();
  RETURN_IF_ERROR(FromRocksDbStatus(status, "read exposure"));
  ASSIGN_OR_RETURN(ExposureValue value, DecodeExposureValue(db_key, raw));
  return std::optional<ExposureValue>(std::move(value));
}

// Holds a set of mutexes, locked in the given order, until destruction
// (which unlocks them in reverse order).
class MultiLock {
 public:
  explicit MultiLock(std::vector<absl::Mutex*> mutexes)
      ABSL_NO_THREAD_SAFETY_ANALYSIS : mutexes_(std::move(mutexes)) {
    for (absl::Mutex* mu : mutexes_) mu->Lock();
  }
  MultiLock(const MultiLock&) = delete;
  MultiLock& operator=(const MultiLock&) = delete;
  ~MultiLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (auto it = mutexes_.rbegin(); it != mutexes_.rend(); ++it) {
      (*it)->Unlock();
    }
  }

 private:
  const std::vector<absl::Mutex*> mutexes_;
};

}  // namespace

// ----- Construction -----

absl::StatusOr<std::unique_ptr<ExposureStore>> ExposureStore::Create(
    Database& database, const ExposureOptions& options) {
  RETURN_IF_ERROR(database.WithHandles(
      [](const DbHandles& /*handles*/) { return absl::OkStatus(); }));
  return std::unique_ptr<ExposureStore>(new ExposureStore(database, options));
}

ExposureStore::ExposureStore(Database& database, const ExposureOptions& options)
    : database_(database), options_(options) {}

ExposureStore::~ExposureStore() = default;

size_t ExposureStore::StripeOf(absl::string_view unit_type,
                               absl::string_view unit_id) {
  const size_t hash =
      absl::Hash<std::pair<absl::string_view, absl::string_view>>{}(
          std::make_pair(unit_type, unit_id));
  return hash % kStripes;
}

// ----- Writes -----

absl::StatusOr<RecordResult> ExposureStore::Record(
    absl::Span<const ExposureRecord> records) {
  return Record(records,
                [](const DbHandles&, absl::Span<const NewExposure>,
                   rocksdb::WriteBatch&) { return absl::OkStatus(); });
}

absl::StatusOr<RecordResult> ExposureStore::Record(
    absl::Span<const ExposureRecord> records, RecordExtension extend) {
  std::vector<std::string> db_keys;
  db_keys.reserve(records.size());
  std::vector<size_t> stripes;
  stripes.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    ASSIGN_OR_RETURN(std::string db_key, ValidateRecord(records[i], i));
    db_keys.push_back(std::move(db_key));
    stripes.push_back(StripeOf(records[i].unit_type, records[i].unit_id));
  }

  RecordResult result;
  if (records.empty()) {
    // Nothing to do, but still report a closed database.
    RETURN_IF_ERROR(database_.WithHandles(
        [](const DbHandles& /*handles*/) { return absl::OkStatus(); }));
    return result;
  }

  // Lock the distinct stripes of the batch in ascending order.
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  std::vector<absl::Mutex*> mutexes;
  mutexes.reserve(stripes.size());
  for (size_t stripe : stripes) mutexes.push_back(&stripes_[stripe]);
  const MultiLock lock(std::move(mutexes));

  // Sticky assignments this call writes, and the first variants of the
  // exposures it read or writes, cached once committed.
  std::vector<std::pair<std::string, int>> sticky_written;
  std::vector<std::pair<std::string, int>> exposures_known;
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles) {
    // Exposures this batch read or changed, so later records of the batch
    // see them rather than the database; `dirty` ones are written.
    struct Pending {
      ExposureValue value;
      bool dirty = false;
    };
    absl::flat_hash_map<std::string, Pending> pending;
    std::vector<size_t> first_records;  // Records that made a new exposure.
    const rocksdb::ReadOptions read_options;
    for (size_t i = 0; i < records.size(); ++i) {
      const ExposureRecord& record = records[i];
      const std::string& db_key = db_keys[i];
      auto it = pending.find(db_key);
      if (it == pending.end()) {
        // A repeat of a known first variant needs no read: that variant
        // never changes once stored.
        if (exposure_cache_.Get(db_key) == record.variant_index) {
          ++result.repeats;
          continue;
        }
        ASSIGN_OR_RETURN(std::optional<ExposureValue> stored,
                         ReadExposure(handles, read_options, db_key));
        if (stored.has_value()) {
          exposures_known.emplace_back(db_key, stored->variant_index);
        }
        if (!stored.has_value()) {
          Pending first;
          first.value.variant_index = record.variant_index;
          first.value.variant_key = record.variant_key;
          // Stored to the microsecond.
          first.value.first_seen =
              absl::FromUnixMicros(absl::ToUnixMicros(record.time));
          first.value.segments = record.segments;
          first.dirty = true;
          pending.emplace(db_key, std::move(first));
          first_records.push_back(i);
          exposures_known.emplace_back(db_key, record.variant_index);
          ++result.new_exposures;
          continue;
        }
        it = pending.emplace(db_key, Pending{*std::move(stored), false}).first;
      }
      Pending& current = it->second;
      if (current.value.variant_index == record.variant_index) {
        ++result.repeats;
      } else {
        ++current.value.mismatches;
        current.value.last_mismatch_variant = record.variant_key;
        current.dirty = true;
        ++result.mismatches;
      }
    }

    // Write each changed exposure once, in its final state.
    rocksdb::WriteBatch batch;
    for (const auto& [db_key, entry] : pending) {
      if (!entry.dirty) continue;
      RETURN_IF_ERROR(
          FromRocksDbStatus(batch.Put(handles.exposures, db_key,
                                      EncodeExposureValue(entry.value)),
                            "batch"));
    }
    // Sticky assignments: the first stored one wins.
    absl::flat_hash_set<std::string> sticky_seen;
    for (const ExposureRecord& record : records) {
      if (record.bucket_version < 0 || record.sticky_id.empty()) continue;
      std::string key = keys::StickyKey(record.experiment_key,
                                        record.bucket_version, record.sticky_id);
      if (!sticky_seen.insert(key).second) continue;
      if (sticky_cache_.Get(key) >= 0) continue;
      std::string ignored;
      const rocksdb::Status got =
          handles.db->Get(read_options, handles.assignments, key, &ignored);
      if (got.ok()) continue;
      if (!got.IsNotFound()) {
        return FromRocksDbStatus(got, "read sticky assignment");
      }
      std::string value;
      PutVarint64(&value, static_cast<uint64_t>(record.variant_index));
      RETURN_IF_ERROR(FromRocksDbStatus(
          batch.Put(handles.assignments, key, value), "batch"));
      sticky_written.emplace_back(std::move(key), record.variant_index);
    }
    std::vector<NewExposure> fresh;
    fresh.reserve(first_records.size());
    for (size_t i : first_records) {
      const ExposureRecord& record = records[i];
      fresh.push_back(NewExposure{
          record.unit_type, record.unit_id,
          ToExposure(record.experiment_key, pending.at(db_keys[i]).value)});
    }
    RETURN_IF_ERROR(extend(handles, fresh, batch));
    if (batch.Count() == 0) return absl::OkStatus();  // Only repeats.
    rocksdb::WriteOptions write_options;
    write_options.sync = options_.sync;
    return FromRocksDbStatus(handles.db->Write(write_options, &batch),
                             "record exposures");
  }));
  for (const auto& [key, variant] : sticky_written) {
    sticky_cache_.Put(key, variant);
  }
  for (const auto& [key, variant] : exposures_known) {
    exposure_cache_.Put(key, variant);
  }
  return result;
}

int ExposureStore::VariantCache::Get(const std::string& key) const {
  const Shard& shard = shards_[absl::Hash<std::string>()(key) % kShards];
  absl::MutexLock lock(&shard.mu);
  auto it = shard.variants.find(key);
  return it == shard.variants.end() ? -1 : it->second;
}

void ExposureStore::VariantCache::Put(const std::string& key, int variant) {
  Shard& shard = shards_[absl::Hash<std::string>()(key) % kShards];
  absl::MutexLock lock(&shard.mu);
  if (shard.variants.size() >= per_shard_ && !shard.variants.contains(key)) {
    shard.variants.erase(shard.variants.begin());
  }
  shard.variants[key] = variant;
}

// ----- Reads -----

absl::StatusOr<std::vector<Exposure>> ExposureStore::ForUnit(
    absl::string_view unit_type, absl::string_view unit_id) const {
  ASSIGN_OR_RETURN(const std::string prefix,
                   keys::ExposureUnitPrefix(unit_type, unit_id));
  std::vector<Exposure> exposures;
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles) {
    // The upper bound must outlive the iterator.
    const std::string upper = keys::PrefixSuccessor(prefix);
    const rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read_options;
    read_options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        handles.db->NewIterator(read_options, handles.exposures));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      const absl::string_view db_key = ToView(it->key());
      absl::string_view key_type;
      absl::string_view key_id;
      absl::string_view experiment_key;
      if (!keys::ParseExposureKey(db_key, &key_type, &key_id,
                                  &experiment_key) ||
          key_type != unit_type || key_id != unit_id) {
        return absl::DataLossError("corrupt exposure key");
      }
      ASSIGN_OR_RETURN(ExposureValue value,
                       DecodeExposureValue(db_key, ToView(it->value())));
      exposures.push_back(ToExposure(experiment_key, std::move(value)));
    }
    return FromRocksDbStatus(it->status(), "list unit exposures");
  }));
  return exposures;
}

absl::StatusOr<int> ExposureStore::StickyVariant(
    absl::string_view experiment_key, int64_t bucket_version,
    absl::string_view id) const {
  const std::string key = keys::StickyKey(experiment_key, bucket_version, id);
  int variant = sticky_cache_.Get(key);
  if (variant >= 0) return variant;
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles) {
    std::string value;
    const rocksdb::Status s = handles.db->Get(
        rocksdb::ReadOptions(), handles.assignments, key, &value);
    if (s.IsNotFound()) return absl::OkStatus();
    RETURN_IF_ERROR(FromRocksDbStatus(s, "read sticky assignment"));
    absl::string_view in = value;
    uint64_t index = 0;
    if (!GetVarint64(&in, &index) || !in.empty() ||
        index > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
      return absl::DataLossError("assignments: undecodable sticky record");
    }
    variant = static_cast<int>(index);
    return absl::OkStatus();
  }));
  if (variant >= 0) sticky_cache_.Put(key, variant);
  return variant;
}

absl::StatusOr<std::optional<Exposure>> ExposureStore::Get(
    absl::string_view unit_type, absl::string_view unit_id,
    absl::string_view experiment_key) const {
  ASSIGN_OR_RETURN(const std::string db_key,
                   keys::ExposureKey(unit_type, unit_id, experiment_key));
  std::optional<Exposure> result;
  RETURN_IF_ERROR(database_.WithHandles([&](const DbHandles& handles) {
    ASSIGN_OR_RETURN(std::optional<ExposureValue> value,
                     ReadExposure(handles, rocksdb::ReadOptions(), db_key));
    if (value.has_value()) {
      result = ToExposure(experiment_key, *std::move(value));
    }
    return absl::OkStatus();
  }));
  return result;
}

absl::Status ExposureStore::ForEachExposure(
    absl::string_view experiment_key,
    const std::function<bool(const std::string& unit_type,
                             const std::string& unit_id,
                             const Exposure& exposure)>& fn) const {
  RETURN_IF_ERROR(
      keys::ValidateExposureKeyPart("experiment_key", experiment_key));
  return database_.WithHandles([&](const DbHandles& handles) {
    // An iterator reads from the implicit snapshot taken at its creation.
    std::unique_ptr<rocksdb::Iterator> it(
        handles.db->NewIterator(rocksdb::ReadOptions(), handles.exposures));
    std::string unit_type;
    std::string unit_id;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const absl::string_view db_key = ToView(it->key());
      absl::string_view key_type;
      absl::string_view key_id;
      absl::string_view key_experiment;
      if (!keys::ParseExposureKey(db_key, &key_type, &key_id,
                                  &key_experiment)) {
        return absl::DataLossError("corrupt exposure key");
      }
      if (key_experiment != experiment_key) continue;
      ASSIGN_OR_RETURN(ExposureValue value,
                       DecodeExposureValue(db_key, ToView(it->value())));
      unit_type.assign(key_type.data(), key_type.size());
      unit_id.assign(key_id.data(), key_id.size());
      if (!fn(unit_type, unit_id,
              ToExposure(key_experiment, std::move(value)))) {
        break;
      }
    }
    return FromRocksDbStatus(it->status(), "scan exposures");
  });
}

absl::StatusOr<ExposureCounts> ExposureStore::CountByVariant(
    absl::string_view experiment_key) const {
  ExposureCounts counts;
  RETURN_IF_ERROR(ForEachExposure(
      experiment_key,
      [&](const std::string& /*unit_type*/, const std::string& /*unit_id*/,
          const Exposure& exposure) {
        const size_t index = static_cast<size_t>(exposure.variant_index);
        if (counts.per_variant.size() <= index) {
          counts.per_variant.resize(index + 1, 0);
        }
        ++counts.per_variant[index];
        if (exposure.mismatches > 0) ++counts.mismatched_units;
        return true;
      }));
  return counts;
}

}  // namespace cxlab::storage
