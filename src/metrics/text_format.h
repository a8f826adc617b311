// TextFormat: writes metrics in the Prometheus text exposition format, version 0.0.4 — what
// `GET /metrics` answers and every Prometheus-compatible scraper reads.
//
// A family is started once with Family() (its # HELP and # TYPE lines); its samples follow.
// Names (metric and label) are the program's own and must be valid Prometheus names
// ([a-zA-Z_:][a-zA-Z0-9_:]*, labels without ':'; CHECKed). Label values may be anything: they
// are escaped. Values print in the shortest form that reads back exactly; +Inf, -Inf, NaN as
// the format spells them.
// Plain value; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/histogram.h"

namespace converge::metrics {

// The Content-Type of the text format.
inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class Type { kCounter, kGauge, kHistogram };

// (label name, value) pairs, in the order they are printed.
using Labels = std::vector<std::pair<std::string, std::string>>;

class TextFormat {
 public:
  // Starts family `name` (for a counter, by convention ending in _total).
  void Family(std::string_view name, Type type, std::string_view help);
  // A sample of the current family (a counter or gauge).
  void Sample(const Labels& labels, double value);
  // The _bucket (cumulative, with le), _sum and _count samples of a histogram family.
  void Sample(const Labels& labels, const Histogram& histogram);
  // A family of one unlabelled sample.
  void Single(std::string_view name, Type type, std::string_view help, double value);

  const std::string& text() const { return text_; }
  std::string Take() { return std::move(text_); }

 private:
  void Line(std::string_view suffix, const Labels& labels, const std::pair<std::string,
            std::string>* extra, double value);

  std::string text_;
  std::string family_;  // the current family's name
  Type type_ = Type::kGauge;
};

// `value` as the format prints it.
std::string FormatValue(double value);
// `value` escaped for a label value inside double quotes (\\, \", \n).
std::string EscapeLabelValue(std::string_view value);
// Whether `name` is a valid metric name (label_name: a valid label name).
bool IsMetricName(std::string_view name);
bool IsLabelName(std::string_view name);

}  // namespace converge::metrics
