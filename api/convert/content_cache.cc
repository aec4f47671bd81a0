// Copyright 2026 The cxlab Authors.

#include "api/convert/content_cache.h"

#include "api/convert/value_convert.h"

namespace cxlab::api {

std::unique_ptr<ContentCache> ContentCache::Build(
    const engine::ConfigSnapshot& snapshot) {
  std::unique_ptr<ContentCache> cache(new ContentCache());
  cache->version_ = snapshot.version();
  cache->contents_.resize(snapshot.contents().size());
  for (const engine::CompiledContent& c : snapshot.contents()) {
    ToProtoValue(*c.value, &cache->contents_[c.index]);
  }
  return cache;
}

}  // namespace cxlab::api
