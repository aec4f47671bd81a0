// Copyright 2026 The cxlab Authors.
//
// ExposureStore: the first exposure of each unit to each experiment, kept in
// the `exposures` column family (storage/keys.h). Assign/AssignBatch record
// an exposure per (unit, experiment); the first one wins (variant and time).
// A later assignment of the same unit to another variant (e.g. after a
// weight change) is counted as a mismatch on the stored exposure, never as a
// second exposure. A prefix scan by unit lists the experiments an event is
// attributed to.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<ExposureStore> exposures,
//                    ExposureStore::Create(*database, ExposureOptions()));
//   ExposureRecord record;
//   record.unit_type = "user";
//   record.unit_id = "u-42";
//   record.experiment_key = "checkout";
//   record.variant_index = 1;
//   record.variant_key = "treatment";
//   record.time = now;
//   ASSIGN_OR_RETURN(RecordResult result,
//                    exposures->Record(absl::MakeConstSpan(&record, 1)));
//   ASSIGN_OR_RETURN(std::vector<Exposure> seen,
//                    exposures->ForUnit("user", "u-42"));

#ifndef CXLAB_STORAGE_EXPOSURE_STORE_H_
#define CXLAB_STORAGE_EXPOSURE_STORE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "storage/database.h"

namespace rocksdb {
class WriteBatch;
}  // namespace rocksdb

namespace cxlab::storage {
namespace internal {
struct DbHandles;
}  // namespace internal

// How an ExposureStore writes.
struct ExposureOptions {
  // The write-ahead log is always on. When true every Record batch is also
  // fsynced before Record returns; when false a machine crash (not a process
  // crash) may lose the most recent batches.
  bool sync = false;
};

// One assignment to record.
struct ExposureRecord {
  std::string unit_type;       // e.g. "user"; non-empty, no NUL.
  std::string unit_id;         // Non-empty, no NUL.
  std::string experiment_key;  // Non-empty, no NUL.
  int variant_index = 0;       // >= 0; identifies the variant.
  std::string variant_key;     // Descriptive; any bytes.
  absl::Time time;             // Finite; stored to the microsecond.
  // The persona segments the unit matched at this assignment (stored with
  // a first exposure; ignored for a repeat or a mismatch). Each non-empty
  // without NUL.
  std::vector<std::string> segments;
  // Sticky bucketing: when bucket_version >= 0, the assignment is also
  // stored as (experiment_key, bucket_version, sticky_id) -> variant_index
  // unless one is stored already (the first wins). sticky_id is the id the
  // experiment hashed; non-empty without further rules.
  int64_t bucket_version = -1;
  std::string sticky_id;
};

// A unit's stored exposure to one experiment.
struct Exposure {
  std::string experiment_key;
  int variant_index = 0;    // Of the first exposure.
  std::string variant_key;  // Of the first exposure.
  absl::Time first_seen;    // Time of the first exposure (microseconds).
  int64_t mismatches = 0;   // Later assignments to another variant.
  // The variant_key of the newest mismatching assignment; empty while
  // mismatches == 0.
  std::string last_mismatch_variant_key;
  // The persona segments the unit matched at its first exposure.
  std::vector<std::string> segments;
};

// What one Record call did, per record.
struct RecordResult {
  int64_t new_exposures = 0;  // First exposures written.
  int64_t repeats = 0;        // Same variant again; nothing written.
  int64_t mismatches = 0;     // Another variant; the mismatch count grew.
};

// A first exposure written by a Record call.
struct NewExposure {
  std::string unit_type;
  std::string unit_id;
  Exposure exposure;
};

// Adds writes of the caller's to the batch that records exposures, so they
// commit together (see ExposureStore::Record). Called once, while the
// stripes of the records' units are held, with the open database (which the
// function must not reopen through Database::WithHandles: it is held
// already), the first exposures the batch writes (in record order) and the
// batch. A non-OK status aborts the Record call; nothing is written.
using RecordExtension = absl::FunctionRef<absl::Status(
    const internal::DbHandles& handles, absl::Span<const NewExposure> fresh,
    rocksdb::WriteBatch& batch)>;

// Exposure totals of one experiment.
struct ExposureCounts {
  // Units first exposed to each variant, indexed by variant_index; its size
  // is the largest variant_index seen plus one (empty without exposures).
  std::vector<int64_t> per_variant;
  // Units with at least one mismatch (they are counted in per_variant under
  // their first variant as well).
  int64_t mismatched_units = 0;
};

// The store of first exposures.
//
// Thread-safe: all methods may be called concurrently. Record calls are
// serialised per unit by a fixed array of striped mutexes (chosen by a hash
// of unit_type and unit_id), so concurrent Records for the same unit never
// lose an update nor create two first exposures, while Records for units on
// different stripes proceed in parallel; there is no global write lock.
// Reads take no store lock and see each Record batch entirely or not at all.
//
// The store borrows its Database, which must outlive it. Validation shared
// by all methods: unit_type, unit_id and experiment_key must be non-empty
// and must not contain NUL; violations are INVALID_ARGUMENT naming the field.
// Once the Database is closed every method returns FAILED_PRECONDITION.
class ExposureStore {
 public:
  // Creates a store over the borrowed `database`, which must outlive it.
  // Errors: FAILED_PRECONDITION if `database` is closed.
  static absl::StatusOr<std::unique_ptr<ExposureStore>> Create(
      Database& database, const ExposureOptions& options);

  ExposureStore(const ExposureStore&) = delete;
  ExposureStore& operator=(const ExposureStore&) = delete;

  ~ExposureStore();

  // Records `records` in one RocksDB write batch, all-or-nothing. For each
  // record, in order:
  //   - no exposure of (unit, experiment) yet: it becomes the exposure
  //     (new_exposures); the first one recorded wins, whatever its time;
  //   - an exposure with the same variant_index: a repeat, nothing written;
  //   - an exposure with another variant_index: a mismatch; the exposure
  //     keeps its first variant and time, its mismatch count grows by one
  //     and it remembers this record's variant_key.
  // Records of the same (unit, experiment) inside `records` behave as if
  // recorded one after another. Errors:
  //   INVALID_ARGUMENT     a bad record, e.g. "records[3].unit_id: must not be
  //                        empty", "records[0].variant_index: must be >= 0,
  //                        got -1", "records[2].time: must be finite"; then
  //                        nothing is written;
  //   FAILED_PRECONDITION  the Database is closed;
  //   others               from RocksDB (nothing is written).
  // An empty `records` writes nothing and returns zero counts.
  absl::StatusOr<RecordResult> Record(absl::Span<const ExposureRecord> records);

  // Record, with `extend` adding the caller's writes to the same batch (one
  // RocksDB write, all or nothing). `extend` runs even when no exposure is
  // new (with an empty `fresh`), unless `records` is empty or invalid.
  absl::StatusOr<RecordResult> Record(absl::Span<const ExposureRecord> records,
                                      RecordExtension extend);

  // All exposures of one unit, sorted by experiment key (bytewise). Errors:
  // INVALID_ARGUMENT for a bad unit_type/unit_id; DATA_LOSS for a record
  // that cannot be decoded.
  absl::StatusOr<std::vector<Exposure>> ForUnit(
      absl::string_view unit_type, absl::string_view unit_id) const;

  // The unit's exposure to `experiment_key`, or nullopt if it has none.
  // Errors as ForUnit.
  absl::StatusOr<std::optional<Exposure>> Get(
      absl::string_view unit_type, absl::string_view unit_id,
      absl::string_view experiment_key) const;

  // Calls `fn` for every exposure to `experiment_key`, ordered by unit type
  // then unit id (bytewise), from one consistent snapshot; stops early when
  // `fn` returns false. Scans the whole column family. `fn` runs while the
  // Database is held open, so it must not close the Database nor call back
  // into this store. Errors: INVALID_ARGUMENT for a bad experiment_key;
  // DATA_LOSS for a key or record that cannot be decoded.
  absl::Status ForEachExposure(
      absl::string_view experiment_key,
      const std::function<bool(const std::string& unit_type,
                               const std::string& unit_id,
                               const Exposure& exposure)>& fn) const;

  // The sticky assignment of `id` in `experiment_key` at `bucket_version`:
  // its variant index, or -1 when none is stored. Errors: FAILED_PRECONDITION
  // when the database is closed; DATA_LOSS for an undecodable record.
  absl::StatusOr<int> StickyVariant(absl::string_view experiment_key,
                                    int64_t bucket_version,
                                    absl::string_view id) const;

  // Exposure totals of `experiment_key`, from one consistent snapshot (a
  // full scan, as ForEachExposure). Errors as ForEachExposure.
  absl::StatusOr<ExposureCounts> CountByVariant(
      absl::string_view experiment_key) const;

 private:
  // Number of unit lock stripes.
  static constexpr size_t kStripes = 256;

  ExposureStore(Database& database, const ExposureOptions& options);

  // The stripe serialising Records of one unit.
  static size_t StripeOf(absl::string_view unit_type,
                         absl::string_view unit_id);

  // Constant after construction.
  Database& database_;
  const ExposureOptions options_;

  // A bounded key -> variant cache (any entry may be evicted), for values
  // that never change once stored: sticky assignments, and the first
  // variant of an exposure. Assign's hot path and the exposure flush then
  // need no RocksDB read for units seen recently.
  class VariantCache {
   public:
    explicit VariantCache(size_t per_shard) : per_shard_(per_shard) {}
    // The cached variant of `key`, or -1.
    int Get(const std::string& key) const;
    void Put(const std::string& key, int variant);

   private:
    static constexpr size_t kShards = 64;
    struct Shard {
      mutable absl::Mutex mu;
      absl::flat_hash_map<std::string, int> variants ABSL_GUARDED_BY(mu);
    };
    const size_t per_shard_;
    std::array<Shard, kShards> shards_;
  };
  mutable VariantCache sticky_cache_{16384};
  mutable VariantCache exposure_cache_{8192};

  // Each guards read-modify-write of the exposures of the units hashed to
  // it. A Record locks the distinct stripes of its batch in ascending index
  // order, so Records never deadlock one another.
  std::array<absl::Mutex, kStripes> stripes_;
};

}  // namespace cxlab::storage

#endif  // CXLAB_STORAGE_EXPOSURE_STORE_H_
