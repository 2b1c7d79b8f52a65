// JSON accessors (common/json.hpp): missing or mistyped fields become InvalidArgument naming them.
#include "common/json.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace sagaflow {
namespace {

json::object Sample() {
  return json::object{{"name", "widget"},
                      {"count", 3},
                      {"negative", -7},
                      {"big", std::uint64_t{1} << 62},
                      {"huge", std::numeric_limits<std::uint64_t>::max()},
                      {"ratio", 0.5},
                      {"flag", true},
                      {"nothing", nullptr},
                      {"nested", json::object{{"k", "v"}}},
                      {"list", json::array{1, 2}}};
}

// ---- ParseJsonObject ------------------------------------------------------------------------------------------

TEST(JsonTest, ParseJsonObjectReadsAnObject) {
  auto parsed = ParseJsonObject(R"({"a": 1, "b": {"c": "d"}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, (json::object{{"a", 1}, {"b", json::object{{"c", "d"}}}}));
}

TEST(JsonTest, ParseJsonObjectRejectsInvalidJsonNamingBody) {
  for (const char* text : {"", "{", "{\"a\": }", "nope", "{\"a\": 1} trailing"}) {
    SCOPED_TRACE(text);
    auto parsed = ParseJsonObject(text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().field(), "body");
  }
}

TEST(JsonTest, ParseJsonObjectRejectsNonObjectsNamingBody) {
  for (const char* text : {"[1, 2]", "42", "\"text\"", "null"}) {
    SCOPED_TRACE(text);
    auto parsed = ParseJsonObject(text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().field(), "body");
  }
}

// ---- GetString ---------------------------------------------------------------------------------------------

TEST(JsonTest, GetStringReturnsTheString) {
  auto value = GetString(Sample(), "name");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, "widget");
}

TEST(JsonTest, GetStringMissingNamesTheKey) {
  auto value = GetString(Sample(), "absent");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(value.status().field(), "absent");
}

TEST(JsonTest, GetStringOfWrongTypeNamesTheFieldPath) {
  auto value = GetString(Sample(), "count", "items[2].sku");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(value.status().field(), "items[2].sku");
  EXPECT_FALSE(GetString(Sample(), "nothing").ok());
}

TEST(JsonTest, GetStringMissingNamesTheFieldPathWhenGiven) {
  auto value = GetString(Sample(), "absent", "address.city");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().field(), "address.city");
}

// ---- GetInt ------------------------------------------------------------------------------------------------

TEST(JsonTest, GetIntReturnsSignedIntegers) {
  auto count = GetInt(Sample(), "count");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 3);
  auto negative = GetInt(Sample(), "negative");
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(*negative, -7);
}

TEST(JsonTest, GetIntAcceptsUnsignedWithinRange) {
  auto big = GetInt(Sample(), "big");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(*big, std::int64_t{1} << 62);
}

TEST(JsonTest, GetIntRejectsUnsignedAboveInt64Max) {
  auto huge = GetInt(Sample(), "huge", "amount_cents");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().field(), "amount_cents");
}

TEST(JsonTest, GetIntRejectsNonIntegersNamingTheField) {
  for (const char* key : {"ratio", "name", "flag", "nothing", "nested"}) {
    SCOPED_TRACE(key);
    auto value = GetInt(Sample(), key);
    ASSERT_FALSE(value.ok());
    EXPECT_EQ(value.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(value.status().field(), key);
  }
}

TEST(JsonTest, GetIntMissingNamesTheFieldPath) {
  auto value = GetInt(Sample(), "quantity", "items[0].quantity");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().field(), "items[0].quantity");
}

TEST(JsonTest, GetIntParsedFromText) {
  auto obj = ParseJsonObject(R"({"n": 9007199254740993, "m": -1})");
  ASSERT_TRUE(obj.ok());
  auto n = GetInt(*obj, "n");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 9007199254740993);  // exact: not read through a double
  EXPECT_EQ(GetInt(*obj, "m").value(), -1);
}

// ---- StringOr / IntOr / ObjectOrNull -------------------------------------------------------------------------

TEST(JsonTest, StringOrReturnsStringOrFallback) {
  EXPECT_EQ(StringOr(Sample(), "name", "fb"), "widget");
  EXPECT_EQ(StringOr(Sample(), "absent", "fb"), "fb");
  EXPECT_EQ(StringOr(Sample(), "count", "fb"), "fb");
  EXPECT_EQ(StringOr(Sample(), "absent"), "");
}

TEST(JsonTest, IntOrReturnsIntegerOrFallback) {
  EXPECT_EQ(IntOr(Sample(), "count", -1), 3);
  EXPECT_EQ(IntOr(Sample(), "negative", 0), -7);
  EXPECT_EQ(IntOr(Sample(), "big", -1), std::int64_t{1} << 62);
  EXPECT_EQ(IntOr(Sample(), "absent", -1), -1);
  EXPECT_EQ(IntOr(Sample(), "ratio", -1), -1);
  EXPECT_EQ(IntOr(Sample(), "name", -1), -1);
  EXPECT_EQ(IntOr(Sample(), "nothing", -1), -1);
}

// A uint64 above INT64_MAX is not an int64: fallback, as GetInt refuses it (was cast to -1).
TEST(JsonTest, IntOrFallsBackForUnsignedAboveInt64Max) {
  EXPECT_EQ(IntOr(Sample(), "huge", 7), 7);
}

TEST(JsonTest, ObjectOrNullReturnsObjectOrNull) {
  const json::object sample = Sample();
  const json::object* nested = ObjectOrNull(sample, "nested");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(*nested, (json::object{{"k", "v"}}));
  EXPECT_EQ(nested, &sample.at("nested").as_object());  // a view, not a copy
  EXPECT_EQ(ObjectOrNull(sample, "absent"), nullptr);
  EXPECT_EQ(ObjectOrNull(sample, "list"), nullptr);
  EXPECT_EQ(ObjectOrNull(sample, "name"), nullptr);
}

// ---- ToJson ----------------------------------------------------------------------------------------------------

TEST(JsonTest, ToJsonIsCompactInInsertionOrder) {
  json::object obj;
  obj["z"] = 1;
  obj["a"] = json::array{true, nullptr};
  obj["m"] = "x";
  EXPECT_EQ(ToJson(obj), R"({"z":1,"a":[true,null],"m":"x"})");
}

TEST(JsonTest, ToJsonRoundTripsThroughParse) {
  const json::object sample = Sample();
  auto parsed = ParseJsonObject(ToJson(sample));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, sample);
}

}  // namespace
}  // namespace sagaflow
