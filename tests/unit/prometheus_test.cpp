#include <gtest/gtest.h>

#include "common/prometheus.hpp"

namespace sagaflow {
namespace {

TEST(PrometheusTextTest, RendersFamiliesSamplesAndEscapedLabels) {
  PrometheusText text;
  text.Family("sagaflow_sagas", "gauge", "Sagas by status.");
  text.Sample("sagaflow_sagas", 3, {{"type", "order"}, {"status", "completed"}});
  text.Sample("sagaflow_sagas", 0.5, {{"type", "a\"b\\c\nd"}});
  text.Family("sagaflow_up", "counter", "Plain.");
  text.Sample("sagaflow_up", 12345678901);
  EXPECT_EQ(text.Render(),
            "# HELP sagaflow_sagas Sagas by status.\n"
            "# TYPE sagaflow_sagas gauge\n"
            "sagaflow_sagas{type=\"order\",status=\"completed\"} 3\n"
            "sagaflow_sagas{type=\"a\\\"b\\\\c\\nd\"} 0.5\n"
            "# HELP sagaflow_up Plain.\n"
            "# TYPE sagaflow_up counter\n"
            "sagaflow_up 12345678901\n");
}

}  // namespace
}  // namespace sagaflow
