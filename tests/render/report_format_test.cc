// Copyright 2026 The cxlab Authors.
//
// The `cxlab report` table and CSV (report_format.h) on hand-built reports:
// undefined numbers print "—" with their warning below the table, an SRM
// mismatch comes first, markers follow the verdict (so a drop in a
// lower-is-better metric is "better"), the columns follow the method and the
// correction, the persona breakdown and stable CSV columns.

#include "api/render/report_format.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/render/report_test_util.h"

namespace cxlab::render {
namespace {

using ::testing::AllOf;
using testing::CountOf;
using ::testing::HasSubstr;
using testing::Lines;
using ::testing::Not;
using testing::SampleReport;
using ::testing::SizeIs;
using ::testing::StartsWith;

// The index of the first line containing all of `parts`, starting at
// `from`; -1 when none does.
int FindLine(const std::vector<std::string>& lines,
             const std::vector<std::string>& parts, int from = 0) {
  for (int i = from; i < static_cast<int>(lines.size()); ++i) {
    bool all = true;
    for (const std::string& p : parts)
      all = all && absl::StrContains(lines[i], p);
    if (all) return i;
  }
  return -1;
}

// The line of `variant` in the table under the heading starting with
// `metric_heading`.
std::string Row(const std::string& table, const std::string& metric_heading,
                const std::string& variant) {
  const std::vector<std::string> lines = Lines(table);
  const int heading = FindLine(lines, {metric_heading});
  EXPECT_GE(heading, 0) << metric_heading << "\n" << table;
  if (heading < 0) return "";
  for (int i = heading + 1; i < static_cast<int>(lines.size()); ++i) {
    if (lines[i].empty()) break;
    if (absl::StartsWith(lines[i], "  " + variant + " ")) return lines[i];
  }
  ADD_FAILURE() << "no row " << variant << " under " << metric_heading << "\n"
                << table;
  return "";
}

// Splits one CSV record (RFC 4180 quoting, no embedded newlines).
std::vector<std::string> CsvFields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

TEST(ReportTable, HeaderSrmVerdictThenPrimaryMetricFirst) {
  const std::string table = FormatReportTable(SampleReport());
  const std::vector<std::string> lines = Lines(table);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0],
            "Checkout redesign (one page, live chat) "
            "(checkout_redesign)");
  const int status = FindLine(
      lines, {"status", "running, 13.6 days since the first exposure"});
  const int analysis =
      FindLine(lines, {"analysis",
                       "frequentist, alpha 0.05 (95% intervals), "
                       "correction none, CUPED off"});
  const int units =
      FindLine(lines, {"units",
                       "control 6,812 \u00b7 one_page 6,601 \u00b7 "
                       "one_page_chat 6,587 \u00b7 total 20,000"});
  const int srm = FindLine(lines, {"SRM check", "ok (p = 0.4100)"});
  const int verdict = FindLine(lines, {"verdict",
                                       "one_page_chat raises conversion by "
                                       "+6.1% [+2.3%, +9.9%]"});
  const int conversion = FindLine(lines, {"conversion \u2014 Conversion"});
  const int ces = FindLine(lines, {"ces \u2014 Customer effort score"});
  const int errors = FindLine(lines, {"checkout_errors \u2014"});
  const std::vector<int> order = {status,  analysis,   units, srm,
                                  verdict, conversion, ces,   errors};
  EXPECT_GT(status, 0) << table;
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << table;
  EXPECT_EQ(std::count(order.begin(), order.end(), -1), 0) << table;
  EXPECT_THAT(lines[conversion], HasSubstr("(binomial, higher is better) "
                                           "\u00b7 primary"));
  EXPECT_THAT(lines[errors],
              HasSubstr("(binomial, lower is better) \u00b7 guardrail: "
                        "VIOLATED"));
  EXPECT_THAT(table, Not(HasSubstr("MISMATCH")));
  EXPECT_THAT(table, Not(HasSubstr("\x1b[")));  // no colour by default
}

TEST(ReportTable, SrmMismatchIsPrintedFirst) {
  v1::Report report = SampleReport();
  report.mutable_srm()->set_p_value(0.00002);
  report.mutable_srm()->set_mismatch(true);
  report.mutable_srm()->set_units(0, 7400);
  for (bool color : {false, true}) {
    ReportTableOptions options;
    options.color = color;
    const std::string table = FormatReportTable(report, options);
    const std::vector<std::string> lines = Lines(table);
    ASSERT_GE(lines.size(), 4u);
    EXPECT_THAT(lines[0], HasSubstr("!! "));
    EXPECT_THAT(lines[0], HasSubstr("SAMPLE RATIO MISMATCH: the results below "
                                    "are not trustworthy."));
    EXPECT_THAT(lines[1], HasSubstr("chi-square p = <0.0001 < 0.001"));
    EXPECT_THAT(lines[2], HasSubstr("control 7,400 (35.9%, expected 34.0%)"));
    EXPECT_THAT(table, HasSubstr("MISMATCH (p = <0.0001) - see above"));
    if (color) {
      EXPECT_THAT(lines[0], StartsWith("\x1b[1;31m!! "));
    }
  }
}

TEST(ReportTable, BanditSrmCheckIsNotApplicable) {
  v1::Report report = SampleReport();
  v1::SrmCheck* srm = report.mutable_srm();
  srm->clear_p_value();
  srm->clear_chi_square();
  v1::Warning* w = srm->add_warnings();
  w->set_code("bandit_weights_changed");
  w->set_message("not applicable: a bandit reweights the traffic");
  // The segments' checks too; one even claims a mismatch (an older server).
  for (v1::SegmentReport& s : *report.mutable_by_segment()) {
    *s.mutable_srm()->add_warnings() = *w;
  }
  ASSERT_TRUE(report.by_segment(1).srm().mismatch());
  for (bool color : {false, true}) {
    ReportTableOptions options;
    options.color = color;
    const std::string table = FormatReportTable(report, options);
    EXPECT_GE(FindLine(Lines(table),
                       {"SRM check", "n/a \u2014 bandit reweights traffic"}),
              0)
        << table;
    EXPECT_THAT(table,
                AllOf(Not(HasSubstr("MISMATCH")), Not(HasSubstr("(SRM!)")),
                      Not(HasSubstr("ok (p ="))));
  }
  // Even with a p-value and the mismatch flag set, the warning wins.
  srm->set_p_value(1e-80);
  srm->set_mismatch(true);
  EXPECT_TRUE(SrmNotApplicable(*srm));
  EXPECT_FALSE(SrmMismatch(*srm));
  EXPECT_EQ(SrmSummary(*srm), "n/a \u2014 bandit reweights traffic");
  EXPECT_EQ(SrmMismatchText(*srm, report.variant_keys()), "");
  EXPECT_THAT(FormatReportTable(report), Not(HasSubstr("!! ")));
  // Without the warning it is an ordinary mismatch.
  srm->clear_warnings();
  EXPECT_TRUE(SrmMismatch(*srm));
  EXPECT_THAT(SrmSummary(*srm), StartsWith("MISMATCH (p = <0.0001)"));
}

TEST(ReportTable, UndefinedNumbersPrintDashWithTheWarningBelow) {
  const std::string table = FormatReportTable(SampleReport());
  const std::string row = Row(table, "ces \u2014", "one_page");
  // Value, lift, abs. lift and p-value undefined.
  EXPECT_EQ(CountOf(row, "\u2014"), 4) << row;
  EXPECT_THAT(row, HasSubstr("? undefined"));
  const std::vector<std::string> lines = Lines(table);
  const int row_line = FindLine(lines, {row});
  const int warning = FindLine(
      lines, {"! one_page: one_page has no units for this metric [no_units]"});
  EXPECT_GT(warning, row_line) << table;
  // The warning sits below the ces table, before the next metric.
  EXPECT_LT(warning, FindLine(lines, {"checkout_errors \u2014"}));
}

TEST(ReportTable, MarkersFollowTheVerdictNotTheSign) {
  const std::string table = FormatReportTable(SampleReport());
  EXPECT_THAT(Row(table, "conversion \u2014", "one_page_chat"),
              AllOf(HasSubstr("6,587"), HasSubstr("33.1%"),
                    HasSubstr("+6.1% [+2.3%, +9.9%]"), HasSubstr("+1.9 pp"),
                    HasSubstr("0.0012"), HasSubstr("\u25b2 better")))
      << table;
  EXPECT_THAT(Row(table, "conversion \u2014", "one_page"),
              AllOf(HasSubstr("+2.6% [-1.9%, +7.1%]"),
                    HasSubstr("\u00b7 inconclusive")));
  // A lower effort score is better.
  EXPECT_THAT(Row(table, "ces \u2014", "one_page_chat"),
              AllOf(HasSubstr("-8.0% [-12.0%, -4.0%]"), HasSubstr("-0.273"),
                    HasSubstr("3.139"), HasSubstr("\u25b2 better")));
  // More checkout errors is worse; the guardrail interval is one-sided.
  EXPECT_THAT(Row(table, "checkout_errors \u2014", "one_page"),
              AllOf(HasSubstr("+35.0% [+5.0%, +\u221e)"), HasSubstr("+0.70 pp"),
                    HasSubstr("\u25bc worse")));
  EXPECT_THAT(Row(table, "conversion \u2014", "control"),
              AllOf(HasSubstr("6,812"), HasSubstr("(control)")));
  EXPECT_THAT(table, HasSubstr("\u25b2 better / \u25bc worse: significant at "
                               "alpha 0.05"));
}

TEST(ReportTable, ColourOnlyWhenAsked) {
  ReportTableOptions options;
  options.color = true;
  const std::string table = FormatReportTable(SampleReport(), options);
  EXPECT_THAT(table, HasSubstr("\x1b[32m\u25b2 better\x1b[0m"));
  EXPECT_THAT(table, HasSubstr("\x1b[31m\u25bc worse\x1b[0m"));
  // Alignment ignores the escapes: the result column starts at the same
  // place in the colored and the plain rows of a table.
  const std::string better = Row(table, "conversion \u2014", "one_page_chat");
  const std::string plain = Row(table, "conversion \u2014", "one_page");
  EXPECT_EQ(better.find("\x1b[32m"), plain.find("\u00b7 inconclusive"));
}

TEST(ReportTable, PowerLineFollowsThePrimaryMetric) {
  const std::string table = FormatReportTable(SampleReport());
  EXPECT_THAT(table,
              HasSubstr("  power: conversion, one_page_chat vs control: "
                        "detectable now \u00b14.2% (MDE); to detect +5.0%: "
                        "3,120 more units, about 4.1 days at 760 units/day\n"));
  v1::Report report = SampleReport();
  report.mutable_power()->set_units_still_needed(0);
  EXPECT_THAT(FormatReportTable(report),
              HasSubstr("to detect +5.0%: enough units already"));
  report.mutable_power()->clear_units_still_needed();
  report.mutable_power()->clear_mde_relative();
  auto* w = report.mutable_power()->add_warnings();
  w->set_code("undefined_target");
  w->set_message("control mean is 0");
  EXPECT_THAT(FormatReportTable(report),
              AllOf(HasSubstr("detectable now \u2014 (MDE); to detect +5.0%: "
                              "\u2014"),
                    HasSubstr("! power: control mean is 0 "
                              "[undefined_target]")));
}

TEST(ReportTable, CorrectionShowsAdjustedPValuesExceptForGuardrails) {
  v1::Report report = SampleReport();
  report.set_correction(v1::CORRECTION_HOLM);
  v1::MetricResult* conversion = report.mutable_metrics(1);
  conversion->mutable_variants(2)->mutable_relative()->set_adjusted_p_value(
      0.0036);
  const std::string table = FormatReportTable(report);
  EXPECT_THAT(table, HasSubstr("correction holm"));
  const std::vector<std::string> lines = Lines(table);
  EXPECT_GE(FindLine(lines, {"variant", "p (holm)", "result"}), 0) << table;
  EXPECT_THAT(Row(table, "conversion \u2014", "one_page_chat"),
              AllOf(HasSubstr("0.0036"), Not(HasSubstr("0.0012"))));
  // Guardrails are outside the family: their raw p-value is shown.
  EXPECT_THAT(Row(table, "checkout_errors \u2014", "one_page"),
              HasSubstr("0.0100"));
}

TEST(ReportTable, BayesianShowsChanceToWinAndRisk) {
  v1::Report report = SampleReport();
  report.set_method(v1::METHOD_BAYESIAN);
  v1::Effect* relative =
      report.mutable_metrics(1)->mutable_variants(2)->mutable_relative();
  relative->clear_p_value();
  relative->clear_adjusted_p_value();
  relative->set_chance_to_win(0.9973);
  relative->set_risk_control(0.061);
  relative->set_risk_treatment(0.0004);
  const std::string table = FormatReportTable(report);
  EXPECT_GE(FindLine(Lines(table), {"variant", "95% credible", "chance to win",
                                    "risk if shipped"}),
            0)
      << table;
  EXPECT_THAT(Row(table, "conversion \u2014", "one_page_chat"),
              AllOf(HasSubstr("99.7%"), HasSubstr("0.04%"),
                    HasSubstr("\u25b2 better")));
  EXPECT_THAT(table, Not(HasSubstr("p-value")));
}

TEST(ReportTable, CupedColumnWhenApplied) {
  v1::Report report = SampleReport();
  report.set_cuped(true);
  report.mutable_metrics(1)->mutable_variants(1)->set_cuped_variance_reduction(
      0.231);
  const std::string table = FormatReportTable(report);
  EXPECT_THAT(table, HasSubstr("CUPED on"));
  EXPECT_THAT(Row(table, "conversion \u2014", "one_page"), HasSubstr("23.1%"));
  EXPECT_THAT(Row(table, "conversion \u2014", "one_page_chat"),
              HasSubstr("\u2014"));
  EXPECT_GE(FindLine(Lines(table), {"CUPED var. red."}), 0);
}

TEST(ReportTable, SegmentBreakdownShowsWhichPersonaGainsOrLoses) {
  const std::string table = FormatReportTable(SampleReport());
  const std::vector<std::string> lines = Lines(table);
  const int heading =
      FindLine(lines, {"By persona segment: conversion \u2014 Conversion"});
  ASSERT_GT(heading, 0) << table;
  EXPECT_GE(FindLine(lines,
                     {"all units", "one_page", "6,601", "6,812",
                      "+2.6% [-1.9%, +7.1%]"},
                     heading),
            0);
  EXPECT_GE(
      FindLine(lines, {"families", "one_page", "1,190", "1,200"}, heading), 0);
  EXPECT_GE(FindLine(lines,
                     {"one_page_chat", "1,210", "+12.0% [+4.0%, +20.0%]",
                      "\u25b2 better"},
                     heading),
            0)
      << table;
  EXPECT_GE(
      FindLine(lines, {"runners (SRM!)", "one_page", "\u25bc worse"}, heading),
      0);
  EXPECT_GE(FindLine(lines, {"bargain_hunters", "(no units in this segment)"},
                     heading),
            0);
  v1::Report with_units = SampleReport();
  for (int i = 0; i < 3; ++i) with_units.mutable_by_segment(2)->set_units(i, 5);
  EXPECT_THAT(FormatReportTable(with_units),
              HasSubstr("  bargain_hunters  (no data for this metric)"));
  EXPECT_GE(FindLine(lines, {"(SRM!): the split within this segment"}, heading),
            0);
  // Only the primary metric unless asked.
  EXPECT_EQ(FindLine(lines, {"By persona segment: ces"}), -1);
  ReportTableOptions all;
  all.all_segment_metrics = true;
  EXPECT_THAT(FormatReportTable(SampleReport(), all),
              AllOf(HasSubstr("By persona segment: ces"),
                    HasSubstr("By persona segment: checkout_errors")));
  ReportTableOptions none;
  none.segments = false;
  EXPECT_THAT(FormatReportTable(SampleReport(), none),
              Not(HasSubstr("By persona segment")));
}

TEST(ReportTable, EmptyReportDoesNotCrash) {
  const std::string table = FormatReportTable(v1::Report());
  EXPECT_THAT(table, AllOf(HasSubstr("status"), HasSubstr("no metrics"),
                           HasSubstr("verdict    \u2014")));
}

TEST(ReportFormat, Numbers) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1,000");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatCount(-20000), "-20,000");
  EXPECT_EQ(FormatPValue(0.26314), "0.2631");
  EXPECT_EQ(FormatPValue(0.00001), "<0.0001");
  EXPECT_EQ(FormatSignedPercent(0.061), "+6.1%");
  EXPECT_EQ(FormatSignedPercent(-0.0004), "0.0%");
  EXPECT_EQ(IntervalLevel(0.05), "95%");
  EXPECT_EQ(IntervalLevel(0), "95%");
  EXPECT_EQ(IntervalLevel(0.1), "90%");
  EXPECT_EQ(IntervalLevel(0.001), "99.9%");

  v1::Effect e;
  EXPECT_EQ(FormatRelativeLift(e), "\u2014");
  e.set_estimate(0.05);
  EXPECT_EQ(FormatRelativeLift(e), "+5.0% [\u2014]");
  e.mutable_ci()->set_upper(0.08);
  EXPECT_EQ(FormatRelativeLift(e), "+5.0% (-\u221e, +8.0%]");
  e.set_estimate(0.003);
  e.mutable_ci()->set_lower(-0.001);
  e.mutable_ci()->set_upper(0.007);
  EXPECT_EQ(FormatRelativeLift(e), "+0.30% [-0.10%, +0.70%]");

  // Nothing that rounds to zero carries a sign.
  EXPECT_EQ(FormatSignedPercent(-0.00049), "0.0%");
  EXPECT_EQ(FormatSignedPercent(0.00049), "0.0%");
  EXPECT_EQ(FormatSignedPercent(-0.00004, 2), "0.00%");
  EXPECT_EQ(FormatSignedPercent(-0.031), "-3.1%");
  e.Clear();
  e.set_estimate(-0.0002);
  e.mutable_ci()->set_lower(-0.143);
  e.mutable_ci()->set_upper(0.143);
  EXPECT_EQ(FormatRelativeLift(e), "0.0% [-14.3%, +14.3%]");

  v1::MetricResult nps;
  nps.set_type("nps");
  v1::VariantResult v;
  v.set_value(0.234);
  EXPECT_EQ(FormatMetricValue(nps, v), "+23.4");
  v1::Effect d;
  d.set_estimate(0.031);
  EXPECT_EQ(FormatAbsoluteLift(nps, d), "+3.1 pts");
  v1::MetricResult revenue;
  revenue.set_type("mean");
  v.set_value(58.2349);
  EXPECT_EQ(FormatMetricValue(revenue, v), "58.23");
  v.set_value(0.012346);
  EXPECT_EQ(FormatMetricValue(revenue, v), "0.01235");
  v.clear_value();
  EXPECT_EQ(FormatMetricValue(revenue, v), "\u2014");
  d.set_estimate(-0.0000001);
  EXPECT_EQ(FormatAbsoluteLift(revenue, d), "0.000000");
  v1::MetricResult rate;
  rate.set_type("binomial");
  d.set_estimate(-0.00001);
  EXPECT_EQ(FormatAbsoluteLift(rate, d), "0.00 pp");
  EXPECT_EQ(FormatAbsoluteLift(nps, d), "0.0 pts");
}

TEST(ReportFormat, DisplayClampsOfRatesAndNonNegativeMetrics) {
  v1::MetricResult refunds;
  refunds.set_metric_key("refunds");
  refunds.set_type("binomial");
  v1::MetricResult revenue;
  revenue.set_metric_key("revenue");
  revenue.set_type("mean");
  v1::MetricResult errors;
  errors.set_type("count");
  EXPECT_TRUE(IsNonNegativeMetric("binomial"));
  EXPECT_TRUE(IsNonNegativeMetric("count"));
  EXPECT_TRUE(IsNonNegativeMetric("duration"));
  EXPECT_FALSE(IsNonNegativeMetric("mean"));
  EXPECT_FALSE(IsNonNegativeMetric("nps"));

  // A relative lift of a rate cannot fall below -100%.
  v1::Effect e;
  e.set_estimate(0.03);
  e.mutable_ci()->set_lower(-1.121);
  EXPECT_EQ(FormatRelativeLift(refunds, e), "+3.0% [-100.0%, +\u221e)");
  EXPECT_EQ(FormatRelativeLift(errors, e), "+3.0% [-100.0%, +\u221e)");
  // Values that may be negative, and the metric-less form, print as is.
  EXPECT_EQ(FormatRelativeLift(revenue, e), "+3.0% [-112.1%, +\u221e)");
  EXPECT_EQ(FormatRelativeLift(e), "+3.0% [-112.1%, +\u221e)");
  // The statistics are untouched.
  EXPECT_DOUBLE_EQ(e.ci().lower(), -1.121);

  // Value intervals: rates within [0%, 100%], counts from 0.
  v1::Interval ci;
  ci.set_lower(-0.0001);
  ci.set_upper(0.0016);
  EXPECT_EQ(FormatValueInterval(refunds, ci), " [0.00%, 0.16%]");
  ci.set_lower(0.97);
  ci.set_upper(1.02);
  EXPECT_EQ(FormatValueInterval(refunds, ci), " [97.0%, 100.0%]");
  ci.set_lower(-0.5);
  ci.set_upper(2.5);
  EXPECT_EQ(FormatValueInterval(errors, ci), " [0, 2.500]");
  EXPECT_EQ(FormatValueInterval(revenue, ci), " [-0.5000, 2.500]");
  ci.clear_upper();
  EXPECT_EQ(FormatValueInterval(revenue, ci), " [-0.5000, +\u221e)");
  EXPECT_EQ(FormatValueInterval(revenue, v1::Interval()), "");
}

TEST(ReportFormat, LiftClaimsReadAsTheTable) {
  v1::MetricResult conversion;
  conversion.set_metric_key("conversion");
  conversion.set_type("binomial");
  v1::VariantResult v;
  v.set_variant_key("one_page_chat");
  v1::Effect* r = v.mutable_relative();
  r->set_estimate(0.061);
  r->mutable_ci()->set_lower(0.023);
  r->mutable_ci()->set_upper(0.099);
  EXPECT_EQ(FormatLiftClaim(conversion, v),
            "one_page_chat raises conversion by +6.1% [+2.3%, +9.9%]");
  // No double negative: the size without its sign, the interval as is.
  r->set_estimate(-0.031);
  r->mutable_ci()->set_lower(-0.05);
  r->mutable_ci()->set_upper(-0.012);
  EXPECT_EQ(FormatLiftClaim(conversion, v),
            "one_page_chat lowers conversion by 3.1% [-5.0%, -1.2%]");
  // Under 1%: two decimals, as the table.
  r->set_estimate(-0.004);
  r->mutable_ci()->set_lower(-0.007);
  r->mutable_ci()->set_upper(-0.001);
  EXPECT_EQ(FormatLiftClaim(conversion, v),
            "one_page_chat lowers conversion by 0.40% [-0.70%, -0.10%]");
  // Open sides and the -100% display floor.
  r->set_estimate(-0.6);
  r->mutable_ci()->set_lower(-1.3);
  r->mutable_ci()->clear_upper();
  EXPECT_EQ(FormatLiftClaim(conversion, v),
            "one_page_chat lowers conversion by 60.0% [-100.0%, +\u221e)");
  // Rounding to zero: no sign, no direction.
  r->set_estimate(-0.0001);
  r->mutable_ci()->set_lower(-0.143);
  r->mutable_ci()->set_upper(0.143);
  EXPECT_EQ(FormatLiftClaim(conversion, v),
            "one_page_chat changes conversion by 0.0% [-14.3%, +14.3%]");
  // Without a relative effect: the absolute one.
  v.clear_relative();
  v.mutable_absolute()->set_estimate(-0.019);
  EXPECT_EQ(FormatLiftClaim(conversion, v),
            "one_page_chat lowers conversion by 1.9 pp (absolute)");
  v.clear_absolute();
  EXPECT_EQ(FormatLiftClaim(conversion, v),
            "one_page_chat changes conversion by \u2014");
}

TEST(ReportCsv, StableColumnsOneRowPerSegmentMetricVariant) {
  v1::Report report = SampleReport();
  report.mutable_metrics(1)->set_name("Conversion, \"checkout\"");
  const std::vector<std::string> lines = Lines(FormatReportCsv(report));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], absl::StrJoin(ReportCsvColumns(), ","));
  EXPECT_THAT(lines[0],
              StartsWith("experiment_key,segment,metric_key,metric_name,"
                         "metric_type,direction,primary,guardrail,"
                         "guardrail_status,variant_key,control,units,value,"
                         "value_ci_lower,value_ci_upper,adjusted_value,"
                         "absolute_lift,absolute_std_error,"));
  EXPECT_THAT(lines[0],
              ::testing::EndsWith(",relative_risk_treatment,cuped_variance_"
                                  "reduction,verdict,significant,warnings"));
  // 3 metrics x 3 variants, then families and runners (1 metric x 3
  // variants each); bargain_hunters has no metrics.
  ASSERT_THAT(lines, SizeIs(1 + 9 + 3 + 3));
  const std::vector<std::string>& columns = ReportCsvColumns();
  auto column = [&](const std::string& name) {
    return std::find(columns.begin(), columns.end(), name) - columns.begin();
  };
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_THAT(CsvFields(lines[i]), SizeIs(columns.size())) << lines[i];
  }
  // conversion / one_page_chat
  const std::vector<std::string> winner = CsvFields(lines[6]);
  EXPECT_EQ(winner[column("segment")], "");
  EXPECT_EQ(winner[column("metric_key")], "conversion");
  EXPECT_EQ(winner[column("metric_name")], "Conversion, \"checkout\"");
  EXPECT_EQ(winner[column("variant_key")], "one_page_chat");
  EXPECT_EQ(winner[column("control")], "false");
  EXPECT_EQ(winner[column("units")], "6587");
  EXPECT_EQ(winner[column("value")], "0.331");
  EXPECT_EQ(winner[column("relative_lift")], "0.061");
  EXPECT_EQ(winner[column("relative_ci_lower")], "0.023");
  EXPECT_EQ(winner[column("relative_p_value")], "0.0012");
  EXPECT_EQ(winner[column("relative_chance_to_win")], "");
  EXPECT_EQ(winner[column("verdict")], "better");
  EXPECT_EQ(winner[column("significant")], "true");
  // ces / one_page: everything undefined, the warning code kept.
  const std::vector<std::string> empty = CsvFields(lines[8]);
  EXPECT_EQ(empty[column("variant_key")], "one_page");
  EXPECT_EQ(empty[column("units")], "0");
  EXPECT_EQ(empty[column("value")], "");
  EXPECT_EQ(empty[column("relative_lift")], "");
  EXPECT_EQ(empty[column("verdict")], "undefined");
  EXPECT_EQ(empty[column("warnings")], "no_units");
  // The control row and the segment rows.
  const std::vector<std::string> control = CsvFields(lines[4]);
  EXPECT_EQ(control[column("control")], "true");
  EXPECT_EQ(control[column("verdict")], "");
  EXPECT_EQ(control[column("value_ci_upper")], "0.323");
  EXPECT_EQ(CsvFields(lines[12])[column("segment")], "families");
  EXPECT_EQ(CsvFields(lines[15])[column("segment")], "runners");
  EXPECT_EQ(CsvFields(lines[15])[column("verdict")], "inconclusive");
}

}  // namespace
}  // namespace cxlab::render
