// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/bandit_command.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "clients/cpp/cli/cli_util.h"
#include "cxlab/v1/personalization.pb.h"

namespace cxlab::cli {
namespace {

std::string TimeText(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

void PrintContexts(
    const v1::BanditState& state,
    const google::protobuf::RepeatedPtrField<v1::BanditContextWeights>& contexts,
    std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"persona"};
  for (const std::string& v : state.variant_keys()) header.push_back(v);
  header.push_back("units");
  header.push_back("conversions");
  rows.push_back(header);
  for (const v1::BanditContextWeights& c : contexts) {
    std::vector<std::string> row = {c.segment().empty() ? "(none)"
                                                        : c.segment()};
    int64_t units = 0, conversions = 0;
    for (int i = 0; i < state.variant_keys_size(); ++i) {
      row.push_back(i < c.weights_size()
                        ? absl::StrFormat("%.1f%%", 100 * c.weights(i))
                        : "-");
    }
    for (int64_t n : c.units()) units += n;
    for (int64_t n : c.conversions()) conversions += n;
    row.push_back(absl::StrCat(units));
    row.push_back(absl::StrCat(conversions));
    rows.push_back(std::move(row));
  }
  PrintTable(rows, out);
}

}  // namespace

int RunBandit(const BanditOptions& options, const GlobalOptions& global,
              std::ostream& out, std::ostream& err) {
  if (options.history < 0) {
    return ReportUsageError(
        err, absl::InvalidArgumentError(absl::StrCat(
                 "--history: must be >= 0, got ", options.history)));
  }
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  v1::GetBanditStateRequest request;
  request.set_experiment_key(options.experiment);
  absl::StatusOr<v1::BanditState> state = client->GetBanditState(request);
  if (!state.ok()) return ReportServerError(err, state.status());
  if (global.output == "json") {
    out << ToJsonLine(*state) << "\n";
    out.flush();
    return kExitOk;
  }
  out << state->experiment_key() << ": ";
  if (state->version() == 0) {
    out << "not re-weighted yet (the configured weights are in force)";
  } else {
    out << "version " << state->version() << ", updated "
        << TimeText(state->updated_at());
  }
  out << "; metric " << state->metric_key() << ", every "
      << state->interval_minutes() << " min, min share "
      << absl::StrFormat("%.0f%%", 100 * state->min_share()) << "\n";
  if (state->version() > 0) PrintContexts(*state, state->contexts(), out);
  const int shown =
      std::min(options.history, state->history_size());
  if (shown > 0) {
    out << "\nhistory (newest " << shown << " of " << state->history_size()
        << "):\n";
    for (int i = state->history_size() - shown; i < state->history_size();
         ++i) {
      const v1::BanditVersion& v = state->history(i);
      out << "version " << v.version() << " at " << TimeText(v.time()) << "\n";
      PrintContexts(*state, v.contexts(), out);
    }
  }
  out.flush();
  return kExitOk;
}

BanditCommand::BanditCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "bandit",
      "Show the weights a bandit experiment learned per persona and how they "
      "moved (reader role).");
  command_->add_option("experiment", options_.experiment,
                       "The bandit experiment's key")
      ->required();
  command_->add_option("--history", options_.history,
                       "Re-weightings to list, newest last (default 10)");
}

std::optional<int> BanditCommand::RunSelected(const GlobalOptions& global,
                                              std::ostream& out,
                                              std::ostream& err) {
  if (!*command_) return std::nullopt;
  return RunBandit(options_, global, out, err);
}

}  // namespace cxlab::cli
