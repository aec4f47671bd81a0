// Copyright 2026 The cxlab Authors.
//
// Thin wrappers over Boost.Math's normal, Student t and chi-squared
// distributions, instantiated with a policy that never throws and never sets
// errno: a domain error yields NaN, an overflow yields +-infinity. Callers in
// engine/stats validate their arguments first and check results with
// std::isfinite, so no Boost exception can escape the module.
//
//   double p = internal::StudentTSf(2.1, 57.3);   // P(T > 2.1), T ~ t(57.3)
//
// Thread-safety: pure functions, safe to call concurrently.

#ifndef CXLAB_ENGINE_STATS_INTERNAL_DISTRIBUTIONS_H_
#define CXLAB_ENGINE_STATS_INTERNAL_DISTRIBUTIONS_H_

namespace cxlab::engine::stats::internal {

// Standard normal: density, P(Z <= x), P(Z > x) and the quantile at p in
// (0, 1).
double NormalPdf(double x);
double NormalCdf(double x);
double NormalSf(double x);
double NormalQuantile(double p);

// Student t with `dof` > 0 degrees of freedom (non-integer allowed).
double StudentTCdf(double x, double dof);
double StudentTSf(double x, double dof);
double StudentTQuantile(double p, double dof);

// Chi-squared with `dof` > 0: P(X > x) for x >= 0.
double ChiSquaredSf(double x, double dof);

}  // namespace cxlab::engine::stats::internal

#endif  // CXLAB_ENGINE_STATS_INTERNAL_DISTRIBUTIONS_H_
