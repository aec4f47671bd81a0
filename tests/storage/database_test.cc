// Copyright 2026 The cxlab Authors.

#include "storage/database.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
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
