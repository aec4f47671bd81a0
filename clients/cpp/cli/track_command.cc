// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/track_command.h"

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <random>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "api/convert/value_convert.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/event_file.h"
#include "clients/cpp/cli/progress.h"
#include "cxlab/v1/events.pb.h"
#include "engine/json.h"
#include "engine/value.h"

namespace cxlab::cli {
namespace {

// "cli-" and 16 random hex digits: unique enough that two commands never
// collide, so a retried `track` without --id counts twice (give --id to
// make it idempotent).
std::string RandomEventId() {
  std::random_device device;
  std::mt19937_64 rng((static_cast<uint64_t>(device()) << 32) ^ device() ^
                      static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())));
  return absl::StrFormat("cli-%016x", rng());
}

// The counts of one `track` run and its error lines, in output order.
struct TrackSummary {
  int64_t accepted = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;
  std::vector<std::string> errors;
};

std::string SummaryLine(const TrackSummary& s) {
  return absl::StrCat("accepted ", s.accepted, ", duplicates ", s.duplicates,
                      ", rejected ", s.rejected);
}

// {"accepted":N,"duplicates":N,"rejected":N,"errors":[...]} plus `extra`
// members.
std::string SummaryJson(
    const TrackSummary& s,
    const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  engine::Value doc = engine::Value::Object();
  doc.Set("accepted", engine::Value(s.accepted));
  doc.Set("duplicates", engine::Value(s.duplicates));
  doc.Set("rejected", engine::Value(s.rejected));
  engine::Value errors = engine::Value::Array();
  for (const std::string& e : s.errors) errors.Append(engine::Value(e));
  doc.Set("errors", std::move(errors));
  for (const auto& [key, value] : extra) doc.Set(key, engine::Value(value));
  return engine::ToJson(doc);
}

// The server numbers errors within one Track call ("events[3].value: ...");
// renumber the prefix to the event's index in the whole file.
std::string Reindex(const std::string& message, int local, int64_t global) {
  const std::string prefix = absl::StrCat("events[", local, "]");
  if (local == global || !absl::StartsWith(message, prefix)) return message;
  return absl::StrCat("events[", global, "]", message.substr(prefix.size()));
}

// Parses --time into `event`; InvalidArgument naming the flag.
absl::Status SetEventTime(const std::string& text, v1::Event& event) {
  absl::Time t;
  std::string reason;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &reason)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--time: must be an RFC 3339 time such as "
                     "2026-11-01T12:00:00Z, got '",
                     text, "'"));
  }
  api::ToProtoTimestamp(t, event.mutable_time());
  return absl::OkStatus();
}

int TrackOne(const TrackOptions& options, const GlobalOptions& global,
             std::ostream& out, std::ostream& err) {
  if (!options.event.has_value()) {
    return ReportUsageError(err, "track: --event is required with --unit");
  }
  v1::TrackRequest request;
  v1::Event& event = *request.add_events();
  event.set_event_id(options.id.has_value() ? *options.id : RandomEventId());
  event.set_unit_id(*options.unit);
  event.set_unit_type(options.unit_type);
  event.set_name(*options.event);
  if (options.value.has_value()) event.set_value(*options.value);
  if (options.time.has_value()) {
    absl::Status time = SetEventTime(*options.time, event);
    if (!time.ok()) return ReportUsageError(err, time);
  }
  if (!options.props.empty()) {
    absl::StatusOr<engine::Value> props =
        BuildAttributes(std::nullopt, options.props);
    if (!props.ok()) {
      // BuildAttributes names --attr; this command's flag is --prop.
      std::string message(props.status().message());
      if (absl::StartsWith(message, "--attr")) {
        message = absl::StrCat("--prop", message.substr(6));
      }
      return ReportUsageError(err, message);
    }
    absl::Status converted =
        api::ToProtoStruct(*props, event.mutable_properties());
    if (!converted.ok()) return ReportUsageError(err, converted);
  }

  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  absl::StatusOr<v1::TrackResponse> response = client->Track(request);
  if (!response.ok()) return ReportServerError(err, response.status());
  TrackSummary summary;
  summary.accepted = response->accepted();
  summary.duplicates = response->duplicates();
  summary.rejected = response->errors_size();
  for (const v1::EventError& e : response->errors()) {
    summary.errors.push_back(e.message());
  }
  if (global.output == "json") {
    out << SummaryJson(summary, {{"id", event.event_id()}}) << "\n";
  } else {
    for (const std::string& e : summary.errors) err << "cxlab: " << e << "\n";
    out << SummaryLine(summary) << "\n";
  }
  out.flush();
  err.flush();
  return summary.rejected > 0 ? kExitFailure : kExitOk;
}

int TrackFile(const TrackOptions& options, const GlobalOptions& global,
              std::ostream& out, std::ostream& err) {
  if (options.batch < 1 || options.batch > kMaxTrackBatch) {
    return ReportUsageError(
        err, absl::StrCat("--batch must be between 1 and ", kMaxTrackBatch,
                          ", got ", options.batch));
  }
  absl::StatusOr<ParsedEvents> parsed = ReadEventsFile(*options.file);
  if (!parsed.ok()) {
    return ReportUsageError(err,
                            absl::StrCat("-f: ", parsed.status().message()));
  }
  const bool json = global.output == "json";
  const std::string& path = *options.file;
  TrackSummary summary;
  // Lines that did not parse are rejected before anything is sent.
  summary.rejected = static_cast<int64_t>(parsed->errors.size());
  summary.errors = parsed->errors;
  if (!json) {
    for (const std::string& e : parsed->errors) err << e << "\n";
    err.flush();
  }

  const int64_t total = static_cast<int64_t>(parsed->events.size());
  if (total > 0) {
    std::unique_ptr<client::Client> client;
    if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
      return code;
    }
    ProgressBar bar(err, ProgressBar::Wanted(options.progress, err),
                    "events");
    std::vector<std::string> server_errors;
    for (int64_t first = 0; first < total; first += options.batch) {
      const int64_t end = std::min<int64_t>(total, first + options.batch);
      v1::TrackRequest request;
      for (int64_t i = first; i < end; ++i) {
        *request.add_events() = parsed->events[i];
      }
      absl::StatusOr<v1::TrackResponse> response = client->Track(request);
      if (!response.ok()) {
        bar.Finish();
        if (first > 0) {
          err << "cxlab: " << first << " of " << total
              << " events were sent before the error (" << SummaryLine(summary)
              << "); sending the file again counts them as duplicates\n";
        }
        return ReportServerError(err, response.status());
      }
      summary.accepted += response->accepted();
      summary.duplicates += response->duplicates();
      summary.rejected += response->errors_size();
      for (const v1::EventError& e : response->errors()) {
        const int64_t index = first + e.index();
        if (e.index() < 0 || index >= end) {
          server_errors.push_back(absl::StrCat(path, ": ", e.message()));
          continue;
        }
        server_errors.push_back(
            absl::StrCat(path, ":", parsed->lines[index], ": ",
                         Reindex(e.message(), e.index(), index)));
      }
      bar.Update(end, total);
    }
    bar.Finish();
    if (!json) {
      for (const std::string& e : server_errors) err << e << "\n";
    }
    summary.errors.insert(summary.errors.end(), server_errors.begin(),
                          server_errors.end());
  }
  err.flush();
  out << (json ? SummaryJson(summary) : SummaryLine(summary)) << "\n";
  out.flush();
  return kExitOk;
}

// A sum; exact integers print without a fraction.
std::string Num(double value) { return absl::StrFormat("%.10g", value); }

// Empty (printed "-") when every value is zero.
std::vector<std::string> Group(std::initializer_list<double> values) {
  bool any = false;
  std::vector<std::string> cells;
  for (double v : values) {
    any = any || v != 0;
    cells.push_back(Num(v));
  }
  if (!any) cells.assign(cells.size(), "");
  return cells;
}

}  // namespace

int RunTrack(const TrackOptions& options, const GlobalOptions& global,
             std::ostream& out, std::ostream& err) {
  const bool single = options.unit.has_value() || options.event.has_value() ||
                      options.value.has_value() || options.id.has_value() ||
                      options.time.has_value() || !options.props.empty();
  if (options.file.has_value()) {
    if (single) {
      return ReportUsageError(
          err,
          "track: -f cannot be combined with --unit, --event, --value, --id, "
          "--time or --prop");
    }
    return TrackFile(options, global, out, err);
  }
  if (!options.unit.has_value()) {
    return ReportUsageError(
        err,
        "track needs -f PATH (a file of events) or --unit ID --event "
        "NAME (one event)");
  }
  return TrackOne(options, global, out, err);
}

int RunStats(const std::string& experiment, const GlobalOptions& global,
             std::ostream& out, std::ostream& err) {
  if (experiment.empty()) {
    return ReportUsageError(err, "stats: --experiment must not be empty");
  }
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  v1::GetStatsRequest request;
  request.set_experiment_key(experiment);
  absl::StatusOr<v1::GetStatsResponse> stats = client->GetStats(request);
  if (!stats.ok()) return ReportServerError(err, stats.status());
  if (global.output == "json") {
    out << ToJsonLine(*stats) << "\n";
    out.flush();
    return kExitOk;
  }

  std::vector<std::vector<std::string>> rows = {
      {"variant", "metric", "n", "mean", "sum", "sum_sq", "den_sum",
       "den_sum_sq", "cross_sum", "pre_sum", "pre_sum_sq", "pre_cross_sum"}};
  for (const v1::MetricStats& s : stats->stats()) {
    std::vector<std::string> row = {
        s.variant_key(),
        s.metric_key(),
        absl::StrCat(s.n()),
        s.n() > 0 ? Num(s.sum() / static_cast<double>(s.n())) : "",
        Num(s.sum()),
        Num(s.sum_sq())};
    for (std::string& cell :
         Group({s.den_sum(), s.den_sum_sq(), s.cross_sum()})) {
      row.push_back(std::move(cell));
    }
    for (std::string& cell :
         Group({s.pre_sum(), s.pre_sum_sq(), s.pre_cross_sum()})) {
      row.push_back(std::move(cell));
    }
    rows.push_back(std::move(row));
  }
  PrintTable(rows, out);

  // exposed_units is in variant order; name the variants when the
  // experiment can be read.
  std::vector<std::string> names;
  v1::GetRequest get;
  get.set_key(experiment);
  absl::StatusOr<v1::Experiment> definition = client->GetExperiment(get);
  for (int i = 0; i < stats->exposed_units_size(); ++i) {
    const std::string name = definition.ok() && i < definition->variants_size()
                                 ? definition->variants(i).key()
                                 : absl::StrCat("#", i);
    names.push_back(absl::StrCat(name, " ", stats->exposed_units(i)));
  }
  out << "\nexposed units: "
      << (names.empty() ? "none" : absl::StrJoin(names, ", ")) << "\n"
      << "mismatched units: " << stats->mismatched_units() << "\n";
  out.flush();
  return kExitOk;
}

int RunVerify(const std::string& experiment, const GlobalOptions& global,
              std::ostream& out, std::ostream& err) {
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  v1::VerifyRequest request;
  request.set_experiment_key(experiment);
  absl::StatusOr<v1::VerifyResponse> report = client->Verify(request);
  if (!report.ok()) return ReportServerError(err, report.status());
  const bool ok = report->ok() && report->differences_size() == 0;
  if (global.output == "json") {
    out << ToJsonLine(*report) << "\n";
  } else if (ok) {
    out << "ok: " << report->experiments_checked() << " experiment"
        << (report->experiments_checked() == 1 ? "" : "s")
        << ", aggregates equal a recompute from the raw log\n";
  } else {
    for (const std::string& d : report->differences()) out << d << "\n";
    out << "MISMATCH: " << report->differences_size() << " difference"
        << (report->differences_size() == 1 ? "" : "s") << "\n";
  }
  out.flush();
  return ok ? kExitOk : kExitFailure;
}

int RunRecompute(const std::string& experiment, const GlobalOptions& global,
                 std::ostream& out, std::ostream& err) {
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  v1::RecomputeRequest request;
  request.set_experiment_key(experiment);
  ProgressBar bar(err, ProgressBar::Wanted(false, err), "units replayed");
  absl::StatusOr<v1::RecomputeProgress> done = client->Recompute(
      request, [&bar](const v1::RecomputeProgress& progress) {
        bar.Update(progress.units(), progress.total_units());
      });
  bar.Finish();
  if (!done.ok()) return ReportServerError(err, done.status());
  if (global.output == "json") {
    out << ToJsonLine(*done) << "\n";
  } else {
    out << "recomputed " << experiment << ": " << done->units()
        << " exposed units replayed from the raw log\n";
  }
  out.flush();
  return kExitOk;
}

TrackCommands::TrackCommands(CLI::App& app) {
  track_cmd_ = app.add_subcommand(
      "track",
      "Send one event (--unit, --event) or a file of events (-f, NDJSON or "
      "CSV); print accepted, duplicate and rejected counts.");
  file_opt_ = track_cmd_->add_option(
      "-f,--file", file_,
      "Events file: .ndjson/.jsonl/.json (one object per line) or .csv "
      "(header row); fields id, unit_id, unit_type, name, value, time, "
      "properties");
  track_cmd_
      ->add_option("--batch", track_.batch,
                   "Events per Track call with -f (1-10000)")
      ->capture_default_str();
  track_cmd_->add_flag("--progress", track_.progress,
                       "Print progress to stderr with -f (default: when "
                       "stderr is a terminal)");
  unit_opt_ = track_cmd_->add_option("--unit", unit_, "The unit id");
  track_cmd_->add_option("--unit-type", track_.unit_type, "Unit type of --unit")
      ->capture_default_str();
  event_opt_ = track_cmd_->add_option("--event", event_,
                                      "The event name, e.g. purchase");
  value_opt_ = track_cmd_->add_option("--value", value_,
                                      "The numeric value (revenue, score)");
  id_opt_ = track_cmd_->add_option(
      "--id", id_,
      "The event id, the idempotency key (default: a random cli-<16 hex>)");
  time_opt_ = track_cmd_->add_option(
      "--time", time_,
      "When it happened, RFC 3339 (default: when the server receives it)");
  track_cmd_
      ->add_option("--prop", track_.props,
                   "Property; the value is JSON if it parses, else a "
                   "string; a.b=1 nests (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->take_all();

  stats_cmd_ = app.add_subcommand(
      "stats",
      "Print the raw sufficient statistics of an experiment per variant and "
      "metric, and its exposed units.");
  stats_cmd_->add_option("--experiment", stats_experiment_, "The experiment")
      ->required();

  verify_cmd_ = app.add_subcommand(
      "verify",
      "Recompute every aggregate from the raw event log and exposures and "
      "report any difference (exit 1 on a mismatch).");
  verify_cmd_->add_option("--experiment", verify_experiment_,
                          "Only this experiment (default: every one)");

  recompute_cmd_ = app.add_subcommand(
      "recompute",
      "Rebuild an experiment's aggregates from its exposures and the raw "
      "event log under the metrics now defined (after adding or changing a "
      "metric). Ingest pauses while it runs.");
  recompute_cmd_
      ->add_option("--experiment", recompute_experiment_, "The experiment")
      ->required();
}

std::optional<int> TrackCommands::RunSelected(const GlobalOptions& global,
                                              std::ostream& out,
                                              std::ostream& err) {
  if (*track_cmd_) {
    auto given = [](const CLI::Option* option, const std::string& value) {
      return option->count() > 0 ? std::optional<std::string>(value)
                                 : std::nullopt;
    };
    track_.unit = given(unit_opt_, unit_);
    track_.event = given(event_opt_, event_);
    track_.id = given(id_opt_, id_);
    track_.time = given(time_opt_, time_);
    track_.file = given(file_opt_, file_);
    if (value_opt_->count() > 0) track_.value = value_;
    return RunTrack(track_, global, out, err);
  }
  if (*stats_cmd_) return RunStats(stats_experiment_, global, out, err);
  if (*verify_cmd_) return RunVerify(verify_experiment_, global, out, err);
  if (*recompute_cmd_) {
    return RunRecompute(recompute_experiment_, global, out, err);
  }
  return std::nullopt;
}

}  // namespace cxlab::cli
