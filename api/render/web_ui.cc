// Copyright 2026 The cxlab Authors.

#include "api/render/web_ui.h"

#include <cmath>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "api/render/report_format.h"

namespace cxlab::render {
namespace {

// The web pages' style, after the report's (ReportStyleSheet): links, the
// skip link, navigation, the options form, the list table (a table on wide
// screens; below 960 px one stacked card per row, each cell prefixed by its
// data-label, so nothing needs a sideways scroll at 390 px) and visible
// focus on everything focusable.
constexpr char kWebStyle[] = R"css(
a{color:#0969da}a:hover{text-decoration-thickness:2px}
a:focus,button:focus,input:focus,select:focus,summary:focus{
outline:3px solid #0969da;outline-offset:2px}
a:focus:not(:focus-visible),button:focus:not(:focus-visible){outline:none}
a:focus-visible,button:focus-visible,input:focus-visible,
select:focus-visible{outline:3px solid #0969da;outline-offset:2px}
main:focus{outline:none}
.skip{position:absolute;left:-10000px;top:auto;width:1px;height:1px;
overflow:hidden}
.skip:focus{position:static;width:auto;height:auto;display:inline-block;
margin:0 0 8px;padding:6px 12px;background:#fff;border:2px solid #0969da;
border-radius:6px}
nav.site{margin:0 0 16px;font-size:13px;color:#57606a}
nav.site a{font-weight:600}
.notice{background:#fff8c5;border-left:4px solid #bf8700;padding:8px 14px;
margin:0 0 14px}
form.options{display:flex;flex-wrap:wrap;gap:10px 20px;align-items:flex-end;
background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;
padding:10px 14px;margin:6px 0}
form.options .field{display:flex;flex-direction:column;gap:2px}
form.options label{font-size:12.5px;color:#57606a}
form.options .check{display:flex;align-items:center;gap:6px}
form.options .check label{color:#1f2328;font-size:14px}
select,input,button{font:inherit}
input[type=number]{width:7em}
input[type=checkbox]{width:18px;height:18px;margin:0}
button{padding:5px 16px;border:1px solid #1a7f37;border-radius:6px;
background:#1f883d;color:#fff;font-weight:600;cursor:pointer}
button:hover{background:#1a7f37}
table.list{border-collapse:collapse;width:100%;font-size:13px}
table.list caption{text-align:left;color:#57606a;padding:0 0 6px}
table.list th,table.list td{border-bottom:1px solid #eaeef2;padding:6px;
text-align:left;vertical-align:top}
table.list thead th{border-bottom:2px solid #d0d7de;vertical-align:bottom}
table.list .num{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}
table.list .marker{font-weight:600;white-space:nowrap}
table.list .metric{color:#57606a}
table.list th[scope=row],table.list .metric{overflow-wrap:break-word}
table.list td.sentence{min-width:20em}
@media (max-width:1100px){table.list td.sentence{min-width:15em}}
@media (max-width:960px){
table.list,table.list tbody,table.list tr,table.list th[scope=row],
table.list td{display:block}
table.list caption{display:block}
table.list thead{position:absolute;left:-10000px;top:auto;width:1px;
height:1px;overflow:hidden}
table.list tr{border-bottom:1px solid #d0d7de;padding:10px 0}
table.list th[scope=row],table.list td{border:0;padding:2px 0;
text-align:left}
table.list th[scope=row]{font-size:15px}
table.list td.fact{display:inline-block;margin-right:18px}
table.list td.sentence{min-width:0;margin-top:2px}
table.list td[data-label]::before{content:attr(data-label) ": ";
color:#57606a;font-weight:400}
}
)css";

// The first element of every page: focusing it and pressing Enter skips the
// navigation.
constexpr char kSkipLink[] =
    "<a class=\"skip\" href=\"#main\">Skip to main content</a>\n";

constexpr char kFooter[] =
    "<footer>cxlabd web UI. Self-contained pages: no scripts, nothing "
    "loaded from the network.</footer>\n";

std::string Dash(absl::string_view text) {
  return text.empty() ? std::string(kUndefined) : std::string(text);
}

// The site navigation; `current` (escaped here) is the page's own crumb
// after the list link, empty on the list page itself.
std::string Nav(absl::string_view current) {
  std::string html = "<nav class=\"site\" aria-label=\"Site\"><a href=\"";
  absl::StrAppend(&html, kUiRoot, "\"",
                  current.empty() ? " aria-current=\"page\"" : "",
                  ">All experiments</a>");
  if (!current.empty()) {
    absl::StrAppend(&html, " <span aria-hidden=\"true\">\u203a</span> ",
                    "<span aria-current=\"page\">", HtmlEscape(current),
                    "</span>");
  }
  html += "</nav>\n";
  return html;
}

std::string Notice(absl::string_view text) {
  if (text.empty()) return "";
  return absl::StrCat("<p class=\"notice\" role=\"status\">", HtmlEscape(text),
                      "</p>\n");
}

// The primary metric of `metrics`: the one marked primary, else the first
// in display order; nullptr when there is none.
const v1::MetricResult* PrimaryMetric(
    const google::protobuf::RepeatedPtrField<v1::MetricResult>& metrics) {
  for (const v1::MetricResult& m : metrics) {
    if (m.primary()) return &m;
  }
  const std::vector<const v1::MetricResult*> ordered = OrderedMetrics(metrics);
  return ordered.empty() ? nullptr : ordered.front();
}

// The outcome over a metric's treatments (see ExperimentRow).
v1::Verdict SummaryVerdict(const v1::MetricResult& metric) {
  bool better = false, worse = false, inconclusive = false, any = false;
  for (int i = 1; i < metric.variants_size(); ++i) {
    any = true;
    switch (metric.variants(i).verdict()) {
      case v1::VERDICT_BETTER:
        better = true;
        break;
      case v1::VERDICT_WORSE:
        worse = true;
        break;
      case v1::VERDICT_INCONCLUSIVE:
        inconclusive = true;
        break;
      default:
        break;
    }
  }
  if (!any) return v1::VERDICT_UNSPECIFIED;
  if (better) return v1::VERDICT_BETTER;
  if (worse) return v1::VERDICT_WORSE;
  if (inconclusive) return v1::VERDICT_INCONCLUSIVE;
  return v1::VERDICT_UNDEFINED;
}

// The SRM badge: CSS class and text.
std::pair<const char*, const char*> SrmBadge(SrmState srm) {
  switch (srm) {
    case SrmState::kOk:
      return {"ok", "ok"};
    case SrmState::kMismatch:
      return {"bad", "mismatch"};
    case SrmState::kNotApplicable:
      return {"na", "n/a (bandit)"};
    default:
      return {"unknown", "n/a"};
  }
}

// `text` escaped, with a line-break opportunity (<wbr>) after every "_" and
// ".": long keys such as recommendation_block_bandit wrap at their words
// instead of widening their column. Copying the text is unaffected.
std::string BreakableKey(absl::string_view text) {
  std::string html;
  for (char c : text) {
    html += HtmlEscape(absl::string_view(&c, 1));
    if (c == '_' || c == '.') html += "<wbr>";
  }
  return html;
}

// A list cell: `label` is its column's heading, shown before the content
// when the narrow-screen layout stacks a row's cells (kWebStyle); `cls` its
// classes; `content` HTML.
std::string ListCell(absl::string_view label, absl::string_view cls,
                     absl::string_view content) {
  return absl::StrCat("<td class=\"", cls, "\" data-label=\"", label, "\">",
                      content, "</td>");
}

std::string ListRow(const ExperimentRow& row) {
  std::string html = absl::StrCat(
      "<tr><th scope=\"row\"><a href=\"", HtmlEscape(ExperimentPath(row.key)),
      "\">", BreakableKey(row.key), "</a></th>",
      ListCell("Name", "name", HtmlEscape(Dash(row.name))),
      ListCell("Status", "fact", HtmlEscape(Dash(row.status))));
  if (!row.has_report) {
    absl::StrAppend(
        &html, ListCell("Days running", "num fact", kUndefined),
        ListCell("Units", "num fact", kUndefined),
        ListCell("SRM", "fact", kUndefined),
        ListCell("Primary metric", "primary", kUndefined),
        ListCell("Verdict", "sentence",
                 row.note.empty()
                     ? std::string(kUndefined)
                     : absl::StrCat("<span class=\"note\">",
                                    HtmlEscape(row.note), "</span>")),
        "</tr>\n");
    return html;
  }
  const auto [srm_class, srm_text] = SrmBadge(row.srm);
  std::string primary;
  if (row.primary_metric.empty()) {
    primary = kUndefined;
  } else {
    const std::string verdict = VerdictName(row.primary_verdict);
    absl::StrAppend(&primary, "<span class=\"metric\">",
                    BreakableKey(row.primary_metric), "</span><br>");
    if (verdict.empty()) {
      absl::StrAppend(&primary, "<span class=\"marker undefined\">", kUndefined,
                      " no treatment</span>");
    } else {
      absl::StrAppend(&primary, "<span class=\"marker ", verdict, "\">",
                      HtmlEscape(VerdictMarker(row.primary_verdict)),
                      "</span>");
    }
  }
  absl::StrAppend(
      &html,
      ListCell("Days running", "num fact",
               absl::StrFormat("%.1f", row.days_running)),
      ListCell("Units", "num fact", FormatCount(row.units)),
      ListCell("SRM", "fact",
               absl::StrCat("<span class=\"badge ", srm_class, "\">", srm_text,
                            "</span>")),
      ListCell("Primary metric", "primary", primary),
      ListCell("Verdict", "sentence", HtmlEscape(Dash(row.verdict))),
      "</tr>\n");
  return html;
}

// The options form of an experiment page.
std::string OptionsForm(absl::string_view key, const ReportQuery& query) {
  std::string html = absl::StrCat(
      "<section aria-labelledby=\"options-heading\"><h2 "
      "id=\"options-heading\">Report options</h2>"
      "<form class=\"options\" method=\"get\" action=\"",
      HtmlEscape(ExperimentPath(key)),
      "\"><div class=\"field\"><label for=\"method\">Method</label>"
      "<select id=\"method\" name=\"method\">");
  const std::pair<v1::Method, const char*> methods[] = {
      {v1::METHOD_FREQUENTIST, "frequentist (t-test)"},
      {v1::METHOD_SEQUENTIAL, "sequential (safe to peek)"},
      {v1::METHOD_BAYESIAN, "bayesian"}};
  const v1::Method chosen = query.method == v1::METHOD_UNSPECIFIED
                                ? v1::METHOD_FREQUENTIST
                                : query.method;
  for (const auto& [method, label] : methods) {
    absl::StrAppend(&html, "<option value=\"", MethodName(method), "\"",
                    method == chosen ? " selected" : "", ">", label,
                    "</option>");
  }
  const double alpha = query.alpha > 0 && query.alpha < 1 ? query.alpha : 0.05;
  absl::StrAppend(
      &html,
      "</select></div><div class=\"field\"><label for=\"alpha\">Alpha "
      "(significance level)</label><input id=\"alpha\" name=\"alpha\" "
      "type=\"number\" min=\"0.0001\" max=\"0.5\" step=\"any\" "
      "inputmode=\"decimal\" required value=\"",
      absl::StrFormat("%g", alpha),
      "\"></div><div class=\"check\"><input id=\"cuped\" name=\"cuped\" "
      "type=\"checkbox\" value=\"on\"",
      query.cuped ? " checked" : "",
      "><label for=\"cuped\">CUPED (adjust on pre-exposure data)</label>"
      "</div><div class=\"check\"><input id=\"by_segment\" "
      "name=\"by_segment\" type=\"checkbox\" value=\"on\"",
      query.by_segment ? " checked" : "",
      "><label for=\"by_segment\">By persona segment</label></div>"
      "<button type=\"submit\">Update report</button></form></section>\n");
  return html;
}

// Decodes one query component: "+" is a space, %XX a byte; nullopt for a
// malformed escape.
std::optional<std::string> QueryDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const char hi = text[i + 1], lo = text[i + 2];
      if (!absl::ascii_isxdigit(hi) || !absl::ascii_isxdigit(lo)) {
        return std::nullopt;
      }
      auto nibble = [](char h) {
        return absl::ascii_isdigit(h) ? h - '0'
                                      : absl::ascii_tolower(h) - 'a' + 10;
      };
      out += static_cast<char>(nibble(hi) * 16 + nibble(lo));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// A checkbox value; nullopt for anything else.
std::optional<bool> ParseCheckbox(absl::string_view value) {
  const std::string v = absl::AsciiStrToLower(value);
  if (v == "on" || v == "1" || v == "true") return true;
  if (v.empty() || v == "off" || v == "0" || v == "false") return false;
  return std::nullopt;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

}  // namespace

std::string UrlEscape(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0x0F];
    }
  }
  return out;
}

std::string ExperimentPath(absl::string_view key) {
  return absl::StrCat(kUiRoot, "/experiments/", UrlEscape(key));
}

ExperimentRow RowFromReport(const v1::Report& report) {
  ExperimentRow row;
  row.key = report.experiment_key();
  row.name = report.name();
  row.status = report.status();
  row.has_report = true;
  row.days_running =
      std::isfinite(report.days_running()) ? report.days_running() : 0;
  const auto& units =
      report.units().empty() ? report.srm().units() : report.units();
  for (int64_t n : units) row.units += n;
  row.srm = SrmNotApplicable(report.srm()) ? SrmState::kNotApplicable
            : SrmMismatch(report.srm())    ? SrmState::kMismatch
            : report.srm().has_p_value()   ? SrmState::kOk
                                           : SrmState::kNotAvailable;
  if (const v1::MetricResult* primary = PrimaryMetric(report.metrics())) {
    row.primary_metric = primary->metric_key();
    row.primary_verdict = SummaryVerdict(*primary);
  }
  row.verdict = report.verdict();
  return row;
}

ExperimentRow RowWithoutReport(absl::string_view key, absl::string_view name,
                               absl::string_view status,
                               absl::string_view note) {
  ExperimentRow row;
  row.key = std::string(key);
  row.name = std::string(name);
  row.status = std::string(status);
  row.note = std::string(note);
  return row;
}

std::string RenderExperimentListPage(const std::vector<ExperimentRow>& rows,
                                     const ListPageOptions& options) {
  std::string body = absl::StrCat(
      kSkipLink, Nav(""),
      "<main id=\"main\" tabindex=\"-1\"><header><h1>Experiments</h1></header>"
      "\n",
      Notice(options.notice));
  if (rows.empty()) {
    body +=
        "<p class=\"note\">No experiments yet: define them in YAML and apply "
        "them with <code>cxlab apply -f DIR</code>.</p>\n";
  } else {
    absl::StrAppend(
        &body,
        "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" "
        "aria-label=\"Experiments table\"><table class=\"list\"><caption>",
        FormatCount(static_cast<int64_t>(rows.size())),
        rows.size() == 1 ? " experiment" : " experiments",
        ". Open one for its full report. SRM: whether the units split as "
        "the weights say (n/a for a bandit, which moves traffic on purpose). "
        "Primary metric: its outcome over the treatments "
        "(\u25b2 better and \u25bc worse are significant results).</caption>"
        "<thead><tr><th scope=\"col\">Experiment</th>"
        "<th scope=\"col\">Name</th><th scope=\"col\">Status</th>"
        "<th scope=\"col\" class=\"num\">Days running</th>"
        "<th scope=\"col\" class=\"num\">Units</th>"
        "<th scope=\"col\">SRM</th><th scope=\"col\">Primary metric</th>"
        "<th scope=\"col\">Verdict</th></tr></thead><tbody>\n");
    for (const ExperimentRow& row : rows) body += ListRow(row);
    body += "</tbody></table></div>\n";
  }
  body += "</main>\n";
  body += kFooter;
  // The report pages may widen to 1400 px for their metrics table; a list
  // wider than 1200 px only stretches its verdict sentences.
  return HtmlPage("Experiments \u2014 cxlab",
                  absl::StrCat(kWebStyle, "body{max-width:1200px}\n"), body);
}

absl::StatusOr<ReportQuery> ParseReportQuery(absl::string_view query) {
  ReportQuery result;
  bool any = false;
  std::optional<std::string> method, alpha, cuped, by_segment;
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::optional<std::string> name = QueryDecode(pair.substr(0, eq));
    std::optional<std::string> value =
        QueryDecode(eq == absl::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name.has_value() || !value.has_value()) {
      return absl::InvalidArgumentError(
          "the query string has a malformed %-escape");
    }
    std::optional<std::string>* slot = *name == "method"       ? &method
                                       : *name == "alpha"      ? &alpha
                                       : *name == "cuped"      ? &cuped
                                       : *name == "by_segment" ? &by_segment
                                                               : nullptr;
    if (slot == nullptr) continue;
    any = true;
    *slot = std::move(*value);
  }
  if (!any) return result;

  if (method.has_value() && !method->empty()) {
    if (*method == "frequentist") {
      result.method = v1::METHOD_FREQUENTIST;
    } else if (*method == "sequential") {
      result.method = v1::METHOD_SEQUENTIAL;
    } else if (*method == "bayesian") {
      result.method = v1::METHOD_BAYESIAN;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "method must be frequentist, sequential or bayesian, got '", *method,
          "'"));
    }
  }
  if (alpha.has_value() && !alpha->empty()) {
    double a = 0;
    if (!absl::SimpleAtod(*alpha, &a) || !std::isfinite(a) || a <= 0 ||
        a >= 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "alpha must be a number in (0, 1), e.g. 0.05, got '", *alpha, "'"));
    }
    result.alpha = a;
  }
  for (auto [name, value, out] :
       {std::make_tuple("cuped", &cuped, &result.cuped),
        std::make_tuple("by_segment", &by_segment, &result.by_segment)}) {
    if (!value->has_value()) {
      *out = false;  // an unchecked box is not sent
      continue;
    }
    const std::optional<bool> on = ParseCheckbox(**value);
    if (!on.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " must be on or off, got '", **value, "'"));
    }
    *out = *on;
  }
  return result;
}

v1::GetReportRequest ReportRequestFor(absl::string_view experiment_key,
                                      const ReportQuery& query) {
  v1::GetReportRequest request;
  request.set_experiment_key(std::string(experiment_key));
  request.set_method(query.method);
  request.set_alpha(query.alpha);
  request.set_cuped(query.cuped);
  request.set_by_segment(query.by_segment);
  return request;
}

v1::GetTimeSeriesRequest TimeSeriesRequestFor(const v1::Report& report,
                                              const ReportQuery& query) {
  v1::GetTimeSeriesRequest request;
  request.set_experiment_key(report.experiment_key());
  if (const v1::MetricResult* primary = PrimaryMetric(report.metrics())) {
    request.set_metric_key(primary->metric_key());
  }
  request.set_method(query.method);
  request.set_alpha(query.alpha);
  request.set_cuped(query.cuped);
  return request;
}

std::string RenderExperimentPage(const v1::Report& report,
                                 const v1::GetTimeSeriesResponse& series,
                                 const ExperimentPageOptions& options) {
  HtmlReportOptions report_options;
  report_options.time_series_note = options.time_series_note;
  const std::string body =
      absl::StrCat(kSkipLink, Nav(Dash(report.experiment_key())),
                   "<main id=\"main\" tabindex=\"-1\">\n",
                   Notice(options.notice), RenderReportHeader(report),
                   OptionsForm(report.experiment_key(), options.query),
                   RenderReportSections(report, series, report_options),
                   "</main>\n", kFooter);
  return HtmlPage(
      absl::StrCat("Report: ", ReportTitle(report), " \u2014 cxlab"), kWebStyle,
      body);
}

std::string RenderErrorPage(int http_status, absl::string_view message) {
  const std::string heading =
      absl::StrCat(http_status, " ", ReasonPhrase(http_status));
  const std::string body = absl::StrCat(
      kSkipLink, Nav(heading), "<main id=\"main\" tabindex=\"-1\"><h1>",
      HtmlEscape(heading), "</h1><p>",
      HtmlEscape(message.empty() ? absl::string_view("Something went wrong.")
                                 : message),
      "</p><p><a href=\"", kUiRoot,
      "\">Back to all experiments</a></p></main>\n", kFooter);
  return HtmlPage(absl::StrCat(heading, " \u2014 cxlab"), kWebStyle, body);
}

}  // namespace cxlab::render
