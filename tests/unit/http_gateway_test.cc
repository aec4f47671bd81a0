// Copyright 2026 The cxlab Authors.
//
// The transport-free building blocks of the HTTP gateway
// (api/server/http_gateway.h): status mapping, the field named by an error,
// JSON error bodies, keys from either header, percent-decoding and report
// options from a query string.

#include "api/server/http_gateway.h"

#include "cxlab/v1/reports.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxlab::api {
namespace {

using ::testing::HasSubstr;

TEST(HttpStatusOf, MatchesTheGrpcGatewayConvention) {
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kAborted), 409);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusOf(absl::StatusCode::kDataLoss), 500);
}

TEST(FieldOfMessage, IsTheLeadingFieldPathOnly) {
  EXPECT_EQ(FieldOfMessage("unit.unit_id: must not be empty"), "unit.unit_id");
  EXPECT_EQ(FieldOfMessage("variants[1].weight: weights must sum to 1"),
            "variants[1].weight");
  EXPECT_EQ(FieldOfMessage("events[12]: unknown metric"), "events[12]");
  EXPECT_EQ(FieldOfMessage("no field here"), "");
  EXPECT_EQ(FieldOfMessage("role reader cannot call X: it needs editor"), "");
  EXPECT_EQ(FieldOfMessage("a[: broken"), "");
  EXPECT_EQ(FieldOfMessage("1abc: not an identifier"), "");
  EXPECT_EQ(FieldOfMessage(": empty"), "");
}

TEST(ErrorResponse, IsJsonWithCodeMessageAndFieldEscaped) {
  const HttpResponse r = ErrorResponse(
      absl::InvalidArgumentError("unit.unit_id: bad \"quote\"\nline"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            R"({"code":"INVALID_ARGUMENT","message":"unit.unit_id: bad )"
            R"(\"quote\"\nline","field":"unit.unit_id"})");
  const HttpResponse unauthenticated =
      ErrorResponse(absl::UnauthenticatedError("missing key"));
  EXPECT_EQ(unauthenticated.status, 401);
  ASSERT_EQ(unauthenticated.headers.size(), 1u);
  EXPECT_EQ(unauthenticated.headers[0].first, "WWW-Authenticate");
}

TEST(AuthorizationOf, PrefersAuthorizationThenXApiKey) {
  HttpRequest request;
  EXPECT_EQ(AuthorizationOf(request), "");
  request.headers["x-api-key"] = "k1";
  EXPECT_EQ(AuthorizationOf(request), "Bearer k1");
  request.headers["authorization"] = "Bearer k2";
  EXPECT_EQ(AuthorizationOf(request), "Bearer k2");
}

TEST(PercentDecode, DecodesAndRejectsBadEscapes) {
  std::string out;
  ASSERT_TRUE(PercentDecode("checkout%20flow%2Fv2+x", &out));
  EXPECT_EQ(out, "checkout flow/v2+x");
  EXPECT_FALSE(PercentDecode("bad%2", &out));
  EXPECT_FALSE(PercentDecode("bad%zz", &out));
}

TEST(MessageFromQuery, SetsReportOptionsByNameWithFriendlyEnums) {
  v1::GetReportRequest request;
  ASSERT_TRUE(MessageFromQuery("method=sequential&alpha=0.01&cuped&"
                               "correction=HOLM&by_segment=false&"
                               "fromDay=2026-11-01&segment=runners%20club",
                               &request)
                  .ok());
  EXPECT_EQ(request.method(), v1::METHOD_SEQUENTIAL);
  EXPECT_DOUBLE_EQ(request.alpha(), 0.01);
  EXPECT_TRUE(request.cuped());
  EXPECT_EQ(request.correction(), v1::CORRECTION_HOLM);
  EXPECT_FALSE(request.by_segment());
  EXPECT_EQ(request.from_day(), "2026-11-01");
  EXPECT_EQ(request.segment(), "runners club");
}

TEST(MessageFromQuery, NamesTheBadParameter) {
  v1::GetReportRequest request;
  absl::Status s = MessageFromQuery("alpha=lots", &request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("alpha: must be a number"));
  s = MessageFromQuery("method=magic", &request);
  EXPECT_THAT(s.message(), HasSubstr("method: must be one of"));
  EXPECT_THAT(s.message(), HasSubstr("sequential"));
  s = MessageFromQuery("cuped=maybe", &request);
  EXPECT_THAT(s.message(), HasSubstr("cuped: must be true or false"));
  s = MessageFromQuery("colour=blue", &request);
  EXPECT_THAT(s.message(), HasSubstr("colour: unknown query parameter"));
  s = MessageFromQuery("alpha.x=1", &request);
  EXPECT_THAT(s.message(), HasSubstr("has no fields"));
}

TEST(MessageFromJson, AcceptsBothNamesAndRejectsUnknownFields) {
  v1::GetReportRequest request;
  ASSERT_TRUE(MessageFromJson(R"({"experimentKey": "a", "by_segment": true})",
                              &request)
                  .ok());
  EXPECT_EQ(request.experiment_key(), "a");
  EXPECT_TRUE(request.by_segment());
  absl::Status s = MessageFromJson(R"({"bogus": 1})", &request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOfMessage(s.message()), "bogus");
  s = MessageFromJson("[]", &request);
  EXPECT_EQ(FieldOfMessage(s.message()), "body");
  EXPECT_TRUE(MessageFromJson("  ", &request).ok());
}

}  // namespace
}  // namespace cxlab::api
