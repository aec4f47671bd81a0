// Copyright 2026 The cxlab Authors.
//
// Test helpers for the `cxlab` CLI: a temporary directory, running the real
// binary as a subprocess (or RunCli in-process) with captured stdout, stderr
// and exit code, and the definitions fixture the tests share.

#ifndef CXLAB_TESTS_CLI_CLI_TEST_UTIL_H_
#define CXLAB_TESTS_CLI_CLI_TEST_UTIL_H_

#include <string>
#include <vector>

namespace cxlab::cli::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on
// destruction. Not thread-safe.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `content` to `name` (relative; parent directories are created)
  // and returns the full path.
  std::string Write(const std::string& name, const std::string& content) const;

  // A path inside the directory that does not exist yet.
  std::string NewPath(const std::string& stem);

 private:
  std::string path_;
  int counter_ = 0;
};

struct CommandResult {
  int exit_code = -1;  // the process exit status; -1 when it did not exit
  std::string out;
  std::string err;
};

// Runs the cxlab binary (CXLAB_BINARY) with `args`, feeding `input` on
// stdin, and waits for it. Output is captured through files in `dir`.
CommandResult RunBinary(TempDir& dir, const std::vector<std::string>& args,
                        const std::string& input = "");

// Runs cxlab::cli::RunCli in-process with `args` (without the program name).
CommandResult RunInProcess(const std::vector<std::string>& args,
                           const std::string& input = "");

// Splits `text` into lines (without the '\n'); a trailing newline does not
// start another line.
std::vector<std::string> Lines(const std::string& text);

// Definitions used across the CLI tests: 7 experiments (6 running, one
// draft), 1 segment, 1 group, 1 layer, 1 metric. See cli_test_util.cc.
extern const char kDefinitionsYaml[];

// A fixed evaluation time for the fixture (before summer_sale starts).
inline constexpr char kNow[] = "2026-03-01T12:00:00Z";

}  // namespace cxlab::cli::testing

#endif  // CXLAB_TESTS_CLI_CLI_TEST_UTIL_H_
