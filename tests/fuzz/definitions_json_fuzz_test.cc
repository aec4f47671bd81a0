// Copyright 2026 The cxlab Authors.
//
// Fuzz target "definitions_json": the JSON codec of definitions
// (engine/definitions_codec.h), the form the server stores and the HTTP/gRPC
// API carries.
//
// Input: a first line naming the kind ("experiment", "segment", "group",
// "metric", "layer", "holdout" or "slot"; anything else reads as an
// experiment), then one JSON object:
//
//   metric
//   {"key": "revenue", "type": "mean", "event": "purchase", "cap": 500}
//
// The object is read with XFromJson; when that succeeds, the definition is
// validated (ValidateDefinitions on a set holding it alone) and, when valid,
// compiled into a snapshot.
//
// Properties checked besides "no crash, no sanitizer report":
//   - the codec reads back what it writes, and the round trip is stable
//     (X -> JSON -> X -> JSON gives the same text twice) when every number
//     in the input is finite, as definitions_codec.h promises;
//   - a definition that passes ValidateDefinitions builds a snapshot.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "engine/definitions.h"
#include "engine/definitions_codec.h"
#include "engine/json.h"
#include "engine/snapshot.h"
#include "tests/fuzz/finite_value.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace engine = cxlab::engine;

using ::cxlab::fuzz::AllFinite;

template <typename T, typename ToJsonFn, typename FromJsonFn,
          typename AddFn>
void Run(absl::string_view json, ToJsonFn to_json, FromJsonFn from_json,
         AddFn add) {
  absl::StatusOr<T> x = from_json(json);
  if (!x.ok()) return;
  absl::StatusOr<engine::Value> parsed = engine::ParseJson(json);
  if (!parsed.ok() || !AllFinite(*parsed)) return;
  const std::string first = to_json(*x);
  absl::StatusOr<T> back = from_json(first);
  FUZZ_CHECK(back.ok(), "codec cannot read its own JSON: " +
                            std::string(back.status().message()) + " in " +
                            first);
  const std::string second = to_json(*back);
  FUZZ_CHECK(first == second,
             "codec round trip changed " + first + " into " + second);

  engine::Definitions defs;
  add(defs, *std::move(x));
  if (!engine::ValidateDefinitions(defs).empty()) return;
  absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> snapshot =
      engine::ConfigSnapshot::Build(std::move(defs), 1);
  FUZZ_CHECK(snapshot.ok(), "valid definition does not build: " +
                                std::string(snapshot.status().message()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::string_view kind, json;
  cxlab::fuzz::SplitOnce(text, "\n", &kind, &json);
  kind = absl::StripAsciiWhitespace(kind);
  if (kind == "segment") {
    Run<engine::SegmentDef>(json, engine::SegmentToJson,
                            engine::SegmentFromJson,
                            [](engine::Definitions& d, engine::SegmentDef x) {
                              d.segments.push_back(std::move(x));
                            });
  } else if (kind == "group") {
    Run<engine::GroupDef>(json, engine::GroupToJson, engine::GroupFromJson,
                          [](engine::Definitions& d, engine::GroupDef x) {
                            d.groups.push_back(std::move(x));
                          });
  } else if (kind == "metric") {
    Run<engine::MetricDef>(json, engine::MetricToJson, engine::MetricFromJson,
                           [](engine::Definitions& d, engine::MetricDef x) {
                             d.metrics.push_back(std::move(x));
                           });
  } else if (kind == "layer") {
    Run<engine::LayerDef>(json, engine::LayerToJson, engine::LayerFromJson,
                          [](engine::Definitions& d, engine::LayerDef x) {
                            d.layers.push_back(std::move(x));
                          });
  } else if (kind == "holdout") {
    Run<engine::HoldoutDef>(json, engine::HoldoutToJson,
                            engine::HoldoutFromJson,
                            [](engine::Definitions& d, engine::HoldoutDef x) {
                              d.holdouts.push_back(std::move(x));
                            });
  } else if (kind == "slot") {
    Run<engine::SlotDef>(json, engine::SlotToJson, engine::SlotFromJson,
                         [](engine::Definitions& d, engine::SlotDef x) {
                           d.slots.push_back(std::move(x));
                         });
  } else {
    Run<engine::ExperimentDef>(
        json, engine::ExperimentToJson, engine::ExperimentFromJson,
        [](engine::Definitions& d, engine::ExperimentDef x) {
          d.experiments.push_back(std::move(x));
        });
  }
  return 0;
}
