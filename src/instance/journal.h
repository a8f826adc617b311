// Journal: the instance's write-ahead discipline over the Store.
//
// Transitions are appended (events and job rows) and the actions that depend on them are
// queued with AfterCommit(). Flush() commits everything appended so far in one transaction
// and only then runs the queued actions, in order: nothing is acted upon before it is durable,
// and every transition made while the loop was busy shares one fsync (group commit). With a
// store that syncs later (StoreOptions::deferred_sync), the actions go to `defer` after the
// commit, which runs them once it is durable (instance/commit_syncer.h).
// Not thread-safe: the instance's event loop owns it.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace converge::instance {

class Journal {
 public:
  using Defer = std::function<void(std::vector<std::function<void()>> actions)>;
  explicit Journal(store::Store& store, Defer defer = nullptr)
      : store_(store), defer_(std::move(defer)) {}

  void AppendEvent(store::Event event) { store_.AppendEvent(std::move(event)); }
  void PutJobspec(int64_t id, std::string jobspec_json) {
    store_.PutJobspec(id, std::move(jobspec_json));
  }
  // Marks a job row dirty; its current record is written once per flush (see Flush).
  void Touch(int64_t job_id) { dirty_.insert(job_id); }
  void AfterCommit(std::function<void()> action) { actions_.push_back(std::move(action)); }
  bool empty() const { return dirty_.empty() && actions_.empty() && store_.buffered() == 0; }
  // Rows the next Flush() writes: dirty job rows and the store's buffered writes.
  size_t pending_rows() const { return dirty_.size() + store_.buffered(); }

  // Writes the dirty rows (fetched with `record_of`), commits, then runs the queued actions
  // (or hands them to `defer`).
  // On a commit error nothing runs and the error is returned: the caller must stop, because
  // in-memory state is now ahead of the durable state.
  Status Flush(const std::function<const store::JobRecord&(int64_t id)>& record_of);

 private:
  store::Store& store_;
  Defer defer_;
  std::set<int64_t> dirty_;
  std::vector<std::function<void()>> actions_;
};

}  // namespace converge::instance
