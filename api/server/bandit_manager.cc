// Copyright 2026 The cxlab Authors.

#include "api/server/bandit_manager.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/stats/bandit.h"
#include "engine/status_macros.h"
#include "storage/keys.h"

namespace cxlab::api {
namespace {

// The experiment's definition, or an error naming why it has no bandit.
absl::StatusOr<const engine::ExperimentDef*> BanditDef(
    const engine::ConfigSnapshot& snapshot, absl::string_view key) {
  const engine::CompiledExperiment* e = snapshot.FindExperiment(key);
  if (e == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("experiment_key: experiment '", key, "' not found"));
  }
  if (!e->def->bandit.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "experiment_key: experiment '", key, "' is not a bandit"));
  }
  return e->def;
}

}  // namespace

BanditManager::BanditManager(storage::ConfigManager& config,
                             storage::Tracker& tracker,
                             storage::Database& database,
                             const BanditOptions& options)
    : config_(config),
      tracker_(tracker),
      options_(options),
      store_(database),
      current_(std::make_shared<const BanditWeights>()) {}

absl::StatusOr<std::unique_ptr<BanditManager>> BanditManager::Start(
    storage::ConfigManager& config, storage::Tracker& tracker,
    storage::Database& database, const BanditOptions& options) {
  std::unique_ptr<BanditManager> m(
      new BanditManager(config, tracker, database, options));
  {
    absl::MutexLock lock(&m->mu_);
    for (const engine::ExperimentDef& e :
         config.snapshot()->definitions().experiments) {
      if (!e.bandit.has_value()) continue;
      ASSIGN_OR_RETURN(std::optional<storage::BanditState> state,
                       m->store_.Load(e.key));
      if (state.has_value()) m->states_[e.key] = *std::move(state);
    }
    m->PublishLocked();
  }
  if (options.background) m->thread_ = std::thread([p = m.get()] { p->Loop(); });
  return m;
}

BanditManager::~BanditManager() { Shutdown(); }

void BanditManager::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const BanditWeights> BanditManager::Current() const {
  return std::atomic_load(&current_);
}

void BanditManager::PublishLocked() {
  std::shared_ptr<const engine::ConfigSnapshot> snapshot = config_.snapshot();
  auto weights = std::make_shared<BanditWeights>();
  for (const auto& [key, state] : states_) {
    const engine::CompiledExperiment* e = snapshot->FindExperiment(key);
    if (e == nullptr || !e->def->bandit.has_value()) continue;
    BanditWeights::Experiment& out = weights->experiments[key];
    out.version = state.version;
    const int variants = static_cast<int>(e->def->variants.size());
    for (const storage::BanditContext& c : state.contexts) {
      if (static_cast<int>(c.weights.size()) != variants) continue;
      out.ranges[c.segment] =
          engine::BucketRanges(variants, e->def->coverage, c.weights);
    }
  }
  std::atomic_store(&current_,
                    std::shared_ptr<const BanditWeights>(std::move(weights)));
}

absl::StatusOr<storage::BanditState> BanditManager::Reweight(
    absl::string_view experiment_key, absl::Time now) {
  std::shared_ptr<const engine::ConfigSnapshot> snapshot = config_.snapshot();
  ASSIGN_OR_RETURN(const engine::ExperimentDef* def,
                   BanditDef(*snapshot, experiment_key));
  const engine::ExperimentDef::Bandit& bandit = *def->bandit;
  const size_t variants = def->variants.size();
  ASSIGN_OR_RETURN(std::vector<storage::CellStats> cells,
                   tracker_.Cells(experiment_key));
  // Contexts: "" (no persona) from the units recorded with
  // kNoPersonaSegment — from all units while none were recorded — then each
  // persona from its own units.
  bool have_no_persona_cells = false;
  for (const storage::CellStats& cell : cells) {
    if (cell.segment == storage::keys::kNoPersonaSegment) {
      have_no_persona_cells = true;
      break;
    }
  }
  std::vector<std::string> contexts = {""};
  for (const engine::CompiledSegment& s : snapshot->segments()) {
    contexts.push_back(s.def->key);
  }
  storage::BanditState next;
  for (const std::string& context : contexts) {
    storage::BanditContext c;
    c.segment = context;
    c.units.assign(variants, 0);
    c.conversions.assign(variants, 0);
    for (const storage::CellStats& cell : cells) {
      const absl::string_view cell_context =
          cell.segment == storage::keys::kNoPersonaSegment ? "" :
          cell.segment.empty() ? (have_no_persona_cells
                                      ? absl::string_view("$all")
                                      : absl::string_view(""))
                               : absl::string_view(cell.segment);
      if (cell_context != context || cell.metric_key != bandit.metric ||
          cell.variant_index < 0 ||
          static_cast<size_t>(cell.variant_index) >= variants) {
        continue;
      }
      c.units[cell.variant_index] += cell.stats.n;
      c.conversions[cell.variant_index] +=
          static_cast<int64_t>(cell.stats.sum + 0.5);
    }
    std::vector<engine::stats::ArmCounts> arms;
    for (size_t v = 0; v < variants; ++v) {
      arms.push_back({std::min(c.conversions[v], c.units[v]), c.units[v]});
    }
    absl::StatusOr<std::vector<double>> weights =
        engine::stats::ThompsonWeights(arms, bandit.min_share);
    if (!weights.ok()) {
      return absl::InternalError(absl::StrCat(
          "bandit ", experiment_key, " context '", context,
          "': ", weights.status().message()));
    }
    c.weights = *std::move(weights);
    next.contexts.push_back(std::move(c));
  }
  absl::MutexLock lock(&mu_);
  storage::BanditState& state = states_[std::string(experiment_key)];
  next.version = state.version + 1;
  next.updated_at = now;
  next.history = state.history;
  next.history.push_back(
      storage::BanditHistoryEntry{next.version, now, next.contexts});
  if (next.history.size() > storage::kMaxBanditHistory) {
    next.history.erase(next.history.begin(),
                       next.history.end() - storage::kMaxBanditHistory);
  }
  RETURN_IF_ERROR(store_.Save(experiment_key, next));
  state = next;
  PublishLocked();
  return next;
}

absl::StatusOr<std::optional<storage::BanditState>> BanditManager::State(
    absl::string_view experiment_key) const {
  RETURN_IF_ERROR(BanditDef(*config_.snapshot(), experiment_key).status());
  absl::MutexLock lock(&mu_);
  auto it = states_.find(experiment_key);
  if (it == states_.end()) return std::optional<storage::BanditState>();
  return std::optional<storage::BanditState>(it->second);
}

void BanditManager::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.tick);
    if (stopping_) break;
    // Which bandits are due.
    std::vector<std::string> due;
    const absl::Time now = absl::Now();
    for (const engine::ExperimentDef& e :
         config_.snapshot()->definitions().experiments) {
      if (!e.bandit.has_value() ||
          e.status != engine::ExperimentStatus::kRunning) {
        continue;
      }
      auto it = states_.find(e.key);
      const absl::Time last =
          it == states_.end() ? absl::InfinitePast() : it->second.updated_at;
      if (now - last >= absl::Minutes(e.bandit->interval_minutes)) {
        due.push_back(e.key);
      }
    }
    mu_.Unlock();
    for (const std::string& key : due) {
      // Errors are retried at the next tick; nothing is published.
      Reweight(key, now).IgnoreError();
    }
    mu_.Lock();
  }
}

int ServerOverrides::StoredVariant(const engine::CompiledExperiment& e,
                                   absl::string_view id) const {
  if (tracker_ == nullptr) return -1;
  absl::StatusOr<int> stored =
      tracker_->StickyVariant(e.def->key, e.def->bucket_version, id);
  // A storage error degrades to hashing (the unit may see another variant);
  // it never fails an assignment.
  return stored.ok() ? *stored : -1;
}

const std::vector<engine::BucketRange>* ServerOverrides::BanditRanges(
    const engine::CompiledExperiment& e, absl::string_view context) const {
  if (weights_ == nullptr) return nullptr;
  auto it = weights_->experiments.find(e.def->key);
  if (it == weights_->experiments.end()) return nullptr;
  auto ranges = it->second.ranges.find(context);
  if (ranges == it->second.ranges.end()) {
    ranges = it->second.ranges.find("");  // a persona without its own data
  }
  return ranges == it->second.ranges.end() ? nullptr : &ranges->second;
}

}  // namespace cxlab::api
