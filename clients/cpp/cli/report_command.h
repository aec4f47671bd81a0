// Copyright 2026 The cxlab Authors.
//
// `cxlab report KEY`: the significance report of one experiment from
// ReportService.GetReport (see online_util.h for the global flags and
// errors, api/render/report_format.h for the table and CSV,
// api/render/report_html.h for the HTML file).
//
//   report KEY [--method frequentist|sequential|bayesian] [--alpha A]
//              [--cuped] [--correction none|holm|bh]
//              [--segment S | --by-segment [--all-metrics]]
//              [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--target-effect 0.05]
//              [--output table|json|csv] [--html FILE]
//
// --output table (the default) prints the report for people (colour when
// stdout is a terminal and $NO_COLOR is unset); json the Report as one
// proto3 JSON line; csv one row per (segment, metric, variant). --html FILE
// also writes a self-contained HTML report with plots; it asks the server
// for the per-segment breakdown (unless --segment is given) and for the
// primary metric's daily time series (GetTimeSeries), and then prints
// "HTML report: FILE" (on stdout after a table, on stderr after json or
// csv, which stay machine-readable). The breakdown fetched only for the
// HTML file is not printed.
//
// Exit codes: 0 ok; 1 the server answered with an error or could not be
// reached; 2 bad usage (a flag out of range, a malformed date, --segment
// with --by-segment, an unwritable --html file).
//
//   CLI::App app;
//   ReportCommand report(app);
//   app.parse(argc, argv);
//   if (std::optional<int> code = report.RunSelected(global, out, err)) ...
//
// Thread-safety: RunReport and BuildReportRequest are reentrant;
// ReportCommand is not thread-safe (one instance per parse).

#ifndef CXLAB_CLIENTS_CPP_CLI_REPORT_COMMAND_H_
#define CXLAB_CLIENTS_CPP_CLI_REPORT_COMMAND_H_

#include <optional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "clients/cpp/cli/online_util.h"
#include "cxlab/v1/reports.pb.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace cxlab::cli {

// The flags of `report`, as parsed.
struct ReportOptions {
  // The experiment key (required, non-empty).
  std::string experiment;
  // "frequentist", "sequential" or "bayesian".
  std::string method = "frequentist";
  // In (0, 1); unset means the server's default (0.05).
  std::optional<double> alpha;
  bool cuped = false;
  // "none", "holm" or "bh".
  std::string correction = "none";
  // Only units in this persona segment; excludes by_segment.
  std::optional<std::string> segment;
  // Also every persona segment separately.
  bool by_segment = false;
  // With by_segment: the table breaks down every metric, not only the
  // primary one.
  bool all_metrics = false;
  // UTC days "YYYY-MM-DD" (inclusive) of first exposure; from <= to.
  std::optional<std::string> from_day;
  std::optional<std::string> to_day;
  // The relative effect to plan for (> 0; 0.05 is +5%); unset: the
  // server's default.
  std::optional<double> target_effect;
  // "table", "json" or "csv".
  std::string output = "table";
  // Also write the HTML report here.
  std::optional<std::string> html;
  // Colour in the table; unset: when `out` is std::cout on a terminal and
  // $NO_COLOR is unset.
  std::optional<bool> color;
};

// Checks `options` and builds the request, without any I/O.
// InvalidArgument, naming the flag, for: an empty experiment key, a method,
// correction or output not in its list, --alpha outside (0, 1),
// --target-effect not > 0, a date that is not a real YYYY-MM-DD day,
// --from after --to, --segment with --by-segment (or an empty --segment),
// --all-metrics without --by-segment, an empty --html path.
absl::StatusOr<v1::GetReportRequest> BuildReportRequest(
    const ReportOptions& options);

// Runs `report`: see the file comment. `out` gets the report, `err` the
// errors.
int RunReport(const ReportOptions& options, const GlobalOptions& global,
              std::ostream& out, std::ostream& err);

// Registers `report` on `app`, which must outlive this object, and holds
// its parsed flags.
class ReportCommand {
 public:
  explicit ReportCommand(CLI::App& app);
  ReportCommand(const ReportCommand&) = delete;
  ReportCommand& operator=(const ReportCommand&) = delete;

  // The exit code of `report` when the parse selected it, else nullopt.
  // The global --output applies when report's own --output is not given.
  std::optional<int> RunSelected(const GlobalOptions& global, std::ostream& out,
                                 std::ostream& err);

 private:
  ReportOptions options_;
  double alpha_ = 0;
  double target_effect_ = 0;
  std::string segment_, from_, to_, html_;

  CLI::App* command_ = nullptr;
  CLI::Option* alpha_opt_ = nullptr;
  CLI::Option* target_effect_opt_ = nullptr;
  CLI::Option* segment_opt_ = nullptr;
  CLI::Option* from_opt_ = nullptr;
  CLI::Option* to_opt_ = nullptr;
  CLI::Option* output_opt_ = nullptr;
  CLI::Option* html_opt_ = nullptr;
};

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_REPORT_COMMAND_H_
