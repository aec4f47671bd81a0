// Copyright 2026 The cxlab Authors.
//
// storage/backup.h: online backups (RocksDB checkpoints with a manifest) and
// their restore, and the read-only Database mode they use.

#include "storage/backup.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/config_store.h"
#include "storage/database.h"
#include "tests/storage/test_util.h"

namespace cxlab::storage {
namespace {

namespace fs = std::filesystem;

using ::cxlab::storage_test::IsOk;
using ::cxlab::storage_test::StatusIs;
using ::cxlab::storage_test::TempDir;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1778753702);  // 2026-05-14

ConfigStore::Write Put(const std::string& key, const std::string& value) {
  ConfigStore::Write write;
  write.kind = "experiment";
  write.key = key;
  write.value = value;
  write.actor = "test";
  write.action = "update";
  write.time = kNow;
  write.after = value;
  return write;
}

// Name -> size of the regular files in `dir`.
std::map<std::string, uintmax_t> Files(const std::string& dir) {
  std::map<std::string, uintmax_t> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files[entry.path().filename().string()] = entry.file_size();
    }
  }
  return files;
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ConfigStore>> store =
        ConfigStore::Open(tmp_.Sub("db"));
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }

  TempDir tmp_;
  std::unique_ptr<ConfigStore> store_;
};

TEST_F(BackupTest, BackupAndRestoreRoundTrip) {
  ASSERT_THAT(store_->Commit(Put("a", "1")), IsOk());
  ASSERT_THAT(store_->Commit(Put("b", "2")), IsOk());
  ASSERT_THAT(store_->Commit(Put("a", "3")), IsOk());

  const std::string backup = tmp_.Sub("backups/one");
  absl::StatusOr<BackupInfo> info =
      CreateBackup(store_->database(), backup, kNow);
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->dir, backup);
  EXPECT_EQ(info->config_version, 3);
  EXPECT_GT(info->sequence, 0u);
  EXPECT_EQ(info->backup_id, absl::StrCat("20260514T101502Z-", info->sequence));
  EXPECT_EQ(info->time, kNow);
  EXPECT_GT(info->files, 0);
  EXPECT_GT(info->size_bytes, 0);
  // A complete backup: the manifest, no LOG and no staging leftovers.
  std::map<std::string, uintmax_t> files = Files(backup);
  EXPECT_EQ(files.count(kBackupManifestFile), 1u);
  EXPECT_EQ(files.count("LOG"), 0u);
  EXPECT_EQ(static_cast<int64_t>(files.size()), info->files + 1);
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp_.Sub("backups")),
                          fs::directory_iterator()),
            1);

  absl::StatusOr<BackupInfo> read = ReadBackupInfo(backup);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->backup_id, info->backup_id);
  EXPECT_EQ(read->sequence, info->sequence);
  EXPECT_EQ(read->config_version, 3);
  EXPECT_EQ(read->files, info->files);
  EXPECT_EQ(read->size_bytes, info->size_bytes);
  EXPECT_EQ(read->time, kNow);

  // Writes after the backup are not in it.
  ASSERT_THAT(store_->Commit(Put("c", "4")), IsOk());

  const std::string restored_dir = tmp_.Sub("restored/db");
  absl::StatusOr<BackupInfo> restored = RestoreBackup(backup, restored_dir);
  ASSERT_THAT(restored, IsOk());
  EXPECT_EQ(restored->backup_id, info->backup_id);
  EXPECT_EQ(Files(backup), files) << "restore must not change the backup";

  absl::StatusOr<std::unique_ptr<ConfigStore>> copy =
      ConfigStore::Open(restored_dir);
  ASSERT_THAT(copy, IsOk());
  EXPECT_EQ((*copy)->version(), 3);
  absl::StatusOr<std::vector<ConfigStore::StoredObject>> objects =
      (*copy)->ListAll();
  ASSERT_THAT(objects, IsOk());
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].key, "a");
  EXPECT_EQ((*objects)[0].value, "3");
  EXPECT_EQ((*objects)[1].key, "b");
  EXPECT_EQ((*objects)[1].value, "2");
  // The restored database is a normal one: it takes writes.
  EXPECT_THAT((*copy)->Commit(Put("d", "5")), IsOk());
}

TEST_F(BackupTest, BackupDuringCommitsIsAConsistentPrefix) {
  // A writer commits continuously; each commit writes the `config` and the
  // `audit` column families in one batch. The backup must hold exactly the
  // commits up to one point: all that finished before it started, none
  // that started after it returned, and version == last audit record
  // (ConfigStore::Open checks that).
  std::atomic<bool> stop{false};
  std::atomic<int64_t> committed{0};
  std::thread writer([&] {
    for (int64_t i = 1; !stop.load(); ++i) {
      absl::StatusOr<int64_t> version =
          store_->Commit(Put(absl::StrCat("k", i % 50), absl::StrCat(i)));
      if (!version.ok()) {
        ADD_FAILURE() << version.status();
        return;
      }
      committed.store(*version);
    }
  });
  while (committed.load() < 200) std::this_thread::yield();
  const int64_t before = committed.load();
  absl::StatusOr<BackupInfo> info =
      CreateBackup(store_->database(), tmp_.Sub("backup"), kNow);
  const int64_t after = committed.load() + 1;  // one may be in flight
  while (committed.load() < after + 100) std::this_thread::yield();
  stop = true;
  writer.join();
  ASSERT_THAT(info, IsOk());
  EXPECT_GE(info->config_version, before);
  EXPECT_LE(info->config_version, after);

  ASSERT_THAT(RestoreBackup(tmp_.Sub("backup"), tmp_.Sub("restored")), IsOk());
  absl::StatusOr<std::unique_ptr<ConfigStore>> copy =
      ConfigStore::Open(tmp_.Sub("restored"));
  ASSERT_THAT(copy, IsOk());
  const int64_t version = (*copy)->version();
  EXPECT_EQ(version, info->config_version);
  // Every object holds the value of its last write at or before `version`.
  absl::StatusOr<std::vector<ConfigStore::StoredObject>> objects =
      (*copy)->ListAll();
  ASSERT_THAT(objects, IsOk());
  ASSERT_EQ(objects->size(), 50u);
  for (const ConfigStore::StoredObject& object : *objects) {
    EXPECT_LE(object.version, version);
    EXPECT_GT(object.version, version - 50) << object.key;
    EXPECT_EQ(object.value, absl::StrCat(object.version)) << object.key;
  }
  ConfigStore::ChangeQuery query;
  query.limit = 1;
  absl::StatusOr<ConfigStore::ChangePage> newest = (*copy)->ListChanges(query);
  ASSERT_THAT(newest, IsOk());
  ASSERT_EQ(newest->changes.size(), 1u);
  EXPECT_EQ(newest->changes[0].version, version);
}

TEST_F(BackupTest, BackupRefusesBadTargets) {
  Database& db = store_->database();
  EXPECT_THAT(CreateBackup(db, "", kNow),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      CreateBackup(db, "relative/dir", kNow),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("absolute")));
  EXPECT_THAT(CreateBackup(db, tmp_.Sub("db/backup"), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("inside the database directory")));
  EXPECT_THAT(CreateBackup(db, tmp_.Sub("db"), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument));

  fs::create_directories(tmp_.Sub("full"));
  std::ofstream(tmp_.Sub("full/x")) << "x";
  EXPECT_THAT(
      CreateBackup(db, tmp_.Sub("full"), kNow),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("is not empty")));
  std::ofstream(tmp_.Sub("file")) << "x";
  EXPECT_THAT(
      CreateBackup(db, tmp_.Sub("file"), kNow),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("not a directory")));

  // An existing empty directory is fine (with a trailing slash too); a
  // second backup into it is refused.
  fs::create_directories(tmp_.Sub("empty"));
  EXPECT_THAT(CreateBackup(db, tmp_.Sub("empty") + "/", kNow), IsOk());
  EXPECT_THAT(CreateBackup(db, tmp_.Sub("empty"), kNow),
              StatusIs(absl::StatusCode::kAlreadyExists));

  ASSERT_THAT(store_->Close(), IsOk());
  EXPECT_THAT(CreateBackup(db, tmp_.Sub("closed"), kNow),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_FALSE(fs::exists(tmp_.Sub("closed")));
}

TEST_F(BackupTest, RestoreRefusesANonEmptyDataDirAndNonBackups) {
  ASSERT_THAT(store_->Commit(Put("a", "1")), IsOk());
  const std::string backup = tmp_.Sub("backup");
  ASSERT_THAT(CreateBackup(store_->database(), backup, kNow), IsOk());

  // The live data dir, or any non-empty directory: refused, untouched.
  EXPECT_THAT(RestoreBackup(backup, tmp_.Sub("db")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("restore only into a new or empty")));
  fs::create_directories(tmp_.Sub("other"));
  std::ofstream(tmp_.Sub("other/admin.key")) << "secret";
  EXPECT_THAT(RestoreBackup(backup, tmp_.Sub("other")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is not empty")));
  EXPECT_EQ(Files(tmp_.Sub("other")).size(), 1u);
  EXPECT_THAT(RestoreBackup(backup, tmp_.Sub("backup/inner")),
              StatusIs(absl::StatusCode::kInvalidArgument));

  // Not a backup: a plain database directory, a missing one, a directory
  // without the manifest (an interrupted backup).
  EXPECT_THAT(RestoreBackup(tmp_.Sub("db"), tmp_.Sub("new1")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("is not a cxlab backup")));
  EXPECT_THAT(RestoreBackup(tmp_.Sub("missing"), tmp_.Sub("new1")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(fs::exists(tmp_.Sub("new1")));

  // An existing empty directory is fine.
  fs::create_directories(tmp_.Sub("new2"));
  EXPECT_THAT(RestoreBackup(backup, tmp_.Sub("new2")), IsOk());
  EXPECT_TRUE(fs::exists(tmp_.Sub("new2/CURRENT")));
}

TEST_F(BackupTest, RestoreDetectsADamagedBackupAndLeavesNothing) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(
        store_->Commit(Put(absl::StrCat("k", i), std::string(100, 'x'))),
        IsOk());
  }
  const std::string backup = tmp_.Sub("backup");
  ASSERT_THAT(CreateBackup(store_->database(), backup, kNow), IsOk());

  // A corrupt manifest.
  {
    std::string manifest;
    {
      std::ifstream in(backup + "/" + kBackupManifestFile);
      manifest.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::string saved = manifest;
    std::ofstream(backup + "/" + kBackupManifestFile) << "garbage\n";
    EXPECT_THAT(ReadBackupInfo(backup), StatusIs(absl::StatusCode::kDataLoss));
    EXPECT_THAT(RestoreBackup(backup, tmp_.Sub("new")),
                StatusIs(absl::StatusCode::kDataLoss));
    std::ofstream(backup + "/" + kBackupManifestFile) << saved;
    ASSERT_THAT(ReadBackupInfo(backup), IsOk());
  }

  // A flipped byte in the middle of an SST file: same size, bad checksum.
  std::string sst;
  for (const auto& [name, size] : Files(backup)) {
    if (name.size() > 4 && name.substr(name.size() - 4) == ".sst" &&
        size > 64) {
      sst = backup + "/" + name;
    }
  }
  ASSERT_FALSE(sst.empty());
  // The SST may be hard-linked to the live database: replace it, do not
  // write through the link.
  std::string bytes;
  {
    std::ifstream in(sst, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  fs::remove(sst);
  bytes[bytes.size() / 4] ^= 0x5a;
  std::ofstream(sst, std::ios::binary) << bytes;
  EXPECT_THAT(RestoreBackup(backup, tmp_.Sub("new")),
              StatusIs(absl::StatusCode::kDataLoss));

  // A missing file.
  fs::remove(sst);
  EXPECT_THAT(RestoreBackup(backup, tmp_.Sub("new")),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(".sst")));

  // Nothing was left behind: no data dir, no staging directory.
  EXPECT_FALSE(fs::exists(tmp_.Sub("new")));
  for (const fs::directory_entry& entry : fs::directory_iterator(tmp_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".restoring-"),
              std::string::npos)
        << entry.path();
  }
  // The live database still opens and is intact.
  EXPECT_EQ(store_->version(), 20);
}

TEST(ReadOnlyDatabase, ReadsWithoutWritingAnything) {
  TempDir tmp;
  {
    absl::StatusOr<std::unique_ptr<ConfigStore>> store =
        ConfigStore::Open(tmp.path());
    ASSERT_THAT(store, IsOk());
    ASSERT_THAT((*store)->Commit(Put("a", "1")), IsOk());
    ASSERT_THAT((*store)->Close(), IsOk());
  }
  fs::remove(tmp.Sub("LOG"));
  const std::map<std::string, uintmax_t> before = Files(tmp.path());

  DatabaseOptions options;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<ConfigStore>> store =
      ConfigStore::Open(tmp.path(), options);
  ASSERT_THAT(store, IsOk());
  EXPECT_EQ((*store)->version(), 1);
  absl::StatusOr<std::optional<ConfigStore::StoredObject>> a =
      (*store)->Get("experiment", "a");
  ASSERT_THAT(a, IsOk());
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->value, "1");
  EXPECT_FALSE((*store)->Commit(Put("b", "2")).ok());
  EXPECT_THAT((*store)->Close(), IsOk());
  EXPECT_EQ(Files(tmp.path()), before);

  // No database: NOT_FOUND, and nothing is created.
  EXPECT_THAT(Database::Open(tmp.Sub("none"), options),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(fs::exists(tmp.Sub("none")));
}

TEST(ReadOnlyDatabase, CannotBeBackedUp) {
  TempDir tmp;
  ASSERT_THAT(Database::Open(tmp.Sub("db")), IsOk());  // created, closed
  DatabaseOptions options;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<Database>> db =
      Database::Open(tmp.Sub("db"), options);
  ASSERT_THAT(db, IsOk());
  EXPECT_THAT(
      CreateBackup(**db, tmp.Sub("backup"), kNow),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("read-only")));
  EXPECT_FALSE(fs::exists(tmp.Sub("backup")));
}

}  // namespace
}  // namespace cxlab::storage
