// Synthetic clusters for benchmarks: nodes of 2 sockets x 16 cores (35 vertices a node),
// or with 2 GPUs and one 128 GiB memory pool per socket (41 vertices a node).
#pragma once

#include "resource/graph.h"

namespace converge::bench {

resource::Graph BuildSyntheticCluster(int nodes, bool gpus);

}  // namespace converge::bench
