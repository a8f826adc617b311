#include "exec/fake_executor.h"

#include <signal.h>

#include <boost/asio/post.hpp>

namespace converge::exec {

FakeExecutor::FakeExecutor(boost::asio::io_context& io, ExitCallback on_exit)
    : io_(io), on_exit_(std::move(on_exit)) {}

FakeExecutor::~FakeExecutor() { *alive_ = false; }

Status FakeExecutor::Start(const ShimSpec& spec) {
  if (next_start_error_) {
    Status error = std::move(*next_start_error_);
    next_start_error_.reset();
    return error;
  }
  if (running_.count(spec.job_id)) {
    return Status::Invalid("job_id", "job " + std::to_string(spec.job_id) + " runs already");
  }
  running_.insert(spec.job_id);
  ++generation_[spec.job_id];
  starts_.push_back(spec);
  return Status::Ok();
}

void FakeExecutor::Terminate(int64_t job_id) { terminated_.push_back(job_id); }

Status FakeExecutor::Signal(int64_t job_id, int signo) {
  if (!running_.count(job_id)) {
    return Status(Code::kNotFound, "job " + std::to_string(job_id) + " does not run here");
  }
  signals_.emplace_back(job_id, signo);
  return Status::Ok();
}

Executor::Reattached FakeExecutor::Reattach(int64_t job_id) {
  reattached_.push_back(job_id);
  ++generation_[job_id];
  auto it = reattach_.find(job_id);
  const Reattached answer = it == reattach_.end() ? Reattached{} : it->second;
  if (answer.state == ReattachState::kRunning) running_.insert(job_id);
  return answer;
}

void FakeExecutor::Forget(int64_t job_id) {
  forgotten_.push_back(job_id);
  running_.erase(job_id);
  ++generation_[job_id];
}

pid_t FakeExecutor::ShimPid(int64_t job_id) const {
  auto it = pids_.find(job_id);
  return it == pids_.end() ? 0 : it->second;
}

Status FakeExecutor::Finish(int64_t job_id, Result<ShimResult> result) {
  if (!running_.erase(job_id)) {
    return Status(Code::kNotFound, "job " + std::to_string(job_id) + " is not running here");
  }
  const uint64_t generation = generation_[job_id];
  boost::asio::post(
      io_, [this, alive = alive_, job_id, generation, result = std::move(result)]() mutable {
        if (!*alive || generation_[job_id] != generation) return;  // forgotten meanwhile
        on_exit_(job_id, std::move(result));
      });
  return Status::Ok();
}

ShimResult FakeExecutor::Exited(int exit_code) {
  ShimResult result;
  result.exit_code = exit_code;
  return result;
}

ShimResult FakeExecutor::Terminated() {
  ShimResult result;
  result.exit_code = 128 + SIGTERM;
  result.signal = SIGTERM;
  result.terminated = true;
  return result;
}

const ShimSpec* FakeExecutor::spec(int64_t job_id) const {
  for (auto it = starts_.rbegin(); it != starts_.rend(); ++it) {
    if (it->job_id == job_id) return &*it;
  }
  return nullptr;
}

}  // namespace converge::exec
