// Copyright 2026 The cxlab Authors.
//
// Fuzz target "definitions_yaml": a definitions file as `cxlab validate`
// and `cxlab apply` read it (clients/cpp/definitions_loader.h), then, when
// it is valid, everything built from it.
//
// Input: the text of one definitions file (YAML, or JSON, which yaml-cpp
// also reads). It is written to a scratch file and loaded with
// LoadDefinitions, which parses it, validates it (engine::
// ValidateDefinitions) and maps every error back to a line. When it loads
// without errors: ConfigSnapshot::Build (compiles conditions, layers,
// slots), every experiment and slot evaluated for one unit, and every
// definition through the JSON codec (engine/definitions_codec.h).
//
// Properties checked besides "no crash, no sanitizer report":
//   - every error names the file and a line >= 0;
//   - ParseDefinitionsText on the same text never throws and reports an
//     error exactly when LoadDefinitions reports a parse error;
//   - valid definitions build a snapshot;
//   - the codec round trip is stable: X -> JSON -> X -> JSON gives the same
//     JSON text twice (for definitions whose numbers are all finite).

#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clients/cpp/definitions_loader.h"
#include "engine/definitions.h"
#include "engine/definitions_codec.h"
#include "engine/evaluator.h"
#include "engine/json.h"
#include "engine/personalization.h"
#include "engine/snapshot.h"
#include "tests/fuzz/finite_value.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace engine = cxlab::engine;

// A scratch file for this process, removed at exit.
const std::string& ScratchPath() {
  static const std::string* path = [] {
    std::string dir_template = "/tmp/cxlab-fuzz-defs-XXXXXX";
    char* dir = mkdtemp(dir_template.data());
    FUZZ_CHECK(dir != nullptr, "mkdtemp failed");
    auto* p = new std::string(std::string(dir) + "/fuzz.yaml");
    static const std::string dir_copy = dir;
    std::atexit([] {
      std::remove((dir_copy + "/fuzz.yaml").c_str());
      rmdir(dir_copy.c_str());
    });
    return p;
  }();
  return *path;
}

using ::cxlab::fuzz::AllFinite;

// JSON of `x` through the codec, twice: ToJson(x) must equal
// ToJson(FromJson(ToJson(x))), when `x` holds only finite numbers.
template <typename T, typename ToValueFn, typename ToJsonFn,
          typename FromJsonFn>
void CheckRoundTrip(const T& x, ToValueFn to_value, ToJsonFn to_json,
                    FromJsonFn from_json) {
  if (!AllFinite(to_value(x))) return;
  const std::string first = to_json(x);
  absl::StatusOr<T> back = from_json(first);
  FUZZ_CHECK(back.ok(), "codec cannot read its own JSON: " +
                            std::string(back.status().message()) + " in " +
                            first);
  const std::string second = to_json(*back);
  FUZZ_CHECK(first == second, "codec round trip changed " + first + " into " +
                                  second);
}

void Exercise(const engine::Definitions& defs) {
  for (const auto& x : defs.experiments) {
    CheckRoundTrip(x, engine::ExperimentToValue, engine::ExperimentToJson,
                   engine::ExperimentFromJson);
  }
  for (const auto& x : defs.segments) {
    CheckRoundTrip(x, engine::SegmentToValue, engine::SegmentToJson,
                   engine::SegmentFromJson);
  }
  for (const auto& x : defs.groups) {
    CheckRoundTrip(x, engine::GroupToValue, engine::GroupToJson,
                   engine::GroupFromJson);
  }
  for (const auto& x : defs.metrics) {
    CheckRoundTrip(x, engine::MetricToValue, engine::MetricToJson,
                   engine::MetricFromJson);
  }
  for (const auto& x : defs.layers) {
    CheckRoundTrip(x, engine::LayerToValue, engine::LayerToJson,
                   engine::LayerFromJson);
  }
  for (const auto& x : defs.holdouts) {
    CheckRoundTrip(x, engine::HoldoutToValue, engine::HoldoutToJson,
                   engine::HoldoutFromJson);
  }
  for (const auto& x : defs.slots) {
    CheckRoundTrip(x, engine::SlotToValue, engine::SlotToJson,
                   engine::SlotFromJson);
  }

  absl::StatusOr<std::shared_ptr<const engine::ConfigSnapshot>> snapshot =
      engine::ConfigSnapshot::Build(defs, /*version=*/1);
  FUZZ_CHECK(snapshot.ok(), "valid definitions do not build: " +
                                std::string(snapshot.status().message()));

  engine::Unit unit;
  unit.ids = {{"user", "visitor-42"}, {"device", "d-9"}};
  absl::StatusOr<engine::Value> attributes = engine::ParseJson(
      R"({"country":"US","age":38,"visits":3,"plan":"pro",)"
      R"("device":{"type":"mobile"},"interests":["running"],)"
      R"("household":{"children":2},"cart":{"items":2,"total":120.5}})");
  FUZZ_CHECK(attributes.ok(), "bad fixed attributes");
  unit.attributes = *std::move(attributes);
  for (absl::Time now : {absl::FromUnixSeconds(1780000000),  // 2026-05-28
                         absl::InfinitePast(), absl::InfiniteFuture()}) {
    engine::UnitEvaluator evaluator(**snapshot, unit, now);
    std::vector<engine::Assignment> assignments;
    evaluator.EvaluateAll(assignments, /*include_inactive=*/true);
    for (const engine::Assignment& a : assignments) {
      FUZZ_CHECK(a.variant < static_cast<int>(
                                 a.experiment->def->variants.size()),
                 "variant index out of range");
      (void)a.variant_key();
    }
    std::vector<engine::SlotContentChoice> choices;
    engine::ChooseAllContent(**snapshot, evaluator, choices);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  cxlab::client::LoadResult parsed;
  cxlab::client::ParseDefinitionsText(text, "fuzz.yaml", parsed);

  const std::string& path = ScratchPath();
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    FUZZ_CHECK(f != nullptr, "cannot write the scratch file");
    FUZZ_CHECK(std::fwrite(data, 1, size, f) == size || size == 0,
               "short write");
    std::fclose(f);
  }
  const cxlab::client::LoadResult loaded =
      cxlab::client::LoadDefinitions(path);
  for (const cxlab::client::LoadError& e : loaded.errors) {
    FUZZ_CHECK(e.file == path, "error names another file: " + e.ToString());
    FUZZ_CHECK(e.line >= 0, "negative line: " + e.ToString());
    (void)e.ToString();
  }
  if (!parsed.ok()) {
    FUZZ_CHECK(!loaded.ok(), "a parse error vanished when loading");
  }
  if (loaded.ok()) Exercise(loaded.defs);
  return 0;
}
