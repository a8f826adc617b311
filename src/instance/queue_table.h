// QueueTable: the named queues of an instance (`converge start --queue NAME[:POLICY][:LIMIT...]`,
// as Flux's [queues] and Slurm's partitions): each has its own scheduling policy (the scheduler
// walks them in the order given; sched/scheduler.h) and limits checked at submit. Without any,
// there is one unnamed queue with the instance's policy, and a job naming a queue is refused.
// Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "jobspec/jobspec.h"
#include "sched/policy.h"
#include "sched/scheduler.h"

namespace converge::instance {

struct QueueConfig {
  std::string name;
  sched::QueuePolicy policy = sched::QueuePolicy::kEasy;
  double max_duration = 0;  // seconds; 0: none. Also the limit of a job that gives none.
  int64_t max_nodes = 0;    // 0: none
  // Where the queue's jobs may run (Slurm's partition nodes, Flux's queue `requires`): nodes
  // with all these properties, and among these hosts (a hostlist); empty: anywhere.
  std::vector<std::string> properties;
  std::string hosts;
  // Blessed nodes (docs/provenance.md): those whose kernel digest is one of `kernels` and whose
  // topology digest is one of `topologies` (an empty list allows any); `blessed_hosts` is the
  // hostlist of the nodes that are, found by the instance at start. A job that sets
  // attributes.system.require_blessed runs only there.
  std::vector<std::string> kernels;
  std::vector<std::string> topologies;
  std::string blessed_hosts;

  bool blesses() const { return !kernels.empty() || !topologies.empty(); }
};

// One --queue flag: NAME[:POLICY][:max-time=DURATION][:max-nodes=N][:requires=PROP,...]
// [:hosts=HOSTLIST][:kernels=HEX,...][:topologies=HEX,...] (SHA-256 digests, 64 hex digits,
// as `converge show --provenance` prints them); NAME is 1-64 letters, digits, '.', '_' or
// '-'; POLICY fcfs, easy or conservative (default `policy`); DURATION as jobspec durations
// (30m, 2h). Errors name --queue and the part.
Result<QueueConfig> ParseQueueFlag(const std::string& text, sched::QueuePolicy policy);

class QueueTable {
 public:
  // `queues` in scheduling order; the first is the default. Errors: a name given twice.
  static Result<QueueTable> Create(std::vector<QueueConfig> queues, sched::QueuePolicy policy);

  // The scheduler's queues, in the same order.
  std::vector<sched::QueueOptions> SchedulerQueues() const;

  // The index of the queue `spec` names (attributes.system.queue; "" = the default one, whose
  // name is then written there), after its limits: a job without a time limit gets the queue's
  // max-time, and Place() keeps it on the queue's nodes. Errors (kInvalidArgument naming the
  // field): no such queue, a limit exceeded, require_blessed not a boolean or set for a queue
  // that blesses nothing or has no blessed node.
  Result<int> Admit(jobspec::Jobspec& spec) const;

  // Whether `spec` sets attributes.system.require_blessed to true (validated by Admit()).
  static bool RequiresBlessed(const jobspec::Jobspec& spec);

  // Adds queue `index`'s placement (properties, hosts, and blessed_hosts for a job that
  // requires blessed nodes) to `spec`'s constraints, with `and`.
  void Place(int index, jobspec::Jobspec& spec) const;

  // The queue of a job stored with queue `name`: its index, or the default's when no queue of
  // that name is configured any more.
  int IndexOf(const std::string& name) const;

  const std::vector<QueueConfig>& queues() const { return queues_; }
  bool named() const { return !queues_.front().name.empty(); }

 private:
  explicit QueueTable(std::vector<QueueConfig> queues) : queues_(std::move(queues)) {}
  std::vector<QueueConfig> queues_;  // never empty
};

}  // namespace converge::instance
