// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/event_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "api/convert/value_convert.h"
#include "engine/json.h"

namespace cxlab::cli {
namespace {

// Fills one event from named string/JSON fields; returns "" or an error
// "field: rule".
class EventBuilder {
 public:
  std::string SetText(absl::string_view field, absl::string_view text,
                      v1::Event& e) {
    if (field == "id") {
      e.set_event_id(std::string(text));
    } else if (field == "unit_id") {
      e.set_unit_id(std::string(text));
    } else if (field == "unit_type") {
      e.set_unit_type(std::string(text));
    } else if (field == "name") {
      e.set_name(std::string(text));
    } else if (field == "value") {
      if (text.empty()) return "";
      double v;
      if (!absl::SimpleAtod(text, &v)) {
        return absl::StrCat("value: must be a number, got '", text, "'");
      }
      e.set_value(v);
    } else if (field == "time") {
      if (text.empty()) return "";
      absl::Time t;
      std::string err;
      if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &err)) {
        return absl::StrCat(
            "time: must be an RFC 3339 time such as 2026-11-01T12:00:00Z, got '",
            text, "'");
      }
      api::ToProtoTimestamp(t, e.mutable_time());
    } else if (field == "properties") {
      if (text.empty()) return "";
      absl::StatusOr<engine::Value> v = engine::ParseJson(text);
      if (!v.ok() || !v->is_object()) {
        return "properties: must be a JSON object";
      }
      absl::Status s = api::ToProtoStruct(*v, e.mutable_properties());
      if (!s.ok()) return std::string(s.message());
    } else {
      (*e.mutable_properties()->mutable_fields())[std::string(field)]
          .set_string_value(std::string(text));
    }
    return "";
  }
};

std::string FromJsonObject(const engine::Value& obj, v1::Event& e) {
  static constexpr absl::string_view kFields[] = {
      "id", "unit_id", "unit_type", "name", "value", "time", "properties"};
  for (const auto& [key, value] : obj.members()) {
    bool known = false;
    for (absl::string_view f : kFields) known = known || f == key;
    if (!known) return absl::StrCat("unknown field '", key, "'");
  }
  EventBuilder b;
  for (absl::string_view f : {"id", "unit_id", "unit_type", "name"}) {
    const engine::Value* v = obj.Find(f);
    if (v == nullptr || v->is_null()) continue;
    if (v->is_string()) {
      b.SetText(f, v->as_string(), e);
    } else if (v->is_number() && f != "name") {
      b.SetText(f, engine::FormatNumber(v->as_number()), e);
    } else {
      return absl::StrCat(f, ": must be a string");
    }
  }
  if (const engine::Value* v = obj.Find("value"); v != nullptr && !v->is_null()) {
    if (!v->is_number()) return "value: must be a number";
    e.set_value(v->as_number());
  }
  if (const engine::Value* v = obj.Find("time"); v != nullptr && !v->is_null()) {
    if (!v->is_string()) return "time: must be an RFC 3339 string";
    std::string err = b.SetText("time", v->as_string(), e);
    if (!err.empty()) return err;
  }
  if (const engine::Value* v = obj.Find("properties");
      v != nullptr && !v->is_null()) {
    if (!v->is_object()) return "properties: must be a JSON object";
    absl::Status s = api::ToProtoStruct(*v, e.mutable_properties());
    if (!s.ok()) return std::string(s.message());
  }
  return "";
}

// Splits CSV text into rows of fields (RFC 4180). Records the 1-based line
// where each row starts.
std::vector<std::vector<std::string>> SplitCsv(absl::string_view text,
                                               std::vector<int>& row_lines) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  int line = 1, row_line = 1;
  auto end_row = [&]() {
    if (any || !field.empty() || !row.empty()) {
      row.push_back(field);
      rows.push_back(row);
      row_lines.push_back(row_line);
    }
    row.clear();
    field.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_row();
      ++line;
      row_line = line;
    } else {
      field.push_back(c);
    }
  }
  end_row();
  return rows;
}

}  // namespace

ParsedEvents ParseEventsNdjson(absl::string_view text,
                               absl::string_view filename) {
  ParsedEvents out;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    absl::StatusOr<engine::Value> obj = engine::ParseJson(line);
    std::string error;
    v1::Event e;
    if (!obj.ok()) {
      error = std::string(obj.status().message());
    } else if (!obj->is_object()) {
      error = "must be a JSON object";
    } else {
      error = FromJsonObject(*obj, e);
    }
    if (!error.empty()) {
      out.errors.push_back(absl::StrCat(filename, ":", line_no, ": ", error));
      continue;
    }
    out.events.push_back(std::move(e));
    out.lines.push_back(line_no);
  }
  return out;
}

ParsedEvents ParseEventsCsv(absl::string_view text,
                            absl::string_view filename) {
  ParsedEvents out;
  std::vector<int> row_lines;
  std::vector<std::vector<std::string>> rows = SplitCsv(text, row_lines);
  if (rows.empty()) return out;
  std::vector<std::string> header = rows[0];
  for (std::string& h : header) h = std::string(absl::StripAsciiWhitespace(h));
  bool has_unit = false, has_name = false;
  for (const std::string& h : header) {
    has_unit = has_unit || h == "unit_id";
    has_name = has_name || h == "name";
  }
  if (!has_unit || !has_name) {
    out.errors.push_back(absl::StrCat(
        filename, ":", row_lines[0],
        ": header: needs the columns unit_id and name (and usually id, value, "
        "time)"));
    return out;
  }
  EventBuilder b;
  for (size_t r = 1; r < rows.size(); ++r) {
    const std::vector<std::string>& row = rows[r];
    if (row.size() == 1 && absl::StripAsciiWhitespace(row[0]).empty()) continue;
    std::string error;
    if (row.size() != header.size()) {
      error = absl::StrCat("has ", row.size(), " columns, the header has ",
                           header.size());
    }
    v1::Event e;
    for (size_t c = 0; error.empty() && c < row.size(); ++c) {
      error = b.SetText(header[c], row[c], e);
    }
    if (!error.empty()) {
      out.errors.push_back(
          absl::StrCat(filename, ":", row_lines[r], ": ", error));
      continue;
    }
    out.events.push_back(std::move(e));
    out.lines.push_back(row_lines[r]);
  }
  return out;
}

absl::StatusOr<ParsedEvents> ReadEventsFile(const std::string& path) {
  bool csv = absl::EndsWithIgnoreCase(path, ".csv");
  bool ndjson = absl::EndsWithIgnoreCase(path, ".ndjson") ||
                absl::EndsWithIgnoreCase(path, ".jsonl") ||
                absl::EndsWithIgnoreCase(path, ".json");
  if (!csv && !ndjson) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": unknown event file type (use .ndjson, .jsonl, .json or .csv)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return csv ? ParseEventsCsv(buffer.str(), path)
             : ParseEventsNdjson(buffer.str(), path);
}

}  // namespace cxlab::cli
