#include "instance/commit_syncer.h"

#include <boost/asio/post.hpp>
#include <utility>

namespace converge::instance {

struct CommitSyncer::Shared {
  explicit Shared(const store::Store& s) : store(s) {}
  const store::Store& store;
  std::mutex mutex;
  std::condition_variable wake;
  uint64_t wanted = 0;  // the newest commit to make durable
  bool stop = false;
  bool alive = true;    // false once the syncer is gone: completions do nothing
};

CommitSyncer::CommitSyncer(boost::asio::io_context& io, const store::Store& store,
                           std::function<void(const Status&)> on_failure)
    : io_(io), on_failure_(std::move(on_failure)), shared_(std::make_shared<Shared>(store)) {
  thread_ = std::thread([this, shared = shared_] {
    uint64_t synced = 0;
    std::unique_lock<std::mutex> lock(shared->mutex);
    for (;;) {
      shared->wake.wait(lock, [&] { return shared->stop || shared->wanted > synced; });
      if (shared->stop) return;
      const uint64_t upto = shared->wanted;  // its commit's writes are done: the sync covers it
      lock.unlock();
      Status status = shared->store.SyncCommitted();
      lock.lock();
      synced = upto;
      boost::asio::post(io_, [this, shared, upto, status] {
        bool alive;
        {
          std::lock_guard<std::mutex> guard(shared->mutex);
          alive = shared->alive;
        }
        if (alive) Synced(upto, status);
      });
      if (!status.ok()) return;
    }
  });
}

CommitSyncer::~CommitSyncer() {
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->stop = true;
    shared_->alive = false;
  }
  shared_->wake.notify_all();
  thread_.join();
}

void CommitSyncer::AfterDurable(Actions actions) {
  const uint64_t commit = ++commits_;
  if (!actions.empty()) held_.emplace_back(commit, std::move(actions));
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->wanted = commit;
  }
  shared_->wake.notify_one();
}

void CommitSyncer::Synced(uint64_t upto, const Status& status) {
  if (failed_) return;
  if (!status.ok()) {
    failed_ = true;
    held_.clear();
    on_failure_(status);
    return;
  }
  while (!held_.empty() && held_.front().first <= upto) {
    Actions actions = std::move(held_.front().second);
    held_.pop_front();
    for (auto& action : actions) action();
  }
}

}  // namespace converge::instance
