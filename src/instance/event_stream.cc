#include "instance/event_stream.h"

#include <algorithm>

namespace converge::instance {
namespace {

// A job event's context as `key=value` words for humans; the (large) allocation is left out.
std::string Summary(const nlohmann::json& context) {
  std::string out;
  if (!context.is_object()) return out;
  for (const auto& [key, value] : context.items()) {
    if (key == "allocation") continue;
    if (!out.empty()) out += ' ';
    out += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

}  // namespace

const std::set<std::string>& EventStream::Kinds() {
  static const std::set<std::string> kinds = {"job", "service", "jobset", "minicluster", "node"};
  return kinds;
}

void EventStream::Add(double time, std::string kind, std::string name, std::string reason,
                      std::string message) {
  events_.push_back(StreamEvent{next_seq_++, time, std::move(kind), std::move(name),
                                std::move(reason), std::move(message)});
  if (events_.size() > capacity_) events_.pop_front();
  if (watchers_.empty()) return;
  const StreamEvent& event = events_.back();
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [&](auto& watcher) {
                                   return watcher.first.Matches(event) && !watcher.second(event);
                                 }),
                  watchers_.end());
}

void EventStream::AddJobEvent(const store::Event& event) {
  Add(event.timestamp, "job", std::to_string(event.job_id), event.name, event.context);
}

std::vector<const StreamEvent*> EventStream::Read(const EventFilter& filter, size_t limit) const {
  std::vector<const StreamEvent*> found;
  for (auto it = events_.rbegin(); it != events_.rend() && found.size() < limit; ++it) {
    if (it->seq <= filter.after) break;  // seq descends from here on
    if (filter.Matches(*it)) found.push_back(&*it);
  }
  std::reverse(found.begin(), found.end());
  return found;
}

void EventStream::Watch(EventFilter filter, std::function<bool(const StreamEvent&)> watcher) {
  watchers_.emplace_back(std::move(filter), std::move(watcher));
}

nlohmann::json EventStream::ToJson(const StreamEvent& event) {
  nlohmann::json out = {{"seq", event.seq},   {"time", event.time},
                        {"kind", event.kind}, {"name", event.name},
                        {"reason", event.reason}};
  if (event.kind == "job") {
    nlohmann::json context = nlohmann::json::parse(event.message, nullptr, false);
    out["message"] = Summary(context);
    out["context"] = context.is_object() ? context : nlohmann::json::object();
  } else {
    out["message"] = event.message;
  }
  return out;
}

}  // namespace converge::instance
