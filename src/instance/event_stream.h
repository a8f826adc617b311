// EventStream: one stream of what happens in an instance, in the order it became known — job
// events once committed, the events of workload objects (Services, JobSets, MiniClusters) and
// of nodes (drained, undrained, down, up) — for GET /v1/events and `converge events` (the
// `kubectl get events -w` habit).
//
// Keeps the last `capacity` events in memory; older ones leave it (jobs' eventlogs stay in the
// store: GET /v1/jobs/{id}/events). Events are numbered from 1 in arrival order (`seq`), so a
// client may resume after the last one it saw. Times are the events' own (epoch seconds); a
// job event arrives at its commit, so times are nearly, not strictly, ascending.
// Not thread-safe: the instance's loop thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/job_record.h"

namespace converge::instance {

struct StreamEvent {
  uint64_t seq = 0;
  double time = 0;
  std::string kind;     // job, service, jobset, minicluster, node
  std::string name;     // the job's id, the object's or node's name
  std::string reason;   // the job event's name ("alloc"), or a word ("Ready", "Drained")
  std::string message;  // for humans; for jobs the event's context as JSON text
};

// Which events a reader wants: all kinds when `kinds` is empty.
struct EventFilter {
  double since = 0;       // events at or after this time
  uint64_t after = 0;     // events with seq above this
  std::set<std::string> kinds;
  bool Matches(const StreamEvent& event) const {
    return event.time >= since && event.seq > after && (kinds.empty() || kinds.count(event.kind));
  }
};

class EventStream {
 public:
  static constexpr size_t kDefaultCapacity = 50000;
  // The kinds an event may have, for validating filters.
  static const std::set<std::string>& Kinds();

  explicit EventStream(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  void Add(double time, std::string kind, std::string name, std::string reason,
           std::string message);
  void AddJobEvent(const store::Event& event);

  // The kept events that pass `filter`, oldest first; at most `limit`, the newest ones.
  std::vector<const StreamEvent*> Read(const EventFilter& filter, size_t limit) const;
  // Calls `watcher` with every event added from now on that passes `filter`, until it
  // returns false. A watcher must not call Add() or Watch().
  void Watch(EventFilter filter, std::function<bool(const StreamEvent&)> watcher);
  size_t watchers() const { return watchers_.size(); }
  uint64_t last_seq() const { return next_seq_ - 1; }

  // {"seq","time","kind","name","reason","message"} (+ "context" as an object for jobs).
  static nlohmann::json ToJson(const StreamEvent& event);

 private:
  size_t capacity_;
  std::deque<StreamEvent> events_;
  uint64_t next_seq_ = 1;
  std::vector<std::pair<EventFilter, std::function<bool(const StreamEvent&)>>> watchers_;
};

}  // namespace converge::instance
