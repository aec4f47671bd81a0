// Copyright 2026 The cxlab Authors.
//
// The self-contained HTML report (report_html.h): one <svg> per plot, every
// text escaped, nothing fetched (no URL, script, link or external style),
// no NaN or infinity in any coordinate, and the degenerate inputs (no daily
// data, no segments, an empty report, an SRM mismatch).

#include "api/render/report_html.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

// Structural checks every rendering must pass.
void ExpectWellFormed(const std::string& html) {
  EXPECT_THAT(html, StartsWith("<!DOCTYPE html>\n<html lang=\"en\"><head>"
                               "<meta charset=\"utf-8\">"));
  EXPECT_TRUE(absl::EndsWith(html, "</body></html>\n"));
  for (const char* tag : {"svg", "section", "table", "header", "p", "div", "ul",
                          "li", "text", "title", "dl", "tr", "td"}) {
    EXPECT_EQ(CountOf(html, absl::StrCat("<", tag, ">")) +
                  CountOf(html, absl::StrCat("<", tag, " ")),
              CountOf(html, absl::StrCat("</", tag, ">")))
        << tag;
  }
  // Self-contained: nothing to fetch, nothing to run.
  const std::string lower = absl::AsciiStrToLower(html);
  for (const char* forbidden :
       {"http:", "https:", "src=", "href=", "<script", "<link", "@import",
        "url(", "<iframe", "<img", "javascript:"}) {
    EXPECT_THAT(lower, Not(HasSubstr(forbidden))) << forbidden;
  }
  // Coordinates are always finite.
  for (const char* bad : {"nan", "inf\"", "-inf", "\"inf"}) {
    EXPECT_THAT(lower, Not(HasSubstr(bad))) << bad;
  }
}

TEST(ReportHtml, OneSvgPerPlot) {
  const std::string html = RenderReportHtml(SampleReport(), SampleSeries());
  ExpectWellFormed(html);
  // Forest plot, lift over time, units per variant, persona breakdown.
  EXPECT_EQ(CountOf(html, "<svg "), 4);
  EXPECT_THAT(html,
              AllOf(HasSubstr("aria-label=\"Relative lift of every metric"),
                    HasSubstr("aria-label=\"Cumulative relative lift of "
                              "conversion per day\""),
                    HasSubstr("aria-label=\"Units per variant"),
                    HasSubstr("aria-label=\"Relative lift of conversion per "
                              "persona segment\"")));
  // The header, the verdict and the SRM badge.
  EXPECT_THAT(html,
              AllOf(HasSubstr("<h1>Checkout redesign (one page, live chat)"
                              "</h1>"),
                    HasSubstr("running, 13.6 days since the first exposure"),
                    HasSubstr("frequentist, alpha 0.05 (95% intervals), "
                              "correction none, CUPED off"),
                    HasSubstr("class=\"badge ok\">SRM check: ok (p = "
                              "0.4100)"),
                    HasSubstr("<strong>Verdict:</strong> one_page_chat raises "
                              "conversion by +6.1% [+2.3%, +9.9%]"),
                    HasSubstr("Power: conversion, one_page_chat vs control")));
  // The forest rows carry the lift text and the verdict colour.
  EXPECT_THAT(html, HasSubstr("fill=\"#1a7f37\">+6.1% [+2.3%, +9.9%]  "
                              "\u25b2 better</text>"));
  EXPECT_THAT(html, HasSubstr("fill=\"#cf222e\">+35.0% [+5.0%, +\u221e)  "
                              "\u25bc worse</text>"));
  EXPECT_THAT(html, HasSubstr("checkout_errors (guardrail)"));
  // The undefined treatment is said to be undefined.
  EXPECT_THAT(html, HasSubstr("undefined (see warnings)"));
  // Units per variant with the expected split.
  EXPECT_THAT(html, HasSubstr("6,812 (34.1%) \u00b7 expected 6,800 (34.0%)"));
  // The persona rows: the SRM-broken segment is flagged; a segment without
  // the metric is still listed.
  EXPECT_THAT(html, AllOf(HasSubstr(">families</text>"),
                          HasSubstr(">runners (SRM!)</text>"),
                          HasSubstr(">bargain_hunters</text>"),
                          HasSubstr(">no units in this segment</text>")));
  // The full table, with a warning and the verdict classes.
  EXPECT_THAT(html, AllOf(HasSubstr("<table class=\"metrics\">"),
                          HasSubstr("one_page has no units for this metric "
                                    "[no_units]"),
                          HasSubstr("<td class=\"better\">\u25b2 better</td>"),
                          HasSubstr("<td class=\"worse\">\u25bc worse</td>")));
}

TEST(ReportHtml, MetricsTableScrollsInAFocusableRegion) {
  const std::string html = RenderReportHtml(SampleReport(), SampleSeries());
  ExpectWellFormed(html);
  // Keyboard users can focus the region and scroll it sideways.
  EXPECT_THAT(html, HasSubstr("<div class=\"table-scroll\" tabindex=\"0\" "
                              "role=\"region\" aria-label=\"All metrics "
                              "table\"><table class=\"metrics\">"));
  EXPECT_THAT(html, HasSubstr("</tbody></table></div>"));
  // The page widens with the viewport; numbers, intervals and markers do
  // not wrap; the region shows its focus.
  EXPECT_THAT(html, AllOf(HasSubstr("max-width:1400px"),
                          HasSubstr(".table-scroll{overflow-x:auto"),
                          HasSubstr("table.metrics td{white-space:nowrap}"),
                          HasSubstr(".table-scroll:focus{outline:3px solid")));
  EXPECT_THAT(html, Not(HasSubstr("max-width:900px")));
}

TEST(ReportHtml, DisplayClampsRatesAndRelativeLifts) {
  v1::Report report = SampleReport();
  v1::MetricResult* errors = report.mutable_metrics(0);  // binomial
  ASSERT_EQ(errors->metric_key(), "checkout_errors");
  errors->mutable_variants(0)->set_value(0.0007);
  errors->mutable_variants(0)->mutable_value_ci()->set_lower(-0.0001);
  errors->mutable_variants(0)->mutable_value_ci()->set_upper(0.0016);
  v1::Effect* lift = errors->mutable_variants(2)->mutable_relative();
  lift->set_estimate(0.03);
  lift->mutable_ci()->set_lower(-1.121);
  const std::string html = RenderReportHtml(report, SampleSeries());
  ExpectWellFormed(html);
  EXPECT_THAT(html, HasSubstr("<td>0.07% [0.00%, 0.16%]</td>"));
  EXPECT_THAT(html, HasSubstr("<td>+3.0% [-100.0%, +\u221e)</td>"));
  EXPECT_THAT(html, HasSubstr(">+3.0% [-100.0%, +\u221e)  \u00b7 inconclusive"
                              "</text>"));
  EXPECT_THAT(html, Not(HasSubstr("-112.1%")));
  EXPECT_THAT(html, Not(HasSubstr("[-0.01%")));
}

TEST(ReportHtml, BanditSrmCheckIsNotApplicable) {
  v1::Report report = SampleReport();
  v1::Warning bandit;
  bandit.set_code("bandit_weights_changed");
  bandit.set_message("not applicable: a bandit reweights the traffic");
  report.mutable_srm()->clear_p_value();
  report.mutable_srm()->clear_chi_square();
  *report.mutable_srm()->add_warnings() = bandit;
  for (v1::SegmentReport& s : *report.mutable_by_segment()) {
    *s.mutable_srm()->add_warnings() = bandit;  // runners: mismatch set
  }
  const std::string html = RenderReportHtml(report, SampleSeries());
  ExpectWellFormed(html);
  EXPECT_THAT(html, HasSubstr("<span class=\"badge na\">SRM check: n/a "
                              "\u2014 bandit reweights traffic</span>"));
  EXPECT_THAT(
      html,
      AllOf(Not(HasSubstr("class=\"srm-banner\"")), Not(HasSubstr("(SRM!)")),
            Not(HasSubstr("SRM check: ok")), HasSubstr(">runners</text>")));
  // No expected split for a bandit.
  EXPECT_THAT(html, HasSubstr("aria-label=\"Units per variant (allocated by a "
                              "bandit)\""));
  EXPECT_THAT(html, Not(HasSubstr("class=\"expected\"")));
  EXPECT_THAT(html, HasSubstr("no fixed split to expect"));
}

TEST(ReportHtml, EscapesEveryText) {
  v1::Report report = SampleReport();
  report.set_name("<script>alert('x')</script> & co");
  report.set_verdict("<script>bad()</script>");
  report.mutable_metrics(1)->set_name("<b onmouseover=\"x\">Conv</b>");
  report.mutable_metrics(1)->mutable_variants(2)->set_variant_key(
      "chat<script>");
  report.set_variant_keys(2, "chat<script>");
  report.mutable_by_segment(0)->set_segment("fam\"ilies<");
  v1::Warning* w = report.add_warnings();
  w->set_code("x");
  w->set_message("</li><script>");
  v1::GetTimeSeriesResponse series = SampleSeries();
  series.mutable_points(1)->set_variant_key("chat<script>");
  HtmlReportOptions options;
  const std::string html = RenderReportHtml(report, series, options);
  ExpectWellFormed(html);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<b onmouseover")));
  EXPECT_THAT(html, Not(HasSubstr("fam\"ilies<")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
                              " &amp; co"));
  EXPECT_THAT(html, HasSubstr("chat&lt;script&gt;"));
  EXPECT_THAT(html, HasSubstr("fam&quot;ilies&lt;"));
  EXPECT_THAT(html, HasSubstr("&lt;/li&gt;&lt;script&gt;"));
}

TEST(ReportHtml, EmptyTimeSeriesSaysSo) {
  const v1::GetTimeSeriesResponse empty;
  std::string html = RenderReportHtml(SampleReport(), empty);
  ExpectWellFormed(html);
  EXPECT_EQ(CountOf(html, "<svg "), 3);
  EXPECT_THAT(html, HasSubstr("<p class=\"note\">No daily data yet.</p>"));
  HtmlReportOptions options;
  options.time_series_note = "The daily series could not be loaded: <x>";
  html = RenderReportHtml(SampleReport(), empty, options);
  EXPECT_THAT(html, HasSubstr("could not be loaded: &lt;x&gt;"));
}

TEST(ReportHtml, MissingSegmentsSaySo) {
  v1::Report report = SampleReport();
  report.clear_by_segment();
  const std::string html = RenderReportHtml(report, SampleSeries());
  ExpectWellFormed(html);
  EXPECT_EQ(CountOf(html, "<svg "), 3);
  EXPECT_THAT(html, HasSubstr("No persona segment data in this report."));
}

TEST(ReportHtml, SrmMismatchBannerComesFirst) {
  v1::Report report = SampleReport();
  report.mutable_srm()->set_mismatch(true);
  report.mutable_srm()->set_p_value(1e-9);
  const std::string html = RenderReportHtml(report, SampleSeries());
  ExpectWellFormed(html);
  const size_t banner = html.find("class=\"srm-banner\"");
  ASSERT_NE(banner, std::string::npos);
  EXPECT_LT(banner, html.find("<h1>"));
  EXPECT_THAT(html, HasSubstr("SAMPLE RATIO MISMATCH: the results below are "
                              "not trustworthy."));
  EXPECT_THAT(html, HasSubstr("class=\"badge bad\""));
  EXPECT_THAT(html, HasSubstr("do not trust the results"));
}

TEST(ReportHtml, DegenerateInputsStayFinite) {
  // An empty report.
  const std::string empty = RenderReportHtml(v1::Report(), {});
  ExpectWellFormed(empty);
  EXPECT_EQ(CountOf(empty, "<svg "), 0);
  EXPECT_THAT(empty, HasSubstr("No metrics."));

  // Huge and one-sided intervals, a single day, identical estimates.
  v1::Report report = SampleReport();
  v1::Effect* e =
      report.mutable_metrics(1)->mutable_variants(1)->mutable_relative();
  e->mutable_ci()->set_lower(-1e12);
  e->mutable_ci()->clear_upper();
  v1::GetTimeSeriesResponse one_day;
  one_day.set_metric_key("conversion");
  v1::TimeSeriesPoint* p = one_day.add_points();
  p->set_day("2026-03-01");
  p->set_variant_key("one_page");
  p->mutable_relative()->set_estimate(0);
  const std::string html = RenderReportHtml(report, one_day);
  ExpectWellFormed(html);
  EXPECT_EQ(CountOf(html, "<svg "), 4);

  // Units without weights, and zero units.
  v1::Report units_only;
  units_only.add_variant_keys("a");
  units_only.add_variant_keys("b");
  units_only.add_units(0);
  units_only.add_units(0);
  ExpectWellFormed(RenderReportHtml(units_only, {}));
}

TEST(ReportHtml, EscapeFunction) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(HtmlEscape("\u2014 ok"), "\u2014 ok");
}

}  // namespace
}  // namespace cxlab::render
