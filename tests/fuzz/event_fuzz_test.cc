// Copyright 2026 The cxlab Authors.
//
// Fuzz target "event": validation of tracked events at the API edge
// (api/convert/event_convert.h) and what the event pipeline then does with
// an accepted event (engine/metrics.h OnExposure / OnEvent / Delta) for one
// metric of every type.
//
// Input: one v1::Event in the proto3 JSON mapping, as POST /v1/events
// carries it (an element of "events"):
//
//   {"eventId": "e-1", "unitId": "visitor-42", "name": "purchase",
//    "value": 59.9, "time": "2026-05-28T10:00:00Z",
//    "properties": {"plan": "pro", "amount": 59.9}}
//
// Input that is not such JSON is tried as the binary protobuf encoding.
//
// Properties checked besides "no crash, no sanitizer report":
//   - an accepted event has an id, unit id and name within their limits, a
//     finite value, a time in [2000-01-01, now + 24 h] and object
//     properties;
//   - the pipeline's unit states stay finite for values of a sane
//     magnitude, and every delta equals Contribution(after) -
//     Contribution(before).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/convert/event_convert.h"
#include "cxlab/v1/events.pb.h"
#include "engine/definitions.h"
#include "engine/groups.h"
#include "engine/json.h"
#include "engine/metrics.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/json_util.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace engine = cxlab::engine;

// One compiled metric per type, reading "purchase" events (the mean metric
// reads the "amount" property; the ratio's denominator is "visit").
const std::vector<engine::CompiledMetric>& Metrics() {
  static const auto* metrics = [] {
    auto* out = new std::vector<engine::CompiledMetric>();
    const engine::MetricType types[] = {
        engine::MetricType::kBinomial, engine::MetricType::kCount,
        engine::MetricType::kMean,     engine::MetricType::kRatio,
        engine::MetricType::kNps,      engine::MetricType::kCsat,
        engine::MetricType::kCes,      engine::MetricType::kScore,
        engine::MetricType::kDuration, engine::MetricType::kRetention};
    for (engine::MetricType type : types) {
      engine::MetricDef def;
      def.key = "m";
      def.type = type;
      def.event = "purchase";
      if (type == engine::MetricType::kMean) {
        def.value_property = "amount";
        def.cap = 500;
      }
      if (type == engine::MetricType::kRatio) def.denominator_event = "visit";
      if (type == engine::MetricType::kRetention) def.retention_hours = 24;
      if (type == engine::MetricType::kCount) {
        def.filter = *engine::ParseJson(R"({"plan": {"$in": ["pro", 1]}})");
      }
      def.window_hours = type == engine::MetricType::kBinomial ? 72 : 0;
      absl::StatusOr<engine::CompiledMetric> m =
          engine::CompiledMetric::Compile(def);
      FUZZ_CHECK(m.ok(), std::string(m.status().message()));
      out->push_back(*std::move(m));
    }
    return out;
  }();
  return *metrics;
}

bool Finite(const engine::UnitMetricState& s) {
  return std::isfinite(s.sum) && std::isfinite(s.den_sum) &&
         std::isfinite(s.pre);
}

void CheckDelta(const engine::CompiledMetric& m,
                const engine::UnitMetricState& before,
                const engine::Transition& t) {
  const engine::SufficientStats expected =
      engine::Delta(m, before, t.state);
  // Bit-identical: the pipeline and `cxlab verify` must agree exactly.
  FUZZ_CHECK(expected.Encode() == t.delta.Encode(),
             "delta differs from Delta(before, after)");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Protobuf logs every invalid UTF-8 string it parses; silence it.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  if (size > 64 * 1024) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  cxlab::v1::Event event;
  google::protobuf::util::JsonParseOptions options;
  if (!google::protobuf::util::JsonStringToMessage(
           google::protobuf::StringPiece(text.data(), text.size()), &event,
           options)
           .ok()) {
    event.Clear();
    if (!event.ParseFromArray(data, static_cast<int>(size))) return 0;
  }

  const absl::Time now = absl::FromUnixSeconds(1780000000);  // 2026-05-28
  absl::StatusOr<cxlab::api::TrackedEvent> tracked =
      cxlab::api::FromProto(event, now, "events[0]");
  if (!tracked.ok()) {
    FUZZ_CHECK(absl::StartsWith(tracked.status().message(), "events[0]."),
               "error does not name the field: " +
                   std::string(tracked.status().message()));
    return 0;
  }
  const cxlab::api::TrackedEvent& e = *tracked;
  FUZZ_CHECK(!e.event_id.empty() &&
                 e.event_id.size() <= cxlab::api::kMaxEventIdBytes,
             "event_id out of limits");
  FUZZ_CHECK(!e.unit_id.empty(), "empty unit_id");
  FUZZ_CHECK(!e.unit_type.empty(), "empty unit_type");
  FUZZ_CHECK(!e.name.empty() && e.name.size() <= cxlab::api::kMaxEventNameBytes,
             "name out of limits");
  FUZZ_CHECK(std::isfinite(e.value), "non-finite value accepted");
  FUZZ_CHECK(e.time >= cxlab::api::EarliestEventTime() &&
                 e.time <= now + absl::Hours(24),
             "time out of range accepted");
  FUZZ_CHECK(e.properties.is_object(), "properties is not an object");
  (void)engine::ToJson(e.properties);

  // The pipeline: expose the unit an hour before the event, then apply it
  // twice (the same event arriving under two ids).
  engine::MetricEvent me;
  me.name = e.name;
  me.value = e.value;
  me.time = e.time;
  me.properties = &e.properties;
  const engine::GroupSet groups;
  const absl::Time exposed = e.time - absl::Hours(1);
  for (const engine::CompiledMetric& m : Metrics()) {
    for (absl::string_view name : {absl::string_view(e.name),
                                   absl::string_view("purchase"),
                                   absl::string_view("visit")}) {
      me.name = std::string(name);
      engine::Transition t = engine::OnExposure(m, {}, /*pre=*/2.5);
      CheckDelta(m, {}, t);
      for (int i = 0; i < 2; ++i) {
        const engine::UnitMetricState before = t.state;
        absl::StatusOr<engine::Transition> next =
            engine::OnEvent(m, before, exposed, me, groups);
        if (!next.ok()) break;
        t = *std::move(next);
        CheckDelta(m, before, t);
        if (std::fabs(e.value) < 1e100) {
          FUZZ_CHECK(Finite(t.state), "unit state became non-finite");
        }
        engine::UnitMetricState decoded;
        FUZZ_CHECK(engine::UnitMetricState::Decode(t.state.Encode(), &decoded) &&
                       decoded == t.state,
                   "unit state does not survive Encode/Decode");
      }
    }
  }
  return 0;
}
