// Copyright 2026 The cxlab Authors.
//
// ContentCache: every slot content of one ConfigSnapshot (slot defaults,
// rule contents, variant payloads of rule experiments; see
// ConfigSnapshot::contents()) converted once to google.protobuf.Value, so
// answering GetContent copies a prebuilt message instead of converting or
// parsing JSON per request. Build one per snapshot, next to it, and swap
// them together (as the PayloadCache of convert.h for Assign).
//
//   std::unique_ptr<ContentCache> cache = ContentCache::Build(*snapshot);
//   *slot_content.mutable_content() = cache->Get(choice.content->index);
//
// Thread-safety: immutable after Build(); safe for concurrent readers. It
// copies the contents, so it does not borrow the snapshot.

#ifndef CXLAB_API_CONVERT_CONTENT_CACHE_H_
#define CXLAB_API_CONVERT_CONTENT_CACHE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/snapshot.h"
#include "google/protobuf/struct.pb.h"

namespace cxlab::api {

class ContentCache {
 public:
  // Converts every content of `snapshot` (its contents() in order).
  static std::unique_ptr<ContentCache> Build(
      const engine::ConfigSnapshot& snapshot);

  ContentCache(const ContentCache&) = delete;
  ContentCache& operator=(const ContentCache&) = delete;

  // The content at CompiledContent::index `index`, which must be in range
  // (a JSON null is a Value with null_value set).
  const google::protobuf::Value& Get(int index) const {
    return contents_[index];
  }

  // Number of contents, and the version of the snapshot this cache was
  // built from.
  int size() const { return static_cast<int>(contents_.size()); }
  int64_t version() const { return version_; }

 private:
  ContentCache() = default;

  int64_t version_ = 0;
  std::vector<google::protobuf::Value> contents_;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_CONVERT_CONTENT_CACHE_H_
