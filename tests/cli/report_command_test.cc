// Copyright 2026 The cxlab Authors.
//
// `cxlab report`: flag validation (exit 2 with one clear line, before any
// connection), the request the flags build, and end to end against a real
// cxlabd started in-process with the sports-shop scenario's traffic: the
// table, --by-segment, JSON (which parses back to the same report), CSV,
// --html, and server errors.

#include "clients/cpp/cli/report_command.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/cpp/cli/cli_util.h"
#include "clients/cpp/cli/online_util.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/cli/cli_test_util.h"
#include "tests/integration/server_fixture.h"
#include "tests/render/report_test_util.h"

namespace cxlab::cli {
namespace {

using ::testing::AllOf;
using testing::CommandResult;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Lines;
using ::testing::Not;
using testing::RunBinary;
using testing::RunInProcess;
using ::testing::StartsWith;
using testing::TempDir;

std::string SourcePath(const std::string& relative) {
  return std::string(CXLAB_SOURCE_DIR) + "/" + relative;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// ---- Flags
// -------------------------------------------------------------------

// `cxlab report ARGS` must exit 2 with `message` on stderr and nothing on
// stdout. No server runs: validation comes before connecting.
void ExpectUsage(const std::vector<std::string>& args,
                 const std::string& message) {
  std::vector<std::string> full = {"--server", "127.0.0.1:1", "report"};
  full.insert(full.end(), args.begin(), args.end());
  CommandResult r = RunInProcess(full);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, AllOf(StartsWith("cxlab: "), HasSubstr(message)));
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  EXPECT_THAT(r.out, IsEmpty());
}

TEST(ReportFlags, BadValuesExitTwoWithAClearMessage) {
  ExpectUsage({"exp", "--method", "bayes"},
              "--method must be frequentist, sequential or bayesian, got "
              "'bayes'");
  ExpectUsage({"exp", "--segment", "families", "--by-segment"},
              "--segment and --by-segment cannot be combined");
  ExpectUsage({"exp", "--from", "2026-02-30"},
              "--from must be a day written YYYY-MM-DD, got '2026-02-30'");
  ExpectUsage({"exp", "--to", "2026/03/01"},
              "--to must be a day written YYYY-MM-DD, got '2026/03/01'");
  ExpectUsage({"exp", "--from", "2026-3-1"}, "YYYY-MM-DD, got '2026-3-1'");
  ExpectUsage({"exp", "--from", "2026-03-10", "--to", "2026-03-01"},
              "--from 2026-03-10 is after --to 2026-03-01");
  ExpectUsage({"exp", "--alpha", "1.5"}, "--alpha must be in (0, 1)");
  ExpectUsage({"exp", "--alpha", "0"}, "--alpha must be in (0, 1)");
  ExpectUsage({"exp", "--target-effect", "-0.1"},
              "--target-effect must be > 0 (a relative effect: 0.05 is +5%)");
  ExpectUsage({"exp", "--correction", "bonferroni"},
              "--correction must be none, holm (Holm-Bonferroni) or bh");
  ExpectUsage({"exp", "--output", "xml"},
              "--output must be table, json or csv, got 'xml'");
  ExpectUsage({"exp", "--all-metrics"}, "--all-metrics needs --by-segment");
  ExpectUsage({"exp", "--segment", ""}, "--segment must not be empty");
  ExpectUsage({"exp", "--html", ""}, "--html must name a file");
  ExpectUsage({""}, "the experiment key must not be empty");
  ExpectUsage({}, "experiment is required");
}

TEST(ReportFlags, TheBinaryExitsTwo) {
  TempDir dir;
  CommandResult r = RunBinary(dir, {"report", "checkout_redesign", "--method",
                                    "magic", "--server", "127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "cxlab: --method must be frequentist, sequential or bayesian, got "
            "'magic'\n");
}

TEST(ReportFlags, BuildsTheRequest) {
  ReportOptions o;
  o.experiment = "checkout_redesign";
  o.method = "sequential";
  o.alpha = 0.1;
  o.cuped = true;
  o.correction = "bh";
  o.from_day = "2026-03-01";
  o.to_day = "2026-03-01";
  o.target_effect = 0.03;
  absl::StatusOr<v1::GetReportRequest> r = BuildReportRequest(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->experiment_key(), "checkout_redesign");
  EXPECT_EQ(r->method(), v1::METHOD_SEQUENTIAL);
  EXPECT_EQ(r->alpha(), 0.1);
  EXPECT_TRUE(r->cuped());
  EXPECT_EQ(r->correction(), v1::CORRECTION_BH);
  EXPECT_EQ(r->from_day(), "2026-03-01");
  EXPECT_EQ(r->to_day(), "2026-03-01");
  EXPECT_EQ(r->target_effect(), 0.03);
  EXPECT_FALSE(r->by_segment());
  EXPECT_TRUE(r->segment().empty());

  // The HTML report asks for the breakdown itself, unless restricted to a
  // segment.
  o.html = "r.html";
  EXPECT_TRUE(BuildReportRequest(o)->by_segment());
  o.segment = "families";
  EXPECT_FALSE(BuildReportRequest(o)->by_segment());
  EXPECT_EQ(BuildReportRequest(o)->segment(), "families");

  // Defaults leave the server's defaults.
  ReportOptions d;
  d.experiment = "x";
  r = BuildReportRequest(d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->alpha(), 0);
  EXPECT_EQ(r->target_effect(), 0);
  EXPECT_EQ(r->method(), v1::METHOD_FREQUENTIST);
  EXPECT_EQ(r->correction(), v1::CORRECTION_NONE);
}

// ---- End to end
// ------------------------------------------------------------------

class ReportEndToEndTest : public integration::ServerTest {
 protected:
  void SetUp() override {
    unsetenv("CXLAB_SERVER");
    unsetenv("CXLAB_KEY");
    unsetenv("NO_COLOR");
    ASSERT_NO_FATAL_FAILURE(integration::ServerTest::SetUp());
    address_ = absl::StrCat("127.0.0.1:", server_->port());
    CommandResult applied = Cli({"apply", "-f", SourcePath("experiments")});
    ASSERT_EQ(applied.exit_code, 0) << applied.err;
  }

  CommandResult Cli(const std::vector<std::string>& args) {
    std::vector<std::string> full = {"--server", address_, "--key",
                                     integration::kAdminKey};
    full.insert(full.end(), args.begin(), args.end());
    return RunInProcess(full);
  }

  void Simulate() {
    CommandResult r =
        Cli({"simulate", "--scenario",
             SourcePath("experiments/scenarios/sports-shop.yaml"), "--visitors",
             "1500", "--seed", "7", "--now", FormatRfc3339(absl::Now())});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  TempDir files_;
  std::string address_;
};

TEST_F(ReportEndToEndTest, TableJsonCsvAndHtml) {
  ASSERT_NO_FATAL_FAILURE(Simulate());

  // The table.
  CommandResult table = Cli({"report", "checkout_redesign"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.err, IsEmpty());
  EXPECT_THAT(
      table.out,
      AllOf(HasSubstr("Checkout redesign (one page, live chat) "
                      "(checkout_redesign)\n"),
            HasSubstr("  status     running, "),
            HasSubstr("  analysis   frequentist, alpha 0.05 (95% intervals), "
                      "correction none, CUPED off\n"),
            HasSubstr("  units      control "), HasSubstr("  SRM check  "),
            HasSubstr("  verdict    "), HasSubstr("\nconversion"),
            HasSubstr("\u00b7 primary\n"), HasSubstr("\u00b7 guardrail: "),
            HasSubstr("  power: conversion, "),
            HasSubstr("relative lift [95% CI]"),
            Not(HasSubstr("By persona segment")), Not(HasSubstr("\x1b["))));

  // The breakdown, Bayesian.
  CommandResult by_segment = Cli(
      {"report", "checkout_redesign", "--by-segment", "--method", "bayesian"});
  ASSERT_EQ(by_segment.exit_code, 0) << by_segment.err;
  EXPECT_THAT(by_segment.out, AllOf(HasSubstr("analysis   bayesian"),
                                    HasSubstr("chance to win"),
                                    HasSubstr("By persona segment: conversion"),
                                    HasSubstr("  all units ")));

  // JSON: one Report document, without the breakdown nobody asked for.
  const std::string html_path = files_.NewPath("report") + ".html";
  CommandResult json = Cli({"report", "checkout_redesign", "--output", "json",
                            "--html", html_path, "--correction", "holm"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  ASSERT_EQ(Lines(json.out).size(), 1u) << json.out;
  v1::Report report;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(json.out, &report).ok())
      << json.out;
  EXPECT_EQ(report.experiment_key(), "checkout_redesign");
  EXPECT_EQ(report.correction(), v1::CORRECTION_HOLM);
  EXPECT_EQ(report.variant_keys_size(), 3);
  EXPECT_GT(report.metrics_size(), 0);
  EXPECT_EQ(report.by_segment_size(), 0);
  EXPECT_EQ(json.err, absl::StrCat("HTML report: ", html_path, "\n"));

  // The HTML file: the header, and a plot for the forest, the days, the
  // units and the personas.
  const std::string html = ReadFile(html_path);
  EXPECT_THAT(html, StartsWith("<!DOCTYPE html>"));
  EXPECT_THAT(html,
              AllOf(HasSubstr("<h1>Checkout redesign (one page, live chat)"
                              "</h1>"),
                    HasSubstr("aria-label=\"Relative lift of every metric"),
                    HasSubstr("aria-label=\"Cumulative relative lift of "
                              "conversion per day\""),
                    HasSubstr("aria-label=\"Units per variant"),
                    HasSubstr("per persona segment\"")));
  EXPECT_THAT(html, Not(HasSubstr("http")));

  // CSV.
  CommandResult csv =
      Cli({"report", "checkout_redesign", "--output", "csv", "--by-segment"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const std::vector<std::string> rows = Lines(csv.out);
  ASSERT_GT(rows.size(), 1u);
  EXPECT_THAT(rows[0], StartsWith("experiment_key,segment,metric_key,"));
  EXPECT_THAT(csv.out, HasSubstr("\ncheckout_redesign,,conversion,"));

  // --html with the table: the file is named at the end of stdout.
  const std::string aa_html = files_.NewPath("aa") + ".html";
  CommandResult aa =
      Cli({"report", "aa_randomization_check", "--html", aa_html});
  ASSERT_EQ(aa.exit_code, 0) << aa.err;
  EXPECT_THAT(aa.out, EndsWith(absl::StrCat("\nHTML report: ", aa_html, "\n")));
  EXPECT_THAT(ReadFile(aa_html), HasSubstr("<svg "));

  // A day range and a segment.
  CommandResult ranged =
      Cli({"report", "checkout_redesign", "--segment", "families", "--from",
           "2020-01-01", "--to", "2099-12-31"});
  ASSERT_EQ(ranged.exit_code, 0) << ranged.err;
  EXPECT_THAT(ranged.out,
              AllOf(HasSubstr("  segment    families (only units in this "
                              "persona segment)"),
                    HasSubstr("  days       2020-01-01 .. 2099-12-31")));
}

TEST_F(ReportEndToEndTest, ServerErrorsExitOne) {
  CommandResult unknown = Cli({"report", "no_such_experiment"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, StartsWith("cxlab: NOT_FOUND: "));
  EXPECT_THAT(unknown.out, IsEmpty());

  CommandResult segment =
      Cli({"report", "checkout_redesign", "--segment", "no_such_segment"});
  EXPECT_EQ(segment.exit_code, 1);
  EXPECT_THAT(segment.err, HasSubstr("no_such_segment"));

  // No traffic yet: a report full of undefined numbers, still printed.
  CommandResult empty = Cli({"report", "checkout_redesign"});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_THAT(empty.out, HasSubstr("\u2014"));

  // An unwritable --html path is a usage error; nothing half-written.
  CommandResult unwritable = Cli({"report", "checkout_redesign", "--html",
                                  files_.path() + "/missing/dir/r.html"});
  EXPECT_EQ(unwritable.exit_code, 2);
  EXPECT_THAT(unwritable.err, HasSubstr("cannot write the file"));
  EXPECT_THAT(unwritable.out, IsEmpty());
}

TEST(ReportJson, ParsesBackToTheSameReport) {
  const v1::Report report = render::testing::SampleReport();
  const std::string json = ToJsonLine(report);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  v1::Report back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok())
      << json;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(report, back))
      << json;
  // Unset optional numbers stay unset (not 0) through JSON.
  EXPECT_FALSE(back.metrics(2).variants(1).has_value());
  EXPECT_TRUE(back.metrics(1).variants(0).has_value());
}

}  // namespace
}  // namespace cxlab::cli
