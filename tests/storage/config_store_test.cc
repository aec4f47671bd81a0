// Copyright 2026 The cxlab Authors.

#include "storage/config_store.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace cxlab::storage {

// Equality and printing for test expectations (found by ADL).
bool operator==(const ConfigStore::StoredObject& a,
                const ConfigStore::StoredObject& b) {
  return std::tie(a.kind, a.key, a.value, a.version, a.created_version,
                  a.updated_at, a.updated_by) ==
         std::tie(b.kind, b.key, b.value, b.version, b.created_version,
                  b.updated_at, b.updated_by);
}

bool operator==(const ConfigStore::ChangeRecord& a,
                const ConfigStore::ChangeRecord& b) {
  return std::tie(a.version, a.time, a.actor, a.action, a.kind, a.key, a.before,
                  a.after) == std::tie(b.version, b.time, b.actor, b.action,
                                       b.kind, b.key, b.before, b.after);
}

void PrintTo(const ConfigStore::StoredObject& o, std::ostream* os) {
  *os << "{" << o.kind << " " << o.key << " = '" << o.value << "' v"
      << o.version << " created v" << o.created_version << " at "
      << o.updated_at << " by " << o.updated_by << "}";
}

void PrintTo(const ConfigStore::ChangeRecord& c, std::ostream* os) {
  *os << "{v" << c.version << " " << c.action << " " << c.kind << " " << c.key
      << " by " << c.actor << " at " << c.time << " before='" << c.before
      << "' after='" << c.after << "'}";
}

namespace {

using ::cxlab::storage_test::IsOk;
using ::cxlab::storage_test::IsOkAndHolds;
using ::cxlab::storage_test::StatusIs;
using ::cxlab::storage_test::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Write = ConfigStore::Write;
using StoredObject = ConfigStore::StoredObject;
using ChangeRecord = ConfigStore::ChangeRecord;
using ChangeQuery = ConfigStore::ChangeQuery;
using ChangePage = ConfigStore::ChangePage;

// 2026-01-01T00:00:00Z plus `seconds` (and microseconds, which survive).
absl::Time T(int64_t seconds, int64_t micros = 0) {
  return absl::FromUnixSeconds(1767225600 + seconds) +
         absl::Microseconds(micros);
}

Write Put(const std::string& kind, const std::string& key,
          const std::string& value,
          std::optional<int64_t> expected_version = std::nullopt) {
  Write write;
  write.op = Write::Op::kPut;
  write.kind = kind;
  write.key = key;
  write.value = value;
  write.expected_version = expected_version;
  write.actor = "key-admin";
  write.action = expected_version == 0 ? "create" : "update";
  write.time = T(60);
  write.after = value;
  return write;
}

Write Delete(const std::string& kind, const std::string& key,
             std::optional<int64_t> expected_version = std::nullopt) {
  Write write;
  write.op = Write::Op::kDelete;
  write.kind = kind;
  write.key = key;
  write.expected_version = expected_version;
  write.actor = "key-admin";
  write.action = "delete";
  write.time = T(120);
  return write;
}

std::unique_ptr<ConfigStore> OpenStore(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<ConfigStore>> store = ConfigStore::Open(dir);
  EXPECT_THAT(store, IsOk());
  return store.ok() ? *std::move(store) : nullptr;
}

// Every audit record, following cursors with pages of `page_size`.
std::vector<ChangeRecord> AllChanges(const ConfigStore& store,
                                     bool newest_first, int page_size = 1000,
                                     const std::string& kind = "",
                                     const std::string& key = "") {
  std::vector<ChangeRecord> all;
  ChangeQuery query;
  query.kind = kind;
  query.key = key;
  query.limit = page_size;
  query.newest_first = newest_first;
  for (int pages = 0; pages < 10000; ++pages) {
    absl::StatusOr<ChangePage> page = store.ListChanges(query);
    EXPECT_THAT(page, IsOk());
    if (!page.ok()) break;
    EXPECT_LE(page->changes.size(), static_cast<size_t>(page_size));
    all.insert(all.end(), page->changes.begin(), page->changes.end());
    if (page->next_cursor == 0) break;
    // A non-final page is full.
    EXPECT_EQ(page->changes.size(), static_cast<size_t>(page_size));
    EXPECT_EQ(page->next_cursor, page->changes.back().version);
    query.after_version = page->next_cursor;
  }
  return all;
}

std::vector<int64_t> Versions(const std::vector<ChangeRecord>& changes) {
  std::vector<int64_t> versions;
  for (const ChangeRecord& c : changes) versions.push_back(c.version);
  return versions;
}

// Everything observable in a store.
struct StoreState {
  int64_t version = 0;
  std::vector<StoredObject> objects;
  std::vector<ChangeRecord> changes;
};

StoreState StateOf(const ConfigStore& store) {
  StoreState state;
  state.version = store.version();
  absl::StatusOr<std::vector<StoredObject>> objects = store.ListAll();
  EXPECT_THAT(objects, IsOk());
  if (objects.ok()) state.objects = *objects;
  state.changes = AllChanges(store, /*newest_first=*/false);
  return state;
}

void ExpectSameState(const StoreState& a, const StoreState& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.objects, b.objects);
  EXPECT_EQ(a.changes, b.changes);
}

std::optional<StoredObject> GetOrDie(const ConfigStore& store,
                                     const std::string& kind,
                                     const std::string& key) {
  absl::StatusOr<std::optional<StoredObject>> object = store.Get(kind, key);
  EXPECT_THAT(object, IsOk());
  return object.ok() ? *object : std::nullopt;
}

TEST(ConfigStore, EmptyStore) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->version(), 0);
  EXPECT_EQ(GetOrDie(*store, "experiment", "checkout"), std::nullopt);
  EXPECT_THAT(store->ListAll(), IsOk());
  EXPECT_THAT(*store->List("experiment"), IsEmpty());
  absl::StatusOr<ChangePage> page = store->ListChanges({});
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->changes, IsEmpty());
  EXPECT_EQ(page->next_cursor, 0);
}

TEST(ConfigStore, AllColumnFamiliesExistAfterOpen) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<std::string>> names =
      store->database().ColumnFamilyNamesForTest();
  ASSERT_THAT(names, IsOk());
  EXPECT_THAT(*names,
              ElementsAre("aggregates", "assignments", "audit", "bandits",
                          "config", "dedup", "default", "events", "exposures",
                          "unit_metrics"));
}

TEST(ConfigStore, CreateUpdateDeleteLifecycle) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);

  Write create = Put("experiment", "checkout", R"({"v":1})", 0);
  create.time = T(1, 123456);
  create.actor = "key-alice";
  EXPECT_THAT(store->Commit(create), IsOkAndHolds(1));
  EXPECT_EQ(store->version(), 1);
  StoredObject expected{"experiment", "checkout", R"({"v":1})", 1, 1,
                        T(1, 123456), "key-alice"};
  EXPECT_EQ(GetOrDie(*store, "experiment", "checkout"), expected);

  Write update = Put("experiment", "checkout", R"({"v":2})", 1);
  update.before = R"({"v":1})";
  update.actor = "key-bob";
  update.time = T(2);
  EXPECT_THAT(store->Commit(update), IsOkAndHolds(2));
  expected = {"experiment", "checkout", R"({"v":2})", 2, 1, T(2), "key-bob"};
  EXPECT_EQ(GetOrDie(*store, "experiment", "checkout"), expected);

  Write remove = Delete("experiment", "checkout", 2);
  remove.before = R"({"v":2})";
  EXPECT_THAT(store->Commit(remove), IsOkAndHolds(3));
  EXPECT_EQ(GetOrDie(*store, "experiment", "checkout"), std::nullopt);
  EXPECT_EQ(store->version(), 3);

  // Recreating after delete starts a new life (created_version resets).
  EXPECT_THAT(store->Commit(Put("experiment", "checkout", "again", 0)),
              IsOkAndHolds(4));
  EXPECT_EQ(GetOrDie(*store, "experiment", "checkout")->created_version, 4);

  const std::vector<ChangeRecord> changes =
      AllChanges(*store, /*newest_first=*/false);
  ASSERT_THAT(changes, SizeIs(4));
  EXPECT_EQ(changes[0],
            (ChangeRecord{1, T(1, 123456), "key-alice", "create", "experiment",
                          "checkout", "", R"({"v":1})"}));
  EXPECT_EQ(changes[1],
            (ChangeRecord{2, T(2), "key-bob", "update", "experiment",
                          "checkout", R"({"v":1})", R"({"v":2})"}));
  EXPECT_EQ(changes[2],
            (ChangeRecord{3, T(120), "key-admin", "delete", "experiment",
                          "checkout", R"({"v":2})", ""}));
  EXPECT_EQ(changes[3].action, "create");
}

TEST(ConfigStore, PutWithoutExpectedVersionCreatesOrOverwrites) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->Commit(Put("segment", "vip", "a")), IsOkAndHolds(1));
  EXPECT_THAT(store->Commit(Put("segment", "vip", "b")), IsOkAndHolds(2));
  std::optional<StoredObject> object = GetOrDie(*store, "segment", "vip");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ(object->value, "b");
  EXPECT_EQ(object->version, 2);
  EXPECT_EQ(object->created_version, 1);
  // Empty values are values.
  EXPECT_THAT(store->Commit(Put("segment", "empty", "")), IsOk());
  ASSERT_TRUE(GetOrDie(*store, "segment", "empty").has_value());
  EXPECT_EQ(GetOrDie(*store, "segment", "empty")->value, "");
}

TEST(ConfigStore, RejectedWritesReturnTheRightCodeAndChangeNothing) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  // "experiment checkout" at version 9: interleave other objects' writes.
  ASSERT_THAT(store->Commit(Put("experiment", "checkout", "v", 0)), IsOk());
  for (int i = 0; i < 4; ++i) {
    ASSERT_THAT(store->Commit(Put("segment", absl::StrCat("s", i), "x")),
                IsOk());
    ASSERT_THAT(store->Commit(Put("experiment", "checkout", "v")), IsOk());
  }
  ASSERT_EQ(GetOrDie(*store, "experiment", "checkout")->version, 9);
  const StoreState before = StateOf(*store);

  EXPECT_THAT(
      store->Commit(Put("experiment", "checkout", "stale", 7)),
      StatusIs(absl::StatusCode::kAborted,
               "experiment checkout: version 7 expected, current is 9"));
  ExpectSameState(StateOf(*store), before);

  EXPECT_THAT(store->Commit(Delete("experiment", "checkout", 8)),
              StatusIs(absl::StatusCode::kAborted));
  ExpectSameState(StateOf(*store), before);

  EXPECT_THAT(store->Commit(Put("experiment", "checkout", "dup", 0)),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("experiment checkout already exists")));
  ExpectSameState(StateOf(*store), before);

  EXPECT_THAT(store->Commit(Put("experiment", "missing", "x", 3)),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("experiment missing does not exist")));
  ExpectSameState(StateOf(*store), before);

  EXPECT_THAT(store->Commit(Delete("experiment", "missing")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->Commit(Delete("experiment", "missing", 0)),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store->Commit(Delete("experiment", "checkout", 0)),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ExpectSameState(StateOf(*store), before);

  // The right version still goes through.
  EXPECT_THAT(store->Commit(Put("experiment", "checkout", "fresh", 9)),
              IsOkAndHolds(10));
}

TEST(ConfigStore, ValidatesInputsNamingTheField) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  const auto invalid = [](const std::string& field) {
    return StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(field));
  };
  EXPECT_THAT(store->Commit(Put("", "k", "v")), invalid("kind"));
  EXPECT_THAT(store->Commit(Put("a/b", "k", "v")), invalid("kind"));
  EXPECT_THAT(store->Commit(Put("kind", "", "v")), invalid("key"));
  EXPECT_THAT(store->Commit(Put("kind", "k", "v", -1)),
              invalid("expected_version"));
  Write bad_op = Put("kind", "k", "v");
  bad_op.op = static_cast<Write::Op>(7);
  EXPECT_THAT(store->Commit(bad_op), invalid("op"));
  EXPECT_THAT(store->Get("", "k"), invalid("kind"));
  EXPECT_THAT(store->Get("kind", ""), invalid("key"));
  EXPECT_THAT(store->List("a/b"), invalid("kind"));
  ChangeQuery query;
  query.limit = 0;
  EXPECT_THAT(store->ListChanges(query), invalid("limit"));
  query.limit = 10;
  query.after_version = -1;
  EXPECT_THAT(store->ListChanges(query), invalid("after_version"));
  query.after_version = 0;
  query.kind = "a/b";
  EXPECT_THAT(store->ListChanges(query), invalid("kind"));
  EXPECT_EQ(store->version(), 0);
  EXPECT_THAT(AllChanges(*store, true), IsEmpty());
}

TEST(ConfigStore, KeysMayContainSlashes) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Commit(Put("content", "home/hero", "x", 0)), IsOk());
  EXPECT_EQ(GetOrDie(*store, "content", "home/hero")->key, "home/hero");
  absl::StatusOr<std::vector<StoredObject>> listed = store->List("content");
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(*listed, SizeIs(1));
  EXPECT_EQ((*listed)[0].key, "home/hero");
}

TEST(ConfigStore, CommitManyIsAllOrNothing) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Commit(Put("experiment", "a", "a1", 0)), IsOk());
  const StoreState before = StateOf(*store);

  // The third write conflicts: nothing of the batch lands.
  std::vector<Write> batch = {Put("experiment", "b", "b1", 0),
                              Put("experiment", "a", "a2", 1),
                              Put("experiment", "c", "c1", 5)};
  EXPECT_THAT(store->CommitMany(batch),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("writes[2]: experiment c does not exist")));
  ExpectSameState(StateOf(*store), before);

  // A later write conflicting with an earlier one in the same batch.
  batch = {Put("experiment", "b", "b1", 0), Put("experiment", "b", "b2", 0)};
  EXPECT_THAT(
      store->CommitMany(batch),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("writes[1]")));
  ExpectSameState(StateOf(*store), before);

  // An invalid write anywhere rejects the batch before any check.
  batch = {Put("experiment", "b", "b1", 0), Put("", "x", "y")};
  EXPECT_THAT(store->CommitMany(batch),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("writes[1]: kind")));
  ExpectSameState(StateOf(*store), before);

  // A good batch: consecutive versions; later writes see earlier ones.
  batch = {Put("experiment", "b", "b1", 0), Put("experiment", "a", "a2", 1),
           Put("experiment", "b", "b2", 2), Delete("experiment", "a", 3),
           Put("experiment", "c", "c1")};
  EXPECT_THAT(store->CommitMany(batch), IsOkAndHolds(6));
  EXPECT_EQ(store->version(), 6);
  EXPECT_EQ(GetOrDie(*store, "experiment", "a"), std::nullopt);
  std::optional<StoredObject> b = GetOrDie(*store, "experiment", "b");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->value, "b2");
  EXPECT_EQ(b->version, 4);
  EXPECT_EQ(b->created_version, 2);
  EXPECT_EQ(GetOrDie(*store, "experiment", "c")->version, 6);
  const std::vector<ChangeRecord> changes = AllChanges(*store, false);
  EXPECT_THAT(Versions(changes), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_EQ(changes[4].action, "delete");
  EXPECT_EQ(changes[4].key, "a");

  // An empty batch writes nothing and reports the current version.
  EXPECT_THAT(store->CommitMany({}), IsOkAndHolds(6));
  EXPECT_THAT(AllChanges(*store, false), SizeIs(6));
}

TEST(ConfigStore, ListIsSortedByKeyAndScopedToKind) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  for (const char* key : {"pricing", "checkout", "search", "banner", "cart"}) {
    ASSERT_THAT(store->Commit(Put("experiment", key, key, 0)), IsOk());
  }
  // Kinds that share a prefix with "experiment" or sort around it.
  ASSERT_THAT(store->Commit(Put("exp", "zzz", "x", 0)), IsOk());
  ASSERT_THAT(store->Commit(Put("experiments", "aaa", "x", 0)), IsOk());
  ASSERT_THAT(store->Commit(Put("api_key", "k1", "x", 0)), IsOk());
  ASSERT_THAT(store->Commit(Delete("experiment", "search")), IsOk());

  absl::StatusOr<std::vector<StoredObject>> listed = store->List("experiment");
  ASSERT_THAT(listed, IsOk());
  std::vector<std::string> keys;
  for (const StoredObject& o : *listed) {
    EXPECT_EQ(o.kind, "experiment");
    EXPECT_EQ(o.value, o.key);
    keys.push_back(o.key);
  }
  EXPECT_THAT(keys, ElementsAre("banner", "cart", "checkout", "pricing"));
  EXPECT_THAT(*store->List("exp"), SizeIs(1));
  EXPECT_THAT(*store->List("nothing"), IsEmpty());

  absl::StatusOr<std::vector<StoredObject>> all = store->ListAll();
  ASSERT_THAT(all, IsOk());
  std::vector<std::string> names;
  for (const StoredObject& o : *all) names.push_back(o.kind + "/" + o.key);
  EXPECT_THAT(names, ElementsAre("api_key/k1", "exp/zzz", "experiment/banner",
                                 "experiment/cart", "experiment/checkout",
                                 "experiment/pricing", "experiments/aaa"));
}

class ConfigStoreChanges : public ::testing::Test {
 protected:
  // 25 writes: versions 1..25; odd versions are experiments (keys e0..e4,
  // cycling), even versions segments (key s).
  void SetUp() override {
    store_ = OpenStore(tmp_.path());
    ASSERT_NE(store_, nullptr);
    for (int v = 1; v <= 25; ++v) {
      const Write write =
          v % 2 == 1 ? Put("experiment", absl::StrCat("e", (v / 2) % 5), "x")
                     : Put("segment", "s", "y");
      ASSERT_THAT(store_->Commit(write), IsOkAndHolds(v));
    }
  }

  TempDir tmp_;
  std::unique_ptr<ConfigStore> store_;
};

TEST_F(ConfigStoreChanges, PagesNewestFirst) {
  std::vector<int64_t> expected;
  for (int v = 25; v >= 1; --v) expected.push_back(v);
  for (int page_size : {1, 4, 5, 24, 25, 26, 100}) {
    EXPECT_EQ(Versions(AllChanges(*store_, true, page_size)), expected)
        << page_size;
  }
  ChangeQuery query;
  query.limit = 4;
  absl::StatusOr<ChangePage> page = store_->ListChanges(query);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(Versions(page->changes), ElementsAre(25, 24, 23, 22));
  EXPECT_EQ(page->next_cursor, 22);
  query.after_version = 22;
  page = store_->ListChanges(query);
  EXPECT_THAT(Versions(page->changes), ElementsAre(21, 20, 19, 18));
  // The last page: exactly full, yet no further cursor.
  query.after_version = 5;
  page = store_->ListChanges(query);
  EXPECT_THAT(Versions(page->changes), ElementsAre(4, 3, 2, 1));
  EXPECT_EQ(page->next_cursor, 0);
  query.after_version = 1;
  page = store_->ListChanges(query);
  EXPECT_THAT(page->changes, IsEmpty());
  EXPECT_EQ(page->next_cursor, 0);
  // A cursor beyond the newest version starts at the newest.
  query.after_version = 1000;
  page = store_->ListChanges(query);
  EXPECT_THAT(Versions(page->changes), ElementsAre(25, 24, 23, 22));
}

TEST_F(ConfigStoreChanges, PagesOldestFirst) {
  std::vector<int64_t> expected;
  for (int v = 1; v <= 25; ++v) expected.push_back(v);
  for (int page_size : {1, 4, 5, 24, 25, 26, 100}) {
    EXPECT_EQ(Versions(AllChanges(*store_, false, page_size)), expected)
        << page_size;
  }
  ChangeQuery query;
  query.newest_first = false;
  query.limit = 5;
  query.after_version = 20;
  absl::StatusOr<ChangePage> page = store_->ListChanges(query);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(Versions(page->changes), ElementsAre(21, 22, 23, 24, 25));
  EXPECT_EQ(page->next_cursor, 0);
  query.after_version = 25;
  page = store_->ListChanges(query);
  EXPECT_THAT(page->changes, IsEmpty());
  query.after_version = std::numeric_limits<int64_t>::max();
  EXPECT_THAT(store_->ListChanges(query)->changes, IsEmpty());
}

TEST_F(ConfigStoreChanges, FiltersByKindAndKey) {
  EXPECT_THAT(Versions(AllChanges(*store_, true, 3, "segment")),
              ElementsAre(24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2));
  // Key e1 is written at v = 3, 13, 23.
  EXPECT_THAT(Versions(AllChanges(*store_, false, 1, "experiment", "e1")),
              ElementsAre(3, 13, 23));
  EXPECT_THAT(Versions(AllChanges(*store_, true, 2, "experiment", "e1")),
              ElementsAre(23, 13, 3));
  // Key alone matches across kinds.
  EXPECT_THAT(Versions(AllChanges(*store_, false, 10, "", "s")), SizeIs(12));
  EXPECT_THAT(AllChanges(*store_, true, 10, "segment", "e1"), IsEmpty());
  EXPECT_THAT(AllChanges(*store_, true, 10, "nothing"), IsEmpty());

  // A filtered page's cursor skips non-matching records correctly.
  ChangeQuery query;
  query.kind = "experiment";
  query.key = "e1";
  query.limit = 1;
  absl::StatusOr<ChangePage> page = store_->ListChanges(query);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(Versions(page->changes), ElementsAre(23));
  EXPECT_EQ(page->next_cursor, 23);
}

TEST(ConfigStore, PageSizeIsCapped) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  std::vector<Write> batch;
  for (int i = 0; i < ConfigStore::kMaxChangePageSize + 5; ++i) {
    batch.push_back(Put("segment", absl::StrCat("s", i), "x", 0));
  }
  ASSERT_THAT(store->CommitMany(batch),
              IsOkAndHolds(ConfigStore::kMaxChangePageSize + 5));
  ChangeQuery query;
  query.limit = 1 << 30;
  absl::StatusOr<ChangePage> page = store->ListChanges(query);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->changes, SizeIs(ConfigStore::kMaxChangePageSize));
  EXPECT_EQ(page->next_cursor, 6);
  EXPECT_THAT(*store->List("segment"),
              SizeIs(ConfigStore::kMaxChangePageSize + 5));
}

TEST(ConfigStore, CloseAndReopenKeepsObjectsVersionAndAudit) {
  TempDir tmp;
  StoreState before;
  {
    std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
    ASSERT_NE(store, nullptr);
    ASSERT_THAT(store->Commit(Put("experiment", "a", "1", 0)), IsOk());
    ASSERT_THAT(store->CommitMany({Put("experiment", "b", "2", 0),
                                   Put("segment", "vip", "3", 0)}),
                IsOk());
    ASSERT_THAT(store->Commit(Delete("experiment", "a")), IsOk());
    before = StateOf(*store);
    ASSERT_THAT(store->Close(), IsOk());
    EXPECT_THAT(store->Get("experiment", "b"),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(store->Commit(Put("experiment", "z", "z")),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_EQ(store->version(), 4);
  }
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  const StoreState after = StateOf(*store);
  EXPECT_EQ(after.version, 4);
  EXPECT_THAT(after.objects, SizeIs(2));
  EXPECT_THAT(after.changes, SizeIs(4));
  ExpectSameState(after, before);
  // Versions continue where they stopped.
  EXPECT_THAT(store->Commit(Put("experiment", "b", "2b", 2)), IsOkAndHolds(5));
}

TEST(ConfigStore, DestroyWithoutCloseKeepsCommittedWrites) {
  TempDir tmp;
  StoreState before;
  {
    std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 10; ++i) {
      ASSERT_THAT(store->Commit(Put("segment", absl::StrCat("s", i), "x")),
                  IsOk());
    }
    before = StateOf(*store);
  }  // No Close().
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  ExpectSameState(StateOf(*store), before);
}

TEST(ConfigStore, BorrowsADatabase) {
  TempDir tmp;
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(tmp.path());
  ASSERT_THAT(db, IsOk());
  {
    absl::StatusOr<std::unique_ptr<ConfigStore>> store =
        ConfigStore::Create(**db);
    ASSERT_THAT(store, IsOk());
    EXPECT_EQ(&(*store)->database(), db->get());
    ASSERT_THAT((*store)->Commit(Put("experiment", "a", "1", 0)), IsOk());
    // Closing a borrowing store leaves the database open.
    EXPECT_THAT((*store)->Close(), IsOk());
    EXPECT_FALSE((*db)->closed());
  }
  absl::StatusOr<std::unique_ptr<ConfigStore>> store =
      ConfigStore::Create(**db);
  ASSERT_THAT(store, IsOk());
  EXPECT_EQ((*store)->version(), 1);
  ASSERT_THAT((*db)->Close(), IsOk());
  EXPECT_THAT((*store)->Get("experiment", "a"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT((*store)->ListChanges({}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(ConfigStore::Create(**db),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(ConfigStore, ConcurrentWritersGetGaplessVersions) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 40;
  constexpr int kTotal = kThreads * kWritesPerThread;

  std::vector<std::vector<int64_t>> versions(kThreads);
  std::vector<std::thread> threads;
  std::atomic<bool> done{false};
  std::atomic<int> reader_errors{0};
  // A concurrent reader: the version never goes down and a listing never
  // shows fewer objects than the version it read before (creates only).
  std::thread reader([&] {
    int64_t last_version = 0;
    while (!done.load()) {
      const int64_t version = store->version();
      if (version < last_version) reader_errors++;
      last_version = version;
      absl::StatusOr<std::vector<StoredObject>> all = store->ListAll();
      if (!all.ok() || static_cast<int64_t>(all->size()) < version) {
        reader_errors++;
      }
    }
  });
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        Write write = Put("experiment", absl::StrCat("t", t, "-", i),
                          absl::StrCat(t, ":", i), 0);
        write.actor = absl::StrCat("thread-", t);
        absl::StatusOr<int64_t> version = store->Commit(write);
        EXPECT_THAT(version, IsOk());
        if (version.ok()) versions[t].push_back(*version);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  done = true;
  reader.join();
  EXPECT_EQ(reader_errors.load(), 0);

  std::vector<int64_t> all_versions;
  for (int t = 0; t < kThreads; ++t) {
    // Each thread sees its own writes in increasing version order.
    EXPECT_TRUE(std::is_sorted(versions[t].begin(), versions[t].end()));
    all_versions.insert(all_versions.end(), versions[t].begin(),
                        versions[t].end());
  }
  std::sort(all_versions.begin(), all_versions.end());
  std::vector<int64_t> expected(kTotal);
  for (int v = 0; v < kTotal; ++v) expected[v] = v + 1;
  EXPECT_EQ(all_versions, expected);
  EXPECT_EQ(store->version(), kTotal);

  // Each write landed exactly once, with its audit record.
  absl::StatusOr<std::vector<StoredObject>> objects = store->ListAll();
  ASSERT_THAT(objects, IsOk());
  EXPECT_THAT(*objects, SizeIs(kTotal));
  const std::vector<ChangeRecord> changes = AllChanges(*store, false, 64);
  EXPECT_EQ(Versions(changes), expected);
  std::set<std::string> keys;
  for (const ChangeRecord& change : changes) {
    EXPECT_TRUE(keys.insert(change.key).second) << change.key;
    std::optional<StoredObject> object =
        GetOrDie(*store, "experiment", change.key);
    ASSERT_TRUE(object.has_value());
    EXPECT_EQ(object->version, change.version);
    EXPECT_EQ(object->updated_by, change.actor);
  }
}

TEST(ConfigStore, OptimisticConcurrencyLosesNoIncrement) {
  TempDir tmp;
  std::unique_ptr<ConfigStore> store = OpenStore(tmp.path());
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Commit(Put("counter", "c", "0", 0)), IsOk());
  constexpr int kThreads = 4;
  constexpr int kIncrements = 15;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements;) {
        absl::StatusOr<std::optional<StoredObject>> current =
            store->Get("counter", "c");
        ASSERT_THAT(current, IsOk());
        ASSERT_TRUE(current->has_value());
        const int value = std::stoi((*current)->value);
        absl::StatusOr<int64_t> committed = store->Commit(Put(
            "counter", "c", std::to_string(value + 1), (*current)->version));
        if (committed.ok()) {
          ++i;
        } else {
          ASSERT_THAT(committed, StatusIs(absl::StatusCode::kAborted));
          conflicts++;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::optional<StoredObject> counter = GetOrDie(*store, "counter", "c");
  ASSERT_TRUE(counter.has_value());
  EXPECT_EQ(counter->value, std::to_string(kThreads * kIncrements));
  // Rejected attempts consumed no versions.
  EXPECT_EQ(store->version(), 1 + kThreads * kIncrements);
  EXPECT_EQ(counter->version, store->version());
  EXPECT_THAT(AllChanges(*store, true), SizeIs(1 + kThreads * kIncrements));
}

// ----- Process death -----

constexpr char kCrashDirEnv[] = "CXLAB_STORAGE_CRASH_TEST_DIR";

// Commits ten writes, then ends the process at once: no destructors, no
// Close(), no memtable flush — as if the process crashed right after the
// commits returned.
[[noreturn]] void CommitThenDie(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<ConfigStore>> store = ConfigStore::Open(dir);
  if (!store.ok()) _exit(2);
  for (int i = 0; i < 10; ++i) {
    Write write = Put("segment", absl::StrCat("s", i), absl::StrCat(i), 0);
    if (!(*store)->Commit(write).ok()) _exit(3);
  }
  _exit(42);
}

TEST(ConfigStoreDeathTest, CommittedWritesSurviveProcessDeath) {
  // "threadsafe" re-executes this test in a fresh process; that child must
  // use the parent's directory, passed through the environment.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::optional<TempDir> tmp;
  std::string dir;
  if (const char* inherited = std::getenv(kCrashDirEnv); inherited != nullptr) {
    dir = inherited;
  } else {
    tmp.emplace();
    dir = tmp->path();
    ASSERT_EQ(setenv(kCrashDirEnv, dir.c_str(), 1), 0);
  }
  EXPECT_EXIT(CommitThenDie(dir), ::testing::ExitedWithCode(42), "");
  unsetenv(kCrashDirEnv);

  std::unique_ptr<ConfigStore> store = OpenStore(dir);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->version(), 10);
  absl::StatusOr<std::vector<StoredObject>> objects = store->List("segment");
  ASSERT_THAT(objects, IsOk());
  EXPECT_THAT(*objects, SizeIs(10));
  EXPECT_THAT(AllChanges(*store, false), SizeIs(10));
  EXPECT_THAT(store->Commit(Put("segment", "s0", "again", 1)),
              IsOkAndHolds(11));
}

}  // namespace
}  // namespace cxlab::storage
