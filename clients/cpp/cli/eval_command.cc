// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/eval_command.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_split.h"
#include "clients/cpp/cli/cli_util.h"
#include "engine/json.h"
#include "engine/snapshot.h"

namespace cxlab::cli {
namespace {

// Prints `list` as three left-aligned columns.
void PrintTable(const std::vector<engine::Assignment>& list,
                std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"experiment", "variant", "reason"});
  for (const engine::Assignment& a : list) {
    rows.push_back({a.experiment->key(),
                    a.in_experiment() ? std::string(a.variant_key()) : "-",
                    std::string(engine::ReasonName(a.reason))});
  }
  size_t width[2] = {0, 0};
  for (const auto& row : rows) {
    width[0] = std::max(width[0], row[0].size());
    width[1] = std::max(width[1], row[1].size());
  }
  for (const auto& row : rows) {
    out << row[0] << std::string(width[0] - row[0].size() + 2, ' ') << row[1]
        << std::string(width[1] - row[1].size() + 2, ' ') << row[2] << "\n";
  }
}

}  // namespace

engine::Value AssignmentsToJson(absl::string_view unit_id,
                                const std::vector<engine::Assignment>& list) {
  engine::Value assignments = engine::Value::Array();
  for (const engine::Assignment& a : list) {
    engine::Value item = engine::Value::Object();
    item.Set("experiment", engine::Value(a.experiment->key()));
    if (a.in_experiment()) {
      item.Set("variant", engine::Value(a.variant_key()));
    } else {
      item.Set("variant", engine::Value());
    }
    item.Set("reason", engine::Value(engine::ReasonName(a.reason)));
    item.Set("payload", a.in_experiment()
                            ? a.experiment->def->variants[a.variant].payload
                            : engine::Value());
    assignments.Append(std::move(item));
  }
  engine::Value doc = engine::Value::Object();
  doc.Set("unit", engine::Value(unit_id));
  doc.Set("assignments", std::move(assignments));
  return doc;
}

int RunEval(const EvalOptions& options, std::ostream& out, std::ostream& err) {
  // Flags first, so bad usage is reported before any file is read.
  if (options.unit.has_value() == options.units_file.has_value()) {
    return ReportUsageError(
        err, options.unit.has_value()
                 ? "--unit and --units-file cannot be used together"
                 : "one of --unit or --units-file is required");
  }
  if (options.output != "table" && options.output != "json") {
    return ReportUsageError(
        err, "--output must be table or json, got \"" + options.output + "\"");
  }
  if (options.unit_type.empty()) {
    return ReportUsageError(err, "--unit-type must not be empty");
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> extra_ids =
      ParseUnitIds(options.ids);
  if (!extra_ids.ok()) return ReportUsageError(err, extra_ids.status());
  for (const auto& [type, id] : *extra_ids) {
    if (type == options.unit_type) {
      return ReportUsageError(err, "--id " + type + "=" + id +
                                       ": the unit type of --unit is " + type);
    }
  }
  absl::StatusOr<engine::Value> attributes =
      BuildAttributes(options.attributes_json, options.attrs);
  if (!attributes.ok()) return ReportUsageError(err, attributes.status());
  absl::StatusOr<absl::Time> now = ParseNow(options.now);
  if (!now.ok()) return ReportUsageError(err, now.status());

  std::vector<std::string> unit_ids;
  if (options.unit.has_value()) {
    unit_ids.push_back(*options.unit);
  } else {
    absl::StatusOr<std::string> text =
        ReadFileToString("--units-file", *options.units_file);
    if (!text.ok()) return ReportUsageError(err, text.status());
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      line = StripLine(line);
      if (!line.empty()) unit_ids.emplace_back(line);
    }
  }

  std::shared_ptr<const engine::ConfigSnapshot> snapshot =
      LoadSnapshotOrReport(options.path, err);
  if (snapshot == nullptr) return kExitUsage;

  engine::Unit unit;
  unit.attributes = *std::move(attributes);
  std::vector<engine::Assignment> assignments;
  for (const std::string& id : unit_ids) {
    unit.ids.clear();
    if (!id.empty()) unit.ids.emplace_back(options.unit_type, id);
    for (const auto& extra : *extra_ids) unit.ids.push_back(extra);
    engine::UnitEvaluator evaluator(*snapshot, unit, *now);
    evaluator.EvaluateAll(assignments, options.all);
    if (options.units_file.has_value() || options.output == "json") {
      out << engine::ToJson(AssignmentsToJson(id, assignments)) << "\n";
    } else {
      PrintTable(assignments, out);
    }
  }
  out.flush();
  return kExitOk;
}

}  // namespace cxlab::cli
