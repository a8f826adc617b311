#include "metrics/text_format.h"

#include <charconv>
#include <cmath>

#include "common/check.h"

namespace converge::metrics {
namespace {

bool IsNameChar(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (c == ':') return colon;
  return !first && c >= '0' && c <= '9';
}

bool IsName(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, colon)) return false;
  }
  return true;
}

// HELP text escapes backslash and newline only.
std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

bool IsMetricName(std::string_view name) { return IsName(name, /*colon=*/true); }
bool IsLabelName(std::string_view name) { return IsName(name, /*colon=*/false); }

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return error == std::errc() ? std::string(buffer, end) : "NaN";
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void TextFormat::Family(std::string_view name, Type type, std::string_view help) {
  CHECK(IsMetricName(name), "invalid metric name");
  family_ = std::string(name);
  type_ = type;
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  text_ += EscapeHelp(help);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += TypeName(type);
  text_ += '\n';
}

void TextFormat::Sample(const Labels& labels, double value) {
  CHECK(!family_.empty() && type_ != Type::kHistogram, "a plain sample needs its family");
  Line("", labels, nullptr, value);
}

void TextFormat::Sample(const Labels& labels, const Histogram& histogram) {
  CHECK(!family_.empty() && type_ == Type::kHistogram, "a histogram sample needs its family");
  std::pair<std::string, std::string> le{"le", ""};
  uint64_t cumulative = 0;
  const std::vector<double>& bounds = histogram.upper_bounds();
  for (size_t i = 0; i < bounds.size(); ++i) {
    cumulative += histogram.bucket_counts()[i];
    le.second = FormatValue(bounds[i]);
    Line("_bucket", labels, &le, static_cast<double>(cumulative));
  }
  le.second = "+Inf";
  Line("_bucket", labels, &le, static_cast<double>(histogram.count()));
  Line("_sum", labels, nullptr, histogram.sum());
  Line("_count", labels, nullptr, static_cast<double>(histogram.count()));
}

void TextFormat::Single(std::string_view name, Type type, std::string_view help, double value) {
  Family(name, type, help);
  Sample({}, value);
}

void TextFormat::Line(std::string_view suffix, const Labels& labels,
                      const std::pair<std::string, std::string>* extra, double value) {
  text_ += family_;
  text_ += suffix;
  if (!labels.empty() || extra != nullptr) {
    text_ += '{';
    bool first = true;
    auto add = [&](const std::pair<std::string, std::string>& label) {
      CHECK(IsLabelName(label.first), "invalid label name");
      if (!first) text_ += ',';
      first = false;
      text_ += label.first;
      text_ += "=\"";
      text_ += EscapeLabelValue(label.second);
      text_ += '"';
    };
    for (const auto& label : labels) add(label);
    if (extra != nullptr) add(*extra);
    text_ += '}';
  }
  text_ += ' ';
  text_ += FormatValue(value);
  text_ += '\n';
}

}  // namespace converge::metrics
