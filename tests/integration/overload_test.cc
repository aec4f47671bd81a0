// Copyright 2026 The cxlab Authors.
//
// Overload protection of an in-process CxlabServer (127.0.0.1, port 0):
// per-key rate limits by role (RESOURCE_EXHAUSTED over gRPC, 429 with
// Retry-After over HTTP, other keys unaffected, tokens refill), HTTP load
// shedding past --http_max_inflight and --http_max_connections, gRPC's
// bounded handler pool, and a flood far past capacity after which the
// daemon still serves and its memory stayed bounded.

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/server/rate_limiter.h"
#include "cxlab/v1/events.grpc.pb.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// One HTTP/1.1 request on a fresh connection: {status, Retry-After}; status
// 0 when the server closed the connection without answering.
std::pair<int, std::string> HttpCall(int port, const std::string& method,
                                     const std::string& target,
                                     const std::string& key,
                                     const std::string& body = "") {
  try {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                 static_cast<unsigned short>(port)));
    stream.expires_after(std::chrono::seconds(10));
    http::request<http::string_body> request(http::string_to_verb(method),
                                             target, 11);
    request.set(http::field::host, "127.0.0.1");
    if (!key.empty()) request.set("x-api-key", key);
    request.body() = body;
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    return {static_cast<int>(response.result_int()),
            std::string(response[http::field::retry_after])};
  } catch (const std::exception&) {
    return {0, ""};
  }
}

// This process's resident set size in KiB (Linux).
int64_t RssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kib = 0;
      std::string digits;
      for (char c : line) {
        if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
      }
      (void)absl::SimpleAtoi(digits, &kib);
      return kib;
    }
  }
  return 0;
}

class OverloadTest : public ServerTest {
 protected:
  void SetUp() override { dir_ = std::make_unique<TempDir>(); }

  void StartWith(api::ServerOptions options) {
    options.bind = "127.0.0.1";
    options.grpc_port = 0;
    options.http_port = 0;
    options.admin_key = kAdminKey;
    ASSERT_NO_FATAL_FAILURE(StartServer(options));
  }
};

constexpr char kAssignBody[] = R"({"unit": {"unitId": "u1"}, "logExposure": false})";

TEST_F(OverloadTest, RateLimitsArePerKeyAndRefill) {
  api::ServerOptions options;
  options.rate_limits.per_role[static_cast<int>(api::Role::kSdk)] = {20, 5};
  ASSERT_NO_FATAL_FAILURE(StartWith(options));
  const std::string sdk1 = CreateKey(v1::ROLE_SDK);
  const std::string sdk2 = CreateKey(v1::ROLE_SDK);

  // The burst of 5, then the key is refused over gRPC...
  v1::AssignResponse out;
  for (int i = 0; i < 5; ++i) EXPECT_OK(Assign(MakeUnit("u"), {}, &out, sdk1));
  EXPECT_CODE(Assign(MakeUnit("u"), {}, &out, sdk1),
              grpc::StatusCode::RESOURCE_EXHAUSTED, "rate limit: key");
  // ... and over HTTP, with a Retry-After.
  const auto [status, retry_after] =
      HttpCall(server_->http_port(), "POST", "/v1/assign", sdk1, kAssignBody);
  EXPECT_EQ(status, 429);
  EXPECT_EQ(retry_after, "1");
  // Another sdk key has its own bucket; the admin role has no limit.
  EXPECT_OK(Assign(MakeUnit("u"), {}, &out, sdk2));
  for (int i = 0; i < 20; ++i) EXPECT_OK(Assign(MakeUnit("u"), {}, &out));
  // 20 tokens/s: a token is back within 100 ms.
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_OK(Assign(MakeUnit("u"), {}, &out, sdk1));
}

TEST_F(OverloadTest, ParseRateLimitNamesTheFlag) {
  EXPECT_EQ(api::ParseRateLimit("rate_limit_sdk", "100")->rate, 100);
  EXPECT_EQ(api::ParseRateLimit("rate_limit_sdk", "50:200")->burst, 200);
  const absl::Status bad = api::ParseRateLimit("rate_limit_sdk", "fast").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), ::testing::HasSubstr("rate_limit_sdk: expected"));
  EXPECT_FALSE(api::ParseRateLimit("x", "-1").ok());
  EXPECT_FALSE(api::ParseRateLimit("x", "1:2:3").ok());
}

TEST_F(OverloadTest, HttpFloodIsShedAndTheServerKeepsServing) {
  api::ServerOptions options;
  options.http_threads = 2;
  options.http_max_inflight = 1;
  ASSERT_NO_FATAL_FAILURE(StartWith(options));
  ApplyRepoDefinitions();
  const int port = server_->http_port();
  const int64_t rss_before = RssKib();

  std::atomic<int> ok{0}, shed{0}, other{0};
  std::atomic<bool> health_failed{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 32; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const int status =
            HttpCall(port, "POST", "/v1/assign", kAdminKey,
                     absl::StrCat(R"({"unit": {"unitId": "f)", t, "-", i,
                                  R"("}})"))
                .first;
        if (status == 200) {
          ++ok;
        } else if (status == 429) {
          ++shed;
        } else {
          ++other;
        }
        if (i % 10 == 0 && HttpCall(port, "GET", "/healthz", "").first != 200) {
          health_failed = true;
        }
      }
    });
  }
  for (std::thread& c : clients) c.join();

  EXPECT_EQ(ok + shed + other, 32 * 40);
  EXPECT_GT(shed.load(), 0) << "nothing was shed past one request in flight";
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_FALSE(health_failed.load()) << "/healthz must never be shed";
  // Still serving after the flood.
  EXPECT_EQ(HttpCall(port, "POST", "/v1/assign", kAdminKey, kAssignBody).first,
            200);
  v1::AssignResponse out;
  EXPECT_OK(Assign(MakeUnit("after"), {}, &out));
  // 1,280 requests must not leave their memory behind (generous bound: the
  // test binary's allocator keeps some). Not under AddressSanitizer (make
  // test-asan), whose quarantine holds freed memory on purpose; its leak
  // checker covers this there.
#ifndef __SANITIZE_ADDRESS__
  EXPECT_LT(RssKib() - rss_before, 64 * 1024);
#else
  (void)rss_before;
#endif
}

TEST_F(OverloadTest, ConnectionsPastTheCapAreClosed) {
  api::ServerOptions options;
  options.http_max_connections = 4;
  ASSERT_NO_FATAL_FAILURE(StartWith(options));
  net::io_context ioc;
  std::vector<std::unique_ptr<beast::tcp_stream>> held;
  for (int i = 0; i < 4; ++i) {
    auto s = std::make_unique<beast::tcp_stream>(ioc);
    s->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                             static_cast<unsigned short>(server_->http_port())));
    held.push_back(std::move(s));
  }
  // Wait until the server has accepted the four.
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(HttpCall(server_->http_port(), "GET", "/healthz", "").first, 0)
      << "a fifth connection must be closed, not served or queued";
  held.clear();
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(HttpCall(server_->http_port(), "GET", "/healthz", "").first, 200);
}

TEST_F(OverloadTest, GrpcSyncHandlersAreBoundedNotQueued) {
  api::ServerOptions options;
  options.grpc_max_threads = 4;
  ASSERT_NO_FATAL_FAILURE(StartWith(options));
  ApplyRepoDefinitions();
  auto events = v1::EventService::NewStub(channel_);
  std::atomic<int> ok{0}, exhausted{0}, other{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 48; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        v1::TrackRequest request;
        for (int e = 0; e < 200; ++e) {
          v1::Event* event = request.add_events();
          event->set_event_id(absl::StrCat("flood-", t, "-", i, "-", e));
          event->set_unit_id(absl::StrCat("u", e));
          event->set_name("purchase");
        }
        v1::TrackResponse response;
        auto context = Ctx(kAdminKey);
        const grpc::Status s = events->Track(context.get(), request, &response);
        if (s.ok()) {
          ++ok;
        } else if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          ++exhausted;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& c : clients) c.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(other.load(), 0);
  // Whether gRPC had to refuse depends on timing; what matters is that
  // every call was answered (no hang) and the server still serves.
  v1::AssignResponse out;
  EXPECT_OK(Assign(MakeUnit("after"), {}, &out));
  RecordProperty("grpc_refused", exhausted.load());
}

}  // namespace
}  // namespace cxlab::integration
