// Copyright 2026 The cxlab Authors.
//
// `cxlab simulate --scenario FILE --visitors N [--seed S] [--days D]
// [--now RFC3339] [--progress]`: drives a running cxlabd through its public
// gRPC API with the visitors of a scenario (scenario.h, docs/simulator.md),
// so reports, CUPED and `cxlab verify` have realistic data to work on.
//
//   ScenarioOptions options;
//   options.scenario = "experiments/scenarios/sports-shop.yaml";
//   options.visitors = 20000;
//   options.seed = 7;
//   int code = RunSimulateScenario(options, global, std::cout, std::cerr);
//
// For every 500 visitors: one AssignBatch against every running experiment
// with log_exposure=false (the visitor's attributes, ids {device: <id>-d}),
// then the visitors' pre-exposure events (Track), their exposures at the
// simulated visit time (TrackExposures) and the events at or after the visit
// (Track), buffered into calls of at most 10,000. An experiment whose
// schedule does not cover a visit is not exposed on it; only REASON_ASSIGNED
// answers are exposed, on the unit the experiment randomises on (the rule
// Assign uses). Events are never sent with a time after `now`.
//
// Output: a header, notes (running experiments the scenario gives no
// effect, metrics reading events it never sends), visitors per persona, the
// totals (exposures recorded / already known, events accepted / duplicates /
// rejected / not yet happened, elapsed) and then, per running experiment,
// the `cxlab stats` table (RunStats). With --output json: one summary
// object on one line, then each experiment's GetStatsResponse, one per line,
// in the order of the summary's "experiments".
//
// Idempotence: visitor ids ("sim-<seed>-<i>"), event ids ("<unit>/<n>") and
// values depend only on the scenario, the seed, the visitor number and the
// assigned variants, so running the same simulation again against the same
// server only produces duplicates and already-known exposures.
//
// Exit codes: 0 ok; 1 the server failed or rejected events (each printed);
// 2 bad flags or an invalid scenario (one "file:line field: rule" per line,
// including effects naming experiments or variants the server lacks).
//
// Thread-safety: keeps no state; reads the scenario file and the clock and
// talks to the server.

#ifndef CXLAB_CLIENTS_CPP_CLI_SIMULATE_SCENARIO_H_
#define CXLAB_CLIENTS_CPP_CLI_SIMULATE_SCENARIO_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "clients/cpp/cli/online_util.h"

namespace cxlab::cli {

// Visitors per AssignBatch call.
inline constexpr int kScenarioAssignBatch = 500;

struct ScenarioOptions {
  // The scenario file (--scenario). Required.
  std::string scenario;
  // Number of visitors (--visitors), 1..100,000,000.
  int64_t visitors = 100000;
  // Seed of every random draw (--seed).
  uint64_t seed = 1;
  // Visits are spread over this many days before `now` (--days), 1..365.
  int days = 14;
  // The simulation's "now", RFC 3339 (--now); unset means the current time.
  // At most 24 hours ahead of the server's clock, which refuses later
  // events.
  std::optional<std::string> now;
  // Draw a progress bar on stderr even when it is not a terminal.
  bool progress = false;
};

// Runs the simulation (see above) and returns the exit code.
int RunSimulateScenario(const ScenarioOptions& options,
                        const GlobalOptions& global, std::ostream& out,
                        std::ostream& err);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_SIMULATE_SCENARIO_H_
