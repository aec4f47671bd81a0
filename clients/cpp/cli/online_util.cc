// Copyright 2026 The cxlab Authors.

#include "clients/cpp/cli/online_util.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "api/convert/value_convert.h"
#include "clients/cpp/cli/cli_util.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"

namespace cxlab::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A non-empty environment variable, or nullopt.
std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// "ExperimentStatus" -> "EXPERIMENT_STATUS_".
std::string EnumPrefix(absl::string_view type_name) {
  std::string prefix;
  for (size_t i = 0; i < type_name.size(); ++i) {
    char c = type_name[i];
    if (absl::ascii_isupper(c) && i > 0) prefix += '_';
    prefix += absl::ascii_toupper(c);
  }
  prefix += '_';
  return prefix;
}

std::string EnumValueLabel(const EnumValueDescriptor* value) {
  return EnumLabel(value->name(), EnumPrefix(value->type()->name()));
}

// The proto3 JSON of `message`, with map entries (Struct members included)
// sorted by key: MessageToJsonString prints maps in hash order, which differs
// between runs, so the message goes through deterministic serialisation.
std::string DeterministicJson(const Message& message,
                              bool preserve_proto_field_names) {
  static google::protobuf::util::TypeResolver* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com",
          google::protobuf::DescriptorPool::generated_pool());
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = preserve_proto_field_names;
  std::string json;
  if (!google::protobuf::util::BinaryToJsonString(
           resolver,
           absl::StrCat("type.googleapis.com/",
                        message.GetDescriptor()->full_name()),
           binary, &json, options)
           .ok()) {
    return "{}";
  }
  return json;
}

// A compact JSON rendering of a nested message (well-known types included:
// a Struct is an object, a Value any JSON value).
std::string NestedJson(const Message& message) {
  return DeterministicJson(message, /*preserve_proto_field_names=*/true);
}

std::string SingularValue(const Message& message, const Reflection& r,
                          const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return r.GetString(message, field);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r.GetBool(message, field) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(r.GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(r.GetInt64(message, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(r.GetUInt32(message, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(r.GetUInt64(message, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatDouble(r.GetDouble(message, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return FormatDouble(r.GetFloat(message, field));
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumValueLabel(r.GetEnum(message, field));
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& nested = r.GetMessage(message, field);
      if (nested.GetDescriptor()->full_name() == "google.protobuf.Timestamp") {
        return FormatTimestamp(
            static_cast<const google::protobuf::Timestamp&>(nested));
      }
      return NestedJson(nested);
    }
  }
  return "?";
}

std::string RepeatedValue(const Message& message, const Reflection& r,
                          const FieldDescriptor* field, int i) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return r.GetRepeatedString(message, field, i);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r.GetRepeatedBool(message, field, i) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(r.GetRepeatedInt32(message, field, i));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(r.GetRepeatedInt64(message, field, i));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(r.GetRepeatedUInt32(message, field, i));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(r.GetRepeatedUInt64(message, field, i));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatDouble(r.GetRepeatedDouble(message, field, i));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return FormatDouble(r.GetRepeatedFloat(message, field, i));
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumValueLabel(r.GetRepeatedEnum(message, field, i));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return NestedJson(r.GetRepeatedMessage(message, field, i));
  }
  return "?";
}

void AppendRows(const Message& message, const std::string& prefix,
                std::vector<std::vector<std::string>>& rows) {
  const Reflection& r = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string name = prefix + field->name();
    if (field->is_repeated()) {
      const int n = r.FieldSize(message, field);
      const bool one_row_each =
          field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
          field->message_type()->full_name() != "google.protobuf.Value";
      if (one_row_each) {
        for (int i = 0; i < n; ++i) {
          rows.push_back({absl::StrCat(name, "[", i, "]"),
                          RepeatedValue(message, r, field, i)});
        }
      } else {
        std::vector<std::string> items;
        for (int i = 0; i < n; ++i) {
          items.push_back(RepeatedValue(message, r, field, i));
        }
        rows.push_back({name, absl::StrJoin(items, ", ")});
      }
      continue;
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        field->name() == "meta") {
      AppendRows(r.GetMessage(message, field), name + ".", rows);
      continue;
    }
    rows.push_back({name, SingularValue(message, r, field)});
  }
}

}  // namespace

std::string ResolveServer(const GlobalOptions& global) {
  if (global.server.has_value()) return *global.server;
  if (std::optional<std::string> env = Env("CXLAB_SERVER")) return *env;
  return kDefaultServer;
}

bool ServerNamed(const GlobalOptions& global) {
  return global.server.has_value() || Env("CXLAB_SERVER").has_value();
}

absl::StatusOr<std::string> ResolveKey(const GlobalOptions& global) {
  if (global.key.has_value()) return *global.key;
  if (global.key_file.has_value()) {
    absl::StatusOr<std::string> text =
        ReadFileToString("--key-file", *global.key_file);
    if (!text.ok()) return text.status();
    return std::string(absl::StripAsciiWhitespace(*text));
  }
  if (std::optional<std::string> env = Env("CXLAB_KEY")) return *env;
  return std::string();
}

int ConnectOrReport(const GlobalOptions& global, std::ostream& err,
                    std::unique_ptr<client::Client>* client) {
  absl::StatusOr<std::string> key = ResolveKey(global);
  if (!key.ok()) return ReportUsageError(err, key.status());
  const std::string server = ResolveServer(global);
  client::TlsFiles tls;
  if (global.tls_ca.has_value()) {
    tls.ca_file = *global.tls_ca;
  } else if (const char* env = std::getenv("CXLAB_TLS_CA");
             env != nullptr && *env != '\0') {
    tls.ca_file = env;
  }
  tls.cert_file = global.tls_cert.value_or("");
  tls.key_file = global.tls_key.value_or("");
  absl::StatusOr<std::unique_ptr<client::Client>> connected =
      client::Client::Connect(server, *key, global.timeout, tls);
  if (!connected.ok()) {
    if (absl::IsInvalidArgument(connected.status())) {
      const absl::string_view message = connected.status().message();
      return ReportUsageError(
          err, absl::StrCat(message, " (",
                            absl::StartsWith(message, "key")
                                ? "--key, --key-file or CXLAB_KEY"
                            : absl::StartsWith(message, "tls")
                                ? "--tls-ca, --tls-cert, --tls-key"
                                : "--server or CXLAB_SERVER",
                            ")"));
    }
    // "cannot reach SERVER: ..." (gRPC's reason may span lines).
    std::vector<absl::string_view> lines =
        absl::StrSplit(connected.status().message(), '\n', absl::SkipEmpty());
    for (absl::string_view line : lines) err << "cxlab: " << line << "\n";
    err.flush();
    return kExitFailure;
  }
  *client = *std::move(connected);
  return kExitOk;
}

absl::Status BuildUnit(const std::string& unit_id,
                       const std::string& unit_type,
                       const std::vector<std::string>& ids,
                       const std::optional<std::string>& attributes_json,
                       const std::vector<std::string>& attrs, v1::Unit* unit) {
  unit->set_unit_id(unit_id);
  unit->set_unit_type(unit_type);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> parsed =
      ParseUnitIds(ids);
  if (!parsed.ok()) return parsed.status();
  const std::string primary = unit_type.empty() ? "user" : unit_type;
  for (const auto& [type, id] : *parsed) {
    if (type == primary) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--id ", type, "=", id, ": the unit type of --unit is ", type));
    }
    (*unit->mutable_ids())[type] = id;
  }
  absl::StatusOr<engine::Value> attributes =
      BuildAttributes(attributes_json, attrs);
  if (!attributes.ok()) return attributes.status();
  return api::ToProtoStruct(*attributes, unit->mutable_attributes());
}

int ReportServerError(std::ostream& err, const absl::Status& status) {
  const std::string code = absl::StatusCodeToString(status.code());
  std::vector<absl::string_view> lines =
      absl::StrSplit(status.message(), '\n', absl::SkipEmpty());
  if (lines.empty()) lines.push_back("(no message)");
  for (absl::string_view line : lines) {
    err << "cxlab: " << code << ": " << line << "\n";
  }
  err.flush();
  return kExitFailure;
}

std::string ToJsonLine(const google::protobuf::Message& message) {
  return DeterministicJson(message, /*preserve_proto_field_names=*/false);
}

void PrintTable(const std::vector<std::vector<std::string>>& rows,
                std::ostream& out) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) {
      width[c] = std::max(width[c], row[c].empty() ? 1 : row[c].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string& cell = row[c].empty() ? "-" : row[c];
      line += cell;
      if (c + 1 < row.size()) {
        line += std::string(width[c] - cell.size() + 2, ' ');
      }
    }
    out << line << "\n";
  }
}

void PrintMessageTable(const google::protobuf::Message& message,
                       std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  AppendRows(message, "", rows);
  PrintTable(rows, out);  // no header: the rows are the fields
}

std::string EnumLabel(absl::string_view name, absl::string_view prefix) {
  if (absl::StartsWith(name, prefix)) name.remove_prefix(prefix.size());
  return absl::AsciiStrToLower(name);
}

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ",
                          absl::FromUnixSeconds(timestamp.seconds()),
                          absl::UTCTimeZone());
}

std::string FormatDouble(double value) { return absl::StrFormat("%g", value); }

}  // namespace cxlab::cli
