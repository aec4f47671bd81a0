// Copyright 2026 The cxlab Authors.
//
// Reads and crafts the on-disk format with RocksDB directly: pins the layout
// documented in storage/keys.h and checks how damaged data is reported.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "storage/coding.h"
#include "storage/config_store.h"
#include "storage/database.h"
#include "storage/internal/db_handles.h"
#include "storage/keys.h"
#include "tests/storage/test_util.h"

namespace cxlab::storage {
namespace {

using ::cxlab::storage_test::IsOk;
using ::cxlab::storage_test::StatusIs;
using ::cxlab::storage_test::TempDir;
using ::testing::Contains;
using ::testing::HasSubstr;

// A RocksDB opened directly with every column family it has (creating
// `extra` ones). Fails the test on errors.
class RawDb {
 public:
  explicit RawDb(const std::string& dir,
                 const std::vector<std::string>& extra = {}) {
    rocksdb::DBOptions options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<std::string> names;
    if (!rocksdb::DB::ListColumnFamilies(options, dir, &names).ok()) {
      names = {rocksdb::kDefaultColumnFamilyName};
    }
    names.insert(names.end(), extra.begin(), extra.end());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : names) {
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* db = nullptr;
    const rocksdb::Status status =
        rocksdb::DB::Open(options, dir, descriptors, &handles_, &db);
    EXPECT_TRUE(status.ok()) << status.ToString();
    db_.reset(db);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb() {
    if (db_ == nullptr) return;
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      EXPECT_TRUE(db_->DestroyColumnFamilyHandle(handle).ok());
    }
    EXPECT_TRUE(db_->Close().ok());
  }

  bool ok() const { return db_ != nullptr; }

  rocksdb::ColumnFamilyHandle* Cf(absl::string_view name) const {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      if (handle->GetName() == name) return handle;
    }
    ADD_FAILURE() << "no column family " << name;
    return nullptr;
  }

  // Every key and value of a column family, in order.
  std::vector<std::pair<std::string, std::string>> Scan(
      absl::string_view cf) const {
    std::vector<std::pair<std::string, std::string>> entries;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), Cf(cf)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      entries.emplace_back(it->key().ToString(), it->value().ToString());
    }
    EXPECT_TRUE(it->status().ok());
    return entries;
  }

  rocksdb::DB& db() const { return *db_; }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

ConfigStore::Write Create(const std::string& kind, const std::string& key,
                          const std::string& value) {
  ConfigStore::Write write;
  write.kind = kind;
  write.key = key;
  write.value = value;
  write.expected_version = 0;
  write.actor = "key-1";
  write.action = "create";
  write.time = absl::FromUnixMicros(1767225600123456);
  write.after = value;
  return write;
}

TEST(OnDisk, LayoutMatchesKeysH) {
  TempDir tmp;
  {
    absl::StatusOr<std::unique_ptr<ConfigStore>> store =
        ConfigStore::Open(tmp.path());
    ASSERT_THAT(store, IsOk());
    ASSERT_THAT((*store)->Commit(Create("experiment", "checkout", "{}")),
                IsOk());
    ASSERT_THAT((*store)->Close(), IsOk());
  }
  RawDb raw(tmp.path());
  ASSERT_TRUE(raw.ok());

  std::string object_record(1, '\x01');
  PutLengthPrefixed(&object_record, "{}");
  PutVarint64(&object_record, 1);  // version
  PutVarint64(&object_record, 1);  // created_version
  PutVarint64(&object_record, 1767225600123456);
  PutLengthPrefixed(&object_record, "key-1");
  EXPECT_THAT(raw.Scan("config"),
              ::testing::ElementsAre(
                  std::make_pair(std::string("meta/version"),
                                 EncodeFixed64BigEndian(1)),
                  std::make_pair(std::string("obj/experiment/checkout"),
                                 object_record)));

  std::string change_record(1, '\x01');
  PutVarint64(&change_record, 1767225600123456);
  for (const char* field :
       {"key-1", "create", "experiment", "checkout", "", "{}"}) {
    PutLengthPrefixed(&change_record, field);
  }
  EXPECT_THAT(raw.Scan("audit"),
              ::testing::ElementsAre(std::make_pair(
                  std::string("\0\0\0\0\0\0\0\x01", 8), change_record)));
  for (absl::string_view reserved :
       {"exposures", "events", "dedup", "unit_metrics", "aggregates",
        "assignments", "bandits"}) {
    EXPECT_TRUE(raw.Scan(reserved).empty()) << reserved;
  }
}

TEST(OnDisk, UnknownColumnFamiliesSurviveReopen) {
  TempDir tmp;
  {
    RawDb raw(tmp.path(), {"from_the_future"});
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(
        raw.db()
            .Put(rocksdb::WriteOptions(), raw.Cf("from_the_future"), "k", "v")
            .ok());
  }
  {
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(tmp.path());
    ASSERT_THAT(db, IsOk());
    absl::StatusOr<std::vector<std::string>> names =
        (*db)->ColumnFamilyNamesForTest();
    ASSERT_THAT(names, IsOk());
    EXPECT_THAT(*names, Contains("from_the_future"));
    EXPECT_THAT(*names, Contains("config"));
  }
  RawDb raw(tmp.path());
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(raw.Scan("from_the_future"),
              ::testing::ElementsAre(
                  std::make_pair(std::string("k"), std::string("v"))));
}

TEST(OnDisk, VersionAndAuditDisagreementIsDataLoss) {
  TempDir tmp;
  {
    absl::StatusOr<std::unique_ptr<ConfigStore>> store =
        ConfigStore::Open(tmp.path());
    ASSERT_THAT(store, IsOk());
    ASSERT_THAT((*store)->Commit(Create("experiment", "a", "1")), IsOk());
    ASSERT_THAT((*store)->Commit(Create("experiment", "b", "2")), IsOk());
  }
  {
    RawDb raw(tmp.path());
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(
        raw.db()
            .Delete(rocksdb::WriteOptions(), raw.Cf("audit"), keys::AuditKey(2))
            .ok());
  }
  EXPECT_THAT(ConfigStore::Open(tmp.path()),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("config version is 2 but the audit log ends "
                                 "at version 1")));
}

TEST(OnDisk, CorruptRecordsAreDataLoss) {
  TempDir tmp;
  {
    absl::StatusOr<std::unique_ptr<ConfigStore>> store =
        ConfigStore::Open(tmp.path());
    ASSERT_THAT(store, IsOk());
    ASSERT_THAT((*store)->Commit(Create("experiment", "a", "1")), IsOk());
  }
  {
    RawDb raw(tmp.path());
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.db()
                    .Put(rocksdb::WriteOptions(), raw.Cf("config"),
                         "obj/experiment/a", std::string("\x01\x09", 2))
                    .ok());
    ASSERT_TRUE(raw.db()
                    .Put(rocksdb::WriteOptions(), raw.Cf("audit"),
                         keys::AuditKey(1), "\x07garbage")
                    .ok());
  }
  absl::StatusOr<std::unique_ptr<ConfigStore>> store =
      ConfigStore::Open(tmp.path());
  ASSERT_THAT(store, IsOk());
  EXPECT_THAT(
      (*store)->Get("experiment", "a"),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("obj/experiment/a")));
  EXPECT_THAT((*store)->List("experiment"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT((*store)->ListChanges({}), StatusIs(absl::StatusCode::kDataLoss));
  // A write over a corrupt record is refused rather than guessed at.
  EXPECT_THAT((*store)->Commit(Create("experiment", "a", "2")),
              StatusIs(absl::StatusCode::kDataLoss));
}

// DatabaseOptions::memory_budget_bytes: the memtables of all column families
// together stay near half the budget. 1.9 MiB written to each of the ten
// column families is below each one's own write buffer (an eighth of the
// budget, 2 MiB; the aggregates' 4 MiB), so without the shared cap all 19 MiB
// would stay in memtables; with it (8 MiB) the oldest are flushed. The cap
// is checked on each write, as steady traffic does; memtables switched out
// but not yet flushed count too, hence the slack.
TEST(MemoryBudget, MemtablesOfAllColumnFamiliesShareOneCap) {
  TempDir tmp;
  DatabaseOptions options;
  options.memory_budget_bytes = 16 << 20;
  absl::StatusOr<std::unique_ptr<Database>> db =
      Database::Open(tmp.Sub("db"), options);
  ASSERT_THAT(db, IsOk());
  const std::string value(4096, 'v');
  const int per_family = (19 << 20) / 10 / 4096;  // ~1.9 MiB each
  auto put = [&](int i, bool all_families) {
    return (*db)->WithHandles([&](const internal::DbHandles& handles) {
      for (rocksdb::ColumnFamilyHandle* cf : handles.all) {
        const rocksdb::Status s =
            handles.db->Put(rocksdb::WriteOptions(), cf, absl::StrCat("k", i),
                            all_families ? value : "x");
        if (!s.ok()) return absl::InternalError(s.ToString());
        if (!all_families) break;
      }
      return absl::OkStatus();
    });
  };
  for (int i = 0; i < per_family; ++i) ASSERT_THAT(put(i, true), IsOk());
  // Flushes run in the background: wait for them (at most 60 s), writing a
  // byte now and then as traffic would.
  const uint64_t bound = 12u << 20;  // the 8 MiB cap and 50 %
  absl::StatusOr<DatabaseSizes> sizes;
  for (int i = 0; i < 600; ++i) {
    sizes = (*db)->Sizes();
    ASSERT_THAT(sizes, IsOk());
    if (sizes->total.memtable_bytes <= bound) break;
    ASSERT_THAT(put(per_family + i, false), IsOk());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string per_family_sizes;
  for (const ColumnFamilySizes& cf : sizes->column_families) {
    absl::StrAppend(&per_family_sizes, " ", cf.name, "=", cf.memtable_bytes);
  }
  EXPECT_LE(sizes->total.memtable_bytes, bound) << per_family_sizes;
  EXPECT_THAT((*db)->Close(), IsOk());
}

TEST(MemoryBudget, BelowEightMebibytesIsRejected) {
  TempDir tmp;
  DatabaseOptions options;
  options.memory_budget_bytes = 4 << 20;
  absl::StatusOr<std::unique_ptr<Database>> db =
      Database::Open(tmp.Sub("db"), options);
  EXPECT_THAT(db, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(db.status().message(), HasSubstr("memory_budget_bytes"));
  EXPECT_FALSE(std::filesystem::exists(tmp.Sub("db")));
}

}  // namespace
}  // namespace cxlab::storage
