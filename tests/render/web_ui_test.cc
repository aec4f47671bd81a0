// Copyright 2026 The cxlab Authors.
//
// cxlabd's /ui pages (web_ui.h): the list links every experiment with its
// badges and verdict, the experiment page has the report's plots, the
// navigation and the options form, every page is self-contained (no
// absolute URL, no script) and keyboard-usable (skip link, focus styles,
// scoped table headers, labelled plots), hostile keys and names are escaped,
// and the query parameters parse back into report options.

#include "api/render/web_ui.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/render/report_html.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/render/report_test_util.h"

namespace cxlab::render {
namespace {

using ::testing::AllOf;
using testing::CountOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SampleReport;
using testing::SampleSeries;
using ::testing::StartsWith;

// Checks every /ui page must pass: a whole document with balanced tags,
// nothing fetched or run, links only to /ui paths or the page's #main, a
// skip link first and visible focus styles.
void ExpectWellFormedPage(const std::string& html) {
  EXPECT_THAT(html, StartsWith("<!DOCTYPE html>\n<html lang=\"en\"><head>"
                               "<meta charset=\"utf-8\">"));
  EXPECT_TRUE(absl::EndsWith(html, "</body></html>\n"));
  for (const char* tag :
       {"svg",    "section", "table", "header", "p",      "div",    "ul",
        "li",     "text",    "title", "dl",     "tr",     "td",     "th",
        "a",      "nav",     "main",  "form",   "select", "option", "label",
        "button", "footer",  "span",  "caption"}) {
    EXPECT_EQ(CountOf(html, absl::StrCat("<", tag, ">")) +
                  CountOf(html, absl::StrCat("<", tag, " ")),
              CountOf(html, absl::StrCat("</", tag, ">")))
        << tag;
  }
  const std::string lower = absl::AsciiStrToLower(html);
  for (const char* forbidden :
       {"http:", "https:", "//", "src=\"", "<script", "<link", "@import",
        "url(", "<iframe", "<img", "<object", "<embed"}) {
    EXPECT_THAT(lower, Not(HasSubstr(forbidden))) << forbidden;
  }
  // Every link is to a /ui path or the page's own main content.
  for (size_t at = html.find("href=\""); at != std::string::npos;
       at = html.find("href=\"", at + 1)) {
    const std::string target = html.substr(at + 6, 5);
    EXPECT_TRUE(absl::StartsWith(target, "/ui") ||
                absl::StartsWith(target, "#main"))
        << html.substr(at, 60);
  }
  // Keyboard: the skip link comes first in the body, targets <main>, and
  // focus is visible.
  const size_t body = html.find("<body>");
  ASSERT_NE(body, std::string::npos);
  EXPECT_EQ(html.find("<a ", body),
            html.find("<a class=\"skip\" href=\"#main\">", body));
  EXPECT_THAT(html, HasSubstr("<main id=\"main\" tabindex=\"-1\">"));
  EXPECT_THAT(html, HasSubstr(":focus"));
  EXPECT_THAT(html, HasSubstr("outline:3px solid"));
  EXPECT_EQ(CountOf(html, "<h1>"), 1);
  // Tables have scoped headers only; plots are images with a name.
  EXPECT_EQ(CountOf(html, "<th>"), 0);
  EXPECT_EQ(CountOf(html, "<svg "), CountOf(html, "role=\"img\""));
  for (const char* bad : {"nan", "inf\"", "-inf", "\"inf"}) {
    EXPECT_THAT(lower, Not(HasSubstr(bad))) << bad;
  }
}

std::vector<ExperimentRow> SampleRows() {
  std::vector<ExperimentRow> rows;
  rows.push_back(RowFromReport(SampleReport()));
  v1::Report aa = SampleReport();
  aa.set_experiment_key("aa_check");
  aa.set_name("A/A check");
  aa.mutable_srm()->set_mismatch(true);
  aa.mutable_srm()->set_p_value(1e-7);
  for (v1::VariantResult& v : *aa.mutable_metrics(1)->mutable_variants()) {
    if (v.verdict() != v1::VERDICT_UNSPECIFIED) {
      v.set_verdict(v1::VERDICT_INCONCLUSIVE);
    }
  }
  aa.set_verdict("no significant difference on conversion yet");
  rows.push_back(RowFromReport(aa));
  rows.push_back(RowWithoutReport("homepage_recommendations",
                                  "Homepage recommendations", "draft",
                                  "no report: the experiment is a draft"));
  return rows;
}

TEST(WebUiRow, FromReport) {
  const ExperimentRow row = RowFromReport(SampleReport());
  EXPECT_EQ(row.key, "checkout_redesign");
  EXPECT_EQ(row.name, "Checkout redesign (one page, live chat)");
  EXPECT_EQ(row.status, "running");
  EXPECT_TRUE(row.has_report);
  EXPECT_DOUBLE_EQ(row.days_running, 13.6);
  EXPECT_EQ(row.units, 6812 + 6601 + 6587);
  EXPECT_EQ(row.srm, SrmState::kOk);
  EXPECT_EQ(row.primary_metric, "conversion");
  EXPECT_EQ(row.primary_verdict, v1::VERDICT_BETTER);
  EXPECT_THAT(row.verdict, StartsWith("one_page_chat raises conversion"));

  const ExperimentRow empty = RowFromReport(v1::Report());
  EXPECT_TRUE(empty.has_report);
  EXPECT_EQ(empty.units, 0);
  EXPECT_EQ(empty.srm, SrmState::kNotAvailable);
  EXPECT_EQ(empty.primary_metric, "");
  EXPECT_EQ(empty.primary_verdict, v1::VERDICT_UNSPECIFIED);

  const ExperimentRow draft = RowWithoutReport("k", "n", "draft", "why");
  EXPECT_FALSE(draft.has_report);
  EXPECT_EQ(draft.note, "why");
}

TEST(WebUiList, LinksBadgesAndVerdicts) {
  const std::string html = RenderExperimentListPage(SampleRows());
  ExpectWellFormedPage(html);
  EXPECT_THAT(html, HasSubstr("<title>Experiments \u2014 cxlab</title>"));
  EXPECT_THAT(html, HasSubstr("<h1>Experiments</h1>"));
  EXPECT_THAT(html, HasSubstr("<nav class=\"site\" aria-label=\"Site\"><a "
                              "href=\"/ui\" aria-current=\"page\">All "
                              "experiments</a></nav>"));
  // One row per experiment, keyed by a link in a row header.
  EXPECT_EQ(CountOf(html, "<th scope=\"row\">"), 3);
  EXPECT_THAT(
      html,
      AllOf(HasSubstr("<th scope=\"row\"><a href=\"/ui/experiments/"
                      "checkout_redesign\">checkout_<wbr>redesign</a></th>"),
            HasSubstr("<a href=\"/ui/experiments/aa_check\">aa_<wbr>check"
                      "</a>"),
            HasSubstr("<a href=\"/ui/experiments/homepage_recommendations\">"
                      "homepage_<wbr>recommendations</a>")));
  EXPECT_EQ(CountOf(html, "<th scope=\"col\""), 8);
  // Name, status, days, units, each cell labelled for the stacked layout.
  EXPECT_THAT(html, HasSubstr("<td class=\"name\" data-label=\"Name\">"
                              "Checkout redesign (one page, live chat)</td>"
                              "<td class=\"fact\" data-label=\"Status\">"
                              "running</td><td class=\"num fact\" "
                              "data-label=\"Days running\">13.6</td><td "
                              "class=\"num fact\" data-label=\"Units\">"
                              "20,000</td>"));
  // The SRM badges: ok, mismatch, n/a.
  EXPECT_THAT(html, AllOf(HasSubstr("<span class=\"badge ok\">ok</span>"),
                          HasSubstr("<span class=\"badge bad\">mismatch"
                                    "</span>")));
  // The primary metric's marker and the plain-language verdict.
  EXPECT_THAT(html,
              AllOf(HasSubstr("<span class=\"metric\">conversion</span><br>"
                              "<span class=\"marker better\">\u25b2 better"
                              "</span></td><td class=\"sentence\" "
                              "data-label=\"Verdict\">one_page_chat raises "
                              "conversion by +6.1% [+2.3%, +9.9%]"),
                    HasSubstr("<span class=\"marker inconclusive\">\u00b7 "
                              "inconclusive</span></td><td class=\"sentence\" "
                              "data-label=\"Verdict\">no significant "
                              "difference on conversion yet</td>")));
  // Without a report: dashes and the reason.
  EXPECT_THAT(
      html,
      HasSubstr("<td class=\"name\" data-label=\"Name\">Homepage "
                "recommendations</td><td class=\"fact\" "
                "data-label=\"Status\">draft</td><td class=\"num fact\" "
                "data-label=\"Days running\">\u2014</td><td class=\"num "
                "fact\" data-label=\"Units\">\u2014</td><td class=\"fact\" "
                "data-label=\"SRM\">\u2014</td><td class=\"primary\" "
                "data-label=\"Primary metric\">\u2014</td><td "
                "class=\"sentence\" data-label=\"Verdict\"><span "
                "class=\"note\">no report: the experiment is a draft</span>"
                "</td></tr>"));
}

TEST(WebUiList, FitsNarrowAndWideScreens) {
  std::vector<ExperimentRow> rows = SampleRows();
  ExperimentRow bandit = RowFromReport(SampleReport());
  bandit.key = "recommendation_block_bandit";
  bandit.primary_metric = "average_order_value";
  rows.push_back(bandit);
  const std::string html = RenderExperimentListPage(rows);
  ExpectWellFormedPage(html);
  // Long keys break after their underscores; the link's name is unchanged.
  EXPECT_THAT(html,
              AllOf(HasSubstr("\">recommendation_<wbr>block_<wbr>bandit</a>"),
                    HasSubstr("<span class=\"metric\">average_<wbr>order_<wbr>"
                              "value</span>")));
  // Fluid up to 1200 px, a readable verdict column, one card per row on a
  // narrow screen, and a focusable region that scrolls sideways only as a
  // fallback.
  EXPECT_THAT(html,
              AllOf(HasSubstr("max-width:1200px"),
                    HasSubstr("table.list td.sentence{min-width:20em}"),
                    HasSubstr("@media (max-width:960px)"),
                    HasSubstr("table.list td[data-label]::before{content:attr("
                              "data-label)"),
                    HasSubstr("<div class=\"table-scroll\" tabindex=\"0\" "
                              "role=\"region\" aria-label=\"Experiments "
                              "table\"><table class=\"list\">")));
  EXPECT_EQ(CountOf(html, "<td class=\"sentence\" data-label=\"Verdict\">"), 4);
  // The report's .verdict box style must not reach the list's cells.
  EXPECT_EQ(CountOf(html, "class=\"verdict\""), 0);
}

TEST(WebUiList, BanditSrmBadgeIsNotApplicable) {
  v1::Report report = SampleReport();
  report.mutable_srm()->clear_p_value();
  v1::Warning* w = report.mutable_srm()->add_warnings();
  w->set_code("bandit_weights_changed");
  w->set_message("not applicable");
  ExperimentRow row = RowFromReport(report);
  EXPECT_EQ(row.srm, SrmState::kNotApplicable);
  // An older server's p-value and mismatch flag do not count either.
  report.mutable_srm()->set_p_value(1e-80);
  report.mutable_srm()->set_mismatch(true);
  EXPECT_EQ(RowFromReport(report).srm, SrmState::kNotApplicable);
  const std::string html = RenderExperimentListPage({row});
  ExpectWellFormedPage(html);
  EXPECT_THAT(html, HasSubstr("<span class=\"badge na\">n/a (bandit)</span>"));
  EXPECT_THAT(html, Not(HasSubstr("badge ok")));
}

TEST(WebUiList, WorseAndUndefinedMarkers) {
  v1::Report report = SampleReport();
  for (v1::VariantResult& v : *report.mutable_metrics(1)->mutable_variants()) {
    if (v.verdict() != v1::VERDICT_UNSPECIFIED) {
      v.set_verdict(v1::VERDICT_WORSE);
    }
  }
  ExperimentRow worse = RowFromReport(report);
  EXPECT_EQ(worse.primary_verdict, v1::VERDICT_WORSE);
  for (v1::VariantResult& v : *report.mutable_metrics(1)->mutable_variants()) {
    if (v.verdict() != v1::VERDICT_UNSPECIFIED) {
      v.set_verdict(v1::VERDICT_UNDEFINED);
    }
  }
  ExperimentRow undefined = RowFromReport(report);
  EXPECT_EQ(undefined.primary_verdict, v1::VERDICT_UNDEFINED);
  const std::string html = RenderExperimentListPage({worse, undefined});
  ExpectWellFormedPage(html);
  EXPECT_THAT(html,
              AllOf(HasSubstr("<span class=\"marker worse\">\u25bc worse"),
                    HasSubstr("<span class=\"marker undefined\">? undefined")));
}

TEST(WebUiList, EmptyListAndNotice) {
  ListPageOptions options;
  options.notice = "1 report could not be computed <now>";
  const std::string html = RenderExperimentListPage({}, options);
  ExpectWellFormedPage(html);
  EXPECT_THAT(html, HasSubstr("No experiments yet"));
  EXPECT_THAT(html, Not(HasSubstr("<table")));
  EXPECT_THAT(html, HasSubstr("<p class=\"notice\" role=\"status\">1 report "
                              "could not be computed &lt;now&gt;</p>"));
}

TEST(WebUiList, EscapesHostileKeysAndNames) {
  ExperimentRow row = RowFromReport(SampleReport());
  row.key = "a\"><script>alert(1)</script>/../x?y=1&z#f";
  row.name = "<img src=x onerror=alert(1)>";
  row.status = "<b>running</b>";
  row.primary_metric = "conv<script>";
  row.verdict = "</td><script>bad()</script>";
  ExperimentRow draft =
      RowWithoutReport("javascript:alert(1)", "n", "draft", "<i>note</i>");
  const std::string html = RenderExperimentListPage({row, draft});
  ExpectWellFormedPage(html);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<b>running")));
  EXPECT_THAT(html, Not(HasSubstr("<i>note")));
  // The link percent-encodes the key; the text escapes it.
  EXPECT_THAT(html, HasSubstr("href=\"/ui/experiments/a%22%3E%3Cscript%3E"
                              "alert%281%29%3C%2Fscript%3E%2F..%2Fx%3Fy%3D1"
                              "%26z%23f\">a&quot;&gt;&lt;script&gt;"));
  EXPECT_THAT(html, HasSubstr("href=\"/ui/experiments/javascript%3Aalert%281"
                              "%29\">javascript:alert(1)</a>"));
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(html, HasSubstr("&lt;/td&gt;&lt;script&gt;bad()"));
}

TEST(WebUiExperiment, SameSectionsAsTheHtmlReportPlusNavAndForm) {
  const std::string html = RenderExperimentPage(SampleReport(), SampleSeries());
  ExpectWellFormedPage(html);
  // The four plots of RenderReportHtml, each one <svg>.
  EXPECT_EQ(CountOf(html, "<svg "), 4);
  EXPECT_THAT(html,
              AllOf(HasSubstr("aria-label=\"Relative lift of every metric"),
                    HasSubstr("aria-label=\"Cumulative relative lift of "
                              "conversion per day\""),
                    HasSubstr("aria-label=\"Units per variant"),
                    HasSubstr("aria-label=\"Relative lift of conversion per "
                              "persona segment\"")));
  // Each plot opens with its accessible name and a <title>.
  for (size_t at = html.find("<svg "); at != std::string::npos;
       at = html.find("<svg ", at + 1)) {
    const std::string open = html.substr(at, html.find('>', at) - at);
    EXPECT_THAT(open, HasSubstr("role=\"img\" aria-label=\"")) << open;
    EXPECT_EQ(html.compare(html.find('>', at) + 1, 7, "<title>"), 0) << open;
  }
  // The header, sections and metrics table are the report's.
  const std::string report = RenderReportHtml(SampleReport(), SampleSeries());
  const std::string header = RenderReportHeader(SampleReport());
  const std::string sections =
      RenderReportSections(SampleReport(), SampleSeries());
  EXPECT_THAT(report, HasSubstr(header));
  EXPECT_THAT(report, HasSubstr(sections));
  EXPECT_THAT(html, HasSubstr(header));
  EXPECT_THAT(html, HasSubstr(sections));
  EXPECT_THAT(html, HasSubstr("<table class=\"metrics\"><thead><tr><th "
                              "scope=\"col\">metric</th>"));
  // Title and navigation back to the list.
  EXPECT_THAT(html, HasSubstr("<title>Report: Checkout redesign (one page, "
                              "live chat) \u2014 cxlab</title>"));
  EXPECT_THAT(
      html, HasSubstr("<nav class=\"site\" aria-label=\"Site\"><a "
                      "href=\"/ui\">All experiments</a> <span "
                      "aria-hidden=\"true\">\u203a</span> <span "
                      "aria-current=\"page\">checkout_redesign</span></nav>"));
  // The form: GET to this page, the four fields with labels, a button.
  EXPECT_THAT(
      html,
      AllOf(HasSubstr("<h2 id=\"options-heading\">Report options</h2>"),
            HasSubstr("<form class=\"options\" method=\"get\" "
                      "action=\"/ui/experiments/checkout_redesign\">"),
            HasSubstr("<label for=\"method\">Method</label><select "
                      "id=\"method\" name=\"method\">"),
            HasSubstr("<option value=\"frequentist\" selected>"),
            HasSubstr("<option value=\"sequential\">"),
            HasSubstr("<option value=\"bayesian\">"),
            HasSubstr("<label for=\"alpha\">"),
            HasSubstr("<input id=\"alpha\" name=\"alpha\" type=\"number\""),
            HasSubstr("value=\"0.05\">"),
            HasSubstr("<input id=\"cuped\" name=\"cuped\" type=\"checkbox\" "
                      "value=\"on\">"),
            HasSubstr("<label for=\"cuped\">"),
            HasSubstr("<input id=\"by_segment\" name=\"by_segment\" "
                      "type=\"checkbox\" value=\"on\" checked>"),
            HasSubstr("<label for=\"by_segment\">"),
            HasSubstr("<button type=\"submit\">Update report</button>")));
  // The form comes after the header, before the plots.
  EXPECT_LT(html.find("</header>"), html.find("<form"));
  EXPECT_LT(html.find("</form>"), html.find("<svg "));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
}

TEST(WebUiExperiment, FormShowsTheQuery) {
  ExperimentPageOptions options;
  options.query.method = v1::METHOD_BAYESIAN;
  options.query.alpha = 0.1;
  options.query.cuped = true;
  options.query.by_segment = false;
  options.notice = "alpha <ignored>";
  options.time_series_note = "series failed: <x>";
  v1::Report report = SampleReport();
  report.clear_by_segment();
  const std::string html =
      RenderExperimentPage(report, v1::GetTimeSeriesResponse(), options);
  ExpectWellFormedPage(html);
  EXPECT_EQ(CountOf(html, "<svg "), 2);
  EXPECT_THAT(html,
              AllOf(HasSubstr("<option value=\"bayesian\" selected>"),
                    HasSubstr("<option value=\"frequentist\">"),
                    HasSubstr("value=\"0.1\">"),
                    HasSubstr("name=\"cuped\" type=\"checkbox\" value=\"on\" "
                              "checked>"),
                    HasSubstr("name=\"by_segment\" type=\"checkbox\" "
                              "value=\"on\">"),
                    HasSubstr("alpha &lt;ignored&gt;"),
                    HasSubstr("series failed: &lt;x&gt;")));
}

TEST(WebUiExperiment, EscapesHostileKeysAndNames) {
  v1::Report report = SampleReport();
  report.set_experiment_key("k\"><script>x()</script>?a=1#f");
  report.set_name("<script>alert('x')</script>");
  report.set_verdict("<img src=x>");
  report.set_variant_keys(2, "chat<script>");
  report.mutable_metrics(1)->mutable_variants(2)->set_variant_key(
      "chat<script>");
  const std::string html = RenderExperimentPage(report, SampleSeries());
  ExpectWellFormedPage(html);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr("action=\"/ui/experiments/k%22%3E%3Cscript%3E"
                              "x%28%29%3C%2Fscript%3E%3Fa%3D1%23f\""));
  EXPECT_THAT(html, HasSubstr("<span aria-current=\"page\">k&quot;&gt;&lt;"
                              "script&gt;"));
  EXPECT_THAT(html, HasSubstr("<title>Report: &lt;script&gt;alert(&#39;x&#39;)"
                              "&lt;/script&gt; \u2014 cxlab</title>"));
  EXPECT_THAT(html, HasSubstr("chat&lt;script&gt;"));
}

TEST(WebUiExperiment, EmptyReportStillRenders) {
  const std::string html =
      RenderExperimentPage(v1::Report(), v1::GetTimeSeriesResponse());
  ExpectWellFormedPage(html);
  EXPECT_EQ(CountOf(html, "<svg "), 0);
  EXPECT_THAT(html, HasSubstr("No metrics."));
  EXPECT_THAT(html, HasSubstr("action=\"/ui/experiments/\""));
}

TEST(WebUiError, StatusMessageAndWayBack) {
  const std::string html =
      RenderErrorPage(404, "no experiment '<script>x</script>'");
  ExpectWellFormedPage(html);
  EXPECT_THAT(html, AllOf(HasSubstr("<title>404 Not Found \u2014 cxlab"
                                    "</title>"),
                          HasSubstr("<h1>404 Not Found</h1>"),
                          HasSubstr("<p>no experiment &#39;&lt;script&gt;x"
                                    "&lt;/script&gt;&#39;</p>"),
                          HasSubstr("<a href=\"/ui\">Back to all experiments"
                                    "</a>"),
                          Not(HasSubstr("<script"))));
  EXPECT_THAT(RenderErrorPage(500, ""),
              AllOf(HasSubstr("<h1>500 Internal Server Error</h1>"),
                    HasSubstr("Something went wrong.")));
  EXPECT_THAT(RenderErrorPage(418, "x"), HasSubstr("<h1>418 Error</h1>"));
  ExpectWellFormedPage(RenderErrorPage(400, "alpha must be in (0, 1)"));
}

TEST(WebUiUrl, EscapeAndPaths) {
  EXPECT_EQ(UrlEscape("checkout_redesign-2.v~1"), "checkout_redesign-2.v~1");
  EXPECT_EQ(UrlEscape("a b/c?d#e&f=g%\"<'"),
            "a%20b%2Fc%3Fd%23e%26f%3Dg%25%22%3C%27");
  EXPECT_EQ(UrlEscape("\u00e9"), "%C3%A9");
  EXPECT_EQ(ExperimentPath("x/y"), "/ui/experiments/x%2Fy");
}

TEST(WebUiQuery, DefaultsWhenNoReportParameter) {
  for (const char* query : {"", "&", "other=1", "segment=families"}) {
    absl::StatusOr<ReportQuery> q = ParseReportQuery(query);
    ASSERT_TRUE(q.ok()) << query << ": " << q.status();
    EXPECT_EQ(q->method, v1::METHOD_FREQUENTIST);
    EXPECT_DOUBLE_EQ(q->alpha, 0.05);
    EXPECT_FALSE(q->cuped);
    EXPECT_TRUE(q->by_segment) << query;
  }
}

TEST(WebUiQuery, ParsesTheFormFields) {
  absl::StatusOr<ReportQuery> q =
      ParseReportQuery("method=bayesian&alpha=0.1&cuped=on&by_segment=on");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->method, v1::METHOD_BAYESIAN);
  EXPECT_DOUBLE_EQ(q->alpha, 0.1);
  EXPECT_TRUE(q->cuped);
  EXPECT_TRUE(q->by_segment);

  // As a form sends it with both boxes unchecked.
  q = ParseReportQuery("method=sequential&alpha=0.01");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->method, v1::METHOD_SEQUENTIAL);
  EXPECT_DOUBLE_EQ(q->alpha, 0.01);
  EXPECT_FALSE(q->cuped);
  EXPECT_FALSE(q->by_segment);

  // Escapes, empty values and unknown parameters.
  q = ParseReportQuery("method=%66requentist&alpha=&cuped=true&x=%zz");
  EXPECT_FALSE(q.ok());
  q = ParseReportQuery("method=%66requentist&alpha=&cuped=true&x=y+z");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->method, v1::METHOD_FREQUENTIST);
  EXPECT_DOUBLE_EQ(q->alpha, 0.05);
  EXPECT_TRUE(q->cuped);
}

TEST(WebUiQuery, BadValuesAreInvalidArgument) {
  for (const char* query :
       {"method=magic", "alpha=0", "alpha=1", "alpha=-0.1", "alpha=abc",
        "alpha=nan", "alpha=inf", "cuped=maybe", "by_segment=2", "alpha=%",
        "alpha=%4", "method=%G1"}) {
    absl::StatusOr<ReportQuery> q = ParseReportQuery(query);
    EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument) << query;
  }
  EXPECT_THAT(std::string(ParseReportQuery("method=magic").status().message()),
              HasSubstr("method must be frequentist, sequential or bayesian, "
                        "got 'magic'"));
  EXPECT_THAT(std::string(ParseReportQuery("alpha=2").status().message()),
              HasSubstr("alpha must be a number in (0, 1)"));
}

TEST(WebUiQuery, RequestsCarryTheOptions) {
  ReportQuery query;
  query.method = v1::METHOD_SEQUENTIAL;
  query.alpha = 0.1;
  query.cuped = true;
  query.by_segment = true;
  const v1::GetReportRequest request = ReportRequestFor("checkout", query);
  EXPECT_EQ(request.experiment_key(), "checkout");
  EXPECT_EQ(request.method(), v1::METHOD_SEQUENTIAL);
  EXPECT_DOUBLE_EQ(request.alpha(), 0.1);
  EXPECT_TRUE(request.cuped());
  EXPECT_TRUE(request.by_segment());

  const v1::GetTimeSeriesRequest series =
      TimeSeriesRequestFor(SampleReport(), query);
  EXPECT_EQ(series.experiment_key(), "checkout_redesign");
  EXPECT_EQ(series.metric_key(), "conversion");
  EXPECT_EQ(series.method(), v1::METHOD_SEQUENTIAL);
  EXPECT_DOUBLE_EQ(series.alpha(), 0.1);
  EXPECT_TRUE(series.cuped());
  EXPECT_EQ(TimeSeriesRequestFor(v1::Report(), query).metric_key(), "");
}

}  // namespace
}  // namespace cxlab::render
