// Copyright 2026 The cxlab Authors.
//
// `cxlab backup`: ask cxlabd for a consistent online backup of its whole
// database (AdminService.Backup, admin key; see online_util.h for the global
// flags, errors and output formats).
//
//   backup --to DIR
//
// DIR is a directory on the server's machine, written by the daemon; it
// must not exist or be empty. A relative DIR is made absolute against the
// current directory, which is right when the CLI runs on the server's
// machine. The call may take as long as copying the database (when DIR is on
// another filesystem than the data dir), so its deadline is an hour, not the
// usual 30 s.
//
//   $ cxlab backup --to /backups/cxlab-1
//   backup 20260514T101502Z-48213 in /backups/cxlab-1
//   config version 17, sequence 48213, 23 files, 1.4 MB, took 0.08 s
//   restore with: cxlabd --restore_from /backups/cxlab-1 --data_dir NEW_DIR
//
// --output json prints the BackupResponse. Restoring is offline and done by
// the daemon itself (`cxlabd --restore_from DIR --data_dir NEW
// [--restore_only]`; docs/operations.md): the CLI talks gRPC only.
//
// Exit codes: 0 ok, 1 the server answered with an error (e.g.
// "cxlab: ALREADY_EXISTS: dir /x is not empty") or could not be reached,
// 2 bad usage.
//
//   CLI::App app;
//   BackupCommand backup(app);
//   app.parse(argc, argv);
//   if (std::optional<int> code = backup.RunSelected(global, out, err)) ...
//
// Thread-safety: RunBackup is reentrant; BackupCommand is not thread-safe
// (one instance per parse).

#ifndef CXLAB_CLIENTS_CPP_CLI_BACKUP_COMMAND_H_
#define CXLAB_CLIENTS_CPP_CLI_BACKUP_COMMAND_H_

#include <optional>
#include <ostream>
#include <string>

#include "clients/cpp/cli/online_util.h"

namespace CLI {
class App;
}  // namespace CLI

namespace cxlab::cli {

struct BackupOptions {
  // The backup directory (--to).
  std::string to;
};
int RunBackup(const BackupOptions& options, const GlobalOptions& global,
              std::ostream& out, std::ostream& err);

// Registers `backup` on `app`, which must outlive this object, and holds its
// parsed flags.
class BackupCommand {
 public:
  explicit BackupCommand(CLI::App& app);
  BackupCommand(const BackupCommand&) = delete;
  BackupCommand& operator=(const BackupCommand&) = delete;

  // The exit code of `backup` when the parse selected it, else nullopt.
  std::optional<int> RunSelected(const GlobalOptions& global, std::ostream& out,
                                 std::ostream& err);

 private:
  BackupOptions options_;
  CLI::App* command_ = nullptr;
};

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_BACKUP_COMMAND_H_
