// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/simulate_online.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "api/convert/convert.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/synthetic_visitors.h"
#include "cxlab/v1/assignment.pb.h"
#include "cxlab/v1/experiment_service.pb.h"

namespace cxlab::cli {
namespace {

struct OnlineTally {
  engine::ExperimentDef def;
  SplitTally split;
};

// v1::Reason -> engine::Reason, for every reason the engine has.
absl::flat_hash_map<int, engine::Reason> ReasonsFromProto() {
  absl::flat_hash_map<int, engine::Reason> map;
  for (int r = 0; r < kNumReasons; ++r) {
    const auto reason = static_cast<engine::Reason>(r);
    map[static_cast<int>(api::ReasonToProto(reason))] = reason;
  }
  return map;
}

}  // namespace

int RunSimulateOnline(const SimulateOptions& options,
                      const GlobalOptions& global, std::ostream& out,
                      std::ostream& err) {
  if (!options.path.empty()) {
    return ReportUsageError(err, "-f and --server cannot be combined");
  }
  if (options.now.has_value()) {
    return ReportUsageError(
        err,
        "--now cannot be used with --server: the server assigns at its own "
        "clock");
  }
  absl::Status visitors_ok = CheckVisitors(options.visitors);
  if (!visitors_ok.ok()) return ReportUsageError(err, visitors_ok);

  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  absl::StatusOr<v1::ListExperimentsResponse> listed =
      client->ListExperiments();
  if (!listed.ok()) return ReportServerError(err, listed.status());

  std::vector<OnlineTally> tallies;
  std::vector<std::string> unit_types;
  v1::AssignBatchRequest request;
  request.set_omit_payloads(true);
  // A split check, not visits: record no exposures (they would count as
  // exposed units without events in every later report).
  request.set_log_exposure(false);
  for (const v1::Experiment& e : listed->experiments()) {
    if (e.status() != v1::EXPERIMENT_STATUS_RUNNING) continue;
    absl::StatusOr<engine::ExperimentDef> def = api::FromProto(e);
    if (!def.ok()) {
      return ReportServerError(
          err, absl::Status(def.status().code(),
                            absl::StrCat("server sent an experiment the CLI "
                                         "cannot read: ",
                                         def.status().message())));
    }
    OnlineTally tally;
    tally.def = *std::move(def);
    tally.split.assigned.assign(tally.def.variants.size(), 0);
    if (std::find(unit_types.begin(), unit_types.end(), tally.def.unit_type) ==
        unit_types.end()) {
      unit_types.push_back(tally.def.unit_type);
    }
    request.add_experiment_keys(tally.def.key);
    tallies.push_back(std::move(tally));
  }

  const std::string server = ResolveServer(global);
  const int64_t last = options.visitors - 1;
  auto header = [&](int64_t version) {
    out << "simulated " << options.visitors << " visitors ("
        << options.seed_prefix << 0 << " .. " << options.seed_prefix << last
        << ") through " << server << " (config version " << version
        << ", server clock) against " << tallies.size() << " running experiment"
        << (tallies.size() == 1 ? "" : "s") << " of "
        << listed->experiments_size() << "\n";
  };
  if (tallies.empty()) {
    header(0);
    out.flush();
    return kExitOk;
  }

  const absl::flat_hash_map<int, engine::Reason> reasons = ReasonsFromProto();
  SyntheticVisitors generator;
  int64_t first_version = -1, last_version = -1;
  for (int64_t start = 0; start < options.visitors;
       start += kSimulateBatchSize) {
    const int64_t end =
        std::min<int64_t>(options.visitors, start + kSimulateBatchSize);
    request.clear_units();
    for (int64_t i = start; i < end; ++i) {
      const std::string id = absl::StrCat(options.seed_prefix, i);
      v1::Unit* unit = request.add_units();
      unit->set_unit_id(id);
      // Every unit type the experiments randomise on gets the visitor's id,
      // as in the offline mode.
      for (const std::string& type : unit_types) {
        if (type != "user") (*unit->mutable_ids())[type] = id;
      }
      absl::Status converted = api::ToProtoStruct(generator.Attributes(id),
                                                  unit->mutable_attributes());
      if (!converted.ok()) return ReportServerError(err, converted);
    }
    absl::StatusOr<v1::AssignBatchResponse> response =
        client->AssignBatch(request);
    if (!response.ok()) return ReportServerError(err, response.status());
    if (response->results_size() != end - start) {
      return ReportServerError(
          err, absl::InternalError(absl::StrCat("AssignBatch answered ",
                                                response->results_size(),
                                                " units for ", end - start)));
    }
    if (first_version < 0) first_version = response->config_version();
    last_version = response->config_version();
    for (const v1::UnitAssignments& unit : response->results()) {
      // One answer per requested experiment, in request order.
      const int n = std::min<int>(unit.assignments_size(),
                                  static_cast<int>(tallies.size()));
      for (int x = 0; x < n; ++x) {
        const v1::Assignment& a = unit.assignments(x);
        SplitTally& split = tallies[x].split;
        auto reason = reasons.find(static_cast<int>(a.reason()));
        if (reason == reasons.end()) {
          ++split.unknown;
        } else if (reason->second == engine::Reason::kAssigned &&
                   a.in_experiment() && a.variant_index() >= 0 &&
                   a.variant_index() <
                       static_cast<int>(split.assigned.size())) {
          ++split.assigned[a.variant_index()];
        } else {
          ++split.reasons[static_cast<int>(reason->second)];
        }
      }
    }
  }

  header(last_version);
  if (first_version != last_version) {
    out << "note: the config changed during the run (versions " << first_version
        << " to " << last_version << ")\n";
  }
  for (const OnlineTally& tally : tallies) {
    out << "\n";
    PrintSplit(tally.def, tally.split, options.visitors, out);
  }
  out.flush();
  return kExitOk;
}

}  // namespace cxlab::cli
