// Copyright 2026 The cxlab Authors.

#include "api/convert/event_convert.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "api/convert/convert.h"
#include "api/convert/value_convert.h"
#include "engine/status_macros.h"

namespace cxlab::api {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view member,
                     absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ".", member, ": ", rule));
}

absl::Status CheckText(absl::string_view field, absl::string_view member,
                       const std::string& text, size_t max_bytes) {
  if (text.empty()) return Invalid(field, member, "must not be empty");
  if (text.size() > max_bytes) {
    return Invalid(field, member,
                   absl::StrCat("must be at most ", max_bytes, " bytes"));
  }
  return absl::OkStatus();
}

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

absl::Time EarliestEventTime() {
  return absl::FromCivil(absl::CivilSecond(2000, 1, 1, 0, 0, 0),
                         absl::UTCTimeZone());
}

absl::StatusOr<TrackedEvent> FromProto(const v1::Event& event, absl::Time now,
                                       absl::string_view field) {
  RETURN_IF_ERROR(
      CheckText(field, "event_id", event.event_id(), kMaxEventIdBytes));
  RETURN_IF_ERROR(CheckText(field, "unit_id", event.unit_id(), kMaxUnitIdBytes));
  if (event.unit_type().size() > kMaxUnitIdBytes) {
    return Invalid(field, "unit_type",
                   absl::StrCat("must be at most ", kMaxUnitIdBytes, " bytes"));
  }
  if (event.unit_id().find('\0') != std::string::npos) {
    return Invalid(field, "unit_id", "must not contain NUL");
  }
  if (event.unit_type().find('\0') != std::string::npos) {
    return Invalid(field, "unit_type", "must not contain NUL");
  }
  RETURN_IF_ERROR(CheckText(field, "name", event.name(), kMaxEventNameBytes));
  if (!std::isfinite(event.value())) {
    return Invalid(field, "value",
                   absl::StrFormat("must be a finite number, got %g",
                                   event.value()));
  }
  TrackedEvent out;
  out.time = now;
  if (event.has_time()) {
    ASSIGN_OR_RETURN(out.time, FromProtoTimestamp(event.time(),
                                                  absl::StrCat(field, ".time")));
    if (out.time < EarliestEventTime()) {
      return Invalid(field, "time",
                     absl::StrCat("before 2000-01-01 (", FormatUtc(out.time),
                                  ")"));
    }
    if (out.time > now + absl::Hours(24)) {
      return Invalid(field, "time",
                     absl::StrCat("more than 24 hours in the future (",
                                  FormatUtc(out.time), ")"));
    }
  }
  if (event.has_properties()) {
    size_t size = event.properties().ByteSizeLong();
    if (size > kMaxEventPropertiesBytes) {
      return Invalid(field, "properties",
                     absl::StrCat("must be at most 16 KiB, got ", size,
                                  " bytes"));
    }
    ASSIGN_OR_RETURN(out.properties,
                     FromProtoStruct(event.properties(),
                                     absl::StrCat(field, ".properties")));
  } else {
    out.properties = engine::Value::Object();
  }
  out.event_id = event.event_id();
  out.unit_type = event.unit_type().empty() ? "user" : event.unit_type();
  out.unit_id = event.unit_id();
  out.name = event.name();
  out.value = event.value();
  return out;
}

}  // namespace cxlab::api
