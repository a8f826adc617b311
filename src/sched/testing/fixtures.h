// Test fixtures for sched/: small graphs and jobspecs built in code.
#pragma once

#include <string>
#include <vector>

#include "jobspec/jobspec.h"
#include "resource/graph.h"

namespace converge::sched::testing {

struct ClusterShape {
  int racks = 0;  // 0: nodes directly under the cluster
  int nodes = 4;  // total
  int sockets = 2;
  int cores_per_socket = 4;
  int gpus_per_socket = 0;
  int64_t memory_per_socket_mib = 0;  // 0: no memory vertices
};

// cluster0 -> [rack] -> node -> socket -> core/gpu/memory, ids local to each node.
resource::Graph MakeCluster(const ClusterShape& shape);

jobspec::ResourceRequest Res(const std::string& type, int64_t count,
                             std::vector<jobspec::ResourceRequest> with = {});
jobspec::ResourceRequest Slot(int64_t count, std::vector<jobspec::ResourceRequest> with);
// A jobspec with the given resources, one task per slot, and a duration.
jobspec::Jobspec Spec(std::vector<jobspec::ResourceRequest> resources, double duration = 0);

}  // namespace converge::sched::testing
