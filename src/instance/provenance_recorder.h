// ProvenanceRecorder: the provenance record of every job (docs/provenance.md), written at the
// job's first start in the commit that holds its start event: which node facts each node
// offered (kept once per digest in the store), the command the tasks run and its digest, the
// environment's digests, the PMI servers, and whether the nodes were blessed for the job's
// queue (--queue NAME:kernels=HEX,...:topologies=HEX,...). A job that requires blessed nodes
// (attributes.system.require_blessed) is refused at launch on a node that is not, e.g. one
// whose agent came back with another kernel. Not thread-safe: the instance's loop only.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "exec/shim_spec.h"
#include "instance/job.h"
#include "instance/queue_table.h"
#include "provenance/job_inputs.h"
#include "provenance/node_facts.h"
#include "store/store.h"

namespace converge::instance {

class ProvenanceRecorder {
 public:
  // `local`: the facts of this machine, where every node without facts of its own runs (the
  // single-machine instance, and graphs given with --resources). `store` must outlive it.
  ProvenanceRecorder(store::Store& store, provenance::NodeFacts local,
                     std::vector<QueueConfig> queues);

  // `node`'s own facts (what its agent registered), from now on. Errors: the facts' JSON.
  Status SetNodeFacts(const std::string& node, const std::string& facts_json);

  // Whether `node` is blessed for `queue` now: true or false; nullopt when the queue blesses
  // nothing (or is unknown).
  std::optional<bool> Blessed(const std::string& queue, const std::string& node) const;
  // The nodes of `nodes` that are blessed for `queue`, in order.
  std::vector<std::string> BlessedNodes(const std::string& queue,
                                        const std::vector<std::string>& nodes) const;

  // Buffers `job`'s record in the store, `spec` being what is about to be launched. Refuses
  // (kPermissionDenied naming the node, nothing written) a job that requires blessed nodes
  // when one of its nodes is not.
  Status Record(const Job& job, const exec::ShimSpec& spec, double now);

 private:
  struct Known {
    std::string digest;
    std::string kernel_digest;
    std::string topology_digest;
  };
  Known Remember(const provenance::NodeFacts& facts);
  const Known& FactsOf(const std::string& node) const;

  store::Store& store_;
  std::vector<QueueConfig> queues_;
  Known local_;
  std::map<std::string, Known> nodes_;  // nodes with facts of their own
  std::set<std::string> written_;       // digests put in the store by this instance
  provenance::CommandDigests commands_;
  // The last environment digested, and its JSON: the jobs of one --cc or array share it.
  std::map<std::string, std::string> last_environment_;
  nlohmann::ordered_json last_environment_json_;
};

}  // namespace converge::instance
