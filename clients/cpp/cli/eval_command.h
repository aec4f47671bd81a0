// Copyright 2026 The cxlab Authors.
//
// `cxlab eval`: which variant of every experiment one visitor (or each
// visitor of a file) sees, and why — offline, straight from definitions
// files, with the same engine the server uses.
//
//   EvalOptions options;
//   options.path = "experiments/";
//   options.unit = "visitor-42";
//   options.attrs = {"country=US", "cart.items=3"};
//   int code = RunEval(options, std::cout, std::cerr);
//
// Thread-safety: RunEval keeps no state; it reads the file system and, when
// `now` is unset, the system clock.

#ifndef CXLAB_CLIENTS_CPP_CLI_EVAL_COMMAND_H_
#define CXLAB_CLIENTS_CPP_CLI_EVAL_COMMAND_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/evaluator.h"
#include "engine/value.h"

namespace cxlab::cli {

struct EvalOptions {
  // A definitions file or a directory of them (-f).
  std::string path;
  // The unit id (--unit); exactly one of `unit` and `units_file` is set.
  std::optional<std::string> unit;
  // A file with one unit id per line (--units-file); blank lines skipped.
  std::optional<std::string> units_file;
  // The unit type of `unit` / the ids in `units_file` (--unit-type).
  std::string unit_type = "user";
  // Further unit ids, "TYPE=ID" (--id), e.g. "device=d-9".
  std::vector<std::string> ids;
  // Attributes as "key=value" (--attr); values parse as JSON when they can,
  // otherwise they are strings; "a.b=1" sets {"a": {"b": 1}}.
  std::vector<std::string> attrs;
  // A JSON object of attributes (--attributes); `attrs` apply on top.
  std::optional<std::string> attributes_json;
  // RFC 3339 evaluation time (--now); unset means the system clock.
  std::optional<std::string> now;
  // "table" or "json" (--output). A units file always prints NDJSON.
  std::string output = "table";
  // Include draft, paused and stopped experiments (--all).
  bool all = false;
};

// Evaluates the unit(s) against every running or launched experiment (every
// experiment with `all`) and prints the assignments to `out`:
//   table:  columns experiment, variant ("-" for none), reason
//   json:   {"unit":"u1","assignments":[{"experiment":"e","variant":"b",
//            "reason":"assigned","payload":{...}}, ...]}
//   units file: one such JSON object per line (NDJSON).
// Returns kExitOk, or kExitUsage after a one-line message on `err` for bad
// flags, unreadable files or definitions that do not load (then every
// definition error is printed first).
int RunEval(const EvalOptions& options, std::ostream& out, std::ostream& err);

// The JSON object RunEval prints for one unit: {"unit", "assignments"}.
engine::Value AssignmentsToJson(absl::string_view unit_id,
                                const std::vector<engine::Assignment>& list);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_EVAL_COMMAND_H_
