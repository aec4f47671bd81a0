// Copyright 2026 The cxlab Authors.
//
// `cxlab simulate --server HOST:PORT`: the online mode of `cxlab simulate`.
// The same synthetic visitors as the offline mode (SyntheticVisitors, ids
// "<seed_prefix>0" ..) are assigned by cxlabd through AssignBatch, 1,000
// units per call (payloads omitted, log_exposure false: a split check
// records no exposures), against every experiment the server lists as
// running; the output is the offline mode's per-experiment split
// table (PrintSplit), so the two can be compared line by line.
//
// The server evaluates at its own clock (AssignRequest has no "now"), so
// --now is refused in this mode.
//
//   SimulateOptions options;
//   options.visitors = 100000;
//   int code = RunSimulateOnline(options, global, std::cout, std::cerr);
//
// Thread-safety: keeps no state; talks to the server.

#ifndef CXLAB_CLIENTS_CPP_CLI_SIMULATE_ONLINE_H_
#define CXLAB_CLIENTS_CPP_CLI_SIMULATE_ONLINE_H_

#include <ostream>

#include "clients/cpp/cli/online_util.h"
#include "clients/cpp/cli/simulate_command.h"

namespace cxlab::cli {

// Units per AssignBatch call.
inline constexpr int kSimulateBatchSize = 1000;

// Runs the online simulation (`options.path` and `options.now` must be
// unset/empty). Returns kExitOk, kExitUsage for bad flags, or kExitFailure
// when the server cannot be reached or answers with an error.
int RunSimulateOnline(const SimulateOptions& options,
                      const GlobalOptions& global, std::ostream& out,
                      std::ostream& err);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_SIMULATE_ONLINE_H_
