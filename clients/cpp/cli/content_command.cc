// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/content_command.h"

#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_join.h"
#include "clients/cpp/cli/cli_util.h"
#include "cxlab/v1/personalization.pb.h"

namespace cxlab::cli {

int RunContent(const ContentOptions& options, const GlobalOptions& global,
               std::ostream& out, std::ostream& err) {
  v1::GetContentRequest request;
  absl::Status unit =
      BuildUnit(options.unit, options.unit_type, options.ids,
                options.attributes_json, options.attrs, request.mutable_unit());
  if (!unit.ok()) return ReportUsageError(err, unit);
  for (const std::string& slot : options.slots) request.add_slots(slot);
  if (options.no_exposure) request.set_log_exposure(false);

  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  absl::StatusOr<v1::GetContentResponse> response = client->GetContent(request);
  if (!response.ok()) return ReportServerError(err, response.status());
  if (global.output == "json") {
    out << ToJsonLine(*response) << "\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"slot", "reason", "rule", "personas", "experiment", "variant",
         "content"}};
    for (const v1::SlotContent& c : response->contents()) {
      rows.push_back({c.slot(), c.reason(), c.rule_id(),
                      absl::StrJoin(c.matched_segments(), ","),
                      c.experiment_key(), c.variant_key(),
                      ToJsonLine(c.content())});
    }
    PrintTable(rows, out);
  }
  out.flush();
  return kExitOk;
}

ContentCommand::ContentCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "content",
      "Ask the server which content each personalization slot serves to a "
      "unit, and why (rule, personas, experiment variant).");
  command_->add_option("--unit", options_.unit, "The unit id")->required();
  command_->add_option("--unit-type", options_.unit_type,
                       "Unit type of --unit (default: user)");
  auto repeated = [this](const std::string& name,
                         std::vector<std::string>& target,
                         const std::string& help, const std::string& type) {
    command_->add_option(name, target, help)
        ->type_name(type)
        ->allow_extra_args(false)
        ->take_all();
  };
  repeated("--id", options_.ids,
           "Another unit id, e.g. device=d-9 (repeatable)", "TYPE=ID");
  repeated("--attr", options_.attrs,
           "Attribute; the value is JSON if it parses, else a string; a.b=1 "
           "nests (repeatable)",
           "KEY=VALUE");
  attributes_opt_ = command_->add_option(
      "--attributes", attributes_,
      "Attributes as a JSON object (--attr applies on top)");
  repeated("--slot", options_.slots,
           "Only this slot (repeatable; default: every slot)", "KEY");
  command_->add_flag("--no-exposure", options_.no_exposure,
                     "Do not record exposures for experiment-backed rules");
}

std::optional<int> ContentCommand::RunSelected(const GlobalOptions& global,
                                               std::ostream& out,
                                               std::ostream& err) {
  if (!*command_) return std::nullopt;
  if (attributes_opt_->count() > 0) options_.attributes_json = attributes_;
  return RunContent(options_, global, out, err);
}

}  // namespace cxlab::cli
