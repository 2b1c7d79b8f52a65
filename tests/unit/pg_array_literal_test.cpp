// PgArrayLiteral: array parameters; elements the array syntax would misread are quoted.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/pg_connection.hpp"

namespace sagaflow::storage {
namespace {

TEST(PgArrayLiteralTest, TextElementsAreJoinedInOrder) {
  EXPECT_EQ(PgArrayLiteral(std::vector<std::string>{"6f1c1b1e-1111-4a4a-8b8b-000000000001", "b"}),
            "{6f1c1b1e-1111-4a4a-8b8b-000000000001,b}");
}

TEST(PgArrayLiteralTest, ElementsTheSyntaxWouldMisreadAreQuoted) {
  EXPECT_EQ(PgArrayLiteral(std::vector<std::string>{"a b", "x,y", "{z}", R"(say "hi")", R"(back\slash)"}),
            R"({"a b","x,y","{z}","say \"hi\"","back\\slash"})");
  EXPECT_EQ(PgArrayLiteral(std::vector<std::string>{"", "NULL", "null", "nulls"}), R"({"","NULL","null",nulls})");
}

TEST(PgArrayLiteralTest, IntegersAreWrittenInDecimal) {
  EXPECT_EQ(PgArrayLiteral(std::vector<std::int64_t>{3, -1, 9'000'000'000}), "{3,-1,9000000000}");
}

TEST(PgArrayLiteralTest, NoElementsIsTheEmptyArray) {
  EXPECT_EQ(PgArrayLiteral(std::vector<std::string>{}), "{}");
  EXPECT_EQ(PgArrayLiteral(std::vector<std::int64_t>{}), "{}");
}

}  // namespace
}  // namespace sagaflow::storage
