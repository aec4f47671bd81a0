// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/scenario.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cxlab::cli {
namespace {

using engine::Value;

// ---- Parsing ----------------------------------------------------------------

constexpr double kShareTolerance = 1e-6;
// Deeper attribute values are refused (a recursive YAML alias never ends).
constexpr int kMaxDepth = 32;
// Reserved attribute names: the simulator sets them.
constexpr absl::string_view kReservedAttributes[] = {"id", "device_id"};
constexpr char kDefaultPersona[] = "default";

int LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

std::string Join(absl::string_view parent, absl::string_view name) {
  return parent.empty() ? std::string(name) : absl::StrCat(parent, ".", name);
}

// A node being read, with its field path and the line to report.
struct Field {
  YAML::Node node;
  std::string path;
  int line = 0;
};

// A plain scalar as a JSON value: null, true/false, a decimal number, else
// the text. Quoted scalars are always strings.
Value ScalarValue(const YAML::Node& node) {
  if (node.IsNull()) return Value();
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return Value(text);
  if (text == "~" || text == "null") return Value();
  if (text == "true") return Value(true);
  if (text == "false") return Value(false);
  const bool numeric =
      !text.empty() &&
      std::all_of(text.begin(), text.end(),
                  [](char c) {
                    return absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
                           c == '.' || c == '-' || c == '+' || c == 'e' ||
                           c == 'E';
                  }) &&
      (absl::ascii_isdigit(static_cast<unsigned char>(text[0])) ||
       text[0] == '-' || text[0] == '+' || text[0] == '.');
  double number = 0;
  if (numeric && absl::SimpleAtod(text, &number) && std::isfinite(number)) {
    return Value(number);
  }
  return Value(text);
}

// The numeric fields of a behaviour: name, member and allowed range.
struct BehaviourNumber {
  absl::string_view name;
  double Behaviour::*member;
  double lo;
  double hi;
};
constexpr BehaviourNumber kBehaviourNumbers[] = {
    {"add_to_cart", &Behaviour::add_to_cart, 0, 1},
    {"cart_abandonment", &Behaviour::cart_abandonment, 0, 1},
    {"orders", &Behaviour::orders, 1, 100},
    {"checkout_errors", &Behaviour::checkout_errors, 0, 100},
    {"refund", &Behaviour::refund, 0, 1},
    {"page_views", &Behaviour::page_views, 0, 100},
    {"return_visit", &Behaviour::return_visit, 0, 1},
    {"support_ticket", &Behaviour::support_ticket, 0, 1},
    {"pre_purchases", &Behaviour::pre_purchases, 0, 100},
    {"pre_sessions", &Behaviour::pre_sessions, 0, 100},
    {"propensity_sigma", &Behaviour::propensity_sigma, 0, 3},
};

// The fields of an effect: factors (> 0) or survey shifts.
struct EffectNumber {
  absl::string_view name;
  double Effect::*member;
  bool shift;
};
constexpr EffectNumber kEffectNumbers[] = {
    {"add_to_cart", &Effect::add_to_cart, false},
    {"cart_abandonment", &Effect::cart_abandonment, false},
    {"order_value", &Effect::order_value, false},
    {"checkout_errors", &Effect::checkout_errors, false},
    {"refund", &Effect::refund, false},
    {"page_views", &Effect::page_views, false},
    {"return_visit", &Effect::return_visit, false},
    {"support_ticket", &Effect::support_ticket, false},
    {"resolution_hours", &Effect::resolution_hours, false},
    {"nps", &Effect::nps, true},
    {"csat", &Effect::csat, true},
    {"ces", &Effect::ces, true},
};

// The roles of `events:`.
struct EventName {
  absl::string_view name;
  std::string EventNames::*member;
};
const EventName kEventNames[] = {
    {"session", &EventNames::session},
    {"page_view", &EventNames::page_view},
    {"add_to_cart", &EventNames::add_to_cart},
    {"checkout", &EventNames::checkout},
    {"checkout_error", &EventNames::checkout_error},
    {"purchase", &EventNames::purchase},
    {"order", &EventNames::order},
    {"refund", &EventNames::refund},
    {"nps", &EventNames::nps},
    {"csat", &EventNames::csat},
    {"ces", &EventNames::ces},
    {"ticket_opened", &EventNames::ticket_opened},
    {"ticket_resolved", &EventNames::ticket_resolved},
};

// Reads one scenario file. Not thread-safe; one per parse.
class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  // The errors, "file:line field: rule", ordered by line (stable).
  std::vector<std::string> SortedErrors() const {
    std::vector<std::pair<int, std::string>> sorted = errors_;
    std::stable_sort(
        sorted.begin(), sorted.end(),
        [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& [line, text] : sorted) out.push_back(std::move(text));
    return out;
  }

  void Error(const Field& f, absl::string_view message) {
    Error(f.line, f.path, message);
  }
  void Error(int line, absl::string_view path, absl::string_view message) {
    std::string text = file_;
    if (line > 0) absl::StrAppend(&text, ":", line);
    absl::StrAppend(&text, " ");
    if (!path.empty()) absl::StrAppend(&text, path, ": ");
    absl::StrAppend(&text, message);
    errors_.emplace_back(line, std::move(text));
  }

  // Calls `each` for every member of the mapping `f` whose name is in
  // `names` (or every member when `names` is empty). Unknown and duplicate
  // names are errors. Null is an empty mapping. Returns false when `f` is
  // not a mapping.
  bool Members(
      const Field& f, const std::vector<absl::string_view>& names,
      const std::function<void(const std::string&, const Field&)>& each) {
    if (f.node.IsNull()) return true;
    if (!f.node.IsMap()) {
      Error(f, "must be a mapping");
      return false;
    }
    std::vector<std::string> seen;
    for (auto it = f.node.begin(); it != f.node.end(); ++it) {
      const int line = LineOf(it->first) > 0 ? LineOf(it->first) : f.line;
      if (!it->first.IsScalar()) {
        Error(line, f.path, "field names must be strings");
        continue;
      }
      const std::string name = it->first.Scalar();
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
        Error(line, f.path, absl::StrCat("duplicate field '", name, "'"));
        continue;
      }
      seen.push_back(name);
      if (!names.empty() &&
          std::find(names.begin(), names.end(), name) == names.end()) {
        Error(line, f.path,
              absl::StrCat("unknown field '", name, "' (expected one of ",
                           absl::StrJoin(names, ", "), ")"));
        continue;
      }
      each(name, Field{it->second, Join(f.path, name), line});
    }
    return true;
  }

  bool String(const Field& f, std::string& out) {
    if (!f.node.IsScalar()) {
      Error(f, "must be a string");
      return false;
    }
    out = f.node.Scalar();
    return true;
  }

  bool Number(const Field& f, double& out) {
    const Value v = f.node.IsScalar() ? ScalarValue(f.node) : Value();
    if (!v.is_number()) {
      Error(f, "must be a finite number");
      return false;
    }
    out = v.as_number();
    return true;
  }

  // A number in [lo, hi]; `rule` describes the range.
  bool InRange(const Field& f, double lo, double hi, absl::string_view rule,
               double& out) {
    double n = 0;
    if (!Number(f, n)) return false;
    if (n < lo || n > hi) {
      Error(f, absl::StrCat(rule, ", got ", n));
      return false;
    }
    out = n;
    return true;
  }
  bool Probability(const Field& f, double& out) {
    return InRange(f, 0, 1, "must be a probability in [0, 1]", out);
  }
  bool Positive(const Field& f, double& out) {
    double n = 0;
    if (!Number(f, n)) return false;
    if (n <= 0) {
      Error(f, absl::StrCat("must be > 0, got ", n));
      return false;
    }
    out = n;
    return true;
  }

  // A list of exactly `size` numbers (any size when 0).
  bool Numbers(const Field& f, size_t size, std::vector<double>& out) {
    if (!f.node.IsSequence() || (size > 0 && f.node.size() != size)) {
      Error(f, size > 0 ? absl::StrCat("must be a list of ", size, " numbers")
                        : "must be a list of numbers");
      return false;
    }
    std::vector<double> numbers;
    bool ok = true;
    for (size_t i = 0; i < f.node.size(); ++i) {
      double n = 0;
      ok = Number(Item(f, i), n) && ok;
      numbers.push_back(n);
    }
    if (ok) out = std::move(numbers);
    return ok;
  }

  // Relative weights: >= 0 and not all 0.
  bool Weights(const Field& f, size_t size, std::vector<double>& out) {
    std::vector<double> w;
    if (!Numbers(f, size, w)) return false;
    double total = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      if (w[i] < 0) {
        Error(Item(f, i), absl::StrCat("weights must be >= 0, got ", w[i]));
        return false;
      }
      total += w[i];
    }
    if (total <= 0) {
      Error(f, "weights must not all be 0");
      return false;
    }
    out = std::move(w);
    return true;
  }

  static Field Item(const Field& f, size_t i) {
    const YAML::Node node = f.node[i];
    return Field{node, absl::StrCat(f.path, "[", i, "]"),
                 LineOf(node) > 0 ? LineOf(node) : f.line};
  }

  // Any YAML value as JSON (no generators).
  Value ToValue(const Field& f, int depth = 0) {
    if (depth > kMaxDepth) {
      Error(f, absl::StrCat("nested more than ", kMaxDepth, " levels deep"));
      return Value();
    }
    if (f.node.IsSequence()) {
      Value array = Value::Array();
      for (size_t i = 0; i < f.node.size(); ++i) {
        array.Append(ToValue(Item(f, i), depth + 1));
      }
      return array;
    }
    if (f.node.IsMap()) {
      Value object = Value::Object();
      Members(f, {}, [&](const std::string& name, const Field& member) {
        object.Set(name, ToValue(member, depth + 1));
      });
      return object;
    }
    return ScalarValue(f.node);
  }

  // An attribute generator (see AttributeSpec).
  AttributeSpec Attribute(const Field& f, int depth = 0) {
    AttributeSpec spec;
    if (depth > kMaxDepth) {
      Error(f, absl::StrCat("nested more than ", kMaxDepth, " levels deep"));
      return spec;
    }
    if (!f.node.IsMap()) {
      spec.value = ToValue(f, depth);
      return spec;
    }
    bool generator = false;
    bool plain = false;
    for (auto it = f.node.begin(); it != f.node.end(); ++it) {
      const bool dollar =
          it->first.IsScalar() && absl::StartsWith(it->first.Scalar(), "$");
      (dollar ? generator : plain) = true;
    }
    if (generator && plain) {
      Error(f,
            "a generator ($int, $uniform, $choice, $maybe, $id) cannot be "
            "mixed with attribute names");
      return spec;
    }
    if (!generator) {
      spec.kind = AttributeSpec::Kind::kObject;
      Members(f, {}, [&](const std::string& name, const Field& member) {
        if (depth == 0 && std::find(std::begin(kReservedAttributes),
                                    std::end(kReservedAttributes),
                                    name) != std::end(kReservedAttributes)) {
          Error(member, "is set by the simulator (the visitor's ids)");
          return;
        }
        spec.members.emplace_back(name, Attribute(member, depth + 1));
      });
      return spec;
    }
    return Generator(f, depth);
  }

  AttributeSpec Generator(const Field& f, int depth) {
    AttributeSpec spec;
    Field range, choice, weights, maybe, inner, id;
    Members(
        f,
        {"$int", "$uniform", "$choice", "$weights", "$maybe", "$value", "$id"},
        [&](const std::string& name, const Field& member) {
          if (name == "$int" || name == "$uniform") {
            range = member;
            spec.kind = name == "$int" ? AttributeSpec::Kind::kInt
                                       : AttributeSpec::Kind::kUniform;
          } else if (name == "$choice") {
            choice = member;
          } else if (name == "$weights") {
            weights = member;
          } else if (name == "$maybe") {
            maybe = member;
          } else if (name == "$value") {
            inner = member;
          } else {
            id = member;
          }
        });
    const int kinds = !range.path.empty() + !choice.path.empty() +
                      !maybe.path.empty() + !id.path.empty();
    if (kinds != 1) {
      Error(f, "needs exactly one of $int, $uniform, $choice, $maybe, $id");
      return AttributeSpec();
    }
    if (!weights.path.empty() && choice.path.empty()) {
      Error(weights, "only goes with $choice");
    }
    if (!inner.path.empty() && maybe.path.empty()) {
      Error(inner, "only goes with $maybe");
    }
    if (!range.path.empty()) {
      std::vector<double> bounds;
      if (Numbers(range, 2, bounds)) {
        spec.lo = bounds[0];
        spec.hi = bounds[1];
        if (spec.lo > spec.hi) {
          Error(range, "must be [lo, hi] with lo <= hi");
        } else if (spec.kind == AttributeSpec::Kind::kInt &&
                   (spec.lo != std::floor(spec.lo) ||
                    spec.hi != std::floor(spec.hi))) {
          Error(range, "bounds must be integers");
        }
      }
    } else if (!choice.path.empty()) {
      spec.kind = AttributeSpec::Kind::kChoice;
      if (!choice.node.IsSequence() || choice.node.size() == 0) {
        Error(choice, "must be a non-empty list of values");
        return spec;
      }
      for (size_t i = 0; i < choice.node.size(); ++i) {
        spec.options.push_back(ToValue(Item(choice, i), depth + 1));
      }
      std::vector<double> w(spec.options.size(), 1.0);
      if (!weights.path.empty()) Weights(weights, spec.options.size(), w);
      double total = 0;
      for (double x : w) total += x;
      double running = 0;
      for (double x : w) {
        running += x;
        spec.cumulative.push_back(running / total);
      }
      spec.cumulative.back() = 1;
    } else if (!maybe.path.empty()) {
      spec.kind = AttributeSpec::Kind::kMaybe;
      Probability(maybe, spec.probability);
      if (inner.path.empty()) {
        Error(f, "$maybe needs $value");
      } else {
        spec.inner.push_back(Attribute(inner, depth + 1));
      }
    } else {
      spec.kind = AttributeSpec::Kind::kId;
      String(id, spec.prefix);
    }
    return spec;
  }

  void LogNormal(const Field& f, LogNormalSpec& out) {
    Members(f, {"median", "sigma"},
            [&](const std::string& name, const Field& member) {
              if (name == "median") {
                Positive(member, out.median);
              } else {
                InRange(member, 0, 5, "must be in [0, 5]", out.sigma);
              }
            });
  }

  void Survey(const Field& f, size_t answers, SurveySpec& out) {
    Members(f, {"response", "weights"},
            [&](const std::string& name, const Field& member) {
              if (name == "response") {
                Probability(member, out.response);
              } else {
                Weights(member, answers, out.weights);
              }
            });
  }

  // Overrides the fields of `out` that `f` names.
  void ParseBehaviour(const Field& f, Behaviour& out) {
    std::vector<absl::string_view> names;
    for (const BehaviourNumber& n : kBehaviourNumbers) names.push_back(n.name);
    names.insert(names.end(), {"order_value", "resolution_hours",
                               "return_delay_days", "nps", "csat", "ces"});
    Members(f, names, [&](const std::string& name, const Field& m) {
      for (const BehaviourNumber& n : kBehaviourNumbers) {
        if (name != n.name) continue;
        InRange(m, n.lo, n.hi,
                n.hi == 1 && n.lo == 0
                    ? std::string("must be a probability in [0, 1]")
                    : absl::StrCat("must be in [", n.lo, ", ", n.hi, "]"),
                out.*n.member);
        return;
      }
      if (name == "order_value") {
        LogNormal(m, out.order_value);
      } else if (name == "resolution_hours") {
        LogNormal(m, out.resolution_hours);
      } else if (name == "return_delay_days") {
        std::vector<double> d;
        if (!Numbers(m, 2, d)) return;
        if (d[0] < 0 || d[0] > d[1]) {
          Error(m, "must be [min, max] days with 0 <= min <= max");
          return;
        }
        out.return_delay_min_days = d[0];
        out.return_delay_max_days = d[1];
      } else {
        Survey(m, name == "nps" ? 11 : (name == "csat" ? 5 : 7),
               name == "nps" ? out.nps : (name == "csat" ? out.csat : out.ces));
      }
    });
  }

  Effect ParseEffect(const Field& f) {
    Effect e;
    std::vector<absl::string_view> names;
    for (const EffectNumber& n : kEffectNumbers) names.push_back(n.name);
    Members(f, names, [&](const std::string& name, const Field& m) {
      for (const EffectNumber& n : kEffectNumbers) {
        if (name != n.name) continue;
        if (n.shift) {
          InRange(m, -10, 10, "must be a shift in [-10, 10] points",
                  e.*n.member);
        } else {
          Positive(m, e.*n.member);
        }
      }
    });
    return e;
  }

  void ParseEvents(const Field& f, EventNames& out) {
    std::vector<absl::string_view> names;
    for (const EventName& n : kEventNames) names.push_back(n.name);
    Members(f, names, [&](const std::string& name, const Field& m) {
      for (const EventName& n : kEventNames) {
        if (name != n.name) continue;
        std::string value;
        if (!String(m, value)) return;
        if (value.empty()) {
          Error(m, "must not be empty");
          return;
        }
        out.*n.member = std::move(value);
      }
    });
  }

  void ParsePersonas(const Field& f, const Behaviour& baseline, Scenario& out) {
    if (!f.node.IsSequence() || f.node.size() == 0) {
      Error(f, "must be a non-empty list of personas");
      return;
    }
    double total = 0;
    bool shares_ok = true;
    for (size_t i = 0; i < f.node.size(); ++i) {
      const Field item = Item(f, i);
      Persona p;
      p.line = item.line;
      p.behaviour = baseline;
      bool has_share = false;
      bool has_key = false;
      Field behaviour;
      const bool is_map = Members(
          item,
          {"key", "name", "description", "share", "attributes", "behaviour"},
          [&](const std::string& name, const Field& m) {
            if (name == "key") {
              has_key = String(m, p.key);
              if (has_key && !ValidKey(p.key)) {
                Error(m, "must be 1-64 characters [A-Za-z0-9_.-]");
              } else if (has_key && p.key == kDefaultPersona) {
                Error(m,
                      "'default' is reserved (the effect for every "
                      "other persona)");
              } else if (has_key && out.FindPersona(p.key) >= 0) {
                Error(m, absl::StrCat("duplicate persona '", p.key, "'"));
              }
            } else if (name == "name") {
              String(m, p.name);
            } else if (name == "description") {
              String(m, p.description);
            } else if (name == "share") {
              has_share = InRange(m, 0, 1, "must be in [0, 1]", p.share);
              shares_ok = shares_ok && has_share;
            } else if (name == "attributes") {
              if (!m.node.IsMap() && !m.node.IsNull()) {
                Error(m, "must be a mapping of attribute names");
              } else {
                p.attributes = Attribute(m);
              }
            } else {
              behaviour = m;
            }
          });
      if (!is_map) {
        shares_ok = false;
        continue;
      }
      if (!has_key) Error(item.line, Join(item.path, "key"), "is required");
      if (!has_share) {
        if (shares_ok)
          Error(item.line, Join(item.path, "share"), "is required");
        shares_ok = false;
      }
      p.attributes.kind = AttributeSpec::Kind::kObject;
      if (!behaviour.path.empty()) ParseBehaviour(behaviour, p.behaviour);
      total += p.share;
      out.personas.push_back(std::move(p));
    }
    if (shares_ok && std::fabs(total - 1) > kShareTolerance) {
      Error(f, absl::StrCat("persona shares must sum to 1, got ", total));
    }
  }

  void ParseEffects(const Field& f, Scenario& out) {
    Members(f, {}, [&](const std::string& experiment, const Field& ef) {
      ExperimentEffects effects;
      effects.experiment = experiment;
      effects.line = ef.line;
      Members(ef, {}, [&](const std::string& variant, const Field& vf) {
        VariantEffects v;
        v.variant = variant;
        v.line = vf.line;
        Members(vf, {}, [&](const std::string& persona, const Field& pf) {
          if (persona == kDefaultPersona) {
            v.has_default = true;
            v.everyone = ParseEffect(pf);
            return;
          }
          const int index = out.FindPersona(persona);
          if (index < 0) {
            std::vector<std::string> keys;
            for (const Persona& p : out.personas) keys.push_back(p.key);
            Error(pf, absl::StrCat("unknown persona '", persona,
                                   "' (expected default or one of ",
                                   absl::StrJoin(keys, ", "), ")"));
            return;
          }
          v.personas.emplace_back(index, ParseEffect(pf));
        });
        effects.variants.push_back(std::move(v));
      });
      out.effects.push_back(std::move(effects));
    });
  }

  static bool ValidKey(const std::string& key) {
    return !key.empty() && key.size() <= 64 &&
           std::all_of(key.begin(), key.end(), [](char c) {
             return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                    c == '_' || c == '.' || c == '-';
           });
  }

  void ParseRoot(const YAML::Node& root, Scenario& out) {
    const Field top{root, "", 1};
    if (!root.IsMap()) {
      Error(top,
            "a scenario must be a mapping (kind: scenario, personas, "
            "effects ...)");
      return;
    }
    // A definitions file (or anything else) gets one error, not one per
    // field.
    const YAML::Node kind_node = root["kind"];
    if (kind_node.IsDefined() &&
        (!kind_node.IsScalar() || kind_node.Scalar() != "scenario")) {
      Error(LineOf(kind_node), "kind",
            "must be 'scenario' (definitions are applied with cxlab apply, "
            "not simulated)");
      return;
    }
    Field kind, baseline, personas, effects;
    Members(top,
            {"kind", "name", "description", "events", "baseline", "personas",
             "effects"},
            [&](const std::string& name, const Field& m) {
              if (name == "kind") {
                kind = m;
              } else if (name == "name") {
                String(m, out.name);
              } else if (name == "description") {
                String(m, out.description);
              } else if (name == "events") {
                ParseEvents(m, out.events);
              } else if (name == "baseline") {
                baseline = m;
              } else if (name == "personas") {
                personas = m;
              } else {
                effects = m;
              }
            });
    if (kind.path.empty()) Error(1, "kind", "is required (kind: scenario)");
    Behaviour base;
    if (!baseline.path.empty()) ParseBehaviour(baseline, base);
    if (personas.path.empty()) {
      Error(1, "personas", "is required");
    } else {
      ParsePersonas(personas, base, out);
    }
    if (!effects.path.empty()) ParseEffects(effects, out);
  }

 private:
  std::string file_;
  std::vector<std::pair<int, std::string>> errors_;  // (line, message)
};

// ---- Randomness -------------------------------------------------------------

constexpr double kPi = 3.14159265358979323846;

// SplitMix64's output function.
uint64_t Mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// What a stream of draws is for; each visitor has one stream per purpose, so
// a change in one outcome never shifts the draws of another.
enum Stream : uint64_t {
  kPersona = 1,
  kAttributes,
  kVisitTime,
  kPropensity,
  kPre,
  kBrowse,
  kCart,
  kErrors,
  kAbandon,
  kLater,
  kOrders,
  kOrderValue,
  kRefund,
  kCsat,
  kCes,
  kNps,
  kSupport,
  kReturn,
};

// A SplitMix64 generator with portable distributions.
class Rng {
 public:
  Rng(uint64_t seed, int64_t visitor, Stream stream)
      : state_(Mix(seed ^ Mix(static_cast<uint64_t>(visitor) ^
                              Mix(static_cast<uint64_t>(stream) << 48)))) {}

  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // [0, 1), 53 bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Standard normal (Box-Muller, one value per two draws).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }
  // Poisson(mean): Knuth's product method below 30, a rounded normal above.
  int64_t Poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean >= 30) {
      return std::max<int64_t>(0,
                               std::llround(mean + std::sqrt(mean) * Normal()));
    }
    const double limit = std::exp(-mean);
    int64_t k = 0;
    double product = Uniform();
    while (product > limit) {
      ++k;
      product *= Uniform();
    }
    return k;
  }
  double LogNormal(const LogNormalSpec& d, double scale = 1) {
    return d.median * scale * std::exp(d.sigma * Normal());
  }

 private:
  uint64_t state_;
};

double Clamp01(double p) { return std::min(1.0, std::max(0.0, p)); }
double Round2(double x) { return std::round(x * 100) / 100; }

// A whole number of seconds in [lo, hi).
absl::Duration Seconds(Rng& rng, double lo, double hi) {
  return absl::Seconds(std::floor(rng.Uniform(lo, hi)));
}

constexpr double kMinute = 60;
constexpr double kHour = 3600;
constexpr double kDay = 86400;

// An answer of `survey` (lowest answer `lowest`) moved by `shift` points:
// floor(shift), plus one more with probability frac(shift), within the
// scale.
int SurveyAnswer(const SurveySpec& survey, int lowest, double shift,
                 double u_answer, double u_shift) {
  double total = 0;
  for (double w : survey.weights) total += w;
  const int n = static_cast<int>(survey.weights.size());
  int index = n - 1;
  double x = u_answer * total;
  for (int i = 0; i < n; ++i) {
    if (x < survey.weights[i]) {
      index = i;
      break;
    }
    x -= survey.weights[i];
  }
  const double whole = std::floor(shift);
  index += static_cast<int>(whole) + (u_shift < shift - whole ? 1 : 0);
  return lowest + std::clamp(index, 0, n - 1);
}

Value Draw(const AttributeSpec& spec, Rng& rng, int64_t index);

// A $maybe: the inner value, or nullopt when absent. The inner value is
// drawn either way, so the draws that follow do not depend on the outcome.
std::optional<Value> DrawMaybe(const AttributeSpec& spec, Rng& rng,
                               int64_t index) {
  const bool present = rng.Uniform() < spec.probability;
  Value v = Draw(spec.inner.front(), rng, index);
  if (!present) return std::nullopt;
  return v;
}

Value Draw(const AttributeSpec& spec, Rng& rng, int64_t index) {
  switch (spec.kind) {
    case AttributeSpec::Kind::kFixed:
      return spec.value;
    case AttributeSpec::Kind::kObject: {
      Value object = Value::Object();
      for (const auto& [name, member] : spec.members) {
        if (member.kind == AttributeSpec::Kind::kMaybe) {
          std::optional<Value> v = DrawMaybe(member, rng, index);
          if (v.has_value()) object.Set(name, *std::move(v));
        } else {
          object.Set(name, Draw(member, rng, index));
        }
      }
      return object;
    }
    case AttributeSpec::Kind::kInt:
      return Value(static_cast<int64_t>(
          spec.lo + std::floor(rng.Uniform() * (spec.hi - spec.lo + 1))));
    case AttributeSpec::Kind::kUniform:
      return Value(Round2(rng.Uniform(spec.lo, spec.hi)));
    case AttributeSpec::Kind::kChoice: {
      const double u = rng.Uniform();
      for (size_t i = 0; i < spec.options.size(); ++i) {
        if (u < spec.cumulative[i]) return spec.options[i];
      }
      return spec.options.back();
    }
    case AttributeSpec::Kind::kMaybe:
      // Outside an object (a list element): null when absent.
      return DrawMaybe(spec, rng, index).value_or(Value());
    case AttributeSpec::Kind::kId:
      return Value(absl::StrCat(spec.prefix, index));
  }
  return Value();
}

// One thing the visitor does, at `offset` from the visit.
struct Happening {
  const std::string* name;
  double value = 0;
  absl::Duration offset;
  Value properties;
};

Value Props(std::initializer_list<std::pair<const char*, Value>> members) {
  Value object = Value::Object();
  for (const auto& [key, value] : members) object.Set(key, value);
  return object;
}

}  // namespace

// ---- Model ------------------------------------------------------------------

void Effect::Combine(const Effect& o) {
  add_to_cart *= o.add_to_cart;
  cart_abandonment *= o.cart_abandonment;
  order_value *= o.order_value;
  checkout_errors *= o.checkout_errors;
  refund *= o.refund;
  page_views *= o.page_views;
  return_visit *= o.return_visit;
  support_ticket *= o.support_ticket;
  resolution_hours *= o.resolution_hours;
  nps += o.nps;
  csat += o.csat;
  ces += o.ces;
}

Behaviour ApplyEffect(const Behaviour& b, const Effect& e) {
  Behaviour out = b;
  out.add_to_cart = Clamp01(b.add_to_cart * e.add_to_cart);
  out.cart_abandonment = Clamp01(b.cart_abandonment * e.cart_abandonment);
  out.order_value.median = b.order_value.median * e.order_value;
  out.checkout_errors = b.checkout_errors * e.checkout_errors;
  out.refund = Clamp01(b.refund * e.refund);
  out.page_views = b.page_views * e.page_views;
  out.return_visit = Clamp01(b.return_visit * e.return_visit);
  out.support_ticket = Clamp01(b.support_ticket * e.support_ticket);
  out.resolution_hours.median = b.resolution_hours.median * e.resolution_hours;
  return out;
}

std::vector<std::string> EventNames::All() const {
  std::vector<std::string> names;
  for (const EventName& n : kEventNames) names.push_back(this->*n.member);
  return names;
}

int Scenario::FindPersona(absl::string_view key) const {
  for (size_t i = 0; i < personas.size(); ++i) {
    if (personas[i].key == key) return static_cast<int>(i);
  }
  return -1;
}

bool SimExposure::operator==(const SimExposure& o) const {
  return experiment == o.experiment && variant == o.variant &&
         unit_type == o.unit_type && unit_id == o.unit_id && time == o.time;
}

bool SimEvent::operator==(const SimEvent& o) const {
  return event_id == o.event_id && unit_type == o.unit_type &&
         unit_id == o.unit_id && name == o.name && value == o.value &&
         time == o.time && properties == o.properties;
}

absl::StatusOr<Scenario> ParseScenario(absl::string_view text,
                                       absl::string_view filename) {
  Scenario scenario;
  scenario.file = std::string(filename);
  Parser parser(scenario.file);
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    parser.ParseRoot(root, scenario);
  } catch (const YAML::Exception& e) {
    parser.Error(e.mark.line >= 0 ? e.mark.line + 1 : 0, "",
                 absl::StrCat("invalid YAML: ", e.msg));
  } catch (const std::exception& e) {
    parser.Error(0, "", absl::StrCat("invalid YAML: ", e.what()));
  }
  const std::vector<std::string> errors = parser.SortedErrors();
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  return scenario;
}

absl::StatusOr<Scenario> LoadScenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot read the file"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": read error"));
  }
  return ParseScenario(text.str(), path);
}

absl::Status CheckScenarioEffects(
    const Scenario& scenario,
    const std::vector<engine::ExperimentDef>& experiments) {
  std::vector<std::string> errors;
  auto error = [&](int line, const std::string& path,
                   const std::string& message) {
    errors.push_back(
        absl::StrCat(scenario.file, ":", line, " ", path, ": ", message));
  };
  for (const ExperimentEffects& e : scenario.effects) {
    const engine::ExperimentDef* def = nullptr;
    for (const engine::ExperimentDef& d : experiments) {
      if (d.key == e.experiment) def = &d;
    }
    const std::string path = absl::StrCat("effects.", e.experiment);
    if (def == nullptr) {
      error(e.line, path,
            absl::StrCat("unknown experiment '", e.experiment, "'"));
      continue;
    }
    std::vector<std::string> keys;
    for (const engine::VariantDef& v : def->variants) keys.push_back(v.key);
    for (const VariantEffects& v : e.variants) {
      if (std::find(keys.begin(), keys.end(), v.variant) == keys.end()) {
        error(v.line, absl::StrCat(path, ".", v.variant),
              absl::StrCat("unknown variant '", v.variant,
                           "' (the experiment has ", absl::StrJoin(keys, ", "),
                           ")"));
      }
    }
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
}

// ---- Generator --------------------------------------------------------------

ScenarioGenerator::ScenarioGenerator(Scenario scenario, uint64_t seed,
                                     absl::Time now, int days)
    : scenario_(std::move(scenario)),
      seed_(seed),
      now_(absl::FromUnixSeconds(absl::ToUnixSeconds(now))),
      days_(std::max(1, days)) {
  double total = 0;
  for (const Persona& p : scenario_.personas) total += p.share;
  double running = 0;
  for (const Persona& p : scenario_.personas) {
    running += p.share;
    cumulative_shares_.push_back(total > 0 ? running / total : 1);
  }
  if (!cumulative_shares_.empty()) cumulative_shares_.back() = 1;
  for (const ExperimentEffects& e : scenario_.effects) {
    for (const VariantEffects& v : e.variants) {
      effects_[absl::StrCat(e.experiment, "\n", v.variant)] = &v;
    }
  }
}

SimVisitor ScenarioGenerator::Visitor(int64_t index) const {
  SimVisitor v;
  v.index = index;
  v.id = absl::StrCat("sim-", seed_, "-", index);
  v.device_id = absl::StrCat(v.id, "-d");
  Rng persona(seed_, index, kPersona);
  const double u = persona.Uniform();
  v.persona = static_cast<int>(cumulative_shares_.size()) - 1;
  for (size_t i = 0; i < cumulative_shares_.size(); ++i) {
    if (u < cumulative_shares_[i]) {
      v.persona = static_cast<int>(i);
      break;
    }
  }
  if (scenario_.personas.empty()) return v;
  const Persona& p = scenario_.personas[v.persona];

  v.attributes = Value::Object();
  v.attributes.Set("id", Value(v.id));
  v.attributes.Set("device_id", Value(v.device_id));
  Rng attributes(seed_, index, kAttributes);
  const Value drawn = Draw(p.attributes, attributes, index);
  for (const auto& [name, value] : drawn.members()) {
    v.attributes.Set(name, value);
  }

  Rng time(seed_, index, kVisitTime);
  const double span = days_ * kDay - absl::ToDoubleSeconds(kLatestVisit);
  v.visit_time = now_ - kLatestVisit - Seconds(time, 0, span);

  Rng propensity(seed_, index, kPropensity);
  const double sigma = p.behaviour.propensity_sigma;
  v.propensity = std::exp(sigma * propensity.Normal() - sigma * sigma / 2);
  return v;
}

Effect ScenarioGenerator::CombinedEffect(
    int persona, const std::vector<SimAssignment>& assigned) const {
  Effect combined;
  for (const SimAssignment& a : assigned) {
    auto it = effects_.find(absl::StrCat(a.experiment, "\n", a.variant));
    if (it == effects_.end()) continue;
    const VariantEffects& v = *it->second;
    const Effect* e = v.has_default ? &v.everyone : nullptr;
    for (const auto& [index, effect] : v.personas) {
      if (index == persona) e = &effect;
    }
    if (e != nullptr) combined.Combine(*e);
  }
  return combined;
}

SimActivity ScenarioGenerator::Activity(
    const SimVisitor& visitor,
    const std::vector<SimAssignment>& assigned) const {
  SimActivity activity;
  if (assigned.empty() || scenario_.personas.empty()) return activity;
  const int64_t i = visitor.index;
  const EventNames& names = scenario_.events;
  const Behaviour& base = scenario_.personas[visitor.persona].behaviour;
  const Effect effect = CombinedEffect(visitor.persona, assigned);
  const Behaviour b = ApplyEffect(base, effect);
  const double m = visitor.propensity;
  // Order values follow the propensity more weakly (median 1).
  const double sigma = base.propensity_sigma;
  const double value_scale = std::exp(0.3 * (std::log(m) + sigma * sigma / 2));

  // The pre-exposure period: the persona's behaviour, no effects.
  std::vector<Happening> pre;
  {
    Rng rng(seed_, i, kPre);
    const double earliest = absl::ToDoubleSeconds(kPrePeriod) - kHour;
    const int64_t sessions = rng.Poisson(base.pre_sessions);
    for (int64_t s = 0; s < sessions; ++s) {
      const absl::Duration at = -Seconds(rng, kMinute, earliest);
      pre.push_back({&names.session, 0, at, Value()});
      pre.push_back({&names.page_view, 0, at + absl::Seconds(30), Value()});
    }
    const int64_t purchases = rng.Poisson(base.pre_purchases * m);
    for (int64_t k = 0; k < purchases; ++k) {
      const absl::Duration at = -Seconds(rng, kHour, earliest);
      const double amount =
          std::max(1.0, Round2(rng.LogNormal(base.order_value, value_scale)));
      const std::string order = absl::StrCat(visitor.id, "-p", k);
      pre.push_back({&names.session, 0, at, Value()});
      pre.push_back({&names.add_to_cart, 0, at + absl::Seconds(120), Value()});
      pre.push_back({&names.purchase, amount, at + absl::Seconds(600),
                     Props({{"amount", Value(amount)},
                            {"order_id", Value(order)},
                            {"currency", Value("EUR")}})});
      pre.push_back({&names.order, 1, at + absl::Seconds(600),
                     Props({{"order_id", Value(order)}})});
    }
  }

  // The visit and what follows it.
  std::vector<Happening> post;
  post.push_back({&names.session, 0, absl::ZeroDuration(), Value()});
  {
    Rng rng(seed_, i, kBrowse);
    const int64_t views = rng.Poisson(b.page_views);
    for (int64_t k = 0; k < views; ++k) {
      post.push_back(
          {&names.page_view, 0, absl::Seconds(20 + 40 * k), Value()});
    }
  }
  Rng cart(seed_, i, kCart);
  const double u_cart = cart.Uniform();
  const absl::Duration carted = Seconds(cart, kMinute, 15 * kMinute);
  const absl::Duration checkout = carted + Seconds(cart, 30, 5 * kMinute);
  if (u_cart < Clamp01(b.add_to_cart * m)) {
    post.push_back({&names.add_to_cart, 0, carted, Value()});
    post.push_back({&names.checkout, 0, checkout, Value()});
    Rng errors(seed_, i, kErrors);
    const int64_t shown = errors.Poisson(b.checkout_errors);
    for (int64_t k = 0; k < shown; ++k) {
      post.push_back({&names.checkout_error, 0,
                      checkout + absl::Seconds(15 * (k + 1)), Value()});
    }
    Rng abandon(seed_, i, kAbandon);
    if (abandon.Uniform() >= b.cart_abandonment) {
      // Most finish in the session; some come back within two days.
      Rng later(seed_, i, kLater);
      const double u_later = later.Uniform();
      const absl::Duration in_session =
          checkout + Seconds(later, kMinute, 10 * kMinute);
      const absl::Duration back = Seconds(later, kHour, 48 * kHour);
      const absl::Duration first = u_later < 0.8 ? in_session : back;
      Rng orders(seed_, i, kOrders);
      const int64_t count = 1 + orders.Poisson(b.orders - 1);
      Rng values(seed_, i, kOrderValue);
      Rng refunds(seed_, i, kRefund);
      for (int64_t k = 0; k < count; ++k) {
        const absl::Duration at =
            k == 0 ? first : Seconds(orders, kDay, 6 * kDay);
        const double amount =
            std::max(1.0, Round2(values.LogNormal(b.order_value, value_scale)));
        const std::string order = absl::StrCat(visitor.id, "-o", k);
        post.push_back({&names.purchase, amount, at,
                        Props({{"amount", Value(amount)},
                               {"order_id", Value(order)},
                               {"currency", Value("EUR")}})});
        post.push_back(
            {&names.order, 1, at, Props({{"order_id", Value(order)}})});
        const double u_refund = refunds.Uniform();
        const absl::Duration refund_at =
            at + Seconds(refunds, 2 * kDay, 20 * kDay);
        if (u_refund < b.refund) {
          post.push_back(
              {&names.refund, amount, refund_at,
               Props({{"order_id", Value(order)}, {"amount", Value(amount)}})});
        }
      }
      // Surveys after the first order: CSAT and CES right after checkout,
      // NPS after delivery.
      struct Ask {
        Stream stream;
        const SurveySpec* survey;
        int lowest;
        double shift;
        const std::string* name;
        double min_delay, max_delay;
      };
      const Ask asks[] = {
          {kCsat, &base.csat, 1, effect.csat, &names.csat, 10 * kMinute,
           6 * kHour},
          {kCes, &base.ces, 1, effect.ces, &names.ces, 10 * kMinute, 6 * kHour},
          {kNps, &base.nps, 0, effect.nps, &names.nps, 3 * kDay, 10 * kDay},
      };
      for (const Ask& ask : asks) {
        Rng rng(seed_, i, ask.stream);
        const double u_response = rng.Uniform();
        const double u_answer = rng.Uniform();
        const double u_shift = rng.Uniform();
        const absl::Duration at =
            first + Seconds(rng, ask.min_delay, ask.max_delay);
        if (u_response >= ask.survey->response) continue;
        const int score =
            SurveyAnswer(*ask.survey, ask.lowest, ask.shift, u_answer, u_shift);
        post.push_back({ask.name, static_cast<double>(score), at,
                        Props({{"score", Value(score)}})});
      }
    }
  }
  {
    Rng rng(seed_, i, kSupport);
    const double u = rng.Uniform();
    const absl::Duration opened = Seconds(rng, 10 * kMinute, 5 * kDay);
    const double hours =
        std::max(0.1, std::round(rng.LogNormal(b.resolution_hours) * 10) / 10);
    if (u < b.support_ticket) {
      const std::string ticket = absl::StrCat(visitor.id, "-t0");
      post.push_back({&names.ticket_opened, 0, opened,
                      Props({{"ticket_id", Value(ticket)}})});
      post.push_back(
          {&names.ticket_resolved, hours,
           opened + absl::Seconds(std::round(hours * kHour)),
           Props({{"ticket_id", Value(ticket)}, {"hours", Value(hours)}})});
    }
  }
  {
    Rng rng(seed_, i, kReturn);
    const double u = rng.Uniform();
    const absl::Duration at = Seconds(rng, b.return_delay_min_days * kDay,
                                      b.return_delay_max_days * kDay);
    if (u < b.return_visit) {
      post.push_back({&names.session, 0, at, Value()});
      const int64_t views = rng.Poisson(b.page_views);
      for (int64_t k = 0; k < views; ++k) {
        post.push_back(
            {&names.page_view, 0, at + absl::Seconds(20 + 40 * k), Value()});
      }
    }
  }

  // The units: every distinct (type, id) assigned, in order.
  std::vector<std::pair<std::string, std::string>> units;
  for (const SimAssignment& a : assigned) {
    activity.exposures.push_back(
        {a.experiment, a.variant, a.unit_type, a.unit_id, visitor.visit_time});
    std::pair<std::string, std::string> unit(a.unit_type, a.unit_id);
    if (std::find(units.begin(), units.end(), unit) == units.end()) {
      units.push_back(std::move(unit));
    }
  }
  for (const auto& [type, id] : units) {
    int64_t n = 0;
    auto emit = [&](const std::vector<Happening>& list,
                    std::vector<SimEvent>& out) {
      for (const Happening& h : list) {
        const std::string event_id = absl::StrCat(id, "/", n++);
        const absl::Time at = visitor.visit_time + h.offset;
        if (at > now_) {
          ++activity.censored;
          continue;
        }
        out.push_back(
            SimEvent{event_id, type, id, *h.name, h.value, at, h.properties});
      }
    };
    emit(pre, activity.pre_events);
    emit(post, activity.events);
  }
  return activity;
}

}  // namespace cxlab::cli
