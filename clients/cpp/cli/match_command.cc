// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/match_command.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "clients/cpp/cli/cli_util.h"
#include "engine/condition.h"
#include "engine/groups.h"
#include "engine/json.h"
#include "engine/status_macros.h"
#include "engine/value.h"

namespace cxlab::cli {
namespace {

// Compiles `condition` strictly and evaluates it. `attributes` must be an
// object; `groups` may be null (no groups) or an object of id arrays.
// `prefix` names where each part came from in error messages ("--" for
// flags, "" for batch keys).
absl::StatusOr<bool> Evaluate(const engine::Value& condition,
                              const engine::Value& attributes,
                              const engine::Value& groups,
                              absl::string_view prefix) {
  if (!condition.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "condition: must be a JSON object, got ",
                     condition.TypeName()));
  }
  if (!attributes.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "attributes: must be a JSON object, got ",
                     attributes.TypeName()));
  }
  engine::GroupSet group_set;
  if (!groups.is_null()) {
    ASSIGN_OR_RETURN(group_set,
                     GroupsFromJson(absl::StrCat(prefix, "groups"), groups));
  }
  engine::Condition::Options compile_options;
  compile_options.strict = true;
  compile_options.field = "condition";
  ASSIGN_OR_RETURN(engine::Condition compiled,
                   engine::Condition::Compile(condition, compile_options));
  return compiled.Matches(attributes, group_set);
}

// Replaces bytes that are not valid UTF-8 with U+FFFD, so an error message
// quoting a bad input byte still prints as valid JSON text.
std::string ValidUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (ok && len > 1) {
      // Reject overlong forms, surrogates and code points above U+10FFFF.
      uint32_t cp = c & (0xFF >> (len + 1));
      for (size_t k = 1; k < len; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      }
      static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(text.data() + i, len);
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

absl::StatusOr<bool> MatchFromFlags(const MatchOptions& options) {
  if (!options.condition.has_value()) {
    return absl::InvalidArgumentError(
        "--condition is required (or use --batch)");
  }
  if (!options.attributes.has_value()) {
    return absl::InvalidArgumentError(
        "--attributes is required (or use --batch)");
  }
  ASSIGN_OR_RETURN(engine::Value condition,
                   ParseJsonFlag("--condition", *options.condition));
  ASSIGN_OR_RETURN(engine::Value attributes,
                   ParseJsonFlag("--attributes", *options.attributes));
  engine::Value groups;
  if (options.groups.has_value()) {
    ASSIGN_OR_RETURN(groups, ParseJsonFlag("--groups", *options.groups));
    if (groups.is_null()) groups = engine::Value::Object();
  }
  return Evaluate(condition, attributes, groups, "--");
}

}  // namespace

absl::StatusOr<bool> MatchBatchLine(absl::string_view line) {
  ASSIGN_OR_RETURN(engine::Value doc, engine::ParseJson(line));
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected a JSON object {\"condition\", \"attributes\", \"groups\"}, "
        "got ",
        doc.TypeName()));
  }
  const engine::Value* condition = nullptr;
  engine::Value attributes = engine::Value::Object();
  engine::Value groups;
  for (const auto& [key, value] : doc.members()) {
    if (key == "condition") {
      condition = &value;
    } else if (key == "attributes") {
      attributes = value.is_null() ? engine::Value::Object() : value;
    } else if (key == "groups") {
      groups = value.is_null() ? engine::Value::Object() : value;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown key \"", key,
                       "\" (expected condition, attributes, groups)"));
    }
  }
  if (condition == nullptr) {
    return absl::InvalidArgumentError("missing \"condition\"");
  }
  return Evaluate(*condition, attributes, groups, "");
}

int RunMatch(const MatchOptions& options, std::istream& in, std::ostream& out,
             std::ostream& err) {
  if (!options.batch) {
    absl::StatusOr<bool> matched = MatchFromFlags(options);
    if (!matched.ok()) return ReportUsageError(err, matched.status());
    out << (*matched ? "true" : "false") << "\n";
    out.flush();
    return kExitOk;
  }
  if (options.condition.has_value() || options.attributes.has_value() ||
      options.groups.has_value()) {
    return ReportUsageError(
        err,
        "--batch reads condition, attributes and groups from stdin; do not "
        "pass --condition, --attributes or --groups with it");
  }
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view text = StripLine(line);
    if (text.empty()) continue;
    absl::StatusOr<bool> matched = MatchBatchLine(text);
    if (matched.ok()) {
      out << (*matched ? "true" : "false") << "\n";
    } else {
      engine::Value error = engine::Value::Object();
      error.Set("error", engine::Value(ValidUtf8(matched.status().message())));
      out << engine::ToJson(error) << "\n";
    }
    // One answer per line as soon as it is known, so a caller can drive the
    // batch interactively through a pipe.
    out.flush();
  }
  return kExitOk;
}

}  // namespace cxlab::cli
