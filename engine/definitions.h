// Copyright 2026 The cxlab Authors.
//
// Definitions: the plain data a marketer writes — experiments, persona
// segments, groups (named id lists), metrics, layers and the global holdout —
// before they are validated and compiled into a ConfigSnapshot.
//
// These structs carry no behaviour beyond naming; ValidateDefinitions()
// checks every rule and reports every violation with the field path that
// broke it ("variants[1].weight: weights must sum to 1, got 0.9"). Loaders
// (YAML/JSON files, the gRPC API) fill these structs and map field paths back
// to their own coordinates (file and line, proto field).
//
// Thread-safety: plain values; no internal synchronisation.

#ifndef CXLAB_ENGINE_DEFINITIONS_H_
#define CXLAB_ENGINE_DEFINITIONS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/allocation.h"
#include "engine/value.h"

namespace cxlab::engine {

// Lifecycle of an experiment. Only kRunning assigns new units; kLaunched
// gives every eligible unit the winner; the rest assign nobody.
enum class ExperimentStatus { kDraft, kRunning, kPaused, kStopped, kLaunched };

// "draft", "running", "paused", "stopped", "launched".
absl::string_view ExperimentStatusName(ExperimentStatus status);
// Parses a status name; InvalidArgument listing the valid names otherwise.
absl::StatusOr<ExperimentStatus> ParseExperimentStatus(absl::string_view name);

struct VariantDef {
  std::string key;               // unique within the experiment
  std::string name;              // display name (optional)
  std::optional<double> weight;  // all set or all unset (= equal weights)
  Value payload;                 // JSON delivered with the assignment
};

struct ExperimentDef {
  std::string key;  // [A-Za-z0-9_.-], 1..128 characters
  std::string name;
  std::string description;
  std::string hypothesis;
  std::string owner;
  std::vector<std::string> tags;
  ExperimentStatus status = ExperimentStatus::kDraft;
  // Hash salt; empty means the key. Stored, so renaming never reshuffles.
  std::string salt;
  // Which unit id the experiment randomises on: user, device, session,
  // account (or another identifier-shaped name).
  std::string unit_type = "user";
  // When set, the attribute whose value is hashed instead of the unit id.
  std::string hash_attribute;
  // Attribute hashed when the unit id (or hash attribute) is absent.
  std::string fallback_attribute;
  std::vector<VariantDef> variants;
  double coverage = 1.0;              // share of eligible units enrolled, [0,1]
  std::vector<std::string> segments;  // persona segments, all must match
  Value condition;                    // null or {} = everyone
  std::string layer;                  // a declared LayerDef key (optional)
  std::optional<BucketRange> layer_range;  // required with `layer`
  bool exempt_from_holdout = false;        // skip the global holdout
  // QA overrides: unit id -> variant key, in file order.
  std::vector<std::pair<std::string, std::string>> forced;
  absl::Time start = absl::InfinitePast();  // schedule window [start, end)
  absl::Time end = absl::InfiniteFuture();
  std::string winner;                   // variant key; required when launched
  std::vector<std::string> metrics;     // goal metrics, primary first
  std::vector<std::string> guardrails;  // guardrail metrics
  // Sticky bucketing: once a unit is assigned, its stored assignment wins
  // over later weight changes; raising bucket_version re-randomises.
  bool sticky = false;
  int64_t bucket_version = 0;  // >= 0
  // Bandit allocation (experiments backing a personalization rule):
  // Thompson sampling on a binomial metric per persona segment.
  struct Bandit {
    std::string metric;             // a binomial metric of the experiment
    double interval_minutes = 60;   // re-weighting period, > 0
    double min_share = 0.05;        // per variant, in [0, 1 / variants]
  };
  std::optional<Bandit> bandit;  // set: weights are learned (and sticky)
};

// A persona: a named condition over visitor attributes.
struct SegmentDef {
  std::string key;
  std::string name;
  std::string description;
  Value condition;
};

// A named list of ids (strings or numbers) for $inGroup / $notInGroup.
struct GroupDef {
  std::string key;
  std::string description;
  std::vector<Value> ids;
};

enum class MetricType {
  kBinomial,   // unit had >= 1 matching event in the window
  kCount,      // number of matching events per unit
  kMean,       // per-unit sum of values (revenue per visitor ...)
  kRatio,      // sum of numerator / sum of denominator (delta method)
  kNps,        // 0-10 answers -> +1 / 0 / -1
  kCsat,       // 1-5 answers, share of 4-5
  kCes,        // customer effort score, mean of a scale
  kScore,      // any scale, mean
  kDuration,   // e.g. time to resolution; lower is better
  kRetention,  // came back N hours after exposure
};

// "binomial", "count", "mean", "ratio", "nps", "csat", "ces", "score",
// "duration", "retention".
absl::string_view MetricTypeName(MetricType type);
absl::StatusOr<MetricType> ParseMetricType(absl::string_view name);

enum class MetricDirection { kHigher, kLower };  // which way is better

struct MetricDef {
  std::string key;
  std::string name;
  std::string description;
  MetricType type = MetricType::kBinomial;
  std::string event;  // event name counted (numerator for ratio)
  std::string value_property = "value";  // event property summed/averaged
  Value filter;             // condition on event properties (optional)
  double window_hours = 0;  // conversion window after exposure; 0 = none
  MetricDirection direction = MetricDirection::kHigher;
  bool guardrail = false;
  std::optional<double> cap;        // per-unit cap (winsorisation) for mean
  std::string denominator_event;    // ratio metrics
  double retention_hours = 0;       // retention metrics: return after N hours
  std::optional<double> scale_min;  // score/ces: allowed answer range
  std::optional<double> scale_max;
};

// A mutual-exclusion layer. Experiments in a layer own disjoint sub-ranges
// of the layer's [0,1); the top `holdout` share of the layer is held out of
// every experiment in it.
struct LayerDef {
  std::string key;
  std::string description;
  std::string salt;    // empty means the key
  double holdout = 0;  // [0, 1)
};

// The global holdout: a share of units kept out of every experiment (unless
// the experiment is exempt), reported as its own comparison group.
struct HoldoutDef {
  std::string key;
  std::string description;
  std::string salt;  // empty means the key
  double share = 0;  // [0, 0.5]
};

// One rule of a personalization slot.
struct SlotRuleDef {
  std::string key;                    // unique within the slot
  std::vector<std::string> segments;  // persona segments; any one matches
  Value condition;                    // null or {} = everyone
  Value content;  // JSON served when the rule matches (may be null with an
                  // experiment: then only assigned units match)
  int64_t priority = 0;  // unique within the slot; lower is tried first
  absl::Time start = absl::InfinitePast();  // schedule window [start, end)
  absl::Time end = absl::InfiniteFuture();
  // Optional: an experiment whose variant payloads are the content; a
  // variant without a payload (the control) gets the slot default.
  std::string experiment;
};

// A personalization slot, e.g. "home.hero".
struct SlotDef {
  std::string key;
  std::string name;
  std::string description;
  Value default_content;  // served when no rule matches
  std::vector<SlotRuleDef> rules;
};

// Largest serialized JSON content of a slot, rule or rule's variant payload.
inline constexpr size_t kMaxContentBytes = 64 * 1024;

struct Definitions {
  std::vector<ExperimentDef> experiments;
  std::vector<SegmentDef> segments;
  std::vector<GroupDef> groups;
  std::vector<MetricDef> metrics;
  std::vector<LayerDef> layers;
  std::vector<HoldoutDef> holdouts;  // at most one
  std::vector<SlotDef> slots;
};

// One broken rule. `kind` is "experiment", "segment", "group", "metric",
// "layer", "holdout" or "slot"; `key` the document's key (may be empty when the key
// itself is missing); `field` a path inside the document such as
// "variants[1].weight" (empty for the whole document).
struct DefinitionError {
  std::string kind;
  std::string key;
  std::string field;
  std::string message;
  // "experiment checkout_redesign: variants[1].weight: weights must sum to 1"
  std::string ToString() const;
};

// Checks every rule of every definition, including cross references
// (segments, metrics, layers and $inGroup groups exist; layer ranges do not
// overlap; conditions compile strictly). Returns all violations, in definition
// order; empty when the definitions are valid.
std::vector<DefinitionError> ValidateDefinitions(const Definitions& defs);

// True when `key` is a valid key: 1..128 of [A-Za-z0-9_.-], starting with a
// letter or digit.
bool IsValidKey(absl::string_view key);

}  // namespace cxlab::engine

#endif  // CXLAB_ENGINE_DEFINITIONS_H_
