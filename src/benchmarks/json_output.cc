#include "benchmarks/json_output.h"

#include <charconv>
#include <cmath>
#include <string>

namespace converge::benchmarks {

Result<nlohmann::json> FindJsonObject(std::string_view output, std::string_view metric) {
  const size_t last = output.rfind('}');
  // Each line that opens with '{' is a candidate start, tried in order; a few suffice (the
  // object is the bulk of the output), and capping them keeps garbage from costing n^2.
  constexpr int kMaxTries = 8;
  size_t start = output.empty() || output.front() != '{' ? output.find("\n{") : 0;
  for (int tries = 0; last != std::string_view::npos && start != std::string_view::npos &&
                      start < last && tries < kMaxTries;
       ++tries) {
    if (output[start] == '\n') ++start;
    const char* begin = output.data() + start;
    nlohmann::json parsed =
        nlohmann::json::parse(begin, output.data() + last + 1, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded() && parsed.is_object()) return parsed;
    start = output.find("\n{", start);
  }
  return Status::Invalid(std::string(metric), "no JSON object in the output");
}

const nlohmann::json* JsonAt(const nlohmann::json& root,
                             std::initializer_list<std::string_view> path) {
  const nlohmann::json* at = &root;
  for (std::string_view step : path) {
    if (at->is_object()) {
      auto it = at->find(step);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      size_t index = 0;
      auto [ptr, error] = std::from_chars(step.data(), step.data() + step.size(), index);
      if (error != std::errc() || ptr != step.data() + step.size() || index >= at->size()) {
        return nullptr;
      }
      at = &(*at)[index];
    } else {
      return nullptr;
    }
  }
  return at;
}

std::optional<double> NumberAt(const nlohmann::json& root,
                               std::initializer_list<std::string_view> path) {
  const nlohmann::json* at = JsonAt(root, path);
  if (at == nullptr || !at->is_number()) return std::nullopt;
  const double value = at->get<double>();
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace converge::benchmarks
