// Copyright 2026 The cxlab Authors.

#include "storage/database.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "storage/exposure_store.h"
#include "tests/storage/test_util.h"

namespace cxlab::storage {
namespace {

using ::cxlab::storage_test::IsOk;
using ::cxlab::storage_test::StatusIs;
using ::cxlab::storage_test::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::Status Noop(const internal::DbHandles&) { return absl::OkStatus(); }

TEST(Database, OpenCreatesNestedDirectoryWithAllColumnFamilies) {
  TempDir tmp;
  const std::string dir = tmp.Sub("a/b/db");
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(dir);
  ASSERT_THAT(db, IsOk());
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_EQ((*db)->dir(), dir);
  absl::StatusOr<std::vector<std::string>> names =
      (*db)->ColumnFamilyNamesForTest();
  ASSERT_THAT(names, IsOk());
  EXPECT_THAT(*names,
              ElementsAre("aggregates", "assignments", "audit", "bandits",
                          "config", "dedup", "default", "events", "exposures",
                          "unit_metrics"));
  EXPECT_THAT((*db)->Close(), IsOk());
}

TEST(Database, ReopensAnExistingDatabase) {
  TempDir tmp;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(tmp.path());
    ASSERT_THAT(db, IsOk()) << "open #" << i;
    EXPECT_THAT((*db)->WithHandles(Noop), IsOk());
    EXPECT_THAT((*db)->Close(), IsOk());
  }
}

TEST(Database, CloseIsIdempotentAndFailsLaterOperations) {
  TempDir tmp;
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(tmp.path());
  ASSERT_THAT(db, IsOk());
  EXPECT_FALSE((*db)->closed());
  EXPECT_THAT((*db)->Close(), IsOk());
  EXPECT_TRUE((*db)->closed());
  EXPECT_THAT((*db)->Close(), IsOk());
  EXPECT_THAT(
      (*db)->WithHandles(Noop),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("closed")));
}

TEST(Database, DestructorClosesSoTheDirectoryCanBeReopened) {
  TempDir tmp;
  {
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(tmp.path());
    ASSERT_THAT(db, IsOk());
  }
  EXPECT_THAT(Database::Open(tmp.path()), IsOk());
}

TEST(Database, SecondOpenOfTheSameDirectoryFails) {
  TempDir tmp;
  absl::StatusOr<std::unique_ptr<Database>> first = Database::Open(tmp.path());
  ASSERT_THAT(first, IsOk());
  absl::StatusOr<std::unique_ptr<Database>> second = Database::Open(tmp.path());
  EXPECT_FALSE(second.ok());
  ASSERT_THAT((*first)->Close(), IsOk());
  EXPECT_THAT(Database::Open(tmp.path()), IsOk());
}

TEST(Database, OptionsControlCreation) {
  TempDir tmp;
  DatabaseOptions no_create;
  no_create.create_if_missing = false;
  EXPECT_THAT(Database::Open(tmp.Sub("missing"), no_create),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(std::filesystem::exists(tmp.Sub("missing")));
  // An existing but empty directory holds no database either.
  EXPECT_THAT(Database::Open(tmp.path(), no_create),
              StatusIs(absl::StatusCode::kNotFound));

  ASSERT_THAT(Database::Open(tmp.path()), IsOk());  // Creates, then closes.
  EXPECT_THAT(Database::Open(tmp.path(), no_create), IsOk());
  DatabaseOptions must_be_new;
  must_be_new.error_if_exists = true;
  EXPECT_THAT(Database::Open(tmp.path(), must_be_new),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(Database::Open(tmp.Sub("fresh"), must_be_new), IsOk());
}

// Records `n` first exposures of distinct units to "checkout".
void WriteExposures(Database& db, int n) {
  absl::StatusOr<std::unique_ptr<ExposureStore>> store =
      ExposureStore::Create(db, ExposureOptions());
  ASSERT_THAT(store, IsOk());
  std::vector<ExposureRecord> records(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    ExposureRecord& r = records[static_cast<size_t>(i)];
    r.unit_type = "user";
    r.unit_id = absl::StrCat("unit-", i);
    r.experiment_key = "checkout";
    r.variant_index = i % 2;
    r.variant_key = i % 2 == 0 ? "control" : "treatment";
    r.time = absl::FromUnixSeconds(1700000000 + i);
  }
  ASSERT_THAT((*store)->Record(records), IsOk());
}

const ColumnFamilySizes* Find(const DatabaseSizes& sizes,
                              const std::string& name) {
  for (const ColumnFamilySizes& cf : sizes.column_families) {
    if (cf.name == name) return &cf;
  }
  return nullptr;
}

TEST(Database, SizesListEveryColumnFamilyAndTheirSum) {
  TempDir tmp;
  absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(tmp.path());
  ASSERT_THAT(db, IsOk());
  WriteExposures(**db, 2000);
  absl::StatusOr<DatabaseSizes> sizes = (*db)->Sizes();
  ASSERT_THAT(sizes, IsOk());
  std::vector<std::string> names;
  ColumnFamilySizes sum;
  for (const ColumnFamilySizes& cf : sizes->column_families) {
    names.push_back(cf.name);
    sum.sst_bytes += cf.sst_bytes;
    sum.live_sst_bytes += cf.live_sst_bytes;
    sum.pending_compaction_bytes += cf.pending_compaction_bytes;
    sum.memtable_bytes += cf.memtable_bytes;
  }
  absl::StatusOr<std::vector<std::string>> on_disk =
      (*db)->ColumnFamilyNamesForTest();
  ASSERT_THAT(on_disk, IsOk());
  EXPECT_EQ(names, *on_disk);  // both sorted
  EXPECT_TRUE(sizes->total.name.empty());
  EXPECT_EQ(sizes->total.sst_bytes, sum.sst_bytes);
  EXPECT_EQ(sizes->total.live_sst_bytes, sum.live_sst_bytes);
  EXPECT_EQ(sizes->total.pending_compaction_bytes,
            sum.pending_compaction_bytes);
  EXPECT_EQ(sizes->total.memtable_bytes, sum.memtable_bytes);
  // Nothing flushed yet: the exposures sit in the memtable, well above an
  // empty one's arena.
  const ColumnFamilySizes* exposures = Find(*sizes, "exposures");
  const ColumnFamilySizes* events = Find(*sizes, "events");
  ASSERT_NE(exposures, nullptr);
  ASSERT_NE(events, nullptr);
  EXPECT_EQ(exposures->sst_bytes, 0u);
  EXPECT_GT(exposures->memtable_bytes, events->memtable_bytes + 50000);
  ASSERT_THAT((*db)->Close(), IsOk());  // flushes
  EXPECT_THAT((*db)->Sizes(), StatusIs(absl::StatusCode::kFailedPrecondition));

  db = Database::Open(tmp.path());
  ASSERT_THAT(db, IsOk());
  sizes = (*db)->Sizes();
  ASSERT_THAT(sizes, IsOk());
  exposures = Find(*sizes, "exposures");
  ASSERT_NE(exposures, nullptr);
  EXPECT_GT(exposures->sst_bytes, 10000u);
  EXPECT_GT(exposures->live_sst_bytes, 10000u);
  EXPECT_LE(exposures->live_sst_bytes, exposures->sst_bytes);
  EXPECT_GE(sizes->total.sst_bytes, exposures->sst_bytes);
}

TEST(Database, RejectsEmptyDirectory) {
  EXPECT_THAT(Database::Open(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Database, UncreatableDirectoryIsAnError) {
  TempDir tmp;
  const std::string file = tmp.Sub("file");
  std::FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  EXPECT_FALSE(Database::Open(file + "/db").ok());
}

}  // namespace
}  // namespace cxlab::storage
