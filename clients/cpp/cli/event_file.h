// Copyright 2026 The cxlab Authors.
//
// Event files for `cxlab track -f`: NDJSON (one JSON object per line) or CSV
// (a header row, then one event per row) with the fields
//
//   id, unit_id, unit_type (default user), name, value, time (RFC 3339),
//   properties (a JSON object; in CSV a JSON text column)
//
// CSV columns other than these become string properties. Blank lines are
// skipped. A bad line does not stop the file: it is reported as
// "events.csv:7: value: must be a number, got 'abc'" and left out.
//
//   ASSIGN_OR_RETURN(ParsedEvents parsed, ReadEventsFile("events.ndjson"));
//
// Thread-safety: pure functions apart from ReadEventsFile's file read.

#ifndef CXLAB_CLIENTS_CPP_CLI_EVENT_FILE_H_
#define CXLAB_CLIENTS_CPP_CLI_EVENT_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cxlab/v1/events.pb.h"

namespace cxlab::cli {

struct ParsedEvents {
  std::vector<v1::Event> events;
  std::vector<int> lines;           // the 1-based source line of each event
  std::vector<std::string> errors;  // "file:line: field: rule", in order
};

// Parses NDJSON text; `filename` prefixes error messages.
ParsedEvents ParseEventsNdjson(absl::string_view text,
                               absl::string_view filename);

// Parses CSV text (RFC 4180 quoting; the first row names the columns).
// A header without unit_id or name is one error and no events.
ParsedEvents ParseEventsCsv(absl::string_view text, absl::string_view filename);

// Reads `path` and parses it by extension: .ndjson, .jsonl or .json as
// NDJSON, .csv as CSV. NOT_FOUND when unreadable; INVALID_ARGUMENT for any
// other extension.
absl::StatusOr<ParsedEvents> ReadEventsFile(const std::string& path);

}  // namespace cxlab::cli

#endif  // CXLAB_CLIENTS_CPP_CLI_EVENT_FILE_H_
