// Copyright 2026 The cxlab Authors.
//
// `cxlab match`: evaluates a targeting condition against attributes, once
// (flags) or for every line of NDJSON on stdin (--batch). The condition is
// compiled in strict mode, as definitions are.
//
//   cxlab match --condition '{"age": {"$gte": 18}}' --attributes '{"age": 30}'
//   true
//
//   printf '%s\n' '{"condition":{"a":1},"attributes":{"a":1}}' '{' |
//     cxlab match --batch
//   true
//   {"error":"line 1, column 2: ..."}
//
// Thread-safety: RunMatch keeps no state.

#ifndef CXLAB_CLIENTS_CPP_CLI_MATCH_COMMAND_H_
#define CXLAB_CLIENTS_CPP_CLI_MATCH_COMMAND_H_

#include <istream>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cxlab::cli {

struct MatchOptions {
  // The condition document, a JSON object (--condition).
  std::optional<std::string> condition;
  // The attributes, a JSON object (--attributes).
  std::optional<std::string> attributes;
  // Named id lists, a JSON object {group_key: [ids...]} (--groups).
  std::optional<std::string> groups;
  // Read {"condition","attributes","groups"} lines from `in` (--batch).
  bool batch = false;
};

// Single mode: prints "true" or "false" to `out` and returns kExitOk;
// returns kExitUsage after a one-line message on `err` when a flag is
// missing, is not valid JSON or the condition does not compile.
// Batch mode: for every non-blank line of `in` prints one line to `out`:
// "true", "false" or {"error":"..."}; a bad line never stops the batch.
// Returns kExitOk (kExitUsage only for conflicting flags).
int RunMatch(const MatchOptions& options, std::istream& in, std::ostream& out,
             std::ostream& err);

// Evaluates one batch line (a JSON object with "condition" and optionally
// "attributes" and "groups"). Returns the match result, or InvalidArgument
// describing why the line is bad.
absl::StatusOr<bool> MatchBatchLine(absl::string_view line);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_MATCH_COMMAND_H_
