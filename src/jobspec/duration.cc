#include "jobspec/duration.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "jobspec/limits.h"

namespace converge::jobspec {

Result<double> ParseDuration(std::string_view text) {
  if (text.empty()) return Status::Invalid("", "duration is empty");
  double scale = 1;
  std::string_view number = text;
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
    scale = 0.001;
    number = text.substr(0, text.size() - 2);
  } else {
    switch (text.back()) {
      case 's':
        scale = 1;
        break;
      case 'm':
        scale = 60;
        break;
      case 'h':
        scale = 3600;
        break;
      case 'd':
        scale = 86400;
        break;
      default:
        scale = 0;
        break;
    }
    if (scale != 0) {
      number = text.substr(0, text.size() - 1);
    } else {
      scale = 1;
    }
  }
  const std::string quoted = "'" + std::string(text) + "'";
  if (number.empty()) return Status::Invalid("", "duration " + quoted + " has no number");
  if (number[0] == '-') return Status::Invalid("", "duration " + quoted + " must be >= 0");
  for (char c : number) {
    if (!((c >= '0' && c <= '9') || c == '.')) {
      return Status::Invalid(
          "", "duration " + quoted + " is not a number with an optional ms/s/m/h/d suffix");
    }
  }
  double value = 0;
  auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (error != std::errc() || end != number.data() + number.size()) {
    return Status::Invalid(
        "", "duration " + quoted + " is not a number with an optional ms/s/m/h/d suffix");
  }
  const double seconds = value * scale;
  if (!std::isfinite(seconds) || seconds > kMaxDurationSeconds) {
    return Status::Invalid("", "duration " + quoted + " is longer than 100 years");
  }
  return seconds;
}

std::string FormatDuration(double seconds) {
  if (seconds == 0) return "0";
  struct Unit {
    double scale;
    const char* suffix;
  };
  constexpr Unit kUnits[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  for (const Unit& unit : kUnits) {
    const double scaled = seconds / unit.scale;
    if (scaled >= 1 && std::floor(scaled) == scaled && scaled < 1e15 &&
        scaled * unit.scale == seconds) {
      char buffer[32];
      std::snprintf(buffer, sizeof(buffer), "%.0f%s", scaled, unit.suffix);
      return buffer;
    }
  }
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%.17gs", seconds);
  // Prefer the shortest form that reads back exactly.
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*gs", precision, seconds);
    if (std::strtod(buffer, nullptr) == seconds) break;
  }
  return buffer;
}

}  // namespace converge::jobspec
