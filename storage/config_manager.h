// Copyright 2026 The cxlab Authors.
//
// ConfigManager: the versioned, validated config of a cxlabd — definitions
// stored in RocksDB (ConfigStore), mirrored in memory, and compiled into an
// immutable engine::ConfigSnapshot that request threads read without locks.
//
// Every write is checked against the lifecycle rules (engine/lifecycle.h)
// and validated against the whole resulting config (ValidateDefinitions)
// before anything is stored; then it is committed atomically with its audit
// record, the snapshot is rebuilt and swapped, and watchers are woken. A
// rejected write changes nothing.
//
//   ASSIGN_OR_RETURN(auto config, ConfigManager::Open("/var/lib/cxlab"));
//   std::shared_ptr<const engine::ConfigSnapshot> snap = config->snapshot();
//
// Thread-safety: all methods are safe to call concurrently. Writers are
// serialised; snapshot() never waits on a writer.

#ifndef CXLAB_STORAGE_CONFIG_MANAGER_H_
#define CXLAB_STORAGE_CONFIG_MANAGER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/definitions.h"
#include "engine/snapshot.h"
#include "storage/config_store.h"
#include "storage/database.h"

namespace cxlab::storage {

// The kinds of definitions.
enum class Kind {
  kExperiment,
  kSegment,
  kGroup,
  kMetric,
  kLayer,
  kHoldout,
  kSlot,
};

// "experiment", "segment", "group", "metric", "layer", "holdout", "slot".
absl::string_view KindName(Kind kind);

// Any one definition.
using AnyDefinition =
    std::variant<engine::ExperimentDef, engine::SegmentDef, engine::GroupDef,
                 engine::MetricDef, engine::LayerDef, engine::HoldoutDef,
                 engine::SlotDef>;

Kind KindOf(const AnyDefinition& def);
const std::string& KeyOf(const AnyDefinition& def);

// Server-maintained bookkeeping of a stored definition.
struct ObjectMeta {
  int64_t version = 0;          // config version of the last write
  int64_t created_version = 0;  // config version of the create
  absl::Time updated_at;
  std::string updated_by;  // API key id
};

struct StoredDefinition {
  AnyDefinition def;
  ObjectMeta meta;
};

// Who writes, and when (time comes from the caller: no clock reads here).
struct Actor {
  std::string id;
  absl::Time now;
};

// What applying a definition does.
struct PlannedChange {
  enum class Action { kCreate, kUpdate, kUnchanged };
  Kind kind;
  std::string key;
  Action action;
  std::vector<std::string> changed_fields;  // top-level fields, for kUpdate
};

struct ApplyResult {
  // Validation errors of the resulting config (empty when it is valid).
  std::vector<engine::DefinitionError> errors;
  std::vector<PlannedChange> changes;
  int64_t version = 0;  // config version after the apply
};

// A lifecycle transition of one experiment.
struct Transition {
  enum class Op { kStart, kPause, kStop, kLaunch };
  Op op;
  std::string new_salt;  // kStart of a stopped experiment
  std::string winner;    // kLaunch
};

// One served config version, for WatchConfig.
struct ConfigEvent {
  int64_t version = 0;
  std::string action;
  std::string kind;
  std::string key;
};

class ConfigManager {
 public:
  // Loads every definition stored in `database` (borrowed; must outlive the
  // manager) and compiles the first snapshot. Fails when the stored config
  // cannot be read or does not compile (DATA_LOSS naming the object).
  static absl::StatusOr<std::unique_ptr<ConfigManager>> Open(
      Database& database);

  ~ConfigManager();
  ConfigManager(const ConfigManager&) = delete;
  ConfigManager& operator=(const ConfigManager&) = delete;

  // The snapshot now served. Lock-free; never waits on a writer.
  std::shared_ptr<const engine::ConfigSnapshot> snapshot() const;

  // The global config version (bumped by every write, API keys included).
  int64_t version() const;

  // Reads, from memory. NOT_FOUND names the kind and key.
  absl::StatusOr<StoredDefinition> Get(Kind kind, absl::string_view key) const;
  // Every definition of `kind`, sorted by key.
  std::vector<StoredDefinition> List(Kind kind) const;

  // Creates (kCreate: ALREADY_EXISTS when present) or updates (kUpdate:
  // NOT_FOUND when absent) one definition. `expected_version` != 0 must
  // equal the stored meta.version (else ABORTED). Lifecycle violations are
  // FAILED_PRECONDITION; validation errors INVALID_ARGUMENT, one line per
  // broken rule ("experiment checkout: variants[1].weight: ...").
  enum class WriteMode { kCreate, kUpdate };
  absl::StatusOr<StoredDefinition> Put(AnyDefinition def, WriteMode mode,
                                       int64_t expected_version,
                                       const Actor& actor);

  // Deletes one definition; INVALID_ARGUMENT when others still reference it.
  // Returns the new config version.
  absl::StatusOr<int64_t> Delete(Kind kind, absl::string_view key,
                                 int64_t expected_version, const Actor& actor);

  // Start, pause, stop or launch an experiment (see engine/lifecycle.h).
  absl::StatusOr<StoredDefinition> ApplyTransition(absl::string_view key,
                                                   const Transition& transition,
                                                   int64_t expected_version,
                                                   const Actor& actor);

  // Creates or updates every definition of `defs` at once (all or nothing).
  // With `dry_run` nothing is stored and every problem, lifecycle
  // violations included, is listed in the result. Otherwise a lifecycle
  // violation is FAILED_PRECONDITION (one line per experiment) and other
  // validation errors are returned in the result (not as a status) so
  // callers can list them all; nothing is stored unless there are none.
  absl::StatusOr<ApplyResult> Apply(const engine::Definitions& defs,
                                    bool dry_run, const Actor& actor);

  // The audit log.
  absl::StatusOr<ConfigStore::ChangePage> ListChanges(
      const ConfigStore::ChangeQuery& query) const;

  // Commits a write that is not a definition (API keys) through the same
  // serialised writer, so versions stay consecutive. Returns the version.
  absl::StatusOr<int64_t> CommitOther(ConfigStore::Write write);

  // Reads other stored objects (API keys).
  ConfigStore& store() { return *store_; }

  // Blocks until the config version exceeds `after_version`, `timeout`
  // passes or Shutdown() is called; returns the latest event.
  ConfigEvent WaitForChange(int64_t after_version, absl::Duration timeout);

  // Wakes every WaitForChange() for good (server shutdown).
  void Shutdown();

 private:
  explicit ConfigManager(std::unique_ptr<ConfigStore> store);

  absl::Status Load();
  // Validates `next`, commits `writes` and swaps in the new definitions.
  absl::StatusOr<int64_t> CommitDefinitions(
      engine::Definitions next, std::vector<ConfigStore::Write> writes,
      const ConfigEvent& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  void Publish(std::shared_ptr<const engine::ConfigSnapshot> snapshot,
               const ConfigEvent& event);

  const std::unique_ptr<ConfigStore> store_;

  // Serialises writers. defs_ and meta_ mirror the stored definitions.
  mutable absl::Mutex write_mu_;
  engine::Definitions defs_ ABSL_GUARDED_BY(write_mu_);
  absl::flat_hash_map<std::string, ObjectMeta> meta_ ABSL_GUARDED_BY(write_mu_);

  // The served snapshot; read with std::atomic_load.
  std::shared_ptr<const engine::ConfigSnapshot> snapshot_;

  // Watchers.
  mutable absl::Mutex event_mu_;
  absl::CondVar event_cv_;
  ConfigEvent last_event_ ABSL_GUARDED_BY(event_mu_);
  bool shutdown_ ABSL_GUARDED_BY(event_mu_) = false;
};

}  // namespace cxlab::storage

#endif  // CXLAB_STORAGE_CONFIG_MANAGER_H_
