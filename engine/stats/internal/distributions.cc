// Copyright 2026 The cxlab Authors.

#include "engine/stats/internal/distributions.h"

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/policies/policy.hpp>

namespace cxlab::engine::stats::internal {
namespace {

namespace bp = boost::math::policies;

// Every error category is ignored: Boost returns NaN (domain), +-inf
// (overflow, pole) or 0 (underflow) instead of throwing or touching errno.
// Internal promotion to long double is off: double-precision evaluation is
// accurate to a few ulps here and several times faster (x87 long double).
using NoThrowPolicy = bp::policy<
    bp::promote_double<false>, bp::domain_error<bp::ignore_error>,
    bp::pole_error<bp::ignore_error>, bp::overflow_error<bp::ignore_error>,
    bp::underflow_error<bp::ignore_error>, bp::denorm_error<bp::ignore_error>,
    bp::evaluation_error<bp::ignore_error>,
    bp::rounding_error<bp::ignore_error>,
    bp::indeterminate_result_error<bp::ignore_error>>;

using Normal = boost::math::normal_distribution<double, NoThrowPolicy>;
using StudentT = boost::math::students_t_distribution<double, NoThrowPolicy>;
using ChiSquared = boost::math::chi_squared_distribution<double, NoThrowPolicy>;

}  // namespace

double NormalPdf(double x) { return boost::math::pdf(Normal(), x); }

double NormalCdf(double x) { return boost::math::cdf(Normal(), x); }

double NormalSf(double x) {
  return boost::math::cdf(boost::math::complement(Normal(), x));
}

double NormalQuantile(double p) { return boost::math::quantile(Normal(), p); }

double StudentTCdf(double x, double dof) {
  return boost::math::cdf(StudentT(dof), x);
}

double StudentTSf(double x, double dof) {
  return boost::math::cdf(boost::math::complement(StudentT(dof), x));
}

double StudentTQuantile(double p, double dof) {
  return boost::math::quantile(StudentT(dof), p);
}

double ChiSquaredSf(double x, double dof) {
  return boost::math::cdf(boost::math::complement(ChiSquared(dof), x));
}

}  // namespace cxlab::engine::stats::internal
