// Copyright 2026 The cxlab Authors.

#include "engine/stats/internal/test_common.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "engine/stats/internal/checks.h"

namespace cxlab::engine::stats::internal {

absl::StatusOr<EffectEstimate> RunTest(
    const Moments& control, const Moments& treatment, Scale scale, double alpha,
    absl::FunctionRef<void(const EffectMoments&, EffectEstimate*)> body) {
  if (absl::Status s = CheckOpenUnit(alpha, "alpha"); !s.ok()) return s;
  if (absl::Status s = ValidateMoments(control, "control"); !s.ok()) return s;
  if (absl::Status s = ValidateMoments(treatment, "treatment"); !s.ok()) {
    return s;
  }
  EffectEstimate out;
  std::optional<EffectMoments> e =
      ComputeEffectMoments(control, treatment, scale, &out.warnings);
  if (e.has_value()) {
    out.effect = e->estimate;
    if (e->variance > 0) {
      body(*e, &out);
    } else {
      out.warnings.push_back({WarningCode::kZeroStandardError,
                              "both arms have zero variance: no standard "
                              "error, interval or test"});
    }
  }
  FinishTest(&out);
  return out;
}

void FinishTest(EffectEstimate* e) {
  std::vector<Warning>* w = &e->warnings;
  KeepFinite(&e->effect, "effect", w);
  KeepFinite(&e->std_error, "standard error", w);
  KeepFinite(&e->dof, "degrees of freedom", w);
  KeepFinite(&e->p_value, "p-value", w);
  KeepFinite(&e->adjusted_p_value, "adjusted p-value", w);
  KeepFinite(&e->chance_to_win, "chance to win", w);
  KeepFinite(&e->risk_control, "risk of control", w);
  KeepFinite(&e->risk_treatment, "risk of treatment", w);
  if (e->ci.has_value()) {
    // An interval with a non-finite computed bound is dropped whole: a
    // missing bound would read as "unbounded".
    std::optional<double> lower = e->ci->lower, upper = e->ci->upper;
    if (!KeepFinite(&lower, "interval lower bound", w) ||
        !KeepFinite(&upper, "interval upper bound", w)) {
      e->ci.reset();
    }
  }
  for (std::optional<double>* p :
       {&e->p_value, &e->adjusted_p_value, &e->chance_to_win}) {
    if (p->has_value()) **p = std::clamp(**p, 0.0, 1.0);
  }
  for (std::optional<double>* r : {&e->risk_control, &e->risk_treatment}) {
    if (r->has_value()) **r = std::max(**r, 0.0);
  }
}

}  // namespace cxlab::engine::stats::internal
