#include "common/http/http_types.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>

namespace sagaflow::http {
namespace {

HttpRequest MakeRequest(unsigned version, bool keep_alive) {
  HttpRequest req{Verb::post, "/v1/orders", version};
  req.keep_alive(keep_alive);
  return req;
}

json::object ParseBody(const HttpResponse& res) {
  auto parsed = ParseJsonObject(res.body());
  EXPECT_TRUE(parsed.ok()) << res.body();
  return parsed.ok() ? *parsed : json::object{};
}

TEST(HttpTypesTest, ErrorResponseHasCodeMessageAndField) {
  HttpResponse res = ErrorResponse(MakeRequest(11, true), 400, "invalid_argument", "must be positive", "amount_cents");
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_EQ(res[Field::content_type], "application/json");
  json::object body = ParseBody(res);
  ASSERT_EQ(body.size(), 1u);
  const json::object& error = body.at("error").as_object();
  EXPECT_EQ(error.size(), 3u);
  EXPECT_EQ(error.at("code").as_string(), "invalid_argument");
  EXPECT_EQ(error.at("message").as_string(), "must be positive");
  EXPECT_EQ(error.at("field").as_string(), "amount_cents");
}

TEST(HttpTypesTest, ErrorResponseOmitsEmptyField) {
  HttpResponse res = ErrorResponse(MakeRequest(11, true), 404, "not_found", "no such saga");
  json::object body = ParseBody(res);
  const json::object& error = body.at("error").as_object();
  EXPECT_FALSE(error.contains("field"));
  EXPECT_EQ(error.at("code").as_string(), "not_found");
}

TEST(HttpTypesTest, ErrorResponseFollowsRequestVersionAndKeepAlive) {
  HttpResponse closing = ErrorResponse(MakeRequest(11, false), 409, "conflict", "x");
  EXPECT_EQ(closing.version(), 11u);
  EXPECT_FALSE(closing.keep_alive());
  HttpResponse http10 = ErrorResponse(MakeRequest(10, true), 409, "conflict", "x");
  EXPECT_EQ(http10.version(), 10u);
  EXPECT_TRUE(http10.keep_alive());
}

TEST(HttpTypesTest, ErrorResponseFromStatusMapsCodeAndField) {
  HttpResponse res = ErrorResponse(MakeRequest(11, true), Status::InvalidArgument("items[0].sku", "is required"));
  EXPECT_EQ(res.result_int(), 400u);
  json::object body = ParseBody(res);
  const json::object& error = body.at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), "invalid_argument");
  EXPECT_EQ(error.at("message").as_string(), "is required");
  EXPECT_EQ(error.at("field").as_string(), "items[0].sku");
}

TEST(HttpTypesTest, HttpStatusForCoversEveryCode) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kConflict), 409u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnprocessable), 422u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthorized), 401u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kTransient), 503u);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermanent), 500u);
}

TEST(HttpTypesTest, JsonResponseSetsContentLengthAndBody) {
  HttpResponse res = JsonResponse(201, json::object{{"saga_id", 7}}, 11, true);
  EXPECT_EQ(res.result_int(), 201u);
  EXPECT_EQ(res.body(), R"({"saga_id":7})");
  EXPECT_EQ(res[Field::content_length], std::to_string(res.body().size()));
  EXPECT_TRUE(res.keep_alive());
}

TEST(HttpTypesTest, TargetPathDropsQuery) {
  EXPECT_EQ(TargetPath("/channel/payments?merchant_order_id=1"), "/channel/payments");
  EXPECT_EQ(TargetPath("/healthz"), "/healthz");
}

TEST(HttpTypesTest, QueryParamDecodesAndReportsAbsence) {
  const std::string target = "/p?a=1&merchant_order_id=o%2F1+x&empty=&flag";
  EXPECT_EQ(QueryParam(target, "merchant_order_id"), "o/1 x");
  EXPECT_EQ(QueryParam(target, "a"), "1");
  EXPECT_EQ(QueryParam(target, "empty"), "");
  EXPECT_EQ(QueryParam(target, "flag"), "");
  EXPECT_EQ(QueryParam(target, "missing"), std::nullopt);
  EXPECT_EQ(QueryParam("/p", "a"), std::nullopt);
}

}  // namespace
}  // namespace sagaflow::http
