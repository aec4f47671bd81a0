// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/backup_command.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "clients/cpp/cli/cli_util.h"
#include "cxlab/v1/admin.pb.h"

namespace cxlab::cli {
namespace {

// The deadline of a Backup call.
constexpr absl::Duration kBackupTimeout = absl::Hours(1);

// "812 B", "1.4 MB", "2.1 GB" (powers of 1000).
std::string HumanBytes(int64_t bytes) {
  if (bytes < 1000) return absl::StrCat(bytes, " B");
  double value = static_cast<double>(bytes);
  const char* units[] = {"kB", "MB", "GB", "TB"};
  int unit = -1;
  while (value >= 1000 && unit < 3) {
    value /= 1000;
    ++unit;
  }
  return absl::StrFormat("%.1f %s", value, units[unit]);
}

}  // namespace

int RunBackup(const BackupOptions& options, const GlobalOptions& global,
              std::ostream& out, std::ostream& err) {
  if (options.to.empty()) {
    return ReportUsageError(err, "--to must not be empty");
  }
  std::error_code error;
  const std::filesystem::path dir =
      std::filesystem::absolute(options.to, error);
  if (error) {
    return ReportUsageError(
        err, absl::StrCat("--to ", options.to, ": ", error.message()));
  }
  GlobalOptions slow = global;
  slow.timeout = std::max(global.timeout, kBackupTimeout);
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(slow, err, &client); code != kExitOk) {
    return code;
  }
  v1::BackupRequest request;
  request.set_dir(dir.lexically_normal().string());
  absl::StatusOr<v1::BackupResponse> response = client->Backup(request);
  if (!response.ok()) return ReportServerError(err, response.status());
  if (global.output == "json") {
    out << ToJsonLine(*response) << "\n";
  } else {
    const double seconds = static_cast<double>(response->duration().seconds()) +
                           response->duration().nanos() / 1e9;
    out << "backup " << response->backup_id() << " in " << response->dir()
        << "\n"
        << "config version " << response->config_version() << ", sequence "
        << response->sequence() << ", " << response->files() << " files, "
        << HumanBytes(response->size_bytes()) << ", took "
        << absl::StrFormat("%.2f", seconds) << " s\n"
        << "restore with: cxlabd --restore_from " << response->dir()
        << " --data_dir NEW_DIR\n";
  }
  out.flush();
  return kExitOk;
}

BackupCommand::BackupCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "backup",
      "Take a consistent online backup of the server's whole database into "
      "a new directory on the server's machine (admin key); restore it "
      "with cxlabd --restore_from DIR --data_dir NEW.");
  command_
      ->add_option("--to", options_.to,
                   "Backup directory on the server's machine; must not exist "
                   "or be empty")
      ->required();
}

std::optional<int> BackupCommand::RunSelected(const GlobalOptions& global,
                                              std::ostream& out,
                                              std::ostream& err) {
  if (!*command_) return std::nullopt;
  return RunBackup(options_, global, out, err);
}

}  // namespace cxlab::cli
