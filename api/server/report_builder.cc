// Copyright 2026 The cxlab Authors.

#include "api/server/report_builder.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "api/render/report_format.h"
#include "engine/metrics.h"
#include "engine/stats/analysis.h"
#include "engine/stats/power.h"
#include "engine/stats/warnings.h"
#include "engine/status_macros.h"
#include "google/protobuf/timestamp.pb.h"
#include "storage/keys.h"

namespace cxlab::api {
namespace {

namespace stats = engine::stats;
using engine::SufficientStats;

constexpr double kDefaultAlpha = 0.05;
constexpr double kDefaultTargetEffect = 0.05;

// One metric of the experiment, in report order.
struct ReportMetric {
  const engine::MetricDef* def = nullptr;
  bool guardrail = false;
  bool primary = false;
};

// The experiment's metrics (goal metrics, primary first, then guardrails),
// each once, skipping keys the snapshot does not define.
std::vector<ReportMetric> MetricsOf(const engine::ConfigSnapshot& snapshot,
                                    const engine::ExperimentDef& experiment) {
  std::map<std::string, const engine::MetricDef*, std::less<>> defs;
  for (const engine::MetricDef& m : snapshot.definitions().metrics) {
    defs[m.key] = &m;
  }
  std::vector<ReportMetric> out;
  std::set<std::string> seen;
  bool first = true;
  for (const std::vector<std::string>* list :
       {&experiment.metrics, &experiment.guardrails}) {
    const bool guardrail_list = list == &experiment.guardrails;
    for (const std::string& key : *list) {
      auto it = defs.find(key);
      if (it == defs.end() || !seen.insert(key).second) continue;
      ReportMetric m;
      m.def = it->second;
      m.guardrail = guardrail_list || it->second->guardrail;
      m.primary = first && !guardrail_list;
      first = false;
      out.push_back(m);
    }
  }
  return out;
}

std::vector<double> WeightsOf(const engine::ExperimentDef& experiment) {
  std::vector<double> weights;
  for (const engine::VariantDef& v : experiment.variants) {
    if (!v.weight.has_value()) {
      const size_t n = experiment.variants.size();
      return std::vector<double>(n, n == 0 ? 0.0 : 1.0 / n);
    }
    weights.push_back(*v.weight);
  }
  return weights;
}

// The summed cells of one segment ("" = all units) within the day range.
struct Scope {
  std::vector<int64_t> units;  // exposed units per variant
  std::map<std::string, std::vector<SufficientStats>> arms;  // by metric
  std::optional<int64_t> first_day;  // first exposure day with units
};

bool InRange(int64_t day, const ReportOptions& options) {
  return (!options.from_day || day >= *options.from_day) &&
         (!options.to_day || day <= *options.to_day);
}

Scope ScopeOf(absl::Span<const storage::CellStats> cells, size_t variants,
              absl::string_view segment, const ReportOptions& options,
              std::optional<int64_t> up_to_day = std::nullopt) {
  Scope scope;
  scope.units.assign(variants, 0);
  for (const storage::CellStats& cell : cells) {
    if (cell.segment != segment || !InRange(cell.day, options)) continue;
    if (up_to_day && cell.day > *up_to_day) continue;
    if (cell.variant_index < 0 ||
        static_cast<size_t>(cell.variant_index) >= variants) {
      continue;  // a variant removed since (frozen while live, so rare)
    }
    if (cell.metric_key == storage::keys::kUnitsMetric) {
      scope.units[cell.variant_index] += cell.stats.n;
      if (cell.stats.n > 0 &&
          (!scope.first_day || cell.day < *scope.first_day)) {
        scope.first_day = cell.day;
      }
      continue;
    }
    std::vector<SufficientStats>& arms = scope.arms[cell.metric_key];
    arms.resize(variants);
    arms[cell.variant_index].Add(cell.stats);
  }
  return scope;
}

stats::ExperimentInput InputOf(const Scope& scope,
                               const std::vector<ReportMetric>& metrics,
                               const std::vector<double>& weights) {
  stats::ExperimentInput in;
  in.weights = weights;
  in.units = scope.units;
  for (const ReportMetric& m : metrics) {
    stats::MetricInput metric;
    metric.type = m.def->type;
    metric.direction = m.def->direction;
    metric.guardrail = m.guardrail;
    auto it = scope.arms.find(m.def->key);
    metric.arms = it != scope.arms.end()
                      ? it->second
                      : std::vector<SufficientStats>(weights.size());
    in.metrics.push_back(std::move(metric));
  }
  return in;
}

void AddWarnings(absl::Span<const stats::Warning> warnings,
                 std::set<std::pair<std::string, std::string>>& seen,
                 google::protobuf::RepeatedPtrField<v1::Warning>* out) {
  for (const stats::Warning& w : warnings) {
    std::string code(stats::WarningCodeName(w.code));
    if (!seen.emplace(code, w.message).second) continue;
    v1::Warning* p = out->Add();
    p->set_code(code);
    p->set_message(w.message);
  }
}

void IntervalToProto(const std::optional<stats::Interval>& in,
                     v1::Interval* out) {
  if (!in.has_value()) return;
  if (in->lower) out->set_lower(*in->lower);
  if (in->upper) out->set_upper(*in->upper);
}

void EffectToProto(const stats::EffectEstimate& e, v1::Effect* out) {
  if (e.effect) out->set_estimate(*e.effect);
  if (e.std_error) out->set_std_error(*e.std_error);
  IntervalToProto(e.ci, out->mutable_ci());
  if (e.p_value) out->set_p_value(*e.p_value);
  if (e.adjusted_p_value) out->set_adjusted_p_value(*e.adjusted_p_value);
  if (e.chance_to_win) out->set_chance_to_win(*e.chance_to_win);
  if (e.risk_control) out->set_risk_control(*e.risk_control);
  if (e.risk_treatment) out->set_risk_treatment(*e.risk_treatment);
}

v1::Verdict VerdictToProto(stats::Verdict v) {
  switch (v) {
    case stats::Verdict::kUndefined:
      return v1::VERDICT_UNDEFINED;
    case stats::Verdict::kInconclusive:
      return v1::VERDICT_INCONCLUSIVE;
    case stats::Verdict::kBetter:
      return v1::VERDICT_BETTER;
    case stats::Verdict::kWorse:
      return v1::VERDICT_WORSE;
  }
  return v1::VERDICT_UNDEFINED;
}

void SrmToProto(const stats::SrmResult& srm, const Scope& scope,
                const std::vector<double>& weights, v1::SrmCheck* out) {
  for (int64_t n : scope.units) out->add_units(n);
  for (double w : weights) out->add_weights(w);
  if (srm.chi_squared) out->set_chi_square(*srm.chi_squared);
  if (srm.p_value) out->set_p_value(*srm.p_value);
  out->set_mismatch(srm.mismatch);
  std::set<std::pair<std::string, std::string>> seen;
  AddWarnings(srm.warnings, seen, out->mutable_warnings());
}

void MetricToProto(const ReportMetric& m, const stats::MetricAnalysis& a,
                   const engine::ExperimentDef& experiment,
                   v1::MetricResult* out) {
  out->set_metric_key(m.def->key);
  out->set_name(m.def->name.empty() ? m.def->key : m.def->name);
  out->set_type(std::string(engine::MetricTypeName(m.def->type)));
  out->set_direction(m.def->direction == engine::MetricDirection::kLower
                         ? "lower"
                         : "higher");
  out->set_guardrail(m.guardrail);
  out->set_primary(m.primary);
  if (a.cuped.applied) out->set_cuped_theta(a.cuped.theta);
  std::set<std::pair<std::string, std::string>> seen;
  AddWarnings(a.cuped.warnings, seen, out->mutable_warnings());
  bool any_worse = false, any_undefined = false;
  for (size_t v = 0; v < a.arms.size(); ++v) {
    const stats::ArmResult& arm = a.arms[v];
    v1::VariantResult* r = out->add_variants();
    std::set<std::pair<std::string, std::string>> row_seen;
    r->set_variant_key(v < experiment.variants.size()
                           ? experiment.variants[v].key
                           : absl::StrCat("#", v));
    r->set_units(arm.moments.n);
    if (arm.moments.unadjusted_mean) {
      r->set_value(*arm.moments.unadjusted_mean);
    }
    IntervalToProto(arm.value_ci, r->mutable_value_ci());
    if (arm.moments.cuped_applied && arm.moments.mean) {
      r->set_adjusted_value(*arm.moments.mean);
    }
    AddWarnings(arm.moments.warnings, row_seen, r->mutable_warnings());
    if (v == 0) continue;
    for (const stats::Comparison& c : a.comparisons) {
      if (c.variant != static_cast<int>(v)) continue;
      EffectToProto(c.absolute, r->mutable_absolute());
      EffectToProto(c.relative, r->mutable_relative());
      if (c.cuped_variance_reduction) {
        r->set_cuped_variance_reduction(*c.cuped_variance_reduction);
      }
      r->set_verdict(VerdictToProto(c.verdict));
      r->set_significant(c.verdict == stats::Verdict::kBetter ||
                         c.verdict == stats::Verdict::kWorse);
      AddWarnings(c.warnings, row_seen, r->mutable_warnings());
      AddWarnings(c.absolute.warnings, row_seen, r->mutable_warnings());
      AddWarnings(c.relative.warnings, row_seen, r->mutable_warnings());
      any_worse |= c.verdict == stats::Verdict::kWorse;
      any_undefined |= c.verdict == stats::Verdict::kUndefined;
    }
  }
  // The metric's own list: every warning of its rows, once.
  for (const v1::VariantResult& r : out->variants()) {
    for (const v1::Warning& w : r.warnings()) {
      if (seen.emplace(w.code(), w.message()).second) {
        *out->add_warnings() = w;
      }
    }
  }
  if (m.guardrail) {
    out->set_guardrail_status(any_worse       ? "violated"
                              : any_undefined ? "unknown"
                                              : "ok");
  }
}

// Fills metrics and SRM of `scope` into the given fields; returns the
// analysis for further use.
absl::StatusOr<stats::ExperimentAnalysis> Analyze(
    const Scope& scope, const std::vector<ReportMetric>& metrics,
    const engine::ExperimentDef& experiment, const ReportOptions& options,
    v1::SrmCheck* srm_out,
    google::protobuf::RepeatedPtrField<v1::MetricResult>* metrics_out) {
  const std::vector<double> weights = WeightsOf(experiment);
  absl::StatusOr<stats::ExperimentAnalysis> analysis = stats::AnalyzeExperiment(
      InputOf(scope, metrics, weights), options.analysis);
  if (!analysis.ok()) {
    return absl::InternalError(absl::StrCat(
        "report of ", experiment.key, ": ", analysis.status().message()));
  }
  SrmToProto(analysis->srm, scope, weights, srm_out);
  for (size_t i = 0; i < metrics.size(); ++i) {
    MetricToProto(metrics[i], analysis->metrics[i], experiment,
                  metrics_out->Add());
  }
  return analysis;
}

// The SRM check of a bandit experiment: a bandit moves traffic between the
// variants on purpose, so the units cannot be tested against the configured
// weights. The chi-square statistic and p-value are left unset (the
// renderers print "n/a"), there is no mismatch, and the one warning says
// why (render::kBanditSrmWarning, which the renderers look for). Units and
// weights stay for reference.
void MarkSrmNotApplicable(v1::SrmCheck* srm) {
  srm->clear_chi_square();
  srm->clear_p_value();
  srm->set_mismatch(false);
  srm->clear_warnings();
  v1::Warning* w = srm->add_warnings();
  w->set_code(render::kBanditSrmWarning);
  w->set_message(
      "not applicable: a bandit reweights the traffic as it learns, so the "
      "split is not expected to match fixed weights");
}

// "one_page_chat raises conversion by +6.1% [+2.3%, +9.9%]", "bundle_10
// lowers conversion by 3.1% [-5.0%, -1.2%]": the numbers formatted as the
// report table prints them (render::FormatLiftClaim).
std::string Claim(const v1::MetricResult& m, const v1::VariantResult& v) {
  return render::FormatLiftClaim(m, v);
}

std::string Days(double days) {
  if (days < 1) return "less than a day";
  const int64_t rounded = static_cast<int64_t>(std::ceil(days));
  return absl::StrCat("about ", rounded, rounded == 1 ? " more day" :
                                                        " more days");
}

// The plain-language verdict of a report.
std::string VerdictText(const v1::Report& report) {
  std::vector<std::string> parts;
  int64_t total = 0;
  for (int64_t n : report.units()) total += n;
  if (total == 0) return "No exposed units yet: nothing to report.";
  if (report.srm().mismatch()) {
    parts.push_back(absl::StrCat(
        "SAMPLE RATIO MISMATCH (",
        report.srm().has_p_value()
            ? absl::StrCat("p = ", render::FormatPValue(report.srm().p_value()))
            : "units in a variant of weight 0",
        "): the split does not match the configured weights, so these "
        "results cannot be trusted until the cause is found"));
  }
  const v1::MetricResult* primary = nullptr;
  for (const v1::MetricResult& m : report.metrics()) {
    if (m.primary()) primary = &m;
  }
  if (primary == nullptr) {
    parts.push_back("the experiment has no goal metric");
  } else {
    std::vector<std::string> wins, losses;
    const v1::VariantResult* closest = nullptr;
    for (const v1::VariantResult& v : primary->variants()) {
      if (v.verdict() == v1::VERDICT_BETTER) wins.push_back(Claim(*primary, v));
      if (v.verdict() == v1::VERDICT_WORSE) {
        losses.push_back(absl::StrCat(Claim(*primary, v), ", which is worse"));
      }
      if (v.verdict() == v1::VERDICT_INCONCLUSIVE && closest == nullptr) {
        closest = &v;
      }
    }
    for (std::string& s : wins) parts.push_back(std::move(s));
    for (std::string& s : losses) parts.push_back(std::move(s));
    if (wins.empty() && losses.empty()) {
      std::string line =
          absl::StrCat("no significant difference in ", primary->metric_key(),
                       " yet");
      if (closest != nullptr && closest->relative().has_estimate()) {
        absl::StrAppend(
            &line, " (", closest->variant_key(), ": ",
            render::FormatRelativeLift(*primary, closest->relative()), ")");
      }
      if (report.power().has_days_left() && report.power().days_left() > 0) {
        absl::StrAppend(&line, "; keep running ",
                        Days(report.power().days_left()), " to detect ",
                        render::FormatSignedPercent(
                            report.power().target_relative_effect()));
      }
      parts.push_back(std::move(line));
    }
  }
  for (const v1::MetricResult& m : report.metrics()) {
    if (m.guardrail_status() != "violated") continue;
    std::vector<std::string> who;
    for (const v1::VariantResult& v : m.variants()) {
      if (v.verdict() == v1::VERDICT_WORSE) who.push_back(v.variant_key());
    }
    parts.push_back(absl::StrCat("guardrail ", m.metric_key(),
                                 " is significantly worse for ",
                                 absl::StrJoin(who, ", ")));
  }
  std::string text = absl::StrJoin(parts, "; ");
  // Capitalise our own phrases, never a variant key ("one_page raises ...").
  for (absl::string_view phrase :
       {"no significant", "the experiment", "guardrail"}) {
    if (absl::StartsWith(text, phrase)) {
      text[0] = static_cast<char>(std::toupper(text[0]));
    }
  }
  return text + ".";
}

// Power of the primary metric: the treatment closest to significance
// (smallest p-value; the first one when none has a p-value).
void PowerToProto(const std::vector<ReportMetric>& metrics,
                  const stats::ExperimentAnalysis& analysis,
                  const engine::ExperimentDef& experiment, const Scope& scope,
                  const ReportOptions& options, double days_running,
                  v1::Power* out) {
  out->set_target_relative_effect(options.target_effect);
  size_t primary = metrics.size();
  for (size_t i = 0; i < metrics.size(); ++i) {
    if (metrics[i].primary) primary = i;
  }
  if (primary == metrics.size()) return;
  const stats::MetricAnalysis& a = analysis.metrics[primary];
  out->set_metric_key(metrics[primary].def->key);
  const stats::Comparison* best = nullptr;
  for (const stats::Comparison& c : a.comparisons) {
    if (best == nullptr ||
        (c.relative.p_value &&
         (!best->relative.p_value || *c.relative.p_value < *best->relative.p_value))) {
      best = &c;
    }
  }
  if (best == nullptr) return;
  out->set_variant_key(experiment.variants[best->variant].key);
  int64_t total = 0;
  for (int64_t n : scope.units) total += n;
  const double per_day = days_running > 0 ? total / days_running : 0;
  out->set_units_per_day(per_day);
  std::optional<stats::Moments> control = a.arms[0].moments.moments();
  std::optional<stats::Moments> treatment =
      a.arms[best->variant].moments.moments();
  if (!control || !treatment) {
    v1::Warning* w = out->add_warnings();
    w->set_code("too_few_units");
    w->set_message("power needs at least two units per arm");
    return;
  }
  const std::vector<double> weights = WeightsOf(experiment);
  stats::PowerInput in;
  in.control = *control;
  in.treatment = *treatment;
  in.control_weight = weights[0] > 0 ? weights[0] : 0.5;
  in.treatment_weight =
      weights[best->variant] > 0 ? weights[best->variant] : 0.5;
  in.current_units = total;
  in.target_relative_effect = options.target_effect;
  in.units_per_day = per_day;
  stats::PowerOptions power_options;
  power_options.alpha = options.analysis.alpha;
  absl::StatusOr<stats::PowerAnalysis> power =
      stats::PlanPower(in, power_options);
  if (!power.ok()) {
    v1::Warning* w = out->add_warnings();
    w->set_code("power_failed");
    w->set_message(std::string(power.status().message()));
    return;
  }
  if (power->mde_relative) out->set_mde_relative(*power->mde_relative);
  if (power->mde_absolute) out->set_mde_absolute(*power->mde_absolute);
  if (power->units_still_needed) {
    out->set_units_still_needed(*power->units_still_needed);
  }
  if (power->days_left) out->set_days_left(*power->days_left);
  std::set<std::pair<std::string, std::string>> seen;
  AddWarnings(power->warnings, seen, out->mutable_warnings());
}

v1::Method MethodToProto(stats::Method m) {
  switch (m) {
    case stats::Method::kFrequentist:
      return v1::METHOD_FREQUENTIST;
    case stats::Method::kSequential:
      return v1::METHOD_SEQUENTIAL;
    case stats::Method::kBayesian:
      return v1::METHOD_BAYESIAN;
  }
  return v1::METHOD_FREQUENTIST;
}

// The analysis options shared by both requests.
absl::Status CommonOptions(v1::Method method, double alpha, bool cuped,
                           ReportOptions& out) {
  switch (method) {
    case v1::METHOD_UNSPECIFIED:
    case v1::METHOD_FREQUENTIST:
      out.analysis.method = stats::Method::kFrequentist;
      break;
    case v1::METHOD_SEQUENTIAL:
      out.analysis.method = stats::Method::kSequential;
      break;
    case v1::METHOD_BAYESIAN:
      out.analysis.method = stats::Method::kBayesian;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("method: unknown method ", static_cast<int>(method)));
  }
  if (alpha == 0) alpha = kDefaultAlpha;
  if (!(alpha > 0 && alpha < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("alpha: must be in (0, 1), got ", alpha));
  }
  out.analysis.alpha = alpha;
  out.analysis.cuped = cuped;
  return absl::OkStatus();
}

absl::Status CheckSegment(absl::string_view segment,
                          const engine::ConfigSnapshot& snapshot) {
  if (!segment.empty() && snapshot.FindSegment(segment) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("segment: unknown segment '", segment, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string FormatDay(int64_t day) {
  const absl::CivilDay civil = absl::CivilDay(1970, 1, 1) + day;
  return absl::StrFormat("%04d-%02d-%02d", civil.year(), civil.month(),
                         civil.day());
}

std::optional<int64_t> ParseDay(absl::string_view text) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day)) {
    return std::nullopt;
  }
  return day - absl::CivilDay(1970, 1, 1);
}

absl::StatusOr<ReportOptions> ReportOptionsFromProto(
    const v1::GetReportRequest& request,
    const engine::ConfigSnapshot& snapshot) {
  ReportOptions out;
  RETURN_IF_ERROR(CommonOptions(request.method(), request.alpha(),
                                request.cuped(), out));
  switch (request.correction()) {
    case v1::CORRECTION_UNSPECIFIED:
    case v1::CORRECTION_NONE:
      out.analysis.correction = stats::Correction::kNone;
      break;
    case v1::CORRECTION_HOLM:
      out.analysis.correction = stats::Correction::kHolm;
      break;
    case v1::CORRECTION_BH:
      out.analysis.correction = stats::Correction::kBenjaminiHochberg;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "correction: unknown correction ", request.correction()));
  }
  if (request.prior().proper()) {
    if (!(request.prior().variance() > 0) ||
        !std::isfinite(request.prior().variance()) ||
        !std::isfinite(request.prior().mean())) {
      return absl::InvalidArgumentError(
          "prior.variance: must be a finite number > 0 for a proper prior");
    }
    out.analysis.prior.proper = true;
    out.analysis.prior.mean = request.prior().mean();
    out.analysis.prior.variance = request.prior().variance();
  }
  for (const auto& [field, text, target] :
       {std::make_tuple("from_day", &request.from_day(), &out.from_day),
        std::make_tuple("to_day", &request.to_day(), &out.to_day)}) {
    if (text->empty()) continue;
    *target = ParseDay(*text);
    if (!target->has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": must be YYYY-MM-DD, got '", *text, "'"));
    }
  }
  if (out.from_day && out.to_day && *out.from_day > *out.to_day) {
    return absl::InvalidArgumentError(absl::StrCat(
        "to_day: must not be before from_day (", request.from_day(), ")"));
  }
  if (request.by_segment() && !request.segment().empty()) {
    return absl::InvalidArgumentError(
        "by_segment: cannot be combined with segment");
  }
  RETURN_IF_ERROR(CheckSegment(request.segment(), snapshot));
  out.segment = request.segment();
  out.by_segment = request.by_segment();
  const double target = request.target_effect();
  if (target != 0 && !(target > 0 && std::isfinite(target))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "target_effect: must be a relative effect > 0, got ", target));
  }
  out.target_effect = target == 0 ? kDefaultTargetEffect : target;
  const double tuning = request.sequential_tuning();
  if (tuning != 0 && !(tuning > 0 && std::isfinite(tuning))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sequential_tuning: must be > 0, got ", tuning));
  }
  if (tuning != 0) out.analysis.sequential_tuning = tuning;
  return out;
}

absl::StatusOr<ReportOptions> ReportOptionsFromProto(
    const v1::GetTimeSeriesRequest& request,
    const engine::ConfigSnapshot& snapshot) {
  ReportOptions out;
  RETURN_IF_ERROR(CommonOptions(request.method(), request.alpha(),
                                request.cuped(), out));
  RETURN_IF_ERROR(CheckSegment(request.segment(), snapshot));
  out.segment = request.segment();
  return out;
}

absl::StatusOr<v1::Report> BuildReport(const engine::ConfigSnapshot& snapshot,
                                       const engine::ExperimentDef& experiment,
                                       absl::Span<const storage::CellStats> cells,
                                       const ReportOptions& options,
                                       absl::Time now) {
  const std::vector<ReportMetric> metrics = MetricsOf(snapshot, experiment);
  const size_t variants = experiment.variants.size();
  v1::Report report;
  report.set_experiment_key(experiment.key);
  report.set_name(experiment.name.empty() ? experiment.key : experiment.name);
  report.set_status(std::string(engine::ExperimentStatusName(experiment.status)));
  report.set_method(MethodToProto(options.analysis.method));
  report.set_alpha(options.analysis.alpha);
  report.set_cuped(options.analysis.cuped);
  switch (options.analysis.correction) {
    case stats::Correction::kNone:
      report.set_correction(v1::CORRECTION_NONE);
      break;
    case stats::Correction::kHolm:
      report.set_correction(v1::CORRECTION_HOLM);
      break;
    case stats::Correction::kBenjaminiHochberg:
      report.set_correction(v1::CORRECTION_BH);
      break;
  }
  const int64_t now_micros = absl::ToUnixMicros(now);
  report.mutable_computed_at()->set_seconds(now_micros / 1000000);
  report.mutable_computed_at()->set_nanos(
      static_cast<int32_t>(now_micros % 1000000) * 1000);
  for (const engine::VariantDef& v : experiment.variants) {
    report.add_variant_keys(v.key);
  }
  report.set_segment(options.segment);
  if (options.from_day) report.set_from_day(FormatDay(*options.from_day));
  if (options.to_day) report.set_to_day(FormatDay(*options.to_day));
  if (variants < 2) {
    v1::Warning* w = report.add_warnings();
    w->set_code("one_variant");
    w->set_message("an experiment needs two variants to compare");
    report.set_verdict("Nothing to compare: the experiment has one variant.");
    return report;
  }

  const Scope scope = ScopeOf(cells, variants, options.segment, options);
  for (int64_t n : scope.units) report.add_units(n);
  double days_running = 0;
  if (scope.first_day) {
    const absl::Time start =
        absl::FromUnixSeconds(*scope.first_day * 86400);
    days_running = std::max(0.0, absl::ToDoubleHours(now - start) / 24);
  }
  report.set_days_running(days_running);
  ASSIGN_OR_RETURN(stats::ExperimentAnalysis analysis,
                   Analyze(scope, metrics, experiment, options,
                           report.mutable_srm(), report.mutable_metrics()));
  if (experiment.bandit.has_value()) {
    // A bandit moves traffic between variants on purpose: the configured
    // weights are not the split, so there is no sample ratio to check.
    v1::Warning* w = report.add_warnings();
    w->set_code(render::kBanditSrmWarning);
    w->set_message(
        "a bandit allocates this experiment: its weights changed over time, "
        "so the split is not fixed (no sample-ratio check) and each "
        "variant's value mixes periods with different traffic shares");
    MarkSrmNotApplicable(report.mutable_srm());
  }
  PowerToProto(metrics, analysis, experiment, scope, options, days_running,
               report.mutable_power());
  report.set_verdict(VerdictText(report));

  if (options.by_segment) {
    std::vector<std::pair<std::string, std::string>> segments;
    for (const engine::CompiledSegment& segment : snapshot.segments()) {
      segments.emplace_back(segment.def->key, segment.def->name.empty()
                                                  ? segment.def->key
                                                  : segment.def->name);
    }
    // Visitors that matched no persona, when any were recorded.
    for (const storage::CellStats& cell : cells) {
      if (cell.segment == storage::keys::kNoPersonaSegment) {
        segments.emplace_back(std::string(storage::keys::kNoPersonaSegment),
                              "No persona");
        break;
      }
    }
    for (const auto& [key, name] : segments) {
      const Scope s = ScopeOf(cells, variants, key, options);
      v1::SegmentReport* out = report.add_by_segment();
      out->set_segment(key);
      out->set_name(name);
      for (int64_t n : s.units) out->add_units(n);
      RETURN_IF_ERROR(Analyze(s, metrics, experiment, options,
                              out->mutable_srm(), out->mutable_metrics())
                          .status());
      // Within a segment the bandit's per-persona weights move too.
      if (experiment.bandit.has_value())
        MarkSrmNotApplicable(out->mutable_srm());
    }
  }
  return report;
}

absl::StatusOr<v1::GetTimeSeriesResponse> BuildTimeSeries(
    const engine::ConfigSnapshot& snapshot,
    const engine::ExperimentDef& experiment,
    absl::Span<const storage::CellStats> cells, absl::string_view metric_key,
    const ReportOptions& options) {
  const std::vector<ReportMetric> metrics = MetricsOf(snapshot, experiment);
  if (metrics.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("experiment '", experiment.key, "' has no metrics"));
  }
  const ReportMetric* metric = &metrics.front();
  if (!metric_key.empty()) {
    metric = nullptr;
    for (const ReportMetric& m : metrics) {
      if (m.def->key == metric_key) metric = &m;
    }
    if (metric == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "metric_key: experiment '", experiment.key, "' has no metric '",
          metric_key, "'"));
    }
  }
  v1::GetTimeSeriesResponse response;
  response.set_metric_key(metric->def->key);
  const size_t variants = experiment.variants.size();
  if (variants < 2) return response;
  std::set<int64_t> days;
  for (const storage::CellStats& cell : cells) {
    if (cell.segment == options.segment &&
        cell.metric_key == storage::keys::kUnitsMetric && cell.stats.n > 0) {
      days.insert(cell.day);
    }
  }
  stats::AnalysisOptions analysis = options.analysis;
  analysis.correction = stats::Correction::kNone;
  for (int64_t day : days) {
    const Scope scope =
        ScopeOf(cells, variants, options.segment, options, day);
    stats::MetricInput input;
    input.type = metric->def->type;
    input.direction = metric->def->direction;
    input.guardrail = metric->guardrail;
    auto it = scope.arms.find(metric->def->key);
    input.arms = it != scope.arms.end() ? it->second
                                        : std::vector<SufficientStats>(variants);
    absl::StatusOr<stats::MetricAnalysis> a =
        stats::AnalyzeMetric(input, analysis);
    if (!a.ok()) {
      return absl::InternalError(absl::StrCat(
          "time series of ", experiment.key, ": ", a.status().message()));
    }
    for (const stats::Comparison& c : a->comparisons) {
      v1::TimeSeriesPoint* p = response.add_points();
      p->set_day(FormatDay(day));
      p->set_variant_key(experiment.variants[c.variant].key);
      p->set_units(a->arms[c.variant].moments.n);
      p->set_control_units(a->arms[0].moments.n);
      if (a->arms[c.variant].moments.unadjusted_mean) {
        p->set_value(*a->arms[c.variant].moments.unadjusted_mean);
      }
      if (a->arms[0].moments.unadjusted_mean) {
        p->set_control_value(*a->arms[0].moments.unadjusted_mean);
      }
      EffectToProto(c.relative, p->mutable_relative());
    }
  }
  return response;
}

}  // namespace cxlab::api
