// Copyright 2026 The cxlab Authors.
//
// `cxlab validate -f FILE_OR_DIR`: loads and validates definitions files
// and reports every problem.
//
//   ValidateOptions options;
//   options.path = "experiments/";
//   int code = RunValidate(options, std::cout, std::cerr);
//
// Thread-safety: RunValidate keeps no state; it reads the file system.

#ifndef CXLAB_CLIENTS_CPP_CLI_VALIDATE_COMMAND_H_
#define CXLAB_CLIENTS_CPP_CLI_VALIDATE_COMMAND_H_

#include <ostream>
#include <string>

namespace cxlab::cli {

struct ValidateOptions {
  // A definitions file or a directory of them (-f).
  std::string path;
};

// Validates the definitions at `options.path`.
// Returns kExitOk after printing one summary line to `out`:
//   "ok: 6 experiments, 6 segments, 2 groups, 8 metrics, 1 layers in 6 files"
// Returns kExitInvalidDefinitions after printing every error (one per line,
// "file:line field: message") and then "invalid: N errors in M files" to
// `err`. Returns kExitUsage when the path is missing or unreadable.
int RunValidate(const ValidateOptions& options, std::ostream& out,
                std::ostream& err);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_VALIDATE_COMMAND_H_
