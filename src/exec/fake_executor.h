// FakeExecutor: an Executor for unit tests that runs nothing. It records what it is asked
// (Start, Terminate, Reattach, Forget, with the ShimSpecs), and the test decides each job's
// fate: Finish() delivers a chosen result (or error) through the exit callback, posted on the
// io_context as LocalExecutor does; Reattach() answers what the test scripted; a start can be
// made to fail. It keeps the Executor contract (executor.h): one exit per start, none after
// Forget(), Start() refused for a job already running. Test-only; not thread-safe.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "common/status.h"
#include "exec/executor.h"
#include "exec/shim_spec.h"

namespace converge::exec {

class FakeExecutor final : public Executor {
 public:
  // `io` must outlive the executor; `on_exit` runs on it.
  FakeExecutor(boost::asio::io_context& io, ExitCallback on_exit);
  ~FakeExecutor() override;

  // Records `spec`; the job runs until Finish(). Errors: the one given to FailNextStart();
  // kInvalidArgument when the job runs already.
  Status Start(const ShimSpec& spec) override;
  // Records the request; the job keeps running until Finish() (a real shim takes a moment too).
  void Terminate(int64_t job_id) override;
  Status Signal(int64_t job_id, int signo) override;
  // Answers what ScriptReattach() said for the job (default kLost). kRunning makes the job
  // running here: its exit comes with Finish().
  Reattached Reattach(int64_t job_id) override;
  void Forget(int64_t job_id) override;
  size_t running_count() const override { return running_.size(); }
  // What SetShimPid() said, or 0.
  pid_t ShimPid(int64_t job_id) const override;

  // Ends running job `job_id` with `result`: the exit callback follows on the io_context
  // (unless Forget() comes first). Errors: kNotFound when the job is not running here.
  Status Finish(int64_t job_id, Result<ShimResult> result);
  // A result as a shim records it for tasks that exited with `exit_code`.
  static ShimResult Exited(int exit_code);
  // A result as a shim records it after Terminate() (SIGTERM to the tasks).
  static ShimResult Terminated();

  void FailNextStart(Status status) { next_start_error_ = std::move(status); }
  void ScriptReattach(int64_t job_id, Reattached answer) { reattach_[job_id] = answer; }
  void SetShimPid(int64_t job_id, pid_t pid) { pids_[job_id] = pid; }

  bool running(int64_t job_id) const { return running_.count(job_id) > 0; }
  // Every Start() that succeeded, in order.
  const std::vector<ShimSpec>& starts() const { return starts_; }
  // The spec of the job's last successful Start(), or null.
  const ShimSpec* spec(int64_t job_id) const;
  const std::vector<int64_t>& terminated() const { return terminated_; }
  // Every Signal() of a running job: (job, signal).
  const std::vector<std::pair<int64_t, int>>& signals() const { return signals_; }
  const std::vector<int64_t>& reattached() const { return reattached_; }
  const std::vector<int64_t>& forgotten() const { return forgotten_; }

 private:
  boost::asio::io_context& io_;
  ExitCallback on_exit_;
  std::set<int64_t> running_;
  // Bumped by Start(), Reattach() and Forget(): an exit posted for an older generation of a
  // job is not delivered.
  std::map<int64_t, uint64_t> generation_;
  std::optional<Status> next_start_error_;
  std::map<int64_t, Reattached> reattach_;
  std::map<int64_t, pid_t> pids_;
  std::vector<ShimSpec> starts_;
  std::vector<int64_t> terminated_;
  std::vector<std::pair<int64_t, int>> signals_;
  std::vector<int64_t> reattached_;
  std::vector<int64_t> forgotten_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for posted exits
};

}  // namespace converge::exec
