// Copyright 2026 The cxlab Authors.

#include "engine/definitions.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/condition.h"
#include "engine/json.h"

namespace cxlab::engine {
namespace {

constexpr double kWeightTolerance = 1e-6;

struct NamedStatus {
  absl::string_view name;
  ExperimentStatus status;
};
constexpr NamedStatus kStatuses[] = {
    {"draft", ExperimentStatus::kDraft},
    {"running", ExperimentStatus::kRunning},
    {"paused", ExperimentStatus::kPaused},
    {"stopped", ExperimentStatus::kStopped},
    {"launched", ExperimentStatus::kLaunched},
};

struct NamedMetricType {
  absl::string_view name;
  MetricType type;
};
constexpr NamedMetricType kMetricTypes[] = {
    {"binomial", MetricType::kBinomial}, {"count", MetricType::kCount},
    {"mean", MetricType::kMean},         {"ratio", MetricType::kRatio},
    {"nps", MetricType::kNps},           {"csat", MetricType::kCsat},
    {"ces", MetricType::kCes},           {"score", MetricType::kScore},
    {"duration", MetricType::kDuration}, {"retention", MetricType::kRetention},
};

// Collects errors for one document.
class Reporter {
 public:
  Reporter(std::vector<DefinitionError>& out, absl::string_view kind,
           absl::string_view key)
      : out_(out), kind_(kind), key_(key) {}

  void Add(absl::string_view field, absl::string_view message) {
    out_.push_back({std::string(kind_), std::string(key_), std::string(field),
                    std::string(message)});
  }

 private:
  std::vector<DefinitionError>& out_;
  absl::string_view kind_;
  absl::string_view key_;
};

bool IsIdentifier(absl::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  if (!absl::ascii_isalpha(s[0])) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

void CheckKey(Reporter& r, absl::string_view key) {
  if (key.empty()) {
    r.Add("key", "is required");
  } else if (!IsValidKey(key)) {
    r.Add("key",
          "must be 1-128 characters of letters, digits, '_', '.', '-', "
          "starting with a letter or digit");
  }
}

struct Index {
  absl::flat_hash_set<std::string> groups;
  absl::flat_hash_set<std::string> segments;
  absl::flat_hash_set<std::string> metrics;
  absl::flat_hash_map<std::string, MetricType> metric_types;
  absl::flat_hash_map<std::string, const LayerDef*> layers;
};

// Reports $inGroup / $notInGroup operands that name no defined group: a typo
// there would silently match nobody (or everybody).
void CheckGroupReferences(Reporter& r, const Value& v, const std::string& field,
                          const absl::flat_hash_set<std::string>& groups) {
  if (v.is_object()) {
    for (const auto& [key, child] : v.members()) {
      std::string sub = absl::StrCat(field, ".", key);
      if ((key == "$inGroup" || key == "$notInGroup") && child.is_string() &&
          !groups.contains(child.as_string())) {
        r.Add(sub, absl::StrCat("unknown group '", child.as_string(), "'"));
      } else {
        CheckGroupReferences(r, child, sub, groups);
      }
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.items().size(); ++i) {
      CheckGroupReferences(r, v.items()[i], absl::StrCat(field, "[", i, "]"),
                           groups);
    }
  }
}

void CheckCondition(Reporter& r, const Value& condition,
                    absl::string_view field, const Index& index) {
  if (condition.is_null()) return;
  CheckGroupReferences(r, condition, std::string(field), index.groups);
  Condition::Options options;
  options.strict = true;
  options.field = std::string(field);
  std::vector<std::string> errors;
  options.all_errors = &errors;
  if (Condition::Compile(condition, options).ok()) return;
  // Each message starts with its field path; split it back out.
  for (const std::string& message : errors) {
    size_t colon = message.find(": ");
    if (colon == std::string::npos) {
      r.Add(field, message);
    } else {
      r.Add(message.substr(0, colon), message.substr(colon + 2));
    }
  }
}

void CheckFraction(Reporter& r, absl::string_view field, double v, double lo,
                   double hi, bool hi_inclusive) {
  bool ok = std::isfinite(v) && v >= lo && (hi_inclusive ? v <= hi : v < hi);
  if (!ok) {
    r.Add(field, absl::StrFormat("must be in [%g, %g%s, got %g", lo, hi,
                                 hi_inclusive ? "]" : ")", v));
  }
}

void ValidateExperiment(const ExperimentDef& e, const Index& index,
                        std::vector<DefinitionError>& out) {
  Reporter r(out, "experiment", e.key);
  CheckKey(r, e.key);
  if (!IsIdentifier(e.unit_type)) {
    r.Add("unit_type",
          "must be an identifier such as user, device, session or account");
  }
  if (!e.hash_attribute.empty() && e.hash_attribute.size() > 256) {
    r.Add("hash_attribute", "must be at most 256 characters");
  }

  // Variants and weights.
  if (e.variants.size() < 2) {
    r.Add("variants",
          absl::StrCat("needs at least 2 variants, got ", e.variants.size()));
  }
  absl::flat_hash_set<std::string> variant_keys;
  size_t with_weight = 0;
  double total = 0;
  for (size_t i = 0; i < e.variants.size(); ++i) {
    const VariantDef& v = e.variants[i];
    std::string field = absl::StrCat("variants[", i, "]");
    if (v.key.empty()) {
      r.Add(absl::StrCat(field, ".key"), "is required");
    } else if (!IsValidKey(v.key)) {
      r.Add(absl::StrCat(field, ".key"),
            "must be 1-128 characters of letters, digits, '_', '.', '-'");
    } else if (!variant_keys.insert(v.key).second) {
      r.Add(absl::StrCat(field, ".key"),
            absl::StrCat("duplicate variant key '", v.key, "'"));
    }
    if (v.weight.has_value()) {
      ++with_weight;
      if (!std::isfinite(*v.weight) || *v.weight < 0 || *v.weight > 1) {
        r.Add(absl::StrCat(field, ".weight"),
              absl::StrFormat("must be in [0, 1], got %g", *v.weight));
      }
      total += *v.weight;
    }
  }
  if (with_weight != 0 && with_weight != e.variants.size()) {
    for (size_t i = 0; i < e.variants.size(); ++i) {
      if (!e.variants[i].weight.has_value()) {
        r.Add(absl::StrCat("variants[", i, "].weight"),
              "set a weight on every variant or on none (equal weights)");
        break;
      }
    }
  } else if (with_weight == e.variants.size() && !e.variants.empty() &&
             std::fabs(total - 1.0) > kWeightTolerance) {
    r.Add(absl::StrCat("variants[", e.variants.size() - 1, "].weight"),
          absl::StrFormat("weights must sum to 1, got %g", total));
  }
  CheckFraction(r, "coverage", e.coverage, 0, 1, true);

  // Targeting.
  for (size_t i = 0; i < e.segments.size(); ++i) {
    if (!index.segments.contains(e.segments[i])) {
      r.Add(absl::StrCat("segments[", i, "]"),
            absl::StrCat("unknown segment '", e.segments[i], "'"));
    }
  }
  CheckCondition(r, e.condition, "condition", index);

  // Layer.
  if (!e.layer.empty()) {
    if (!index.layers.contains(e.layer)) {
      r.Add("layer",
            absl::StrCat("unknown layer '", e.layer,
                         "' (declare it with a kind: layer document)"));
    }
    if (!e.layer_range.has_value()) {
      r.Add("layer_range", "is required when layer is set");
    }
  } else if (e.layer_range.has_value()) {
    r.Add("layer_range", "is only allowed together with layer");
  }
  if (e.layer_range.has_value()) {
    const BucketRange& lr = *e.layer_range;
    if (!(lr.start >= 0 && lr.start < lr.end && lr.end <= 1)) {
      r.Add("layer_range",
            absl::StrFormat("must satisfy 0 <= start < end <= 1, got [%g, %g]",
                            lr.start, lr.end));
    } else if (!e.layer.empty()) {
      auto it = index.layers.find(e.layer);
      if (it != index.layers.end() && it->second->holdout > 0 &&
          lr.end > 1 - it->second->holdout + 1e-12) {
        r.Add(
            "layer_range",
            absl::StrFormat("overlaps the layer's holdout [%g, 1); end "
                            "must be <= %g",
                            1 - it->second->holdout, 1 - it->second->holdout));
      }
    }
  }

  // QA overrides.
  absl::flat_hash_set<std::string> forced_ids;
  for (const auto& [unit_id, variant] : e.forced) {
    std::string field = absl::StrCat("forced.", unit_id);
    if (unit_id.empty()) r.Add("forced", "unit id must not be empty");
    if (!forced_ids.insert(unit_id).second) {
      r.Add(field, "duplicate unit id");
    }
    if (!variant_keys.contains(variant)) {
      r.Add(field, absl::StrCat("unknown variant '", variant, "'"));
    }
  }

  // Schedule.
  if (e.start >= e.end) {
    r.Add("schedule.end", "must be after schedule.start");
  }

  // Lifecycle.
  if (e.status == ExperimentStatus::kLaunched) {
    if (e.winner.empty()) {
      r.Add("winner", "is required when status is launched");
    } else if (!variant_keys.contains(e.winner)) {
      r.Add("winner", absl::StrCat("unknown variant '", e.winner, "'"));
    }
  } else if (!e.winner.empty()) {
    r.Add("winner", "is only allowed when status is launched");
  }

  // Metrics.
  for (size_t i = 0; i < e.metrics.size(); ++i) {
    if (!index.metrics.contains(e.metrics[i])) {
      r.Add(absl::StrCat("metrics[", i, "]"),
            absl::StrCat("unknown metric '", e.metrics[i], "'"));
    }
  }
  for (size_t i = 0; i < e.guardrails.size(); ++i) {
    if (!index.metrics.contains(e.guardrails[i])) {
      r.Add(absl::StrCat("guardrails[", i, "]"),
            absl::StrCat("unknown metric '", e.guardrails[i], "'"));
    }
  }

  // Sticky bucketing and bandit allocation.
  if (e.bucket_version < 0) {
    r.Add("bucket_version", absl::StrCat("must be >= 0, got ", e.bucket_version));
  }
  if (e.bandit.has_value()) {
    const ExperimentDef::Bandit& b = *e.bandit;
    auto type = index.metric_types.find(b.metric);
    if (b.metric.empty()) {
      r.Add("bandit.metric", "is required");
    } else if (type == index.metric_types.end()) {
      r.Add("bandit.metric", absl::StrCat("unknown metric '", b.metric, "'"));
    } else if (type->second != MetricType::kBinomial) {
      r.Add("bandit.metric",
            absl::StrCat("must be a binomial metric, '", b.metric, "' is ",
                         MetricTypeName(type->second)));
    }
    if (!(b.interval_minutes > 0) || !std::isfinite(b.interval_minutes)) {
      r.Add("bandit.interval_minutes",
            absl::StrCat("must be > 0, got ", b.interval_minutes));
    }
    const double max_share =
        e.variants.empty() ? 1.0 : 1.0 / static_cast<double>(e.variants.size());
    CheckFraction(r, "bandit.min_share", b.min_share, 0, max_share, true);
    if (e.variants.size() < 2) {
      r.Add("bandit", "needs at least two variants");
    }
  }
}

// Serialized size of a JSON value, for the content limit.
size_t JsonSize(const Value& v) { return ToJson(v).size(); }

void CheckContent(Reporter& r, absl::string_view field, const Value& content) {
  const size_t size = JsonSize(content);
  if (size > kMaxContentBytes) {
    r.Add(field, absl::StrCat("must be at most ", kMaxContentBytes,
                              " bytes of JSON, got ", size));
  }
}

void ValidateSlot(const SlotDef& slot, const Index& index,
                  const absl::flat_hash_map<std::string, const ExperimentDef*>&
                      experiments,
                  absl::flat_hash_map<std::string, std::string>& used_experiments,
                  std::vector<DefinitionError>& out) {
  Reporter r(out, "slot", slot.key);
  CheckKey(r, slot.key);
  CheckContent(r, "default_content", slot.default_content);
  absl::flat_hash_set<std::string> rule_keys;
  absl::flat_hash_map<int64_t, std::string> priorities;
  for (size_t i = 0; i < slot.rules.size(); ++i) {
    const SlotRuleDef& rule = slot.rules[i];
    const std::string field = absl::StrCat("rules[", i, "]");
    if (!IsValidKey(rule.key)) {
      r.Add(absl::StrCat(field, ".key"),
            "must be 1-128 characters of letters, digits, '_', '.', '-', "
            "starting with a letter or digit");
    } else if (!rule_keys.insert(rule.key).second) {
      r.Add(absl::StrCat(field, ".key"),
            absl::StrCat("duplicate rule key '", rule.key, "'"));
    }
    auto [it, fresh] = priorities.emplace(rule.priority, rule.key);
    if (!fresh) {
      r.Add(absl::StrCat(field, ".priority"),
            absl::StrCat("duplicate priority ", rule.priority, " (rule '",
                         it->second, "' has it)"));
    }
    for (size_t j = 0; j < rule.segments.size(); ++j) {
      if (!index.segments.contains(rule.segments[j])) {
        r.Add(absl::StrCat(field, ".segments[", j, "]"),
              absl::StrCat("unknown segment '", rule.segments[j], "'"));
      }
    }
    CheckCondition(r, rule.condition, absl::StrCat(field, ".condition"),
                   index);
    CheckContent(r, absl::StrCat(field, ".content"), rule.content);
    if (!(rule.start < rule.end)) {
      r.Add(absl::StrCat(field, ".end"), "must be after start");
    }
    if (rule.experiment.empty()) {
      if (rule.content.is_null()) {
        r.Add(absl::StrCat(field, ".content"),
              "is required unless the rule has an experiment");
      }
      continue;
    }
    auto e = experiments.find(rule.experiment);
    if (e == experiments.end()) {
      r.Add(absl::StrCat(field, ".experiment"),
            absl::StrCat("unknown experiment '", rule.experiment, "'"));
      continue;
    }
    const std::string where = absl::StrCat(slot.key, "/", rule.key);
    auto [used, first_use] = used_experiments.emplace(rule.experiment, where);
    if (!first_use) {
      r.Add(absl::StrCat(field, ".experiment"),
            absl::StrCat("experiment '", rule.experiment,
                         "' already backs rule ", used->second,
                         "; an experiment may back one rule only"));
    }
    for (size_t v = 0; v < e->second->variants.size(); ++v) {
      const size_t size = JsonSize(e->second->variants[v].payload);
      if (size > kMaxContentBytes) {
        r.Add(absl::StrCat(field, ".experiment"),
              absl::StrCat("variant '", e->second->variants[v].key,
                           "' payload must be at most ", kMaxContentBytes,
                           " bytes of JSON, got ", size));
      }
    }
  }
}

void ValidateMetric(const MetricDef& m, const Index& index,
                    std::vector<DefinitionError>& out) {
  Reporter r(out, "metric", m.key);
  CheckKey(r, m.key);
  if (m.event.empty()) r.Add("event", "is required");
  if (!std::isfinite(m.window_hours) || m.window_hours < 0) {
    r.Add("window_hours", "must be >= 0 (0 means no window)");
  }
  if (m.cap.has_value() && !(*m.cap > 0)) r.Add("cap", "must be > 0");
  if (m.type == MetricType::kRatio && m.denominator_event.empty()) {
    r.Add("denominator_event", "is required for ratio metrics");
  }
  if (m.type != MetricType::kRatio && !m.denominator_event.empty()) {
    r.Add("denominator_event", "is only allowed for ratio metrics");
  }
  if (m.type == MetricType::kRetention && !(m.retention_hours > 0)) {
    r.Add("retention_hours", "must be > 0 for retention metrics");
  }
  if (m.scale_min.has_value() && m.scale_max.has_value() &&
      !(*m.scale_min < *m.scale_max)) {
    r.Add("scale_max", "must be greater than scale_min");
  }
  CheckCondition(r, m.filter, "filter", index);
}

}  // namespace

absl::string_view ExperimentStatusName(ExperimentStatus status) {
  for (const NamedStatus& s : kStatuses) {
    if (s.status == status) return s.name;
  }
  return "draft";
}

absl::StatusOr<ExperimentStatus> ParseExperimentStatus(absl::string_view name) {
  for (const NamedStatus& s : kStatuses) {
    if (s.name == name) return s.status;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown status '", name,
                   "' (expected draft, running, paused, stopped or launched)"));
}

absl::string_view MetricTypeName(MetricType type) {
  for (const NamedMetricType& t : kMetricTypes) {
    if (t.type == type) return t.name;
  }
  return "binomial";
}

absl::StatusOr<MetricType> ParseMetricType(absl::string_view name) {
  for (const NamedMetricType& t : kMetricTypes) {
    if (t.name == name) return t.type;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown metric type '", name,
      "' (expected binomial, count, mean, ratio, nps, csat, ces, score, "
      "duration or retention)"));
}

std::string DefinitionError::ToString() const {
  std::string s = absl::StrCat(kind, " ", key.empty() ? "(no key)" : key, ": ");
  if (!field.empty()) absl::StrAppend(&s, field, ": ");
  absl::StrAppend(&s, message);
  return s;
}

bool IsValidKey(absl::string_view key) {
  if (key.empty() || key.size() > 128) return false;
  if (!absl::ascii_isalnum(key[0])) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

std::vector<DefinitionError> ValidateDefinitions(const Definitions& defs) {
  std::vector<DefinitionError> out;
  Index index;

  // Documents of each kind, and duplicate keys.
  auto check_duplicate = [&](absl::flat_hash_set<std::string>& seen,
                             absl::string_view kind, const std::string& key) {
    if (!key.empty() && !seen.insert(key).second) {
      out.push_back({std::string(kind), key, "key",
                     absl::StrCat("duplicate ", kind, " key '", key, "'")});
    }
  };

  for (const GroupDef& g : defs.groups) {
    Reporter r(out, "group", g.key);
    CheckKey(r, g.key);
    check_duplicate(index.groups, "group", g.key);
    for (size_t i = 0; i < g.ids.size(); ++i) {
      if (!g.ids[i].is_string() && !g.ids[i].is_number()) {
        r.Add(absl::StrCat("ids[", i, "]"), "must be a string or a number");
      }
    }
  }

  for (const SegmentDef& s : defs.segments) {
    Reporter r(out, "segment", s.key);
    CheckKey(r, s.key);
    check_duplicate(index.segments, "segment", s.key);
    if (s.condition.is_null()) {
      r.Add("condition", "is required");
    } else {
      CheckCondition(r, s.condition, "condition", index);
    }
  }

  for (const MetricDef& m : defs.metrics) {
    ValidateMetric(m, index, out);
    check_duplicate(index.metrics, "metric", m.key);
    index.metric_types.emplace(m.key, m.type);
  }

  absl::flat_hash_set<std::string> layer_keys;
  for (const LayerDef& l : defs.layers) {
    Reporter r(out, "layer", l.key);
    CheckKey(r, l.key);
    check_duplicate(layer_keys, "layer", l.key);
    CheckFraction(r, "holdout", l.holdout, 0, 1, false);
    index.layers.emplace(l.key, &l);
  }

  absl::flat_hash_set<std::string> holdout_keys;
  for (size_t i = 0; i < defs.holdouts.size(); ++i) {
    const HoldoutDef& h = defs.holdouts[i];
    Reporter r(out, "holdout", h.key);
    CheckKey(r, h.key);
    check_duplicate(holdout_keys, "holdout", h.key);
    CheckFraction(r, "share", h.share, 0, 0.5, true);
    if (i > 0) r.Add("", "only one global holdout may be defined");
  }

  // Layer ranges of running and paused experiments must not overlap. Each
  // overlap is
  // reported once, on the later experiment, right after its own errors.
  absl::flat_hash_map<std::string, std::vector<const ExperimentDef*>> by_layer;
  std::vector<std::vector<DefinitionError>> overlaps(defs.experiments.size());
  for (size_t i = 0; i < defs.experiments.size(); ++i) {
    const ExperimentDef& e = defs.experiments[i];
    if (e.layer.empty() || !e.layer_range.has_value() ||
        (e.status != ExperimentStatus::kRunning &&
         e.status != ExperimentStatus::kPaused)) {
      continue;  // only live experiments hold their range (a draft is
                 // checked when it starts)
    }
    const BucketRange& a = *e.layer_range;
    for (const ExperimentDef* other : by_layer[e.layer]) {
      const BucketRange& b = *other->layer_range;
      if (a.start < b.end && b.start < a.end) {
        overlaps[i].push_back(
            {"experiment", e.key, "layer_range",
             absl::StrFormat("[%g, %g) overlaps experiment '%s' [%g, %g) in "
                             "layer '%s'",
                             a.start, a.end, other->key, b.start, b.end,
                             e.layer)});
      }
    }
    by_layer[e.layer].push_back(&e);
  }

  absl::flat_hash_set<std::string> experiment_keys;
  for (size_t i = 0; i < defs.experiments.size(); ++i) {
    const ExperimentDef& e = defs.experiments[i];
    ValidateExperiment(e, index, out);
    check_duplicate(experiment_keys, "experiment", e.key);
    for (DefinitionError& err : overlaps[i]) out.push_back(std::move(err));
  }

  absl::flat_hash_map<std::string, const ExperimentDef*> experiments;
  for (const ExperimentDef& e : defs.experiments) experiments.emplace(e.key, &e);
  absl::flat_hash_set<std::string> slot_keys;
  absl::flat_hash_map<std::string, std::string> used_experiments;
  for (const SlotDef& slot : defs.slots) {
    ValidateSlot(slot, index, experiments, used_experiments, out);
    check_duplicate(slot_keys, "slot", slot.key);
  }
  return out;
}

}  // namespace cxlab::engine
