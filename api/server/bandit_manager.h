// Copyright 2026 The cxlab Authors.
//
// BanditManager: learns the weights of bandit experiments (ExperimentDef::
// bandit) and serves them to assignment. Every `interval_minutes` of an
// experiment it reads the experiment's aggregates (never the raw log),
// computes Thompson-sampling weights (engine/stats/bandit.h) on the bandit
// metric for each persona context — every persona segment from the cells
// of that segment's units, and "" (visitors matching no persona) from the
// units recorded under keys::kNoPersonaSegment (from all units while none
// were recorded) — floors them at min_share, stores the new version and
// its history (storage/bandit_store.h) and swaps in an immutable
// BanditWeights that Assign reads without locking.
//
// Assignments stay deterministic within one weights version, and a bandit
// experiment is sticky: once exposed, a unit keeps its variant (the stored
// assignment wins), so re-weighting only moves new visitors.
//
// Thread-safety: all methods are safe to call concurrently; re-weighting is
// serialised by an internal mutex.

#ifndef CXLAB_API_SERVER_BANDIT_MANAGER_H_
#define CXLAB_API_SERVER_BANDIT_MANAGER_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/allocation.h"
#include "engine/evaluator.h"
#include "storage/bandit_store.h"
#include "storage/config_manager.h"
#include "storage/database.h"
#include "storage/tracker.h"

namespace cxlab::api {

// The learned ranges in force, per experiment and persona context.
// Immutable once published.
struct BanditWeights {
  struct Experiment {
    int64_t version = 0;
    // Context ("" or a segment key) -> bucket ranges per variant.
    absl::flat_hash_map<std::string, std::vector<engine::BucketRange>> ranges;
  };
  absl::flat_hash_map<std::string, Experiment> experiments;
};

struct BanditOptions {
  // How often the background thread looks for experiments due.
  absl::Duration tick = absl::Seconds(1);
  // False: no thread; re-weight only through Reweight() (tests).
  bool background = true;
};

class BanditManager {
 public:
  // Borrows all three (they must outlive the manager), loads the stored
  // states and starts the background thread (options.background).
  static absl::StatusOr<std::unique_ptr<BanditManager>> Start(
      storage::ConfigManager& config, storage::Tracker& tracker,
      storage::Database& database, const BanditOptions& options);

  // Stops the thread.
  ~BanditManager();

  BanditManager(const BanditManager&) = delete;
  BanditManager& operator=(const BanditManager&) = delete;

  // The weights in force; never null.
  std::shared_ptr<const BanditWeights> Current() const;

  // Re-weights `experiment_key` now from its aggregates, as of `now`.
  // Errors: NOT_FOUND for an unknown experiment, FAILED_PRECONDITION when it
  // is not a bandit, others from storage.
  absl::StatusOr<storage::BanditState> Reweight(
      absl::string_view experiment_key, absl::Time now);

  // The stored state of `experiment_key` (nullopt before the first
  // re-weighting). Errors: NOT_FOUND for an unknown experiment,
  // FAILED_PRECONDITION when it is not a bandit.
  absl::StatusOr<std::optional<storage::BanditState>> State(
      absl::string_view experiment_key) const;

  // Stops the background thread. Idempotent.
  void Shutdown();

 private:
  BanditManager(storage::ConfigManager& config, storage::Tracker& tracker,
                storage::Database& database, const BanditOptions& options);

  // Publishes Current() from `states_`. Requires mu_.
  void PublishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Loop();

  storage::ConfigManager& config_;
  storage::Tracker& tracker_;
  const BanditOptions options_;
  storage::BanditStore store_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, storage::BanditState> states_
      ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<const BanditWeights> current_;  // std::atomic_load/store
  std::thread thread_;
};

// Serves sticky assignments from the Tracker and bandit ranges from a
// BanditWeights to the engine's evaluator. Lives for one request; borrows
// `tracker` (may be null: nothing stored) and holds `weights` (may be null).
class ServerOverrides final : public engine::AssignmentOverrides {
 public:
  ServerOverrides(const storage::Tracker* tracker,
                  std::shared_ptr<const BanditWeights> weights)
      : tracker_(tracker), weights_(std::move(weights)) {}

  int StoredVariant(const engine::CompiledExperiment& experiment,
                    absl::string_view id) const override;
  const std::vector<engine::BucketRange>* BanditRanges(
      const engine::CompiledExperiment& experiment,
      absl::string_view context) const override;

 private:
  const storage::Tracker* const tracker_;
  const std::shared_ptr<const BanditWeights> weights_;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_BANDIT_MANAGER_H_
