// PmixServer: the OpenPMIx server library (libpmix 4.2) serving one job's tasks on this node —
// all of them, or this node's part of a job on several nodes (PmixJobInfo::layout) — so that
// Open MPI programs started without mpirun form one MPI_COMM_WORLD.
//
// Start() initialises the library (PMIx_server_init, its rendezvous files in a private folder)
// and registers the job's namespace with the job-level facts Open MPI reads (sizes, node and
// process maps, local peers, per-rank local/node rank); TaskEnvironment() registers one client
// and returns the PMIX_* variables its process needs (PMIx_server_setup_fork). The destructor
// deregisters the namespace and finalizes the library.
//
// Upcalls the library makes, on its own progress thread:
//   fence_nb      completed at once with the data given when every participant is local;
//                 in a multi-part job a fence over the whole job is queued as a kFence event:
//                 the owner exchanges its data with the other parts' servers and completes it
//                 with CompleteFence (every part's data, concatenated); fences over some remote
//                 ranks only are refused (not supported);
//   abort         queued as a PmixEvent for the owner (then the client is released);
//   direct_modex  answered "not supported" (a fence collects every part's data);
//   connected / finalized  queued as events (diagnostics).
// Nothing else is offered. The progress thread never touches the owner's state: events go
// into a queue guarded by a mutex, and event_fd() (an eventfd) becomes readable when the queue
// is not empty; the owner polls it and calls TakeEvents() on its own thread.
//
// The library is process-global and cannot be initialised again once finalized (libpmix 4.2.2
// crashes): one PmixServer per process, ever (the shim serves one job). Its fence upcall gets
// no context, so the server it serves is found through one process-wide pointer, set by Start.
// Every method is for the owner's thread. Not copyable.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "exec/shim_spec.h"

namespace converge::exec {

struct PmixJobInfo {
  std::string nspace;    // the job's PMIx namespace, e.g. "converge.42" (< 256 bytes)
  int size = 0;          // tasks of the job, ranks 0..size-1, all on this node unless `layout`
  // A job on several nodes: which node each rank is on (layout.size() == size), and which node
  // is this one; its name is the hostname the clients are told. Empty: one node.
  JobLayout layout;
  std::string tmpdir;    // an existing folder only the job's user may enter (rendezvous files)
  std::string hostname;  // this node's name ("" = gethostname)
  uid_t uid = 0;         // the user the tasks run as (clients are accepted for it only)
  gid_t gid = 0;
  // This node's hwloc topology as XML (hwloc 2 format), given to the clients so that each need
  // not discover it again ("" = none: each client discovers it).
  std::string topology_xml;
  // The same topology loaded (an hwloc_topology_t), adopted by the library instead of its own
  // discovery (nullptr: it discovers the node). Must outlive the server.
  void* topology = nullptr;
};

struct PmixEvent {
  enum class Kind { kConnected, kFinalized, kAbort, kFence };
  Kind kind = Kind::kConnected;
  int rank = 0;
  int status = 0;       // kAbort: the exit code the client asked for
  std::string message;  // kAbort: the client's message; kFence: this node's data
  uint64_t fence = 0;   // kFence: what to pass to CompleteFence
};

class PmixServer {
 public:
  // Initialises the library and registers the namespace. Errors: kInvalidArgument (bad
  // PmixJobInfo), kInternal (the library's error string, naming the call that failed).
  static Result<std::unique_ptr<PmixServer>> Start(const PmixJobInfo& job);
  ~PmixServer();
  PmixServer(const PmixServer&) = delete;
  PmixServer& operator=(const PmixServer&) = delete;

  // Registers client `rank` and returns the "KEY=VALUE" variables to add to its environment.
  // Call once per rank before the task starts. Errors: kInvalidArgument (rank out of range),
  // kInternal (the library refused).
  Result<std::vector<std::string>> TaskEnvironment(int rank);

  // Completes fence `fence` (a kFence event) with every part's data, or fails it.
  void CompleteFence(uint64_t fence, const Result<std::string>& all_data);

  // Readable (POLLIN) while events are queued.
  int event_fd() const;
  // The queued events, oldest first; clears the queue and event_fd().
  std::vector<PmixEvent> TakeEvents();

  class Channel;  // the queue the upcalls feed (pmix_server.cc)

 private:
  PmixServer(PmixJobInfo job, std::unique_ptr<Channel> channel);
  Status RegisterNamespace();

  PmixJobInfo job_;
  std::unique_ptr<Channel> channel_;
  bool registered_ = false;
};

}  // namespace converge::exec
