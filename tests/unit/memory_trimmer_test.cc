// Copyright 2026 The cxlab Authors.

#include "api/server/memory_trimmer.h"

#include <memory>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace cxlab::api {
namespace {

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
// Freed small blocks stay in the allocator's heap until trimmed: 64 MiB of
// them give whole free pages back.
TEST(MemoryTrimmer, TrimNowReleasesFreedHeapMemory) {
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < (64 << 20) / 256; ++i) {
    blocks.emplace_back(new char[256]);
    blocks.back()[0] = static_cast<char>(i);
  }
  // Keep the last one so the heap's top cannot simply shrink.
  for (size_t i = 0; i + 1 < blocks.size(); ++i) blocks[i].reset();
  EXPECT_TRUE(MemoryTrimmer::TrimNow());
}
#endif

TEST(MemoryTrimmer, StopsPromptlyAndZeroPeriodStartsNothing) {
  const absl::Time start = absl::Now();
  {
    MemoryTrimmer trimmer(absl::Milliseconds(5));
    absl::SleepFor(absl::Milliseconds(30));  // a few trims
  }
  { MemoryTrimmer idle(absl::ZeroDuration()); }
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace cxlab::api
