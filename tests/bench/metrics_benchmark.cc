// Copyright 2026 The cxlab Authors.
//
// ServerMetrics (api/server/metrics.h) on the hot path: what counting one
// assignment costs next to an Assign (DESIGN §8: AssignBatch >= 1M
// assignments/s on 2 cores, so the counter must stay at a few ns), with
// threads sharing one counter as the worst case; and, for scale, the per
// call cost of ObserveRpc / ObserveHttp, of rendering a scrape and of the
// gRPC interceptor on a loopback round trip. Run
// with `build/tests/bench/metrics_benchmark`.

#include <benchmark/benchmark.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "api/server/metrics.h"
#include "cxlab/v1/assignment.grpc.pb.h"
#include "engine/definitions.h"
#include "engine/evaluator.h"
#include "engine/snapshot.h"

namespace cxlab::api {
namespace {

namespace v1 = ::cxlab::v1;

// 100 running experiments of 3 variants each.
std::shared_ptr<const engine::ConfigSnapshot> Snapshot100() {
  static const auto* const kSnapshot = [] {
    engine::Definitions defs;
    for (int i = 0; i < 100; ++i) {
      engine::ExperimentDef e;
      e.key = absl::StrCat("experiment_", i);
      e.status = engine::ExperimentStatus::kRunning;
      for (const char* v : {"control", "treatment_a", "treatment_b"}) {
        engine::VariantDef variant;
        variant.key = v;
        e.variants.push_back(variant);
      }
      defs.experiments.push_back(e);
    }
    auto snapshot = engine::ConfigSnapshot::Build(std::move(defs), 1);
    if (!snapshot.ok()) std::abort();
    return new std::shared_ptr<const engine::ConfigSnapshot>(*snapshot);
  }();
  return *kSnapshot;
}

// One assignment per experiment, variants spread.
std::vector<engine::Assignment> Assignments(
    const engine::ConfigSnapshot& snapshot) {
  std::vector<engine::Assignment> out;
  for (const engine::CompiledExperiment& e : snapshot.experiments()) {
    engine::Assignment a;
    a.experiment = &e;
    a.variant = e.index % 3;
    a.reason = engine::Reason::kAssigned;
    out.push_back(a);
  }
  return out;
}

ServerMetrics& SharedMetrics() {
  static auto* const kMetrics = new ServerMetrics();
  return *kMetrics;
}

// CountAssignment per call, cycling over 100 experiments (different
// counters), from 1, 2 and 4 threads.
void BM_CountAssignment(benchmark::State& state) {
  std::shared_ptr<const engine::ConfigSnapshot> snapshot = Snapshot100();
  const std::vector<engine::Assignment> assignments = Assignments(*snapshot);
  ServerMetrics& metrics = SharedMetrics();
  size_t i = 0;
  for (auto _ : state) {
    metrics.CountAssignment(*snapshot, assignments[i]);
    if (++i == assignments.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CountAssignment)->Threads(1)->Threads(2)->Threads(4);

// The worst case: every thread counts the same (experiment, variant).
void BM_CountAssignmentSameCounter(benchmark::State& state) {
  std::shared_ptr<const engine::ConfigSnapshot> snapshot = Snapshot100();
  const std::vector<engine::Assignment> assignments = Assignments(*snapshot);
  ServerMetrics& metrics = SharedMetrics();
  for (auto _ : state) metrics.CountAssignment(*snapshot, assignments[0]);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CountAssignmentSameCounter)->Threads(1)->Threads(2)->Threads(4);

// CountAssignments on a unit's 100 assignments (EvaluateAll's output), per
// assignment.
void BM_CountAssignments100(benchmark::State& state) {
  std::shared_ptr<const engine::ConfigSnapshot> snapshot = Snapshot100();
  const std::vector<engine::Assignment> assignments = Assignments(*snapshot);
  ServerMetrics& metrics = SharedMetrics();
  for (auto _ : state) metrics.CountAssignments(*snapshot, assignments);
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(assignments.size()));
}
BENCHMARK(BM_CountAssignments100)->Threads(1)->Threads(2);

// For comparison: one std::atomic shared by every thread (what a single,
// unsharded counter per series costs under contention).
void BM_SharedAtomicBaseline(benchmark::State& state) {
  static std::atomic<int64_t> counter{0};
  for (auto _ : state) counter.fetch_add(1, std::memory_order_relaxed);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SharedAtomicBaseline)->Threads(1)->Threads(2);

// Once per gRPC call (the interceptor).
void BM_ObserveRpc(benchmark::State& state) {
  ServerMetrics& metrics = SharedMetrics();
  for (auto _ : state) {
    metrics.ObserveRpc("AssignmentService/Assign", grpc::StatusCode::OK,
                       absl::Microseconds(35));
  }
}
BENCHMARK(BM_ObserveRpc)->Threads(1)->Threads(2);

// Once per HTTP request.
void BM_ObserveHttp(benchmark::State& state) {
  ServerMetrics& metrics = SharedMetrics();
  for (auto _ : state) {
    metrics.ObserveHttp("/ofrep/v1/evaluate/flags/{key}", "POST", 200,
                        absl::Microseconds(60));
  }
}
BENCHMARK(BM_ObserveHttp);

// A scrape: 300 assignment series, a few RPC methods and HTTP routes.
void BM_RenderText(benchmark::State& state) {
  ServerMetrics metrics;
  std::shared_ptr<const engine::ConfigSnapshot> snapshot = Snapshot100();
  metrics.CountAssignments(*snapshot, Assignments(*snapshot));
  for (const char* method :
       {"AssignmentService/Assign", "AssignmentService/AssignBatch",
        "EventService/Track", "ReportService/GetReport"}) {
    metrics.ObserveRpc(method, grpc::StatusCode::OK, absl::Microseconds(50));
    metrics.ObserveRpc(method, grpc::StatusCode::INVALID_ARGUMENT,
                       absl::Microseconds(5));
  }
  for (const char* route : {"/v1/assign", "/v1/track", "/metrics"}) {
    metrics.ObserveHttp(route, "POST", 200, absl::Microseconds(80));
  }
  ScrapeInputs inputs;
  inputs.config_version = 1;
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = metrics.RenderText(inputs);
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderText)->Unit(benchmark::kMicrosecond);

// A callback AssignmentService answering at once, as a stand-in for the
// real one: the round trip then is mostly gRPC.
class EchoAssignmentService final
    : public v1::AssignmentService::CallbackService {
  grpc::ServerUnaryReactor* Assign(grpc::CallbackServerContext* context,
                                   const v1::AssignRequest* /*request*/,
                                   v1::AssignResponse* response) override {
    response->set_config_version(1);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// One blocking Assign round trip over loopback, without (0) and with (1)
// the metrics interceptor installed: the interceptor's cost per call.
void BM_AssignRoundTrip(benchmark::State& state) {
  ServerMetrics metrics;
  EchoAssignmentService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  if (state.range(0) == 1) {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        creators;
    creators.push_back(MakeRpcInterceptorFactory(metrics));
    builder.experimental().SetInterceptorCreators(std::move(creators));
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto stub = v1::AssignmentService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  v1::AssignRequest request;
  request.mutable_unit()->set_unit_id("visitor-42");
  for (auto _ : state) {
    grpc::ClientContext context;
    v1::AssignResponse response;
    if (!stub->Assign(&context, request, &response).ok()) {
      state.SkipWithError("Assign failed");
      break;
    }
  }
  server->Shutdown();
  server->Wait();
}
BENCHMARK(BM_AssignRoundTrip)
    ->ArgName("interceptor")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace cxlab::api

BENCHMARK_MAIN();
