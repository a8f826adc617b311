// `converge run [flags] CMD...`: submit, stream the job's stdout and stderr while it runs, and
// exit with its exit status. Ctrl-C cancels the job (and keeps streaming to its end); a second
// Ctrl-C detaches. A closed stdout (`| head`) cancels the job too.
//
// API calls: POST /v1/jobs; GET /v1/jobs/ID/output?follow=true (stdout, on the session's
// connection) and, when stderr goes to its own file, ?stream=stderr&follow=true on a second
// connection in a thread; then GET /v1/jobs/ID. Ctrl-C: POST /v1/jobs/ID/cancel. No polling.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <thread>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_options.h"
#include "cli/job_table.h"

namespace converge::cli {
namespace {

// Copies a stream's chunks to `fd` as they arrive.
bool WriteAll(int fd, std::string_view chunk) {
  while (!chunk.empty()) {
    ssize_t wrote = ::write(fd, chunk.data(), chunk.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    chunk.remove_prefix(static_cast<size_t>(wrote));
  }
  return true;
}

// POST /v1/jobs/ID/cancel on a connection of its own; a job that already ended is fine.
void CancelJob(const std::string& id) {
  Result<Session> session = Session::Open();
  Result<nlohmann::json> canceled = session.ok()
                                        ? session->Call("POST", "/v1/jobs/" + id + "/cancel")
                                        : Result<nlohmann::json>(session.status());
  if (!canceled.ok() && canceled.status().code() != Code::kInvalidArgument) {  // 409: ended
    Fail("run", canceled.status());
  }
}

// Waits for SIGINT (blocked in every thread by the caller): the first cancels job `id`, the
// second leaves the job alone and exits 130. Runs until the process ends.
void CancelOnInterrupt(sigset_t interrupt, std::string id) {
  for (int count = 0;; ++count) {
    int signal = 0;
    if (sigwait(&interrupt, &signal) != 0) return;
    if (count > 0) {
      std::fprintf(stderr, "\nconverge run: detached from job %s\n", id.c_str());
      ::_exit(128 + SIGINT);
    }
    std::fprintf(stderr, "\nconverge run: canceling job %s (Ctrl-C again to detach)\n", id.c_str());
    CancelJob(id);
  }
}

// Streams the job's stderr to our stderr on its own connection.
void FollowStderr(const std::string& id) {
  Result<Session> session = Session::Open();
  if (!session.ok()) {
    Fail("run", session.status());
    return;
  }
  Result<int> status =
      session->Stream("/v1/jobs/" + id + "/output?stream=stderr&follow=true",
                      [](std::string_view chunk) { return WriteAll(STDERR_FILENO, chunk); });
  if (!status.ok()) Fail("run", status.status());
}

int Run(const JobOptions& options, const std::vector<std::string>& command) {
  if (command.empty()) {
    std::fprintf(stderr, "converge run: name a program to run (converge run [flags] CMD...)\n");
    return 2;
  }
  Result<nlohmann::json> spec = BuildJobspec(options, command, CurrentJobContext());
  if (!spec.ok()) return Fail("run", spec.status());
  if (options.dry_run) return PrintDryRun({spec->dump()});
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("run", session.status());
  Result<nlohmann::json> answer = session->Call("POST", "/v1/jobs", spec->dump());
  if (!answer.ok()) return Fail("run", answer.status());
  const std::string id = answer->value("id", nlohmann::json()).dump();

  // Threads started from here on inherit the blocked SIGINT; only the canceller takes it.
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  pthread_sigmask(SIG_BLOCK, &interrupt, nullptr);
  std::thread(CancelOnInterrupt, interrupt, id).detach();

  // Without --output, stdout and stderr have their own files; --output alone takes both.
  const bool own_stderr =
      options.output.empty() || (!options.error.empty() && options.error != options.output);
  std::thread stderr_follower;
  if (own_stderr) stderr_follower = std::thread(FollowStderr, id);
  // When our stdout goes away (`converge run yes | head`), the job is canceled, as a local
  // process would die of SIGPIPE, and we wait for its end without reading its output.
  ::signal(SIGPIPE, SIG_IGN);
  bool stdout_closed = false;
  Result<int> streamed = session->Stream(
      "/v1/jobs/" + id + "/output?follow=true", [&stdout_closed](std::string_view chunk) {
        stdout_closed = !WriteAll(STDOUT_FILENO, chunk);
        return !stdout_closed;
      });
  if (stdout_closed) {
    CancelJob(id);
    streamed = session->Stream("/v1/jobs/" + id + "/events?watch=true",
                               [](std::string_view) { return true; });
  }
  if (stderr_follower.joinable()) stderr_follower.join();
  if (!streamed.ok()) return Fail("run", streamed.status());

  Result<nlohmann::json> job = session->Call("GET", "/v1/jobs/" + id);
  if (!job.ok()) return Fail("run", job.status());
  const std::string result = job->value("result", "");
  const bool plain_exit = result == "failed" && job->value("signal", 0) == 0 &&
                          job->value("exit_code", 0) != 0 && job->value("reason", "").empty();
  if (result != "completed" && !plain_exit) {
    std::fprintf(stderr, "converge: job %s %s\n", id.c_str(), DescribeEnd(*job).c_str());
  }
  return RunExitStatus(*job);
}

}  // namespace

void AddRunCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<JobOptions>();
  CLI::App* run = app.add_subcommand("run", "Run a job, stream its output, exit with its code");
  AddJobOptions(run, options.get());
  run->prefix_command();
  run->footer("Example: converge run -n4 hostname");
  run->callback([=] { *exit_code = Run(*options, TrailingCommand(run)); });
}

}  // namespace converge::cli
