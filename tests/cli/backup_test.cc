// Copyright 2026 The cxlab Authors.
//
// `cxlab backup --to DIR` against a real cxlabd started in-process
// (api::CxlabServer on a temporary data dir, port 0): the table and JSON
// output, the backup's manifest, the errors (a non-empty directory, a key
// below admin), and a restore (storage::RestoreBackup, as `cxlabd
// --restore_from` does) served by a second in-process server with the same
// config and events.

#include "storage/backup.h"

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/server/server.h"
#include "engine/json.h"
#include "engine/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"

namespace cxlab::cli {
namespace {

using testing::CommandResult;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using testing::Lines;
using ::testing::MatchesRegex;
using testing::RunInProcess;
using ::testing::SizeIs;
using ::testing::StartsWith;
using testing::TempDir;

constexpr char kAdminKey[] = "backup-cli-admin-key-0001";

constexpr char kDefinitions[] = R"yaml(
kind: metric
key: revenue
type: mean
event: purchase
---
kind: experiment
key: checkout
status: running
variants:
  - key: control
  - key: treatment
metrics: [revenue]
)yaml";

std::unique_ptr<api::CxlabServer> StartServer(const std::string& data_dir) {
  api::ServerOptions options;
  options.data_dir = data_dir;
  options.grpc_port = 0;
  options.admin_key = kAdminKey;
  absl::StatusOr<std::unique_ptr<api::CxlabServer>> server =
      api::CxlabServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

CommandResult Cli(const std::string& address,
                  const std::vector<std::string>& args,
                  const std::string& key = kAdminKey) {
  std::vector<std::string> full = {"--server", address, "--key", key};
  full.insert(full.end(), args.begin(), args.end());
  return RunInProcess(full);
}

TEST(BackupCommand, BacksUpAndTheRestoreServesTheSameData) {
  unsetenv("CXLAB_SERVER");
  unsetenv("CXLAB_KEY");
  TempDir dir;
  std::unique_ptr<api::CxlabServer> server = StartServer(dir.path() + "/data");
  ASSERT_NE(server, nullptr);
  const std::string address = server->address();
  ASSERT_EQ(Cli(address, {"apply", "-f", dir.Write("d.yaml", kDefinitions)})
                .exit_code,
            0);
  ASSERT_EQ(Cli(address, {"assign", "--unit", "v1"}).exit_code, 0);
  ASSERT_EQ(Cli(address, {"track", "--unit", "v1", "--event", "purchase",
                          "--value", "12.5", "--id", "e1"})
                .exit_code,
            0);

  const std::string backup = dir.path() + "/backups/first";
  CommandResult made = Cli(address, {"backup", "--to", backup});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_EQ(made.err, "");
  std::vector<std::string> lines = Lines(made.out);
  ASSERT_THAT(lines, SizeIs(3)) << made.out;
  EXPECT_THAT(lines[0], MatchesRegex("backup [0-9]{8}T[0-9]{6}Z-[0-9]+ in .*"));
  EXPECT_THAT(lines[0], EndsWith(" in " + backup));
  // The table says what the manifest says.
  absl::StatusOr<storage::BackupInfo> info = storage::ReadBackupInfo(backup);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_THAT(lines[0], HasSubstr(info->backup_id));
  EXPECT_THAT(lines[1],
              StartsWith(absl::StrCat("config version ", info->config_version,
                                      ", sequence ", info->sequence, ", ",
                                      info->files, " files, ")));
  EXPECT_EQ(lines[2], "restore with: cxlabd --restore_from " + backup +
                          " --data_dir NEW_DIR");

  // JSON, into a relative path (made absolute against the current dir).
  const std::string cwd = std::filesystem::current_path().string();
  std::filesystem::current_path(dir.path());
  CommandResult json =
      Cli(address, {"backup", "--to", "backups/second", "--output", "json"});
  std::filesystem::current_path(cwd);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  absl::StatusOr<engine::Value> doc = engine::ParseJson(json.out);
  ASSERT_TRUE(doc.ok()) << json.out;
  EXPECT_EQ(doc->Find("dir")->as_string(), dir.path() + "/backups/second");
  EXPECT_NE(doc->Find("backupId"), nullptr);
  EXPECT_NE(doc->Find("sizeBytes"), nullptr);
  EXPECT_NE(doc->Find("duration"), nullptr);

  // Errors: the directory now holds a backup; a reader key.
  CommandResult again = Cli(address, {"backup", "--to", backup});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, StartsWith("cxlab: ALREADY_EXISTS: dir " + backup +
                                    " is not empty"));
  CommandResult key = Cli(address, {"keys", "create", "--role", "reader",
                                    "--name", "r", "--output", "json"});
  ASSERT_EQ(key.exit_code, 0) << key.err;
  const std::string reader =
      engine::ParseJson(key.out)->Find("secret")->as_string();
  CommandResult denied =
      Cli(address, {"backup", "--to", dir.path() + "/x"}, reader);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.err, StartsWith("cxlab: PERMISSION_DENIED: "));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/x"));
  CommandResult usage = Cli(address, {"backup"});
  EXPECT_EQ(usage.exit_code, 2);

  // Restore the first backup and serve it: same experiment, same event.
  server->Shutdown(absl::Seconds(2));
  absl::StatusOr<storage::BackupInfo> restored =
      storage::RestoreBackup(backup, dir.path() + "/restored");
  ASSERT_TRUE(restored.ok()) << restored.status();
  std::unique_ptr<api::CxlabServer> copy =
      StartServer(dir.path() + "/restored");
  ASSERT_NE(copy, nullptr);
  CommandResult listed = Cli(copy->address(), {"list", "experiments"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("checkout"));
  CommandResult resent =
      Cli(copy->address(), {"track", "--unit", "v1", "--event", "purchase",
                            "--value", "12.5", "--id", "e1"});
  ASSERT_EQ(resent.exit_code, 0) << resent.err;
  EXPECT_EQ(resent.out, "accepted 0, duplicates 1, rejected 0\n");
  CommandResult verify = Cli(copy->address(), {"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  copy->Shutdown(absl::Seconds(2));
}

}  // namespace
}  // namespace cxlab::cli
