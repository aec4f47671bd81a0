// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/cli_app.h"

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "clients/cpp/cli/backup_command.h"
#include "clients/cpp/cli/bench_command.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/bandit_command.h"
#include "clients/cpp/cli/content_command.h"
#include "clients/cpp/cli/eval_command.h"
#include "clients/cpp/cli/match_command.h"
#include "clients/cpp/cli/online_commands.h"
#include "clients/cpp/cli/online_util.h"
#include "clients/cpp/cli/report_command.h"
#include "clients/cpp/cli/simulate_command.h"
#include "clients/cpp/cli/simulate_online.h"
#include "clients/cpp/cli/simulate_scenario.h"
#include "clients/cpp/cli/track_command.h"
#include "clients/cpp/cli/validate_command.h"

#ifndef CXLAB_VERSION
#define CXLAB_VERSION "unknown"
#endif

namespace cxlab::cli {
namespace {

// Adds a string option whose presence is tracked separately, so an empty
// value (--unit "") is distinguishable from an absent flag.
CLI::Option* AddOptional(CLI::App& app, const std::string& name,
                         std::string& target, const std::string& help) {
  return app.add_option(name, target, help)->type_name("TEXT");
}

std::optional<std::string> IfGiven(const CLI::Option* option,
                                   const std::string& value) {
  if (option->count() == 0) return std::nullopt;
  return value;
}

// A repeatable option taking exactly one value per occurrence.
CLI::Option* AddRepeated(CLI::App& app, const std::string& name,
                         std::vector<std::string>& target,
                         const std::string& help,
                         const std::string& type_name) {
  return app.add_option(name, target, help)
      ->type_name(type_name)
      ->allow_extra_args(false)
      ->take_all();
}

constexpr char kCommands[] =
    "validate, eval, match, simulate, apply, get, list, start, pause, stop, "
    "launch, assign, content, bandit, changes, keys, health, bench, track, stats, "
    "verify, recompute, report, backup";

int Dispatch(int argc, const char* const* argv, std::istream& in,
             std::ostream& out, std::ostream& err) {
  CLI::App app{
      "cxlab: offline tools for cxlab definitions (validate, evaluate a "
      "visitor, test conditions, simulate traffic) and the command line of "
      "the cxlabd server (apply, get, list, lifecycle, assign, changes, API "
      "keys).",
      "cxlab"};
  app.set_version_flag("--version", absl::StrCat("cxlab ", Version()));
  app.require_subcommand(1);
  // Global flags may also follow the command (cxlab list experiments
  // --server HOST:PORT); subcommands created below inherit this.
  app.fallthrough();

  // Global flags of the online commands.
  GlobalOptions global;
  std::string server, key, key_file, output = "table";
  CLI::Option* server_opt =
      AddOptional(app, "--server", server,
                  "cxlabd address HOST:PORT (default: $CXLAB_SERVER, else " +
                      std::string(kDefaultServer) + ")");
  CLI::Option* key_opt =
      AddOptional(app, "--key", key, "API key secret (default: $CXLAB_KEY)");
  CLI::Option* key_file_opt = AddOptional(app, "--key-file", key_file,
                                          "Read the API key from this file");
  key_opt->excludes(key_file_opt);
  std::string tls_ca, tls_cert, tls_key;
  CLI::Option* tls_ca_opt = AddOptional(
      app, "--tls-ca", tls_ca,
      "Connect over TLS, trusting this PEM CA (default: $CXLAB_TLS_CA)");
  CLI::Option* tls_cert_opt = AddOptional(
      app, "--tls-cert", tls_cert,
      "Client certificate (PEM) for mutual TLS; needs --tls-key");
  CLI::Option* tls_key_opt = AddOptional(app, "--tls-key", tls_key,
                                         "Private key (PEM) of --tls-cert");
  CLI::Option* output_opt =
      app.add_option("--output", output,
                     "Output of the online commands: table or json")
          ->check(CLI::IsMember({"table", "json"}))
          ->capture_default_str();

  // validate
  ValidateOptions validate;
  CLI::App* validate_cmd = app.add_subcommand(
      "validate",
      "Load and validate definitions; exit 0 with a summary, or 1 listing "
      "every error.");
  validate_cmd
      ->add_option("-f,--file", validate.path,
                   "Definitions file or directory (*.yaml, *.yml, *.json)")
      ->required();

  // eval
  EvalOptions eval;
  std::string unit, units_file, attributes_json, eval_now;
  CLI::App* eval_cmd = app.add_subcommand(
      "eval",
      "Print the variant of every running or launched experiment one "
      "visitor sees, and why.");
  eval_cmd->add_option("-f,--file", eval.path, "Definitions file or directory")
      ->required();
  CLI::Option* unit_opt = AddOptional(*eval_cmd, "--unit", unit, "The unit id");
  CLI::Option* units_file_opt = AddOptional(
      *eval_cmd, "--units-file", units_file,
      "File with one unit id per line; prints NDJSON, one object per unit");
  unit_opt->excludes(units_file_opt);
  eval_cmd->add_option("--unit-type", eval.unit_type, "Unit type of --unit")
      ->capture_default_str();
  AddRepeated(*eval_cmd, "--id", eval.ids,
              "Another unit id, e.g. device=d-9 (repeatable)", "TYPE=ID");
  AddRepeated(*eval_cmd, "--attr", eval.attrs,
              "Attribute; the value is JSON if it parses, else a string; "
              "a.b=1 nests (repeatable)",
              "KEY=VALUE");
  CLI::Option* attributes_opt =
      AddOptional(*eval_cmd, "--attributes", attributes_json,
                  "Attributes as a JSON object (--attr applies on top)");
  CLI::Option* eval_now_opt =
      AddOptional(*eval_cmd, "--now", eval_now,
                  "Evaluation time, RFC 3339 (default: the current time)");
  CLI::Option* eval_output_opt =
      eval_cmd->add_option("--output", eval.output, "table or json")
          ->check(CLI::IsMember({"table", "json"}))
          ->capture_default_str();
  eval_cmd->add_flag("--all", eval.all,
                     "Include draft, paused and stopped experiments");

  // match
  MatchOptions match;
  std::string condition, match_attributes, groups;
  CLI::App* match_cmd = app.add_subcommand(
      "match",
      "Evaluate a condition (strict) against attributes; print true or "
      "false.");
  CLI::Option* condition_opt = AddOptional(*match_cmd, "--condition", condition,
                                           "The condition, a JSON object");
  CLI::Option* match_attributes_opt =
      AddOptional(*match_cmd, "--attributes", match_attributes,
                  "The attributes, a JSON object");
  CLI::Option* groups_opt =
      AddOptional(*match_cmd, "--groups", groups,
                  "Named id lists, a JSON object {group: [ids...]}");
  match_cmd->add_flag(
      "--batch", match.batch,
      "Read NDJSON {\"condition\",\"attributes\",\"groups\"} lines from "
      "stdin; print one line per input: true, false or {\"error\":...}");

  // simulate
  SimulateOptions simulate;
  std::string simulate_now;
  CLI::App* simulate_cmd = app.add_subcommand(
      "simulate",
      "Run synthetic visitors through every running experiment and compare "
      "the split with the weights (chi-square SRM check); with --scenario, "
      "send a scenario's visitors with their exposures and events to the "
      "server.");
  CLI::Option* simulate_file_opt = simulate_cmd->add_option(
      "-f,--file", simulate.path,
      "Definitions file or directory (offline); without it, the visitors "
      "are assigned by the server (--server or $CXLAB_SERVER)");
  simulate_cmd
      ->add_option("--visitors", simulate.visitors,
                   "Number of synthetic visitors")
      ->capture_default_str();
  simulate_cmd
      ->add_option("--seed-prefix", simulate.seed_prefix,
                   "Visitor id prefix; ids are PREFIX0 .. PREFIX(N-1)")
      ->capture_default_str();
  CLI::Option* simulate_now_opt =
      AddOptional(*simulate_cmd, "--now", simulate_now,
                  "Evaluation time, RFC 3339 (default: the current time; "
                  "offline, or the end of the simulated days with "
                  "--scenario)");
  // simulate --scenario (simulate_scenario.h): visitors with events.
  ScenarioOptions scenario;
  CLI::Option* scenario_opt =
      AddOptional(*simulate_cmd, "--scenario", scenario.scenario,
                  "Scenario file (personas, behaviour, true effects): send its "
                  "visitors' exposures and events to the server (--server)");
  simulate_cmd
      ->add_option("--seed", scenario.seed,
                   "With --scenario: seed of every random draw (visitor ids "
                   "sim-SEED-N)")
      ->capture_default_str();
  simulate_cmd
      ->add_option("--days", scenario.days,
                   "With --scenario: days before --now the visits span")
      ->capture_default_str();
  simulate_cmd->add_flag("--progress", scenario.progress,
                         "With --scenario: a progress bar on stderr (default: "
                         "when stderr is a terminal)");

  // apply, get, list, start, pause, stop, launch, assign, changes, keys,
  // health.
  OnlineCommands online(app);

  // bench assign (bench_command.h): its server and key come from the
  // global flags.
  BenchOptions bench;
  BenchCommand bench_cmd = AddBenchCommand(app, bench);

  // track, stats, verify (track_command.h).
  TrackCommands track(app);

  // content (content_command.h).
  ContentCommand content(app);
  // bandit (bandit_command.h).
  BanditCommand bandit(app);

  // report (report_command.h).
  ReportCommand report(app);
  // backup (backup_command.h).
  BackupCommand backup(app);

  // CLI11 reports both of these as "A subcommand is required".
  if (argc < 2) {
    return ReportUsageError(err,
                            absl::StrCat("a command is required (", kCommands,
                                         "); run cxlab --help"));
  }
  if (argv[1][0] != '-') {
    bool known = false;
    for (const CLI::App* sub :
         app.get_subcommands([](CLI::App*) { return true; })) {
      if (sub->get_name() == argv[1]) known = true;
    }
    if (!known) {
      return ReportUsageError(
          err, absl::StrCat("unknown command '", argv[1], "' (expected one of ",
                            kCommands, ")"));
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0.
    if (e.get_exit_code() == 0) return app.exit(e, out, err);
    return ReportUsageError(err, e.what());
  }

  global.server = IfGiven(server_opt, server);
  global.key = IfGiven(key_opt, key);
  global.key_file = IfGiven(key_file_opt, key_file);
  global.tls_ca = IfGiven(tls_ca_opt, tls_ca);
  global.tls_cert = IfGiven(tls_cert_opt, tls_cert);
  global.tls_key = IfGiven(tls_key_opt, tls_key);
  global.output = output;

  if (*validate_cmd) return RunValidate(validate, out, err);
  if (*eval_cmd) {
    // The global --output applies when eval's own is not given.
    if (eval_output_opt->count() == 0 && output_opt->count() > 0) {
      eval.output = output;
    }
    eval.unit = IfGiven(unit_opt, unit);
    eval.units_file = IfGiven(units_file_opt, units_file);
    eval.attributes_json = IfGiven(attributes_opt, attributes_json);
    eval.now = IfGiven(eval_now_opt, eval_now);
    return RunEval(eval, out, err);
  }
  if (*match_cmd) {
    match.condition = IfGiven(condition_opt, condition);
    match.attributes = IfGiven(match_attributes_opt, match_attributes);
    match.groups = IfGiven(groups_opt, groups);
    return RunMatch(match, in, out, err);
  }
  if (*simulate_cmd) {
    simulate.now = IfGiven(simulate_now_opt, simulate_now);
    if (scenario_opt->count() > 0) {
      if (simulate_file_opt->count() > 0 ||
          simulate_cmd->count("--seed-prefix") > 0) {
        return ReportUsageError(
            err,
            "--scenario cannot be combined with -f or --seed-prefix (it "
            "drives the server; visitor ids are sim-SEED-N)");
      }
      if (!ServerNamed(global)) {
        return ReportUsageError(
            err, "simulate --scenario needs --server (or $CXLAB_SERVER)");
      }
      scenario.visitors = simulate.visitors;
      scenario.now = simulate.now;
      return RunSimulateScenario(scenario, global, out, err);
    }
    if (simulate_cmd->count("--seed") + simulate_cmd->count("--days") +
            simulate_cmd->count("--progress") >
        0) {
      return ReportUsageError(err,
                              "--seed, --days and --progress need --scenario");
    }
    if (simulate_file_opt->count() > 0) {
      if (server_opt->count() > 0) {
        return ReportUsageError(err, "-f and --server cannot be combined");
      }
      return RunSimulate(simulate, out, err);
    }
    if (!ServerNamed(global)) {
      return ReportUsageError(
          err,
          "simulate needs -f/--file (offline) or --server (online; or "
          "$CXLAB_SERVER)");
    }
    return RunSimulateOnline(simulate, global, out, err);
  }
  if (std::optional<int> code = online.RunSelected(global, out, err)) {
    return *code;
  }
  if (std::optional<int> code = track.RunSelected(global, out, err)) {
    return *code;
  }
  if (std::optional<int> code = bandit.RunSelected(global, out, err)) {
    return *code;
  }
  if (std::optional<int> code = content.RunSelected(global, out, err)) {
    return *code;
  }
  if (std::optional<int> code = report.RunSelected(global, out, err)) {
    return *code;
  }
  if (std::optional<int> code = backup.RunSelected(global, out, err)) {
    return *code;
  }
  if (*bench_cmd.assign) {
    absl::StatusOr<std::string> bench_key = ResolveKey(global);
    if (!bench_key.ok()) return ReportUsageError(err, bench_key.status());
    bench.server = ResolveServer(global);
    bench.key = *bench_key;
    if (bench_cmd.output->count() == 0) bench.output = global.output;
    return RunBenchAssign(bench, out, err);
  }
  if (*bench_cmd.track) {
    absl::StatusOr<std::string> bench_key = ResolveKey(global);
    if (!bench_key.ok()) return ReportUsageError(err, bench_key.status());
    bench.server = ResolveServer(global);
    bench.key = *bench_key;
    if (bench_cmd.track_output->count() == 0) bench.output = global.output;
    return RunBenchTrack(bench, out, err);
  }
  if (*bench_cmd.content) {
    absl::StatusOr<std::string> bench_key = ResolveKey(global);
    if (!bench_key.ok()) return ReportUsageError(err, bench_key.status());
    bench.server = ResolveServer(global);
    bench.key = *bench_key;
    if (bench_cmd.content_output->count() == 0) bench.output = global.output;
    return RunBenchContent(bench, out, err);
  }
  return ReportUsageError(err, "a command is required; run cxlab --help");
}

}  // namespace

const char* Version() { return CXLAB_VERSION; }

int RunCli(int argc, const char* const* argv, std::istream& in,
           std::ostream& out, std::ostream& err) {
  try {
    return Dispatch(argc, argv, in, out, err);
  } catch (const std::exception& e) {
    return ReportUsageError(err, absl::StrCat("internal error: ", e.what()));
  } catch (...) {
    return ReportUsageError(err, "internal error");
  }
}

}  // namespace cxlab::cli
