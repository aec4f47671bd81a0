// Copyright 2026 The cxlab Authors.
//
// MemoryTrimmer: gives memory the process has freed back to the operating
// system now and then.
//
// glibc's allocator keeps freed memory in its arenas (one per few threads)
// for reuse; under steady traffic the holes left by short-lived buffers
// (requests, RocksDB blocks evicted from the cache, flushed memtables) add
// up, and the daemon's RSS drifts upwards although its live memory is flat
// (tools/soak.sh measured ~10 MiB released by one malloc_trim after five
// minutes). A MemoryTrimmer calls malloc_trim(0) every `period` on its own
// thread, which returns whole free pages of every arena (madvise), so RSS
// follows live memory. Each call walks the arenas' free lists under their
// locks: milliseconds for a heap of a few hundred MiB.
//
// On a C library other than glibc it does nothing.

#ifndef CXLAB_API_SERVER_MEMORY_TRIMMER_H_
#define CXLAB_API_SERVER_MEMORY_TRIMMER_H_

#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace cxlab::api {

class MemoryTrimmer {
 public:
  // Starts the thread; the first trim happens one `period` from now. A
  // period <= 0 starts nothing (returns an idle trimmer).
  explicit MemoryTrimmer(absl::Duration period);
  // Stops the thread (waits at most for one trim in progress).
  ~MemoryTrimmer();

  MemoryTrimmer(const MemoryTrimmer&) = delete;
  MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

  // Trims once, now, on the calling thread. Returns true when memory was
  // released (always false when not on glibc). Thread-safe.
  static bool TrimNow();

 private:
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace cxlab::api

#endif  // CXLAB_API_SERVER_MEMORY_TRIMMER_H_
