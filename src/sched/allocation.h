// Allocation: the leaf resources a job holds (cores, GPUs, memory amounts), by vertex.
#pragma once

#include <cstdint>
#include <vector>

#include "resource/graph.h"

namespace converge::sched {

struct Allocation {
  struct Item {
    resource::VertexId vertex;
    int64_t amount;  // 1 for cores/GPUs; MiB for memory pools
    bool operator==(const Item&) const = default;
  };
  std::vector<Item> items;  // sorted by vertex
  // Node-level vertices holding the job's slots (sorted, unique), for RV1 and nodelists.
  std::vector<resource::VertexId> nodes;
  // Task slots in placement order: the node vertex of each slot.
  std::vector<resource::VertexId> slot_hosts;
  bool exclusive = false;  // the job holds its nodes whole
};

}  // namespace converge::sched
