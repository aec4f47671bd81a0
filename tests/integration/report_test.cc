// Copyright 2026 The cxlab Authors.
//
// ReportService through gRPC: reports built from the event pipeline's
// aggregates — exact numbers for hand-computed data, a known effect found
// significant in the right direction and an A/A not, the verdict sentence
// formatted as the report table formats it, per-persona breakdown, a
// bandit's SRM check reported as not applicable, time series, degenerate
// data and bad options.

#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/render/report_format.h"
#include "api/render/web_ui.h"
#include "api/server/report_builder.h"
#include "cxlab/v1/events.grpc.pb.h"
#include "cxlab/v1/reports.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using EvS = v1::EventService::Stub;
using RS = v1::ReportService::Stub;

class ReportTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    events_ = v1::EventService::NewStub(channel_);
    reports_ = v1::ReportService::NewStub(channel_);
    CreateMetric("conversion", v1::METRIC_TYPE_BINOMIAL, "purchase");
    CreateMetric("revenue", v1::METRIC_TYPE_MEAN, "purchase");
    CreateMetric("csat", v1::METRIC_TYPE_CSAT, "survey_csat");
    v1::CreateSegmentRequest runners;
    runners.mutable_segment()->set_key("runners");
    runners.mutable_segment()->set_name("Runners");
    *runners.mutable_segment()->mutable_condition() =
        StructFromJson(R"({"runner": true})");
    v1::Segment segment;
    ASSERT_OK(Exp(&ES::CreateSegment, runners, &segment, kAdminKey));
    for (const char* key : {"checkout", "aa"}) {
      v1::Experiment e =
          MakeExperiment(key, {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING);
      e.add_metrics("conversion");
      e.add_metrics("revenue");
      e.add_guardrails("csat");
      ASSERT_OK(CreateExperiment(e));
    }
  }

  void CreateMetric(const std::string& key, v1::MetricType type,
                    const std::string& event) {
    v1::CreateMetricRequest request;
    request.mutable_metric()->set_key(key);
    request.mutable_metric()->set_type(type);
    request.mutable_metric()->set_event(event);
    v1::Metric out;
    ASSERT_OK(Exp(&ES::CreateMetric, request, &out, kAdminKey));
  }

  // Reports exposures of `experiment` decided by the client, at `time`.
  void Expose(const std::string& experiment,
              const std::vector<std::pair<std::string, std::string>>& units,
              absl::Time time, bool runner = false) {
    v1::TrackExposuresRequest request;
    for (const auto& [unit, variant] : units) {
      v1::Exposure* x = request.add_exposures();
      x->set_experiment_key(experiment);
      x->set_variant_key(variant);
      x->set_unit_id(unit);
      x->mutable_time()->set_seconds(absl::ToUnixSeconds(time));
      if (runner) {
        *x->mutable_attributes() = StructFromJson(R"({"runner": true})");
      }
    }
    v1::TrackExposuresResponse response;
    auto context = Ctx(kAdminKey);
    ASSERT_OK(events_->TrackExposures(context.get(), request, &response));
  }

  void Track(const std::vector<v1::Event>& events) {
    for (size_t first = 0; first < events.size(); first += 10000) {
      v1::TrackRequest request;
      for (size_t i = first; i < std::min(events.size(), first + 10000); ++i) {
        *request.add_events() = events[i];
      }
      v1::TrackResponse response;
      auto context = Ctx(kAdminKey);
      ASSERT_OK(events_->Track(context.get(), request, &response));
      ASSERT_EQ(response.errors_size(), 0);
    }
  }

  static v1::Event Event(const std::string& id, const std::string& unit,
                         const std::string& name, double value,
                         absl::Time time) {
    v1::Event e;
    e.set_event_id(id);
    e.set_unit_id(unit);
    e.set_name(name);
    e.set_value(value);
    e.mutable_time()->set_seconds(absl::ToUnixSeconds(time));
    return e;
  }

  grpc::Status Report(const v1::GetReportRequest& request, v1::Report* out,
                      const std::string& key = kAdminKey) {
    auto context = Ctx(key);
    return reports_->GetReport(context.get(), request, out);
  }

  static const v1::MetricResult& Metric(const v1::Report& r,
                                        const std::string& key) {
    for (const v1::MetricResult& m : r.metrics()) {
      if (m.metric_key() == key) return m;
    }
    static const v1::MetricResult* const kNone = new v1::MetricResult();
    ADD_FAILURE() << "no metric " << key;
    return *kNone;
  }

  // n units per variant of `experiment` exposed `days_ago`, converting at
  // `rates[v]`, each purchase worth 10 (seeded: the same data every run).
  void Simulate(const std::string& experiment, int n,
                std::vector<double> rates, uint64_t seed, int days_ago = 1) {
    std::mt19937_64 rng(seed);
    const absl::Time exposed = absl::Now() - absl::Hours(24 * days_ago);
    std::vector<v1::Event> events;
    for (int v = 0; v < 2; ++v) {
      std::vector<std::pair<std::string, std::string>> units;
      for (int i = 0; i < n; ++i) {
        const std::string unit = absl::StrCat(experiment, "-", v, "-", i);
        units.emplace_back(unit, absl::StrCat("v", v));
        // A uniform draw in [0, 1) from 53 random bits: the same on every
        // standard library.
        const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
        if (u < rates[v]) {
          events.push_back(Event(unit + "-buy", unit, "purchase", 10,
                                 exposed + absl::Hours(1)));
        }
      }
      for (size_t first = 0; first < units.size(); first += 5000) {
        Expose(experiment,
               std::vector<std::pair<std::string, std::string>>(
                   units.begin() + first,
                   units.begin() + std::min(units.size(), first + 5000)),
               exposed);
      }
    }
    Track(events);
  }

  std::unique_ptr<EvS> events_;
  std::unique_ptr<RS> reports_;
};

TEST_F(ReportTest, HandComputedNumbers) {
  const absl::Time t = absl::Now() - absl::Hours(30);
  // Control: 4 units, 1 buyer (revenue 30); treatment: 4 units, 3 buyers.
  Expose("checkout", {{"a1", "v0"}, {"a2", "v0"}, {"a3", "v0"}, {"a4", "v0"}},
         t);
  Expose("checkout", {{"b1", "v1"}, {"b2", "v1"}, {"b3", "v1"}, {"b4", "v1"}},
         t);
  Track({Event("e1", "a1", "purchase", 30, t + absl::Hours(1)),
         Event("e2", "b1", "purchase", 10, t + absl::Hours(1)),
         Event("e3", "b2", "purchase", 20, t + absl::Hours(1)),
         Event("e4", "b3", "purchase", 30, t + absl::Hours(1))});
  v1::GetReportRequest request;
  request.set_experiment_key("checkout");
  v1::Report report;
  ASSERT_OK(Report(request, &report));
  EXPECT_EQ(report.status(), "running");
  ASSERT_EQ(report.units_size(), 2);
  EXPECT_EQ(report.units(0), 4);
  EXPECT_EQ(report.units(1), 4);
  EXPECT_GT(report.days_running(), 1.0);
  EXPECT_FALSE(report.srm().mismatch());
  EXPECT_DOUBLE_EQ(report.srm().p_value(), 1.0);  // a perfect 4/4 split
  const v1::MetricResult& conversion = Metric(report, "conversion");
  EXPECT_TRUE(conversion.primary());
  ASSERT_EQ(conversion.variants_size(), 2);
  EXPECT_DOUBLE_EQ(conversion.variants(0).value(), 0.25);
  EXPECT_DOUBLE_EQ(conversion.variants(1).value(), 0.75);
  const v1::VariantResult& treatment = conversion.variants(1);
  EXPECT_DOUBLE_EQ(treatment.absolute().estimate(), 0.5);
  EXPECT_DOUBLE_EQ(treatment.relative().estimate(), 2.0);
  // Welch on binomial arms (variance p(1-p), gbstats): SE = sqrt(2 *
  // 0.1875 / 4); t = 0.5 / SE = 1.633; df = 6 -> two-sided p =
  // 2 * scipy.stats.t.sf(1.633, 6) = 0.1535899.
  EXPECT_NEAR(treatment.absolute().std_error(), std::sqrt(0.375 / 4), 1e-12);
  EXPECT_NEAR(treatment.absolute().p_value(), 0.1535899, 1e-6);  // scipy
  EXPECT_EQ(treatment.verdict(), v1::VERDICT_INCONCLUSIVE);
  const v1::MetricResult& revenue = Metric(report, "revenue");
  EXPECT_DOUBLE_EQ(revenue.variants(0).value(), 7.5);
  EXPECT_DOUBLE_EQ(revenue.variants(1).value(), 15.0);
  const v1::MetricResult& csat = Metric(report, "csat");
  EXPECT_TRUE(csat.guardrail());
  EXPECT_EQ(csat.guardrail_status(), "unknown");  // nobody answered
  EXPECT_EQ(csat.variants(0).units(), 0);
  EXPECT_FALSE(csat.variants(0).has_value());
  EXPECT_FALSE(csat.warnings().empty());
  EXPECT_THAT(report.verdict(),
              StartsWith("No significant difference in conversion yet"));
  EXPECT_EQ(report.power().metric_key(), "conversion");
  EXPECT_TRUE(report.power().has_mde_relative());
}

TEST_F(ReportTest, KnownEffectIsSignificantAndAaIsNot) {
  Simulate("checkout", 3000, {0.10, 0.16}, /*seed=*/1);
  Simulate("aa", 3000, {0.12, 0.12}, /*seed=*/2);
  v1::GetReportRequest request;
  request.set_experiment_key("checkout");
  v1::Report report;
  ASSERT_OK(Report(request, &report));
  const v1::VariantResult& t = Metric(report, "conversion").variants(1);
  EXPECT_EQ(t.verdict(), v1::VERDICT_BETTER);
  EXPECT_TRUE(t.significant());
  EXPECT_GT(t.relative().estimate(), 0.3);
  EXPECT_LT(t.relative().ci().lower(), 0.6);
  EXPECT_GT(t.relative().ci().lower(), 0);
  EXPECT_THAT(report.verdict(), StartsWith("v1 raises conversion by +"));
  for (v1::Method method :
       {v1::METHOD_SEQUENTIAL, v1::METHOD_BAYESIAN}) {
    request.set_method(method);
    ASSERT_OK(Report(request, &report));
    EXPECT_EQ(Metric(report, "conversion").variants(1).verdict(),
              v1::VERDICT_BETTER)
        << method;
  }
  EXPECT_GT(Metric(report, "conversion").variants(1).relative().chance_to_win(),
            0.99);

  request.set_experiment_key("aa");
  request.set_method(v1::METHOD_FREQUENTIST);
  request.set_correction(v1::CORRECTION_HOLM);
  ASSERT_OK(Report(request, &report));
  for (const v1::MetricResult& m : report.metrics()) {
    for (const v1::VariantResult& v : m.variants()) {
      EXPECT_FALSE(v.significant()) << m.metric_key() << " " << v.variant_key();
    }
  }
  const v1::VariantResult& aa = Metric(report, "conversion").variants(1);
  EXPECT_GE(aa.relative().adjusted_p_value(), aa.relative().p_value());
  EXPECT_THAT(report.verdict(), HasSubstr("No significant difference"));
}

TEST_F(ReportTest, VerdictFormatsNumbersAsTheTable) {
  // v1 converts less: "v1 lowers conversion by 3.1% [...]", never "by -".
  Simulate("checkout", 3000, {0.16, 0.10}, /*seed=*/3);
  Simulate("aa", 3000, {0.12, 0.12}, /*seed=*/4);
  v1::GetReportRequest request;
  request.set_experiment_key("checkout");
  v1::Report report;
  ASSERT_OK(Report(request, &report));
  const v1::MetricResult& conversion = Metric(report, "conversion");
  const v1::VariantResult& worse = conversion.variants(1);
  ASSERT_EQ(worse.verdict(), v1::VERDICT_WORSE);
  const std::string lift =
      render::FormatRelativeLift(conversion, worse.relative());
  ASSERT_THAT(lift, StartsWith("-"));
  EXPECT_THAT(report.verdict(),
              StartsWith(absl::StrCat("v1 lowers conversion by ",
                                      lift.substr(1), ", which is worse")))
      << report.verdict();
  EXPECT_THAT(report.verdict(), Not(HasSubstr("by -")));
  EXPECT_THAT(report.verdict(), Not(HasSubstr("inf")));

  // An A/A: the closest treatment's lift as the table prints it.
  request.set_experiment_key("aa");
  ASSERT_OK(Report(request, &report));
  const v1::MetricResult& aa = Metric(report, "conversion");
  EXPECT_THAT(
      report.verdict(),
      HasSubstr(absl::StrCat(
          "(v1: ", render::FormatRelativeLift(aa, aa.variants(1).relative()),
          ")")))
      << report.verdict();
  EXPECT_THAT(report.verdict(), Not(HasSubstr("-0.0%")));
  EXPECT_THAT(report.verdict(), Not(HasSubstr("-0.00%")));
}

TEST_F(ReportTest, BanditSrmCheckIsNotApplicable) {
  // A bandit experiment and a fixed one, both split 3:1 against 50/50
  // weights: a mismatch for the fixed one, "not applicable" for the bandit,
  // in the report and in every persona segment.
  v1::Experiment bandit =
      MakeExperiment("reco", {0.5, 0.5}, v1::EXPERIMENT_STATUS_RUNNING);
  bandit.add_metrics("conversion");
  bandit.set_sticky(true);
  bandit.mutable_bandit()->set_metric("conversion");
  ASSERT_OK(CreateExperiment(bandit));
  const absl::Time t = absl::Now() - absl::Hours(5);
  for (const char* experiment : {"reco", "checkout"}) {
    for (bool runner : {false, true}) {
      std::vector<std::pair<std::string, std::string>> units;
      for (int i = 0; i < 400; ++i) {
        units.emplace_back(
            absl::StrCat(experiment, runner ? "-r" : "-o", "-", i),
            i % 4 == 0 ? "v1" : "v0");
      }
      Expose(experiment, units, t, runner);
    }
  }
  v1::GetReportRequest request;
  request.set_by_segment(true);
  v1::Report fixed;
  request.set_experiment_key("checkout");
  ASSERT_OK(Report(request, &fixed));
  EXPECT_TRUE(fixed.srm().mismatch());
  EXPECT_TRUE(fixed.srm().has_p_value());
  EXPECT_THAT(fixed.verdict(), StartsWith("SAMPLE RATIO MISMATCH (p = "));

  v1::Report report;
  request.set_experiment_key("reco");
  ASSERT_OK(Report(request, &report));
  auto expect_not_applicable = [](const v1::SrmCheck& srm,
                                  const std::string& where) {
    EXPECT_FALSE(srm.mismatch()) << where;
    EXPECT_FALSE(srm.has_p_value()) << where;
    EXPECT_FALSE(srm.has_chi_square()) << where;
    ASSERT_EQ(srm.warnings_size(), 1) << where;
    EXPECT_EQ(srm.warnings(0).code(), "bandit_weights_changed") << where;
    EXPECT_THAT(srm.warnings(0).message(), StartsWith("not applicable"));
    EXPECT_TRUE(render::SrmNotApplicable(srm)) << where;
    EXPECT_EQ(render::SrmSummary(srm), "n/a \u2014 bandit reweights traffic")
        << where;
  };
  expect_not_applicable(report.srm(), "report");
  ASSERT_EQ(report.srm().units_size(), 2);
  EXPECT_EQ(report.srm().units(0), 600);
  EXPECT_EQ(report.srm().units(1), 200);
  ASSERT_GE(report.by_segment_size(), 1);
  for (const v1::SegmentReport& s : report.by_segment()) {
    expect_not_applicable(s.srm(), s.segment());
  }
  ASSERT_GE(report.warnings_size(), 1);
  EXPECT_EQ(report.warnings(0).code(), "bandit_weights_changed");
  EXPECT_THAT(report.verdict(), Not(HasSubstr("SAMPLE RATIO MISMATCH")));
  // The list badge and the pages say n/a, never ok or (SRM!).
  EXPECT_EQ(render::RowFromReport(report).srm,
            render::SrmState::kNotApplicable);
  const std::string table = render::FormatReportTable(report);
  EXPECT_THAT(table, HasSubstr("n/a \u2014 bandit reweights traffic"));
  EXPECT_THAT(table, Not(HasSubstr("(SRM!)")));
  EXPECT_THAT(table, Not(HasSubstr("MISMATCH")));
  // The JSON mapping leaves the unset numbers out.
  std::string json;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(report.srm(), &json).ok());
  EXPECT_THAT(json, Not(HasSubstr("pValue")));
  EXPECT_THAT(json, Not(HasSubstr("chiSquare")));
}

TEST_F(ReportTest, PersonaBreakdownAndSegmentFilter) {
  const absl::Time t = absl::Now() - absl::Hours(5);
  Expose("checkout", {{"r1", "v0"}, {"r2", "v1"}, {"r3", "v1"}}, t,
         /*runner=*/true);
  Expose("checkout", {{"o1", "v0"}, {"o2", "v1"}}, t);
  Track({Event("p1", "r2", "purchase", 5, t + absl::Hours(1)),
         Event("p2", "o1", "purchase", 5, t + absl::Hours(1))});
  v1::GetReportRequest request;
  request.set_experiment_key("checkout");
  request.set_by_segment(true);
  v1::Report report;
  ASSERT_OK(Report(request, &report));
  EXPECT_EQ(report.units(0), 2);
  EXPECT_EQ(report.units(1), 3);
  ASSERT_EQ(report.by_segment_size(), 1);
  const v1::SegmentReport& runners = report.by_segment(0);
  EXPECT_EQ(runners.segment(), "runners");
  EXPECT_EQ(runners.name(), "Runners");
  ASSERT_EQ(runners.units_size(), 2);
  EXPECT_EQ(runners.units(0), 1);
  EXPECT_EQ(runners.units(1), 2);
  ASSERT_GE(runners.metrics_size(), 1);
  EXPECT_DOUBLE_EQ(runners.metrics(0).variants(0).value(), 0.0);
  EXPECT_DOUBLE_EQ(runners.metrics(0).variants(1).value(), 0.5);

  request.set_by_segment(false);
  request.set_segment("runners");
  ASSERT_OK(Report(request, &report));
  EXPECT_EQ(report.segment(), "runners");
  EXPECT_EQ(report.units(0), 1);
  EXPECT_EQ(report.units(1), 2);
}

TEST_F(ReportTest, DateRangeAndTimeSeries) {
  const absl::Time day1 = absl::Now() - absl::Hours(72);
  const absl::Time day2 = absl::Now() - absl::Hours(24);
  Expose("checkout", {{"d1a", "v0"}, {"d1b", "v1"}}, day1);
  Expose("checkout", {{"d2a", "v0"}, {"d2b", "v1"}}, day2);
  Track({Event("x1", "d1b", "purchase", 5, day1 + absl::Hours(1)),
         Event("x2", "d2b", "purchase", 5, day2 + absl::Hours(1))});
  const std::string first =
      api::FormatDay(absl::ToUnixSeconds(day1) / 86400);
  v1::GetReportRequest request;
  request.set_experiment_key("checkout");
  request.set_from_day(first);
  request.set_to_day(first);
  v1::Report report;
  ASSERT_OK(Report(request, &report));
  EXPECT_EQ(report.units(0) + report.units(1), 2);
  EXPECT_EQ(report.from_day(), first);

  v1::GetTimeSeriesRequest series_request;
  series_request.set_experiment_key("checkout");
  v1::GetTimeSeriesResponse series;
  auto context = Ctx(kAdminKey);
  ASSERT_OK(reports_->GetTimeSeries(context.get(), series_request, &series));
  EXPECT_EQ(series.metric_key(), "conversion");
  ASSERT_EQ(series.points_size(), 2);  // two days x one treatment
  EXPECT_EQ(series.points(0).day(), first);
  EXPECT_EQ(series.points(0).units(), 1);  // cumulative
  EXPECT_EQ(series.points(1).units(), 2);
  EXPECT_DOUBLE_EQ(series.points(1).value(), 1.0);
  EXPECT_DOUBLE_EQ(series.points(1).control_value(), 0.0);
}

TEST_F(ReportTest, NoDataIsExplicitNotNan) {
  v1::GetReportRequest request;
  request.set_experiment_key("checkout");
  request.set_by_segment(true);
  for (v1::Method method : {v1::METHOD_FREQUENTIST, v1::METHOD_SEQUENTIAL,
                            v1::METHOD_BAYESIAN}) {
    request.set_method(method);
    request.set_cuped(true);
    v1::Report report;
    ASSERT_OK(Report(request, &report));
    EXPECT_EQ(report.verdict(), "No exposed units yet: nothing to report.");
    for (const v1::MetricResult& m : report.metrics()) {
      for (const v1::VariantResult& v : m.variants()) {
        EXPECT_FALSE(v.has_value());
        EXPECT_FALSE(v.relative().has_estimate());
        EXPECT_FALSE(v.relative().has_p_value());
      }
      EXPECT_FALSE(m.warnings().empty());
    }
    EXPECT_FALSE(report.srm().has_p_value());
    // The JSON mapping would print NaN as "NaN": none may appear.
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(report, &json).ok());
    EXPECT_THAT(json, ::testing::Not(HasSubstr("NaN")));
    EXPECT_THAT(json, ::testing::Not(HasSubstr("Infinity")));
  }
}

TEST_F(ReportTest, BadRequestsNameTheField) {
  struct Case {
    std::function<void(v1::GetReportRequest&)> edit;
    grpc::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](v1::GetReportRequest& r) { r.set_experiment_key(""); },
       grpc::StatusCode::INVALID_ARGUMENT, "experiment_key: must not be empty"},
      {[](v1::GetReportRequest& r) { r.set_experiment_key("nope"); },
       grpc::StatusCode::NOT_FOUND, "experiment_key: experiment 'nope'"},
      {[](v1::GetReportRequest& r) { r.set_alpha(1.5); },
       grpc::StatusCode::INVALID_ARGUMENT, "alpha: must be in (0, 1), got 1.5"},
      {[](v1::GetReportRequest& r) { r.set_segment("nope"); },
       grpc::StatusCode::NOT_FOUND, "segment: unknown segment 'nope'"},
      {[](v1::GetReportRequest& r) {
         r.set_segment("runners");
         r.set_by_segment(true);
       },
       grpc::StatusCode::INVALID_ARGUMENT,
       "by_segment: cannot be combined with segment"},
      {[](v1::GetReportRequest& r) { r.set_from_day("2026-13-01"); },
       grpc::StatusCode::INVALID_ARGUMENT,
       "from_day: must be YYYY-MM-DD, got '2026-13-01'"},
      {[](v1::GetReportRequest& r) {
         r.set_from_day("2026-11-02");
         r.set_to_day("2026-11-01");
       },
       grpc::StatusCode::INVALID_ARGUMENT, "to_day: must not be before"},
      {[](v1::GetReportRequest& r) { r.set_target_effect(-0.1); },
       grpc::StatusCode::INVALID_ARGUMENT, "target_effect: must be"},
      {[](v1::GetReportRequest& r) {
         r.set_method(v1::METHOD_BAYESIAN);
         r.mutable_prior()->set_proper(true);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "prior.variance: must be"},
  };
  for (const Case& c : cases) {
    v1::GetReportRequest request;
    request.set_experiment_key("checkout");
    c.edit(request);
    v1::Report report;
    grpc::Status st = Report(request, &report);
    EXPECT_EQ(st.error_code(), c.code) << c.message;
    EXPECT_THAT(st.error_message(), StartsWith(c.message));
  }
  // Readers may read reports; a key without a role may not.
  v1::GetReportRequest request;
  request.set_experiment_key("checkout");
  v1::Report report;
  EXPECT_OK(Report(request, &report, CreateKey(v1::ROLE_READER)));
  EXPECT_EQ(Report(request, &report, CreateKey(v1::ROLE_SDK)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace cxlab::integration
