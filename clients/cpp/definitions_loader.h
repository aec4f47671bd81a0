// Copyright 2026 The cxlab Authors.
//
// Definitions loader: reads experiment, segment, group, metric, layer,
// holdout and slot definitions from YAML (or JSON) files into
// engine::Definitions and reports every problem as "file:line field:
// message".
//
// A definitions file holds one or more documents. In YAML they are separated
// by `---`; a document may also be a list of definitions. A JSON file holds
// one object or an array of objects (yaml-cpp parses JSON, so both go through
// the same code). Every definition names its `kind` and then the fields of
// the matching engine struct, spelled exactly as the struct members:
//
//   kind: experiment
//   key: checkout_one_page
//   status: running
//   variants:
//     - {key: control, weight: 0.5}
//     - {key: one_page, weight: 0.5, payload: {layout: single}}
//   schedule: {start: 2026-03-01T00:00:00Z}   # -> ExperimentDef::start/end
//   ---
//   kind: slot
//   key: home.hero
//   default_content: {headline: Welcome}
//   rules:
//     - {key: runners, segments: [runners], priority: 10,
//        content: {headline: Run further}, start: 2026-03-01T00:00:00Z}
//
//   LoadResult r = LoadDefinitions("experiments");
//   if (!r.ok()) {
//     for (const LoadError& e : r.errors) std::cerr << e.ToString() << "\n";
//   }
//
// A document of `kind: scenario` is a simulation scenario (read by `cxlab
// simulate --scenario`, see docs/simulator.md), not a definition: it is
// skipped without an error, so scenarios may live under a definitions
// directory (experiments/scenarios/) that `validate` and `apply` walk.
//
// Scalars inside `condition`, `payload`, `filter`, `content`,
// `default_content` and group `ids` follow the YAML 1.2 core schema: a
// quoted scalar is always a string; a plain one is null (~, null, empty), a
// boolean (true/false), a number (decimal, 0x hex, 0o octal, floats, .inf,
// .nan) or else a string. Dates stay strings.
//
// Thread-safety: the functions below keep no state between calls; concurrent
// calls are safe as long as each uses its own LoadResult.

#ifndef CXLAB_CLIENTS_CPP_DEFINITIONS_LOADER_H_
#define CXLAB_CLIENTS_CPP_DEFINITIONS_LOADER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/definitions.h"

namespace cxlab::client {

// One problem in a definitions file: a syntax error, a shape error (unknown
// field, wrong type) or a validation error mapped back to its source line.
// A plain value; no internal synchronisation.
struct LoadError {
  std::string file;     // path as the caller spelled it ("experiments/a.yaml")
  int line = 0;         // 1-based; 0 when unknown (e.g. an unreadable file)
  std::string field;    // path inside the definition ("variants[1].weight")
  std::string message;  // what is wrong

  // "<file>:<line> <field>: <message>", e.g.
  //   experiments/checkout.yaml:14 variants[1].weight: weights must sum to 1,
  //   got 0.9
  // ":<line>" is omitted when line is 0 (then the file is followed by ": "),
  // "<field>: " when field is empty.
  std::string ToString() const;
};

// The outcome of loading definitions. `defs` holds everything that could be
// read even when there are errors; only use it when ok(). A plain value; no
// internal synchronisation.
struct LoadResult {
  engine::Definitions defs;
  std::vector<LoadError> errors;   // parse and validation errors, in file order
  std::vector<std::string> files;  // files read, in order
  bool ok() const { return errors.empty(); }
};

// Parses one file's text and appends its definitions to `result.defs`.
// `filename` only labels errors. Syntax errors (reported with the line of
// yaml-cpp's mark), unknown kinds, unknown or duplicate fields and wrong
// types are appended to `result.errors`; every error is reported, not just
// the first. A definition with a shape error is still appended (with the
// broken field left at its default) unless its kind is missing or unknown.
// Does NOT run engine::ValidateDefinitions and does not touch
// `result.files`. Never throws. Reentrant: concurrent calls are safe when
// each has its own `result`; `text` is only read during the call.
void ParseDefinitionsText(absl::string_view text, absl::string_view filename,
                          LoadResult& result);

// Loads `path`: a file (whatever its extension), or a directory searched
// recursively for *.yaml, *.yml and *.json files (extension compared
// case-insensitively; other files are ignored), read in sorted path order so
// the result is deterministic. File names in errors and in `files` are
// `path` joined with the path below it ("experiments/checkout.yaml").
//
// After parsing, runs engine::ValidateDefinitions and maps each error back to
// the file and line of its field (the nearest enclosing field that exists in
// the file, else the definition's first line). Validation is skipped when the
// set is incomplete (a missing path, an unreadable file or a YAML syntax
// error), since cross references would then fail spuriously; validation
// errors about a field that already has a parse error are dropped for the
// same reason. A missing path or an unreadable file is a LoadError naming
// it. Errors are sorted by file (in `files` order) and line. Never throws.
// Reentrant; reads the file system, keeps no state.
LoadResult LoadDefinitions(const std::string& path);

}  // namespace cxlab::client

#endif  // CXLAB_CLIENTS_CPP_DEFINITIONS_LOADER_H_
