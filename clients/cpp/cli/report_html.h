// Copyright 2026 The cxlab Authors.
//
// RenderReportHtml: a significance report (cxlab.v1.Report) and the daily
// cumulative results of its primary metric (GetTimeSeriesResponse) as one
// self-contained HTML document for `cxlab report KEY --html FILE`. Pure: no
// I/O, clock or global state; the output depends only on the arguments.
//
//   v1::Report report = ...;                 // ReportService.GetReport
//   v1::GetTimeSeriesResponse series = ...;  // ReportService.GetTimeSeries
//   std::string html = RenderReportHtml(report, series);
//
// The document has inline CSS and inline SVG only: no script, no font, no
// image or style sheet fetched, no URL at all, so it opens offline and can
// be mailed or attached to a ticket. It reads top to bottom:
//   1. a SAMPLE RATIO MISMATCH banner when the split is off (first, red);
//   2. the header (experiment, status, days running, method, alpha,
//      correction, CUPED, units per variant), the SRM badge, the
//      plain-language verdict, the power of the primary metric and the
//      report's warnings;
//   3. a forest plot (SVG): every metric's relative lift per treatment with
//      its interval, a zero line, coloured by verdict (green better, red
//      worse, grey inconclusive, amber undefined);
//   4. the cumulative lift over time of the primary metric (SVG): one line
//      per treatment with its interval as a band, one point per day;
//   5. units per variant (SVG bars) against the split the weights expect,
//      with the SRM verdict;
//   6. the persona breakdown (SVG, forest-style rows per segment and
//      treatment for the primary metric) when the report has by_segment;
//   7. the full metrics table with every number and warning.
// Each plot is one <svg> element; a plot without data (no daily points, no
// segments) is replaced by a sentence saying so. All text taken from the
// report is HTML-escaped.
//
// Thread-safety: reentrant; no state.

#ifndef CXLAB_CLIENTS_CPP_CLI_REPORT_HTML_H_
#define CXLAB_CLIENTS_CPP_CLI_REPORT_HTML_H_

#include <string>

#include "absl/strings/string_view.h"
#include "cxlab/v1/reports.pb.h"

namespace cxlab::cli {

// Options of RenderReportHtml.
struct HtmlReportOptions {
  // Shown in place of the lift-over-time plot when `series` has no points,
  // e.g. why it could not be fetched; empty means "no daily data yet".
  std::string time_series_note;
};

// The whole document, starting with "<!DOCTYPE html>". Never fails: missing
// or undefined parts of the report print as "—" or a sentence.
std::string RenderReportHtml(const v1::Report& report,
                             const v1::GetTimeSeriesResponse& series,
                             const HtmlReportOptions& options = {});

// `text` with &, <, >, " and ' replaced by entities: safe in element content
// and in quoted attribute values.
std::string HtmlEscape(absl::string_view text);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_REPORT_HTML_H_
