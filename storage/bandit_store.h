// Copyright 2026 The cxlab Authors.
//
// BanditStore: the learned weights of bandit experiments, one record per
// experiment in the `bandits` column family — the weights in force per
// persona context and the history of every re-weighting (the newest
// kMaxBanditHistory kept), so `cxlab bandit KEY` and reports can show how the
// allocation moved.
//
// Record format: a JSON document (engine/json.h) with a leading format byte
// 1: {"version", "updated_at" (Unix microseconds), "contexts": [...],
// "history": [{"version", "time", "contexts"}]}; a context is {"segment"
// ("" for visitors matching no persona), "weights", "units",
// "conversions"}. JSON keeps the record readable with `ldb` and is tiny
// next to the event log.
//
// Thread-safety: all methods may be called concurrently; Save calls for one
// experiment must be serialised by the caller (the BanditManager's single
// thread).

#ifndef CXLAB_STORAGE_BANDIT_STORE_H_
#define CXLAB_STORAGE_BANDIT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "storage/database.h"

namespace cxlab::storage {

// History entries kept per experiment.
inline constexpr size_t kMaxBanditHistory = 500;

// The weights for one persona context.
struct BanditContext {
  std::string segment;          // persona segment key; "" = no persona
  std::vector<double> weights;  // per variant, sum 1
  std::vector<int64_t> units;   // the data they were learned from
  std::vector<int64_t> conversions;
};

struct BanditHistoryEntry {
  int64_t version = 0;
  absl::Time time;
  std::vector<BanditContext> contexts;
};

struct BanditState {
  int64_t version = 0;  // 0: never re-weighted (configured weights)
  absl::Time updated_at = absl::UnixEpoch();
  std::vector<BanditContext> contexts;
  std::vector<BanditHistoryEntry> history;  // oldest first
};

class BanditStore {
 public:
  // Borrows `database`, which must outlive the store.
  explicit BanditStore(Database& database) : database_(database) {}

  // The stored state of `experiment_key`, or nullopt. Errors:
  // FAILED_PRECONDITION when closed, DATA_LOSS for an undecodable record.
  absl::StatusOr<std::optional<BanditState>> Load(
      absl::string_view experiment_key) const;

  // Replaces the state of `experiment_key` (history trimmed to
  // kMaxBanditHistory). Errors: FAILED_PRECONDITION when closed, others
  // from RocksDB.
  absl::Status Save(absl::string_view experiment_key, const BanditState& state);

  // Encoding, exposed for tests.
  static std::string Encode(const BanditState& state);
  static absl::StatusOr<BanditState> Decode(absl::string_view bytes);

 private:
  Database& database_;
};

}  // namespace cxlab::storage

#endif  // CXLAB_STORAGE_BANDIT_STORE_H_
