// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/cli_util.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/cpp/definitions_loader.h"
#include "engine/json.h"

namespace cxlab::cli {
namespace {

// Replaces line breaks so a message always prints as one line.
std::string OneLine(absl::string_view message) {
  std::string s(message);
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

// The member `key` of the object `obj`, or nullptr.
engine::Value* FindMutable(engine::Value& obj, absl::string_view key) {
  for (auto& member : obj.mutable_members()) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

}  // namespace

int ReportUsageError(std::ostream& err, absl::string_view message) {
  err << "cxlab: " << OneLine(message) << "\n";
  err.flush();
  return kExitUsage;
}

int ReportUsageError(std::ostream& err, const absl::Status& status) {
  return ReportUsageError(err, status.message());
}

absl::StatusOr<engine::Value> ParseJsonFlag(absl::string_view flag,
                                            absl::string_view text) {
  absl::StatusOr<engine::Value> v = engine::ParseJson(text);
  if (!v.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", v.status().message()));
  }
  return v;
}

engine::Value ParseAttrValue(absl::string_view text) {
  absl::StatusOr<engine::Value> v = engine::ParseJson(text);
  if (v.ok()) return *std::move(v);
  return engine::Value(text);
}

absl::Status SetDottedKey(engine::Value& root, absl::string_view dotted_key,
                          engine::Value value) {
  std::vector<absl::string_view> parts = absl::StrSplit(dotted_key, '.');
  for (absl::string_view part : parts) {
    if (part.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("empty key segment in \"", dotted_key, "\""));
    }
  }
  if (!root.is_object()) root = engine::Value::Object();
  engine::Value* node = &root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    engine::Value* child = FindMutable(*node, parts[i]);
    if (child == nullptr) {
      node->Set(parts[i], engine::Value::Object());
      child = FindMutable(*node, parts[i]);
    } else if (!child->is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot set \"", dotted_key, "\": \"",
                       absl::StrJoin(parts.begin(), parts.begin() + i + 1, "."),
                       "\" is a ", child->TypeName(), ", not an object"));
    }
    node = child;
  }
  node->Set(parts.back(), std::move(value));
  return absl::OkStatus();
}

absl::StatusOr<engine::Value> BuildAttributes(
    const std::optional<std::string>& attributes_json,
    const std::vector<std::string>& attrs) {
  engine::Value attributes = engine::Value::Object();
  if (attributes_json.has_value()) {
    absl::StatusOr<engine::Value> doc =
        ParseJsonFlag("--attributes", *attributes_json);
    if (!doc.ok()) return doc.status();
    if (!doc->is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--attributes: must be a JSON object, got ", doc->TypeName()));
    }
    attributes = *std::move(doc);
  }
  for (const std::string& attr : attrs) {
    size_t eq = attr.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--attr ", attr, ": expected key=value"));
    }
    absl::string_view key(attr.data(), eq);
    absl::string_view text(attr.data() + eq + 1, attr.size() - eq - 1);
    absl::Status s = SetDottedKey(attributes, key, ParseAttrValue(text));
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--attr ", attr, ": ", s.message()));
    }
  }
  return attributes;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseUnitIds(
    const std::vector<std::string>& ids) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& id : ids) {
    size_t eq = id.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--id ", id, ": expected TYPE=ID"));
    }
    std::string type = id.substr(0, eq);
    for (const auto& existing : out) {
      if (existing.first == type) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--id ", id, ": unit type \"", type, "\" given more than once"));
      }
    }
    out.emplace_back(std::move(type), id.substr(eq + 1));
  }
  return out;
}

absl::StatusOr<engine::GroupSet> GroupsFromJson(absl::string_view flag,
                                                const engine::Value& doc) {
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": must be a JSON object {group: [ids...]}, got ",
                     doc.TypeName()));
  }
  engine::GroupSet groups;
  for (const auto& [key, ids] : doc.members()) {
    if (!ids.is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, ".", key, ": must be an array of ids, got ", ids.TypeName()));
    }
    groups.Add(key, ids.items());
  }
  return groups;
}

absl::StatusOr<absl::Time> ParseNow(const std::optional<std::string>& now) {
  if (!now.has_value()) return absl::Now();
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, *now, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--now ", *now,
                     ": expected an RFC 3339 time such as "
                     "2026-03-01T12:00:00Z (",
                     error, ")"));
  }
  return t;
}

std::string FormatRfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

absl::Status CheckReadablePath(absl::string_view flag,
                               const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": empty path"));
  }
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", path, ": ",
        ec ? ec.message() : std::string("no such file or directory")));
  }
  if (fs::is_directory(st)) {
    fs::directory_iterator it(path, ec);
    if (ec) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, " ", path, ": cannot read directory: ", ec.message()));
    }
    return absl::OkStatus();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": cannot open file for reading"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileToString(absl::string_view flag,
                                             const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": is a directory, expected a file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": cannot open file for reading"));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": read error"));
  }
  return buffer.str();
}

std::shared_ptr<const engine::ConfigSnapshot> LoadSnapshotOrReport(
    const std::string& path, std::ostream& err) {
  absl::Status readable = CheckReadablePath("-f", path);
  if (!readable.ok()) {
    ReportUsageError(err, readable);
    return nullptr;
  }
  client::LoadResult loaded = client::LoadDefinitions(path);
  if (!loaded.ok()) {
    for (const client::LoadError& e : loaded.errors) {
      err << e.ToString() << "\n";
    }
    ReportUsageError(err, absl::StrCat("invalid definitions in ", path, ": ",
                                       loaded.errors.size(), " error",
                                       loaded.errors.size() == 1 ? "" : "s"));
    return nullptr;
  }
  absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> snapshot =
      engine::ConfigSnapshot::Build(std::move(loaded.defs));
  if (!snapshot.ok()) {
    // The loader validated already; Build() re-validates and compiles, so
    // this is a disagreement between the two. Print every line it reports.
    std::vector<absl::string_view> lines =
        absl::StrSplit(snapshot.status().message(), '\n', absl::SkipEmpty());
    for (absl::string_view line : lines) err << line << "\n";
    ReportUsageError(err, absl::StrCat("cannot compile definitions in ", path));
    return nullptr;
  }
  return *std::move(snapshot);
}

absl::string_view StripLine(absl::string_view line) {
  return absl::StripAsciiWhitespace(line);
}

}  // namespace cxlab::cli
