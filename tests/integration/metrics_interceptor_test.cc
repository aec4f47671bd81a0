// Copyright 2026 The cxlab Authors.
//
// MakeRpcInterceptorFactory on a real in-process gRPC server (127.0.0.1,
// port 0) serving small test implementations of our services: a callback
// service (AssignmentService, like the real one), a sync one (EventService)
// with client- and server-streaming methods, and methods left
// unimplemented. Checks what cxlab_rpc_requests_total and
// cxlab_rpc_latency_seconds show afterwards.

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/server/metrics.h"
#include "cxlab/v1/assignment.grpc.pb.h"
#include "cxlab/v1/events.grpc.pb.h"
#include "cxlab/v1/reports.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::api {
namespace {

namespace v1 = ::cxlab::v1;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

// The value of the sample `series` (name and labels, exactly), or nullopt.
std::optional<double> Sample(const std::string& text,
                             absl::string_view series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, series)) continue;
    absl::string_view rest = line.substr(series.size());
    if (rest.empty() || rest[0] != ' ') continue;
    double value = 0;
    if (!absl::SimpleAtod(rest.substr(1), &value)) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::string Requests(absl::string_view method, absl::string_view code) {
  return absl::StrCat(R"(cxlab_rpc_requests_total{code=")", code,
                      R"(",method=")", method, R"("})");
}

// Callback API, as the real AssignmentService: an empty unit id is
// INVALID_ARGUMENT. AssignBatch is left unimplemented.
class TestAssignmentService final
    : public v1::AssignmentService::CallbackService {
  grpc::ServerUnaryReactor* Assign(grpc::CallbackServerContext* context,
                                   const v1::AssignRequest* request,
                                   v1::AssignResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (request->unit().unit_id().empty()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   "unit.unit_id: must not be empty"));
    } else {
      response->set_config_version(7);
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }
};

// Sync API. Track sleeps for the event's value in milliseconds; Recompute
// streams three messages, or for experiment "block" one message and then
// waits until the client cancels. GetStats is left unimplemented.
class TestEventService final : public v1::EventService::Service {
  grpc::Status Track(grpc::ServerContext* /*context*/,
                     const v1::TrackRequest* request,
                     v1::TrackResponse* response) override {
    if (request->events_size() == 0) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "events: must not be empty");
    }
    absl::SleepFor(absl::Milliseconds(request->events(0).value()));
    response->set_accepted(request->events_size());
    return grpc::Status::OK;
  }

  grpc::Status TrackStream(grpc::ServerContext* /*context*/,
                           grpc::ServerReader<v1::TrackRequest>* reader,
                           v1::TrackResponse* response) override {
    v1::TrackRequest request;
    while (reader->Read(&request)) {
      response->set_accepted(response->accepted() + request.events_size());
    }
    return grpc::Status::OK;
  }

  grpc::Status Recompute(
      grpc::ServerContext* context, const v1::RecomputeRequest* request,
      grpc::ServerWriter<v1::RecomputeProgress>* writer) override {
    v1::RecomputeProgress progress;
    progress.set_total_units(3);
    if (request->experiment_key() == "block") {
      writer->Write(progress);
      while (!context->IsCancelled()) absl::SleepFor(absl::Milliseconds(1));
      return grpc::Status::CANCELLED;
    }
    for (int i = 1; i <= 3; ++i) {
      progress.set_units(i);
      progress.set_done(i == 3);
      writer->Write(progress);
    }
    return grpc::Status::OK;
  }
};

class RpcInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&assignment_);
    builder.RegisterService(&events_);
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        creators;
    creators.push_back(MakeRpcInterceptorFactory(metrics_));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    server_->Shutdown();
    server_->Wait();
  }

  std::string Render() { return metrics_.RenderText(ScrapeInputs()); }

  // Renders until `series` has `value` (counts recorded as a call ends may
  // land just after the client saw it end), or 5 s pass.
  std::optional<double> WaitFor(const std::string& series, double value) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    std::optional<double> seen = Sample(Render(), series);
    while ((!seen.has_value() || *seen != value) && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
      seen = Sample(Render(), series);
    }
    return seen;
  }

  // Declared first: the metrics must outlive the server's interceptors.
  ServerMetrics metrics_;
  TestAssignmentService assignment_;
  TestEventService events_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(RpcInterceptorTest, CountsCallbackUnaryCallsByCode) {
  auto stub = v1::AssignmentService::NewStub(channel_);
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    v1::AssignRequest request;
    request.mutable_unit()->set_unit_id("visitor-42");
    v1::AssignResponse response;
    ASSERT_TRUE(stub->Assign(&context, request, &response).ok());
  }
  grpc::ClientContext context;
  v1::AssignResponse response;
  EXPECT_EQ(stub->Assign(&context, v1::AssignRequest(), &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(WaitFor(Requests("AssignmentService/Assign", "OK"), 3),
              Optional(3.0));
  EXPECT_THAT(
      WaitFor(Requests("AssignmentService/Assign", "INVALID_ARGUMENT"), 1),
      Optional(1.0));
  EXPECT_THAT(
      WaitFor(R"(cxlab_rpc_latency_seconds_count{method="AssignmentService/Assign"})",
              4),
      Optional(4.0));
}

TEST_F(RpcInterceptorTest, CountsSyncUnaryCallsWithTheirLatency) {
  auto stub = v1::EventService::NewStub(channel_);
  {
    grpc::ClientContext context;
    v1::TrackRequest request;
    request.add_events()->set_value(30);  // the handler sleeps 30 ms
    v1::TrackResponse response;
    ASSERT_TRUE(stub->Track(&context, request, &response).ok());
  }
  {
    grpc::ClientContext context;
    v1::TrackResponse response;
    EXPECT_EQ(
        stub->Track(&context, v1::TrackRequest(), &response).error_code(),
        grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_THAT(WaitFor(Requests("EventService/Track", "OK"), 1), Optional(1.0));
  EXPECT_THAT(WaitFor(Requests("EventService/Track", "INVALID_ARGUMENT"), 1),
              Optional(1.0));
  const std::string text = Render();
  std::optional<double> sum =
      Sample(text, R"(cxlab_rpc_latency_seconds_sum{method="EventService/Track"})");
  ASSERT_TRUE(sum.has_value());
  EXPECT_GE(*sum, 0.030);
  EXPECT_LT(*sum, 5.0);
  // The 30 ms call is above the 25 ms bound, the rejected one far below.
  EXPECT_THAT(
      Sample(text,
             R"(cxlab_rpc_latency_seconds_bucket{method="EventService/Track",le="0.025"})"),
      Optional(1.0));
}

TEST_F(RpcInterceptorTest, CountsUnimplementedMethods) {
  auto assignments = v1::AssignmentService::NewStub(channel_);
  auto events = v1::EventService::NewStub(channel_);
  auto reports = v1::ReportService::NewStub(channel_);  // not registered
  {
    grpc::ClientContext context;
    v1::AssignBatchResponse response;
    EXPECT_EQ(assignments
                  ->AssignBatch(&context, v1::AssignBatchRequest(), &response)
                  .error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  {
    grpc::ClientContext context;
    v1::GetStatsResponse response;
    EXPECT_EQ(
        events->GetStats(&context, v1::GetStatsRequest(), &response)
            .error_code(),
        grpc::StatusCode::UNIMPLEMENTED);
  }
  {
    grpc::ClientContext context;
    v1::Report response;
    EXPECT_EQ(reports->GetReport(&context, v1::GetReportRequest(), &response)
                  .error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  EXPECT_THAT(WaitFor(Requests("AssignmentService/AssignBatch", "UNIMPLEMENTED"), 1),
              Optional(1.0));
  EXPECT_THAT(WaitFor(Requests("EventService/GetStats", "UNIMPLEMENTED"), 1),
              Optional(1.0));
  // A method defined in our protos but not served keeps its label.
  EXPECT_THAT(WaitFor(Requests("ReportService/GetReport", "UNIMPLEMENTED"), 1),
              Optional(1.0));
}

TEST_F(RpcInterceptorTest, CountsMethodsNoProtoDefinesAsUnknown) {
  // Paths no service defines, as a scanner would send them.
  for (const char* path : {"/cxlab.v1.AssignmentService/Steal",
                           "/no.such.Service/Method", "/x", "/a/b/c"}) {
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);  // an empty message
    grpc::ByteBuffer response;
    grpc::ClientContext context;
    grpc::GenericStub stub(channel_);
    grpc::Status status;
    bool done = false;
    absl::Mutex mu;
    stub.UnaryCall(&context, path, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) {
                     absl::MutexLock lock(&mu);
                     status = std::move(s);
                     done = true;
                   });
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(&done));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << path;
  }
  EXPECT_THAT(WaitFor(Requests("unknown", "UNIMPLEMENTED"), 4), Optional(4.0));
  const std::string text = Render();
  EXPECT_THAT(text, Not(HasSubstr("Steal")));
  EXPECT_THAT(text, Not(HasSubstr("no.such")));
  EXPECT_THAT(text, Not(HasSubstr("Service/Method")));
}

TEST_F(RpcInterceptorTest, CountsStreamingCallsOnceAtTheirEnd) {
  auto stub = v1::EventService::NewStub(channel_);
  {
    grpc::ClientContext context;
    v1::TrackResponse response;
    std::unique_ptr<grpc::ClientWriter<v1::TrackRequest>> writer =
        stub->TrackStream(&context, &response);
    v1::TrackRequest request;
    request.add_events();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer->Write(request));
    ASSERT_TRUE(writer->WritesDone());
    ASSERT_TRUE(writer->Finish().ok());
    EXPECT_EQ(response.accepted(), 5);
  }
  {
    grpc::ClientContext context;
    v1::RecomputeRequest request;
    request.set_experiment_key("exp");
    std::unique_ptr<grpc::ClientReader<v1::RecomputeProgress>> reader =
        stub->Recompute(&context, request);
    v1::RecomputeProgress progress;
    int messages = 0;
    while (reader->Read(&progress)) ++messages;
    EXPECT_EQ(messages, 3);
    ASSERT_TRUE(reader->Finish().ok());
  }
  EXPECT_THAT(WaitFor(Requests("EventService/TrackStream", "OK"), 1),
              Optional(1.0));
  EXPECT_THAT(WaitFor(Requests("EventService/Recompute", "OK"), 1),
              Optional(1.0));
}

TEST_F(RpcInterceptorTest, CountsAStreamTheClientCancelsAsCancelled) {
  auto stub = v1::EventService::NewStub(channel_);
  grpc::ClientContext context;
  v1::RecomputeRequest request;
  request.set_experiment_key("block");
  std::unique_ptr<grpc::ClientReader<v1::RecomputeProgress>> reader =
      stub->Recompute(&context, request);
  v1::RecomputeProgress progress;
  ASSERT_TRUE(reader->Read(&progress));
  context.TryCancel();
  while (reader->Read(&progress)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_THAT(WaitFor(Requests("EventService/Recompute", "CANCELLED"), 1),
              Optional(1.0));
  // Counted once, whichever of the status hook and the destructor saw it.
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_THAT(
      Sample(Render(),
             R"(cxlab_rpc_latency_seconds_count{method="EventService/Recompute"})"),
      Optional(1.0));
}

TEST_F(RpcInterceptorTest, CountsConcurrentCallsExactly) {
  constexpr int kThreads = 4;
  constexpr int kCalls = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this] {
      auto stub = v1::AssignmentService::NewStub(channel_);
      for (int i = 0; i < kCalls; ++i) {
        grpc::ClientContext context;
        v1::AssignRequest request;
        request.mutable_unit()->set_unit_id(absl::StrCat("u", i));
        v1::AssignResponse response;
        EXPECT_TRUE(stub->Assign(&context, request, &response).ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(
      WaitFor(Requests("AssignmentService/Assign", "OK"), kThreads * kCalls),
      Optional(static_cast<double>(kThreads * kCalls)));
}

}  // namespace
}  // namespace cxlab::api
