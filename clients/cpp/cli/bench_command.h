// Copyright 2026 The cxlab Authors.
//
// `cxlab bench assign`, `cxlab bench content` and `cxlab bench track`: load
// generators for AssignmentService, PersonalizationService.GetContent and
// EventService.Track.
//
// `bench assign` keeps a
// fixed number of Assign (or AssignBatch) calls in flight over several
// connections with the asynchronous gRPC API, then prints throughput and
// latency percentiles — the figures of DESIGN §8 (>= 30k Assign requests/s
// with p99 <= 5 ms; AssignBatch >= 1M assignments/s on a 2-core machine).
//
//   BenchOptions options;
//   options.server = "127.0.0.1:7070";  // the global --server
//   options.key = "cxk_...";            // the global --key
//   options.duration_seconds = 10;
//   int code = RunBenchAssign(options, std::cout, std::cerr);
//
// Wiring into the CLI. cli_app.cc owns the global --server and --key (and
// a global --output, if it has one); the bench command never reads them
// itself: the caller copies them into BenchOptions after parsing.
//
//   BenchOptions bench;
//   BenchCommand bench_cmd = AddBenchCommand(app, bench);
//   ... app.parse(argc, argv) ...
//   if (*bench_cmd.assign) {
//     bench.server = server;  // the resolved global --server
//     bench.key = key;        // the resolved global --key
//     // Only if the CLI has a global --output: honour
//     // `cxlab --output json bench assign` too.
//     if (bench_cmd.output->count() == 0) bench.output = global_output;
//     return RunBenchAssign(bench, out, err);
//   }
//
// The load: unit ids "bench-0" .. "bench-<distinct_units - 1>", cycled, each
// with the attributes country, device.type and visits (derived from the id,
// so targeting conditions run), sent with "authorization: Bearer <key>".
// The run first makes one blocking call of the benchmarked kind on every
// connection (a failure there ends the run at once with exit code 1), then
// loads for `warmup_seconds` (discarded) and measures for
// `duration_seconds`: only calls completing inside the measured window are
// counted. Client and server usually share the machine's cores, so the
// figures are a lower bound for the server.
//
// `bench track` keeps `concurrency` Track calls of `track_batch` events in
// flight the same way (probe, warm-up, measured window). Event ids are
// "<run id>-<worker>-<n>" with a random run id per run, so a rerun against
// the same server is never counted as duplicates; names alternate
// "purchase" (value also sent as property "amount", which the demo metric
// `revenue` reads) and "page_view"; units are "bench-<k>" picked at random
// from `distinct_units`, the ids `bench assign` exposes. It reports events/s,
// requests/s, the p50/p90/p99/p99.9 latency per Track call, the accepted /
// duplicate / rejected event counts and the errors. Wiring is the same, with
// `*bench_cmd.track`, `bench_cmd.track_output` and RunBenchTrack.
//
// `bench content` keeps `concurrency` GetContent calls in flight for the
// same units as `bench assign` (the slots of `slots`, every slot when
// empty), and reports requests/s, slots/s and the latency; wiring with
// `*bench_cmd.content`, `bench_cmd.content_output` and RunBenchContent.
//
// Thread-safety: RunBenchAssign and RunBenchTrack keep no global state;
// each starts and joins its own threads (one or two completion-queue
// threads).

#ifndef CXLAB_CLIENTS_CPP_CLI_BENCH_COMMAND_H_
#define CXLAB_CLIENTS_CPP_CLI_BENCH_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace cxlab::cli {

struct BenchOptions {
  // Address of cxlabd, "host:port". Not a bench flag: the caller copies the
  // global --server here. Required.
  std::string server;
  // API key (role sdk or higher). Not a bench flag: the caller copies the
  // global --key here. Required.
  std::string key;
  // Separate HTTP/2 connections (--connections), >= 1.
  int connections = 4;
  // Calls in flight in total, spread over the connections (--concurrency);
  // >= connections. On a 2-core machine shared with the server, 16-32
  // Assign calls already keep both cores busy; more only add queueing
  // latency (p99 > 5 ms at 64).
  int concurrency = 64;
  // Measured window in seconds (--duration), > 0.
  double duration_seconds = 10;
  // Load before the measured window, discarded (--warmup), >= 0.
  double warmup_seconds = 1;
  // 0 benchmarks Assign; N in [1, 10000] benchmarks AssignBatch with N units
  // per call (--batch).
  int batch = 0;
  // Experiment keys to evaluate (--experiment, repeatable); empty means
  // every running or launched experiment.
  std::vector<std::string> experiments;
  // `bench content`: slot keys to ask for (--slot, repeatable); empty means
  // every slot.
  std::vector<std::string> slots;
  // Number of distinct unit ids cycled through (--units), >= 1. `bench
  // track` picks its units at random from the same ids.
  int distinct_units = 100000;
  // `bench track`: events per Track call (its --batch), in [1, 10000].
  int track_batch = 1000;
  // "table" or "json" (--output).
  std::string output = "table";
};

// Runs the benchmark described by `options` and prints the result to `out`:
// mode, server, connections, concurrency, duration, requests (successful
// calls in the measured window; latencies are of these), requests/s,
// units/s and assignments/s (units x experiments answered per unit), the
// p50/p90/p99/p99.9/max latency in ms (exact to better than 1 %), and the
// errors by gRPC status code — as aligned "name  value" lines, or with
// output "json" as one JSON object on one line.
//
// Connections are plaintext (grpc::InsecureChannelCredentials).
//
// Returns 0 when the run completed (even with some errors, which are
// reported), 1 when nothing succeeded — the first error is printed to `err`:
// "cxlab: cannot reach HOST:PORT: <reason>" for an unreachable server,
// "cxlab: UNAUTHENTICATED: unknown or revoked API key" and the like for a
// call the server refused — and 2 after a one-line "cxlab: <flag> ..."
// message on `err` when `options` are invalid.
int RunBenchAssign(const BenchOptions& options, std::ostream& out,
                   std::ostream& err);

// Runs `bench track`: Track calls of `options.track_batch` events (the
// fields `batch` and `experiments` are ignored) against `options.server`,
// and prints mode, server, run id, connections, concurrency, duration,
// requests, requests/s, events/s, the events sent in successful calls (with
// accepted, duplicates and rejected as the server counted them), the
// p50/p90/p99/p99.9/max latency per call in ms and the errors by gRPC
// status code — as "name  value" lines or, with output "json", one JSON
// object on one line. Exit codes as for RunBenchAssign: 0 completed, 1
// nothing succeeded (message on `err`), 2 invalid options ("cxlab: --batch
// must be in [1, 10000]" and the like).
int RunBenchTrack(const BenchOptions& options, std::ostream& out,
                  std::ostream& err);

// Runs `bench content`: GetContent calls for `options.slots` (the fields
// `batch`, `experiments` and `track_batch` are ignored) against
// `options.server`, and prints mode, server, slots, connections,
// concurrency, duration, requests, requests/s, slots/s (slot contents
// answered), the latency percentiles and the errors by gRPC status code —
// as "name  value" lines or, with output "json", one JSON object on one
// line. Exit codes as for RunBenchAssign.
int RunBenchContent(const BenchOptions& options, std::ostream& out,
                    std::ostream& err);

// The subcommands AddBenchCommand registers.
struct BenchCommand {
  // `bench`: a group that requires one subcommand.
  CLI::App* bench = nullptr;
  // `bench assign`: true (`*assign`) after parsing when it was chosen.
  CLI::App* assign = nullptr;
  // The --output option of `bench assign`; count() == 0 when not given.
  CLI::Option* output = nullptr;
  // `bench track`: true (`*track`) after parsing when it was chosen.
  CLI::App* track = nullptr;
  // The --output option of `bench track`; count() == 0 when not given.
  CLI::Option* track_output = nullptr;
  // `bench content`: true (`*content`) after parsing when it was chosen.
  CLI::App* content = nullptr;
  // The --output option of `bench content`; count() == 0 when not given.
  CLI::Option* content_output = nullptr;
};

// Adds `bench` with its subcommands `assign`, `content` and `track` to
// `app` (`content` takes --slot, repeatable, instead of --experiment and has
// no --batch), binding
// the flags --connections, --concurrency, --duration, --warmup, --batch,
// --experiment (repeatable, assign only), --units and --output to the fields
// of `options` (with range checks, so bad values fail app.parse()); `track`
// binds its --batch to `track_batch` (default 1000). All subcommands fall
// through, so the global options of `app` may also follow them
// (`cxlab bench assign --server ADDR`). `options` is borrowed and must
// outlive parsing; its `server` and `key` are left for the caller to fill.
BenchCommand AddBenchCommand(CLI::App& app, BenchOptions& options);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_BENCH_COMMAND_H_
