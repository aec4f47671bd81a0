// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/report_command.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/render/report_format.h"
#include "api/render/report_html.h"
#include "clients/cpp/cli/cli_util.h"

namespace cxlab::cli {
namespace {

using render::FormatReportCsv;
using render::FormatReportTable;
using render::HtmlReportOptions;
using render::RenderReportHtml;
using render::ReportTableOptions;

// The enum value `choices` maps `value` to; InvalidArgument "FLAG must be
// EXPECTED, got 'VALUE'" for any other value.
template <typename Enum>
absl::StatusOr<Enum> ParseChoice(
    absl::string_view flag, const std::string& value,
    std::initializer_list<std::pair<absl::string_view, Enum>> choices,
    absl::string_view expected) {
  for (const auto& [name, e] : choices) {
    if (value == name) return e;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(flag, " must be ", expected, ", got '", value, "'"));
}

// Checks that `day` is a real UTC day written YYYY-MM-DD.
absl::Status CheckDay(absl::string_view flag, const std::string& day) {
  const bool shaped = day.size() == 10 && day[4] == '-' && day[7] == '-' &&
                      std::all_of(day.begin(), day.end(), [](char c) {
                        return absl::ascii_isdigit(c) || c == '-';
                      });
  absl::Time t;
  std::string error;
  if (!shaped ||
      !absl::ParseTime("%Y-%m-%d", day, absl::UTCTimeZone(), &t, &error) ||
      absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone()) != day) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " must be a day written YYYY-MM-DD, got '", day, "'"));
  }
  return absl::OkStatus();
}

// Colour by default when printing to a terminal, unless $NO_COLOR is set
// (the NO_COLOR convention).
bool WantColor(const std::ostream& out) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  return &out == &std::cout && isatty(STDOUT_FILENO) == 1;
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (file) file << content;
  if (file) file.close();
  if (!file) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--html ", path, ": cannot write the file: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// The primary metric's key: the one marked primary, else the first.
std::string PrimaryMetricKey(const v1::Report& report) {
  for (const v1::MetricResult& m : report.metrics()) {
    if (m.primary()) return m.metric_key();
  }
  return report.metrics().empty() ? "" : report.metrics(0).metric_key();
}

}  // namespace

absl::StatusOr<v1::GetReportRequest> BuildReportRequest(
    const ReportOptions& options) {
  v1::GetReportRequest request;
  if (options.experiment.empty()) {
    return absl::InvalidArgumentError(
        "report: the experiment key must not be empty");
  }
  request.set_experiment_key(options.experiment);

  absl::StatusOr<v1::Method> method =
      ParseChoice<v1::Method>("--method", options.method,
                              {{"frequentist", v1::METHOD_FREQUENTIST},
                               {"sequential", v1::METHOD_SEQUENTIAL},
                               {"bayesian", v1::METHOD_BAYESIAN}},
                              "frequentist, sequential or bayesian");
  if (!method.ok()) return method.status();
  request.set_method(*method);
  absl::StatusOr<v1::Correction> correction = ParseChoice<v1::Correction>(
      "--correction", options.correction,
      {{"none", v1::CORRECTION_NONE},
       {"holm", v1::CORRECTION_HOLM},
       {"bh", v1::CORRECTION_BH}},
      "none, holm (Holm-Bonferroni) or bh (Benjamini-Hochberg)");
  if (!correction.ok()) return correction.status();
  request.set_correction(*correction);

  if (options.alpha.has_value()) {
    const double a = *options.alpha;
    if (!std::isfinite(a) || a <= 0 || a >= 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("--alpha must be in (0, 1), e.g. 0.05, got ", a));
    }
    request.set_alpha(a);
  }
  if (options.target_effect.has_value()) {
    const double e = *options.target_effect;
    if (!std::isfinite(e) || e <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--target-effect must be > 0 (a relative effect: 0.05 is +5%), "
          "got ",
          e));
    }
    request.set_target_effect(e);
  }
  request.set_cuped(options.cuped);

  if (options.from_day.has_value()) {
    if (absl::Status s = CheckDay("--from", *options.from_day); !s.ok()) {
      return s;
    }
    request.set_from_day(*options.from_day);
  }
  if (options.to_day.has_value()) {
    if (absl::Status s = CheckDay("--to", *options.to_day); !s.ok()) return s;
    request.set_to_day(*options.to_day);
  }
  if (options.from_day.has_value() && options.to_day.has_value() &&
      *options.from_day > *options.to_day) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--from ", *options.from_day, " is after --to ", *options.to_day));
  }

  if (options.segment.has_value()) {
    if (options.by_segment) {
      return absl::InvalidArgumentError(
          "--segment and --by-segment cannot be combined (--segment restricts "
          "the report to one persona segment, --by-segment breaks it down by "
          "every segment)");
    }
    if (options.segment->empty()) {
      return absl::InvalidArgumentError("--segment must not be empty");
    }
    request.set_segment(*options.segment);
  }
  if (options.all_metrics && !options.by_segment) {
    return absl::InvalidArgumentError("--all-metrics needs --by-segment");
  }
  // The HTML report shows the persona breakdown.
  request.set_by_segment(options.by_segment || (options.html.has_value() &&
                                                !options.segment.has_value()));

  if (options.output != "table" && options.output != "json" &&
      options.output != "csv") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--output must be table, json or csv, got '", options.output, "'"));
  }
  if (options.html.has_value() && options.html->empty()) {
    return absl::InvalidArgumentError("--html must name a file");
  }
  return request;
}

int RunReport(const ReportOptions& options, const GlobalOptions& global,
              std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::GetReportRequest> request = BuildReportRequest(options);
  if (!request.ok()) return ReportUsageError(err, request.status());
  std::unique_ptr<client::Client> client;
  if (int code = ConnectOrReport(global, err, &client); code != kExitOk) {
    return code;
  }
  absl::StatusOr<v1::Report> report = client->GetReport(*request);
  if (!report.ok()) return ReportServerError(err, report.status());

  if (options.html.has_value()) {
    v1::GetTimeSeriesRequest series_request;
    series_request.set_experiment_key(request->experiment_key());
    series_request.set_metric_key(PrimaryMetricKey(*report));
    series_request.set_method(request->method());
    series_request.set_alpha(request->alpha());
    series_request.set_cuped(request->cuped());
    series_request.set_segment(request->segment());
    absl::StatusOr<v1::GetTimeSeriesResponse> series =
        client->GetTimeSeries(series_request);
    HtmlReportOptions html_options;
    v1::GetTimeSeriesResponse no_series;
    if (!series.ok()) {
      // The rest of the report is still worth writing.
      html_options.time_series_note =
          absl::StrCat("The daily series could not be loaded: ",
                       absl::StatusCodeToString(series.status().code()), ": ",
                       series.status().message());
      err << "cxlab: warning: " << html_options.time_series_note << "\n";
    }
    const std::string html = RenderReportHtml(
        *report, series.ok() ? *series : no_series, html_options);
    if (absl::Status s = WriteFile(*options.html, html); !s.ok()) {
      return ReportUsageError(err, s);
    }
  }

  // The breakdown fetched only for the HTML file is not printed.
  v1::Report shown = *report;
  if (!options.by_segment) shown.clear_by_segment();
  if (options.output == "json") {
    out << ToJsonLine(shown) << "\n";
  } else if (options.output == "csv") {
    out << FormatReportCsv(shown);
  } else {
    ReportTableOptions table;
    table.color = options.color.value_or(WantColor(out));
    table.all_segment_metrics = options.all_metrics;
    out << FormatReportTable(shown, table);
    if (options.by_segment && shown.by_segment().empty()) {
      out << "\nNo persona segment data: no unit matched a segment at "
             "exposure.\n";
    }
  }
  if (options.html.has_value()) {
    (options.output == "table" ? out : err)
        << (options.output == "table" ? "\n" : "")
        << "HTML report: " << *options.html << "\n";
  }
  out.flush();
  err.flush();
  return kExitOk;
}

ReportCommand::ReportCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "report",
      "The significance report of an experiment: per metric and variant the "
      "lift with its interval, the p-value or chance to win, the verdict, "
      "the SRM check and power; --html FILE also writes a self-contained "
      "HTML report with plots.");
  command_->add_option("experiment", options_.experiment, "The experiment key")
      ->required();
  command_
      ->add_option("--method", options_.method,
                   "frequentist (Welch t-test), sequential (peeking-safe "
                   "confidence sequences) or bayesian")
      ->capture_default_str();
  alpha_opt_ = command_->add_option(
      "--alpha", alpha_, "Significance level in (0, 1) (default: 0.05)");
  command_->add_flag("--cuped", options_.cuped,
                     "Adjust on the pre-exposure covariate (CUPED)");
  command_
      ->add_option("--correction", options_.correction,
                   "Multiple-testing correction: none, holm or bh")
      ->capture_default_str();
  segment_opt_ = command_->add_option("--segment", segment_,
                                      "Only units in this persona segment");
  command_->add_flag("--by-segment", options_.by_segment,
                     "Also break the report down by every persona segment");
  command_->add_flag("--all-metrics", options_.all_metrics,
                     "With --by-segment: break down every metric, not only "
                     "the primary one");
  from_opt_ =
      command_->add_option("--from", from_,
                           "Only units first exposed on or after this UTC day "
                           "(YYYY-MM-DD)");
  to_opt_ =
      command_->add_option("--to", to_,
                           "Only units first exposed on or before this UTC day "
                           "(YYYY-MM-DD)");
  target_effect_opt_ = command_->add_option(
      "--target-effect", target_effect_,
      "Power: the relative effect on the primary metric to plan for "
      "(default: 0.05, i.e. +5%)");
  output_opt_ = command_->add_option("--output", options_.output,
                                     "table, json or csv (default: table)");
  html_opt_ = command_->add_option(
      "--html", html_,
      "Also write a self-contained HTML report with plots to this file");
}

std::optional<int> ReportCommand::RunSelected(const GlobalOptions& global,
                                              std::ostream& out,
                                              std::ostream& err) {
  if (!*command_) return std::nullopt;
  auto given = [](const CLI::Option* option, const std::string& value) {
    return option->count() > 0 ? std::optional<std::string>(value)
                               : std::nullopt;
  };
  if (alpha_opt_->count() > 0) options_.alpha = alpha_;
  if (target_effect_opt_->count() > 0) options_.target_effect = target_effect_;
  options_.segment = given(segment_opt_, segment_);
  options_.from_day = given(from_opt_, from_);
  options_.to_day = given(to_opt_, to_);
  options_.html = given(html_opt_, html_);
  if (output_opt_->count() == 0) options_.output = global.output;
  return RunReport(options_, global, out, err);
}

}  // namespace cxlab::cli
