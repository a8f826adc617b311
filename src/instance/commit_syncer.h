// CommitSyncer: makes the store's commits durable off the event loop (StoreOptions::
// deferred_sync), so that the loop goes on accepting, scheduling and launching while the disk
// syncs, and one fdatasync covers every commit made while the previous one ran.
//
// AfterDurable() takes the actions that wait for everything committed so far (replies, launches:
// instance/journal.h) and runs them on the loop, in order, once a SyncCommitted() that began
// after that commit returned. At most one sync runs at a time, on a thread of the syncer's.
// A failed sync calls `on_failure` on the loop and runs none of the actions held: what was
// committed may not be on the disk, and acting on it could contradict a restart.
// Loop thread only, except for the syncing thread's own work.
#pragma once

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace converge::instance {

class CommitSyncer {
 public:
  using Actions = std::vector<std::function<void()>>;

  CommitSyncer(boost::asio::io_context& io, const store::Store& store,
               std::function<void(const Status&)> on_failure);
  // Stops the thread after the sync under way; the actions still held are dropped.
  ~CommitSyncer();
  CommitSyncer(const CommitSyncer&) = delete;
  CommitSyncer& operator=(const CommitSyncer&) = delete;

  // Call right after a Commit() returned Ok: `actions` run once that commit is durable.
  void AfterDurable(Actions actions);
  // Commits whose actions have not run yet.
  size_t waiting() const { return held_.size(); }

 private:
  struct Shared;  // what the thread and the loop's completions share

  void Synced(uint64_t upto, const Status& status);

  boost::asio::io_context& io_;
  std::function<void(const Status&)> on_failure_;
  std::shared_ptr<Shared> shared_;
  std::deque<std::pair<uint64_t, Actions>> held_;  // by commit number, oldest first
  uint64_t commits_ = 0;
  bool failed_ = false;
  std::thread thread_;
};

}  // namespace converge::instance
