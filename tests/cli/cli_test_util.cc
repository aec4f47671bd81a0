// Copyright 2026 The cxlab Authors.

#include "tests/cli/cli_test_util.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "clients/cpp/cli/cli_app.h"

extern char** environ;

namespace cxlab::cli::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

const char kDefinitionsYaml[] = R"yaml(
kind: segment
key: returning_visitors
name: Returning visitors
condition: {is_returning: true}
---
kind: group
key: beta_testers
ids: [beta-1, beta-2]
---
kind: layer
key: pricing
---
kind: metric
key: purchases
type: binomial
event: purchase
---
kind: experiment
key: checkout_button
status: running
metrics: [purchases]
variants:
  - {key: control, weight: 0.5, payload: {color: grey}}
  - {key: green, weight: 0.5, payload: {color: green}}
forced:
  qa-green: green
---
kind: experiment
key: returning_banner
status: running
segments: [returning_visitors]
variants:
  - {key: control}
  - {key: banner, payload: {text: Welcome back}}
---
kind: experiment
key: big_cart_offer
status: running
condition: {cart.items: {$gt: 2}}
variants: [{key: control}, {key: free_shipping}]
---
kind: experiment
key: three_way
status: running
coverage: 0.8
layer: pricing
layer_range: [0, 0.5]
variants:
  - {key: a, weight: 0.2}
  - {key: b, weight: 0.3}
  - {key: c, weight: 0.5}
---
kind: experiment
key: beta_feature
status: running
condition: {id: {$inGroup: beta_testers}}
variants: [{key: control}, {key: new_ui}]
---
kind: experiment
key: summer_sale
status: running
schedule: {start: "2030-06-01T00:00:00Z"}
variants: [{key: control}, {key: sale}]
---
kind: experiment
key: draft_idea
status: draft
variants: [{key: a}, {key: b}]
)yaml";

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
      "/cxlab_cli_test.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name,
                           const std::string& content) const {
  std::filesystem::path full = std::filesystem::path(path_) / name;
  std::filesystem::create_directories(full.parent_path());
  std::ofstream out(full, std::ios::binary);
  out << content;
  out.close();
  return full.string();
}

std::string TempDir::NewPath(const std::string& stem) {
  return path_ + "/" + stem + "." + std::to_string(counter_++);
}

CommandResult RunBinary(TempDir& dir, const std::vector<std::string>& args,
                        const std::string& input) {
  const std::string in_path = dir.NewPath("stdin");
  const std::string out_path = dir.NewPath("stdout");
  const std::string err_path = dir.NewPath("stderr");
  {
    std::ofstream in(in_path, std::ios::binary);
    in << input;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);

  std::vector<std::string> argv_storage;
  argv_storage.push_back(CXLAB_BINARY);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  CommandResult result;
  pid_t pid = 0;
  int rc =
      posix_spawn(&pid, CXLAB_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    result.err = "posix_spawn failed: " + std::to_string(rc);
    return result;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.out = ReadAll(out_path);
  result.err = ReadAll(err_path);
  return result;
}

CommandResult RunInProcess(const std::vector<std::string>& args,
                           const std::string& input) {
  std::vector<const char*> argv = {"cxlab"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::istringstream in(input);
  std::ostringstream out, err;
  CommandResult result;
  result.exit_code =
      RunCli(static_cast<int>(argv.size()), argv.data(), in, out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace cxlab::cli::testing
