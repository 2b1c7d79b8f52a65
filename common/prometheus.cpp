#include "common/prometheus.hpp"

#include <cmath>
#include <cstdio>

namespace sagaflow {
namespace {
std::string Escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}
}  // namespace

void PrometheusText::Family(std::string_view name, std::string_view type, std::string_view help) {
  text_ += "# HELP " + std::string(name) + " " + std::string(help) + "\n";
  text_ += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
}

void PrometheusText::Sample(std::string_view name, double value, const Labels& labels) {
  text_ += name;
  if (!labels.empty()) {
    text_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) text_ += ',';
      text_ += labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
    }
    text_ += '}';
  }
  char number[64];
  if (std::floor(value) == value && std::fabs(value) < 1e15) {
    std::snprintf(number, sizeof number, " %.0f\n", value);
  } else {
    std::snprintf(number, sizeof number, " %g\n", value);
  }
  text_ += number;
}

}  // namespace sagaflow
