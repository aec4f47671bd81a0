// Copyright 2026 The cxlab Authors.

#include "api/convert/value_convert.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

namespace cxlab::api {
namespace {

namespace pb = ::google::protobuf;

// Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z since the epoch.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
constexpr int32_t kMaxTimestampNanos = 999999999;

using FieldEntry = pb::MapPair<std::string, pb::Value>;

bool FromValueAt(const pb::Value& in, int depth, engine::Value& out);

// Converts the members of `in` (at container depth `depth`, which the caller
// checked) into the object `out`, sorted by key.
bool FromStructAt(const pb::Struct& in, int depth, engine::Value& out) {
  out = engine::Value::Object();
  const auto& fields = in.fields();
  if (fields.empty()) return true;
  absl::InlinedVector<const FieldEntry*, 16> sorted;
  sorted.reserve(fields.size());
  for (const FieldEntry& entry : fields) sorted.push_back(&entry);
  if (sorted.size() > 1) {
    std::sort(sorted.begin(), sorted.end(),
              [](const FieldEntry* a, const FieldEntry* b) {
                return a->first < b->first;
              });
  }
  engine::Value::ObjectType& members = out.mutable_members();
  members.reserve(sorted.size());
  for (const FieldEntry* entry : sorted) {
    members.emplace_back(entry->first, engine::Value());
    if (!FromValueAt(entry->second, depth, members.back().second)) {
      return false;
    }
  }
  return true;
}

// Converts `in`, whose enclosing containers number `depth`, into `out`.
// False when a container would exceed kMaxProtoValueDepth.
bool FromValueAt(const pb::Value& in, int depth, engine::Value& out) {
  switch (in.kind_case()) {
    case pb::Value::kNullValue:
    case pb::Value::KIND_NOT_SET:
      out = engine::Value();
      return true;
    case pb::Value::kBoolValue:
      out = engine::Value(in.bool_value());
      return true;
    case pb::Value::kNumberValue: {
      const double n = in.number_value();
      out = std::isfinite(n) ? engine::Value(n) : engine::Value();
      return true;
    }
    case pb::Value::kStringValue:
      out = engine::Value(in.string_value());
      return true;
    case pb::Value::kStructValue:
      if (depth + 1 > kMaxProtoValueDepth) return false;
      return FromStructAt(in.struct_value(), depth + 1, out);
    case pb::Value::kListValue: {
      if (depth + 1 > kMaxProtoValueDepth) return false;
      const pb::ListValue& list = in.list_value();
      out = engine::Value::Array();
      engine::Value::ArrayType& items = out.mutable_items();
      items.resize(list.values_size());
      for (int i = 0; i < list.values_size(); ++i) {
        if (!FromValueAt(list.values(i), depth + 1, items[i])) return false;
      }
      return true;
    }
  }
  out = engine::Value();
  return true;
}

absl::Status TooDeep(absl::string_view field) {
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": nesting deeper than ", kMaxProtoValueDepth, " levels"));
}

void ToStruct(const engine::Value& object, pb::Struct* out);

void ToValue(const engine::Value& value, pb::Value* out) {
  switch (value.type()) {
    case engine::Value::Type::kNull:
      out->set_null_value(pb::NULL_VALUE);
      return;
    case engine::Value::Type::kBool:
      out->set_bool_value(value.as_bool());
      return;
    case engine::Value::Type::kNumber:
      if (std::isfinite(value.as_number())) {
        out->set_number_value(value.as_number());
      } else {
        out->set_null_value(pb::NULL_VALUE);
      }
      return;
    case engine::Value::Type::kString:
      out->set_string_value(value.as_string());
      return;
    case engine::Value::Type::kArray: {
      pb::ListValue* list = out->mutable_list_value();
      list->Clear();
      list->mutable_values()->Reserve(static_cast<int>(value.items().size()));
      for (const engine::Value& item : value.items()) {
        ToValue(item, list->add_values());
      }
      return;
    }
    case engine::Value::Type::kObject: {
      pb::Struct* object = out->mutable_struct_value();
      ToStruct(value, object);
      return;
    }
  }
}

void ToStruct(const engine::Value& object, pb::Struct* out) {
  auto* fields = out->mutable_fields();
  fields->clear();
  for (const engine::Value::Member& member : object.members()) {
    ToValue(member.second, &(*fields)[member.first]);
  }
}

}  // namespace

absl::StatusOr<engine::Value> FromProtoValue(const pb::Value& value,
                                             absl::string_view field) {
  engine::Value out;
  if (!FromValueAt(value, 0, out)) return TooDeep(field);
  return out;
}

absl::StatusOr<engine::Value> FromProtoStruct(const pb::Struct& object,
                                              absl::string_view field) {
  engine::Value out;
  if (!FromStructAt(object, 1, out)) return TooDeep(field);
  return out;
}

absl::StatusOr<engine::Value> FromOptionalStruct(bool has,
                                                 const pb::Struct& object,
                                                 absl::string_view field) {
  if (!has) return engine::Value();
  return FromProtoStruct(object, field);
}

void ToProtoValue(const engine::Value& value, pb::Value* out) {
  ToValue(value, out);
}

absl::Status ToProtoStruct(const engine::Value& object, pb::Struct* out) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an object, got ", object.TypeName()));
  }
  ToStruct(object, out);
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> FromProtoTimestamp(const pb::Timestamp& timestamp,
                                              absl::string_view field) {
  if (timestamp.seconds() < kMinTimestampSeconds ||
      timestamp.seconds() > kMaxTimestampSeconds || timestamp.nanos() < 0 ||
      timestamp.nanos() > kMaxTimestampNanos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": timestamp out of range"));
  }
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

void ToProtoTimestamp(absl::Time time, pb::Timestamp* out) {
  static const absl::Time kFirst = absl::FromUnixSeconds(kMinTimestampSeconds);
  static const absl::Time kLast = absl::FromUnixSeconds(kMaxTimestampSeconds) +
                                  absl::Nanoseconds(kMaxTimestampNanos);
  time = std::clamp(time, kFirst, kLast);
  // ToUnixSeconds rounds toward the past, so the remainder is in [0, 1s).
  const int64_t seconds = absl::ToUnixSeconds(time);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

}  // namespace cxlab::api
