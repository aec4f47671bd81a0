// Copyright 2026 The cxlab Authors.

#include "api/server/memory_trimmer.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cxlab::api {

MemoryTrimmer::MemoryTrimmer(absl::Duration period) {
  if (period <= absl::ZeroDuration()) return;
  thread_ = std::thread([this, period] {
    while (!stop_.WaitForNotificationWithTimeout(period)) TrimNow();
  });
}

MemoryTrimmer::~MemoryTrimmer() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

bool MemoryTrimmer::TrimNow() {
#if defined(__GLIBC__)
  return malloc_trim(0) != 0;
#else
  return false;
#endif
}

}  // namespace cxlab::api
