// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/simulate_scenario.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "api/convert/definitions_convert.h"
#include "api/convert/value_convert.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/progress.h"
#include "clients/cpp/cli/scenario.h"
#include "clients/cpp/cli/simulate_command.h"
#include "clients/cpp/cli/track_command.h"
#include "cxlab/v1/assignment.pb.h"
#include "cxlab/v1/events.pb.h"
#include "cxlab/v1/experiment_service.pb.h"
#include "engine/json.h"
#include "engine/status_macros.h"

namespace cxlab::cli {
namespace {

// Rejected events printed at most (the rest are counted).
constexpr size_t kMaxPrintedErrors = 20;

// Prints the lines of an InvalidArgument from the scenario parser, then a
// one-line summary; returns kExitUsage.
int ReportScenarioErrors(std::ostream& err, const absl::Status& status) {
  std::vector<absl::string_view> lines =
      absl::StrSplit(status.message(), '\n', absl::SkipEmpty());
  for (absl::string_view line : lines) err << line << "\n";
  return ReportUsageError(
      err, absl::StrCat("invalid scenario: ", lines.size(), " error",
                        lines.size() == 1 ? "" : "s"));
}

// What the server said about everything sent.
struct Totals {
  int64_t exposed_visitors = 0;
  int64_t exposures = 0;
  int64_t recorded = 0;
  int64_t already_known = 0;
  int64_t events = 0;
  int64_t accepted = 0;
  int64_t duplicates = 0;
  int64_t rejected = 0;
  int64_t censored = 0;
  std::vector<std::string> errors;  // the first kMaxPrintedErrors
};

// Buffers exposures and events and sends them in calls of at most
// kMaxTrackBatch: the pre-exposure events first, then the exposures, then
// the rest, so each exposure finds its covariate events already logged.
class Sender {
 public:
  Sender(const client::Client& client, Totals& totals)
      : client_(client), totals_(totals) {}

  // `attributes` are the visitor's: sent with each exposure so the server
  // records the visitor's persona segments.
  absl::Status Add(SimActivity activity, const engine::Value& attributes) {
    for (SimEvent& e : activity.pre_events) Append(std::move(e), pre_);
    for (SimEvent& e : activity.events) Append(std::move(e), post_);
    for (const SimExposure& x : activity.exposures) {
      v1::Exposure* out = exposures_.add_exposures();
      out->set_experiment_key(x.experiment);
      out->set_variant_key(x.variant);
      out->set_unit_id(x.unit_id);
      out->set_unit_type(x.unit_type);
      api::ToProtoTimestamp(x.time, out->mutable_time());
      RETURN_IF_ERROR(
          api::ToProtoStruct(attributes, out->mutable_attributes()));
    }
    totals_.censored += activity.censored;
    return absl::OkStatus();
  }

  // True when a Flush() would fill at least one call.
  bool Full() const {
    return pre_.size() + post_.size() >= static_cast<size_t>(kMaxTrackBatch) ||
           exposures_.exposures_size() >= kMaxTrackBatch;
  }

  absl::Status Flush() {
    absl::Status s = SendEvents(pre_);
    if (s.ok()) s = SendExposures();
    if (s.ok()) s = SendEvents(post_);
    return s;
  }

 private:
  static void Append(SimEvent e, std::vector<v1::Event>& out) {
    v1::Event& event = out.emplace_back();
    event.set_event_id(std::move(e.event_id));
    event.set_name(std::move(e.name));
    event.set_unit_id(std::move(e.unit_id));
    event.set_unit_type(std::move(e.unit_type));
    event.set_value(e.value);
    api::ToProtoTimestamp(e.time, event.mutable_time());
    if (e.properties.is_object()) {
      // Cannot fail for an object.
      api::ToProtoStruct(e.properties, event.mutable_properties())
          .IgnoreError();
    }
  }

  absl::Status SendEvents(std::vector<v1::Event>& events) {
    for (size_t first = 0; first < events.size(); first += kMaxTrackBatch) {
      const size_t end =
          std::min(events.size(), first + static_cast<size_t>(kMaxTrackBatch));
      v1::TrackRequest request;
      request.mutable_events()->Reserve(static_cast<int>(end - first));
      for (size_t i = first; i < end; ++i) {
        *request.add_events() = std::move(events[i]);
      }
      absl::StatusOr<v1::TrackResponse> response = client_.Track(request);
      if (!response.ok()) return response.status();
      totals_.events += static_cast<int64_t>(end - first);
      totals_.accepted += response->accepted();
      totals_.duplicates += response->duplicates();
      totals_.rejected += response->errors_size();
      for (const v1::EventError& e : response->errors()) {
        if (totals_.errors.size() >= kMaxPrintedErrors) break;
        const int index = e.index();
        const std::string id = index >= 0 && index < request.events_size()
                                   ? request.events(index).event_id()
                                   : std::string("?");
        totals_.errors.push_back(absl::StrCat("event ", id, ": ", e.message()));
      }
    }
    events.clear();
    return absl::OkStatus();
  }

  absl::Status SendExposures() {
    if (exposures_.exposures_size() == 0) return absl::OkStatus();
    absl::StatusOr<v1::TrackExposuresResponse> response =
        client_.TrackExposures(exposures_);
    if (!response.ok()) return response.status();
    totals_.exposures += exposures_.exposures_size();
    totals_.recorded += response->recorded();
    totals_.already_known += response->already_known();
    exposures_.clear_exposures();
    return absl::OkStatus();
  }

  const client::Client& client_;
  Totals& totals_;
  std::vector<v1::Event> pre_;
  std::vector<v1::Event> post_;
  v1::TrackExposuresRequest exposures_;
};

// The unit an assignment is exposed on: the experiment's unit type when the
// request carried an id of that type (and the experiment hashes no
// attribute), else the visitor's user id — the rule Assign's exposure
// logging follows.
std::pair<std::string, std::string> ExposedUnit(
    const engine::ExperimentDef& def, const v1::Unit& unit) {
  if (def.unit_type != "user" && def.hash_attribute.empty()) {
    auto it = unit.ids().find(def.unit_type);
    if (it != unit.ids().end() && !it->second.empty()) {
      return {def.unit_type, it->second};
    }
  }
  return {"user", unit.unit_id()};
}

// Notes on what the scenario leaves out: running experiments without
// effects, and metrics of running experiments reading events it never
// sends.
std::vector<std::string> Notes(
    const Scenario& scenario, const std::vector<engine::ExperimentDef>& running,
    const v1::ListMetricsResponse& metrics) {
  std::vector<std::string> notes;
  const std::vector<std::string> sent = scenario.events.All();
  auto sends = [&](const std::string& event) {
    return event.empty() ||
           std::find(sent.begin(), sent.end(), event) != sent.end();
  };
  for (const engine::ExperimentDef& def : running) {
    const bool covered = std::any_of(
        scenario.effects.begin(), scenario.effects.end(),
        [&](const ExperimentEffects& e) { return e.experiment == def.key; });
    if (!covered) {
      notes.push_back(absl::StrCat("experiment ", def.key,
                                   " is not in the scenario's effects: its "
                                   "variants behave alike"));
    }
    std::vector<std::string> keys = def.metrics;
    keys.insert(keys.end(), def.guardrails.begin(), def.guardrails.end());
    for (const std::string& key : keys) {
      for (const v1::Metric& m : metrics.metrics()) {
        if (m.key() != key) continue;
        for (const std::string& event : {m.event(), m.denominator_event()}) {
          if (!sends(event)) {
            notes.push_back(
                absl::StrCat("metric ", key, " of ", def.key, " reads event '",
                             event, "', which the scenario does not send"));
          }
        }
      }
    }
  }
  return notes;
}

std::string Percent(int64_t part, int64_t whole) {
  return whole > 0 ? absl::StrFormat("%.1f%%", 100.0 * part / whole) : "-";
}

}  // namespace

int RunSimulateScenario(const ScenarioOptions& options,
                        const GlobalOptions& global, std::ostream& out,
                        std::ostream& err) {
  absl::Status visitors_ok = CheckVisitors(options.visitors);
  if (!visitors_ok.ok()) return ReportUsageError(err, visitors_ok);
  if (options.days < 1 || options.days > 365) {
    return ReportUsageError(
        err,
        absl::StrCat("--days must be between 1 and 365, got ", options.days));
  }
  absl::StatusOr<absl::Time> now = ParseNow(options.now);
  if (!now.ok()) return ReportUsageError(err, now.status());
  if (*now > absl::Now() + absl::Hours(24)) {
    return ReportUsageError(
        err, absl::StrCat("--now ", FormatRfc3339(*now),
                          " is more than 24 hours in the future; the server "
                          "refuses events that late"));
  }
  absl::StatusOr<Scenario> scenario = LoadScenario(options.scenario);
  if (absl::IsNotFound(scenario.status())) {
    return ReportUsageError(
        err, absl::StrCat("--scenario ", scenario.status().message()));
  }
  if (!scenario.ok()) return ReportScenarioErrors(err, scenario.status());

  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  absl::StatusOr<v1::ListExperimentsResponse> listed =
      client->ListExperiments();
  if (!listed.ok()) return ReportServerError(err, listed.status());
  absl::StatusOr<v1::ListMetricsResponse> metrics = client->ListMetrics();
  if (!metrics.ok()) return ReportServerError(err, metrics.status());
  std::vector<engine::ExperimentDef> all;
  std::vector<engine::ExperimentDef> running;
  for (const v1::Experiment& e : listed->experiments()) {
    absl::StatusOr<engine::ExperimentDef> def = api::FromProto(e);
    if (!def.ok()) return ReportServerError(err, def.status());
    if (def->status == engine::ExperimentStatus::kRunning) {
      running.push_back(*def);
    }
    all.push_back(*std::move(def));
  }
  absl::Status effects_ok = CheckScenarioEffects(*scenario, all);
  if (!effects_ok.ok()) return ReportScenarioErrors(err, effects_ok);

  const bool json = global.output == "json";
  const std::string server = ResolveServer(global);
  const std::string name = scenario->name.empty() ? "" : scenario->name + " ";
  ScenarioGenerator generator(*scenario, options.seed, *now, options.days);
  if (!json) {
    out << "simulating " << options.visitors << " visitors of scenario " << name
        << "(" << options.scenario << ", seed " << options.seed << ") through "
        << server << " against " << running.size() << " running experiment"
        << (running.size() == 1 ? "" : "s") << "; visits over the "
        << options.days << " days before " << FormatRfc3339(generator.now())
        << "\n";
    for (const std::string& note : Notes(*scenario, running, *metrics)) {
      out << "note: " << note << "\n";
    }
    out.flush();
  }

  // Every unit type the experiments randomise on gets an id: device the
  // visitor's device id, any other the visitor id.
  std::vector<std::string> unit_types;
  v1::AssignBatchRequest request;
  request.set_omit_payloads(true);
  request.set_log_exposure(false);
  for (const engine::ExperimentDef& def : running) {
    request.add_experiment_keys(def.key);
    if (def.unit_type != "user" &&
        std::find(unit_types.begin(), unit_types.end(), def.unit_type) ==
            unit_types.end()) {
      unit_types.push_back(def.unit_type);
    }
  }

  const absl::Time started = absl::Now();
  Totals totals;
  std::vector<int64_t> per_persona(scenario->personas.size(), 0);
  Sender sender(*client, totals);
  ProgressBar bar(err, ProgressBar::Wanted(options.progress, err), "visitors");
  auto fail = [&](const absl::Status& status, int64_t done) {
    bar.Finish();
    err << "cxlab: " << done << " of " << options.visitors
        << " visitors were simulated before the error; running the same "
           "simulation again only adds what is missing\n";
    return ReportServerError(err, status);
  };
  std::vector<SimVisitor> visitors;
  for (int64_t start = 0; start < options.visitors;
       start += kScenarioAssignBatch) {
    const int64_t end =
        std::min<int64_t>(options.visitors, start + kScenarioAssignBatch);
    visitors.clear();
    request.clear_units();
    for (int64_t i = start; i < end; ++i) {
      SimVisitor& v = visitors.emplace_back(generator.Visitor(i));
      ++per_persona[v.persona];
      v1::Unit* unit = request.add_units();
      unit->set_unit_id(v.id);
      for (const std::string& type : unit_types) {
        (*unit->mutable_ids())[type] = type == "device" ? v.device_id : v.id;
      }
      absl::Status converted =
          api::ToProtoStruct(v.attributes, unit->mutable_attributes());
      if (!converted.ok()) return fail(converted, start);
    }
    if (!running.empty()) {
      absl::StatusOr<v1::AssignBatchResponse> response =
          client->AssignBatch(request);
      if (!response.ok()) return fail(response.status(), start);
      if (response->results_size() != end - start) {
        return fail(absl::InternalError(absl::StrCat(
                        "AssignBatch answered ", response->results_size(),
                        " units for ", end - start)),
                    start);
      }
      for (int64_t k = 0; k < end - start; ++k) {
        const SimVisitor& v = visitors[k];
        const v1::UnitAssignments& result = response->results(k);
        std::vector<SimAssignment> assigned;
        const int n = std::min<int>(result.assignments_size(),
                                    static_cast<int>(running.size()));
        for (int x = 0; x < n; ++x) {
          const v1::Assignment& a = result.assignments(x);
          const engine::ExperimentDef& def = running[x];
          if (a.reason() != v1::REASON_ASSIGNED || v.visit_time < def.start ||
              v.visit_time >= def.end) {
            continue;
          }
          auto [type, id] = ExposedUnit(def, request.units(k));
          assigned.push_back({def.key, a.variant_key(), type, id});
        }
        if (!assigned.empty()) ++totals.exposed_visitors;
        absl::Status added =
            sender.Add(generator.Activity(v, assigned), v.attributes);
        if (!added.ok()) return fail(added, start);
      }
      if (sender.Full()) {
        absl::Status sent = sender.Flush();
        if (!sent.ok()) return fail(sent, start);
      }
    }
    bar.Update(end, options.visitors);
  }
  absl::Status sent = sender.Flush();
  if (!sent.ok()) return fail(sent, options.visitors);
  bar.Finish();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - started);

  for (const std::string& e : totals.errors) err << "cxlab: " << e << "\n";
  if (totals.rejected > static_cast<int64_t>(totals.errors.size())) {
    err << "cxlab: ... and " << totals.rejected - totals.errors.size()
        << " more rejected events\n";
  }
  if (json) {
    engine::Value doc = engine::Value::Object();
    doc.Set("scenario", engine::Value(options.scenario));
    doc.Set("seed", engine::Value(absl::StrCat(options.seed)));
    doc.Set("now", engine::Value(FormatRfc3339(generator.now())));
    doc.Set("visitors", engine::Value(options.visitors));
    doc.Set("exposedVisitors", engine::Value(totals.exposed_visitors));
    engine::Value personas = engine::Value::Object();
    for (size_t p = 0; p < per_persona.size(); ++p) {
      personas.Set(scenario->personas[p].key, engine::Value(per_persona[p]));
    }
    doc.Set("personas", std::move(personas));
    doc.Set("exposures", engine::Value(totals.exposures));
    doc.Set("exposuresRecorded", engine::Value(totals.recorded));
    doc.Set("exposuresAlreadyKnown", engine::Value(totals.already_known));
    doc.Set("events", engine::Value(totals.events));
    doc.Set("accepted", engine::Value(totals.accepted));
    doc.Set("duplicates", engine::Value(totals.duplicates));
    doc.Set("rejected", engine::Value(totals.rejected));
    doc.Set("notYetHappened", engine::Value(totals.censored));
    doc.Set("elapsedSeconds", engine::Value(elapsed));
    engine::Value keys = engine::Value::Array();
    for (const engine::ExperimentDef& def : running) {
      keys.Append(engine::Value(def.key));
    }
    doc.Set("experiments", std::move(keys));
    out << engine::ToJson(doc) << "\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"persona", "visitors", "share", "declared"}};
    for (size_t p = 0; p < per_persona.size(); ++p) {
      rows.push_back(
          {scenario->personas[p].key, absl::StrCat(per_persona[p]),
           Percent(per_persona[p], options.visitors),
           absl::StrFormat("%.1f%%", 100 * scenario->personas[p].share)});
    }
    out << "\n";
    PrintTable(rows, out);
    out << "\n";
    PrintTable(
        {{"visitors",
          absl::StrCat(options.visitors, " (", totals.exposed_visitors,
                       " in at least one experiment)")},
         {"exposures",
          absl::StrCat(totals.exposures, " sent: ", totals.recorded,
                       " recorded, ", totals.already_known, " already known")},
         {"events",
          absl::StrCat(totals.events, " sent: ", totals.accepted, " accepted, ",
                       totals.duplicates, " duplicates, ", totals.rejected,
                       " rejected; ", totals.censored, " after now not sent")},
         {"elapsed",
          absl::StrFormat("%.1f s (%.0f visitors/s)", elapsed,
                          elapsed > 0 ? options.visitors / elapsed : 0.0)}},
        out);
  }
  out.flush();

  // Per experiment, the statistics as `cxlab stats` prints them.
  int code = totals.rejected > 0 ? kExitFailure : kExitOk;
  for (const engine::ExperimentDef& def : running) {
    if (!json) out << "\n== " << def.key << "\n";
    out.flush();
    if (int stats = RunStats(def.key, global, out, err); stats != kExitOk) {
      code = stats;
    }
  }
  return code;
}

}  // namespace cxlab::cli
