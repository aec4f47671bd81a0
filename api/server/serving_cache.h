// Copyright 2026 The cxlab Authors.
//
// ServingCache<Cache>: the served snapshot paired with a cache derived from
// it (PayloadCache for Assign, ContentCache for GetContent), rebuilt once
// when the config manager swaps in a new snapshot and published atomically,
// so request threads never convert definitions themselves.
//
//   ServingCache<PayloadCache> serving(config);
//   std::shared_ptr<const ServingCache<PayloadCache>::Serving> s =
//       serving.Current();
//   Evaluate(*s->snapshot, *s->cache);
//
// `Cache` must have `static std::unique_ptr<Cache> Build(const
// engine::ConfigSnapshot&)`.
//
// Thread-safety: Current() is safe to call concurrently; the common case
// (snapshot unchanged) takes no lock. The first call after a change
// rebuilds under a mutex while the others wait for it.

#ifndef CXLAB_API_SERVER_SERVING_CACHE_H_
#define CXLAB_API_SERVER_SERVING_CACHE_H_

#include <atomic>
#include <memory>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "engine/snapshot.h"
#include "storage/config_manager.h"

namespace cxlab::api {

template <typename Cache>
class ServingCache {
 public:
  // A snapshot with its cache.
  struct Serving {
    std::shared_ptr<const engine::ConfigSnapshot> snapshot;
    std::unique_ptr<const Cache> cache;
  };

  // Borrows `config`, which must outlive the cache.
  explicit ServingCache(const storage::ConfigManager& config)
      : config_(config) {}
  ServingCache(const ServingCache&) = delete;
  ServingCache& operator=(const ServingCache&) = delete;

  // The serving state of the current snapshot.
  std::shared_ptr<const Serving> Current() {
    std::shared_ptr<const engine::ConfigSnapshot> snap = config_.snapshot();
    std::shared_ptr<const Serving> serving = std::atomic_load(&serving_);
    if (serving != nullptr && serving->snapshot == snap) return serving;
    absl::MutexLock lock(&rebuild_mu_);
    serving = std::atomic_load(&serving_);
    snap = config_.snapshot();
    if (serving != nullptr && serving->snapshot == snap) return serving;
    auto next = std::make_shared<Serving>();
    next->cache = Cache::Build(*snap);
    next->snapshot = std::move(snap);
    std::shared_ptr<const Serving> published = std::move(next);
    std::atomic_store(&serving_, published);
    return published;
  }

 private:
  const storage::ConfigManager& config_;
  absl::Mutex rebuild_mu_;
  std::shared_ptr<const Serving> serving_;  // std::atomic_load/store
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_SERVING_CACHE_H_
