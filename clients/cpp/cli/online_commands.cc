// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/online_commands.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/convert/value_convert.h"
#include "clients/cpp/cli/cli_util.h"
#include "cxlab/v1/assignment.pb.h"
#include "cxlab/v1/experiment_service.pb.h"

namespace cxlab::cli {
namespace {

constexpr int64_t kMaxChanges = 10000;
// ListChanges' largest page.
constexpr int kMaxPageSize = 1000;

enum class Kind {
  kExperiment,
  kSegment,
  kGroup,
  kMetric,
  kLayer,
  kHoldout,
  kSlot,
};

// "experiment" or "experiments" -> kExperiment, ...
std::optional<Kind> ParseKind(std::string name) {
  name = absl::AsciiStrToLower(name);
  if (!name.empty() && name.back() == 's') name.pop_back();
  if (name == "experiment") return Kind::kExperiment;
  if (name == "segment") return Kind::kSegment;
  if (name == "group") return Kind::kGroup;
  if (name == "metric") return Kind::kMetric;
  if (name == "layer") return Kind::kLayer;
  if (name == "holdout") return Kind::kHoldout;
  if (name == "slot") return Kind::kSlot;
  return std::nullopt;
}

int UnknownKind(std::ostream& err, const std::string& kind) {
  return ReportUsageError(
      err, absl::StrCat("unknown kind '", kind,
                        "' (expected experiment, segment, group, metric, "
                        "layer, holdout or slot; singular or plural)"));
}

// Prints a fetched message (json or a field table); returns the exit code.
template <typename Message>
int PrintResult(const absl::StatusOr<Message>& result,
                const GlobalOptions& global, std::ostream& out,
                std::ostream& err) {
  if (!result.ok()) return ReportServerError(err, result.status());
  if (global.output == "json") {
    out << ToJsonLine(*result) << "\n";
  } else {
    PrintMessageTable(*result, out);
  }
  out.flush();
  return kExitOk;
}

std::string Version(const v1::ObjectMeta& meta) {
  return absl::StrCat(meta.version());
}

std::string StatusLabel(v1::ExperimentStatus status) {
  return EnumLabel(v1::ExperimentStatus_Name(status), "EXPERIMENT_STATUS_");
}

std::string ReasonLabel(v1::Reason reason) {
  return EnumLabel(v1::Reason_Name(reason), "REASON_");
}

std::string RoleLabel(v1::Role role) {
  return EnumLabel(v1::Role_Name(role), "ROLE_");
}

// "control=0.5,treatment=0.5", or "a,b" for equal (unset) weights.
std::string VariantsCell(const v1::Experiment& e) {
  std::vector<std::string> cells;
  for (const v1::Variant& v : e.variants()) {
    cells.push_back(v.has_weight()
                        ? absl::StrCat(v.key(), "=", FormatDouble(v.weight()))
                        : v.key());
  }
  return absl::StrJoin(cells, ",");
}

std::string LayerCell(const v1::Experiment& e) {
  if (e.layer().empty()) return "";
  if (!e.has_layer_range()) return e.layer();
  return absl::StrCat(e.layer(), "[", FormatDouble(e.layer_range().start()),
                      ",", FormatDouble(e.layer_range().end()), ")");
}

template <typename Response>
int PrintList(const absl::StatusOr<Response>& response,
              const GlobalOptions& global, std::ostream& out, std::ostream& err,
              std::vector<std::vector<std::string>> (*rows)(const Response&)) {
  if (!response.ok()) return ReportServerError(err, response.status());
  if (global.output == "json") {
    out << ToJsonLine(*response) << "\n";
  } else {
    PrintTable(rows(*response), out);
  }
  out.flush();
  return kExitOk;
}

std::vector<std::vector<std::string>> ExperimentRows(
    const v1::ListExperimentsResponse& r) {
  std::vector<std::vector<std::string>> rows = {
      {"key", "status", "variants", "coverage", "layer", "version"}};
  for (const v1::Experiment& e : r.experiments()) {
    rows.push_back({e.key(), StatusLabel(e.status()), VariantsCell(e),
                    FormatDouble(e.has_coverage() ? e.coverage() : 1.0),
                    LayerCell(e), Version(e.meta())});
  }
  return rows;
}

std::vector<std::vector<std::string>> SegmentRows(
    const v1::ListSegmentsResponse& r) {
  std::vector<std::vector<std::string>> rows = {
      {"key", "name", "version", "condition"}};
  for (const v1::Segment& s : r.segments()) {
    rows.push_back({s.key(), s.name(), Version(s.meta()),
                    s.has_condition() ? ToJsonLine(s.condition()) : ""});
  }
  return rows;
}

std::vector<std::vector<std::string>> GroupRows(
    const v1::ListGroupsResponse& r) {
  std::vector<std::vector<std::string>> rows = {
      {"key", "ids", "version", "description"}};
  for (const v1::Group& g : r.groups()) {
    rows.push_back({g.key(), absl::StrCat(g.ids_size()), Version(g.meta()),
                    g.description()});
  }
  return rows;
}

std::vector<std::vector<std::string>> MetricRows(
    const v1::ListMetricsResponse& r) {
  std::vector<std::vector<std::string>> rows = {
      {"key", "type", "event", "direction", "version"}};
  for (const v1::Metric& m : r.metrics()) {
    rows.push_back({m.key(),
                    EnumLabel(v1::MetricType_Name(m.type()), "METRIC_TYPE_"),
                    m.event(),
                    EnumLabel(v1::MetricDirection_Name(m.direction()),
                              "METRIC_DIRECTION_"),
                    Version(m.meta())});
  }
  return rows;
}

std::vector<std::vector<std::string>> LayerRows(
    const v1::ListLayersResponse& r) {
  std::vector<std::vector<std::string>> rows = {
      {"key", "holdout", "salt", "version"}};
  for (const v1::Layer& l : r.layers()) {
    rows.push_back(
        {l.key(), FormatDouble(l.holdout()), l.salt(), Version(l.meta())});
  }
  return rows;
}

std::vector<std::vector<std::string>> HoldoutRows(
    const v1::ListHoldoutsResponse& r) {
  std::vector<std::vector<std::string>> rows = {
      {"key", "share", "salt", "version"}};
  for (const v1::Holdout& h : r.holdouts()) {
    rows.push_back(
        {h.key(), FormatDouble(h.share()), h.salt(), Version(h.meta())});
  }
  return rows;
}

// The experiments backing a slot's rules, comma-separated.
std::string SlotExperimentsCell(const v1::Slot& s) {
  std::vector<std::string> keys;
  for (const v1::SlotRule& r : s.rules()) {
    if (!r.experiment().empty()) keys.push_back(r.experiment());
  }
  return absl::StrJoin(keys, ",");
}

std::vector<std::vector<std::string>> SlotRows(const v1::ListSlotsResponse& r) {
  std::vector<std::vector<std::string>> rows = {
      {"key", "name", "rules", "experiments", "version"}};
  for (const v1::Slot& s : r.slots()) {
    rows.push_back({s.key(), s.name(), absl::StrCat(s.rules_size()),
                    SlotExperimentsCell(s), Version(s.meta())});
  }
  return rows;
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

CLI::App* AddLifecycle(CLI::App& app, const std::string& name,
                       const std::string& help, LifecycleOptions& options) {
  options.action = name;
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("KEY", options.key, "The experiment key")->required();
  return cmd;
}

}  // namespace

int RunGet(const GetOptions& options, const GlobalOptions& global,
           std::ostream& out, std::ostream& err) {
  std::optional<Kind> kind = ParseKind(options.kind);
  if (!kind.has_value()) return UnknownKind(err, options.kind);
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  v1::GetRequest request;
  request.set_key(options.key);
  switch (*kind) {
    case Kind::kExperiment:
      return PrintResult(client->GetExperiment(request), global, out, err);
    case Kind::kSegment:
      return PrintResult(client->GetSegment(request), global, out, err);
    case Kind::kGroup:
      return PrintResult(client->GetGroup(request), global, out, err);
    case Kind::kMetric:
      return PrintResult(client->GetMetric(request), global, out, err);
    case Kind::kLayer:
      return PrintResult(client->GetLayer(request), global, out, err);
    case Kind::kHoldout:
      return PrintResult(client->GetHoldout(request), global, out, err);
    case Kind::kSlot:
      return PrintResult(client->GetSlot(request), global, out, err);
  }
  return kExitUsage;
}

int RunList(const std::string& kind_name, const GlobalOptions& global,
            std::ostream& out, std::ostream& err) {
  std::optional<Kind> kind = ParseKind(kind_name);
  if (!kind.has_value()) return UnknownKind(err, kind_name);
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  switch (*kind) {
    case Kind::kExperiment:
      return PrintList(client->ListExperiments(), global, out, err,
                       &ExperimentRows);
    case Kind::kSegment:
      return PrintList(client->ListSegments(), global, out, err, &SegmentRows);
    case Kind::kGroup:
      return PrintList(client->ListGroups(), global, out, err, &GroupRows);
    case Kind::kMetric:
      return PrintList(client->ListMetrics(), global, out, err, &MetricRows);
    case Kind::kLayer:
      return PrintList(client->ListLayers(), global, out, err, &LayerRows);
    case Kind::kHoldout:
      return PrintList(client->ListHoldouts(), global, out, err, &HoldoutRows);
    case Kind::kSlot:
      return PrintList(client->ListSlots(), global, out, err, &SlotRows);
  }
  return kExitUsage;
}

int RunLifecycle(const LifecycleOptions& options, const GlobalOptions& global,
                 std::ostream& out, std::ostream& err) {
  if (options.action == "launch" && options.variant.empty()) {
    return ReportUsageError(err, "launch: --variant must not be empty");
  }
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  absl::StatusOr<v1::Experiment> result;
  if (options.action == "start") {
    v1::StartExperimentRequest request;
    request.set_key(options.key);
    request.set_new_salt(options.new_salt);
    result = client->StartExperiment(request);
  } else if (options.action == "launch") {
    v1::LaunchExperimentRequest request;
    request.set_key(options.key);
    request.set_variant_key(options.variant);
    result = client->LaunchExperiment(request);
  } else {
    v1::LifecycleRequest request;
    request.set_key(options.key);
    result = options.action == "pause" ? client->PauseExperiment(request)
                                       : client->StopExperiment(request);
  }
  if (!result.ok()) return ReportServerError(err, result.status());
  if (global.output == "json") {
    out << ToJsonLine(*result) << "\n";
  } else {
    out << "experiment " << result->key() << ": "
        << StatusLabel(result->status());
    if (result->status() == v1::EXPERIMENT_STATUS_LAUNCHED) {
      out << ", winner " << result->winner();
    }
    if (!result->salt().empty()) out << ", salt " << result->salt();
    out << " (version " << result->meta().version() << ")\n";
  }
  out.flush();
  return kExitOk;
}

int RunAssign(const AssignOptions& options, const GlobalOptions& global,
              std::ostream& out, std::ostream& err) {
  v1::AssignRequest request;
  absl::Status unit =
      BuildUnit(options.unit, options.unit_type, options.ids,
                options.attributes_json, options.attrs, request.mutable_unit());
  if (!unit.ok()) return ReportUsageError(err, unit);
  for (const std::string& key : options.experiments) {
    request.add_experiment_keys(key);
  }

  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  absl::StatusOr<v1::AssignResponse> response = client->Assign(request);
  if (!response.ok()) return ReportServerError(err, response.status());
  if (global.output == "json") {
    out << ToJsonLine(*response) << "\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"experiment", "variant", "reason"}};
    for (const v1::Assignment& a : response->assignments()) {
      rows.push_back({a.experiment_key(),
                      a.in_experiment() ? a.variant_key() : "-",
                      ReasonLabel(a.reason())});
    }
    PrintTable(rows, out);
  }
  out.flush();
  return kExitOk;
}

int RunChanges(const ChangesOptions& options, const GlobalOptions& global,
               std::ostream& out, std::ostream& err) {
  if (options.limit < 1 || options.limit > kMaxChanges) {
    return ReportUsageError(
        err, absl::StrCat("--limit must be between 1 and ", kMaxChanges,
                          ", got ", options.limit));
  }
  v1::ListChangesRequest request;
  if (!options.experiment.empty()) {
    if (!options.kind.empty() && options.kind != "experiment") {
      return ReportUsageError(err, absl::StrCat("--experiment cannot be "
                                                "combined with --kind ",
                                                options.kind));
    }
    request.set_kind("experiment");
    request.set_key(options.experiment);
  } else if (!options.kind.empty()) {
    std::optional<Kind> kind = ParseKind(options.kind);
    // Kinds outside the definitions (apikey) pass through unchanged.
    std::string name = absl::AsciiStrToLower(options.kind);
    if (kind.has_value() && name.back() == 's') name.pop_back();
    request.set_kind(name);
  }
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  v1::ListChangesResponse all;
  while (all.changes_size() < options.limit) {
    request.set_page_size(static_cast<int>(
        std::min<int64_t>(kMaxPageSize, options.limit - all.changes_size())));
    absl::StatusOr<v1::ListChangesResponse> page = client->ListChanges(request);
    if (!page.ok()) return ReportServerError(err, page.status());
    for (v1::Change& change : *page->mutable_changes()) {
      *all.add_changes() = std::move(change);
    }
    all.set_next_page_token(page->next_page_token());
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  if (global.output == "json") {
    out << ToJsonLine(all) << "\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"version", "time", "actor", "action", "kind", "key"}};
    for (const v1::Change& c : all.changes()) {
      rows.push_back({absl::StrCat(c.version()), FormatTimestamp(c.time()),
                      c.actor(), c.action(), c.kind(), c.key()});
    }
    PrintTable(rows, out);
  }
  out.flush();
  return kExitOk;
}

int RunKeys(const KeysOptions& options, const GlobalOptions& global,
            std::ostream& out, std::ostream& err) {
  v1::Role role = v1::ROLE_UNSPECIFIED;
  if (options.action == "create") {
    const std::string name = absl::AsciiStrToLower(options.role);
    if (name == "sdk") role = v1::ROLE_SDK;
    if (name == "reader") role = v1::ROLE_READER;
    if (name == "editor") role = v1::ROLE_EDITOR;
    if (name == "admin") role = v1::ROLE_ADMIN;
    if (role == v1::ROLE_UNSPECIFIED) {
      return ReportUsageError(
          err, absl::StrCat("--role ", options.role,
                            ": expected sdk, reader, editor or admin"));
    }
  }
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  const bool json = global.output == "json";
  if (options.action == "create") {
    v1::CreateApiKeyRequest request;
    request.set_name(options.name);
    request.set_role(role);
    absl::StatusOr<v1::CreateApiKeyResponse> created =
        client->CreateApiKey(request);
    if (!created.ok()) return ReportServerError(err, created.status());
    if (json) {
      out << ToJsonLine(*created) << "\n";
    } else {
      out << "created api key " << created->key().id() << " (role "
          << RoleLabel(created->key().role()) << ", name "
          << created->key().name() << ")\n"
          << "secret: " << created->secret() << "\n"
          << "the secret is shown only this once; store it now\n";
    }
  } else if (options.action == "rotate") {
    v1::RotateApiKeyRequest request;
    request.set_id(options.id);
    absl::StatusOr<v1::CreateApiKeyResponse> rotated =
        client->RotateApiKey(request);
    if (!rotated.ok()) return ReportServerError(err, rotated.status());
    if (json) {
      out << ToJsonLine(*rotated) << "\n";
    } else {
      out << "rotated api key " << options.id << " -> "
          << rotated->key().id() << " (role "
          << RoleLabel(rotated->key().role()) << ", name "
          << rotated->key().name() << "); " << options.id
          << " is revoked\n"
          << "secret: " << rotated->secret() << "\n"
          << "the secret is shown only this once; store it now"
          << (options.id == "admin" ? " (DATA_DIR/admin.key has it too)" : "")
          << "\n";
    }
  } else if (options.action == "revoke") {
    v1::RevokeApiKeyRequest request;
    request.set_id(options.id);
    absl::StatusOr<v1::ApiKey> revoked = client->RevokeApiKey(request);
    if (!revoked.ok()) return ReportServerError(err, revoked.status());
    if (json) {
      out << ToJsonLine(*revoked) << "\n";
    } else {
      out << "revoked api key " << revoked->id() << " (role "
          << RoleLabel(revoked->role()) << ", name " << revoked->name()
          << ")\n";
    }
  } else {
    absl::StatusOr<v1::ListApiKeysResponse> keys = client->ListApiKeys();
    if (!keys.ok()) return ReportServerError(err, keys.status());
    if (json) {
      out << ToJsonLine(*keys) << "\n";
    } else {
      std::vector<std::vector<std::string>> rows = {
          {"id", "name", "role", "created", "created_by", "status"}};
      for (const v1::ApiKey& k : keys->keys()) {
        rows.push_back({k.id(), k.name(), RoleLabel(k.role()),
                        FormatTimestamp(k.created_at()), k.created_by(),
                        k.revoked() ? "revoked" : "active"});
      }
      PrintTable(rows, out);
    }
  }
  out.flush();
  return kExitOk;
}

int RunHealth(const GlobalOptions& global, std::ostream& out,
              std::ostream& err) {
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  absl::StatusOr<grpc::health::v1::HealthCheckResponse> health =
      client->Health();
  if (!health.ok()) return ReportServerError(err, health.status());
  if (global.output == "json") {
    out << ToJsonLine(*health) << "\n";
  } else {
    out << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
               health->status())
        << "\n";
  }
  out.flush();
  return health->status() == grpc::health::v1::HealthCheckResponse::SERVING
             ? kExitOk
             : kExitFailure;
}

OnlineCommands::OnlineCommands(CLI::App& app) {
  apply_cmd_ = app.add_subcommand(
      "apply",
      "Create or update every definition in a file or directory on the "
      "server, atomically; print what changed.");
  apply_cmd_
      ->add_option("-f,--file", apply_.path,
                   "Definitions file or directory (*.yaml, *.yml, *.json)")
      ->required();
  apply_cmd_->add_flag("--dry-run", apply_.dry_run,
                       "Validate against the server's config and print the "
                       "plan; change nothing");

  get_cmd_ = app.add_subcommand("get", "Print one object from the server.");
  get_cmd_
      ->add_option("KIND", get_.kind,
                   "experiment, segment, group, metric, layer, holdout or "
                   "slot")
      ->required();
  get_cmd_->add_option("KEY", get_.key, "The object's key")->required();

  list_cmd_ = app.add_subcommand("list", "List the objects of one kind.");
  list_cmd_
      ->add_option("KINDS", list_kind_,
                   "experiments, segments, groups, metrics, layers, "
                   "holdouts or slots")
      ->required();

  start_cmd_ = AddLifecycle(
      app, "start",
      "Start a draft or paused experiment (a stopped one needs --new-salt).",
      start_);
  start_cmd_->add_option("--new-salt", start_.new_salt,
                         "A new hash salt: required to restart a stopped "
                         "experiment");
  pause_cmd_ =
      AddLifecycle(app, "pause", "Pause a running experiment.", pause_);
  stop_cmd_ =
      AddLifecycle(app, "stop", "Stop a running or paused experiment.", stop_);
  launch_cmd_ = AddLifecycle(
      app, "launch",
      "Launch an experiment: every eligible unit gets the winning variant.",
      launch_);
  launch_cmd_->add_option("--variant", launch_.variant, "The winning variant")
      ->required();

  assign_cmd_ = app.add_subcommand(
      "assign",
      "Ask the server which variant of each running experiment a unit "
      "sees, and why.");
  assign_cmd_->add_option("--unit", assign_.unit, "The unit id")->required();
  assign_cmd_->add_option("--unit-type", assign_.unit_type,
                          "Unit type of --unit (default: user)");
  AddRepeated(*assign_cmd_, "--id", assign_.ids,
              "Another unit id, e.g. device=d-9 (repeatable)", "TYPE=ID");
  AddRepeated(*assign_cmd_, "--attr", assign_.attrs,
              "Attribute; the value is JSON if it parses, else a string; "
              "a.b=1 nests (repeatable)",
              "KEY=VALUE");
  assign_attributes_opt_ = assign_cmd_->add_option(
      "--attributes", assign_attributes_,
      "Attributes as a JSON object (--attr applies on top)");
  AddRepeated(*assign_cmd_, "--experiment", assign_.experiments,
              "Only this experiment (repeatable; default: every running or "
              "launched one)",
              "KEY");

  changes_cmd_ =
      app.add_subcommand("changes", "Print the audit log, newest first.");
  changes_cmd_->add_option("--experiment", changes_.experiment,
                           "Only this experiment's changes");
  changes_cmd_->add_option(
      "--kind", changes_.kind,
      "Only this kind (experiment, segment, group, metric, layer, holdout, "
      "slot, apikey)");
  changes_cmd_->add_option("--limit", changes_.limit, "At most N changes")
      ->capture_default_str();

  keys_cmd_ = app.add_subcommand("keys", "Manage API keys (admin role).");
  keys_cmd_->require_subcommand(1);
  keys_create_.action = "create";
  keys_create_cmd_ = keys_cmd_->add_subcommand(
      "create", "Create a key; prints its secret once.");
  keys_create_cmd_
      ->add_option("--role", keys_create_.role, "sdk, reader, editor or admin")
      ->required();
  keys_create_cmd_->add_option("--name", keys_create_.name, "A label")
      ->required();
  keys_list_cmd_ = keys_cmd_->add_subcommand("list", "List every key.");
  keys_revoke_.action = "revoke";
  keys_revoke_cmd_ = keys_cmd_->add_subcommand("revoke", "Revoke a key.");
  keys_revoke_cmd_->add_option("ID", keys_revoke_.id, "The key id")->required();
  keys_rotate_.action = "rotate";
  keys_rotate_cmd_ = keys_cmd_->add_subcommand(
      "rotate",
      "Replace a key with a new one of the same name and role (a new id and "
      "secret, printed once) and revoke the old one.");
  keys_rotate_cmd_->add_option("ID", keys_rotate_.id, "The key id")->required();

  health_cmd_ = app.add_subcommand(
      "health", "Check that the server is serving (grpc.health.v1).");
}

std::optional<int> OnlineCommands::RunSelected(const GlobalOptions& global,
                                               std::ostream& out,
                                               std::ostream& err) {
  if (*apply_cmd_) return RunApply(apply_, global, out, err);
  if (*get_cmd_) return RunGet(get_, global, out, err);
  if (*list_cmd_) return RunList(list_kind_, global, out, err);
  if (*start_cmd_) return RunLifecycle(start_, global, out, err);
  if (*pause_cmd_) return RunLifecycle(pause_, global, out, err);
  if (*stop_cmd_) return RunLifecycle(stop_, global, out, err);
  if (*launch_cmd_) return RunLifecycle(launch_, global, out, err);
  if (*assign_cmd_) {
    if (assign_attributes_opt_->count() > 0) {
      assign_.attributes_json = assign_attributes_;
    }
    return RunAssign(assign_, global, out, err);
  }
  if (*changes_cmd_) return RunChanges(changes_, global, out, err);
  if (*keys_cmd_) {
    if (*keys_create_cmd_) return RunKeys(keys_create_, global, out, err);
    if (*keys_revoke_cmd_) return RunKeys(keys_revoke_, global, out, err);
    if (*keys_rotate_cmd_) return RunKeys(keys_rotate_, global, out, err);
    KeysOptions list;
    list.action = "list";
    return RunKeys(list, global, out, err);
  }
  if (*health_cmd_) return RunHealth(global, out, err);
  return std::nullopt;
}

}  // namespace cxlab::cli
