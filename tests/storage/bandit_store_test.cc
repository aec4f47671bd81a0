// Copyright 2026 The cxlab Authors.

#include "storage/bandit_store.h"

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace cxlab::storage {
namespace {

BanditState Sample() {
  BanditState state;
  state.version = 3;
  state.updated_at = absl::FromUnixMicros(1767225600123456);
  state.contexts = {{"", {0.2, 0.5, 0.3}, {100, 110, 90}, {10, 20, 12}},
                    {"runners", {0.05, 0.9, 0.05}, {40, 41, 39}, {2, 9, 3}}};
  for (int v = 1; v <= 3; ++v) {
    BanditHistoryEntry h;
    h.version = v;
    h.time = absl::FromUnixSeconds(1767225600 + 60 * v);
    h.contexts = state.contexts;
    state.history.push_back(h);
  }
  return state;
}

void ExpectSame(const BanditState& a, const BanditState& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.updated_at, b.updated_at);
  ASSERT_EQ(a.contexts.size(), b.contexts.size());
  for (size_t i = 0; i < a.contexts.size(); ++i) {
    EXPECT_EQ(a.contexts[i].segment, b.contexts[i].segment);
    EXPECT_EQ(a.contexts[i].weights, b.contexts[i].weights);
    EXPECT_EQ(a.contexts[i].units, b.contexts[i].units);
    EXPECT_EQ(a.contexts[i].conversions, b.contexts[i].conversions);
  }
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].version, b.history[i].version);
    EXPECT_EQ(a.history[i].time, b.history[i].time);
  }
}

TEST(BanditStoreTest, EncodeDecodeRoundTrip) {
  const BanditState state = Sample();
  absl::StatusOr<BanditState> back = BanditStore::Decode(BanditStore::Encode(state));
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSame(state, *back);
  EXPECT_FALSE(BanditStore::Decode("").ok());
  EXPECT_FALSE(BanditStore::Decode(std::string(1, 1) + "{}").ok());
  EXPECT_FALSE(BanditStore::Decode(std::string(1, 2) +
                                   BanditStore::Encode(state).substr(1))
                   .ok());
}

TEST(BanditStoreTest, HistoryIsTrimmedToTheNewest) {
  BanditState state = Sample();
  state.history.clear();
  for (size_t v = 0; v < kMaxBanditHistory + 7; ++v) {
    BanditHistoryEntry h;
    h.version = static_cast<int64_t>(v);
    h.time = absl::FromUnixSeconds(1767225600);
    state.history.push_back(h);
  }
  absl::StatusOr<BanditState> back = BanditStore::Decode(BanditStore::Encode(state));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->history.size(), kMaxBanditHistory);
  EXPECT_EQ(back->history.front().version, 7);
}

TEST(BanditStoreTest, SaveLoadAndReopen) {
  storage_test::TempDir dir;
  {
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir.path());
    ASSERT_TRUE(db.ok());
    BanditStore store(**db);
    absl::StatusOr<std::optional<BanditState>> none = store.Load("exp");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    ASSERT_TRUE(store.Save("exp", Sample()).ok());
  }
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir.path());
  ASSERT_TRUE(db.ok());
  BanditStore store(**db);
  absl::StatusOr<std::optional<BanditState>> loaded = store.Load("exp");
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  ExpectSame(Sample(), **loaded);
  ASSERT_TRUE((*db)->Close().ok());
  EXPECT_EQ(store.Load("exp").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace cxlab::storage
