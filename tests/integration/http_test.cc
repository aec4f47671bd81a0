// Copyright 2026 The cxlab Authors.
//
// The HTTP/JSON gateway (api/server/http_gateway.h) of an in-process
// CxlabServer on 127.0.0.1, port 0, called over real sockets: the JSON API
// answers as gRPC does, errors are JSON naming the field with the matching
// HTTP status, keys from either header, CORS, 404/405/413, keep-alive,
// OFREP (reasons, errors, ETag/304), /healthz, /readyz, /metrics and the
// web reports at /ui (login form, cookie, list and experiment pages).

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <map>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/server_fixture.h"

namespace cxlab::integration {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A keep-alive HTTP/1.1 connection to the gateway.
class Connection {
 public:
  explicit Connection(int port) : stream_(ioc_) {
    tcp::resolver resolver(ioc_);
    stream_.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
  }

  Reply Send(const std::string& method, const std::string& target,
             const std::string& body = "",
             const std::map<std::string, std::string>& headers = {}) {
    http::request<http::string_body> request(
        http::string_to_verb(method), target, 11);
    request.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    http::write(stream_, request);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (method == "HEAD") parser.skip(true);
    http::read(stream_, buffer_, parser);
    const auto& response = parser.get();
    Reply reply;
    reply.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      reply.headers[name] = std::string(field.value());
    }
    reply.body = response.body();
    return reply;
  }

  bool Closed() {
    beast::error_code ec;
    char byte;
    stream_.socket().non_blocking(false);
    stream_.expires_after(std::chrono::seconds(5));
    stream_.read_some(net::buffer(&byte, 1), ec);
    return ec == http::error::end_of_stream || ec == net::error::eof ||
           ec == net::error::connection_reset;
  }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

google::protobuf::Struct Json(const std::string& text) {
  return StructFromJson(text);
}

std::string Str(const google::protobuf::Struct& s, const std::string& field) {
  auto it = s.fields().find(field);
  return it == s.fields().end() ? "" : it->second.string_value();
}

class HttpTest : public ServerTest {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>();
    ASSERT_FALSE(dir_->path().empty());
    api::ServerOptions options;
    options.bind = "127.0.0.1";
    options.grpc_port = 0;
    options.http_port = 0;
    options.http_threads = 2;
    options.http_max_body_bytes = 64 * 1024;
    options.http_cors_origins = {"https://shop.example"};
    options.admin_key = kAdminKey;
    ASSERT_NO_FATAL_FAILURE(StartServer(options));
    ASSERT_GT(server_->http_port(), 0);
    ApplyRepoDefinitions();
  }

  Reply Call(const std::string& method, const std::string& target,
             const std::string& body = "",
             std::map<std::string, std::string> headers = {},
             const std::string& key = kAdminKey) {
    if (!key.empty() && headers.count("authorization") == 0 &&
        headers.count("x-api-key") == 0) {
      headers["authorization"] = absl::StrCat("Bearer ", key);
    }
    Connection connection(server_->http_port());
    return connection.Send(method, target, body, headers);
  }
};

TEST_F(HttpTest, AssignAnswersAsGrpcDoes) {
  for (int i = 0; i < 50; ++i) {
    const std::string unit = absl::StrCat("visitor-", i);
    v1::AssignResponse grpc_answer;
    ASSERT_OK(Assign(MakeUnit(unit, R"({"device": {"type": "mobile"}})"),
                     {"checkout_redesign"}, &grpc_answer));
    const Reply reply = Call(
        "POST", "/v1/assign",
        absl::StrCat(R"({"unit": {"unitId": ")", unit,
                     R"(", "attributes": {"device": {"type": "mobile"}}},)"
                     R"( "experimentKeys": ["checkout_redesign"],)"
                     R"( "logExposure": false})"));
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.Header("content-type"), "application/json");
    v1::AssignResponse http_answer;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(reply.body,
                                                            &http_answer)
                    .ok())
        << reply.body;
    ASSERT_EQ(http_answer.assignments_size(), 1);
    EXPECT_EQ(http_answer.assignments(0).variant_key(),
              grpc_answer.assignments(0).variant_key());
    EXPECT_EQ(http_answer.assignments(0).reason(),
              grpc_answer.assignments(0).reason());
    EXPECT_EQ(http_answer.assignments(0).payload().DebugString(),
              grpc_answer.assignments(0).payload().DebugString());
  }
}

TEST_F(HttpTest, SnakeCaseNamesAndBatchAreAccepted) {
  const Reply reply = Call(
      "POST", "/v1/assign:batch",
      R"({"units": [{"unit_id": "a"}, {"unit_id": "b"}],
          "experiment_keys": ["aa_randomization_check"], "log_exposure": false})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  v1::AssignBatchResponse out;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(reply.body, &out).ok());
  ASSERT_EQ(out.results_size(), 2);
  EXPECT_EQ(out.results(1).unit_id(), "b");
  EXPECT_EQ(out.results(1).assignments(0).experiment_key(),
            "aa_randomization_check");
}

TEST_F(HttpTest, ErrorsAreJsonNamingTheFieldWithTheMatchingStatus) {
  Reply reply = Call("POST", "/v1/assign", R"({"unit": {"unitId": ""}})");
  EXPECT_EQ(reply.status, 400);
  google::protobuf::Struct error = Json(reply.body);
  EXPECT_EQ(Str(error, "code"), "INVALID_ARGUMENT");
  EXPECT_EQ(Str(error, "field"), "unit.unit_id");
  EXPECT_THAT(Str(error, "message"), ::testing::HasSubstr("must not be empty"));

  reply = Call("POST", "/v1/assign", R"({"unit": )");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(Str(Json(reply.body), "field"), "unit");
  reply = Call("POST", "/v1/assign", R"([1, 2])");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(Str(Json(reply.body), "field"), "body");
  reply = Call("POST", "/v1/assign",
               R"({"unit": {"unitId": "u", "attributes": 7}})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(Str(Json(reply.body), "field"), "unit.attributes");

  reply = Call("POST", "/v1/assign", R"({"unit": {"unitId": "u"}, "bogus": 1})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body, ::testing::HasSubstr("bogus"));

  reply = Call("GET", "/v1/experiments/no_such_experiment");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(Str(Json(reply.body), "code"), "NOT_FOUND");

  reply = Call("GET", "/v1/reports/checkout_redesign?alpha=lots");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(Str(Json(reply.body), "field"), "alpha");
  reply = Call("GET", "/v1/reports/checkout_redesign?colour=blue");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(Str(Json(reply.body), "field"), "colour");
}

TEST_F(HttpTest, KeysComeFromEitherHeaderAndRolesApply) {
  const std::string sdk = CreateKey(v1::ROLE_SDK);
  const std::string body = R"({"unit": {"unitId": "u1"}, "logExposure": false})";
  Reply reply = Call("POST", "/v1/assign", body, {}, "");
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(Str(Json(reply.body), "code"), "UNAUTHENTICATED");
  EXPECT_EQ(reply.Header("www-authenticate"), "Bearer");

  reply = Call("POST", "/v1/assign", body, {{"x-api-key", sdk}}, "");
  EXPECT_EQ(reply.status, 200) << reply.body;
  reply = Call("POST", "/v1/assign", body, {}, sdk);
  EXPECT_EQ(reply.status, 200) << reply.body;
  reply = Call("POST", "/v1/assign", body, {{"x-api-key", "wrong-key-xxxxxxxx"}},
               "");
  EXPECT_EQ(reply.status, 401);

  reply = Call("GET", "/v1/experiments", "", {}, sdk);
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(Str(Json(reply.body), "code"), "PERMISSION_DENIED");
}

TEST_F(HttpTest, UnknownPathsWrongMethodsAndLargeBodies) {
  Reply reply = Call("GET", "/v1/nothing-here");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(Str(Json(reply.body), "code"), "NOT_FOUND");

  reply = Call("GET", "/v1/assign");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.Header("allow"), "POST");
  reply = Call("DELETE", "/v1/experiments");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.Header("allow"), "GET");

  Connection connection(server_->http_port());
  const std::string big(100 * 1024, ' ');
  reply = connection.Send("POST", "/v1/events", big,
                          {{"authorization", absl::StrCat("Bearer ", kAdminKey)}});
  EXPECT_EQ(reply.status, 413);
  EXPECT_TRUE(connection.Closed());
}

TEST_F(HttpTest, ConnectionsAreKeptAlive) {
  Connection connection(server_->http_port());
  const std::map<std::string, std::string> auth = {
      {"authorization", absl::StrCat("Bearer ", kAdminKey)}};
  for (int i = 0; i < 5; ++i) {
    const Reply reply = connection.Send(
        "POST", "/v1/assign",
        absl::StrCat(R"({"unit": {"unitId": "k)", i, R"("}, "logExposure": false})"),
        auth);
    EXPECT_EQ(reply.status, 200);
  }
  EXPECT_EQ(connection.Send("GET", "/healthz").status, 200);
  // HEAD: GET's headers without a body, and the connection still usable.
  const Reply head = connection.Send("HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("content-length"), "3");
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(connection.Send("GET", "/healthz").body, "ok\n");
}

TEST_F(HttpTest, CorsAllowsListedOriginsOnly) {
  Reply reply = Call("OPTIONS", "/v1/assign", "",
                     {{"origin", "https://shop.example"},
                      {"access-control-request-method", "POST"},
                      {"access-control-request-headers", "authorization"}},
                     "");
  EXPECT_EQ(reply.status, 204);
  EXPECT_EQ(reply.Header("access-control-allow-origin"), "https://shop.example");
  EXPECT_THAT(reply.Header("access-control-allow-methods"),
              ::testing::HasSubstr("POST"));
  EXPECT_THAT(reply.Header("access-control-allow-headers"),
              ::testing::HasSubstr("authorization"));

  reply = Call("OPTIONS", "/v1/assign", "",
               {{"origin", "https://evil.example"},
                {"access-control-request-method", "POST"}},
               "");
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.Header("access-control-allow-origin"), "");

  reply = Call("POST", "/v1/assign",
               R"({"unit": {"unitId": "u1"}, "logExposure": false})",
               {{"origin", "https://shop.example"}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("access-control-allow-origin"), "https://shop.example");
  EXPECT_EQ(reply.Header("vary"), "Origin");
}

TEST_F(HttpTest, ExperimentsContentEventsAndReports) {
  Reply reply = Call("GET", "/v1/experiments");
  ASSERT_EQ(reply.status, 200);
  EXPECT_THAT(reply.body, ::testing::HasSubstr("\"checkout_redesign\""));
  reply = Call("GET", "/v1/experiments/checkout_redesign");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(Str(Json(reply.body), "key"), "checkout_redesign");

  reply = Call("POST", "/v1/content",
               R"({"unit": {"unitId": "u7"}, "slots": ["home.hero"]})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, ::testing::HasSubstr("\"slot\":\"home.hero\""));
  reply = Call("POST", "/v1/content",
               R"({"unit": {"unitId": "u7"}, "slots": ["nope"]})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(Str(Json(reply.body), "field"), "slots[0]");

  reply = Call("POST", "/v1/events",
               R"({"events": [{"eventId": "e1", "unitId": "u7",
                               "name": "purchase", "value": 10}]})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  // int64 fields are JSON strings in the proto3 mapping.
  EXPECT_THAT(reply.body, ::testing::HasSubstr("\"accepted\":\"1\""));
  reply = Call("POST", "/v1/events",
               R"({"events": [{"eventId": "e1", "unitId": "u7",
                               "name": "purchase", "value": 10}]})");
  EXPECT_THAT(reply.body, ::testing::HasSubstr("\"duplicates\":\"1\""));

  reply = Call("GET",
               "/v1/reports/checkout_redesign?method=sequential&alpha=0.1&"
               "cuped=true");
  ASSERT_EQ(reply.status, 200) << reply.body;
  google::protobuf::Struct report = Json(reply.body);
  EXPECT_EQ(Str(report, "experimentKey"), "checkout_redesign");
  EXPECT_EQ(Str(report, "method"), "METHOD_SEQUENTIAL");
  reply = Call("GET", "/v1/reports/checkout_redesign/timeseries");
  EXPECT_EQ(reply.status, 200) << reply.body;
}

TEST_F(HttpTest, OfrepEvaluatesExperimentsAsFlags) {
  for (int i = 0; i < 30; ++i) {
    const std::string unit = absl::StrCat("of-", i);
    v1::AssignResponse grpc_answer;
    ASSERT_OK(Assign(MakeUnit(unit), {"aa_randomization_check"}, &grpc_answer));
    const Reply reply =
        Call("POST", "/ofrep/v1/evaluate/flags/aa_randomization_check",
             absl::StrCat(R"({"context": {"targetingKey": ")", unit, R"("}})"));
    ASSERT_EQ(reply.status, 200) << reply.body;
    const google::protobuf::Struct flag = Json(reply.body);
    EXPECT_EQ(Str(flag, "key"), "aa_randomization_check");
    EXPECT_EQ(Str(flag, "reason"), "SPLIT");
    EXPECT_EQ(Str(flag, "variant"), grpc_answer.assignments(0).variant_key());
    EXPECT_TRUE(flag.fields().contains("value"));
    EXPECT_TRUE(flag.fields()
                    .at("metadata")
                    .struct_value()
                    .fields()
                    .at("inExperiment")
                    .bool_value());
  }
}

TEST_F(HttpTest, OfrepErrorsFollowTheSpec) {
  const std::string path = "/ofrep/v1/evaluate/flags/aa_randomization_check";
  Reply reply = Call("POST", path, R"({"context": {"plan": "pro"}})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(Str(Json(reply.body), "errorCode"), "TARGETING_KEY_MISSING");
  EXPECT_EQ(Str(Json(reply.body), "key"), "aa_randomization_check");

  reply = Call("POST", path, R"({"context": )");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(Str(Json(reply.body), "errorCode"), "PARSE_ERROR");

  reply = Call("POST", path, R"({"context": "u1"})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(Str(Json(reply.body), "errorCode"), "INVALID_CONTEXT");
  reply = Call("POST", path, R"({"context": {"targetingKey": 7}})");
  EXPECT_EQ(Str(Json(reply.body), "errorCode"), "INVALID_CONTEXT");

  reply = Call("POST", "/ofrep/v1/evaluate/flags/no_such_flag",
               R"({"context": {"targetingKey": "u1"}})");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(Str(Json(reply.body), "errorCode"), "FLAG_NOT_FOUND");

  reply = Call("POST", path, R"({"context": {"targetingKey": "u1"}})", {}, "");
  EXPECT_EQ(reply.status, 401);
  EXPECT_TRUE(Json(reply.body).fields().contains("errorDetails"));
}

TEST_F(HttpTest, OfrepDisabledFlagsServeTheControl) {
  v1::Experiment draft = MakeExperiment("draft_flag", {0.5, 0.5});
  ASSERT_OK(CreateExperiment(draft));
  const Reply reply = Call("POST", "/ofrep/v1/evaluate/flags/draft_flag",
                           R"({"context": {"targetingKey": "u1"}})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const google::protobuf::Struct flag = Json(reply.body);
  EXPECT_EQ(Str(flag, "reason"), "DISABLED");
  EXPECT_EQ(Str(flag, "variant"), "v0");
  EXPECT_EQ(Str(flag.fields().at("value").struct_value(), "variant"), "v0");
}

TEST_F(HttpTest, OfrepBulkHasAnEtagAndAnswers304UntilSomethingChanges) {
  const std::string body =
      R"({"context": {"targetingKey": "bulk-1", "device": {"type": "mobile"}}})";
  Reply first = Call("POST", "/ofrep/v1/evaluate/flags", body);
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string etag = first.Header("etag");
  ASSERT_FALSE(etag.empty());
  const google::protobuf::Struct all = Json(first.body);
  EXPECT_GE(all.fields().at("flags").list_value().values_size(), 3);

  Reply again = Call("POST", "/ofrep/v1/evaluate/flags", body,
                     {{"if-none-match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  // A new running experiment changes the answer, so the ETag.
  ASSERT_OK(CreateExperiment(MakeExperiment("new_flag", {0.5, 0.5})));
  ASSERT_OK(StartExperiment("new_flag"));
  Reply changed = Call("POST", "/ofrep/v1/evaluate/flags", body,
                       {{"if-none-match", etag}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.Header("etag"), etag);
  EXPECT_THAT(changed.body, ::testing::HasSubstr("new_flag"));
}

TEST_F(HttpTest, HealthReadinessAndMetrics) {
  Reply reply = Call("GET", "/healthz", "", {}, "");
  EXPECT_EQ(reply.status, 200);
  reply = Call("GET", "/readyz", "", {}, "");
  EXPECT_EQ(reply.status, 200);
  Call("POST", "/v1/assign", R"({"unit": {"unitId": "m1"}})");
  reply = Call("GET", "/metrics", "", {}, "");
  ASSERT_EQ(reply.status, 200);
  EXPECT_THAT(reply.Header("content-type"), ::testing::HasSubstr("text/plain"));
  EXPECT_THAT(reply.body, ::testing::HasSubstr(
                              "cxlab_http_requests_total{method=\"POST\","
                              "route=\"/v1/assign\",status=\"200\"}"));
}

TEST_F(HttpTest, WebReportsAskForAKeyThenShowTheList) {
  Reply reply = Call("GET", "/ui", "", {}, "");
  EXPECT_EQ(reply.status, 401);
  EXPECT_THAT(reply.Header("content-type"), ::testing::HasSubstr("text/html"));
  EXPECT_THAT(reply.body, ::testing::HasSubstr("name=\"key\""));

  reply = Call("POST", "/ui/login", absl::StrCat("key=", kAdminKey),
               {{"content-type", "application/x-www-form-urlencoded"}}, "");
  ASSERT_EQ(reply.status, 303);
  const std::string cookie = reply.Header("set-cookie");
  ASSERT_THAT(cookie, ::testing::HasSubstr("HttpOnly"));
  const std::string pair = cookie.substr(0, cookie.find(';'));

  reply = Call("GET", "/ui", "", {{"cookie", pair}}, "");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, ::testing::HasSubstr("/ui/experiments/checkout_redesign"));
  EXPECT_FALSE(absl::StrContains(reply.body, "http://"));

  reply = Call("GET", "/ui/experiments/checkout_redesign?method=bayesian", "",
               {{"cookie", pair}}, "");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, ::testing::HasSubstr("<svg"));

  reply = Call("GET", "/ui/experiments/no_such", "", {{"cookie", pair}}, "");
  EXPECT_EQ(reply.status, 404);
  reply = Call("POST", "/ui/login", "key=not-a-real-key-000",
               {{"content-type", "application/x-www-form-urlencoded"}}, "");
  EXPECT_EQ(reply.status, 401);
}

}  // namespace
}  // namespace cxlab::integration
