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
// The document is HtmlPage around RenderReportHeader (parts 1-2 below) and
// RenderReportSections (parts 3-7) and a footer; cxlabd's web pages
// (web_ui.h) put the same pieces in their own page, so the CLI file and the
// /ui page show the same plots.
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
//   7. the full metrics table with every number and warning, in a
//      keyboard-focusable region (tabindex 0, role="region") that scrolls
//      sideways when the viewport is narrower than the table; numbers,
//      intervals and verdict markers never wrap. Displayed bounds are
//      clamped where the metric cannot go (FormatValueInterval,
//      FormatRelativeLift); the report's numbers are not changed.
// The page is fluid up to 1400 px wide.
// Each plot is one <svg> element; a plot without data (no daily points, no
// segments) is replaced by a sentence saying so. All text taken from the
// report is HTML-escaped.
//
// Thread-safety: reentrant; no state.

#ifndef CXLAB_API_RENDER_REPORT_HTML_H_
#define CXLAB_API_RENDER_REPORT_HTML_H_

#include <string>

#include "absl/strings/string_view.h"
#include "cxlab/v1/reports.pb.h"

namespace cxlab::render {

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

// ---- Building blocks of pages that embed the report (web_ui.h) -------------

// The report's style sheet: CSS text with no URL, font or @import.
absl::string_view ReportStyleSheet();

// A whole document: "<!DOCTYPE html>", a <head> with the charset, the
// viewport, the escaped `title` and one <style> holding ReportStyleSheet()
// then `extra_css`, and `body` (HTML, inserted as is) in the <body>; ends in
// "</body></html>\n".
std::string HtmlPage(absl::string_view title, absl::string_view extra_css,
                     absl::string_view body);

// The report's title: its name, else its experiment key (unescaped).
std::string ReportTitle(const v1::Report& report);

// Parts 1-2 of the report: the SRM banner (only on a mismatch) and the
// <header> with the <h1>, the facts, the SRM badge, the verdict, the power,
// the warnings and the marker legend.
std::string RenderReportHeader(const v1::Report& report);

// Parts 3-7 of the report: one <section> with an <h2> per plot (forest plot,
// cumulative lift, units per variant, persona breakdown) and the metrics
// table.
std::string RenderReportSections(const v1::Report& report,
                                 const v1::GetTimeSeriesResponse& series,
                                 const HtmlReportOptions& options = {});

}  // namespace cxlab::render

#endif  // CXLAB_API_RENDER_REPORT_HTML_H_
