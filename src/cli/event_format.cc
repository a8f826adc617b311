#include "cli/event_format.h"

#include <cstdio>

#include "cli/job_table.h"

namespace converge::cli {
namespace {

constexpr int kObjectWidth = 24;
constexpr int kReasonWidth = 13;

std::string Padded(std::string text, int width) {
  if (static_cast<int>(text.size()) < width) text.append(static_cast<size_t>(width) - text.size(), ' ');
  return text + " ";
}

std::string Text(const nlohmann::json& event, const char* key) {
  const auto it = event.find(key);
  return it != event.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string StreamEventHeader() {
  return Padded("TIME", 19) + Padded("OBJECT", kObjectWidth) + Padded("REASON", kReasonWidth) +
         "MESSAGE\n";
}

std::string FormatStreamEvent(const nlohmann::json& event) {
  const auto found = event.find("time");
  const double time = found != event.end() && found->is_number() ? found->get<double>() : 0;
  std::string message = Text(event, "message");
  for (char& c : message) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return Padded(FormatTimestamp(time), 19) +
         Padded(Text(event, "kind") + "/" + Text(event, "name"), kObjectWidth) +
         Padded(Text(event, "reason"), kReasonWidth) + message + "\n";
}

}  // namespace converge::cli
