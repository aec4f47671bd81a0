// Copyright 2026 The cxlab Authors.
//
// Fuzz target "report": report computation on arbitrary sufficient
// statistics — engine::stats::AnalyzeExperiment (engine/stats/analysis.h)
// with the SRM check, power plan and bandit weights beside it, and the
// server's report builder (api/server/report_builder.h: BuildReport,
// BuildTimeSeries) over arbitrary stored cells.
//
// Input: binary, read front to back with FuzzInput (tests/fuzz/
// fuzz_util.h); any bytes decode to something. The first byte picks
// the part: even -> AnalyzeExperiment, odd -> BuildReport. For
// AnalyzeExperiment: variant and metric counts, the options (method,
// alpha, CUPED, correction, prior, tuning), weights and units per variant,
// then per metric its type, direction, guardrail flag and one
// SufficientStats per variant (counts, sums and sums of squares either
// drawn consistent — sum_sq >= sum^2 / n, conversions <= n — or any
// values at all). For BuildReport: the request's options, then up to 64
// cells (variant index, metric key, day, segment, stats) for a fixed
// three-variant experiment with one metric of every type.
//
// Properties checked besides "no crash, no sanitizer report": wherever the
// API promises "unset instead of NaN" (EffectEstimate, ArmMoments,
// SrmResult, CupedFit, PowerAnalysis, every double of the Report and
// GetTimeSeriesResponse messages) a value that is set is finite, and
// p-values, adjusted p-values and chances to win lie in [0, 1].

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "api/server/report_builder.h"
#include "cxlab/v1/reports.pb.h"
#include "engine/definitions.h"
#include "engine/definitions_codec.h"
#include "engine/metrics.h"
#include "engine/snapshot.h"
#include "engine/stats/analysis.h"
#include "engine/stats/bandit.h"
#include "engine/stats/power.h"
#include "engine/stats/srm.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "storage/event_pipeline.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace engine = cxlab::engine;
namespace stats = cxlab::engine::stats;
using cxlab::fuzz::FuzzInput;
using engine::MetricType;
using engine::SufficientStats;

constexpr MetricType kTypes[] = {
    MetricType::kBinomial, MetricType::kCount,  MetricType::kMean,
    MetricType::kRatio,    MetricType::kNps,    MetricType::kCsat,
    MetricType::kCes,      MetricType::kScore,  MetricType::kDuration,
    MetricType::kRetention};

void CheckFinite(const std::optional<double>& x, const std::string& what) {
  if (x.has_value()) {
    FUZZ_CHECK(std::isfinite(*x), what + " is " + std::to_string(*x));
  }
}

void CheckProbability(const std::optional<double>& x,
                      const std::string& what) {
  CheckFinite(x, what);
  if (x.has_value()) {
    FUZZ_CHECK(*x >= 0 && *x <= 1, what + " = " + std::to_string(*x) +
                                       " is outside [0, 1]");
  }
}

void CheckEstimate(const stats::EffectEstimate& e, const std::string& what) {
  CheckFinite(e.effect, what + ".effect");
  CheckFinite(e.std_error, what + ".std_error");
  if (e.ci.has_value()) {
    CheckFinite(e.ci->lower, what + ".ci.lower");
    CheckFinite(e.ci->upper, what + ".ci.upper");
  }
  CheckFinite(e.dof, what + ".dof");
  CheckProbability(e.p_value, what + ".p_value");
  CheckProbability(e.adjusted_p_value, what + ".adjusted_p_value");
  CheckProbability(e.chance_to_win, what + ".chance_to_win");
  CheckFinite(e.risk_control, what + ".risk_control");
  CheckFinite(e.risk_treatment, what + ".risk_treatment");
}

void CheckArm(const stats::ArmMoments& m, const std::string& what) {
  CheckFinite(m.mean, what + ".mean");
  CheckFinite(m.variance, what + ".variance");
  CheckFinite(m.unadjusted_mean, what + ".unadjusted_mean");
  CheckFinite(m.unadjusted_variance, what + ".unadjusted_variance");
}

// Every double (and float) field of `message` and its sub-messages that is
// set is finite: the report messages use unset optionals, never NaN.
void CheckMessageFinite(const google::protobuf::Message& message,
                        const std::string& path) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string where = path + "." + f->name();
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(message, f); ++i) {
          CheckMessageFinite(r->GetRepeatedMessage(message, f, i),
                             absl::StrCat(where, "[", i, "]"));
        }
      } else {
        CheckMessageFinite(r->GetMessage(message, f), where);
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE ||
               f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
      const bool is_double = f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE;
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(message, f); ++i) {
          const double x = is_double ? r->GetRepeatedDouble(message, f, i)
                                     : r->GetRepeatedFloat(message, f, i);
          FUZZ_CHECK(std::isfinite(x), absl::StrCat(where, "[", i, "] is ", x));
        }
      } else {
        const double x =
            is_double ? r->GetDouble(message, f) : r->GetFloat(message, f);
        FUZZ_CHECK(std::isfinite(x), absl::StrCat(where, " is ", x));
      }
    }
  }
}

// One arm's statistics, drawn consistent (a plausible cell) or arbitrary.
// `bounded` keeps |n| below 2^40, as for cells read from storage (sums of
// +1/-1 deltas), so that summing cells cannot overflow; unbounded n is any
// int64, as the engine's public functions accept.
SufficientStats DrawStats(FuzzInput& in, MetricType type, bool bounded) {
  SufficientStats s;
  const uint8_t mode = in.Byte();
  if (mode % 4 != 0) {
    // Consistent: n units with sums a real cell could hold.
    s.n = mode % 4 == 1 ? in.IntInRange(0, 50)
                        : in.IntInRange(0, 10000000);
    const double n = static_cast<double>(s.n);
    if (type == MetricType::kBinomial || type == MetricType::kRetention) {
      s.sum = std::floor(n * in.IntInRange(0, 255) / 255.0);
      s.sum_sq = s.sum;
    } else {
      const double mean = in.Double();
      const double var = std::fabs(in.Double());
      s.sum = mean * n;
      s.sum_sq = n * (mean * mean + var);
    }
    if (type == MetricType::kRatio) {
      const double mean = std::fabs(in.Double());
      const double var = std::fabs(in.Double());
      s.den_sum = mean * n;
      s.den_sum_sq = n * (mean * mean + var);
      s.cross_sum = in.Double() * n;
    }
    if (in.Bool()) {
      const double mean = in.Double();
      const double var = std::fabs(in.Double());
      s.pre_sum = mean * n;
      s.pre_sum_sq = n * (mean * mean + var);
      s.pre_cross_sum = in.Double() * n;
    }
    return s;
  }
  // Arbitrary.
  s.n = in.Bool() ? in.IntInRange(-2, 100)
                  : static_cast<int64_t>(in.Uint64());
  if (bounded) s.n %= int64_t{1} << 40;
  for (double* d : {&s.sum, &s.sum_sq, &s.den_sum, &s.den_sum_sq,
                    &s.cross_sum, &s.pre_sum, &s.pre_sum_sq,
                    &s.pre_cross_sum}) {
    *d = in.Bool() ? in.Double() : 0;
  }
  return s;
}

double DrawProbabilityOption(FuzzInput& in, double usual) {
  switch (in.Byte() % 4) {
    case 0:
      return usual;
    case 1:
      return 0.01;
    case 2:
      return static_cast<double>(in.IntInRange(1, 999)) / 1000.0;
    default:
      return in.Double();
  }
}

void FuzzAnalysis(FuzzInput& in) {
  const int k = static_cast<int>(in.IntInRange(2, 5));
  const int metric_count = static_cast<int>(in.IntInRange(1, 3));
  stats::AnalysisOptions o;
  o.method = static_cast<stats::Method>(in.IntInRange(0, 2));
  o.alpha = DrawProbabilityOption(in, 0.05);
  o.cuped = in.Bool();
  o.correction = static_cast<stats::Correction>(in.IntInRange(0, 2));
  if (in.Bool()) o.sequential_tuning = in.Double();
  if (in.Bool()) {
    o.prior.proper = true;
    o.prior.mean = in.Double();
    o.prior.variance = in.Double();
  }
  if (in.Bool()) o.srm_threshold = DrawProbabilityOption(in, 0.001);

  stats::ExperimentInput input;
  const bool equal_weights = in.Bool();
  for (int v = 0; v < k; ++v) {
    input.weights.push_back(equal_weights ? 1.0 / k : in.Double());
    input.units.push_back(in.Bool() ? in.IntInRange(0, 100000)
                                    : static_cast<int64_t>(in.Uint64()));
  }
  for (int m = 0; m < metric_count; ++m) {
    stats::MetricInput metric;
    metric.type = kTypes[in.IntInRange(0, 9)];
    metric.direction = in.Bool() ? engine::MetricDirection::kHigher
                                 : engine::MetricDirection::kLower;
    metric.guardrail = in.Bool();
    for (int v = 0; v < k; ++v) {
      metric.arms.push_back(DrawStats(in, metric.type, /*bounded=*/false));
    }
    input.metrics.push_back(std::move(metric));
  }

  absl::StatusOr<stats::SrmResult> srm =
      stats::CheckSampleRatio(input.units, input.weights, o.srm_threshold);
  if (srm.ok()) {
    CheckFinite(srm->chi_squared, "srm.chi_squared");
    CheckProbability(srm->p_value, "srm.p_value");
  }

  absl::StatusOr<stats::ExperimentAnalysis> a =
      stats::AnalyzeExperiment(input, o);
  if (!a.ok()) return;
  CheckFinite(a->srm.chi_squared, "srm.chi_squared");
  CheckProbability(a->srm.p_value, "srm.p_value");
  for (size_t m = 0; m < a->metrics.size(); ++m) {
    const stats::MetricAnalysis& ma = a->metrics[m];
    const std::string where = absl::StrCat("metrics[", m, "]");
    if (ma.cuped.applied) {
      FUZZ_CHECK(std::isfinite(ma.cuped.theta) &&
                     std::isfinite(ma.cuped.pooled_pre_mean),
                 where + ".cuped is not finite");
    }
    for (size_t v = 0; v < ma.arms.size(); ++v) {
      const std::string arm = absl::StrCat(where, ".arms[", v, "]");
      CheckArm(ma.arms[v].moments, arm);
      if (ma.arms[v].value_ci.has_value()) {
        CheckFinite(ma.arms[v].value_ci->lower, arm + ".value_ci.lower");
        CheckFinite(ma.arms[v].value_ci->upper, arm + ".value_ci.upper");
      }
    }
    for (size_t c = 0; c < ma.comparisons.size(); ++c) {
      const stats::Comparison& cmp = ma.comparisons[c];
      const std::string at = absl::StrCat(where, ".comparisons[", c, "]");
      CheckEstimate(cmp.absolute, at + ".absolute");
      CheckEstimate(cmp.relative, at + ".relative");
      CheckFinite(cmp.cuped_variance_reduction,
                  at + ".cuped_variance_reduction");
    }
  }

  // The power plan of the first comparison, when both arms have moments.
  const stats::MetricAnalysis& first = a->metrics[0];
  std::optional<stats::Moments> control = first.arms[0].moments.moments();
  std::optional<stats::Moments> treatment = first.arms[1].moments.moments();
  if (control.has_value() && treatment.has_value()) {
    stats::PowerInput p;
    p.control = *control;
    p.treatment = *treatment;
    p.control_weight = 0.5;
    p.treatment_weight = 0.5;
    p.current_units =
        control->n > std::numeric_limits<int64_t>::max() - treatment->n
            ? std::numeric_limits<int64_t>::max()
            : control->n + treatment->n;
    if (in.Bool()) p.target_relative_effect = in.Double();
    p.units_per_day = std::fabs(in.Double());
    stats::PowerOptions po;
    po.alpha = o.alpha;
    absl::StatusOr<stats::PowerAnalysis> plan = stats::PlanPower(p, po);
    if (plan.ok()) {
      CheckFinite(plan->mde_absolute, "power.mde_absolute");
      CheckFinite(plan->mde_relative, "power.mde_relative");
      CheckFinite(plan->required_units, "power.required_units");
      CheckFinite(plan->units_still_needed, "power.units_still_needed");
      CheckFinite(plan->days_left, "power.days_left");
    }
  }

  // Bandit weights from the first metric's arms read as conversions. Slow
  // (numerical integration), so only for one input in four.
  if (in.Byte() % 4 != 0) return;
  std::vector<stats::ArmCounts> counts;
  for (const SufficientStats& s : input.metrics[0].arms) {
    const double sum = std::isfinite(s.sum) ? s.sum : 0;
    counts.push_back({static_cast<int64_t>(std::clamp(sum, -1.0, 1e12)),
                      s.n});
  }
  absl::StatusOr<std::vector<double>> w =
      stats::ThompsonWeights(counts, 0.05);
  if (w.ok()) {
    double total = 0;
    for (double x : *w) {
      FUZZ_CHECK(std::isfinite(x) && x >= 0 && x <= 1,
                 "bandit weight " + std::to_string(x));
      total += x;
    }
    FUZZ_CHECK(std::fabs(total - 1) < 1e-6, "bandit weights do not sum to 1");
  }
}

// The report builder's fixed world: one running three-variant experiment
// with one goal metric of every type and a guardrail, and one segment.
struct World {
  std::shared_ptr<const engine::ConfigSnapshot> snapshot;
  const engine::ExperimentDef* experiment = nullptr;
  std::vector<std::string> metric_keys;
};

const World& TheWorld() {
  static const World* world = [] {
    engine::Definitions defs;
    const char* metrics[] = {
        R"({"key":"conversion","type":"binomial","event":"purchase"})",
        R"({"key":"orders","type":"count","event":"purchase"})",
        R"({"key":"revenue","type":"mean","event":"purchase",)"
        R"("value_property":"amount","cap":1000})",
        R"({"key":"aov","type":"ratio","event":"purchase",)"
        R"("denominator_event":"order"})",
        R"({"key":"nps","type":"nps","event":"survey"})",
        R"({"key":"csat","type":"csat","event":"survey_csat"})",
        R"({"key":"ces","type":"ces","event":"survey_ces",)"
        R"("scale_min":1,"scale_max":7})",
        R"({"key":"score","type":"score","event":"rating"})",
        R"({"key":"ttr","type":"duration","event":"ticket_resolved"})",
        R"({"key":"returned","type":"retention","event":"visit",)"
        R"("retention_hours":168})",
        R"({"key":"errors","type":"count","event":"checkout_error",)"
        R"("direction":"lower","guardrail":true})"};
    auto* w = new World();
    for (const char* m : metrics) {
      absl::StatusOr<engine::MetricDef> def = engine::MetricFromJson(m);
      FUZZ_CHECK(def.ok(), std::string(def.status().message()));
      w->metric_keys.push_back(def->key);
      defs.metrics.push_back(*std::move(def));
    }
    absl::StatusOr<engine::SegmentDef> segment = engine::SegmentFromJson(
        R"({"key":"runners","condition":{"interests":"running"}})");
    FUZZ_CHECK(segment.ok(), std::string(segment.status().message()));
    defs.segments.push_back(*std::move(segment));
    absl::StatusOr<engine::ExperimentDef> experiment =
        engine::ExperimentFromJson(
            R"({"key":"checkout","status":"running",)"
            R"("variants":[{"key":"control","weight":0.34},)"
            R"({"key":"one_page","weight":0.33},)"
            R"({"key":"chat","weight":0.33}],)"
            R"("metrics":["conversion","orders","revenue","aov","nps",)"
            R"("csat","ces","score","ttr","returned"],)"
            R"("guardrails":["errors"]})");
    FUZZ_CHECK(experiment.ok(), std::string(experiment.status().message()));
    defs.experiments.push_back(*std::move(experiment));
    absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> snapshot =
        engine::ConfigSnapshot::Build(std::move(defs), 1);
    FUZZ_CHECK(snapshot.ok(), std::string(snapshot.status().message()));
    w->snapshot = *std::move(snapshot);
    w->experiment = (*w->snapshot).FindExperiment("checkout")->def;
    w->metric_keys.push_back("$units");
    w->metric_keys.push_back("unknown_metric");
    return w;
  }();
  return *world;
}

void FuzzReport(FuzzInput& in) {
  const World& world = TheWorld();
  cxlab::v1::GetReportRequest request;
  request.set_experiment_key("checkout");
  request.set_method(static_cast<cxlab::v1::Method>(in.IntInRange(0, 3)));
  if (in.Bool()) request.set_alpha(DrawProbabilityOption(in, 0.05));
  request.set_cuped(in.Bool());
  request.set_correction(
      static_cast<cxlab::v1::Correction>(in.IntInRange(0, 3)));
  if (in.Bool()) {
    request.mutable_prior()->set_proper(true);
    request.mutable_prior()->set_mean(in.Double());
    request.mutable_prior()->set_variance(in.Double());
  }
  const uint8_t segment_mode = in.Byte() % 4;
  if (segment_mode == 1) request.set_segment("runners");
  if (segment_mode == 2) request.set_by_segment(true);
  if (in.Bool()) request.set_from_day("2026-05-01");
  if (in.Bool()) request.set_to_day("2026-05-20");
  if (in.Bool()) request.set_target_effect(in.Double());
  if (in.Bool()) request.set_sequential_tuning(in.Double());
  absl::StatusOr<cxlab::api::ReportOptions> options =
      cxlab::api::ReportOptionsFromProto(request, *world.snapshot);
  if (!options.ok()) options = cxlab::api::ReportOptions();

  const int64_t base_day = 20574;  // 2026-05-01
  std::vector<cxlab::storage::CellStats> cells;
  const int count = static_cast<int>(in.IntInRange(0, 64));
  for (int i = 0; i < count && in.remaining() > 0; ++i) {
    cxlab::storage::CellStats c;
    c.variant_index = static_cast<int>(in.IntInRange(-1, 3));
    c.metric_key = world.metric_keys[in.IntInRange(
        0, static_cast<int64_t>(world.metric_keys.size()) - 1)];
    // Days are stored as an int32 in the cell's key (storage/keys.h).
    c.day = in.Bool() ? base_day + in.IntInRange(-3, 40)
                      : static_cast<int32_t>(in.Uint64());
    switch (in.Byte() % 4) {
      case 0:
        c.segment = "runners";
        break;
      case 1:
        c.segment = "$none";
        break;
      case 2:
        c.segment = "gone";
        break;
      default:
        break;
    }
    const engine::MetricDef* def = nullptr;
    for (const engine::MetricDef& m : world.snapshot->definitions().metrics) {
      if (m.key == c.metric_key) def = &m;
    }
    c.stats = DrawStats(in, def != nullptr ? def->type : MetricType::kCount,
                        /*bounded=*/true);
    cells.push_back(std::move(c));
  }

  const absl::Time now = absl::FromUnixSeconds(1780000000);
  absl::StatusOr<cxlab::v1::Report> report = cxlab::api::BuildReport(
      *world.snapshot, *world.experiment, cells, *options, now);
  if (report.ok()) CheckMessageFinite(*report, "report");
  for (const std::string& metric : {std::string(), std::string("revenue"),
                                    std::string("aov")}) {
    absl::StatusOr<cxlab::v1::GetTimeSeriesResponse> series =
        cxlab::api::BuildTimeSeries(*world.snapshot, *world.experiment, cells,
                                    metric, *options);
    if (series.ok()) CheckMessageFinite(*series, "timeseries");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8 * 1024) return 0;
  FuzzInput in(data, size);
  if (in.Byte() % 2 == 0) {
    FuzzAnalysis(in);
  } else {
    FuzzReport(in);
  }
  return 0;
}
