#pragma once
// Prometheus text exposition format (version 0.0.4), the one small piece Debian has no
// library for. Collect samples, then Render(). Not thread-safe; build one per scrape.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sagaflow {

class PrometheusText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  //! Starts a metric family: `type` is "counter" or "gauge".
  void Family(std::string_view name, std::string_view type, std::string_view help);
  //! One sample of the current family (label values are escaped).
  void Sample(std::string_view name, double value, const Labels& labels = {});
  const std::string& Render() const { return text_; }

 private:
  std::string text_;
};

//! The Content-Type of the exposition format.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace sagaflow
