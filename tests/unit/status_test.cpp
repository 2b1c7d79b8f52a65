// Status/Result (common/status.hpp), hashing (common/crypto.hpp) and ids (common/ids.hpp).
#include "common/status.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "common/crypto.hpp"
#include "common/ids.hpp"

namespace sagaflow {
namespace {

// ---- Status ------------------------------------------------------------------------------------------------

TEST(StatusTest, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, FactoriesSetCodeAndMessage) {
  EXPECT_TRUE(Status::NotFound("x").IsNotFound());
  EXPECT_TRUE(Status::Conflict("x").IsConflict());
  EXPECT_TRUE(Status::Transient("x").IsTransient());
  EXPECT_TRUE(Status::Permanent("x").IsPermanent());
  EXPECT_EQ(Status::Unprocessable("x").code(), StatusCode::kUnprocessable);
  EXPECT_EQ(Status::Unauthorized("x").code(), StatusCode::kUnauthorized);
  Status conflict = Status::Conflict("state 'completed' does not accept event 'signal.ship'");
  EXPECT_FALSE(conflict.ok());
  EXPECT_FALSE(conflict.IsNotFound());
  EXPECT_EQ(conflict.message(), "state 'completed' does not accept event 'signal.ship'");
  EXPECT_TRUE(conflict.field().empty());
}

TEST(StatusTest, InvalidArgumentCarriesField) {
  Status status = Status::InvalidArgument("items[0].quantity", "must be greater than 0");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "items[0].quantity");
  EXPECT_EQ(status.message(), "must be greater than 0");
}

TEST(StatusTest, ToStringIsCodeThenMessage) {
  EXPECT_EQ(Status::NotFound("saga 42 does not exist").ToString(), "not_found: saga 42 does not exist");
  EXPECT_EQ(Status::Transient("broker down").ToString(), "transient: broker down");
}

TEST(StatusTest, ToStringShowsFieldOfInvalidArgument) {
  EXPECT_EQ(Status::InvalidArgument("user_id", "is required").ToString(), "invalid_argument [user_id]: is required");
}

TEST(StatusTest, ToStringOfOkIsOk) { EXPECT_EQ(Status::Ok().ToString(), "ok"); }

TEST(StatusTest, CodeNamesAreStable) {
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "ok");
  EXPECT_EQ(StatusCodeName(StatusCode::kNotFound), "not_found");
  EXPECT_EQ(StatusCodeName(StatusCode::kConflict), "conflict");
  EXPECT_EQ(StatusCodeName(StatusCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnprocessable), "unprocessable");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnauthorized), "unauthorized");
  EXPECT_EQ(StatusCodeName(StatusCode::kTransient), "transient");
  EXPECT_EQ(StatusCodeName(StatusCode::kPermanent), "permanent");
}

// ---- Result ------------------------------------------------------------------------------------------------

TEST(ResultTest, HoldsAValue) {
  Result<std::string> result = std::string("hello");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(static_cast<bool>(result));
  EXPECT_EQ(result.value(), "hello");
  EXPECT_EQ(*result, "hello");
  EXPECT_EQ(result->size(), 5u);
  EXPECT_TRUE(result.status().ok());
}

TEST(ResultTest, HoldsAnError) {
  Result<int> result = Status::NotFound("no saga");
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(static_cast<bool>(result));
  EXPECT_TRUE(result.status().IsNotFound());
  EXPECT_EQ(result.status().message(), "no saga");
}

TEST(ResultTest, ValueCanBeModifiedAndMovedOut) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(7);
  ASSERT_TRUE(result.ok());
  **result = 8;
  std::unique_ptr<int> owned = std::move(result).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 8);
}

// ---- SAGAFLOW_RETURN_IF_ERROR --------------------------------------------------------------------------------

Status Check(const Status& inner, bool& reached_end) {
  reached_end = false;
  SAGAFLOW_RETURN_IF_ERROR(inner);
  reached_end = true;
  return Status::Ok();
}

Status CheckResult(const Result<int>& inner, bool& reached_end) {
  reached_end = false;
  SAGAFLOW_RETURN_IF_ERROR(inner);
  reached_end = true;
  return Status::Ok();
}

Result<int> Doubled(const Result<int>& inner) {
  SAGAFLOW_RETURN_IF_ERROR(inner);
  return *inner * 2;
}

TEST(ReturnIfErrorTest, ReturnsAFailedStatus) {
  bool reached_end = true;
  Status status = Check(Status::Conflict("busy"), reached_end);
  EXPECT_TRUE(status.IsConflict());
  EXPECT_EQ(status.message(), "busy");
  EXPECT_FALSE(reached_end);
}

TEST(ReturnIfErrorTest, ContinuesOnOkStatus) {
  bool reached_end = false;
  EXPECT_TRUE(Check(Status::Ok(), reached_end).ok());
  EXPECT_TRUE(reached_end);
}

TEST(ReturnIfErrorTest, ReturnsTheStatusOfAFailedResult) {
  bool reached_end = true;
  Status status = CheckResult(Status::InvalidArgument("points", "must be at least 0"), reached_end);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "points");
  EXPECT_FALSE(reached_end);
}

TEST(ReturnIfErrorTest, ContinuesOnResultWithValue) {
  bool reached_end = false;
  EXPECT_TRUE(CheckResult(21, reached_end).ok());
  EXPECT_TRUE(reached_end);
}

TEST(ReturnIfErrorTest, WorksInFunctionsReturningResult) {
  auto ok = Doubled(21);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);
  auto failed = Doubled(Status::Transient("db down"));
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.status().IsTransient());
  EXPECT_EQ(failed.status().message(), "db down");
}

// ---- Crypto ----------------------------------------------------------------------------------------------------

TEST(CryptoTest, Sha256OfAbcMatchesFips180Vector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, Sha256OfEmptyString) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CryptoTest, HmacSha256MatchesRfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, HmacSha256DependsOnTheKey) {
  EXPECT_NE(HmacSha256Hex("key-a", "body"), HmacSha256Hex("key-b", "body"));
  EXPECT_EQ(HmacSha256Hex("key-a", "body"), HmacSha256Hex("key-a", "body"));
}

TEST(CryptoTest, HexIsLowerCase) {
  const std::string digest = HmacSha256Hex("k", "d");
  EXPECT_EQ(digest.size(), 64u);
  EXPECT_EQ(digest.find_first_not_of("0123456789abcdef"), std::string::npos) << digest;
}

TEST(CryptoTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc123", "abc123"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc123", "abc124"));
  EXPECT_FALSE(ConstantTimeEquals("xbc123", "abc123"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abc123"));
  EXPECT_FALSE(ConstantTimeEquals("abc123", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

// ---- Ids ---------------------------------------------------------------------------------------------------------

TEST(IdsTest, IsUuidAcceptsCanonicalForm) {
  EXPECT_TRUE(IsUuid("123e4567-e89b-42d3-a456-426614174000"));
  EXPECT_TRUE(IsUuid("00000000-0000-0000-0000-000000000000"));
}

TEST(IdsTest, IsUuidRejectsOtherText) {
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("123e4567e89b42d3a456426614174000"));          // no dashes
  EXPECT_FALSE(IsUuid("123e4567-e89b-42d3-a456-42661417400"));       // 35 chars
  EXPECT_FALSE(IsUuid("123e4567-e89b-42d3-a456-4266141740000"));     // 37 chars
  EXPECT_FALSE(IsUuid("123e4567-e89b-42d3-a456-42661417400g"));      // non-hex
  EXPECT_FALSE(IsUuid("123e4567-e89b42d3--a456-426614174000"));      // dash misplaced
  EXPECT_FALSE(IsUuid("{23e4567-e89b-42d3-a456-426614174000}"));     // braces
  EXPECT_FALSE(IsUuid("123e4567 e89b 42d3 a456 426614174000"));      // spaces
}

TEST(IdsTest, NewUuidIsAValidVersion4Uuid) {
  const std::string id = NewUuid();
  EXPECT_TRUE(IsUuid(id)) << id;
  EXPECT_EQ(id[14], '4') << id;
}

TEST(IdsTest, NewUuidIsUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewUuid());
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(IdsTest, NameUuidIsDeterministicVersion5) {
  const std::string id = NameUuid("cmd-1:1");
  EXPECT_TRUE(IsUuid(id)) << id;
  EXPECT_EQ(id[14], '5') << id;
  EXPECT_EQ(NameUuid("cmd-1:1"), id);
}

TEST(IdsTest, NameUuidDiffersForDifferentNames) {
  EXPECT_NE(NameUuid("cmd-1:1"), NameUuid("cmd-1:2"));
  EXPECT_NE(NameUuid(""), NameUuid(" "));
}

}  // namespace
}  // namespace sagaflow
