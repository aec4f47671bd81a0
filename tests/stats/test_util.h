// Copyright 2026 The cxlab Authors.
//
// Helpers shared by the engine/stats tests: building SufficientStats cells
// and Moments, and comparing against values printed to a given precision.

#ifndef CXLAB_TESTS_STATS_TEST_UTIL_H_
#define CXLAB_TESTS_STATS_TEST_UTIL_H_

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "engine/metrics.h"
#include "engine/stats/effect.h"
#include "engine/stats/moments.h"
#include "gtest/gtest.h"

namespace cxlab::engine::stats::testing {

// A cell with n units, ΣY and ΣY².
inline SufficientStats Cell(int64_t n, double sum, double sum_sq) {
  SufficientStats s;
  s.n = n;
  s.sum = sum;
  s.sum_sq = sum_sq;
  return s;
}

// A binomial cell: `conversions` of n units (Y is 0 or 1, so ΣY² = ΣY).
inline SufficientStats Conversions(int64_t conversions, int64_t n) {
  return Cell(n, static_cast<double>(conversions),
              static_cast<double>(conversions));
}

// The Moments of a cell, asserting they are defined.
inline Moments MomentsOf(MetricType type, const SufficientStats& s) {
  absl::StatusOr<ArmMoments> a = ComputeArmMoments(type, s);
  EXPECT_TRUE(a.ok()) << a.status();
  std::optional<Moments> m = a->moments();
  EXPECT_TRUE(m.has_value());
  return m.value_or(Moments{});
}

// The tolerance a printed number implies: half a unit in its last printed
// digit ("0.70732" -> 5e-6, "5.1747e-44" -> 5e-49), but never tighter than
// 1e-12 relative (full-precision literals such as 0.021068257468733753).
inline double PrintedTolerance(const std::string& printed) {
  const double value = std::strtod(printed.c_str(), nullptr);
  const size_t e = printed.find_first_of("eE");
  const std::string mantissa = printed.substr(0, e);
  const int exponent =
      e == std::string::npos ? 0 : std::atoi(printed.c_str() + e + 1);
  const size_t dot = mantissa.find('.');
  const int decimals = dot == std::string::npos
                           ? 0
                           : static_cast<int>(mantissa.size() - dot - 1);
  const double half_unit = 0.5 * std::pow(10.0, exponent - decimals);
  return std::fmax(half_unit, 1e-12 * std::fabs(value));
}

// Expects `actual` (named `what` in failures) to round to `printed` (see
// PrintedTolerance). A null `printed` expects nothing.
inline void ExpectPrinted(const std::optional<double>& actual,
                          const char* printed, const char* what = "value") {
  if (printed == nullptr) return;
  ASSERT_TRUE(actual.has_value()) << what << " is unset";
  EXPECT_NEAR(*actual, std::strtod(printed, nullptr), PrintedTolerance(printed))
      << what << " should print as " << printed;
}

// The printed values of one estimate, in this order; nullptr skips a field.
struct Printed {
  const char* effect = nullptr;
  const char* std_error = nullptr;
  const char* lower = nullptr;  // interval bounds
  const char* upper = nullptr;
  const char* p_value = nullptr;
  const char* chance_to_win = nullptr;
  const char* risk_control = nullptr;
  const char* risk_treatment = nullptr;
};

// Expects every field `printed` names to match `e`.
inline void ExpectPrinted(const EffectEstimate& e, const Printed& printed) {
  ExpectPrinted(e.effect, printed.effect, "effect");
  ExpectPrinted(e.std_error, printed.std_error, "std_error");
  if (printed.lower != nullptr || printed.upper != nullptr) {
    ASSERT_TRUE(e.ci.has_value()) << "interval is unset";
    ExpectPrinted(e.ci->lower, printed.lower, "ci.lower");
    ExpectPrinted(e.ci->upper, printed.upper, "ci.upper");
  }
  ExpectPrinted(e.p_value, printed.p_value, "p_value");
  ExpectPrinted(e.chance_to_win, printed.chance_to_win, "chance_to_win");
  ExpectPrinted(e.risk_control, printed.risk_control, "risk_control");
  ExpectPrinted(e.risk_treatment, printed.risk_treatment, "risk_treatment");
}

// Expects every numeric field of `e` to be finite when set.
inline void ExpectAllFinite(const EffectEstimate& e) {
  for (const std::optional<double>* f :
       {&e.effect, &e.std_error, &e.dof, &e.p_value, &e.adjusted_p_value,
        &e.chance_to_win, &e.risk_control, &e.risk_treatment}) {
    if (f->has_value()) {
      EXPECT_TRUE(std::isfinite(**f));
    }
  }
  if (e.ci.has_value()) {
    if (e.ci->lower.has_value()) {
      EXPECT_TRUE(std::isfinite(*e.ci->lower));
    }
    if (e.ci->upper.has_value()) {
      EXPECT_TRUE(std::isfinite(*e.ci->upper));
    }
  }
}

}  // namespace cxlab::engine::stats::testing

#endif  // CXLAB_TESTS_STATS_TEST_UTIL_H_
