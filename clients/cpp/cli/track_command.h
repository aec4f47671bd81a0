// Copyright 2026 The cxlab Authors.
//
// The event commands of `cxlab` (EventService; see online_util.h for the
// global flags, errors and output formats):
//
//   track --unit ID --event NAME [--unit-type T] [--value V] [--id ID]
//         [--time RFC3339] [--prop k=v ...]     one event
//   track -f events.ndjson|events.csv [--batch N] [--progress]
//                                               a file, in batches of N
//   stats --experiment KEY                      raw sufficient statistics
//   verify [--experiment KEY]                   aggregates vs. a recompute
//
// `track` prints "accepted N, duplicates N, rejected N" on stdout and each
// rejected event on stderr: "events.ndjson:7: events[6].value: ..." for a
// file (local parse errors first, then the server's, mapped back to the
// source line), "cxlab: events[0].value: ..." for a single event.
//
// Exit codes: 0 ok (a file with rejected events was still processed),
// 1 the server answered with an error or could not be reached, a single
// event was rejected, or `verify` found a difference; 2 bad usage (flags,
// an unreadable or unknown-format file).
//
//   CLI::App app;
//   TrackCommands track(app);
//   app.parse(argc, argv);
//   if (std::optional<int> code = track.RunSelected(global, out, err)) ...
//
// Thread-safety: the Run* functions are reentrant; TrackCommands is not
// thread-safe (one instance per parse).

#ifndef CXLAB_CLIENTS_CPP_CLI_TRACK_COMMAND_H_
#define CXLAB_CLIENTS_CPP_CLI_TRACK_COMMAND_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "clients/cpp/cli/online_util.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace cxlab::cli {

// Default and largest events per Track call of `track -f`.
inline constexpr int kDefaultTrackBatch = 1000;
inline constexpr int kMaxTrackBatch = 10000;

// `track`: one event (--unit/--event) or a file (-f).
struct TrackOptions {
  // Single-event form. `unit` and `event` are required there.
  std::optional<std::string> unit;
  std::optional<std::string> event;
  std::string unit_type = "user";
  std::optional<double> value;
  // The event id; unset means a random "cli-<16 hex digits>".
  std::optional<std::string> id;
  // RFC 3339; unset means the time the server receives it.
  std::optional<std::string> time;
  // "key=value" properties (JSON values when they parse; a.b nests).
  std::vector<std::string> props;

  // File form: NDJSON (.ndjson, .jsonl, .json) or CSV (.csv).
  std::optional<std::string> file;
  // Events per Track call, 1..kMaxTrackBatch.
  int batch = kDefaultTrackBatch;
  // Print a progress line to stderr after every batch. Also on when
  // `err` is std::cerr and stderr is a terminal.
  bool progress = false;
};
int RunTrack(const TrackOptions& options, const GlobalOptions& global,
             std::ostream& out, std::ostream& err);

// `stats --experiment KEY`: one row per (variant, metric) with n, mean
// (sum / n) and every sum, then the exposed units per variant and the
// mismatched units. --output json prints the GetStatsResponse.
int RunStats(const std::string& experiment, const GlobalOptions& global,
             std::ostream& out, std::ostream& err);

// `verify [--experiment KEY]`: "ok: N experiments, aggregates equal a
// recompute from the raw log" (exit 0), or every difference and
// "MISMATCH: N differences" (exit 1). Empty `experiment` checks all.
int RunVerify(const std::string& experiment, const GlobalOptions& global,
              std::ostream& out, std::ostream& err);

// `recompute --experiment KEY`: rebuilds the experiment's aggregates from
// the raw log under the metrics now defined; prints "recomputed KEY: N
// exposed units replayed" (exit 0).
int RunRecompute(const std::string& experiment, const GlobalOptions& global,
                 std::ostream& out, std::ostream& err);

// Registers track, stats, verify and recompute on `app`, which must outlive this
// object, and holds their parsed flags.
class TrackCommands {
 public:
  explicit TrackCommands(CLI::App& app);
  TrackCommands(const TrackCommands&) = delete;
  TrackCommands& operator=(const TrackCommands&) = delete;

  // The exit code of the command the parse selected, or nullopt when it
  // selected none of these.
  std::optional<int> RunSelected(const GlobalOptions& global, std::ostream& out,
                                 std::ostream& err);

 private:
  TrackOptions track_;
  std::string unit_, event_, id_, time_, file_;
  double value_ = 0;
  std::string stats_experiment_, verify_experiment_, recompute_experiment_;

  CLI::App* track_cmd_ = nullptr;
  CLI::App* stats_cmd_ = nullptr;
  CLI::App* verify_cmd_ = nullptr;
  CLI::App* recompute_cmd_ = nullptr;
  CLI::Option* unit_opt_ = nullptr;
  CLI::Option* event_opt_ = nullptr;
  CLI::Option* value_opt_ = nullptr;
  CLI::Option* id_opt_ = nullptr;
  CLI::Option* time_opt_ = nullptr;
  CLI::Option* file_opt_ = nullptr;
};

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_TRACK_COMMAND_H_
