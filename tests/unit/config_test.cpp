// Config: one JSON block per component, SAGAFLOW_<BLOCK>_<KEY> environment overrides, durations.
#include "common/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "common/ids.hpp"

namespace sagaflow {
namespace {

using std::chrono::milliseconds;

//! Sets an environment variable for one test and restores what was there before.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) previous_ = old;
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (previous_) {
      ::setenv(name_.c_str(), previous_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> previous_;
};

//! A file in the test temp dir, removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& contents) : path_(::testing::TempDir() + "sagaflow_config_" + NewUuid() + ".json") {
    std::ofstream out(path_);
    out << contents;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Block names are unusual so that no variable of the real environment interferes.
Config SampleConfig() {
  return Config::FromJson(json::object{
      {"utblock", json::object{{"url", "postgresql://db/x"},
                               {"pool_size", 8},
                               {"ratio", 0.25},
                               {"step_timeout", "30s"},
                               {"poll_interval", 1500},
                               {"enabled", true},
                               {"count_text", "12"},
                               {"not_a_number", "eight"},
                               {"bad_duration", "soon"}}},
  });
}

// ---- Values from the file ---------------------------------------------------------------------------------

TEST(ConfigTest, FromJsonReadsStrings) {
  EXPECT_EQ(SampleConfig().GetString("utblock", "url", "fallback"), "postgresql://db/x");
}

TEST(ConfigTest, FromJsonReadsIntegers) {
  EXPECT_EQ(SampleConfig().GetInt("utblock", "pool_size", -1), 8);
  EXPECT_EQ(SampleConfig().GetInt("utblock", "count_text", -1), 12);
}

TEST(ConfigTest, FromJsonReadsDoubles) { EXPECT_DOUBLE_EQ(SampleConfig().GetDouble("utblock", "ratio", -1.0), 0.25); }

TEST(ConfigTest, FromJsonReadsDurationsWithUnitOrMilliseconds) {
  EXPECT_EQ(SampleConfig().GetDuration("utblock", "step_timeout", milliseconds(1)), milliseconds(30'000));
  EXPECT_EQ(SampleConfig().GetDuration("utblock", "poll_interval", milliseconds(1)), milliseconds(1'500));
}

TEST(ConfigTest, NonStringValueReadAsStringIsItsJsonText) {
  EXPECT_EQ(SampleConfig().GetString("utblock", "pool_size", ""), "8");
  EXPECT_EQ(SampleConfig().GetString("utblock", "enabled", ""), "true");
}

TEST(ConfigTest, MissingKeyOrBlockFallsBack) {
  const Config config = SampleConfig();
  EXPECT_EQ(config.GetString("utblock", "missing", "fb"), "fb");
  EXPECT_EQ(config.GetString("noblock", "url", "fb"), "fb");
  EXPECT_EQ(config.GetInt("noblock", "pool_size", 7), 7);
  EXPECT_DOUBLE_EQ(config.GetDouble("noblock", "ratio", 0.5), 0.5);
  EXPECT_EQ(config.GetDuration("noblock", "step_timeout", milliseconds(42)), milliseconds(42));
}

TEST(ConfigTest, EmptyConfigFallsBack) {
  const Config config;
  EXPECT_EQ(config.GetString("utblock", "url", "fb"), "fb");
  EXPECT_EQ(config.GetInt("utblock", "pool_size", 3), 3);
}

TEST(ConfigTest, GetIntWithNonIntegerFallsBack) {
  const Config config = SampleConfig();
  EXPECT_EQ(config.GetInt("utblock", "not_a_number", 5), 5);
  EXPECT_EQ(config.GetInt("utblock", "ratio", 5), 5);  // 0.25
  EXPECT_EQ(config.GetInt("utblock", "url", 5), 5);
}

TEST(ConfigTest, GetDoubleWithNonNumberFallsBack) {
  EXPECT_DOUBLE_EQ(SampleConfig().GetDouble("utblock", "not_a_number", 1.5), 1.5);
}

TEST(ConfigTest, FromJsonReadsBooleans) {
  EXPECT_TRUE(SampleConfig().GetBool("utblock", "enabled", false));
  EXPECT_TRUE(SampleConfig().GetBool("utblock", "missing", true));
  EXPECT_FALSE(SampleConfig().GetBool("utblock", "missing", false));
}

TEST(ConfigTest, GetBoolReadsTextAndFallsBackOnAnythingElse) {
  {
    ScopedEnv on("SAGAFLOW_UTBLOCK_ENABLED", "false");
    EXPECT_FALSE(SampleConfig().GetBool("utblock", "enabled", true));
  }
  {
    ScopedEnv on("SAGAFLOW_UTBLOCK_ENABLED", "0");
    EXPECT_FALSE(SampleConfig().GetBool("utblock", "enabled", true));
  }
  EXPECT_FALSE(SampleConfig().GetBool("utblock", "not_a_number", false));
  EXPECT_TRUE(SampleConfig().GetBool("utblock", "not_a_number", true));
}

TEST(ConfigTest, GetDurationWithBadValueFallsBack) {
  EXPECT_EQ(SampleConfig().GetDuration("utblock", "bad_duration", milliseconds(9)), milliseconds(9));
}

// ---- Environment overrides ---------------------------------------------------------------------------------

TEST(ConfigTest, EnvironmentOverridesTheFile) {
  ScopedEnv url("SAGAFLOW_UTBLOCK_URL", "postgresql://env/y");
  ScopedEnv pool("SAGAFLOW_UTBLOCK_POOL_SIZE", "32");
  ScopedEnv timeout("SAGAFLOW_UTBLOCK_STEP_TIMEOUT", "2m");
  const Config config = SampleConfig();
  EXPECT_EQ(config.GetString("utblock", "url", ""), "postgresql://env/y");
  EXPECT_EQ(config.GetInt("utblock", "pool_size", -1), 32);
  EXPECT_EQ(config.GetDuration("utblock", "step_timeout", milliseconds(1)), milliseconds(120'000));
}

TEST(ConfigTest, EnvironmentSuppliesKeysAbsentFromTheFile) {
  ScopedEnv ratio("SAGAFLOW_UTENVONLY_RATIO", "0.75");
  const Config config;
  EXPECT_DOUBLE_EQ(config.GetDouble("utenvonly", "ratio", 0.0), 0.75);
}

TEST(ConfigTest, EnvironmentOverrideIsReadAtLookupTime) {
  const Config config = SampleConfig();
  {
    ScopedEnv pool("SAGAFLOW_UTBLOCK_POOL_SIZE", "64");
    EXPECT_EQ(config.GetInt("utblock", "pool_size", -1), 64);
  }
  EXPECT_EQ(config.GetInt("utblock", "pool_size", -1), 8);
}

TEST(ConfigTest, EnvironmentNameIsUpperCaseBlockAndKey) {
  ScopedEnv lower("sagaflow_utblock_url", "lower-case-ignored");
  EXPECT_EQ(SampleConfig().GetString("utblock", "url", ""), "postgresql://db/x");
}

TEST(ConfigTest, NonIntegerEnvironmentValueFallsBack) {
  ScopedEnv pool("SAGAFLOW_UTBLOCK_POOL_SIZE", "lots");
  EXPECT_EQ(SampleConfig().GetInt("utblock", "pool_size", 4), 4);
}

// ---- Load ------------------------------------------------------------------------------------------------------

TEST(ConfigTest, LoadOfMissingFileIsInvalidArgument) {
  auto config = Config::Load(::testing::TempDir() + "sagaflow_no_such_config_" + NewUuid() + ".json");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
}

TEST(ConfigTest, LoadOfNonJsonFileIsInvalidArgument) {
  TempFile file("{ not json");
  auto config = Config::Load(file.path());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
}

TEST(ConfigTest, LoadOfJsonArrayIsInvalidArgument) {
  TempFile file("[1, 2]");
  auto config = Config::Load(file.path());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
}

TEST(ConfigTest, LoadReadsATempJsonFile) {
  TempFile file(R"({ "utfile": { "url": "amqp://guest@h/", "max_attempts": 5, "step_timeout": "250ms" } })");
  auto config = Config::Load(file.path());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("utfile", "url", ""), "amqp://guest@h/");
  EXPECT_EQ(config->GetInt("utfile", "max_attempts", -1), 5);
  EXPECT_EQ(config->GetDuration("utfile", "step_timeout", milliseconds(1)), milliseconds(250));
}

TEST(ConfigTest, LoadWithEmptyPathUsesEnvironmentOnly) {
  ScopedEnv url("SAGAFLOW_UTEMPTY_URL", "from-env");
  auto config = Config::Load("");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->GetString("utempty", "url", ""), "from-env");
  EXPECT_EQ(config->GetString("utempty", "other", "fb"), "fb");
}

// ---- ParseDuration ---------------------------------------------------------------------------------------------

TEST(ParseDurationTest, Milliseconds) {
  auto d = ParseDuration("250ms");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, milliseconds(250));
}

TEST(ParseDurationTest, Seconds) {
  auto d = ParseDuration("30s");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, milliseconds(30'000));
}

TEST(ParseDurationTest, Minutes) {
  auto d = ParseDuration("15m");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, milliseconds(900'000));
}

TEST(ParseDurationTest, Hours) {
  auto d = ParseDuration("2h");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, milliseconds(7'200'000));
}

TEST(ParseDurationTest, BareIntegerIsMilliseconds) {
  auto d = ParseDuration("100");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, milliseconds(100));
}

TEST(ParseDurationTest, ZeroIsAllowed) {
  auto d = ParseDuration("0s");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, milliseconds(0));
}

TEST(ParseDurationTest, UnknownUnitIsInvalidArgument) {
  for (const char* text : {"5d", "10sec", "3 s", "1.5s", "30S"}) {
    SCOPED_TRACE(text);
    auto d = ParseDuration(text);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ParseDurationTest, NegativeIsInvalidArgument) {
  auto d = ParseDuration("-5s");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
}

TEST(ParseDurationTest, MissingNumberIsInvalidArgument) {
  for (const char* text : {"", "s", "ms", "soon"}) {
    SCOPED_TRACE(text);
    auto d = ParseDuration(text);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ParseDurationTest, LargestHoursThatFitAreExact) {
  auto d = ParseDuration("2562047788015h");  // INT64_MAX / 3600000, rounded down
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->count(), std::int64_t{2562047788015} * 3'600'000);
}

// More milliseconds than an int64 holds is refused, not wrapped into a negative delay.
TEST(ParseDurationTest, OverflowingValueIsInvalidArgument) {
  for (const char* text : {"2562047788016h", "200000000000000m", "9223372036854776s"}) {
    SCOPED_TRACE(text);
    auto d = ParseDuration(text);
    EXPECT_FALSE(d.ok()) << "parsed as " << d->count() << "ms";
  }
}

}  // namespace
}  // namespace sagaflow
