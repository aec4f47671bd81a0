// Copyright 2026 The cxlab Authors.

#include "engine/stats/analysis.h"

#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/stats/frequentist.h"
#include "engine/stats/internal/checks.h"
#include "engine/stats/internal/distributions.h"
#include "engine/stats/sequential.h"

namespace cxlab::engine::stats {
namespace {

absl::Status Prefixed(const absl::Status& s, absl::string_view prefix) {
  return absl::Status(s.code(), absl::StrCat(prefix, s.message()));
}

absl::Status ValidateOptions(const AnalysisOptions& o, const MetricInput& m) {
  if (absl::Status s = internal::CheckOpenUnit(o.alpha, "alpha"); !s.ok()) {
    return s;
  }
  if (o.method == Method::kSequential) {
    if (absl::Status s =
            internal::CheckPositive(o.sequential_tuning, "sequential_tuning");
        !s.ok()) {
      return s;
    }
    if (m.guardrail && o.alpha >= 0.5) {
      return absl::InvalidArgumentError(absl::StrCat(
          "alpha: must be in (0, 0.5) for the one-sided sequential test of a "
          "guardrail, got ",
          o.alpha));
    }
  }
  if (o.method == Method::kBayesian && o.prior.proper) {
    if (!std::isfinite(o.prior.mean)) {
      return absl::InvalidArgumentError("prior.mean: must be finite");
    }
    if (absl::Status s =
            internal::CheckPositive(o.prior.variance, "prior.variance");
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// Guardrails test the harmful direction only.
Alternative AlternativeFor(const MetricInput& m) {
  if (!m.guardrail) return Alternative::kTwoSided;
  return m.direction == MetricDirection::kHigher ? Alternative::kLess
                                                 : Alternative::kGreater;
}

absl::StatusOr<EffectEstimate> RunTest(const Moments& a, const Moments& b,
                                       Scale scale, const MetricInput& m,
                                       const AnalysisOptions& o) {
  switch (o.method) {
    case Method::kFrequentist: {
      FrequentistOptions f;
      f.alpha = o.alpha;
      f.alternative = AlternativeFor(m);
      return WelchTest(a, b, scale, f);
    }
    case Method::kSequential: {
      SequentialOptions s;
      s.alpha = o.alpha;
      s.alternative = AlternativeFor(m);
      s.tuning = o.sequential_tuning;
      return SequentialTest(a, b, scale, s);
    }
    case Method::kBayesian: {
      BayesianOptions bo;
      bo.alpha = o.alpha;
      bo.prior = o.prior;
      bo.direction = m.direction;
      return BayesianTest(a, b, scale, bo);
    }
  }
  return absl::InvalidArgumentError("method: unknown");
}

Verdict Decide(const EffectEstimate& e, const MetricInput& m,
               const AnalysisOptions& o) {
  if (!e.effect.has_value()) return Verdict::kUndefined;
  if (o.method == Method::kBayesian) {
    if (!e.chance_to_win.has_value()) return Verdict::kUndefined;
    if (*e.chance_to_win >= 1 - o.alpha) return Verdict::kBetter;
    if (*e.chance_to_win <= o.alpha) return Verdict::kWorse;
    return Verdict::kInconclusive;
  }
  const std::optional<double>& p =
      e.adjusted_p_value.has_value() ? e.adjusted_p_value : e.p_value;
  if (!p.has_value()) return Verdict::kUndefined;
  if (*p >= o.alpha || *e.effect == 0) return Verdict::kInconclusive;
  const bool up = *e.effect > 0;
  return up == (m.direction == MetricDirection::kHigher) ? Verdict::kBetter
                                                         : Verdict::kWorse;
}

Verdict DecideComparison(const Comparison& c, const MetricInput& m,
                         const AnalysisOptions& o) {
  return Decide(c.relative.effect.has_value() ? c.relative : c.absolute, m, o);
}

// Copies the warnings that make an arm unusable for a comparison.
void CopyBlockingWarnings(const ArmMoments& arm, std::vector<Warning>* out) {
  for (const Warning& w : arm.warnings) {
    if (w.code == WarningCode::kNoUnits ||
        w.code == WarningCode::kTooFewUnits ||
        w.code == WarningCode::kZeroDenominator) {
      out->push_back(w);
    }
  }
}

std::optional<Interval> ValueInterval(const ArmMoments& arm, double alpha) {
  if (arm.n < 2 || !arm.unadjusted_mean.has_value() ||
      !arm.unadjusted_variance.has_value() || *arm.unadjusted_variance <= 0) {
    return std::nullopt;
  }
  const double n = static_cast<double>(arm.n);
  const double half = internal::StudentTQuantile(1 - alpha / 2, n - 1) *
                      std::sqrt(*arm.unadjusted_variance / n);
  if (!std::isfinite(half)) return std::nullopt;
  return Interval{*arm.unadjusted_mean - half, *arm.unadjusted_mean + half};
}

std::string ArmLabel(size_t i) {
  return i == 0 ? std::string("control") : absl::StrCat("variant ", i);
}

}  // namespace

absl::string_view MethodName(Method m) {
  switch (m) {
    case Method::kFrequentist:
      return "frequentist";
    case Method::kSequential:
      return "sequential";
    case Method::kBayesian:
      return "bayesian";
  }
  return "frequentist";
}

absl::StatusOr<Method> ParseMethod(absl::string_view name) {
  for (Method m :
       {Method::kFrequentist, Method::kSequential, Method::kBayesian}) {
    if (name == MethodName(m)) return m;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("method: must be one of frequentist, sequential, "
                   "bayesian; got \"",
                   name, "\""));
}

absl::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kUndefined:
      return "undefined";
    case Verdict::kInconclusive:
      return "inconclusive";
    case Verdict::kBetter:
      return "better";
    case Verdict::kWorse:
      return "worse";
  }
  return "undefined";
}

absl::StatusOr<MetricAnalysis> AnalyzeMetric(const MetricInput& metric,
                                             const AnalysisOptions& options) {
  if (absl::Status s = ValidateOptions(options, metric); !s.ok()) return s;
  if (metric.arms.size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("arms: need a control and at least one variant, got ",
                     metric.arms.size()));
  }
  MetricAnalysis out;
  for (size_t i = 0; i < metric.arms.size(); ++i) {
    if (absl::Status s = ValidateStats(metric.type, metric.arms[i]); !s.ok()) {
      return Prefixed(s, absl::StrCat("arms[", i, "]: "));
    }
  }
  if (options.cuped) {
    absl::StatusOr<CupedFit> fit = FitCuped(metric.type, metric.arms);
    if (!fit.ok()) return fit.status();
    out.cuped = *std::move(fit);
  }
  out.arms.reserve(metric.arms.size());
  for (size_t i = 0; i < metric.arms.size(); ++i) {
    absl::StatusOr<ArmMoments> m =
        ComputeArmMoments(metric.type, metric.arms[i], ArmLabel(i),
                          options.cuped ? &out.cuped : nullptr);
    if (!m.ok()) return Prefixed(m.status(), absl::StrCat("arms[", i, "]: "));
    ArmResult arm;
    arm.value_ci = ValueInterval(*m, options.alpha);
    arm.moments = *std::move(m);
    out.arms.push_back(std::move(arm));
  }

  const ArmMoments& control = out.arms[0].moments;
  const std::optional<Moments> a = control.moments();
  out.comparisons.reserve(out.arms.size() - 1);
  for (size_t i = 1; i < out.arms.size(); ++i) {
    const ArmMoments& treatment = out.arms[i].moments;
    Comparison c;
    c.variant = static_cast<int>(i);
    const std::optional<Moments> b = treatment.moments();
    if (!a.has_value() || !b.has_value()) {
      CopyBlockingWarnings(control, &c.warnings);
      CopyBlockingWarnings(treatment, &c.warnings);
      out.comparisons.push_back(std::move(c));
      continue;
    }
    for (auto [scale, result] : {std::pair{Scale::kAbsolute, &c.absolute},
                                 std::pair{Scale::kRelative, &c.relative}}) {
      absl::StatusOr<EffectEstimate> e =
          RunTest(*a, *b, scale, metric, options);
      if (!e.ok()) return e.status();
      *result = *std::move(e);
    }
    if (out.cuped.applied) {
      const double raw = *control.unadjusted_variance / a->n +
                         *treatment.unadjusted_variance / b->n;
      const double adjusted = a->variance / a->n + b->variance / b->n;
      if (raw > 0) c.cuped_variance_reduction = 1 - adjusted / raw;
      // Extreme variances overflow the ratio: unset with a warning rather
      // than infinite (found by tests/fuzz report).
      internal::KeepFinite(&c.cuped_variance_reduction,
                           "CUPED variance reduction", &c.warnings);
    }
    c.verdict = DecideComparison(c, metric, options);
    out.comparisons.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<ExperimentAnalysis> AnalyzeExperiment(
    const ExperimentInput& input, const AnalysisOptions& options) {
  ExperimentAnalysis out;
  absl::StatusOr<SrmResult> srm =
      CheckSampleRatio(input.units, input.weights, options.srm_threshold);
  if (!srm.ok()) return srm.status();
  out.srm = *std::move(srm);

  out.metrics.reserve(input.metrics.size());
  for (size_t i = 0; i < input.metrics.size(); ++i) {
    const std::string prefix = absl::StrCat("metrics[", i, "]: ");
    if (input.metrics[i].arms.size() != input.weights.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "arms: ", input.metrics[i].arms.size(),
                       " arms for ", input.weights.size(), " variants"));
    }
    absl::StatusOr<MetricAnalysis> m = AnalyzeMetric(input.metrics[i], options);
    if (!m.ok()) return Prefixed(m.status(), prefix);
    out.metrics.push_back(*std::move(m));
  }

  // The correction family, per scale: non-guardrail comparisons with a
  // p-value (the Bayesian method has none).
  for (Scale scale : {Scale::kAbsolute, Scale::kRelative}) {
    std::vector<EffectEstimate*> family;
    std::vector<double> raw;
    for (size_t i = 0; i < out.metrics.size(); ++i) {
      if (input.metrics[i].guardrail) continue;
      for (Comparison& c : out.metrics[i].comparisons) {
        EffectEstimate* e =
            scale == Scale::kAbsolute ? &c.absolute : &c.relative;
        if (!e->p_value.has_value()) continue;
        family.push_back(e);
        raw.push_back(*e->p_value);
      }
    }
    absl::StatusOr<std::vector<double>> adjusted =
        AdjustPValues(raw, options.correction);
    if (!adjusted.ok()) return adjusted.status();
    for (size_t k = 0; k < family.size(); ++k) {
      family[k]->adjusted_p_value = (*adjusted)[k];
    }
  }
  for (size_t i = 0; i < out.metrics.size(); ++i) {
    for (Comparison& c : out.metrics[i].comparisons) {
      c.verdict = DecideComparison(c, input.metrics[i], options);
    }
  }
  return out;
}

}  // namespace cxlab::engine::stats
