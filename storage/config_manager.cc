// Copyright 2026 The cxlab Authors.

#include "storage/config_manager.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/definitions_codec.h"
#include "engine/json.h"
#include "engine/lifecycle.h"
#include "engine/status_macros.h"

namespace cxlab::storage {
namespace {

using engine::Definitions;
using engine::ExperimentDef;
using engine::ExperimentStatus;

constexpr Kind kAllKinds[] = {Kind::kGroup,   Kind::kSegment,
                              Kind::kMetric,  Kind::kLayer,
                              Kind::kHoldout, Kind::kExperiment,
                              Kind::kSlot};

// Storage keeps microseconds; round here so memory and disk agree.
absl::Time StoredTime(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

std::string MetaKey(Kind kind, absl::string_view key) {
  return absl::StrCat(KindName(kind), "/", key);
}

// The typed vector of a Definitions holding kind T.
template <typename T>
std::vector<T>& Vec(Definitions& d);
template <>
std::vector<engine::ExperimentDef>& Vec(Definitions& d) {
  return d.experiments;
}
template <>
std::vector<engine::SegmentDef>& Vec(Definitions& d) {
  return d.segments;
}
template <>
std::vector<engine::GroupDef>& Vec(Definitions& d) {
  return d.groups;
}
template <>
std::vector<engine::MetricDef>& Vec(Definitions& d) {
  return d.metrics;
}
template <>
std::vector<engine::LayerDef>& Vec(Definitions& d) {
  return d.layers;
}
template <>
std::vector<engine::HoldoutDef>& Vec(Definitions& d) {
  return d.holdouts;
}
template <>
std::vector<engine::SlotDef>& Vec(Definitions& d) {
  return d.slots;
}

// Calls fn(std::vector<T>&) for the vector of `kind`.
template <typename Fn>
auto WithVector(Definitions& d, Kind kind, Fn&& fn) {
  switch (kind) {
    case Kind::kExperiment:
      return fn(d.experiments);
    case Kind::kSegment:
      return fn(d.segments);
    case Kind::kGroup:
      return fn(d.groups);
    case Kind::kMetric:
      return fn(d.metrics);
    case Kind::kLayer:
      return fn(d.layers);
    case Kind::kSlot:
      return fn(d.slots);
    case Kind::kHoldout:
      break;
  }
  return fn(d.holdouts);
}

std::optional<AnyDefinition> FindDef(const Definitions& defs, Kind kind,
                                     absl::string_view key) {
  Definitions& d = const_cast<Definitions&>(defs);
  return WithVector(d, kind, [&](auto& vec) -> std::optional<AnyDefinition> {
    for (const auto& item : vec) {
      if (item.key == key) return AnyDefinition(item);
    }
    return std::nullopt;
  });
}

// Replaces or inserts `def`, keeping each vector sorted by key.
void Upsert(Definitions& defs, AnyDefinition def) {
  std::visit(
      [&](auto& typed) {
        using T = std::decay_t<decltype(typed)>;
        std::vector<T>& vec = Vec<T>(defs);
        auto it = std::lower_bound(
            vec.begin(), vec.end(), typed.key,
            [](const T& a, const std::string& k) { return a.key < k; });
        if (it != vec.end() && it->key == typed.key) {
          *it = std::move(typed);
        } else {
          vec.insert(it, std::move(typed));
        }
      },
      def);
}

bool Remove(Definitions& defs, Kind kind, absl::string_view key) {
  return WithVector(defs, kind, [&](auto& vec) {
    for (auto it = vec.begin(); it != vec.end(); ++it) {
      if (it->key == key) {
        vec.erase(it);
        return true;
      }
    }
    return false;
  });
}

engine::Value ToValue(const AnyDefinition& def) {
  return std::visit(
      [](const auto& d) -> engine::Value {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, engine::ExperimentDef>) {
          return engine::ExperimentToValue(d);
        } else if constexpr (std::is_same_v<T, engine::SegmentDef>) {
          return engine::SegmentToValue(d);
        } else if constexpr (std::is_same_v<T, engine::GroupDef>) {
          return engine::GroupToValue(d);
        } else if constexpr (std::is_same_v<T, engine::MetricDef>) {
          return engine::MetricToValue(d);
        } else if constexpr (std::is_same_v<T, engine::LayerDef>) {
          return engine::LayerToValue(d);
        } else if constexpr (std::is_same_v<T, engine::SlotDef>) {
          return engine::SlotToValue(d);
        } else {
          return engine::HoldoutToValue(d);
        }
      },
      def);
}

std::string ToJsonText(const AnyDefinition& def) {
  return engine::ToJson(ToValue(def));
}

absl::StatusOr<AnyDefinition> FromJsonText(Kind kind, absl::string_view json) {
  switch (kind) {
    case Kind::kExperiment: {
      ASSIGN_OR_RETURN(auto d, engine::ExperimentFromJson(json));
      return AnyDefinition(std::move(d));
    }
    case Kind::kSegment: {
      ASSIGN_OR_RETURN(auto d, engine::SegmentFromJson(json));
      return AnyDefinition(std::move(d));
    }
    case Kind::kGroup: {
      ASSIGN_OR_RETURN(auto d, engine::GroupFromJson(json));
      return AnyDefinition(std::move(d));
    }
    case Kind::kMetric: {
      ASSIGN_OR_RETURN(auto d, engine::MetricFromJson(json));
      return AnyDefinition(std::move(d));
    }
    case Kind::kLayer: {
      ASSIGN_OR_RETURN(auto d, engine::LayerFromJson(json));
      return AnyDefinition(std::move(d));
    }
    case Kind::kHoldout: {
      ASSIGN_OR_RETURN(auto d, engine::HoldoutFromJson(json));
      return AnyDefinition(std::move(d));
    }
    case Kind::kSlot: {
      ASSIGN_OR_RETURN(auto d, engine::SlotFromJson(json));
      return AnyDefinition(std::move(d));
    }
  }
  return absl::InternalError("unknown kind");
}

std::optional<Kind> ParseKind(absl::string_view name) {
  for (Kind k : kAllKinds) {
    if (KindName(k) == name) return k;
  }
  return std::nullopt;
}

// Top-level fields whose values differ between two definitions.
std::vector<std::string> ChangedFields(const AnyDefinition& before,
                                       const AnyDefinition& after) {
  engine::Value a = ToValue(before), b = ToValue(after);
  std::vector<std::string> fields;
  absl::flat_hash_set<std::string> seen;
  for (const auto& [name, value] : b.members()) {
    seen.insert(name);
    const engine::Value* old = a.Find(name);
    if (old == nullptr || *old != value) fields.push_back(name);
  }
  for (const auto& [name, value] : a.members()) {
    if (!seen.contains(name)) fields.push_back(name);
  }
  return fields;
}


// Prefixes a status message with "<kind> <key>: ".
absl::Status Prefixed(const absl::Status& s, Kind kind, absl::string_view key) {
  return absl::Status(
      s.code(), absl::StrCat(KindName(kind), " ", key, ": ", s.message()));
}

// Splits a "field: rule" lifecycle message into a DefinitionError.
engine::DefinitionError LifecycleError(const absl::Status& s,
                                       absl::string_view key) {
  std::string message(s.message());
  size_t colon = message.find(": ");
  if (colon == std::string::npos) {
    return {"experiment", std::string(key), "", message};
  }
  return {"experiment", std::string(key), message.substr(0, colon),
          message.substr(colon + 2)};
}

}  // namespace

absl::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kExperiment:
      return "experiment";
    case Kind::kSegment:
      return "segment";
    case Kind::kGroup:
      return "group";
    case Kind::kMetric:
      return "metric";
    case Kind::kLayer:
      return "layer";
    case Kind::kHoldout:
      return "holdout";
    case Kind::kSlot:
      return "slot";
  }
  return "experiment";
}

Kind KindOf(const AnyDefinition& def) {
  static constexpr Kind kByIndex[] = {Kind::kExperiment, Kind::kSegment,
                                      Kind::kGroup,      Kind::kMetric,
                                      Kind::kLayer,      Kind::kHoldout,
                                      Kind::kSlot};
  return kByIndex[def.index()];
}

const std::string& KeyOf(const AnyDefinition& def) {
  return std::visit([](const auto& d) -> const std::string& { return d.key; },
                    def);
}

ConfigManager::ConfigManager(std::unique_ptr<ConfigStore> store)
    : store_(std::move(store)) {}

ConfigManager::~ConfigManager() { Shutdown(); }

absl::StatusOr<std::unique_ptr<ConfigManager>> ConfigManager::Open(
    Database& database) {
  ASSIGN_OR_RETURN(std::unique_ptr<ConfigStore> store,
                   ConfigStore::Create(database));
  std::unique_ptr<ConfigManager> manager(new ConfigManager(std::move(store)));
  RETURN_IF_ERROR(manager->Load());
  return manager;
}

absl::Status ConfigManager::Load() {
  absl::MutexLock lock(&write_mu_);
  ASSIGN_OR_RETURN(std::vector<ConfigStore::StoredObject> objects,
                   store_->ListAll());
  for (ConfigStore::StoredObject& o : objects) {
    std::optional<Kind> kind = ParseKind(o.kind);
    if (!kind.has_value()) continue;  // API keys and other non-definitions
    absl::StatusOr<AnyDefinition> def = FromJsonText(*kind, o.value);
    if (!def.ok()) {
      return absl::DataLossError(absl::StrCat("stored ", o.kind, " ", o.key,
                                              ": ", def.status().message()));
    }
    Upsert(defs_, std::move(*def));
    meta_[MetaKey(*kind, o.key)] =
        ObjectMeta{o.version, o.created_version, o.updated_at, o.updated_by};
  }
  const int64_t version = store_->version();
  absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> snap =
      engine::ConfigSnapshot::Build(defs_, version);
  if (!snap.ok()) {
    return absl::DataLossError(absl::StrCat("stored config does not compile: ",
                                            snap.status().message()));
  }
  Publish(*std::move(snap), ConfigEvent{version, "", "", ""});
  return absl::OkStatus();
}

std::shared_ptr<const engine::ConfigSnapshot> ConfigManager::snapshot() const {
  return std::atomic_load(&snapshot_);
}

int64_t ConfigManager::version() const { return store_->version(); }

absl::StatusOr<StoredDefinition> ConfigManager::Get(
    Kind kind, absl::string_view key) const {
  absl::ReaderMutexLock lock(&write_mu_);
  std::optional<AnyDefinition> def = FindDef(defs_, kind, key);
  if (!def.has_value()) {
    return absl::NotFoundError(
        absl::StrCat(KindName(kind), " '", key, "' not found"));
  }
  auto it = meta_.find(MetaKey(kind, key));
  return StoredDefinition{std::move(*def),
                          it == meta_.end() ? ObjectMeta{} : it->second};
}

std::vector<StoredDefinition> ConfigManager::List(Kind kind) const {
  absl::ReaderMutexLock lock(&write_mu_);
  std::vector<StoredDefinition> out;
  Definitions& d = const_cast<Definitions&>(defs_);
  WithVector(d, kind, [&](auto& vec) {
    for (const auto& item : vec) {
      auto it = meta_.find(MetaKey(kind, item.key));
      out.push_back(StoredDefinition{
          AnyDefinition(item), it == meta_.end() ? ObjectMeta{} : it->second});
    }
    return 0;
  });
  return out;
}

absl::StatusOr<int64_t> ConfigManager::CommitDefinitions(
    Definitions next, std::vector<ConfigStore::Write> writes,
    const ConfigEvent& event) {
  const int64_t new_version =
      store_->version() + static_cast<int64_t>(writes.size());
  // Build validates the whole resulting config and compiles it; nothing is
  // stored unless it succeeds.
  ASSIGN_OR_RETURN(std::shared_ptr<const engine::ConfigSnapshot> snap,
                   engine::ConfigSnapshot::Build(next, new_version));
  int64_t version;
  if (writes.size() == 1) {
    ASSIGN_OR_RETURN(version, store_->Commit(writes[0]));
  } else {
    ASSIGN_OR_RETURN(version, store_->CommitMany(writes));
  }
  for (const ConfigStore::Write& w : writes) {
    std::optional<Kind> kind = ParseKind(w.kind);
    if (!kind.has_value()) continue;
    std::string meta_key = MetaKey(*kind, w.key);
    if (w.op == ConfigStore::Write::Op::kDelete) {
      meta_.erase(meta_key);
      continue;
    }
    // Each write of a batch got its own consecutive version.
    int64_t v = version - static_cast<int64_t>(writes.size()) + 1 +
                static_cast<int64_t>(&w - writes.data());
    ObjectMeta& meta = meta_[meta_key];
    if (meta.created_version == 0) meta.created_version = v;
    meta.version = v;
    meta.updated_at = w.time;
    meta.updated_by = w.actor;
  }
  defs_ = std::move(next);
  ConfigEvent published = event;
  published.version = version;
  Publish(std::move(snap), published);
  return version;
}

void ConfigManager::Publish(std::shared_ptr<const engine::ConfigSnapshot> snap,
                            const ConfigEvent& event) {
  if (snap != nullptr) std::atomic_store(&snapshot_, std::move(snap));
  absl::MutexLock lock(&event_mu_);
  last_event_ = event;
  event_cv_.SignalAll();
}

absl::StatusOr<StoredDefinition> ConfigManager::Put(AnyDefinition def,
                                                    WriteMode mode,
                                                    int64_t expected_version,
                                                    const Actor& actor) {
  const Kind kind = KindOf(def);
  const std::string key = KeyOf(def);
  if (!engine::IsValidKey(key)) {
    return absl::InvalidArgumentError(
        absl::StrCat(KindName(kind),
                     ".key: must be 1-128 characters of letters, digits, "
                     "'_', '.', '-', starting with a letter or digit"));
  }
  absl::MutexLock lock(&write_mu_);
  std::optional<AnyDefinition> before = FindDef(defs_, kind, key);
  const ObjectMeta meta =
      before.has_value() ? meta_[MetaKey(kind, key)] : ObjectMeta{};
  if (mode == WriteMode::kCreate && before.has_value()) {
    return absl::AlreadyExistsError(
        absl::StrCat(KindName(kind), " '", key, "' already exists"));
  }
  if (mode == WriteMode::kUpdate && !before.has_value()) {
    return absl::NotFoundError(
        absl::StrCat(KindName(kind), " '", key, "' not found"));
  }
  if (expected_version != 0 && meta.version != expected_version) {
    return absl::AbortedError(
        absl::StrCat(KindName(kind), " ", key, ": version ", expected_version,
                     " expected, current is ", meta.version));
  }
  if (kind == Kind::kExperiment) {
    absl::Status lifecycle = engine::CheckExperimentChange(
        before.has_value() ? &std::get<ExperimentDef>(*before) : nullptr,
        std::get<ExperimentDef>(def));
    if (!lifecycle.ok()) return Prefixed(lifecycle, kind, key);
  }
  if (before.has_value() && ToJsonText(*before) == ToJsonText(def)) {
    return StoredDefinition{std::move(def), meta};  // nothing to change
  }
  Definitions next = defs_;
  Upsert(next, def);
  ConfigStore::Write w;
  w.op = ConfigStore::Write::Op::kPut;
  w.kind = std::string(KindName(kind));
  w.key = key;
  w.value = ToJsonText(def);
  w.expected_version = before.has_value() ? std::optional<int64_t>(meta.version)
                                          : std::optional<int64_t>(0);
  w.actor = actor.id;
  w.action = before.has_value() ? "update" : "create";
  w.time = StoredTime(actor.now);
  w.before = before.has_value() ? ToJsonText(*before) : "";
  w.after = w.value;
  ConfigEvent event{0, w.action, w.kind, key};
  ASSIGN_OR_RETURN(int64_t version,
                   CommitDefinitions(std::move(next), {std::move(w)}, event));
  (void)version;
  return StoredDefinition{std::move(def), meta_[MetaKey(kind, key)]};
}

absl::StatusOr<int64_t> ConfigManager::Delete(Kind kind, absl::string_view key,
                                              int64_t expected_version,
                                              const Actor& actor) {
  absl::MutexLock lock(&write_mu_);
  std::optional<AnyDefinition> before = FindDef(defs_, kind, key);
  if (!before.has_value()) {
    return absl::NotFoundError(
        absl::StrCat(KindName(kind), " '", key, "' not found"));
  }
  const ObjectMeta meta = meta_[MetaKey(kind, key)];
  if (expected_version != 0 && meta.version != expected_version) {
    return absl::AbortedError(
        absl::StrCat(KindName(kind), " ", key, ": version ", expected_version,
                     " expected, current is ", meta.version));
  }
  Definitions next = defs_;
  Remove(next, kind, key);
  ConfigStore::Write w;
  w.op = ConfigStore::Write::Op::kDelete;
  w.kind = std::string(KindName(kind));
  w.key = std::string(key);
  w.expected_version = meta.version;
  w.actor = actor.id;
  w.action = "delete";
  w.time = StoredTime(actor.now);
  w.before = ToJsonText(*before);
  ConfigEvent event{0, "delete", w.kind, w.key};
  return CommitDefinitions(std::move(next), {std::move(w)}, event);
}

absl::StatusOr<StoredDefinition> ConfigManager::ApplyTransition(
    absl::string_view key, const Transition& transition,
    int64_t expected_version, const Actor& actor) {
  absl::MutexLock lock(&write_mu_);
  std::optional<AnyDefinition> found = FindDef(defs_, Kind::kExperiment, key);
  if (!found.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("experiment '", key, "' not found"));
  }
  const ObjectMeta meta = meta_[MetaKey(Kind::kExperiment, key)];
  if (expected_version != 0 && meta.version != expected_version) {
    return absl::AbortedError(
        absl::StrCat("experiment ", key, ": version ", expected_version,
                     " expected, current is ", meta.version));
  }
  const ExperimentDef& before = std::get<ExperimentDef>(*found);
  ExperimentDef after = before;
  absl::string_view action;
  switch (transition.op) {
    case Transition::Op::kStart:
      action = "start";
      after.status = ExperimentStatus::kRunning;
      if (!transition.new_salt.empty()) {
        if (before.status != ExperimentStatus::kStopped &&
            before.status != ExperimentStatus::kDraft) {
          return absl::FailedPreconditionError(absl::StrCat(
              "experiment ", key,
              ": new_salt: only a draft or stopped experiment can take a new "
              "salt"));
        }
        after.salt = transition.new_salt;
      }
      break;
    case Transition::Op::kPause:
      action = "pause";
      after.status = ExperimentStatus::kPaused;
      break;
    case Transition::Op::kStop:
      action = "stop";
      after.status = ExperimentStatus::kStopped;
      break;
    case Transition::Op::kLaunch:
      action = "launch";
      if (transition.winner.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "experiment ", key, ": variant_key: the winner is required"));
      }
      after.status = ExperimentStatus::kLaunched;
      after.winner = transition.winner;
      break;
  }
  if (after.status != ExperimentStatus::kLaunched) after.winner.clear();
  absl::Status lifecycle = engine::CheckExperimentChange(&before, after);
  if (!lifecycle.ok()) return Prefixed(lifecycle, Kind::kExperiment, key);
  if (after.status == before.status && after.winner == before.winner &&
      after.salt == before.salt) {
    return StoredDefinition{std::move(*found), meta};  // already there
  }
  Definitions next = defs_;
  AnyDefinition def(after);
  Upsert(next, def);
  ConfigStore::Write w;
  w.op = ConfigStore::Write::Op::kPut;
  w.kind = "experiment";
  w.key = std::string(key);
  w.value = ToJsonText(def);
  w.expected_version = meta.version;
  w.actor = actor.id;
  w.action = std::string(action);
  w.time = StoredTime(actor.now);
  w.before = ToJsonText(*found);
  w.after = w.value;
  ConfigEvent event{0, w.action, w.kind, w.key};
  ASSIGN_OR_RETURN(int64_t version,
                   CommitDefinitions(std::move(next), {std::move(w)}, event));
  (void)version;
  return StoredDefinition{std::move(def),
                          meta_[MetaKey(Kind::kExperiment, key)]};
}

absl::StatusOr<ApplyResult> ConfigManager::Apply(const Definitions& defs,
                                                 bool dry_run,
                                                 const Actor& actor) {
  absl::MutexLock lock(&write_mu_);
  ApplyResult result;
  result.version = store_->version();
  Definitions next = defs_;
  std::vector<ConfigStore::Write> writes;
  std::vector<std::string> lifecycle_errors;
  absl::flat_hash_set<std::string> seen;
  Definitions& input = const_cast<Definitions&>(defs);
  for (Kind kind : kAllKinds) {
    WithVector(input, kind, [&](auto& vec) {
      for (const auto& item : vec) {
        AnyDefinition def(item);
        const std::string& key = item.key;
        if (!seen.insert(MetaKey(kind, key)).second) {
          result.errors.push_back({std::string(KindName(kind)), key, "key",
                                   "defined twice in the applied set"});
          continue;
        }
        std::optional<AnyDefinition> before = FindDef(defs_, kind, key);
        PlannedChange change{kind, key, PlannedChange::Action::kCreate, {}};
        if (before.has_value()) {
          change.changed_fields = ChangedFields(*before, def);
          change.action = change.changed_fields.empty()
                              ? PlannedChange::Action::kUnchanged
                              : PlannedChange::Action::kUpdate;
        }
        if (kind == Kind::kExperiment) {
          absl::Status lifecycle = engine::CheckExperimentChange(
              before.has_value() ? &std::get<ExperimentDef>(*before) : nullptr,
              std::get<ExperimentDef>(def));
          if (!lifecycle.ok()) {
            result.errors.push_back(LifecycleError(lifecycle, key));
            lifecycle_errors.push_back(std::string(
                Prefixed(lifecycle, Kind::kExperiment, key).message()));
          }
        }
        if (change.action != PlannedChange::Action::kUnchanged) {
          ConfigStore::Write w;
          w.op = ConfigStore::Write::Op::kPut;
          w.kind = std::string(KindName(kind));
          w.key = key;
          w.value = ToJsonText(def);
          const ObjectMeta& meta = meta_[MetaKey(kind, key)];
          w.expected_version = before.has_value()
                                   ? std::optional<int64_t>(meta.version)
                                   : std::optional<int64_t>(0);
          w.actor = actor.id;
          w.action = before.has_value() ? "update" : "create";
          w.time = StoredTime(actor.now);
          w.before = before.has_value() ? ToJsonText(*before) : "";
          w.after = w.value;
          writes.push_back(std::move(w));
          Upsert(next, std::move(def));
        }
        result.changes.push_back(std::move(change));
      }
      return 0;
    });
  }
  // Drop meta entries created by operator[] above for new objects.
  for (const PlannedChange& c : result.changes) {
    if (c.action == PlannedChange::Action::kCreate) {
      meta_.erase(MetaKey(c.kind, c.key));
    }
  }
  std::vector<engine::DefinitionError> invalid =
      engine::ValidateDefinitions(next);
  result.errors.insert(result.errors.end(), invalid.begin(), invalid.end());
  if (!dry_run && !lifecycle_errors.empty()) {
    return absl::FailedPreconditionError(absl::StrJoin(lifecycle_errors, "\n"));
  }
  if (!result.errors.empty() || dry_run || writes.empty()) return result;
  ConfigEvent event{0, "apply", "", ""};
  ASSIGN_OR_RETURN(result.version, CommitDefinitions(std::move(next),
                                                     std::move(writes), event));
  return result;
}

absl::StatusOr<ConfigStore::ChangePage> ConfigManager::ListChanges(
    const ConfigStore::ChangeQuery& query) const {
  return store_->ListChanges(query);
}

absl::StatusOr<int64_t> ConfigManager::CommitOther(ConfigStore::Write write) {
  absl::MutexLock lock(&write_mu_);
  if (ParseKind(write.kind).has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("kind: '", write.kind, "' is a definition kind"));
  }
  write.time = StoredTime(write.time);
  // Every write bumps the version the snapshot answers with, so Assign
  // reports the same version as WatchConfig (and as after a restart).
  ASSIGN_OR_RETURN(std::shared_ptr<const engine::ConfigSnapshot> snap,
                   engine::ConfigSnapshot::Build(defs_, store_->version() + 1));
  ConfigEvent event{0, write.action, write.kind, write.key};
  ASSIGN_OR_RETURN(event.version, store_->Commit(write));
  Publish(std::move(snap), event);
  return event.version;
}

ConfigEvent ConfigManager::WaitForChange(int64_t after_version,
                                         absl::Duration timeout) {
  absl::MutexLock lock(&event_mu_);
  absl::Time deadline = absl::Now() + timeout;
  while (!shutdown_ && last_event_.version <= after_version) {
    if (event_cv_.WaitWithDeadline(&event_mu_, deadline)) break;
  }
  return last_event_;
}

void ConfigManager::Shutdown() {
  absl::MutexLock lock(&event_mu_);
  shutdown_ = true;
  event_cv_.SignalAll();
}

}  // namespace cxlab::storage
