// Copyright 2026 The cxlab Authors.
//
// Validation and conversion of tracked events (events.proto) at the edge.
// Every rule names the field, with the caller's path prefix:
//
//   events[3].event_id: must not be empty
//   events[3].value: must be a finite number, got nan
//   events[3].time: more than 24 hours in the future (2027-01-01T00:00:00Z)
//   events[3].properties: must be at most 16 KiB, got 20480 bytes
//
//   ASSIGN_OR_RETURN(TrackedEvent e, FromProto(request.events(i), now,
//                                              absl::StrCat("events[", i, "]")));
//
// Thread-safety: pure functions (the clock is a parameter).

#ifndef CXLAB_API_CONVERT_EVENT_CONVERT_H_
#define CXLAB_API_CONVERT_EVENT_CONVERT_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cxlab/v1/events.pb.h"
#include "engine/value.h"

namespace cxlab::api {

// Limits of one event.
inline constexpr size_t kMaxEventIdBytes = 256;
inline constexpr size_t kMaxEventNameBytes = 256;
inline constexpr size_t kMaxEventPropertiesBytes = 16 * 1024;
inline constexpr int kMaxEventsPerTrack = 10000;

// A validated event.
struct TrackedEvent {
  std::string event_id;
  std::string unit_type;  // "user" when the request left it empty
  std::string unit_id;
  std::string name;
  double value = 0;
  absl::Time time;        // the request's time, or `now` when unset
  engine::Value properties;  // an object (empty when unset)
};

// The earliest event time accepted.
absl::Time EarliestEventTime();

// Validates and converts one event received at `now`. Checked in order:
// event_id (non-empty, at most 256 bytes), unit_id (non-empty, at most 1,024
// bytes), name (non-empty, at most 256 bytes), value (finite), time (not
// before 2000-01-01, not more than 24 hours after `now`), properties (at
// most 16 KiB serialised, 32 levels deep). InvalidArgument
// "<field>.<member>: <rule>" on the first violation.
absl::StatusOr<TrackedEvent> FromProto(const v1::Event& event, absl::Time now,
                                       absl::string_view field);

}  // namespace cxlab::api

#endif  // CXLAB_API_CONVERT_EVENT_CONVERT_H_
