// Copyright 2026 The cxlab Authors.
//
// Bayesian test: normal-normal model on the effect (gbstats'
// EffectBayesianABTest). The likelihood of the effect is
// N(estimate, V) from effect.h; the prior is flat or a proper normal on the
// relative lift (scaled by the control mean for the absolute effect). The
// posterior N(mu, sd²) gives
//   chance to win        P(effect > 0), or P(effect < 0) when lower is better
//   credible interval    mu ± z_{1-alpha/2} sd
//   expected loss (risk) risk_control   = E[max(gain, 0)]: what keeping the
//                                         control forgoes,
//                        risk_treatment = E[max(-gain, 0)]: what shipping the
//                                         treatment may lose,
//                        where gain = effect (or -effect when lower is
//                        better); E[max(X, 0)] = mu Phi(mu/sd) + sd phi(mu/sd).
//
//   BayesianOptions o;  // flat prior, alpha 0.05, higher is better
//   ASSIGN_OR_RETURN(EffectEstimate e,
//                    BayesianTest(control, treatment, Scale::kRelative, o));
//
// Thread-safety: pure function, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_BAYESIAN_H_
#define CXLAB_ENGINE_STATS_BAYESIAN_H_

#include "absl/status/statusor.h"
#include "engine/definitions.h"
#include "engine/stats/effect.h"
#include "engine/stats/moments.h"

namespace cxlab::engine::stats {

// Prior on the relative lift. Flat (improper) unless `proper`; a proper prior
// is N(mean, variance). On the absolute scale it becomes
// N(mean |uA|, variance uA²) with uA the unadjusted control mean.
struct Prior {
  bool proper = false;
  double mean = 0;
  double variance = 1;  // > 0 when proper
};

struct BayesianOptions {
  double alpha = 0.05;  // credible interval level 1 - alpha, in (0, 1)
  Prior prior;
  MetricDirection direction = MetricDirection::kHigher;
};

// The posterior of the effect of `treatment` over `control` on `scale`.
// Fills effect (posterior mean), std_error (posterior sd), ci (two-sided),
// chance_to_win, risk_control and risk_treatment; never p_value or dof.
// InvalidArgument when alpha is outside (0, 1), a proper prior has a
// non-finite mean or a variance that is not a finite number > 0, or a Moments
// is invalid. Degenerate data as WelchTest; a proper prior on the absolute
// scale with a control mean of 0 falls back to flat (kPriorNotScaled).
absl::StatusOr<EffectEstimate> BayesianTest(const Moments& control,
                                            const Moments& treatment,
                                            Scale scale,
                                            const BayesianOptions& options);

}  // namespace cxlab::engine::stats

#endif  // CXLAB_ENGINE_STATS_BAYESIAN_H_
