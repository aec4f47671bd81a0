// Copyright 2026 The cxlab Authors.
//
// The HTTP gateway's JSON codec (api/convert/proto_json.h) against
// protobuf's util::MessageToJsonString / JsonStringToMessage (3.21), in the
// same binary. Budget (2-core machine): print a 7-assignment AssignResponse
// (payloads are Struct values) in <= 5 us, parse a typical AssignRequest in
// <= 3 us. Run with `make bench` or `proto_json_benchmark`.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "absl/strings/str_cat.h"
#include "api/convert/proto_json.h"
#include "cxlab/v1/assignment.pb.h"
#include "cxlab/v1/events.pb.h"
#include "cxlab/v1/reports.pb.h"
#include "google/protobuf/util/json_util.h"

// Counts heap allocations so each benchmark can report allocations per
// operation.
static std::atomic<int64_t> g_allocations{0};

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace cxlab::api {
namespace {

namespace pb = ::google::protobuf;

// Reports allocations per iteration as the counter "allocs/op".
class AllocationCounter {
 public:
  explicit AllocationCounter(benchmark::State& state)
      : state_(state), start_(g_allocations.load()) {}
  ~AllocationCounter() {
    state_.counters["allocs/op"] =
        benchmark::Counter(static_cast<double>(g_allocations.load() - start_),
                           benchmark::Counter::kAvgIterations);
  }

 private:
  benchmark::State& state_;
  int64_t start_;
};

template <typename T>
T MustParse(const std::string& json) {
  T m;
  if (!pb::util::JsonStringToMessage(json, &m).ok()) {
    std::fprintf(stderr, "bad JSON: %s\n", json.c_str());
    std::abort();
  }
  return m;
}

// Seven assignments with the payloads of experiments/*.yaml.
cxlab::v1::AssignResponse SevenAssignments() {
  static const char* kPayloads[] = {
      R"({"layout": "steps", "steps": 3, "live_chat": false})",
      R"({"layout": "single_page", "steps": 1, "live_chat": true,
          "chat": {"team": "checkout-help", "open_after_seconds": 20,
                   "hours": "08:00-20:00"}})",
      R"({"express_checkout": true, "wallets": ["apple_pay", "google_pay"]})",
      R"({"hero": "default"})",
      R"({"carousel": {"model": "complete-the-look-v2", "items": 8}})",
      R"({"free_shipping_threshold_eur": 35})",
      R"({"bundle": null})",
  };
  cxlab::v1::AssignResponse r;
  for (int i = 0; i < 7; ++i) {
    cxlab::v1::Assignment* a = r.add_assignments();
    a->set_experiment_key(absl::StrCat("experiment_", i));
    a->set_variant_key(i % 2 ? "treatment" : "control");
    a->set_variant_index(i % 2);
    *a->mutable_payload() = MustParse<pb::Value>(kPayloads[i]);
    a->set_reason(cxlab::v1::REASON_ASSIGNED);
    a->set_in_experiment(true);
  }
  r.set_config_version(1234567);
  return r;
}

constexpr char kAssignRequest[] =
    R"({"unit":{"unitId":"bench-123","attributes":{"device":{"type":"mobile"},"visits":3}}})";

std::string PbToJson(const pb::Message& m, bool always_print) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = always_print;
  std::string out;
  (void)pb::util::MessageToJsonString(m, &out, options);
  return out;
}

// ---- printing ----

void BM_PrintAssignResponse_Ours(benchmark::State& state) {
  const cxlab::v1::AssignResponse r = SevenAssignments();
  AllocationCounter allocs(state);
  for (auto _ : state) {
    std::string json = ProtoToJson(r);
    benchmark::DoNotOptimize(json);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(ProtoToJson(r).size()));
}
BENCHMARK(BM_PrintAssignResponse_Ours);

// `AppendProtoJson` into a reused buffer: the printing work alone.
void BM_PrintAssignResponse_OursReusedBuffer(benchmark::State& state) {
  const cxlab::v1::AssignResponse r = SevenAssignments();
  std::string json;
  AllocationCounter allocs(state);
  for (auto _ : state) {
    json.clear();
    AppendProtoJson(r, &json);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_PrintAssignResponse_OursReusedBuffer);

void BM_PrintAssignResponse_ProtobufAlwaysPrint(benchmark::State& state) {
  const cxlab::v1::AssignResponse r = SevenAssignments();
  AllocationCounter allocs(state);
  for (auto _ : state) {
    std::string json = PbToJson(r, true);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_PrintAssignResponse_ProtobufAlwaysPrint);

void BM_PrintAssignResponse_ProtobufDefault(benchmark::State& state) {
  const cxlab::v1::AssignResponse r = SevenAssignments();
  AllocationCounter allocs(state);
  for (auto _ : state) {
    std::string json = PbToJson(r, false);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_PrintAssignResponse_ProtobufDefault);

// A report: many optional doubles, nested messages, no structs.
cxlab::v1::Report MakeReport() {
  cxlab::v1::Report r;
  r.set_experiment_key("checkout_flow");
  r.set_status("running");
  r.set_alpha(0.05);
  for (int k = 0; k < 10; ++k) {
    cxlab::v1::MetricResult* m = r.add_metrics();
    m->set_metric_key(absl::StrCat("metric_", k));
    m->set_type("binomial");
    for (int v = 0; v < 3; ++v) {
      cxlab::v1::VariantResult* vr = m->add_variants();
      vr->set_variant_key(absl::StrCat("v", v));
      vr->set_units(10000 + v * 37);
      vr->set_value(0.1 + v / 300.0);
      vr->mutable_value_ci()->set_lower(0.09 + v / 301.0);
      vr->mutable_value_ci()->set_upper(0.11 + v / 299.0);
      if (v > 0) {
        for (cxlab::v1::Effect* e :
             {vr->mutable_absolute(), vr->mutable_relative()}) {
          e->set_estimate(v / 97.0);
          e->set_std_error(v / 1009.0);
          e->mutable_ci()->set_lower(v / 97.0 - 0.01);
          e->mutable_ci()->set_upper(v / 97.0 + 0.01);
          e->set_p_value(0.0123);
          e->set_adjusted_p_value(0.0246);
        }
      }
    }
  }
  return r;
}

void BM_PrintReport_Ours(benchmark::State& state) {
  const cxlab::v1::Report r = MakeReport();
  AllocationCounter allocs(state);
  for (auto _ : state) {
    std::string json = ProtoToJson(r);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_PrintReport_Ours);

void BM_PrintReport_ProtobufAlwaysPrint(benchmark::State& state) {
  const cxlab::v1::Report r = MakeReport();
  AllocationCounter allocs(state);
  for (auto _ : state) {
    std::string json = PbToJson(r, true);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_PrintReport_ProtobufAlwaysPrint);

// ---- parsing ----

void BM_ParseAssignRequest_Ours(benchmark::State& state) {
  AllocationCounter allocs(state);
  for (auto _ : state) {
    cxlab::v1::AssignRequest r;
    absl::Status s = ProtoFromJson(kAssignRequest, &r);
    if (!s.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseAssignRequest_Ours);

void BM_ParseAssignRequest_Protobuf(benchmark::State& state) {
  AllocationCounter allocs(state);
  for (auto _ : state) {
    cxlab::v1::AssignRequest r;
    auto s = pb::util::JsonStringToMessage(kAssignRequest, &r);
    if (!s.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseAssignRequest_Protobuf);

// A 7-assignment AssignResponse as protobuf prints it, parsed back (bigger
// bodies: structs, enums, int64 strings).
void BM_ParseAssignResponse_Ours(benchmark::State& state) {
  const std::string json = PbToJson(SevenAssignments(), true);
  AllocationCounter allocs(state);
  for (auto _ : state) {
    cxlab::v1::AssignResponse r;
    absl::Status s = ProtoFromJson(json, &r);
    if (!s.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(json.size()));
}
BENCHMARK(BM_ParseAssignResponse_Ours);

void BM_ParseAssignResponse_Protobuf(benchmark::State& state) {
  const std::string json = PbToJson(SevenAssignments(), true);
  AllocationCounter allocs(state);
  for (auto _ : state) {
    cxlab::v1::AssignResponse r;
    auto s = pb::util::JsonStringToMessage(json, &r);
    if (!s.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(json.size()));
}
BENCHMARK(BM_ParseAssignResponse_Protobuf);

// A batch of 100 events with timestamps and properties.
std::string TrackJson() {
  std::string json = R"({"events":[)";
  for (int i = 0; i < 100; ++i) {
    if (i > 0) json += ",";
    absl::StrAppend(
        &json, R"({"eventId":"evt-)", i, R"(","name":"purchase","unitId":"u-)",
        i % 17, R"(","time":"2026-03-04T05:06:07.)", 100 + i, R"(Z","value":)",
        i * 1.25, R"(,"properties":{"sku":"A-1","qty":2,"gift":false}})");
  }
  return json + "]}";
}

void BM_ParseTrackRequest100_Ours(benchmark::State& state) {
  const std::string json = TrackJson();
  AllocationCounter allocs(state);
  for (auto _ : state) {
    cxlab::v1::TrackRequest r;
    absl::Status s = ProtoFromJson(json, &r);
    if (!s.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(json.size()));
}
BENCHMARK(BM_ParseTrackRequest100_Ours);

void BM_ParseTrackRequest100_Protobuf(benchmark::State& state) {
  const std::string json = TrackJson();
  AllocationCounter allocs(state);
  for (auto _ : state) {
    cxlab::v1::TrackRequest r;
    auto s = pb::util::JsonStringToMessage(json, &r);
    if (!s.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(json.size()));
}
BENCHMARK(BM_ParseTrackRequest100_Protobuf);

}  // namespace
}  // namespace cxlab::api

BENCHMARK_MAIN();
