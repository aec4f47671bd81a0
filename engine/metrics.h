// Copyright 2026 The cxlab Authors.
//
// Metrics: the pure arithmetic of the event pipeline. For every
// (experiment, metric, unit) the storage layer keeps a UnitMetricState; for
// every (experiment, variant, metric, exposure day) cell it keeps a
// SufficientStats that a RocksDB merge operator updates with deltas. This
// module defines both types, their binary encodings and the transitions an
// exposure or an event causes. It does no I/O and reads no clock: times are
// parameters.
//
//   ASSIGN_OR_RETURN(CompiledMetric m, CompiledMetric::Compile(def));
//   Transition t = OnExposure(m, UnitMetricState(), pre);
//   // write t.state, merge t.delta into the cell ...
//   ASSIGN_OR_RETURN(t, OnEvent(m, t.state, exposed_at, event, groups));
//
// Every delta is Contribution(after) - Contribution(before), so a cell always
// equals the sum of Contribution() over its units' current states, which is
// how `cxlab verify` recomputes it from the raw log.
//
// Per-unit value Y (numerator for ratio), denominator D and when the unit is
// counted in n, by MetricType:
//   binomial   counted from exposure; Y = 1 if >= 1 matching event in the
//              window, else 0.
//   count      counted from exposure; Y = number of matching events.
//   mean       counted from exposure; Y = sum of event values, or
//              min(sum, cap) when `cap` is set (per-unit winsorisation; the
//              delta always moves from the capped before to the capped after
//              value, so caps stay correct as events arrive).
//   ratio      counted from exposure; Y = sum of numerator event values,
//              D = sum of `denominator_event` values (denominator events also
//              respect the exposure time and window).
//   nps        counted on the unit's first answer; answers must be integers
//              0-10, mapped to +1 (9-10), 0 (7-8), -1 (0-6); Y = mean of the
//              mapped answers.
//   csat       counted on first answer; answers integers 1-5, mapped to 1 if
//              >= 4 else 0; Y = mean (the unit's satisfied share).
//   ces, score counted on first answer; answers within [scale_min, scale_max]
//              (each bound when set; any finite number otherwise);
//              Y = mean of the answers.
//   duration   counted on first event; values are seconds >= 0;
//              Y = mean duration.
//   retention  counted from exposure; Y = 1 once a matching event arrives at
//              or after exposure + retention_hours (and inside the window, if
//              any), else 0.
// D is 0 for every type but ratio. The CUPED covariate X (`pre`) is given at
// exposure and stored in the state; it enters a cell only while the unit is
// counted (so for survey-like types, from the first answer).
//
// Only events at or after the exposure time count, and, when window_hours is
// > 0, at or before exposure + window_hours (both bounds inclusive).
//
// Thread-safety: all types are plain values; a const CompiledMetric may be
// used from many threads at once. All functions are pure.

#ifndef CXLAB_ENGINE_METRICS_H_
#define CXLAB_ENGINE_METRICS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/condition.h"
#include "engine/definitions.h"
#include "engine/groups.h"
#include "engine/value.h"

namespace cxlab::engine {

// Sufficient statistics of one cell (experiment, variant, metric, day).
// Y = a unit's metric value (numerator for ratio), D = its ratio denominator,
// X = its CUPED pre-exposure covariate (the unit's value of the same metric in
// the 14 days before exposure). A delta is a SufficientStats too (fields may
// then be negative).
struct SufficientStats {
  int64_t n = 0;             // units counted
  double sum = 0;            // ΣY
  double sum_sq = 0;         // ΣY²
  double den_sum = 0;        // ΣD (ratio)
  double den_sum_sq = 0;     // ΣD² (ratio)
  double cross_sum = 0;      // ΣY·D (ratio)
  double pre_sum = 0;        // ΣX (CUPED)
  double pre_sum_sq = 0;     // ΣX² (CUPED)
  double pre_cross_sum = 0;  // ΣX·Y (CUPED)

  // Size in bytes of Encode()'s output: a version byte, n as a little-endian
  // int64, then the eight doubles in declaration order as little-endian
  // IEEE-754 binary64.
  static constexpr size_t kEncodedSize = 1 + 8 + 8 * 8;
  // Version byte written by Encode().
  static constexpr uint8_t kVersion = 1;

  // Field-wise addition (the merge operator). Associative and commutative up
  // to floating-point rounding; exact for n.
  void Add(const SufficientStats& delta);

  // True when every field is zero (a no-op delta).
  bool IsZero() const;

  // Fixed-size little-endian binary encoding (kEncodedSize bytes).
  std::string Encode() const;

  // Decodes Encode()'s output into `*out`. Returns false (leaving `*out`
  // unspecified) when `bytes` has the wrong size or an unknown version.
  static bool Decode(absl::string_view bytes, SufficientStats* out);

  // Field-wise exact equality.
  bool operator==(const SufficientStats& other) const;
  bool operator!=(const SufficientStats& other) const {
    return !(*this == other);
  }
};

// An event as the pipeline sees it, already validated by the API layer.
struct MetricEvent {
  std::string name;  // event name
  // The event's value. A metric whose value_property is not "value" reads
  // that (top-level) property of `properties` instead: absent or null, the
  // event does not count for the metric's numerator; not a number, OnEvent
  // rejects it.
  double value = 0;
  absl::Time time;   // when the event happened
  // The event's properties (an object) or nullptr for none; borrowed, must
  // outlive any call it is passed to.
  const Value* properties = nullptr;
};

// What the pipeline remembers per (experiment, metric, unit).
struct UnitMetricState {
  bool counted = false;   // the unit contributes to n (exposed units for
                          // exposure-counted types; responders for survey
                          // and duration types)
  int64_t events = 0;     // matching numerator events counted
  double sum = 0;         // sum of the (mapped) numerator values
  double den_sum = 0;     // ratio: sum of denominator event values
  double pre = 0;         // CUPED covariate X
  bool retained = false;  // retention: returned after retention_hours

  // Size in bytes of Encode()'s output: a version byte, a flags byte
  // (bit 0 counted, bit 1 retained), events as a little-endian int64, then
  // sum, den_sum and pre as little-endian IEEE-754 binary64.
  static constexpr size_t kEncodedSize = 1 + 1 + 8 + 3 * 8;
  // Version byte written by Encode().
  static constexpr uint8_t kVersion = 1;

  // Fixed-size little-endian binary encoding (kEncodedSize bytes).
  std::string Encode() const;

  // Decodes Encode()'s output into `*out`. Returns false (leaving `*out`
  // unspecified) on a wrong size, an unknown version or unknown flag bits.
  static bool Decode(absl::string_view bytes, UnitMetricState* out);

  // Field-wise exact equality.
  bool operator==(const UnitMetricState& other) const;
  bool operator!=(const UnitMetricState& other) const {
    return !(*this == other);
  }
};

// True for the types whose units are counted from exposure (binomial, count,
// mean, ratio, retention); false for those counted from the first answer or
// event (nps, csat, ces, score, duration).
bool IsCountedOnExposure(MetricType type);

// A metric definition plus its compiled property filter.
//
// Thread-safety: immutable after Compile(); const methods may be called from
// many threads at once. Move-only.
class CompiledMetric {
 public:
  // Compiles `def.filter` strictly, with error paths under "filter" (e.g.
  // "filter.plan.$in: operand must be an array"); InvalidArgument on a bad
  // filter. The definition is copied. Other rules of MetricDef are checked by
  // ValidateDefinitions(), not here.
  static absl::StatusOr<CompiledMetric> Compile(const MetricDef& def);

  CompiledMetric(CompiledMetric&&) = default;
  CompiledMetric& operator=(CompiledMetric&&) = default;
  CompiledMetric(const CompiledMetric&) = delete;
  CompiledMetric& operator=(const CompiledMetric&) = delete;

  // The definition this metric was compiled from.
  const MetricDef& def() const { return def_; }

  // True when `event` counts as a numerator event: its name is def().event
  // and the filter matches its properties (no properties match like {}).
  // `groups` resolves $inGroup in the filter; it is only read.
  bool MatchesNumerator(const MetricEvent& event, const GroupSet& groups) const;

  // True for ratio metrics when the event's name is def().denominator_event
  // (the filter does not apply to denominator events). False for other types.
  bool MatchesDenominator(const MetricEvent& event) const;

  // The unit's metric value Y given its state (see the file comment).
  double UnitValue(const UnitMetricState& s) const;

  // The unit's ratio denominator D (0 for non-ratio metrics).
  double UnitDenominator(const UnitMetricState& s) const;

  // Validates and maps one raw numerator value. nps: integers 0-10 ->
  // +1/0/-1; csat: integers 1-5 -> 1 (4-5) or 0; ces/score: within the
  // configured scale bounds (any finite number otherwise), unchanged;
  // duration: >= 0, unchanged; other types: any finite number, unchanged.
  // InvalidArgument naming "value", e.g.
  //   "value: NPS answers must be integers 0-10, got 11".
  absl::StatusOr<double> MapValue(double raw) const;

 private:
  CompiledMetric(MetricDef def, Condition filter);

  MetricDef def_;
  Condition filter_;
};

// A unit's new state and the delta to merge into its cell.
struct Transition {
  UnitMetricState state;
  SufficientStats delta;
};

// The transition when a unit is exposed. `pre` is the unit's CUPED covariate,
// computed by the caller from the raw log. Stores `pre`; for
// exposure-counted types also sets `counted`. The delta is
// Delta(m, before, state) (zero for survey-like types not yet answered).
Transition OnExposure(const CompiledMetric& m, const UnitMetricState& before,
                      double pre);

// Applies one event to a unit exposed at `exposure_time`. Events before the
// exposure time, after exposure + window_hours (when > 0), or matching
// neither the numerator nor the denominator leave the state unchanged with a
// zero delta. A numerator event adds one to `events` and, for the types that
// use values (mean, ratio, survey-like), its mapped value to `sum` (and sets
// `counted` for survey-like types); for retention, one at or
// after exposure + retention_hours sets `retained`. A ratio denominator event
// adds its value to `den_sum`. `groups` resolves $inGroup in the filter.
// InvalidArgument (from MapValue, naming "value") when a counted numerator
// value is invalid for the type (binomial, count and retention ignore values)
// or a denominator value is not finite; nothing is applied then.
absl::StatusOr<Transition> OnEvent(const CompiledMetric& m,
                                   const UnitMetricState& before,
                                   absl::Time exposure_time,
                                   const MetricEvent& event,
                                   const GroupSet& groups);

// A unit's contribution to its cell: zero when !s.counted, otherwise
// {n = 1, Y, Y², D, D², Y·D, X, X², X·Y} with Y = m.UnitValue(s),
// D = m.UnitDenominator(s), X = s.pre.
SufficientStats Contribution(const CompiledMetric& m, const UnitMetricState& s);

// Contribution(m, after) - Contribution(m, before), field-wise: the delta
// that moves a cell from the unit's `before` contribution to its `after`.
SufficientStats Delta(const CompiledMetric& m, const UnitMetricState& before,
                      const UnitMetricState& after);

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_METRICS_H_
