// Copyright 2026 The cxlab Authors.

#include "engine/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/status_macros.h"

namespace cxlab::engine {
namespace {

// --- Little-endian fixed-width encoding -----------------------------------

void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

void PutI64(std::string* out, int64_t v) {
  PutU64(out, static_cast<uint64_t>(v));
}

void PutDouble(std::string* out, double d) {
  uint64_t bits;
  static_assert(sizeof(bits) == sizeof(d), "double must be 64 bits");
  std::memcpy(&bits, &d, sizeof(bits));
  PutU64(out, bits);
}

// Reads 8 bytes at `*pos` and advances it. The caller has checked the size.
uint64_t GetU64(absl::string_view in, size_t* pos) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in[*pos + i]))
         << (8 * i);
  }
  *pos += 8;
  return v;
}

int64_t GetI64(absl::string_view in, size_t* pos) {
  return static_cast<int64_t>(GetU64(in, pos));
}

double GetDouble(absl::string_view in, size_t* pos) {
  uint64_t bits = GetU64(in, pos);
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

constexpr uint8_t kFlagCounted = 1;
constexpr uint8_t kFlagRetained = 2;

// --- Value validation ------------------------------------------------------

// value_property naming the event's own `value` field.
constexpr absl::string_view kEventValueProperty = "value";

absl::Status ValueError(absl::string_view rule, double raw) {
  return absl::InvalidArgumentError(
      absl::StrCat("value: ", rule, ", got ", raw));
}

bool IsIntegerIn(double v, double lo, double hi) {
  return std::isfinite(v) && v == std::floor(v) && v >= lo && v <= hi;
}

// True for the types whose numerator events carry a value (the rest only
// count events).
bool UsesValue(MetricType type) {
  return type != MetricType::kBinomial && type != MetricType::kCount &&
         type != MetricType::kRetention;
}

}  // namespace

// --- SufficientStats -------------------------------------------------------

void SufficientStats::Add(const SufficientStats& d) {
  // Modulo 2^64, so that corrupt stored operands (the merge operator decodes
  // whatever RocksDB holds) cannot overflow a signed integer, which is
  // undefined behaviour (found by tests/fuzz storage_decode). Real counts stay
  // far below 2^63, where this is ordinary addition.
  n = static_cast<int64_t>(static_cast<uint64_t>(n) +
                           static_cast<uint64_t>(d.n));
  sum += d.sum;
  sum_sq += d.sum_sq;
  den_sum += d.den_sum;
  den_sum_sq += d.den_sum_sq;
  cross_sum += d.cross_sum;
  pre_sum += d.pre_sum;
  pre_sum_sq += d.pre_sum_sq;
  pre_cross_sum += d.pre_cross_sum;
}

bool SufficientStats::IsZero() const { return *this == SufficientStats(); }

std::string SufficientStats::Encode() const {
  std::string out;
  out.reserve(kEncodedSize);
  out.push_back(static_cast<char>(kVersion));
  PutI64(&out, n);
  for (double d : {sum, sum_sq, den_sum, den_sum_sq, cross_sum, pre_sum,
                   pre_sum_sq, pre_cross_sum}) {
    PutDouble(&out, d);
  }
  return out;
}

bool SufficientStats::Decode(absl::string_view bytes, SufficientStats* out) {
  if (bytes.size() != kEncodedSize ||
      static_cast<uint8_t>(bytes[0]) != kVersion) {
    return false;
  }
  size_t pos = 1;
  out->n = GetI64(bytes, &pos);
  for (double* d : {&out->sum, &out->sum_sq, &out->den_sum, &out->den_sum_sq,
                    &out->cross_sum, &out->pre_sum, &out->pre_sum_sq,
                    &out->pre_cross_sum}) {
    *d = GetDouble(bytes, &pos);
  }
  return true;
}

bool SufficientStats::operator==(const SufficientStats& o) const {
  return n == o.n && sum == o.sum && sum_sq == o.sum_sq &&
         den_sum == o.den_sum && den_sum_sq == o.den_sum_sq &&
         cross_sum == o.cross_sum && pre_sum == o.pre_sum &&
         pre_sum_sq == o.pre_sum_sq && pre_cross_sum == o.pre_cross_sum;
}

// --- UnitMetricState -------------------------------------------------------

std::string UnitMetricState::Encode() const {
  std::string out;
  out.reserve(kEncodedSize);
  out.push_back(static_cast<char>(kVersion));
  uint8_t flags = (counted ? kFlagCounted : 0) | (retained ? kFlagRetained : 0);
  out.push_back(static_cast<char>(flags));
  PutI64(&out, events);
  PutDouble(&out, sum);
  PutDouble(&out, den_sum);
  PutDouble(&out, pre);
  return out;
}

bool UnitMetricState::Decode(absl::string_view bytes, UnitMetricState* out) {
  if (bytes.size() != kEncodedSize ||
      static_cast<uint8_t>(bytes[0]) != kVersion) {
    return false;
  }
  uint8_t flags = static_cast<uint8_t>(bytes[1]);
  if ((flags & ~(kFlagCounted | kFlagRetained)) != 0) return false;
  out->counted = (flags & kFlagCounted) != 0;
  out->retained = (flags & kFlagRetained) != 0;
  size_t pos = 2;
  out->events = GetI64(bytes, &pos);
  out->sum = GetDouble(bytes, &pos);
  out->den_sum = GetDouble(bytes, &pos);
  out->pre = GetDouble(bytes, &pos);
  return true;
}

bool UnitMetricState::operator==(const UnitMetricState& o) const {
  return counted == o.counted && events == o.events && sum == o.sum &&
         den_sum == o.den_sum && pre == o.pre && retained == o.retained;
}

// --- CompiledMetric --------------------------------------------------------

bool IsCountedOnExposure(MetricType type) {
  switch (type) {
    case MetricType::kBinomial:
    case MetricType::kCount:
    case MetricType::kMean:
    case MetricType::kRatio:
    case MetricType::kRetention:
      return true;
    case MetricType::kNps:
    case MetricType::kCsat:
    case MetricType::kCes:
    case MetricType::kScore:
    case MetricType::kDuration:
      return false;
  }
  return true;
}

CompiledMetric::CompiledMetric(MetricDef def, Condition filter)
    : def_(std::move(def)), filter_(std::move(filter)) {}

absl::StatusOr<CompiledMetric> CompiledMetric::Compile(const MetricDef& def) {
  Condition::Options options;
  options.strict = true;
  options.field = "filter";
  ASSIGN_OR_RETURN(Condition filter, Condition::Compile(def.filter, options));
  return CompiledMetric(def, std::move(filter));
}

bool CompiledMetric::MatchesNumerator(const MetricEvent& event,
                                      const GroupSet& groups) const {
  if (event.name != def_.event) return false;
  if (event.properties != nullptr) {
    return filter_.Matches(*event.properties, groups);
  }
  return filter_.Matches(Value::Object(), groups);  // no properties = {}
}

bool CompiledMetric::MatchesDenominator(const MetricEvent& event) const {
  return def_.type == MetricType::kRatio && !def_.denominator_event.empty() &&
         event.name == def_.denominator_event;
}

double CompiledMetric::UnitValue(const UnitMetricState& s) const {
  switch (def_.type) {
    case MetricType::kBinomial:
      return s.events > 0 ? 1.0 : 0.0;
    case MetricType::kCount:
      return static_cast<double>(s.events);
    case MetricType::kMean:
      return def_.cap.has_value() ? std::min(s.sum, *def_.cap) : s.sum;
    case MetricType::kRatio:
      return s.sum;
    case MetricType::kNps:
    case MetricType::kCsat:
    case MetricType::kCes:
    case MetricType::kScore:
    case MetricType::kDuration:
      return s.events > 0 ? s.sum / static_cast<double>(s.events) : 0.0;
    case MetricType::kRetention:
      return s.retained ? 1.0 : 0.0;
  }
  return 0.0;
}

double CompiledMetric::UnitDenominator(const UnitMetricState& s) const {
  return def_.type == MetricType::kRatio ? s.den_sum : 0.0;
}

absl::StatusOr<double> CompiledMetric::MapValue(double raw) const {
  switch (def_.type) {
    case MetricType::kNps:
      if (!IsIntegerIn(raw, 0, 10)) {
        return ValueError("NPS answers must be integers 0-10", raw);
      }
      return raw >= 9 ? 1.0 : (raw >= 7 ? 0.0 : -1.0);
    case MetricType::kCsat:
      if (!IsIntegerIn(raw, 1, 5)) {
        return ValueError("CSAT answers must be integers 1-5", raw);
      }
      return raw >= 4 ? 1.0 : 0.0;
    case MetricType::kCes:
    case MetricType::kScore: {
      const char* what = def_.type == MetricType::kCes ? "CES" : "score";
      const std::optional<double>& lo = def_.scale_min;
      const std::optional<double>& hi = def_.scale_max;
      bool ok = std::isfinite(raw) && (!lo.has_value() || raw >= *lo) &&
                (!hi.has_value() || raw <= *hi);
      if (ok) return raw;
      if (lo.has_value() && hi.has_value()) {
        return ValueError(absl::StrCat(what, " answers must be within [", *lo,
                                       ", ", *hi, "]"),
                          raw);
      }
      if (lo.has_value()) {
        return ValueError(absl::StrCat(what, " answers must be >= ", *lo), raw);
      }
      if (hi.has_value()) {
        return ValueError(absl::StrCat(what, " answers must be <= ", *hi), raw);
      }
      return ValueError(absl::StrCat(what, " answers must be finite numbers"),
                        raw);
    }
    case MetricType::kDuration:
      if (!(std::isfinite(raw) && raw >= 0)) {
        return ValueError("durations must be finite seconds >= 0", raw);
      }
      return raw;
    case MetricType::kBinomial:
    case MetricType::kCount:
    case MetricType::kMean:
    case MetricType::kRatio:
    case MetricType::kRetention:
      break;
  }
  if (!std::isfinite(raw)) return ValueError("must be a finite number", raw);
  return raw;
}

// --- Transitions -----------------------------------------------------------

SufficientStats Contribution(const CompiledMetric& m,
                             const UnitMetricState& s) {
  SufficientStats c;
  if (!s.counted) return c;
  const double y = m.UnitValue(s);
  const double d = m.UnitDenominator(s);
  const double x = s.pre;
  c.n = 1;
  c.sum = y;
  c.sum_sq = y * y;
  c.den_sum = d;
  c.den_sum_sq = d * d;
  c.cross_sum = y * d;
  c.pre_sum = x;
  c.pre_sum_sq = x * x;
  c.pre_cross_sum = x * y;
  return c;
}

SufficientStats Delta(const CompiledMetric& m, const UnitMetricState& before,
                      const UnitMetricState& after) {
  const SufficientStats a = Contribution(m, after);
  const SufficientStats b = Contribution(m, before);
  SufficientStats d;
  d.n = a.n - b.n;
  d.sum = a.sum - b.sum;
  d.sum_sq = a.sum_sq - b.sum_sq;
  d.den_sum = a.den_sum - b.den_sum;
  d.den_sum_sq = a.den_sum_sq - b.den_sum_sq;
  d.cross_sum = a.cross_sum - b.cross_sum;
  d.pre_sum = a.pre_sum - b.pre_sum;
  d.pre_sum_sq = a.pre_sum_sq - b.pre_sum_sq;
  d.pre_cross_sum = a.pre_cross_sum - b.pre_cross_sum;
  return d;
}

Transition OnExposure(const CompiledMetric& m, const UnitMetricState& before,
                      double pre) {
  Transition t;
  t.state = before;
  t.state.pre = pre;
  if (IsCountedOnExposure(m.def().type)) t.state.counted = true;
  t.delta = Delta(m, before, t.state);
  return t;
}

absl::StatusOr<Transition> OnEvent(const CompiledMetric& m,
                                   const UnitMetricState& before,
                                   absl::Time exposure_time,
                                   const MetricEvent& event,
                                   const GroupSet& groups) {
  const MetricDef& def = m.def();
  Transition t;
  t.state = before;
  if (event.time < exposure_time) return t;
  if (def.window_hours > 0 &&
      event.time > exposure_time + absl::Hours(def.window_hours)) {
    return t;
  }
  bool numerator = m.MatchesNumerator(event, groups);
  const bool denominator = m.MatchesDenominator(event);
  if (!numerator && !denominator) return t;

  // Validate before changing anything, so an error leaves no partial state.
  double mapped = 0;
  if (numerator && UsesValue(def.type)) {
    double raw = event.value;
    if (def.value_property != kEventValueProperty) {
      // The value is a property of the event: absent (or null) means the
      // event carries no value for this metric and does not count.
      const Value* property = event.properties == nullptr
                                  ? nullptr
                                  : event.properties->Find(def.value_property);
      if (property == nullptr || property->is_null()) {
        numerator = false;
      } else if (!property->is_number()) {
        return absl::InvalidArgumentError(
            absl::StrCat("properties.", def.value_property,
                         ": must be a number (the metric's value_property)"));
      } else {
        raw = property->as_number();
      }
    }
    if (numerator) {
      ASSIGN_OR_RETURN(mapped, m.MapValue(raw));
    } else if (!denominator) {
      return t;
    }
  }
  if (denominator && !std::isfinite(event.value)) {
    return ValueError("must be a finite number", event.value);
  }

  if (numerator) {
    t.state.events += 1;
    switch (def.type) {
      case MetricType::kBinomial:
      case MetricType::kCount:
        break;  // only the number of events matters
      case MetricType::kRetention:
        if (event.time >= exposure_time + absl::Hours(def.retention_hours)) {
          t.state.retained = true;
        }
        break;
      case MetricType::kMean:
      case MetricType::kRatio:
        t.state.sum += mapped;
        break;
      case MetricType::kNps:
      case MetricType::kCsat:
      case MetricType::kCes:
      case MetricType::kScore:
      case MetricType::kDuration:
        t.state.sum += mapped;
        t.state.counted = true;
        break;
    }
  }
  if (denominator) t.state.den_sum += event.value;
  t.delta = Delta(m, before, t.state);
  return t;
}

}  // namespace cxlab::engine
