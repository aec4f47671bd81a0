// Copyright 2026 The cxlab Authors.

#include "api/convert/definitions_convert.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/convert/value_convert.h"
#include "engine/status_macros.h"

namespace cxlab::api {
namespace {

namespace pb = ::google::protobuf;

absl::Status UnknownValue(absl::string_view field, int value) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": unknown value ", value));
}

std::vector<std::string> Strings(const pb::RepeatedPtrField<std::string>& in) {
  return std::vector<std::string>(in.begin(), in.end());
}

void SetStrings(const std::vector<std::string>& in,
                pb::RepeatedPtrField<std::string>* out) {
  out->Clear();
  out->Reserve(static_cast<int>(in.size()));
  for (const std::string& s : in) *out->Add() = s;
}

// Writes a condition or filter into the Struct field that `mutable_field`
// returns: an object is written, anything else (null, or a non-object that
// ValidateDefinitions rejects) leaves the field unset via `clear_field`.
template <typename Mutable, typename Clear>
void SetOptionalStruct(const engine::Value& value, Mutable mutable_field,
                       Clear clear_field) {
  if (value.is_object()) {
    ToProtoStruct(value, mutable_field()).IgnoreError();
  } else {
    clear_field();
  }
}

// Reads the optional `start` / `end` Timestamps of `in` (an Experiment or a
// SlotRule) into a schedule window; unset bounds leave the open defaults.
template <typename Message>
absl::Status WindowFromProto(const Message& in, absl::string_view field,
                             absl::Time* start, absl::Time* end) {
  if (in.has_start()) {
    ASSIGN_OR_RETURN(*start, FromProtoTimestamp(
                                 in.start(), absl::StrCat(field, ".start")));
  }
  if (in.has_end()) {
    ASSIGN_OR_RETURN(*end,
                     FromProtoTimestamp(in.end(), absl::StrCat(field, ".end")));
  }
  return absl::OkStatus();
}

// Writes a schedule window, leaving exactly the open bounds unset.
template <typename Message>
void WindowToProto(absl::Time start, absl::Time end, Message* out) {
  if (start == absl::InfinitePast()) {
    out->clear_start();
  } else {
    ToProtoTimestamp(start, out->mutable_start());
  }
  if (end == absl::InfiniteFuture()) {
    out->clear_end();
  } else {
    ToProtoTimestamp(end, out->mutable_end());
  }
}

}  // namespace

// ---- enums ------------------------------------------------------------------

absl::StatusOr<engine::ExperimentStatus> ExperimentStatusFromProto(
    v1::ExperimentStatus status, absl::string_view field) {
  switch (status) {
    case v1::EXPERIMENT_STATUS_UNSPECIFIED:
    case v1::EXPERIMENT_STATUS_DRAFT:
      return engine::ExperimentStatus::kDraft;
    case v1::EXPERIMENT_STATUS_RUNNING:
      return engine::ExperimentStatus::kRunning;
    case v1::EXPERIMENT_STATUS_PAUSED:
      return engine::ExperimentStatus::kPaused;
    case v1::EXPERIMENT_STATUS_STOPPED:
      return engine::ExperimentStatus::kStopped;
    case v1::EXPERIMENT_STATUS_LAUNCHED:
      return engine::ExperimentStatus::kLaunched;
    default:
      break;
  }
  return UnknownValue(field, static_cast<int>(status));
}

v1::ExperimentStatus ExperimentStatusToProto(engine::ExperimentStatus status) {
  switch (status) {
    case engine::ExperimentStatus::kDraft:
      return v1::EXPERIMENT_STATUS_DRAFT;
    case engine::ExperimentStatus::kRunning:
      return v1::EXPERIMENT_STATUS_RUNNING;
    case engine::ExperimentStatus::kPaused:
      return v1::EXPERIMENT_STATUS_PAUSED;
    case engine::ExperimentStatus::kStopped:
      return v1::EXPERIMENT_STATUS_STOPPED;
    case engine::ExperimentStatus::kLaunched:
      return v1::EXPERIMENT_STATUS_LAUNCHED;
  }
  return v1::EXPERIMENT_STATUS_UNSPECIFIED;
}

absl::StatusOr<engine::MetricType> MetricTypeFromProto(
    v1::MetricType type, absl::string_view field) {
  switch (type) {
    case v1::METRIC_TYPE_UNSPECIFIED:
    case v1::METRIC_TYPE_BINOMIAL:
      return engine::MetricType::kBinomial;
    case v1::METRIC_TYPE_COUNT:
      return engine::MetricType::kCount;
    case v1::METRIC_TYPE_MEAN:
      return engine::MetricType::kMean;
    case v1::METRIC_TYPE_RATIO:
      return engine::MetricType::kRatio;
    case v1::METRIC_TYPE_NPS:
      return engine::MetricType::kNps;
    case v1::METRIC_TYPE_CSAT:
      return engine::MetricType::kCsat;
    case v1::METRIC_TYPE_CES:
      return engine::MetricType::kCes;
    case v1::METRIC_TYPE_SCORE:
      return engine::MetricType::kScore;
    case v1::METRIC_TYPE_DURATION:
      return engine::MetricType::kDuration;
    case v1::METRIC_TYPE_RETENTION:
      return engine::MetricType::kRetention;
    default:
      break;
  }
  return UnknownValue(field, static_cast<int>(type));
}

v1::MetricType MetricTypeToProto(engine::MetricType type) {
  switch (type) {
    case engine::MetricType::kBinomial:
      return v1::METRIC_TYPE_BINOMIAL;
    case engine::MetricType::kCount:
      return v1::METRIC_TYPE_COUNT;
    case engine::MetricType::kMean:
      return v1::METRIC_TYPE_MEAN;
    case engine::MetricType::kRatio:
      return v1::METRIC_TYPE_RATIO;
    case engine::MetricType::kNps:
      return v1::METRIC_TYPE_NPS;
    case engine::MetricType::kCsat:
      return v1::METRIC_TYPE_CSAT;
    case engine::MetricType::kCes:
      return v1::METRIC_TYPE_CES;
    case engine::MetricType::kScore:
      return v1::METRIC_TYPE_SCORE;
    case engine::MetricType::kDuration:
      return v1::METRIC_TYPE_DURATION;
    case engine::MetricType::kRetention:
      return v1::METRIC_TYPE_RETENTION;
  }
  return v1::METRIC_TYPE_UNSPECIFIED;
}

absl::StatusOr<engine::MetricDirection> MetricDirectionFromProto(
    v1::MetricDirection direction, engine::MetricType type,
    absl::string_view field) {
  switch (direction) {
    case v1::METRIC_DIRECTION_UNSPECIFIED:
      return type == engine::MetricType::kDuration
                 ? engine::MetricDirection::kLower
                 : engine::MetricDirection::kHigher;
    case v1::METRIC_DIRECTION_HIGHER:
      return engine::MetricDirection::kHigher;
    case v1::METRIC_DIRECTION_LOWER:
      return engine::MetricDirection::kLower;
    default:
      break;
  }
  return UnknownValue(field, static_cast<int>(direction));
}

v1::MetricDirection MetricDirectionToProto(engine::MetricDirection direction) {
  switch (direction) {
    case engine::MetricDirection::kHigher:
      return v1::METRIC_DIRECTION_HIGHER;
    case engine::MetricDirection::kLower:
      return v1::METRIC_DIRECTION_LOWER;
  }
  return v1::METRIC_DIRECTION_UNSPECIFIED;
}

// ---- experiment -------------------------------------------------------------

absl::StatusOr<engine::ExperimentDef> FromProto(const v1::Experiment& in,
                                                absl::string_view field) {
  engine::ExperimentDef out;
  out.key = in.key();
  out.name = in.name();
  out.description = in.description();
  out.hypothesis = in.hypothesis();
  out.owner = in.owner();
  out.tags = Strings(in.tags());
  ASSIGN_OR_RETURN(
      out.status,
      ExperimentStatusFromProto(in.status(), absl::StrCat(field, ".status")));
  out.salt = in.salt();
  out.unit_type = in.unit_type().empty() ? std::string("user") : in.unit_type();
  out.hash_attribute = in.hash_attribute();
  out.fallback_attribute = in.fallback_attribute();
  out.variants.reserve(in.variants_size());
  for (int i = 0; i < in.variants_size(); ++i) {
    const v1::Variant& v = in.variants(i);
    engine::VariantDef& variant = out.variants.emplace_back();
    variant.key = v.key();
    variant.name = v.name();
    if (v.has_weight()) variant.weight = v.weight();
    if (v.has_payload()) {
      ASSIGN_OR_RETURN(
          variant.payload,
          FromProtoValue(v.payload(),
                         absl::StrCat(field, ".variants[", i, "].payload")));
    }
  }
  out.coverage = in.has_coverage() ? in.coverage() : 1.0;
  out.segments = Strings(in.segments());
  ASSIGN_OR_RETURN(out.condition,
                   FromOptionalStruct(in.has_condition(), in.condition(),
                                      absl::StrCat(field, ".condition")));
  out.layer = in.layer();
  if (in.has_layer_range()) {
    out.layer_range =
        engine::BucketRange{in.layer_range().start(), in.layer_range().end()};
  }
  out.exempt_from_holdout = in.exempt_from_holdout();
  out.forced.reserve(in.forced_size());
  for (const v1::ForcedVariant& f : in.forced()) {
    out.forced.emplace_back(f.unit_id(), f.variant_key());
  }
  RETURN_IF_ERROR(WindowFromProto(in, field, &out.start, &out.end));
  out.winner = in.winner();
  out.metrics = Strings(in.metrics());
  out.guardrails = Strings(in.guardrails());
  out.sticky = in.sticky();
  out.bucket_version = in.bucket_version();
  if (in.has_bandit()) {
    // Assigned rather than emplace()d: clang rejects optional<Bandit>::emplace()
    // with no arguments (Bandit's default member initializers, LLVM #36032).
    out.bandit = engine::ExperimentDef::Bandit{};
    engine::ExperimentDef::Bandit& bandit = *out.bandit;
    bandit.metric = in.bandit().metric();
    if (in.bandit().has_interval_minutes()) {
      bandit.interval_minutes = in.bandit().interval_minutes();
    }
    if (in.bandit().has_min_share()) bandit.min_share = in.bandit().min_share();
  }
  return out;
}

void ToProto(const engine::ExperimentDef& in, v1::Experiment* out) {
  out->set_key(in.key);
  out->set_name(in.name);
  out->set_description(in.description);
  out->set_hypothesis(in.hypothesis);
  out->set_owner(in.owner);
  SetStrings(in.tags, out->mutable_tags());
  out->set_status(ExperimentStatusToProto(in.status));
  out->set_salt(in.salt);
  out->set_unit_type(in.unit_type);
  out->set_hash_attribute(in.hash_attribute);
  out->set_fallback_attribute(in.fallback_attribute);
  out->clear_variants();
  out->mutable_variants()->Reserve(static_cast<int>(in.variants.size()));
  for (const engine::VariantDef& v : in.variants) {
    v1::Variant* variant = out->add_variants();
    variant->set_key(v.key);
    variant->set_name(v.name);
    if (v.weight.has_value()) variant->set_weight(*v.weight);
    if (!v.payload.is_null())
      ToProtoValue(v.payload, variant->mutable_payload());
  }
  out->set_coverage(in.coverage);
  SetStrings(in.segments, out->mutable_segments());
  SetOptionalStruct(
      in.condition, [out] { return out->mutable_condition(); },
      [out] { out->clear_condition(); });
  out->set_layer(in.layer);
  if (in.layer_range.has_value()) {
    out->mutable_layer_range()->set_start(in.layer_range->start);
    out->mutable_layer_range()->set_end(in.layer_range->end);
  } else {
    out->clear_layer_range();
  }
  out->set_exempt_from_holdout(in.exempt_from_holdout);
  out->clear_forced();
  out->mutable_forced()->Reserve(static_cast<int>(in.forced.size()));
  for (const auto& [unit_id, variant_key] : in.forced) {
    v1::ForcedVariant* f = out->add_forced();
    f->set_unit_id(unit_id);
    f->set_variant_key(variant_key);
  }
  WindowToProto(in.start, in.end, out);
  out->set_winner(in.winner);
  SetStrings(in.metrics, out->mutable_metrics());
  SetStrings(in.guardrails, out->mutable_guardrails());
  out->set_sticky(in.sticky);
  out->set_bucket_version(in.bucket_version);
  if (in.bandit.has_value()) {
    v1::Bandit* bandit = out->mutable_bandit();
    bandit->set_metric(in.bandit->metric);
    bandit->set_interval_minutes(in.bandit->interval_minutes);
    bandit->set_min_share(in.bandit->min_share);
  } else {
    out->clear_bandit();
  }
}

// ---- segment ----------------------------------------------------------------

absl::StatusOr<engine::SegmentDef> FromProto(const v1::Segment& in,
                                             absl::string_view field) {
  engine::SegmentDef out;
  out.key = in.key();
  out.name = in.name();
  out.description = in.description();
  ASSIGN_OR_RETURN(out.condition,
                   FromOptionalStruct(in.has_condition(), in.condition(),
                                      absl::StrCat(field, ".condition")));
  return out;
}

void ToProto(const engine::SegmentDef& in, v1::Segment* out) {
  out->set_key(in.key);
  out->set_name(in.name);
  out->set_description(in.description);
  SetOptionalStruct(
      in.condition, [out] { return out->mutable_condition(); },
      [out] { out->clear_condition(); });
}

// ---- group ------------------------------------------------------------------

absl::StatusOr<engine::GroupDef> FromProto(const v1::Group& in,
                                           absl::string_view field) {
  engine::GroupDef out;
  out.key = in.key();
  out.description = in.description();
  out.ids.reserve(in.ids_size());
  for (int i = 0; i < in.ids_size(); ++i) {
    ASSIGN_OR_RETURN(
        engine::Value id,
        FromProtoValue(in.ids(i), absl::StrCat(field, ".ids[", i, "]")));
    out.ids.push_back(std::move(id));
  }
  return out;
}

void ToProto(const engine::GroupDef& in, v1::Group* out) {
  out->set_key(in.key);
  out->set_description(in.description);
  out->clear_ids();
  out->mutable_ids()->Reserve(static_cast<int>(in.ids.size()));
  for (const engine::Value& id : in.ids) ToProtoValue(id, out->add_ids());
}

// ---- metric -----------------------------------------------------------------

absl::StatusOr<engine::MetricDef> FromProto(const v1::Metric& in,
                                            absl::string_view field) {
  engine::MetricDef out;
  out.key = in.key();
  out.name = in.name();
  out.description = in.description();
  ASSIGN_OR_RETURN(
      out.type, MetricTypeFromProto(in.type(), absl::StrCat(field, ".type")));
  out.event = in.event();
  out.value_property =
      in.value_property().empty() ? std::string("value") : in.value_property();
  ASSIGN_OR_RETURN(out.filter,
                   FromOptionalStruct(in.has_filter(), in.filter(),
                                      absl::StrCat(field, ".filter")));
  out.window_hours = in.window_hours();
  ASSIGN_OR_RETURN(out.direction,
                   MetricDirectionFromProto(in.direction(), out.type,
                                            absl::StrCat(field, ".direction")));
  out.guardrail = in.guardrail();
  if (in.has_cap()) out.cap = in.cap();
  out.denominator_event = in.denominator_event();
  out.retention_hours = in.retention_hours();
  if (in.has_scale_min()) out.scale_min = in.scale_min();
  if (in.has_scale_max()) out.scale_max = in.scale_max();
  return out;
}

void ToProto(const engine::MetricDef& in, v1::Metric* out) {
  out->set_key(in.key);
  out->set_name(in.name);
  out->set_description(in.description);
  out->set_type(MetricTypeToProto(in.type));
  out->set_event(in.event);
  out->set_value_property(in.value_property);
  SetOptionalStruct(
      in.filter, [out] { return out->mutable_filter(); },
      [out] { out->clear_filter(); });
  out->set_window_hours(in.window_hours);
  out->set_direction(MetricDirectionToProto(in.direction));
  out->set_guardrail(in.guardrail);
  if (in.cap.has_value()) {
    out->set_cap(*in.cap);
  } else {
    out->clear_cap();
  }
  out->set_denominator_event(in.denominator_event);
  out->set_retention_hours(in.retention_hours);
  if (in.scale_min.has_value()) {
    out->set_scale_min(*in.scale_min);
  } else {
    out->clear_scale_min();
  }
  if (in.scale_max.has_value()) {
    out->set_scale_max(*in.scale_max);
  } else {
    out->clear_scale_max();
  }
}

// ---- layer and holdout ------------------------------------------------------

absl::StatusOr<engine::LayerDef> FromProto(const v1::Layer& in,
                                           absl::string_view /*field*/) {
  engine::LayerDef out;
  out.key = in.key();
  out.description = in.description();
  out.salt = in.salt();
  out.holdout = in.holdout();
  return out;
}

void ToProto(const engine::LayerDef& in, v1::Layer* out) {
  out->set_key(in.key);
  out->set_description(in.description);
  out->set_salt(in.salt);
  out->set_holdout(in.holdout);
}

absl::StatusOr<engine::HoldoutDef> FromProto(const v1::Holdout& in,
                                             absl::string_view /*field*/) {
  engine::HoldoutDef out;
  out.key = in.key();
  out.description = in.description();
  out.salt = in.salt();
  out.share = in.share();
  return out;
}

void ToProto(const engine::HoldoutDef& in, v1::Holdout* out) {
  out->set_key(in.key);
  out->set_description(in.description);
  out->set_salt(in.salt);
  out->set_share(in.share);
}

// ---- slot -------------------------------------------------------------------

absl::StatusOr<engine::SlotDef> FromProto(const v1::Slot& in,
                                          absl::string_view field) {
  engine::SlotDef out;
  out.key = in.key();
  out.name = in.name();
  out.description = in.description();
  if (in.has_default_content()) {
    ASSIGN_OR_RETURN(out.default_content,
                     FromProtoValue(in.default_content(),
                                    absl::StrCat(field, ".default_content")));
  }
  out.rules.reserve(in.rules_size());
  for (int i = 0; i < in.rules_size(); ++i) {
    const v1::SlotRule& r = in.rules(i);
    const std::string path = absl::StrCat(field, ".rules[", i, "]");
    engine::SlotRuleDef& rule = out.rules.emplace_back();
    rule.key = r.key();
    rule.segments = Strings(r.segments());
    ASSIGN_OR_RETURN(rule.condition,
                     FromOptionalStruct(r.has_condition(), r.condition(),
                                        absl::StrCat(path, ".condition")));
    if (r.has_content()) {
      ASSIGN_OR_RETURN(rule.content, FromProtoValue(r.content(),
                                                    absl::StrCat(path,
                                                                 ".content")));
    }
    rule.priority = r.priority();
    RETURN_IF_ERROR(WindowFromProto(r, path, &rule.start, &rule.end));
    rule.experiment = r.experiment();
  }
  return out;
}

void ToProto(const engine::SlotDef& in, v1::Slot* out) {
  out->set_key(in.key);
  out->set_name(in.name);
  out->set_description(in.description);
  if (in.default_content.is_null()) {
    out->clear_default_content();
  } else {
    ToProtoValue(in.default_content, out->mutable_default_content());
  }
  out->clear_rules();
  out->mutable_rules()->Reserve(static_cast<int>(in.rules.size()));
  for (const engine::SlotRuleDef& r : in.rules) {
    v1::SlotRule* rule = out->add_rules();
    rule->set_key(r.key);
    SetStrings(r.segments, rule->mutable_segments());
    SetOptionalStruct(
        r.condition, [rule] { return rule->mutable_condition(); },
        [rule] { rule->clear_condition(); });
    if (!r.content.is_null()) ToProtoValue(r.content, rule->mutable_content());
    rule->set_priority(r.priority);
    WindowToProto(r.start, r.end, rule);
    rule->set_experiment(r.experiment);
  }
}

// ---- definitions ------------------------------------------------------------

namespace {

// Converts every element of `in` (a repeated message field named `name`)
// with FromProto, appending to `out`.
template <typename Def, typename Message>
absl::Status AllFromProto(const pb::RepeatedPtrField<Message>& in,
                          absl::string_view field, absl::string_view name,
                          std::vector<Def>& out) {
  out.reserve(in.size());
  for (int i = 0; i < in.size(); ++i) {
    ASSIGN_OR_RETURN(
        Def def,
        FromProto(in.Get(i), absl::StrCat(field, ".", name, "[", i, "]")));
    out.push_back(std::move(def));
  }
  return absl::OkStatus();
}

template <typename Def, typename Message>
void AllToProto(const std::vector<Def>& in,
                pb::RepeatedPtrField<Message>* out) {
  out->Clear();
  out->Reserve(static_cast<int>(in.size()));
  for (const Def& def : in) ToProto(def, out->Add());
}

}  // namespace

absl::StatusOr<engine::Definitions> FromProto(const v1::Definitions& in,
                                              absl::string_view field) {
  engine::Definitions out;
  RETURN_IF_ERROR(
      AllFromProto(in.experiments(), field, "experiments", out.experiments));
  RETURN_IF_ERROR(AllFromProto(in.segments(), field, "segments", out.segments));
  RETURN_IF_ERROR(AllFromProto(in.groups(), field, "groups", out.groups));
  RETURN_IF_ERROR(AllFromProto(in.metrics(), field, "metrics", out.metrics));
  RETURN_IF_ERROR(AllFromProto(in.layers(), field, "layers", out.layers));
  RETURN_IF_ERROR(AllFromProto(in.holdouts(), field, "holdouts", out.holdouts));
  RETURN_IF_ERROR(AllFromProto(in.slots(), field, "slots", out.slots));
  return out;
}

void ToProto(const engine::Definitions& in, v1::Definitions* out) {
  AllToProto(in.experiments, out->mutable_experiments());
  AllToProto(in.segments, out->mutable_segments());
  AllToProto(in.groups, out->mutable_groups());
  AllToProto(in.metrics, out->mutable_metrics());
  AllToProto(in.layers, out->mutable_layers());
  AllToProto(in.holdouts, out->mutable_holdouts());
  AllToProto(in.slots, out->mutable_slots());
}

void ToProto(const engine::DefinitionError& in, v1::FieldError* out) {
  out->set_kind(in.kind);
  out->set_key(in.key);
  out->set_field(in.field);
  out->set_message(in.message);
}

}  // namespace cxlab::api
