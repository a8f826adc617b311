// Session: what a QueryEngine shares with the SQLite callbacks of its connection (the
// authorizer, the progress handler, converge_may_see and the view tables). Owned by the
// engine, which outlives the connection's use of it; touched only by the engine's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "query/query_engine.h"

namespace converge::query {

struct Session {
  Asker asker;  // who runs the current statement (set at the start of each Run)
  // > 0 while a view's own SELECT is prepared or stepped (query/view_table.cc): the
  // authorizer allows it, since no SQL of the asker runs then.
  int internal = 0;
  // Names SQLite resolves outside any query: the tables of the store and of the temp schema,
  // and virtual-table modules (refreshed by the engine; see authorizer.cc, MayCount).
  std::vector<std::string> resolvable;
  std::string refused;   // what the authorizer refused first in this Run, "" if nothing
  bool running = false;  // a Run is stepping: the deadline applies
  std::chrono::steady_clock::time_point deadline;
  bool timed_out = false;  // the progress handler interrupted the Run
};

// Marks a view's own SQL for the duration of a scope.
class InternalScope {
 public:
  explicit InternalScope(Session& session) : session_(session) { ++session_.internal; }
  ~InternalScope() { --session_.internal; }
  InternalScope(const InternalScope&) = delete;
  InternalScope& operator=(const InternalScope&) = delete;

 private:
  Session& session_;
};

// converge_may_see(uid): 1 when the session's asker is admin or is `uid`, else 0.
bool MaySee(const Session& session, int64_t uid);

}  // namespace converge::query
