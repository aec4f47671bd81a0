// Copyright 2026 The cxlab Authors.
//
// The `cxlab` command line: flag parsing (CLI11) and dispatch to the offline
// commands (validate, eval, match, simulate -f) and the online ones, which
// talk to cxlabd over gRPC (apply, get, list, start, pause, stop, launch,
// assign, changes, keys, health, simulate --server; see online_commands.h)
// and the gRPC load generator `bench assign` (bench_command.h).
// main() only forwards to RunCli, so tests can drive the whole command line
// in-process.
//
//   const char* argv[] = {"cxlab", "validate", "-f", "experiments"};
//   int code = RunCli(4, argv, std::cin, std::cout, std::cerr);
//
// Global flags (before or after the command): --server HOST:PORT (default
// $CXLAB_SERVER, else 127.0.0.1:7070), --key SECRET (default $CXLAB_KEY) or
// --key-file PATH, --output table|json.
//
// Exit codes: 0 success (and --help / --version); 1 `validate` or `apply`
// found invalid definitions, the server answered with an error (printed as
// "cxlab: <CODE>: <message>") or could not be reached ("cxlab: cannot reach
// SERVER: ..."); 2 bad usage or input (one line on `err`). No exception
// escapes.
//
// Thread-safety: RunCli keeps no state, but the commands read files, the
// environment and the clock and talk to the network; it is normally called
// once per process.

#ifndef CXLAB_CLIENTS_CPP_CLI_CLI_APP_H_
#define CXLAB_CLIENTS_CPP_CLI_CLI_APP_H_

#include <istream>
#include <ostream>

namespace cxlab::cli {

// The version `cxlab --version` prints ("0.1.0").
const char* Version();

// Parses `argv` (argv[0] is the program name), runs the chosen command with
// `in` as standard input and returns the process exit code. `argv` is only
// read during the call.
int RunCli(int argc, const char* const* argv, std::istream& in,
           std::ostream& out, std::ostream& err);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_CLI_APP_H_
