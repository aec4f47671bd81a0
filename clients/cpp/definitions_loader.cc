// Copyright 2026 The cxlab Authors.

#include "clients/cpp/definitions_loader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/definitions.h"
#include "engine/value.h"

namespace cxlab::client {
namespace {

namespace fs = std::filesystem;
using engine::Value;

constexpr absl::string_view kKinds[] = {"experiment", "segment", "group",
                                        "metric",     "layer",   "holdout",
                                        "slot"};
// The kind of a scenario document, which the loader skips.
constexpr absl::string_view kScenarioKind = "scenario";

// Limits on condition/payload/filter documents: nesting depth (a recursive
// YAML alias such as `&a [*a]` would otherwise recurse forever) and nodes
// visited per definition (aliases can expand exponentially).
constexpr int kMaxDepth = 128;
constexpr int64_t kMaxNodes = 100000;

// yaml-cpp's explicit core-schema tags.
constexpr absl::string_view kTagStr = "tag:yaml.org,2002:str";
constexpr absl::string_view kTagNull = "tag:yaml.org,2002:null";
constexpr absl::string_view kTagBool = "tag:yaml.org,2002:bool";
constexpr absl::string_view kTagInt = "tag:yaml.org,2002:int";
constexpr absl::string_view kTagFloat = "tag:yaml.org,2002:float";

std::string ToStd(absl::string_view s) {
  return std::string(s.data(), s.size());
}

// 1-based line of a node, or 0 when yaml-cpp has no mark for it.
int LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

// "variants[1].weight" -> "variants"; "forced.qa" -> "forced".
std::string RootOf(absl::string_view path) {
  const size_t end = path.find_first_of(".[");
  return ToStd(path.substr(0, end));
}

// Drops the last component: "a[1].b" -> "a[1]" -> "a" -> "".
std::string ParentOf(absl::string_view path) {
  const size_t dot = path.rfind('.');
  const size_t bracket = path.rfind('[');
  size_t cut = 0;
  if (dot != absl::string_view::npos) cut = dot;
  if (bracket != absl::string_view::npos && bracket > cut) cut = bracket;
  if (dot == absl::string_view::npos && bracket == absl::string_view::npos) {
    return "";
  }
  return ToStd(path.substr(0, cut));
}

std::string JoinField(absl::string_view parent, absl::string_view name) {
  if (parent.empty()) return ToStd(name);
  return absl::StrCat(parent, ".", name);
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Resolves a plain (untagged, unquoted) scalar per the YAML 1.2 core schema.
// yaml-cpp already turns ~, null, Null, NULL and empty plain scalars into
// null nodes, but the text is checked here too so explicit tags agree.
Value ResolvePlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    return Value();
  }
  if (s == "true" || s == "True" || s == "TRUE") return Value(true);
  if (s == "false" || s == "False" || s == "FALSE") return Value(false);

  absl::string_view body = s;
  bool negative = false;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty()) return Value(s);
  const double sign = negative ? -1.0 : 1.0;

  // Hexadecimal and octal integers (core schema: unsigned only).
  if (s[0] != '+' && s[0] != '-' && body.size() > 2 && body[0] == '0' &&
      (body[1] == 'x' || body[1] == 'o')) {
    const bool hex = body[1] == 'x';
    absl::string_view digits = body.substr(2);
    const bool valid = std::all_of(digits.begin(), digits.end(), [&](char c) {
      return hex ? absl::ascii_isxdigit(static_cast<unsigned char>(c))
                 : (c >= '0' && c <= '7');
    });
    if (!valid) return Value(s);
    double n = 0;
    for (char c : digits) {
      const int d =
          hex ? (absl::ascii_isdigit(static_cast<unsigned char>(c))
                     ? c - '0'
                     : absl::ascii_tolower(static_cast<unsigned char>(c)) -
                           'a' + 10)
              : c - '0';
      n = n * (hex ? 16 : 8) + d;
    }
    return Value(n);
  }

  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return Value(sign * std::numeric_limits<double>::infinity());
  }
  if ((body == ".nan" || body == ".NaN" || body == ".NAN") && s[0] != '+' &&
      s[0] != '-') {
    return Value(std::numeric_limits<double>::quiet_NaN());
  }

  // [0-9]+ | ( \.[0-9]+ | [0-9]+(\.[0-9]*)? ) ([eE][-+]?[0-9]+)?
  size_t i = 0;
  size_t int_digits = 0;
  size_t frac_digits = 0;
  while (i < body.size() &&
         absl::ascii_isdigit(static_cast<unsigned char>(body[i]))) {
    ++i;
    ++int_digits;
  }
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(body[i]))) {
      ++i;
      ++frac_digits;
    }
  }
  if (int_digits == 0 && frac_digits == 0) return Value(s);
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < body.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(body[i]))) {
      ++i;
      ++exp_digits;
    }
    if (exp_digits == 0) return Value(s);
  }
  if (i != body.size()) return Value(s);
  // The syntax is validated; SimpleAtod is locale-independent. Spell "5." and
  // ".5" as "5.0" and "0.5" first.
  std::string text = ToStd(body);
  if (text.back() == '.') text.push_back('0');
  if (text[0] == '.') text.insert(text.begin(), '0');
  double n = 0;
  if (!absl::SimpleAtod(text, &n)) return Value(s);
  return Value(sign * n);
}

// Converts a scalar (or null) node to a Value honouring its tag.
absl::StatusOr<Value> ScalarToValue(const YAML::Node& node) {
  if (node.IsNull()) return Value();
  const std::string& tag = node.Tag();
  const std::string& text = node.Scalar();
  if (tag == "!" || tag == kTagStr) return Value(text);
  if (tag == "?" || tag.empty()) return ResolvePlainScalar(text);
  if (tag == kTagNull) return Value();
  Value resolved = ResolvePlainScalar(text);
  if (tag == kTagBool && resolved.is_bool()) return resolved;
  if ((tag == kTagInt || tag == kTagFloat) && resolved.is_number()) {
    return resolved;
  }
  if (tag == kTagBool || tag == kTagInt || tag == kTagFloat) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a valid !!", tag.substr(18)));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unsupported YAML tag '", tag, "'"));
}

// What the loader remembers about one definition so validation errors can be
// mapped back to a line.
struct DocInfo {
  std::string kind;
  std::string key;
  std::string file;
  int line = 0;                                  // first line of the definition
  absl::flat_hash_map<std::string, int> lines;   // field path -> line
  absl::flat_hash_set<std::string> error_roots;  // top-level fields with errors
};

// One node being read: the node, its field path and the line to report for
// it (a mapping member reports its key's line, so `schedule:` and an empty
// value point at the line that names them).
struct Field {
  YAML::Node node;
  std::string path;
  int line = 0;
};

struct FieldSpec {
  absl::string_view name;
  std::function<void(const Field&)> parse;
};

// Reads one definition document. Not thread-safe; one per document.
class DocParser {
 public:
  DocParser(absl::string_view file, std::vector<LoadError>& errors,
            DocInfo& info)
      : file_(file), errors_(errors), info_(info) {}

  void Error(const std::string& path, int line, std::string message) {
    if (!path.empty()) info_.error_roots.insert(RootOf(path));
    errors_.push_back(LoadError{ToStd(file_), line > 0 ? line : info_.line,
                                path, std::move(message)});
  }
  void Error(const Field& f, std::string message) {
    Error(f.path, f.line, std::move(message));
  }

  void Record(const Field& f) {
    if (!f.path.empty() && f.line > 0) info_.lines.emplace(f.path, f.line);
  }

  // Calls the matching spec for each member of the mapping `f`; unknown and
  // duplicate members are errors. A null node is an empty mapping.
  void ParseFields(const Field& f, absl::Span<const FieldSpec> specs) {
    if (f.node.IsNull()) return;
    if (!f.node.IsMap()) {
      Error(f, "must be a mapping");
      return;
    }
    absl::flat_hash_set<std::string> seen;
    for (auto it = f.node.begin(); it != f.node.end(); ++it) {
      const YAML::Node key = it->first;
      const int key_line = LineOf(key) > 0 ? LineOf(key) : f.line;
      if (!key.IsScalar()) {
        Error(f.path, key_line, "field names must be strings");
        continue;
      }
      const std::string& name = key.Scalar();
      Field member{it->second, JoinField(f.path, name), key_line};
      if (!seen.insert(name).second) {
        Error(f.path, key_line, absl::StrCat("duplicate field '", name, "'"));
        continue;
      }
      const FieldSpec* spec = nullptr;
      for (const FieldSpec& s : specs) {
        if (s.name == name) spec = &s;
      }
      if (spec == nullptr) {
        Error(f.path, key_line, UnknownFieldMessage(name, specs));
        continue;
      }
      Record(member);
      spec->parse(member);
    }
  }

  // Strings accept any scalar's text; null leaves `out` unchanged.
  bool ReadString(const Field& f, std::string& out) {
    if (f.node.IsNull()) return false;
    if (!f.node.IsScalar()) {
      Error(f, "must be a string");
      return false;
    }
    out = f.node.Scalar();
    return true;
  }

  bool ReadNumber(const Field& f, double& out) {
    if (f.node.IsNull()) return false;
    absl::StatusOr<Value> v = Scalar(f);
    if (!v.ok() || !v->is_number()) {
      Error(f, "must be a number");
      return false;
    }
    if (!std::isfinite(v->as_number())) {
      Error(f, "must be a finite number");
      return false;
    }
    out = v->as_number();
    return true;
  }

  // A whole number in int64 range (priorities, versions).
  bool ReadInt64(const Field& f, int64_t& out) {
    if (f.node.IsNull()) return false;
    absl::StatusOr<Value> v = Scalar(f);
    // 2^63: the first double outside int64_t.
    constexpr double kLimit = 9223372036854775808.0;
    if (!v.ok() || !v->is_number() || !std::isfinite(v->as_number()) ||
        v->as_number() != std::trunc(v->as_number()) ||
        v->as_number() < -kLimit || v->as_number() >= kLimit) {
      Error(f, "must be an integer");
      return false;
    }
    out = static_cast<int64_t>(v->as_number());
    return true;
  }

  void ReadOptionalNumber(const Field& f, std::optional<double>& out) {
    double n = 0;
    if (ReadNumber(f, n)) out = n;
  }

  void ReadBool(const Field& f, bool& out) {
    if (f.node.IsNull()) return;
    absl::StatusOr<Value> v = Scalar(f);
    if (!v.ok() || !v->is_bool()) {
      Error(f, "must be a boolean (true or false)");
      return;
    }
    out = v->as_bool();
  }

  void ReadStringList(const Field& f, std::vector<std::string>& out) {
    if (f.node.IsNull()) return;
    if (!f.node.IsSequence()) {
      Error(f, "must be a list of strings");
      return;
    }
    out.clear();
    size_t i = 0;
    for (auto it = f.node.begin(); it != f.node.end(); ++it, ++i) {
      Field item = Item(f, *it, i);
      Record(item);
      if (!item.node.IsScalar()) {
        Error(item, "must be a string");
        continue;
      }
      out.push_back(item.node.Scalar());
    }
  }

  // Converts any node to a Value (conditions, payloads, filters), recording
  // the line of every nested field.
  Value ReadValue(const Field& f, int depth = 0) {
    // Each limit is reported once per definition: a recursive alias would
    // otherwise hit it on every branch.
    if (++nodes_ > kMaxNodes) {
      if (nodes_ == kMaxNodes + 1) {
        Error(f, absl::StrCat("too large (more than ", kMaxNodes,
                              " nodes after expanding aliases)"));
      }
      return Value();
    }
    Record(f);
    if (depth > kMaxDepth) {
      if (!depth_reported_) {
        depth_reported_ = true;
        Error(f, absl::StrCat("nested more than ", kMaxDepth,
                              " levels deep (a recursive alias?)"));
      }
      return Value();
    }
    const YAML::Node& node = f.node;
    if (node.IsNull() || !node.IsDefined()) return Value();
    if (node.IsScalar()) {
      absl::StatusOr<Value> v = ScalarToValue(node);
      if (!v.ok()) {
        Error(f, ToStd(v.status().message()));
        return Value();
      }
      return *std::move(v);
    }
    if (node.IsSequence()) {
      Value array = Value::Array();
      size_t i = 0;
      for (auto it = node.begin(); it != node.end(); ++it, ++i) {
        array.Append(ReadValue(Item(f, *it, i), depth + 1));
      }
      return array;
    }
    Value object = Value::Object();
    absl::flat_hash_set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      const int key_line = LineOf(key) > 0 ? LineOf(key) : f.line;
      if (!key.IsScalar()) {
        Error(f.path, key_line, "mapping keys must be strings");
        continue;
      }
      const std::string& name = key.Scalar();
      if (!seen.insert(name).second) {
        Error(f.path, key_line, absl::StrCat("duplicate key '", name, "'"));
        continue;
      }
      object.Set(name,
                 ReadValue(Field{it->second, JoinField(f.path, name), key_line},
                           depth + 1));
    }
    return object;
  }

  // The i-th element of the sequence `parent`.
  static Field Item(const Field& parent, const YAML::Node& node, size_t i) {
    const int line = LineOf(node);
    return Field{node, absl::StrCat(parent.path, "[", i, "]"),
                 line > 0 ? line : parent.line};
  }

 private:
  // The scalar `f` resolved to a Value; an error status for collections.
  static absl::StatusOr<Value> Scalar(const Field& f) {
    if (!f.node.IsScalar()) return absl::InvalidArgumentError("not a scalar");
    return ScalarToValue(f.node);
  }

  static std::string UnknownFieldMessage(const std::string& name,
                                         absl::Span<const FieldSpec> specs) {
    std::string message = absl::StrCat("unknown field '", name, "'");
    absl::string_view best;
    size_t best_distance = 3;  // suggest only close misspellings
    for (const FieldSpec& s : specs) {
      const size_t d = EditDistance(name, s.name);
      if (d < best_distance && d < s.name.size()) {
        best = s.name;
        best_distance = d;
      }
    }
    if (!best.empty()) {
      absl::StrAppend(&message, "; did you mean '", best, "'?");
    }
    return message;
  }

  absl::string_view file_;
  std::vector<LoadError>& errors_;
  DocInfo& info_;
  int64_t nodes_ = 0;
  bool depth_reported_ = false;
};

// Reads the list of mappings `f` (variants, slot rules) into `out`, one
// element per item: `parse_item(item_field, element)` for a mapping, the
// error `item_rule` for anything else (the element keeps its defaults).
template <typename T, typename ParseItem>
void ParseMappingList(DocParser& p, const Field& f, absl::string_view list_rule,
                      absl::string_view item_rule, std::vector<T>& out,
                      ParseItem parse_item) {
  if (f.node.IsNull()) return;
  if (!f.node.IsSequence()) {
    p.Error(f, ToStd(list_rule));
    return;
  }
  size_t i = 0;
  for (auto it = f.node.begin(); it != f.node.end(); ++it, ++i) {
    Field item = DocParser::Item(f, *it, i);
    p.Record(item);
    out.emplace_back();
    if (!item.node.IsMap()) {
      p.Error(item, ToStd(item_rule));
      continue;
    }
    parse_item(item, out.back());
  }
}

void ParseVariant(DocParser& p, const Field& f, engine::VariantDef& v) {
  const FieldSpec specs[] = {
      {"key", [&](const Field& x) { p.ReadString(x, v.key); }},
      {"name", [&](const Field& x) { p.ReadString(x, v.name); }},
      {"weight", [&](const Field& x) { p.ReadOptionalNumber(x, v.weight); }},
      {"payload", [&](const Field& x) { v.payload = p.ReadValue(x); }},
  };
  p.ParseFields(f, specs);
}

// An RFC 3339 time (experiment schedule, slot rule window).
void ReadTime(DocParser& p, const Field& f, absl::Time& out) {
  std::string text;
  if (!p.ReadString(f, text)) return;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    p.Error(f, absl::StrCat("must be an RFC 3339 time such as "
                            "2026-03-01T00:00:00Z, got '",
                            text, "'"));
    return;
  }
  out = t;
}

void ParseBandit(DocParser& p, const Field& f,
                 std::optional<engine::ExperimentDef::Bandit>& out) {
  if (f.node.IsNull()) return;
  if (!f.node.IsMap()) {
    p.Error(f, "must be a mapping with metric, interval_minutes, min_share");
    return;
  }
  // Assigned rather than emplace()d: clang rejects optional<Bandit>::emplace()
  // with no arguments (Bandit's default member initializers, LLVM #36032).
  out = engine::ExperimentDef::Bandit{};
  engine::ExperimentDef::Bandit& b = *out;
  const FieldSpec specs[] = {
      {"metric", [&](const Field& x) { p.ReadString(x, b.metric); }},
      {"interval_minutes",
       [&](const Field& x) { p.ReadNumber(x, b.interval_minutes); }},
      {"min_share", [&](const Field& x) { p.ReadNumber(x, b.min_share); }},
  };
  p.ParseFields(f, specs);
}

void ParseExperiment(DocParser& p, const Field& root,
                     engine::ExperimentDef& e) {
  auto variants = [&](const Field& f) {
    ParseMappingList(p, f, "must be a list of variants",
                     "must be a mapping with key, name, weight, payload",
                     e.variants,
                     [&](const Field& item, engine::VariantDef& v) {
                       ParseVariant(p, item, v);
                     });
  };
  auto layer_range = [&](const Field& f) {
    if (f.node.IsNull()) return;
    if (!f.node.IsSequence() || f.node.size() != 2) {
      p.Error(f, "must be [start, end]");
      return;
    }
    engine::BucketRange range;
    Field start = DocParser::Item(f, f.node[0], 0);
    Field end = DocParser::Item(f, f.node[1], 1);
    p.Record(start);
    p.Record(end);
    const bool ok_start = p.ReadNumber(start, range.start);
    const bool ok_end = p.ReadNumber(end, range.end);
    if (ok_start && ok_end) e.layer_range = range;
  };
  auto forced = [&](const Field& f) {
    if (f.node.IsNull()) return;
    if (!f.node.IsMap()) {
      p.Error(f, "must be a mapping of unit id to variant key");
      return;
    }
    absl::flat_hash_set<std::string> seen;
    for (auto it = f.node.begin(); it != f.node.end(); ++it) {
      const YAML::Node key = it->first;
      const int key_line = LineOf(key) > 0 ? LineOf(key) : f.line;
      if (!key.IsScalar()) {
        p.Error(f.path, key_line, "unit ids must be strings");
        continue;
      }
      Field member{it->second, JoinField(f.path, key.Scalar()), key_line};
      p.Record(member);
      if (!seen.insert(key.Scalar()).second) {
        p.Error(f.path, key_line,
                absl::StrCat("duplicate unit id '", key.Scalar(), "'"));
        continue;
      }
      std::string variant;
      if (!member.node.IsScalar()) {
        p.Error(member, "must be a variant key");
        continue;
      }
      p.ReadString(member, variant);
      e.forced.emplace_back(key.Scalar(), std::move(variant));
    }
  };
  auto schedule = [&](const Field& f) {
    const FieldSpec specs[] = {
        {"start", [&](const Field& x) { ReadTime(p, x, e.start); }},
        {"end", [&](const Field& x) { ReadTime(p, x, e.end); }},
    };
    p.ParseFields(f, specs);
  };
  auto status = [&](const Field& f) {
    std::string text;
    if (!p.ReadString(f, text)) return;
    absl::StatusOr<engine::ExperimentStatus> s =
        engine::ParseExperimentStatus(text);
    if (!s.ok()) {
      p.Error(f, ToStd(s.status().message()));
      return;
    }
    e.status = *s;
  };
  const FieldSpec specs[] = {
      {"kind", [](const Field&) {}},
      {"key", [&](const Field& f) { p.ReadString(f, e.key); }},
      {"name", [&](const Field& f) { p.ReadString(f, e.name); }},
      {"description", [&](const Field& f) { p.ReadString(f, e.description); }},
      {"hypothesis", [&](const Field& f) { p.ReadString(f, e.hypothesis); }},
      {"owner", [&](const Field& f) { p.ReadString(f, e.owner); }},
      {"tags", [&](const Field& f) { p.ReadStringList(f, e.tags); }},
      {"status", status},
      {"salt", [&](const Field& f) { p.ReadString(f, e.salt); }},
      {"unit_type", [&](const Field& f) { p.ReadString(f, e.unit_type); }},
      {"hash_attribute",
       [&](const Field& f) { p.ReadString(f, e.hash_attribute); }},
      {"fallback_attribute",
       [&](const Field& f) { p.ReadString(f, e.fallback_attribute); }},
      {"variants", variants},
      {"coverage", [&](const Field& f) { p.ReadNumber(f, e.coverage); }},
      {"segments", [&](const Field& f) { p.ReadStringList(f, e.segments); }},
      {"condition", [&](const Field& f) { e.condition = p.ReadValue(f); }},
      {"layer", [&](const Field& f) { p.ReadString(f, e.layer); }},
      {"layer_range", layer_range},
      {"exempt_from_holdout",
       [&](const Field& f) { p.ReadBool(f, e.exempt_from_holdout); }},
      {"forced", forced},
      {"schedule", schedule},
      {"winner", [&](const Field& f) { p.ReadString(f, e.winner); }},
      {"metrics", [&](const Field& f) { p.ReadStringList(f, e.metrics); }},
      {"guardrails",
       [&](const Field& f) { p.ReadStringList(f, e.guardrails); }},
      {"sticky", [&](const Field& f) { p.ReadBool(f, e.sticky); }},
      {"bucket_version",
       [&](const Field& f) { p.ReadInt64(f, e.bucket_version); }},
      {"bandit", [&](const Field& f) { ParseBandit(p, f, e.bandit); }},
  };
  p.ParseFields(root, specs);
}

void ParseSegment(DocParser& p, const Field& root, engine::SegmentDef& s) {
  const FieldSpec specs[] = {
      {"kind", [](const Field&) {}},
      {"key", [&](const Field& f) { p.ReadString(f, s.key); }},
      {"name", [&](const Field& f) { p.ReadString(f, s.name); }},
      {"description", [&](const Field& f) { p.ReadString(f, s.description); }},
      {"condition", [&](const Field& f) { s.condition = p.ReadValue(f); }},
  };
  p.ParseFields(root, specs);
}

void ParseGroup(DocParser& p, const Field& root, engine::GroupDef& g) {
  auto ids = [&](const Field& f) {
    if (f.node.IsNull()) return;
    if (!f.node.IsSequence()) {
      p.Error(f, "must be a list of ids");
      return;
    }
    size_t i = 0;
    for (auto it = f.node.begin(); it != f.node.end(); ++it, ++i) {
      Field item = DocParser::Item(f, *it, i);
      Value v = p.ReadValue(item);
      if (!v.is_string() && !v.is_number()) {
        p.Error(item, "must be a string or a number");
        continue;
      }
      g.ids.push_back(std::move(v));
    }
  };
  const FieldSpec specs[] = {
      {"kind", [](const Field&) {}},
      {"key", [&](const Field& f) { p.ReadString(f, g.key); }},
      {"description", [&](const Field& f) { p.ReadString(f, g.description); }},
      {"ids", ids},
  };
  p.ParseFields(root, specs);
}

void ParseMetric(DocParser& p, const Field& root, engine::MetricDef& m) {
  auto type = [&](const Field& f) {
    std::string text;
    if (!p.ReadString(f, text)) return;
    absl::StatusOr<engine::MetricType> t = engine::ParseMetricType(text);
    if (!t.ok()) {
      p.Error(f, ToStd(t.status().message()));
      return;
    }
    m.type = *t;
  };
  bool direction_set = false;
  auto direction = [&](const Field& f) {
    std::string text;
    direction_set = true;
    if (!p.ReadString(f, text)) return;
    if (text == "higher") {
      m.direction = engine::MetricDirection::kHigher;
    } else if (text == "lower") {
      m.direction = engine::MetricDirection::kLower;
    } else {
      p.Error(f, absl::StrCat("must be 'higher' or 'lower', got '", text, "'"));
    }
  };
  const FieldSpec specs[] = {
      {"kind", [](const Field&) {}},
      {"key", [&](const Field& f) { p.ReadString(f, m.key); }},
      {"name", [&](const Field& f) { p.ReadString(f, m.name); }},
      {"description", [&](const Field& f) { p.ReadString(f, m.description); }},
      {"type", type},
      {"event", [&](const Field& f) { p.ReadString(f, m.event); }},
      {"value_property",
       [&](const Field& f) { p.ReadString(f, m.value_property); }},
      {"filter", [&](const Field& f) { m.filter = p.ReadValue(f); }},
      {"window_hours",
       [&](const Field& f) { p.ReadNumber(f, m.window_hours); }},
      {"direction", direction},
      {"guardrail", [&](const Field& f) { p.ReadBool(f, m.guardrail); }},
      {"cap", [&](const Field& f) { p.ReadOptionalNumber(f, m.cap); }},
      {"denominator_event",
       [&](const Field& f) { p.ReadString(f, m.denominator_event); }},
      {"retention_hours",
       [&](const Field& f) { p.ReadNumber(f, m.retention_hours); }},
      {"scale_min",
       [&](const Field& f) { p.ReadOptionalNumber(f, m.scale_min); }},
      {"scale_max",
       [&](const Field& f) { p.ReadOptionalNumber(f, m.scale_max); }},
  };
  p.ParseFields(root, specs);
  // Durations (time to resolution, wait time) improve when they go down.
  if (!direction_set && m.type == engine::MetricType::kDuration) {
    m.direction = engine::MetricDirection::kLower;
  }
}

void ParseLayer(DocParser& p, const Field& root, engine::LayerDef& l) {
  const FieldSpec specs[] = {
      {"kind", [](const Field&) {}},
      {"key", [&](const Field& f) { p.ReadString(f, l.key); }},
      {"description", [&](const Field& f) { p.ReadString(f, l.description); }},
      {"salt", [&](const Field& f) { p.ReadString(f, l.salt); }},
      {"holdout", [&](const Field& f) { p.ReadNumber(f, l.holdout); }},
  };
  p.ParseFields(root, specs);
}

void ParseHoldout(DocParser& p, const Field& root, engine::HoldoutDef& h) {
  const FieldSpec specs[] = {
      {"kind", [](const Field&) {}},
      {"key", [&](const Field& f) { p.ReadString(f, h.key); }},
      {"description", [&](const Field& f) { p.ReadString(f, h.description); }},
      {"salt", [&](const Field& f) { p.ReadString(f, h.salt); }},
      {"share", [&](const Field& f) { p.ReadNumber(f, h.share); }},
  };
  p.ParseFields(root, specs);
}

void ParseSlotRule(DocParser& p, const Field& f, engine::SlotRuleDef& r) {
  const FieldSpec specs[] = {
      {"key", [&](const Field& x) { p.ReadString(x, r.key); }},
      {"segments", [&](const Field& x) { p.ReadStringList(x, r.segments); }},
      {"condition", [&](const Field& x) { r.condition = p.ReadValue(x); }},
      {"content", [&](const Field& x) { r.content = p.ReadValue(x); }},
      {"priority", [&](const Field& x) { p.ReadInt64(x, r.priority); }},
      {"start", [&](const Field& x) { ReadTime(p, x, r.start); }},
      {"end", [&](const Field& x) { ReadTime(p, x, r.end); }},
      {"experiment", [&](const Field& x) { p.ReadString(x, r.experiment); }},
  };
  p.ParseFields(f, specs);
}

void ParseSlot(DocParser& p, const Field& root, engine::SlotDef& s) {
  auto rules = [&](const Field& f) {
    ParseMappingList(p, f, "must be a list of rules",
                     "must be a mapping with key, segments, condition, "
                     "content, priority, start, end, experiment",
                     s.rules, [&](const Field& item, engine::SlotRuleDef& r) {
                       ParseSlotRule(p, item, r);
                     });
  };
  const FieldSpec specs[] = {
      {"kind", [](const Field&) {}},
      {"key", [&](const Field& f) { p.ReadString(f, s.key); }},
      {"name", [&](const Field& f) { p.ReadString(f, s.name); }},
      {"description", [&](const Field& f) { p.ReadString(f, s.description); }},
      {"default_content",
       [&](const Field& f) { s.default_content = p.ReadValue(f); }},
      {"rules", rules},
  };
  p.ParseFields(root, specs);
}

// Parses one definition (a mapping with `kind`) and appends it to `defs`.
// Returns its DocInfo when it was appended.
std::optional<DocInfo> ParseDefinition(const YAML::Node& node, int line,
                                       absl::string_view file,
                                       LoadResult& result) {
  DocInfo info;
  info.file = ToStd(file);
  info.line = line;
  if (!node.IsMap()) {
    result.errors.push_back(
        LoadError{info.file, line, "",
                  "expected a mapping (a definition with a 'kind' field)"});
    return std::nullopt;
  }
  // Find `kind` first: it decides which fields are allowed.
  const std::string kinds = absl::StrJoin(kKinds, ", ");
  bool found = false;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar() || it->first.Scalar() != "kind") continue;
    found = true;
    const int kind_line = LineOf(it->first) > 0 ? LineOf(it->first) : line;
    const YAML::Node value = it->second;
    const std::string kind = value.IsScalar() ? value.Scalar() : "";
    // A simulation scenario (`cxlab simulate --scenario`) may sit among the
    // definitions (experiments/scenarios/); it defines nothing.
    if (kind == kScenarioKind) return std::nullopt;
    if (std::find(std::begin(kKinds), std::end(kKinds), kind) ==
        std::end(kKinds)) {
      result.errors.push_back(LoadError{
          info.file, kind_line, "kind",
          value.IsScalar() ? absl::StrCat("unknown kind '", kind,
                                          "'; expected one of ", kinds)
                           : absl::StrCat("must be one of ", kinds)});
      return std::nullopt;
    }
    info.kind = kind;
    break;
  }
  if (!found) {
    result.errors.push_back(
        LoadError{info.file, line, "",
                  absl::StrCat("missing field 'kind' (one of ", kinds, ")")});
    return std::nullopt;
  }

  DocParser parser(file, result.errors, info);
  const Field root{node, "", line};
  engine::Definitions& defs = result.defs;
  if (info.kind == "experiment") {
    defs.experiments.emplace_back();
    ParseExperiment(parser, root, defs.experiments.back());
    info.key = defs.experiments.back().key;
  } else if (info.kind == "segment") {
    defs.segments.emplace_back();
    ParseSegment(parser, root, defs.segments.back());
    info.key = defs.segments.back().key;
  } else if (info.kind == "group") {
    defs.groups.emplace_back();
    ParseGroup(parser, root, defs.groups.back());
    info.key = defs.groups.back().key;
  } else if (info.kind == "metric") {
    defs.metrics.emplace_back();
    ParseMetric(parser, root, defs.metrics.back());
    info.key = defs.metrics.back().key;
  } else if (info.kind == "layer") {
    defs.layers.emplace_back();
    ParseLayer(parser, root, defs.layers.back());
    info.key = defs.layers.back().key;
  } else if (info.kind == "slot") {
    defs.slots.emplace_back();
    ParseSlot(parser, root, defs.slots.back());
    info.key = defs.slots.back().key;
  } else {
    defs.holdouts.emplace_back();
    ParseHoldout(parser, root, defs.holdouts.back());
    info.key = defs.holdouts.back().key;
  }
  return info;
}

// The UTF-16 code unit of the escape \uXXXX starting at text[i], or -1.
int HexEscapeAt(absl::string_view text, size_t i) {
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return -1;
  int unit = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const char c = text[k];
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return -1;
    }
    unit = unit * 16 + d;
  }
  return unit;
}

// yaml-cpp 0.7 rejects JSON's surrogate-pair escapes (\ud83c\udfc3, which
// Python's json.dump writes for every emoji by default). When the text is
// JSON (it starts with '{' or '['), each pair is rewritten as the equivalent
// YAML escape \U0001f3c3. In JSON a backslash only occurs inside strings, so
// an unescaped \u is always a string escape. Line numbers are unchanged.
std::string RewriteSurrogatePairs(absl::string_view text) {
  absl::string_view body = text;
  if (absl::StartsWith(body, "\xEF\xBB\xBF")) body.remove_prefix(3);  // BOM
  const size_t start = body.find_first_not_of(" \t\r\n");
  if (start == absl::string_view::npos ||
      (body[start] != '{' && body[start] != '[') ||
      text.find("\\u") == absl::string_view::npos) {
    return ToStd(text);
  }
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    const int high = HexEscapeAt(text, i);
    const int low = HexEscapeAt(text, i + 6);
    if (high >= 0xD800 && high <= 0xDBFF && low >= 0xDC00 && low <= 0xDFFF) {
      const int code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
      absl::StrAppend(&out, "\\U", absl::Hex(code, absl::kZeroPad8));
      i += 11;
      continue;
    }
    // Copy the backslash with the character it escapes, so that an escaped
    // backslash followed by "u" is never read as an escape.
    out.push_back(text[i]);
    if (i + 1 < text.size()) out.push_back(text[++i]);
  }
  return out;
}

// Walks the documents of `yaml` without building nodes and throws
// YAML::ParserException where yaml-cpp 0.7 would loop forever: when a
// document starts with a ',' outside any flow collection ("[a]," or a JSON
// object with a trailing comma, "{...},"), its parser yields empty documents
// at the same position without consuming input, so YAML::LoadAll never
// returns and its vector grows until memory runs out (found by tests/fuzz
// definitions_yaml). Two documents starting at the same mark reveal it.
void CheckDocumentsAdvance(const std::string& yaml) {
  class Handler : public YAML::EventHandler {
   public:
    void OnDocumentStart(const YAML::Mark& mark) override {
      if (started_ && mark.pos == last_pos_) {
        throw YAML::ParserException(
            mark, "unexpected ',' outside a flow collection ([...] or {...})");
      }
      started_ = true;
      last_pos_ = mark.pos;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&,
                         YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}

   private:
    bool started_ = false;
    int last_pos_ = 0;
  };
  std::istringstream in(yaml);
  YAML::Parser parser(in);
  Handler handler;
  while (parser.HandleNextDocument(handler)) {
  }
}

// Parses `text`, appending definitions to `result` and, when `docs` is not
// null, one DocInfo per appended definition. Returns false when the text is
// not valid YAML (nothing from it is appended then).
bool ParseText(absl::string_view text, absl::string_view filename,
               LoadResult& result, std::vector<DocInfo>* docs) {
  std::vector<YAML::Node> nodes;
  try {
    const std::string yaml = RewriteSurrogatePairs(text);
    CheckDocumentsAdvance(yaml);
    nodes = YAML::LoadAll(yaml);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    std::string message = absl::StrCat("invalid YAML: ", e.msg);
    if (e.mark.column >= 0) {
      absl::StrAppend(&message, " (column ", e.mark.column + 1, ")");
    }
    result.errors.push_back(
        LoadError{ToStd(filename), line, "", std::move(message)});
    return false;
  } catch (const std::exception& e) {
    result.errors.push_back(LoadError{
        ToStd(filename), 0, "", absl::StrCat("invalid YAML: ", e.what())});
    return false;
  }
  auto add = [&](const YAML::Node& node, int line) {
    std::optional<DocInfo> info;
    try {
      info = ParseDefinition(node, line, filename, result);
    } catch (const std::exception& e) {
      // yaml-cpp accessors are not expected to throw on nodes it built; keep
      // the no-exceptions promise regardless.
      result.errors.push_back(
          LoadError{ToStd(filename), line, "",
                    absl::StrCat("internal error: ", e.what())});
    }
    if (info.has_value() && docs != nullptr) docs->push_back(*std::move(info));
  };
  for (const YAML::Node& node : nodes) {
    if (node.IsNull() || !node.IsDefined()) continue;  // empty document
    const int line = LineOf(node) > 0 ? LineOf(node) : 1;
    if (node.IsSequence()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        const int item_line = LineOf(*it) > 0 ? LineOf(*it) : line;
        add(*it, item_line);
      }
    } else {
      add(node, line);
    }
  }
  return true;
}

bool HasDefinitionsExtension(const fs::path& p) {
  const std::string ext = absl::AsciiStrToLower(p.extension().string());
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Reads a whole file; on failure returns false and sets `error`.
bool ReadFile(const std::string& path, std::string& out, std::string& error) {
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = absl::StrCat("cannot open file: ", std::strerror(errno));
    return false;
  }
  out.clear();
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) {
    out.append(buffer, n);
  }
  const bool failed = std::ferror(f) != 0;
  const int saved = errno;
  std::fclose(f);
  if (failed) {
    error = absl::StrCat("cannot read file: ", std::strerror(saved));
    return false;
  }
  return true;
}

// The n-th (0-based) definition in `list` whose key is `key`, or -1.
int NthWithKey(const std::vector<const DocInfo*>& list, const std::string& key,
               int n) {
  for (size_t j = 0; j < list.size(); ++j) {
    if (list[j]->key == key && n-- == 0) return static_cast<int>(j);
  }
  return -1;
}

// Maps validation errors to the definitions they name. DefinitionError
// carries (kind, key), not an index, so definitions sharing a key need care:
// errors arrive in definition order, so a cursor per kind follows them; the
// k-th "key: is required" error starts the k-th definition without a key,
// and the k-th "duplicate ... key" error for a key names its (k+1)-th
// definition.
void MapValidationErrors(const std::vector<engine::DefinitionError>& errors,
                         const std::vector<DocInfo>& docs,
                         std::vector<LoadError>& out) {
  absl::flat_hash_map<std::string, std::vector<const DocInfo*>> by_kind;
  for (const DocInfo& d : docs) by_kind[d.kind].push_back(&d);
  absl::flat_hash_map<std::string, size_t> cursor;
  absl::flat_hash_map<std::string, int> missing_keys;    // per kind
  absl::flat_hash_map<std::string, int> duplicate_keys;  // per kind + key
  for (const engine::DefinitionError& e : errors) {
    const DocInfo* doc = nullptr;
    auto kind = by_kind.find(e.kind);
    if (kind != by_kind.end()) {
      const std::vector<const DocInfo*>& list = kind->second;
      size_t& c = cursor[e.kind];
      int j = -1;
      if (e.field == "key" && e.key.empty()) {
        j = NthWithKey(list, e.key, missing_keys[e.kind]++);
      } else if (e.field == "key" &&
                 absl::StartsWith(e.message, "duplicate ")) {
        j = NthWithKey(list, e.key,
                       ++duplicate_keys[absl::StrCat(e.kind, "\n", e.key)]);
      }
      for (size_t i = 0; j < 0 && i < list.size(); ++i) {
        const size_t k = (c + i) % list.size();
        if (list[k]->key == e.key) j = static_cast<int>(k);
      }
      if (j >= 0) {
        doc = list[j];
        c = static_cast<size_t>(j);
      }
    }
    if (doc == nullptr) {
      // Not traceable to one definition: report it whole.
      out.push_back(LoadError{"", 0, "", e.ToString()});
      continue;
    }
    if (!e.field.empty() && doc->error_roots.contains(RootOf(e.field))) {
      continue;  // a consequence of a parse error already reported
    }
    int line = doc->line;
    for (std::string path = e.field; !path.empty(); path = ParentOf(path)) {
      auto it = doc->lines.find(path);
      if (it != doc->lines.end()) {
        line = it->second;
        break;
      }
    }
    out.push_back(LoadError{doc->file, line, e.field, e.message});
  }
}

}  // namespace

std::string LoadError::ToString() const {
  std::string out = file;
  if (line > 0) {
    absl::StrAppend(&out, ":", line, " ");
  } else if (!out.empty()) {
    out += ": ";
  }
  if (!field.empty()) absl::StrAppend(&out, field, ": ");
  out += message;
  return out;
}

void ParseDefinitionsText(absl::string_view text, absl::string_view filename,
                          LoadResult& result) {
  ParseText(text, filename, result, nullptr);
}

LoadResult LoadDefinitions(const std::string& path) {
  LoadResult result;
  std::error_code ec;
  const fs::path root(path);
  const fs::file_status status = fs::status(root, ec);
  if (!fs::exists(status)) {
    result.errors.push_back(
        LoadError{path, 0, "",
                  ec && ec != std::errc::no_such_file_or_directory
                      ? absl::StrCat("cannot access: ", ec.message())
                      : "no such file or directory"});
    return result;
  }

  bool complete = true;
  std::vector<std::string> files;
  if (fs::is_directory(status)) {
    fs::recursive_directory_iterator it(root, ec);
    const fs::recursive_directory_iterator end;
    while (!ec && it != end) {
      std::error_code file_ec;
      if (it->is_regular_file(file_ec) && HasDefinitionsExtension(it->path())) {
        files.push_back(it->path().string());
      }
      it.increment(ec);
    }
    if (ec) {
      result.errors.push_back(LoadError{
          path, 0, "", absl::StrCat("cannot list directory: ", ec.message())});
      complete = false;
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }

  std::vector<DocInfo> docs;
  for (const std::string& file : files) {
    std::string text;
    std::string error;
    if (!ReadFile(file, text, error)) {
      result.errors.push_back(LoadError{file, 0, "", std::move(error)});
      complete = false;
      continue;
    }
    result.files.push_back(file);
    if (!ParseText(text, file, result, &docs)) complete = false;
  }

  if (complete) {
    MapValidationErrors(engine::ValidateDefinitions(result.defs), docs,
                        result.errors);
  }

  // File order, then line; errors naming no file found go first (the path
  // itself) or last (not traceable to a file).
  absl::flat_hash_map<std::string, int> file_rank;
  for (size_t i = 0; i < files.size(); ++i) {
    file_rank.emplace(files[i], static_cast<int>(i));
  }
  auto rank = [&](const LoadError& e) {
    if (e.file.empty()) return INT_MAX;
    auto it = file_rank.find(e.file);
    return it == file_rank.end() ? -1 : it->second;
  };
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [&](const LoadError& a, const LoadError& b) {
                     const int ra = rank(a);
                     const int rb = rank(b);
                     if (ra != rb) return ra < rb;
                     if (ra < 0 || ra == INT_MAX) return false;
                     return a.line < b.line;
                   });
  return result;
}

}  // namespace cxlab::client
