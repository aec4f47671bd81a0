// Copyright 2026 The cxlab Authors.
//
// Hand-built reports for the report rendering tests (report_format_test.cc,
// report_html_test.cc, web_ui_test.cc) and the `cxlab report` tests: a
// checkout experiment with three variants, a primary rate metric with a
// clear winner, a lower-is-better metric that improved, a metric whose
// treatment has no units (every number undefined), a violated guardrail with
// one-sided intervals, power, and a persona breakdown where one segment
// lacks the primary metric.

#ifndef CXLAB_TESTS_RENDER_REPORT_TEST_UTIL_H_
#define CXLAB_TESTS_RENDER_REPORT_TEST_UTIL_H_

#include <string>
#include <vector>

#include "cxlab/v1/reports.pb.h"

namespace cxlab::render::testing {

// The report described above (frequentist, alpha 0.05, no correction, SRM
// ok with p = 0.41). Fails the test when the text proto does not parse.
v1::Report SampleReport();

// Daily points for SampleReport's primary metric: 5 days x 2 treatments,
// the first day of one_page with every number undefined.
v1::GetTimeSeriesResponse SampleSeries();

// How often `needle` occurs in `text` (non-overlapping).
int CountOf(const std::string& text, const std::string& needle);

// Parses a text-format Report; fails the test when it does not parse.
v1::Report ReportFromText(const std::string& text);

// `text` split into lines, without the line ends.
std::vector<std::string> Lines(const std::string& text);

}  // namespace cxlab::render::testing

#endif  // CXLAB_TESTS_RENDER_REPORT_TEST_UTIL_H_
