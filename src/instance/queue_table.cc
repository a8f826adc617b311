#include "instance/queue_table.h"

#include <algorithm>
#include <cmath>

#include "common/hostlist.h"
#include "common/split.h"
#include "jobspec/duration.h"

namespace converge::instance {

namespace {

bool ValidName(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
         });
}

std::string Names(const std::vector<QueueConfig>& queues) {
  std::string names;
  for (const QueueConfig& queue : queues) names += (names.empty() ? "" : ", ") + queue.name;
  return names;
}

// Nodes a jobspec asks for at its top level (0 when it names none).
int64_t NodesAskedFor(const jobspec::Jobspec& spec) {
  int64_t nodes = 0;
  for (const jobspec::ResourceRequest& request : spec.resources) {
    if (request.type == "node") nodes += request.count.min;
  }
  return nodes;
}

bool IsDigest(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Result<std::vector<std::string>> ParseDigests(const std::string& key, const std::string& value) {
  std::vector<std::string> digests = SplitString(value, ',');
  for (const std::string& digest : digests) {
    if (!IsDigest(digest)) {
      return Status::Invalid("--queue", key + "='" + value + "': '" + digest +
                                            "' is not a SHA-256 digest (64 lowercase hex "
                                            "digits, as converge show --provenance prints)");
    }
  }
  return digests;
}

constexpr const char* kRequireBlessed = "require_blessed";

}  // namespace

Result<QueueConfig> ParseQueueFlag(const std::string& text, sched::QueuePolicy policy) {
  const std::vector<std::string> parts = SplitString(text, ':');
  QueueConfig queue;
  queue.name = parts[0];
  queue.policy = policy;
  if (!ValidName(queue.name)) {
    return Status::Invalid("--queue", "'" + queue.name + "' is not a queue name (1-64 letters, "
                                      "digits, '.', '_' or '-')");
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const size_t equals = part.find('=');
    const std::string key = part.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : part.substr(equals + 1);
    if (equals == std::string::npos) {
      Result<sched::QueuePolicy> parsed = sched::ParseQueuePolicy(part);
      if (!parsed.ok() || i != 1) {
        return Status::Invalid("--queue", "'" + part + "' in '" + text + "' is neither a policy "
                                          "(fcfs, easy, conservative) right after the name nor "
                                          "a setting (max-time=, max-nodes=, requires=, "
                                          "hosts=, kernels=, topologies=)");
      }
      queue.policy = *parsed;
    } else if (key == "max-time") {
      Result<double> seconds = jobspec::ParseDuration(value);
      if (!seconds.ok() || !(*seconds > 0) || !std::isfinite(*seconds)) {
        return Status::Invalid("--queue", "max-time='" + value + "' is not a duration (30m, 2h)");
      }
      queue.max_duration = *seconds;
    } else if (key == "requires") {
      queue.properties = SplitString(value, ',');
      if (std::find(queue.properties.begin(), queue.properties.end(), "") !=
          queue.properties.end()) {
        return Status::Invalid("--queue", "requires='" + value + "' is not a list of properties");
      }
    } else if (key == "hosts") {
      Result<std::vector<std::string>> hosts = ExpandHostlist(value);
      if (value.empty() || !hosts.ok() || hosts->empty()) {
        return Status::Invalid("--queue", "hosts='" + value + "' is not a hostlist (node[0-3])");
      }
      queue.hosts = value;
    } else if (key == "max-nodes") {
      if (value.empty() || value.size() > 9 ||
          value.find_first_not_of("0123456789") != std::string::npos || std::stoll(value) < 1) {
        return Status::Invalid("--queue", "max-nodes='" + value + "' is not a count >= 1");
      }
      queue.max_nodes = std::stoll(value);
    } else if (key == "kernels" || key == "topologies") {
      Result<std::vector<std::string>> digests = ParseDigests(key, value);
      if (!digests.ok()) return digests.status();
      (key == "kernels" ? queue.kernels : queue.topologies) = std::move(digests).value();
    } else {
      return Status::Invalid("--queue", "unknown limit '" + key +
                                            "' (known: max-time, max-nodes, requires, hosts, "
                                            "kernels, topologies)");
    }
  }
  return queue;
}

Result<QueueTable> QueueTable::Create(std::vector<QueueConfig> queues,
                                      sched::QueuePolicy policy) {
  for (size_t i = 0; i < queues.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (queues[i].name == queues[j].name) {
        return Status::Invalid("--queue", "queue '" + queues[i].name + "' is given twice");
      }
    }
  }
  if (queues.empty()) queues.push_back(QueueConfig{"", policy, 0, 0});
  return QueueTable(std::move(queues));
}

std::vector<sched::QueueOptions> QueueTable::SchedulerQueues() const {
  std::vector<sched::QueueOptions> options;
  for (const QueueConfig& queue : queues_) options.push_back({queue.policy, -1});
  return options;
}

Result<int> QueueTable::Admit(jobspec::Jobspec& spec) const {
  const std::string& name = spec.system.queue;
  int index = 0;
  if (!name.empty()) {
    auto it = std::find_if(queues_.begin(), queues_.end(),
                           [&](const QueueConfig& queue) { return queue.name == name; });
    if (it == queues_.end()) {
      return Status::Invalid(
          "attributes.system.queue",
          "no queue '" + name + "' here " +
              (named() ? "(queues: " + Names(queues_) + ")"
                       : "(this instance has none: converge start --queue NAME makes them)"));
    }
    index = static_cast<int>(it - queues_.begin());
  }
  const QueueConfig& queue = queues_[static_cast<size_t>(index)];
  spec.system.queue = queue.name;
  if (queue.max_duration > 0) {
    if (spec.system.duration > queue.max_duration) {
      return Status::Invalid("attributes.system.duration",
                             jobspec::FormatDuration(spec.system.duration) + " is over queue " +
                                 queue.name + "'s limit of " +
                                 jobspec::FormatDuration(queue.max_duration));
    }
    if (spec.system.duration <= 0) spec.system.duration = queue.max_duration;
  }
  if (queue.max_nodes > 0 && NodesAskedFor(spec) > queue.max_nodes) {
    return Status::Invalid("resources", std::to_string(NodesAskedFor(spec)) +
                                            " nodes is over queue " + queue.name +
                                            "'s limit of " + std::to_string(queue.max_nodes));
  }
  if (auto it = spec.system.extra.find(kRequireBlessed); it != spec.system.extra.end()) {
    if (!it->is_boolean()) {
      return Status::Invalid("attributes.system.require_blessed", "must be true or false");
    }
    if (it->get<bool>() && !queue.blesses()) {
      return Status::Invalid("attributes.system.require_blessed",
                             "queue " + (queue.name.empty() ? "(default)" : queue.name) +
                                 " blesses no kernel or topology (converge start --queue "
                                 "NAME:kernels=HEX,...)");
    }
    if (it->get<bool>() && queue.blessed_hosts.empty()) {
      return Status::Invalid("attributes.system.require_blessed",
                             "no node of queue " + queue.name + " is blessed");
    }
  }
  Place(index, spec);
  return index;
}

bool QueueTable::RequiresBlessed(const jobspec::Jobspec& spec) {
  auto it = spec.system.extra.find(kRequireBlessed);
  return it != spec.system.extra.end() && it->is_boolean() && it->get<bool>();
}

void QueueTable::Place(int index, jobspec::Jobspec& spec) const {
  const QueueConfig& queue = queues_[static_cast<size_t>(index)];
  std::vector<jobspec::Constraint> terms;
  if (!queue.properties.empty()) {
    terms.push_back({jobspec::Constraint::Op::kProperties, queue.properties, {}});
  }
  if (!queue.hosts.empty()) {
    terms.push_back({jobspec::Constraint::Op::kHostlist, {queue.hosts}, {}});
  }
  if (RequiresBlessed(spec) && !queue.blessed_hosts.empty()) {
    terms.push_back({jobspec::Constraint::Op::kHostlist, {queue.blessed_hosts}, {}});
  }
  if (terms.empty()) return;
  if (spec.system.constraints) terms.push_back(std::move(*spec.system.constraints));
  spec.system.constraints = terms.size() == 1
                                ? std::move(terms.front())
                                : jobspec::Constraint{jobspec::Constraint::Op::kAnd, {}, terms};
}

int QueueTable::IndexOf(const std::string& name) const {
  for (size_t i = 0; i < queues_.size(); ++i) {
    if (queues_[i].name == name) return static_cast<int>(i);
  }
  return 0;
}

}  // namespace converge::instance
