// ShimSpec: everything the per-job supervisor (`converge shim`) needs to run a job's tasks,
// and ShimResult: what it records when they are done. Both travel as JSON files in the
// instance's run folder (docs/formats/shim.md). Plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace converge::exec {

struct TaskSpec {
  int rank = 0;
  std::vector<std::string> argv;  // argv[0] is looked up in PATH of `env` when it has no '/'
  std::vector<std::string> env;   // complete environment, "KEY=VALUE"
  std::vector<int> cpus;          // OS cpu ids to bind to; empty = no binding
  // The node the task runs on (its name in the resource graph). A multi-node executor sends
  // each node's tasks to that node's agent; not part of the shim's JSON.
  std::string node;
};

// Where the job's ranks are when they span several shims (one per node): `nodes` names the
// nodes in node-id order, `rank_nodes[r]` is the node index of rank r (so the job has
// rank_nodes.size() ranks), and `part` is the index of this shim's node. Empty `nodes`: the
// shim's tasks are the whole job. A job of several parts offers PMI only with `exchange` set.
struct JobLayout {
  std::vector<std::string> nodes;
  std::vector<int> rank_nodes;
  int part = 0;
  // Random hex, the same on every part: the job's PMIx namespace is "converge.ID.KEY" on all of
  // them (on one node the shim draws its own).
  std::string key;

  bool multi_part() const { return !nodes.empty(); }
  int size() const { return static_cast<int>(rank_nodes.size()); }
};

// Where the shims of a multi-part job meet to exchange PMI data: the leader's API address
// ("tcp:ADDR:PORT") and the bearer token of its TCP listener (exchange_client.h).
struct ExchangeEndpoint {
  std::string url;
  std::string token;
};

struct ShimSpec {
  int64_t job_id = 0;
  std::vector<TaskSpec> tasks;
  std::string cwd;              // working directory of every task ("" = the shim's)
  std::string stdout_path;      // all tasks append here (created 0644, as the job's user)
  std::string stderr_path;      // may equal stdout_path
  // The path is the instance's own default file in its output folder: opened by the shim with
  // its own rights, never through a link, created 0600. Otherwise (a path the job named) it is
  // opened with the rights of the job's user.
  bool stdout_default = false;
  bool stderr_default = false;
  // The default files are created at the first byte the tasks write (none for a silent job).
  // True on a job's first start: then they are created exclusively (a file there already is
  // another job's). False on a restart's relaunch, which appends to its own, and for the parts
  // of a job on several nodes, which share the files.
  bool fresh_outputs = false;
  int64_t uid = -1;             // run tasks as this user (only when the shim is root)
  int64_t gid = -1;             // required when uid is set
  std::vector<int64_t> groups;  // supplementary groups when running as uid; empty = gid only
  int64_t deadline_ms = 0;      // epoch ms at which the time limit expires; 0 = none
  // --signal=SIG@TIME: `warn_signal` goes to the tasks at warn_ms (epoch ms, before the
  // deadline), once; 0 = none.
  int warn_signal = 0;
  int64_t warn_ms = 0;
  int64_t grace_ms = 5000;      // SIGTERM -> SIGKILL delay on timeout or terminate
  int64_t kill_wait_ms = 10000;  // after SIGKILL, how long the shim waits for the job's
                                 // processes before it gives up on them (D state)
  std::string containment;       // "": a cgroup v2 subtree where possible, else "subreaper"
  // PMI servers offered to the tasks: "simple" (PMI-1 wire protocol over PMI_FD), "pmix" (the
  // OpenPMIx server, pmix_service.h: only converge-shim-pmix serves it, to tasks of the shim's
  // own user); empty = none. Names this shim does not know are ignored. Missing from the JSON:
  // {"simple"}.
  std::vector<std::string> pmi = {"simple"};
  // --label-io: each line the tasks write to stdout (stderr) gets "RANK: " in front
  // (label_io_service.h).
  bool label_stdout = false;
  bool label_stderr = false;
  JobLayout layout;           // set by a multi-node executor for a job spanning several nodes
  ExchangeEndpoint exchange;  // set by the agent that starts the part (never sent by the leader)
};

struct ShimResult {
  int exit_code = 0;        // largest task exit code (128+signal for signalled tasks)
  int signal = 0;           // a signal that killed some task (the first seen), or 0
  bool timed_out = false;   // the deadline passed and the shim killed the tasks
  bool terminated = false;  // the shim got SIGTERM (cancel) and killed the tasks
  std::string exec_error;   // non-empty: a task could not be started (e.g. "sh2: not found")
  int64_t start_ms = 0;     // epoch ms when the tasks were started
  int64_t end_ms = 0;       // epoch ms when the last process of the job was gone
  std::string container;    // what contained the job: "cgroup2 PATH" or "subreaper"
  int stray_processes = 0;  // processes of the job still alive when the shim gave up on them
  std::string aborted;      // non-empty: a task ended the job through PMI (why, e.g. "PMI: rank
                            // 2 called PMI abort (exit code 3)"); exit_code is the one it named
  std::string output_error;  // non-empty: output the shim writes for the tasks was dropped (why)
};

// Parsing is strict about types and reports the bad field (`tasks[1].argv: must not be
// empty`); unknown fields are ignored so that older shims read newer specs.
std::string ToJson(const ShimSpec& spec);
Result<ShimSpec> ShimSpecFromJson(std::string_view text);
std::string ToJson(const ShimResult& result);
Result<ShimResult> ShimResultFromJson(std::string_view text);

// Whether `spec` offers PMI server `name` ("pmix").
bool OffersPmi(const ShimSpec& spec, std::string_view name);

}  // namespace converge::exec
