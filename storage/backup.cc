// Copyright 2026 The cxlab Authors.

#include "storage/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/status_macros.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/utilities/checkpoint.h"
#include "storage/config_store.h"
#include "storage/database.h"
#include "storage/internal/db_handles.h"
#include "storage/internal/rocksdb_status.h"

namespace cxlab::storage {
namespace {

namespace fs = std::filesystem;

using internal::DbHandles;
using internal::FromRocksDbStatus;

// First line of a manifest: the format and its version.
constexpr absl::string_view kManifestHeader = "cxlab-backup 1";

// One database file of a backup.
struct BackupFile {
  std::string name;
  int64_t size = 0;
};

// A parsed manifest.
struct Manifest {
  BackupInfo info;
  std::vector<BackupFile> files;  // sorted by name
};

absl::Status ErrnoStatus(int error, absl::string_view what,
                         const std::string& path) {
  return absl::ErrnoToStatus(error, absl::StrCat(what, " ", path));
}

absl::Status FsStatus(const std::error_code& error, absl::string_view what,
                      const std::string& path) {
  return ErrnoStatus(error.value(), what, path);
}

// `path` made absolute and normalised, without a trailing separator.
fs::path Normalized(const fs::path& path) {
  fs::path normal = path.lexically_normal();
  if (!normal.has_filename() && normal.has_parent_path() &&
      normal != normal.root_path()) {
    normal = normal.parent_path();
  }
  return normal;
}

// True when `inner` is `outer` or lies below it (both normalised).
bool IsWithin(const fs::path& inner, const fs::path& outer) {
  auto o = outer.begin();
  auto i = inner.begin();
  for (; o != outer.end(); ++o, ++i) {
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

// `path` with symlinks of its existing part resolved (for containment
// checks), or the normalised path if that fails.
fs::path Resolved(const fs::path& path) {
  std::error_code error;
  fs::path resolved = fs::weakly_canonical(path, error);
  return error ? Normalized(path) : Normalized(resolved);
}

// OK when `path` does not exist or is an empty directory; otherwise
// `code` with `message`.
absl::Status CheckNewOrEmpty(const fs::path& path, absl::StatusCode code,
                             absl::string_view label) {
  std::error_code error;
  const fs::file_status status = fs::symlink_status(path, error);
  if (error && error != std::errc::no_such_file_or_directory) {
    return FsStatus(error, "cannot inspect", path.string());
  }
  if (!fs::exists(status)) return absl::OkStatus();
  if (!fs::is_directory(status)) {
    return absl::Status(code, absl::StrCat(label, " ", path.string(),
                                           " exists and is not a directory"));
  }
  const bool empty = fs::is_empty(path, error);
  if (error) return FsStatus(error, "cannot list", path.string());
  if (!empty) {
    return absl::Status(
        code, absl::StrCat(label, " ", path.string(), " is not empty"));
  }
  return absl::OkStatus();
}

// A sibling of `path` that does not exist yet: "<path><suffix><random>".
std::string StagingPath(const fs::path& path, absl::string_view suffix) {
  std::random_device random;
  const uint64_t tag = (static_cast<uint64_t>(random()) << 32) ^ random();
  return absl::StrCat(path.string(), suffix, absl::Hex(tag, absl::kZeroPad16));
}

// Removes a staging directory unless released (on every error path).
class StagingGuard {
 public:
  explicit StagingGuard(std::string path) : path_(std::move(path)) {}
  StagingGuard(const StagingGuard&) = delete;
  StagingGuard& operator=(const StagingGuard&) = delete;
  ~StagingGuard() {
    if (path_.empty()) return;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

// fsyncs a file or directory.
absl::Status Fsync(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) return ErrnoStatus(error, "cannot fsync", path);
  return absl::OkStatus();
}

// Renames directory `from` to `to` (which may be an empty directory: it is
// replaced atomically) and makes the rename durable.
absl::Status RenameDirectory(const std::string& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    const int error = errno;
    if (error == ENOTEMPTY || error == EEXIST) {
      return absl::AlreadyExistsError(
          absl::StrCat(to.string(), " is not empty (written concurrently?)"));
    }
    return ErrnoStatus(error, absl::StrCat("cannot rename ", from, " to"),
                       to.string());
  }
  return Fsync(to.parent_path().string());
}

// Creates the parent directories of `path`.
absl::Status CreateParent(const fs::path& path) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error) return FsStatus(error, "cannot create", path.parent_path());
  return absl::OkStatus();
}

std::string BackupId(absl::Time time, uint64_t sequence) {
  return absl::StrCat(
      absl::FormatTime("%Y%m%dT%H%M%SZ", time, absl::UTCTimeZone()), "-",
      sequence);
}

std::string EncodeManifest(const Manifest& manifest) {
  const BackupInfo& info = manifest.info;
  std::string out = absl::StrCat(
      kManifestHeader, "\n", "backup_id ", info.backup_id, "\n", "time_micros ",
      absl::ToUnixMicros(info.time), "\n", "sequence ", info.sequence, "\n",
      "config_version ", info.config_version, "\n");
  for (const BackupFile& file : manifest.files) {
    absl::StrAppend(&out, "file ", file.name, " ", file.size, "\n");
  }
  return out;
}

absl::StatusOr<Manifest> DecodeManifest(const std::string& path,
                                        absl::string_view text) {
  auto corrupt = [&path](absl::string_view why) {
    return absl::DataLossError(
        absl::StrCat("backup manifest ", path, ": ", why));
  };
  std::vector<absl::string_view> lines =
      absl::StrSplit(text, '\n', absl::SkipEmpty());
  if (lines.empty() || lines[0] != kManifestHeader) {
    return corrupt(
        absl::StrCat("does not start with \"", kManifestHeader, "\""));
  }
  Manifest manifest;
  bool has_id = false, has_time = false, has_sequence = false,
       has_version = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<absl::string_view> parts = absl::StrSplit(lines[i], ' ');
    const absl::string_view field = parts[0];
    if (field == "backup_id" && parts.size() == 2) {
      manifest.info.backup_id = std::string(parts[1]);
      has_id = true;
    } else if (field == "time_micros" && parts.size() == 2) {
      int64_t micros = 0;
      if (!absl::SimpleAtoi(parts[1], &micros)) return corrupt("bad time");
      manifest.info.time = absl::FromUnixMicros(micros);
      has_time = true;
    } else if (field == "sequence" && parts.size() == 2) {
      if (!absl::SimpleAtoi(parts[1], &manifest.info.sequence)) {
        return corrupt("bad sequence");
      }
      has_sequence = true;
    } else if (field == "config_version" && parts.size() == 2) {
      if (!absl::SimpleAtoi(parts[1], &manifest.info.config_version)) {
        return corrupt("bad config_version");
      }
      has_version = true;
    } else if (field == "file" && parts.size() == 3) {
      BackupFile file;
      file.name = std::string(parts[1]);
      if (file.name.empty() || file.name.find('/') != std::string::npos ||
          file.name == "." || file.name == ".." ||
          !absl::SimpleAtoi(parts[2], &file.size) || file.size < 0) {
        return corrupt(absl::StrCat("bad line ", i + 1));
      }
      manifest.info.size_bytes += file.size;
      manifest.files.push_back(std::move(file));
    } else {
      return corrupt(absl::StrCat("bad line ", i + 1));
    }
  }
  if (!has_id || !has_time || !has_sequence || !has_version ||
      manifest.files.empty()) {
    return corrupt("incomplete");
  }
  manifest.info.files = static_cast<int64_t>(manifest.files.size());
  return manifest;
}

// Writes `text` to `path` and fsyncs it.
absl::Status WriteFileSynced(const std::string& path, const std::string& text) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus(errno, "cannot create", path);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      return ErrnoStatus(error, "cannot write", path);
    }
    written += static_cast<size_t>(n);
  }
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (synced != 0) return ErrnoStatus(error, "cannot fsync", path);
  return absl::OkStatus();
}

// The regular files of `dir`, sorted by name.
absl::StatusOr<std::vector<BackupFile>> ListFiles(const std::string& dir) {
  std::vector<BackupFile> files;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    if (!it->is_regular_file()) continue;
    BackupFile file;
    file.name = it->path().filename().string();
    file.size = static_cast<int64_t>(it->file_size());
    files.push_back(std::move(file));
  }
  if (error) return FsStatus(error, "cannot list", dir);
  std::sort(
      files.begin(), files.end(),
      [](const BackupFile& a, const BackupFile& b) { return a.name < b.name; });
  return files;
}

// What a database directory holds, read without writing to it.
struct DatabaseState {
  uint64_t sequence = 0;
  int64_t config_version = 0;
};

// Opens the database in `dir` read-only; reads its sequence number and
// config version (ConfigStore checks the version against the audit log);
// with `verify_checksums`, also reads every file, checking RocksDB's block
// checksums.
absl::StatusOr<DatabaseState> InspectDatabase(const std::string& dir,
                                              bool verify_checksums) {
  DatabaseOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  ASSIGN_OR_RETURN(std::unique_ptr<Database> database,
                   Database::Open(dir, options));
  DatabaseState state;
  ASSIGN_OR_RETURN(std::unique_ptr<ConfigStore> store,
                   ConfigStore::Create(*database));
  state.config_version = store->version();
  store.reset();
  RETURN_IF_ERROR(database->WithHandles([&](const DbHandles& handles) {
    state.sequence = handles.db->GetLatestSequenceNumber();
    if (!verify_checksums) return absl::OkStatus();
    return FromRocksDbStatus(handles.db->VerifyChecksum(), "verify checksums");
  }));
  RETURN_IF_ERROR(database->Close());
  return state;
}

// Reads and parses the manifest of the backup in `dir` (see
// ReadBackupInfo); info.dir is set to the absolute `dir`.
absl::StatusOr<Manifest> ReadManifest(const std::string& dir) {
  if (dir.empty()) {
    return absl::InvalidArgumentError("backup dir: must not be empty");
  }
  const std::string path = (fs::path(dir) / kBackupManifestFile).string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return absl::NotFoundError(
          absl::StrCat(dir, " is not a cxlab backup (no ", kBackupManifestFile,
                       " file; an interrupted backup leaves none)"));
    }
    return ErrnoStatus(error, "cannot read", path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ErrnoStatus(errno, "cannot read", path);
  ASSIGN_OR_RETURN(Manifest manifest, DecodeManifest(path, text.str()));
  manifest.info.dir = Normalized(fs::absolute(dir)).string();
  return manifest;
}

}  // namespace

absl::StatusOr<BackupInfo> CreateBackup(Database& database,
                                        const std::string& dir,
                                        absl::Time now) {
  if (dir.empty()) return absl::InvalidArgumentError("dir: must not be empty");
  const fs::path target = Normalized(dir);
  if (!target.is_absolute()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dir: must be an absolute path, got '", dir, "'"));
  }
  if (IsWithin(Resolved(target), Resolved(fs::absolute(database.dir())))) {
    return absl::InvalidArgumentError(
        absl::StrCat("dir: ", target.string(),
                     " is inside the database directory ", database.dir()));
  }
  RETURN_IF_ERROR(
      CheckNewOrEmpty(target, absl::StatusCode::kAlreadyExists, "dir"));
  RETURN_IF_ERROR(CreateParent(target));

  // RocksDB creates the checkpoint directory itself (it must not exist).
  const std::string staging = StagingPath(target, ".partial-");
  StagingGuard guard(staging);
  RETURN_IF_ERROR(database.WithHandles([&](const DbHandles& handles) {
    if (handles.read_only) {
      return absl::FailedPreconditionError(
          absl::StrCat("database ", database.dir(), " is open read-only"));
    }
    rocksdb::Checkpoint* raw = nullptr;
    RETURN_IF_ERROR(FromRocksDbStatus(
        rocksdb::Checkpoint::Create(handles.db.get(), &raw), "checkpoint"));
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // log_size_for_flush 0: flush every memtable first, so the copied
    // write-ahead log is short.
    return FromRocksDbStatus(
        checkpoint->CreateCheckpoint(staging, /*log_size_for_flush=*/0),
        absl::StrCat("checkpoint into ", staging));
  }));
  ::chmod(staging.c_str(), 0700);  // customer data and key hashes

  // The exact state the checkpoint holds (RocksDB only promises a lower
  // bound of its sequence number), which also proves it opens.
  ASSIGN_OR_RETURN(DatabaseState state,
                   InspectDatabase(staging, /*verify_checksums=*/false));
  Manifest manifest;
  ASSIGN_OR_RETURN(manifest.files, ListFiles(staging));
  BackupInfo& info = manifest.info;
  info.backup_id = BackupId(now, state.sequence);
  info.dir = target.string();
  info.time = absl::FromUnixMicros(absl::ToUnixMicros(now));
  info.sequence = state.sequence;
  info.config_version = state.config_version;
  info.files = static_cast<int64_t>(manifest.files.size());
  for (const BackupFile& file : manifest.files) info.size_bytes += file.size;

  // The manifest last: it marks the directory as a complete backup.
  RETURN_IF_ERROR(
      WriteFileSynced((fs::path(staging) / kBackupManifestFile).string(),
                      EncodeManifest(manifest)));
  RETURN_IF_ERROR(Fsync(staging));
  RETURN_IF_ERROR(RenameDirectory(staging, target));
  guard.Release();
  return info;
}

absl::StatusOr<BackupInfo> ReadBackupInfo(const std::string& dir) {
  ASSIGN_OR_RETURN(Manifest manifest, ReadManifest(dir));
  return manifest.info;
}

absl::StatusOr<BackupInfo> RestoreBackup(const std::string& backup_dir,
                                         const std::string& data_dir) {
  if (backup_dir.empty()) {
    return absl::InvalidArgumentError("backup dir: must not be empty");
  }
  if (data_dir.empty()) {
    return absl::InvalidArgumentError("data_dir: must not be empty");
  }
  const fs::path source = Normalized(fs::absolute(backup_dir));
  const fs::path target = Normalized(fs::absolute(data_dir));
  ASSIGN_OR_RETURN(Manifest manifest, ReadManifest(source.string()));

  if (IsWithin(Resolved(target), Resolved(source))) {
    return absl::InvalidArgumentError(
        absl::StrCat("data_dir: ", target.string(),
                     " is inside the backup directory ", source.string()));
  }
  const absl::Status fresh = CheckNewOrEmpty(
      target, absl::StatusCode::kFailedPrecondition, "data_dir");
  if (!fresh.ok()) {
    return absl::Status(
        fresh.code(),
        absl::StrCat(fresh.message(),
                     ": restore only into a new or empty directory"));
  }
  RETURN_IF_ERROR(CreateParent(target));

  const std::string staging = StagingPath(target, ".restoring-");
  StagingGuard guard(staging);
  std::error_code error;
  fs::create_directory(staging, error);
  if (error) return FsStatus(error, "cannot create", staging);
  ::chmod(staging.c_str(), 0700);
  for (const BackupFile& file : manifest.files) {
    const fs::path from = source / file.name;
    const uintmax_t size = fs::file_size(from, error);
    if (error) {
      return absl::DataLossError(absl::StrCat("backup ", source.string(),
                                              ": file ", file.name, ": ",
                                              error.message()));
    }
    if (static_cast<int64_t>(size) != file.size) {
      return absl::DataLossError(
          absl::StrCat("backup ", source.string(), ": file ", file.name,
                       " has ", size, " bytes, the manifest says ", file.size));
    }
    const std::string to = (fs::path(staging) / file.name).string();
    fs::copy_file(from, to, error);
    if (error) return FsStatus(error, "cannot copy to", to);
    RETURN_IF_ERROR(Fsync(to));
  }
  RETURN_IF_ERROR(Fsync(staging));

  absl::StatusOr<DatabaseState> state =
      InspectDatabase(staging, /*verify_checksums=*/true);
  if (!state.ok()) {
    return absl::Status(
        state.status().code(),
        absl::StrCat("backup ", source.string(),
                     " does not open: ", state.status().message()));
  }
  if (state->sequence != manifest.info.sequence ||
      state->config_version != manifest.info.config_version) {
    return absl::DataLossError(absl::StrCat(
        "backup ", source.string(), " holds sequence ", state->sequence,
        " and config version ", state->config_version, ", the manifest says ",
        manifest.info.sequence, " and ", manifest.info.config_version));
  }
  RETURN_IF_ERROR(RenameDirectory(staging, target));
  guard.Release();
  return manifest.info;
}

}  // namespace cxlab::storage
