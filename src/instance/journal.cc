#include "instance/journal.h"

namespace converge::instance {

Status Journal::Flush(const std::function<const store::JobRecord&(int64_t id)>& record_of) {
  for (int64_t id : dirty_) store_.PutJob(record_of(id));
  dirty_.clear();
  CONVERGE_RETURN_IF_ERROR(store_.Commit());
  std::vector<std::function<void()>> actions;
  actions.swap(actions_);
  if (defer_) {
    defer_(std::move(actions));
    return Status::Ok();
  }
  for (auto& action : actions) action();
  return Status::Ok();
}

}  // namespace converge::instance
