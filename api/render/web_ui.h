// Copyright 2026 The cxlab Authors.
//
// The pages of cxlabd's web UI under /ui: the list of experiments, one
// experiment's report (the same header, plots and table as `cxlab report
// --html`, report_html.h, plus navigation and a form to change the report
// options) and an error page. Pure: no I/O, clock or global state; the
// HTTP server (api/server/http_*) fetches the reports and writes the pages.
//
//   // GET /ui
//   std::vector<ExperimentRow> rows;
//   for (const v1::Experiment& e : experiments) {
//     absl::StatusOr<v1::Report> report = GetReport(e.key());
//     rows.push_back(report.ok()
//                        ? RowFromReport(*report)
//                        : RowWithoutReport(e.key(), e.name(), status_text,
//                                           report.status().message()));
//   }
//   html = RenderExperimentListPage(rows);
//
//   // GET /ui/experiments/{key}?method=bayesian&alpha=0.1&cuped=on
//   absl::StatusOr<ReportQuery> query = ParseReportQuery(raw_query);
//   if (!query.ok()) html = RenderErrorPage(400, query.status().message());
//   v1::Report report = GetReport(ReportRequestFor(key, *query));
//   v1::GetTimeSeriesResponse series =
//       GetTimeSeries(TimeSeriesRequestFor(report, *query));
//   ExperimentPageOptions options;
//   options.query = *query;
//   html = RenderExperimentPage(report, series, options);
//
// Every page is one self-contained document: inline CSS, no script, no
// font, image or style sheet fetched and no absolute URL; the only links
// are to /ui paths and to the page's own #main. They work with the
// keyboard alone: a skip link first, real <a>, <select>, <input> and
// <button> elements with visible focus, one <h1> then <h2>s, tables with
// <th scope>, and every plot an <svg role="img"> with a <title>. All text
// from the reports and the rows is HTML-escaped, and keys in links are
// percent-encoded.
//
// Thread-safety: all functions are reentrant; none keeps state.

#ifndef CXLAB_API_RENDER_WEB_UI_H_
#define CXLAB_API_RENDER_WEB_UI_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/render/report_html.h"
#include "cxlab/v1/reports.pb.h"

namespace cxlab::render {

// The path of the list page; every /ui link starts with it.
inline constexpr char kUiRoot[] = "/ui";

// `text` percent-encoded for one URL path segment or query value: every
// byte except the unreserved A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case
// hex), so "/", "?", "#", "&", quotes and spaces cannot break out.
std::string UrlEscape(absl::string_view text);

// The path of an experiment's page: "/ui/experiments/" + UrlEscape(key).
std::string ExperimentPath(absl::string_view key);

// ---- The list of experiments ------------------------------------------------

// The SRM badge of a list row.
enum class SrmState {
  kNotAvailable,   // no report, or no units yet: "n/a"
  kOk,             // the split matches the weights: "ok"
  kMismatch,       // sample ratio mismatch: "mismatch"
  kNotApplicable,  // a bandit moves the traffic (SrmNotApplicable):
                   // "n/a (bandit)"
};

// One experiment in the list page. The server fills it from the experiment
// definition (key, name, status) and its report (RowFromReport); without a
// report (a draft, an error) the report columns print "—".
struct ExperimentRow {
  std::string key;
  // Empty: the cell prints "—".
  std::string name;
  // "running", "draft", ...; empty prints "—".
  std::string status;
  // False: no report; days, units, SRM and verdict print "—" and `note`
  // says why.
  bool has_report = false;
  // Days since the first exposure (Report.days_running).
  double days_running = 0;
  // Exposed units over all variants.
  int64_t units = 0;
  SrmState srm = SrmState::kNotAvailable;
  // The primary metric's key; empty when the report has no metric.
  std::string primary_metric;
  // The primary metric's outcome over its treatments: kBetter when one is
  // significantly better, else kWorse when one is significantly worse, else
  // kInconclusive when one is not significant, else kUndefined;
  // VERDICT_UNSPECIFIED when there is no treatment to compare.
  v1::Verdict primary_verdict = v1::VERDICT_UNSPECIFIED;
  // The report's plain-language verdict (Report.verdict).
  std::string verdict;
  // Why there is no report, e.g. "draft: not started yet"; shown in the
  // verdict column. Ignored when has_report.
  std::string note;
};

// The row of `report`: key, name and status from the report (the server may
// overwrite them with the definition's), units from Report.units (else the
// SRM check's), the SRM badge (kNotApplicable for a bandit, SrmNotApplicable;
// else kMismatch on a mismatch; else kNotAvailable when the check has no
// p-value) and the primary metric's verdict (the metric marked primary, else
// the first in display order).
ExperimentRow RowFromReport(const v1::Report& report);

// A row without a report: the given texts and `note`.
ExperimentRow RowWithoutReport(absl::string_view key, absl::string_view name,
                               absl::string_view status,
                               absl::string_view note);

// Options of RenderExperimentListPage.
struct ListPageOptions {
  // Shown in a box above the table when not empty, e.g. "2 reports could
  // not be computed".
  std::string notice;
};

// The /ui page: a table of `rows` in their order, one per experiment: the
// key (a link to ExperimentPath(key)), name, status, days running, units,
// the SRM badge (ok / mismatch / n/a / n/a (bandit)), the primary metric
// with its verdict marker ("▲ better", "▼ worse", "· inconclusive",
// "? undefined") and the plain-language verdict. No rows: a sentence saying
// there are no experiments yet. A whole document starting with
// "<!DOCTYPE html>".
//
// Layout: the page is fluid up to 1200 px; keys and metric keys may break
// after "_" and "." (<wbr>) and the verdict column keeps a readable minimum
// width. Below 960 px CSS stacks each row into a card (the key, then
// "Status: running  Days running: 14.1 ...", the primary metric and the
// verdict, each cell labelled by its data-label); the markup stays the same
// table. The table sits in a keyboard-focusable region (tabindex 0,
// role="region") that scrolls sideways only as a fallback, when something
// is still too wide.
std::string RenderExperimentListPage(const std::vector<ExperimentRow>& rows,
                                     const ListPageOptions& options = {});

// ---- One experiment's page --------------------------------------------------

// The report options of an experiment page: what its form shows and its
// query parameters (`method`, `alpha`, `cuped`, `by_segment`) carry.
struct ReportQuery {
  v1::Method method = v1::METHOD_FREQUENTIST;
  // In (0, 1).
  double alpha = 0.05;
  bool cuped = false;
  // The persona breakdown.
  bool by_segment = true;
};

// Parses a URL query string (the part after "?", without it; "+" is a
// space, %XX are decoded) such as "method=bayesian&alpha=0.1&cuped=on".
// `method`: frequentist, sequential or bayesian (empty: frequentist);
// `alpha`: a number in (0, 1) (empty: 0.05); `cuped`, `by_segment`: on, 1
// or true / off, 0, false or empty. Other parameters are ignored. A query
// with none of the four is the default ReportQuery (by_segment on);
// otherwise an absent checkbox is off, as an HTML form sends it.
// InvalidArgument, with a message naming the parameter, for any other
// value or a malformed %-escape.
absl::StatusOr<ReportQuery> ParseReportQuery(absl::string_view query);

// The request of the page's report: `experiment_key` with `query`'s
// method, alpha, CUPED and persona breakdown.
v1::GetReportRequest ReportRequestFor(absl::string_view experiment_key,
                                      const ReportQuery& query);

// The request of the page's lift over time: `report`'s primary metric (the
// one marked primary, else the first), with `query`'s method, alpha and
// CUPED.
v1::GetTimeSeriesRequest TimeSeriesRequestFor(const v1::Report& report,
                                              const ReportQuery& query);

// Options of RenderExperimentPage.
struct ExperimentPageOptions {
  // The options the report was computed with; the form shows them.
  ReportQuery query;
  // Shown in place of the lift-over-time plot when the series has no
  // points, e.g. why it could not be fetched (HtmlReportOptions).
  std::string time_series_note;
  // Shown in a box above the report when not empty.
  std::string notice;
};

// The /ui/experiments/{key} page: a skip link, navigation back to the list
// ("All experiments"), the report's header (RenderReportHeader), a GET form
// to ExperimentPath(key) changing the report options (method select, alpha
// number, CUPED and persona breakdown checkboxes, a submit button), then the
// report's plots and table (RenderReportSections): the same sections as
// RenderReportHtml. A whole document starting with "<!DOCTYPE html>".
std::string RenderExperimentPage(const v1::Report& report,
                                 const v1::GetTimeSeriesResponse& series,
                                 const ExperimentPageOptions& options = {});

// ---- Errors -----------------------------------------------------------------

// A page for an error answer on /ui: the heading "404 Not Found" (the status
// and its reason phrase; "Error" for an unknown status), `message` escaped,
// and a link back to the list. A whole document starting with
// "<!DOCTYPE html>".
std::string RenderErrorPage(int http_status, absl::string_view message);

}  // namespace cxlab::render

#endif  // CXLAB_API_RENDER_WEB_UI_H_
