// Copyright 2026 The cxlab Authors.

#include "engine/definitions_codec.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/json.h"
#include "engine/status_macros.h"

namespace cxlab::engine {
namespace {

// Member names of each object, in the order they are written.
constexpr absl::string_view kExperimentFields[] = {
    "key",
    "name",
    "description",
    "hypothesis",
    "owner",
    "tags",
    "status",
    "salt",
    "unit_type",
    "hash_attribute",
    "fallback_attribute",
    "variants",
    "coverage",
    "segments",
    "condition",
    "layer",
    "layer_range",
    "exempt_from_holdout",
    "forced",
    "schedule",
    "winner",
    "metrics",
    "guardrails",
    "sticky",
    "bucket_version",
    "bandit",
};
constexpr absl::string_view kVariantFields[] = {"key", "name", "weight",
                                                "payload"};
constexpr absl::string_view kBanditFields[] = {"metric", "interval_minutes",
                                               "min_share"};
constexpr absl::string_view kScheduleFields[] = {"start", "end"};
constexpr absl::string_view kSegmentFields[] = {"key", "name", "description",
                                                "condition"};
constexpr absl::string_view kGroupFields[] = {"key", "description", "ids"};
constexpr absl::string_view kMetricFields[] = {
    "key",
    "name",
    "description",
    "type",
    "event",
    "value_property",
    "filter",
    "window_hours",
    "direction",
    "guardrail",
    "cap",
    "denominator_event",
    "retention_hours",
    "scale_min",
    "scale_max",
};
constexpr absl::string_view kLayerFields[] = {"key", "description", "salt",
                                              "holdout"};
constexpr absl::string_view kHoldoutFields[] = {"key", "description", "salt",
                                                "share"};
constexpr absl::string_view kSlotFields[] = {"key", "name", "description",
                                             "default_content", "rules"};
constexpr absl::string_view kSlotRuleFields[] = {
    "key", "segments", "condition", "content",
    "priority", "start", "end", "experiment",
};

// Defaults that differ from the type's zero value.
constexpr absl::string_view kDefaultUnitType = "user";
constexpr absl::string_view kDefaultValueProperty = "value";
constexpr double kDefaultCoverage = 1.0;

// The direction a metric of `type` has when `direction` is not given.
MetricDirection DefaultDirection(MetricType type) {
  return type == MetricType::kDuration ? MetricDirection::kLower
                                       : MetricDirection::kHigher;
}

absl::string_view DirectionName(MetricDirection direction) {
  return direction == MetricDirection::kLower ? "lower" : "higher";
}

// ---------------------------------------------------------------------------
// Writing.

// Appends a member. Appending (rather than Value::Set) keeps every entry of
// `forced`, even a repeated unit id, so the Value round trip is exact.
void Put(Value& object, absl::string_view name, Value value) {
  object.mutable_members().emplace_back(std::string(name), std::move(value));
}

void PutString(Value& object, absl::string_view name, const std::string& s) {
  if (!s.empty()) Put(object, name, Value(s));
}

void PutNumber(Value& object, absl::string_view name, double n,
               double default_value) {
  if (n != default_value) Put(object, name, Value(n));
}

void PutOptionalNumber(Value& object, absl::string_view name,
                       const std::optional<double>& n) {
  if (n.has_value()) Put(object, name, Value(*n));
}

void PutStringList(Value& object, absl::string_view name,
                   const std::vector<std::string>& list) {
  if (list.empty()) return;
  Value array = Value::Array();
  array.mutable_items().reserve(list.size());
  for (const std::string& s : list) array.Append(Value(s));
  Put(object, name, std::move(array));
}

void PutValue(Value& object, absl::string_view name, const Value& value) {
  if (!value.is_null()) Put(object, name, value);
}

// RFC 3339 in UTC with full sub-second precision; infinite times come out as
// "infinite-past" / "infinite-future", which absl::ParseTime accepts back.
std::string FormatRfc3339Utc(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

// `start` / `end` as RFC 3339 members of `object`, each omitted when open.
void PutWindow(Value& object, absl::Time start, absl::Time end) {
  if (start != absl::InfinitePast()) {
    Put(object, "start", Value(FormatRfc3339Utc(start)));
  }
  if (end != absl::InfiniteFuture()) {
    Put(object, "end", Value(FormatRfc3339Utc(end)));
  }
}

Value VariantToValue(const VariantDef& v) {
  Value o = Value::Object();
  Put(o, "key", Value(v.key));
  PutString(o, "name", v.name);
  PutOptionalNumber(o, "weight", v.weight);
  PutValue(o, "payload", v.payload);
  return o;
}

// ---------------------------------------------------------------------------
// Reading.

absl::Status FieldError(absl::string_view path, absl::string_view rule) {
  if (path.empty()) return absl::InvalidArgumentError(rule);
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", rule));
}

std::string JoinPath(absl::string_view parent, absl::string_view name) {
  if (parent.empty()) return std::string(name);
  return absl::StrCat(parent, ".", name);
}

std::string IndexPath(absl::string_view parent, size_t index) {
  return absl::StrCat(parent, "[", index, "]");
}

absl::Status ReadNumberAt(const Value& v, absl::string_view path, double* out) {
  if (!v.is_number()) return FieldError(path, "must be a number");
  if (!std::isfinite(v.as_number())) {
    return FieldError(path, "must be a finite number");
  }
  *out = v.as_number();
  return absl::OkStatus();
}

// Reads the members of one JSON object at `path` ("" for the document,
// "variants[1]", "schedule"). Every accessor leaves its output unchanged when
// the member is absent or null.
class ObjectReader {
 public:
  ObjectReader(const Value& object, std::string path)
      : object_(object), path_(std::move(path)) {}

  // Checks that this is an object whose members are all in `fields`, each at
  // most once. When `kind` is set, a `kind` member naming it is also allowed
  // (and ignored).
  absl::Status Check(absl::Span<const absl::string_view> fields,
                     absl::string_view kind = {}) const {
    if (!object_.is_object()) {
      if (path_.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("expected a JSON object, got ", object_.TypeName()));
      }
      return FieldError(path_, "must be an object");
    }
    absl::flat_hash_set<absl::string_view> seen;
    for (const Value::Member& member : object_.members()) {
      const std::string& name = member.first;
      if (!seen.insert(name).second) {
        return FieldError(path_, absl::StrCat("duplicate field '", name, "'"));
      }
      if (!kind.empty() && name == "kind") {
        RETURN_IF_ERROR(CheckKind(member.second, kind));
        continue;
      }
      bool known = false;
      for (absl::string_view field : fields) {
        if (field == name) {
          known = true;
          break;
        }
      }
      if (!known) {
        return FieldError(path_, absl::StrCat("unknown field '", name, "'"));
      }
    }
    return absl::OkStatus();
  }

  // The member `name`, or nullptr when it is absent or null.
  const Value* Get(absl::string_view name) const {
    const Value* v = object_.Find(name);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  std::string PathOf(absl::string_view name) const {
    return JoinPath(path_, name);
  }

  absl::Status String(absl::string_view name, std::string* out) const {
    const Value* v = Get(name);
    if (v == nullptr) return absl::OkStatus();
    if (!v->is_string()) return FieldError(PathOf(name), "must be a string");
    *out = v->as_string();
    return absl::OkStatus();
  }

  absl::Status Number(absl::string_view name, double* out) const {
    const Value* v = Get(name);
    if (v == nullptr) return absl::OkStatus();
    return ReadNumberAt(*v, PathOf(name), out);
  }

  absl::Status OptionalNumber(absl::string_view name,
                              std::optional<double>* out) const {
    const Value* v = Get(name);
    if (v == nullptr) return absl::OkStatus();
    double n = 0;
    RETURN_IF_ERROR(ReadNumberAt(*v, PathOf(name), &n));
    *out = n;
    return absl::OkStatus();
  }

  // An integer (a JSON number without a fractional part, in int64 range).
  absl::Status Int64(absl::string_view name, int64_t* out) const {
    const Value* v = Get(name);
    if (v == nullptr) return absl::OkStatus();
    double n = 0;
    RETURN_IF_ERROR(ReadNumberAt(*v, PathOf(name), &n));
    // 2^63: the first double outside int64_t.
    constexpr double kLimit = 9223372036854775808.0;
    if (n != std::trunc(n) || n < -kLimit || n >= kLimit) {
      return FieldError(PathOf(name), "must be an integer");
    }
    *out = static_cast<int64_t>(n);
    return absl::OkStatus();
  }

  absl::Status Bool(absl::string_view name, bool* out) const {
    const Value* v = Get(name);
    if (v == nullptr) return absl::OkStatus();
    if (!v->is_bool()) return FieldError(PathOf(name), "must be a boolean");
    *out = v->as_bool();
    return absl::OkStatus();
  }

  absl::Status StringList(absl::string_view name,
                          std::vector<std::string>* out) const {
    const Value* v = Get(name);
    if (v == nullptr) return absl::OkStatus();
    const std::string path = PathOf(name);
    if (!v->is_array()) return FieldError(path, "must be an array of strings");
    out->clear();
    out->reserve(v->items().size());
    for (size_t i = 0; i < v->items().size(); ++i) {
      const Value& item = v->items()[i];
      if (!item.is_string()) {
        return FieldError(IndexPath(path, i), "must be a string");
      }
      out->push_back(item.as_string());
    }
    return absl::OkStatus();
  }

  // Any JSON value (condition, payload, filter), copied as it is.
  void Any(absl::string_view name, Value* out) const {
    const Value* v = Get(name);
    if (v != nullptr) *out = *v;
  }

  absl::Status Time(absl::string_view name, absl::Time* out) const {
    const Value* v = Get(name);
    if (v == nullptr) return absl::OkStatus();
    const std::string path = PathOf(name);
    if (!v->is_string()) return FieldError(path, "must be a string");
    absl::Time t;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, v->as_string(), &t, &error)) {
      return FieldError(path, absl::StrCat("must be an RFC 3339 time such as "
                                           "2026-03-01T00:00:00Z, got '",
                                           v->as_string(), "'"));
    }
    *out = t;
    return absl::OkStatus();
  }

 private:
  absl::Status CheckKind(const Value& v, absl::string_view kind) const {
    if (v.is_null()) return absl::OkStatus();
    const std::string path = PathOf("kind");
    if (!v.is_string()) return FieldError(path, "must be a string");
    if (v.as_string() != kind) {
      return FieldError(path, absl::StrCat("expected '", kind, "', got '",
                                           v.as_string(), "'"));
    }
    return absl::OkStatus();
  }

  const Value& object_;
  std::string path_;
};

absl::StatusOr<VariantDef> VariantFromValue(const Value& value,
                                            std::string path) {
  ObjectReader r(value, std::move(path));
  RETURN_IF_ERROR(r.Check(kVariantFields));
  VariantDef v;
  RETURN_IF_ERROR(r.String("key", &v.key));
  RETURN_IF_ERROR(r.String("name", &v.name));
  RETURN_IF_ERROR(r.OptionalNumber("weight", &v.weight));
  r.Any("payload", &v.payload);
  return v;
}

absl::Status ReadVariants(const ObjectReader& r, ExperimentDef& e) {
  const Value* v = r.Get("variants");
  if (v == nullptr) return absl::OkStatus();
  const std::string path = r.PathOf("variants");
  if (!v->is_array()) return FieldError(path, "must be an array of variants");
  e.variants.reserve(v->items().size());
  for (size_t i = 0; i < v->items().size(); ++i) {
    ASSIGN_OR_RETURN(VariantDef variant,
                     VariantFromValue(v->items()[i], IndexPath(path, i)));
    e.variants.push_back(std::move(variant));
  }
  return absl::OkStatus();
}

absl::Status ReadLayerRange(const ObjectReader& r, ExperimentDef& e) {
  const Value* v = r.Get("layer_range");
  if (v == nullptr) return absl::OkStatus();
  const std::string path = r.PathOf("layer_range");
  if (!v->is_array() || v->items().size() != 2) {
    return FieldError(path, "must be an array of 2 numbers [start, end]");
  }
  BucketRange range;
  RETURN_IF_ERROR(
      ReadNumberAt(v->items()[0], IndexPath(path, 0), &range.start));
  RETURN_IF_ERROR(ReadNumberAt(v->items()[1], IndexPath(path, 1), &range.end));
  e.layer_range = range;
  return absl::OkStatus();
}

absl::Status ReadForced(const ObjectReader& r, ExperimentDef& e) {
  const Value* v = r.Get("forced");
  if (v == nullptr) return absl::OkStatus();
  const std::string path = r.PathOf("forced");
  if (!v->is_object()) {
    return FieldError(path, "must be an object of unit id to variant key");
  }
  // Repeated unit ids are kept; ValidateDefinitions() reports them.
  e.forced.reserve(v->members().size());
  for (const Value::Member& member : v->members()) {
    if (!member.second.is_string()) {
      return FieldError(JoinPath(path, member.first), "must be a string");
    }
    e.forced.emplace_back(member.first, member.second.as_string());
  }
  return absl::OkStatus();
}

absl::Status ReadSchedule(const ObjectReader& r, ExperimentDef& e) {
  const Value* v = r.Get("schedule");
  if (v == nullptr) return absl::OkStatus();
  ObjectReader schedule(*v, r.PathOf("schedule"));
  RETURN_IF_ERROR(schedule.Check(kScheduleFields));
  RETURN_IF_ERROR(schedule.Time("start", &e.start));
  RETURN_IF_ERROR(schedule.Time("end", &e.end));
  return absl::OkStatus();
}

absl::Status ReadBandit(const ObjectReader& r, ExperimentDef& e) {
  const Value* v = r.Get("bandit");
  if (v == nullptr) return absl::OkStatus();
  ObjectReader bandit(*v, r.PathOf("bandit"));
  RETURN_IF_ERROR(bandit.Check(kBanditFields));
  ExperimentDef::Bandit b;
  RETURN_IF_ERROR(bandit.String("metric", &b.metric));
  RETURN_IF_ERROR(bandit.Number("interval_minutes", &b.interval_minutes));
  RETURN_IF_ERROR(bandit.Number("min_share", &b.min_share));
  e.bandit = std::move(b);
  return absl::OkStatus();
}

absl::StatusOr<SlotRuleDef> SlotRuleFromValue(const Value& value,
                                              std::string path) {
  ObjectReader r(value, std::move(path));
  RETURN_IF_ERROR(r.Check(kSlotRuleFields));
  SlotRuleDef rule;
  RETURN_IF_ERROR(r.String("key", &rule.key));
  RETURN_IF_ERROR(r.StringList("segments", &rule.segments));
  r.Any("condition", &rule.condition);
  r.Any("content", &rule.content);
  RETURN_IF_ERROR(r.Int64("priority", &rule.priority));
  RETURN_IF_ERROR(r.Time("start", &rule.start));
  RETURN_IF_ERROR(r.Time("end", &rule.end));
  RETURN_IF_ERROR(r.String("experiment", &rule.experiment));
  return rule;
}

absl::Status ReadStatus(const ObjectReader& r, ExperimentDef& e) {
  std::string name;
  if (r.Get("status") == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(r.String("status", &name));
  absl::StatusOr<ExperimentStatus> status = ParseExperimentStatus(name);
  if (!status.ok())
    return FieldError(r.PathOf("status"), status.status().message());
  e.status = *status;
  return absl::OkStatus();
}

absl::Status ReadMetricType(const ObjectReader& r, MetricDef& m) {
  std::string name;
  if (r.Get("type") == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(r.String("type", &name));
  absl::StatusOr<MetricType> type = ParseMetricType(name);
  if (!type.ok()) return FieldError(r.PathOf("type"), type.status().message());
  m.type = *type;
  return absl::OkStatus();
}

// Reads `direction`; when it is absent, the default of the type already read.
absl::Status ReadDirection(const ObjectReader& r, MetricDef& m) {
  m.direction = DefaultDirection(m.type);
  std::string name;
  if (r.Get("direction") == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(r.String("direction", &name));
  if (name == "higher") {
    m.direction = MetricDirection::kHigher;
  } else if (name == "lower") {
    m.direction = MetricDirection::kLower;
  } else {
    return FieldError(
        r.PathOf("direction"),
        absl::StrCat("must be 'higher' or 'lower', got '", name, "'"));
  }
  return absl::OkStatus();
}

// Parses `json` and reads it with `from_value`.
template <typename T>
absl::StatusOr<T> FromJson(absl::string_view json,
                           absl::StatusOr<T> (*from_value)(const Value&)) {
  ASSIGN_OR_RETURN(Value value, ParseJson(json));
  return from_value(value);
}

}  // namespace

// ---------------------------------------------------------------------------
// Experiments.

Value ExperimentToValue(const ExperimentDef& e) {
  Value o = Value::Object();
  Put(o, "key", Value(e.key));
  PutString(o, "name", e.name);
  PutString(o, "description", e.description);
  PutString(o, "hypothesis", e.hypothesis);
  PutString(o, "owner", e.owner);
  PutStringList(o, "tags", e.tags);
  if (e.status != ExperimentStatus::kDraft) {
    Put(o, "status", Value(ExperimentStatusName(e.status)));
  }
  PutString(o, "salt", e.salt);
  if (e.unit_type != kDefaultUnitType) Put(o, "unit_type", Value(e.unit_type));
  PutString(o, "hash_attribute", e.hash_attribute);
  PutString(o, "fallback_attribute", e.fallback_attribute);
  if (!e.variants.empty()) {
    Value variants = Value::Array();
    variants.mutable_items().reserve(e.variants.size());
    for (const VariantDef& v : e.variants) variants.Append(VariantToValue(v));
    Put(o, "variants", std::move(variants));
  }
  PutNumber(o, "coverage", e.coverage, kDefaultCoverage);
  PutStringList(o, "segments", e.segments);
  PutValue(o, "condition", e.condition);
  PutString(o, "layer", e.layer);
  if (e.layer_range.has_value()) {
    Put(o, "layer_range",
        Value::Array({Value(e.layer_range->start), Value(e.layer_range->end)}));
  }
  if (e.exempt_from_holdout) Put(o, "exempt_from_holdout", Value(true));
  if (!e.forced.empty()) {
    Value forced = Value::Object();
    for (const auto& [unit_id, variant] : e.forced) {
      Put(forced, unit_id, Value(variant));
    }
    Put(o, "forced", std::move(forced));
  }
  Value schedule = Value::Object();
  PutWindow(schedule, e.start, e.end);
  if (!schedule.members().empty()) Put(o, "schedule", std::move(schedule));
  PutString(o, "winner", e.winner);
  PutStringList(o, "metrics", e.metrics);
  PutStringList(o, "guardrails", e.guardrails);
  if (e.sticky) Put(o, "sticky", Value(true));
  if (e.bucket_version != 0) Put(o, "bucket_version", Value(e.bucket_version));
  if (e.bandit.has_value()) {
    // Written even when every member is a default: presence turns it on.
    const ExperimentDef::Bandit defaults;
    Value bandit = Value::Object();
    PutString(bandit, "metric", e.bandit->metric);
    PutNumber(bandit, "interval_minutes", e.bandit->interval_minutes,
              defaults.interval_minutes);
    PutNumber(bandit, "min_share", e.bandit->min_share,
              defaults.min_share);
    Put(o, "bandit", std::move(bandit));
  }
  return o;
}

absl::StatusOr<ExperimentDef> ExperimentFromValue(const Value& value) {
  ObjectReader r(value, "");
  RETURN_IF_ERROR(r.Check(kExperimentFields, "experiment"));
  ExperimentDef e;
  RETURN_IF_ERROR(r.String("key", &e.key));
  RETURN_IF_ERROR(r.String("name", &e.name));
  RETURN_IF_ERROR(r.String("description", &e.description));
  RETURN_IF_ERROR(r.String("hypothesis", &e.hypothesis));
  RETURN_IF_ERROR(r.String("owner", &e.owner));
  RETURN_IF_ERROR(r.StringList("tags", &e.tags));
  RETURN_IF_ERROR(ReadStatus(r, e));
  RETURN_IF_ERROR(r.String("salt", &e.salt));
  RETURN_IF_ERROR(r.String("unit_type", &e.unit_type));
  RETURN_IF_ERROR(r.String("hash_attribute", &e.hash_attribute));
  RETURN_IF_ERROR(r.String("fallback_attribute", &e.fallback_attribute));
  RETURN_IF_ERROR(ReadVariants(r, e));
  RETURN_IF_ERROR(r.Number("coverage", &e.coverage));
  RETURN_IF_ERROR(r.StringList("segments", &e.segments));
  r.Any("condition", &e.condition);
  RETURN_IF_ERROR(r.String("layer", &e.layer));
  RETURN_IF_ERROR(ReadLayerRange(r, e));
  RETURN_IF_ERROR(r.Bool("exempt_from_holdout", &e.exempt_from_holdout));
  RETURN_IF_ERROR(ReadForced(r, e));
  RETURN_IF_ERROR(ReadSchedule(r, e));
  RETURN_IF_ERROR(r.String("winner", &e.winner));
  RETURN_IF_ERROR(r.StringList("metrics", &e.metrics));
  RETURN_IF_ERROR(r.StringList("guardrails", &e.guardrails));
  RETURN_IF_ERROR(r.Bool("sticky", &e.sticky));
  RETURN_IF_ERROR(r.Int64("bucket_version", &e.bucket_version));
  RETURN_IF_ERROR(ReadBandit(r, e));
  return e;
}

// ---------------------------------------------------------------------------
// Segments.

Value SegmentToValue(const SegmentDef& s) {
  Value o = Value::Object();
  Put(o, "key", Value(s.key));
  PutString(o, "name", s.name);
  PutString(o, "description", s.description);
  PutValue(o, "condition", s.condition);
  return o;
}

absl::StatusOr<SegmentDef> SegmentFromValue(const Value& value) {
  ObjectReader r(value, "");
  RETURN_IF_ERROR(r.Check(kSegmentFields, "segment"));
  SegmentDef s;
  RETURN_IF_ERROR(r.String("key", &s.key));
  RETURN_IF_ERROR(r.String("name", &s.name));
  RETURN_IF_ERROR(r.String("description", &s.description));
  r.Any("condition", &s.condition);
  return s;
}

// ---------------------------------------------------------------------------
// Groups.

Value GroupToValue(const GroupDef& g) {
  Value o = Value::Object();
  Put(o, "key", Value(g.key));
  PutString(o, "description", g.description);
  if (!g.ids.empty()) Put(o, "ids", Value::Array(g.ids));
  return o;
}

absl::StatusOr<GroupDef> GroupFromValue(const Value& value) {
  ObjectReader r(value, "");
  RETURN_IF_ERROR(r.Check(kGroupFields, "group"));
  GroupDef g;
  RETURN_IF_ERROR(r.String("key", &g.key));
  RETURN_IF_ERROR(r.String("description", &g.description));
  if (const Value* ids = r.Get("ids"); ids != nullptr) {
    const std::string path = r.PathOf("ids");
    if (!ids->is_array()) return FieldError(path, "must be an array of ids");
    for (size_t i = 0; i < ids->items().size(); ++i) {
      const Value& id = ids->items()[i];
      if (!id.is_string() && !id.is_number()) {
        return FieldError(IndexPath(path, i), "must be a string or a number");
      }
    }
    g.ids = ids->items();
  }
  return g;
}

// ---------------------------------------------------------------------------
// Metrics.

Value MetricToValue(const MetricDef& m) {
  Value o = Value::Object();
  Put(o, "key", Value(m.key));
  PutString(o, "name", m.name);
  PutString(o, "description", m.description);
  if (m.type != MetricType::kBinomial) {
    Put(o, "type", Value(MetricTypeName(m.type)));
  }
  PutString(o, "event", m.event);
  if (m.value_property != kDefaultValueProperty) {
    Put(o, "value_property", Value(m.value_property));
  }
  PutValue(o, "filter", m.filter);
  PutNumber(o, "window_hours", m.window_hours, 0);
  if (m.direction != DefaultDirection(m.type)) {
    Put(o, "direction", Value(DirectionName(m.direction)));
  }
  if (m.guardrail) Put(o, "guardrail", Value(true));
  PutOptionalNumber(o, "cap", m.cap);
  PutString(o, "denominator_event", m.denominator_event);
  PutNumber(o, "retention_hours", m.retention_hours, 0);
  PutOptionalNumber(o, "scale_min", m.scale_min);
  PutOptionalNumber(o, "scale_max", m.scale_max);
  return o;
}

absl::StatusOr<MetricDef> MetricFromValue(const Value& value) {
  ObjectReader r(value, "");
  RETURN_IF_ERROR(r.Check(kMetricFields, "metric"));
  MetricDef m;
  RETURN_IF_ERROR(r.String("key", &m.key));
  RETURN_IF_ERROR(r.String("name", &m.name));
  RETURN_IF_ERROR(r.String("description", &m.description));
  RETURN_IF_ERROR(ReadMetricType(r, m));
  RETURN_IF_ERROR(r.String("event", &m.event));
  RETURN_IF_ERROR(r.String("value_property", &m.value_property));
  r.Any("filter", &m.filter);
  RETURN_IF_ERROR(r.Number("window_hours", &m.window_hours));
  RETURN_IF_ERROR(ReadDirection(r, m));
  RETURN_IF_ERROR(r.Bool("guardrail", &m.guardrail));
  RETURN_IF_ERROR(r.OptionalNumber("cap", &m.cap));
  RETURN_IF_ERROR(r.String("denominator_event", &m.denominator_event));
  RETURN_IF_ERROR(r.Number("retention_hours", &m.retention_hours));
  RETURN_IF_ERROR(r.OptionalNumber("scale_min", &m.scale_min));
  RETURN_IF_ERROR(r.OptionalNumber("scale_max", &m.scale_max));
  return m;
}

// ---------------------------------------------------------------------------
// Layers and the holdout.

Value LayerToValue(const LayerDef& l) {
  Value o = Value::Object();
  Put(o, "key", Value(l.key));
  PutString(o, "description", l.description);
  PutString(o, "salt", l.salt);
  PutNumber(o, "holdout", l.holdout, 0);
  return o;
}

absl::StatusOr<LayerDef> LayerFromValue(const Value& value) {
  ObjectReader r(value, "");
  RETURN_IF_ERROR(r.Check(kLayerFields, "layer"));
  LayerDef l;
  RETURN_IF_ERROR(r.String("key", &l.key));
  RETURN_IF_ERROR(r.String("description", &l.description));
  RETURN_IF_ERROR(r.String("salt", &l.salt));
  RETURN_IF_ERROR(r.Number("holdout", &l.holdout));
  return l;
}

Value HoldoutToValue(const HoldoutDef& h) {
  Value o = Value::Object();
  Put(o, "key", Value(h.key));
  PutString(o, "description", h.description);
  PutString(o, "salt", h.salt);
  PutNumber(o, "share", h.share, 0);
  return o;
}

absl::StatusOr<HoldoutDef> HoldoutFromValue(const Value& value) {
  ObjectReader r(value, "");
  RETURN_IF_ERROR(r.Check(kHoldoutFields, "holdout"));
  HoldoutDef h;
  RETURN_IF_ERROR(r.String("key", &h.key));
  RETURN_IF_ERROR(r.String("description", &h.description));
  RETURN_IF_ERROR(r.String("salt", &h.salt));
  RETURN_IF_ERROR(r.Number("share", &h.share));
  return h;
}

// ---------------------------------------------------------------------------
// Slots.

Value SlotToValue(const SlotDef& slot) {
  Value o = Value::Object();
  Put(o, "key", Value(slot.key));
  PutString(o, "name", slot.name);
  PutString(o, "description", slot.description);
  PutValue(o, "default_content", slot.default_content);
  if (!slot.rules.empty()) {
    Value rules = Value::Array();
    rules.mutable_items().reserve(slot.rules.size());
    for (const SlotRuleDef& rule : slot.rules) {
      Value r = Value::Object();
      Put(r, "key", Value(rule.key));
      PutStringList(r, "segments", rule.segments);
      PutValue(r, "condition", rule.condition);
      PutValue(r, "content", rule.content);
      if (rule.priority != 0) Put(r, "priority", Value(rule.priority));
      PutWindow(r, rule.start, rule.end);
      PutString(r, "experiment", rule.experiment);
      rules.Append(std::move(r));
    }
    Put(o, "rules", std::move(rules));
  }
  return o;
}

absl::StatusOr<SlotDef> SlotFromValue(const Value& value) {
  ObjectReader r(value, "");
  RETURN_IF_ERROR(r.Check(kSlotFields, "slot"));
  SlotDef slot;
  RETURN_IF_ERROR(r.String("key", &slot.key));
  RETURN_IF_ERROR(r.String("name", &slot.name));
  RETURN_IF_ERROR(r.String("description", &slot.description));
  r.Any("default_content", &slot.default_content);
  if (const Value* rules = r.Get("rules"); rules != nullptr) {
    const std::string path = r.PathOf("rules");
    if (!rules->is_array()) return FieldError(path, "must be an array of rules");
    slot.rules.reserve(rules->items().size());
    for (size_t i = 0; i < rules->items().size(); ++i) {
      ASSIGN_OR_RETURN(SlotRuleDef rule,
                       SlotRuleFromValue(rules->items()[i], IndexPath(path, i)));
      slot.rules.push_back(std::move(rule));
    }
  }
  return slot;
}

// ---------------------------------------------------------------------------
// JSON text.

std::string ExperimentToJson(const ExperimentDef& experiment) {
  return ToJson(ExperimentToValue(experiment));
}
absl::StatusOr<ExperimentDef> ExperimentFromJson(absl::string_view json) {
  return FromJson(json, &ExperimentFromValue);
}
std::string SegmentToJson(const SegmentDef& segment) {
  return ToJson(SegmentToValue(segment));
}
absl::StatusOr<SegmentDef> SegmentFromJson(absl::string_view json) {
  return FromJson(json, &SegmentFromValue);
}
std::string GroupToJson(const GroupDef& group) {
  return ToJson(GroupToValue(group));
}
absl::StatusOr<GroupDef> GroupFromJson(absl::string_view json) {
  return FromJson(json, &GroupFromValue);
}
std::string MetricToJson(const MetricDef& metric) {
  return ToJson(MetricToValue(metric));
}
absl::StatusOr<MetricDef> MetricFromJson(absl::string_view json) {
  return FromJson(json, &MetricFromValue);
}
std::string LayerToJson(const LayerDef& layer) {
  return ToJson(LayerToValue(layer));
}
absl::StatusOr<LayerDef> LayerFromJson(absl::string_view json) {
  return FromJson(json, &LayerFromValue);
}
std::string HoldoutToJson(const HoldoutDef& holdout) {
  return ToJson(HoldoutToValue(holdout));
}
absl::StatusOr<HoldoutDef> HoldoutFromJson(absl::string_view json) {
  return FromJson(json, &HoldoutFromValue);
}
std::string SlotToJson(const SlotDef& slot) { return ToJson(SlotToValue(slot)); }
absl::StatusOr<SlotDef> SlotFromJson(absl::string_view json) {
  return FromJson(json, &SlotFromValue);
}

}  // namespace cxlab::engine
