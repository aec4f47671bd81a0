// Copyright 2026 The cxlab Authors.
//
// `cxlab apply -f FILE_OR_DIR [--dry-run]`: sends a set of definitions to
// cxlabd, which creates or updates every object in one atomic write (or, with
// --dry-run, validates them against the stored config and reports what it
// would do).
//
//   ApplyOptions options;
//   options.path = "experiments";
//   int code = RunApply(options, global, std::cout, std::cerr);
//
// The files are parsed locally (syntax, unknown kinds and fields, wrong
// types: reported as "file:line field: message", exit 1, nothing sent) but
// validated by the server, against the whole config they would produce, so a
// file may reference segments and metrics that are only on the server.
//
// Output (table):
//   created experiment checkout_redesign
//   updated segment runners (condition)
//   unchanged metric revenue
//   applied 3 objects: 1 created, 1 updated, 1 unchanged; config version 12
// With --dry-run, "would create" / "would update" and a "dry run: ..."
// summary; when the server finds broken rules, each one on stderr as
//   experiment checkout: variants[1].weight: weights must sum to 1, got 0.9
// followed by "invalid: N errors", exit 1. --output json prints the
// ApplyResponse (ValidateResponse for --dry-run) instead.
//
// Thread-safety: RunApply keeps no state; it reads the file system and the
// environment and talks to the server.

#ifndef CXLAB_CLIENTS_CPP_CLI_APPLY_COMMAND_H_
#define CXLAB_CLIENTS_CPP_CLI_APPLY_COMMAND_H_

#include <optional>
#include <ostream>
#include <string>

#include "clients/cpp/cli/online_util.h"
#include "engine/definitions.h"

namespace cxlab::cli {

struct ApplyOptions {
  // A definitions file or a directory searched recursively for *.yaml,
  // *.yml and *.json (-f).
  std::string path;
  // Validate and print the plan only (--dry-run).
  bool dry_run = false;
};

// Reads and parses the definitions at `path` without validating them (see
// above). On failure prints the reason to `err` — a bad path as one usage
// line, parse errors one per line followed by "invalid: N errors in M
// files" — sets `*exit_code` (kExitUsage or kExitFailure) and returns
// nullopt.
std::optional<engine::Definitions> ParseDefinitionsForApply(
    const std::string& path, std::ostream& err, int* exit_code);

// Runs `cxlab apply`; returns the exit code (0 ok, 1 invalid definitions or
// a server error, 2 bad usage).
int RunApply(const ApplyOptions& options, const GlobalOptions& global,
             std::ostream& out, std::ostream& err);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_APPLY_COMMAND_H_
