// Copyright 2026 The cxlab Authors.
//
// Helpers shared by the offline commands of the `cxlab` CLI: exit codes,
// flag parsing (JSON flags, --attr key=value, --id TYPE=ID, --now), path
// checks and loading definitions into a compiled snapshot.
//
// Every fallible helper returns InvalidArgument with a message that is ready
// to print after "cxlab: " and names the flag it came from, e.g.
//   "--attributes: line 1, column 2: expected a string object key".
//
// Thread-safety: all functions are reentrant; none keeps state.

#ifndef CXLAB_CLIENTS_CPP_CLI_CLI_UTIL_H_
#define CXLAB_CLIENTS_CPP_CLI_CLI_UTIL_H_

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/groups.h"
#include "engine/snapshot.h"
#include "engine/value.h"

namespace cxlab::cli {

// Process exit codes of every command.
inline constexpr int kExitOk = 0;
// `validate` found invalid definitions.
inline constexpr int kExitInvalidDefinitions = 1;
// An online command failed: the server answered with an error, could not be
// reached, or (apply) the definitions are invalid.
inline constexpr int kExitFailure = 1;
// Bad usage or input: a bad flag or JSON, an unreadable file, definitions
// that do not load for a command that needs them.
inline constexpr int kExitUsage = 2;

// Writes "cxlab: <message>" (one line) to `err` and returns kExitUsage.
int ReportUsageError(std::ostream& err, absl::string_view message);
int ReportUsageError(std::ostream& err, const absl::Status& status);

// Parses `text` as one JSON document; errors are prefixed with `flag`.
absl::StatusOr<engine::Value> ParseJsonFlag(absl::string_view flag,
                                            absl::string_view text);

// Parses a --attr value: JSON when it parses (numbers, true/false, null,
// arrays, objects, quoted strings), otherwise the text as a string.
engine::Value ParseAttrValue(absl::string_view text);

// Sets `value` at the dot path `dotted_key` ("a.b" sets {"a": {"b": ...}})
// inside the object `root`, creating intermediate objects. Fails when a key
// segment is empty or an intermediate member exists and is not an object.
absl::Status SetDottedKey(engine::Value& root, absl::string_view dotted_key,
                          engine::Value value);

// Builds visitor attributes: the object in `attributes_json` (when set, it
// must be a JSON object) with each "key=value" of `attrs` applied in order
// (see ParseAttrValue and SetDottedKey).
absl::StatusOr<engine::Value> BuildAttributes(
    const std::optional<std::string>& attributes_json,
    const std::vector<std::string>& attrs);

// Parses "TYPE=ID" pairs (--id). TYPE must be non-empty and unique.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseUnitIds(
    const std::vector<std::string>& ids);

// Converts a JSON object {group_key: [ids...]} into a GroupSet. `flag`
// prefixes error messages.
absl::StatusOr<engine::GroupSet> GroupsFromJson(absl::string_view flag,
                                                const engine::Value& doc);

// Parses an RFC 3339 time ("2026-03-01T12:00:00Z"); when `now` is unset,
// returns the current time from the system clock.
absl::StatusOr<absl::Time> ParseNow(const std::optional<std::string>& now);

// Formats `t` as RFC 3339 in UTC, to the second.
std::string FormatRfc3339(absl::Time t);

// Checks that `path` names a readable file or directory (before handing it
// to the definitions loader). `flag` prefixes the message.
absl::Status CheckReadablePath(absl::string_view flag, const std::string& path);

// Reads a whole file. NotFound / PermissionDenied style failures come back
// as InvalidArgument prefixed with `flag`.
absl::StatusOr<std::string> ReadFileToString(absl::string_view flag,
                                             const std::string& path);

// Loads, validates and compiles the definitions at `path` (a file or a
// directory). On failure writes the reason to `err` — every definition error
// one per line, then a one-line summary — and returns nullptr; the caller
// then exits with kExitUsage.
std::shared_ptr<const engine::ConfigSnapshot> LoadSnapshotOrReport(
    const std::string& path, std::ostream& err);

// Strips ASCII whitespace (including a trailing '\r') from both ends.
absl::string_view StripLine(absl::string_view line);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_CLI_UTIL_H_
