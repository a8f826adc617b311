#include "bench/micro/synthetic_cluster.h"

namespace converge::bench {

resource::Graph BuildSyntheticCluster(int nodes, bool gpus) {
  using namespace resource;
  GraphBuilder builder;
  builder.Reserve(1 + static_cast<size_t>(nodes) * (gpus ? 41 : 35));
  builder.Open(kCluster, 0, 1);
  for (int n = 0; n < nodes; ++n) {
    builder.Open(kNode, n, 1);
    int core = 0, gpu = 0;
    for (int s = 0; s < 2; ++s) {
      builder.Open(kSocket, s, 1);
      for (int c = 0; c < 16; ++c) {
        builder.Open(kCore, core++, 1);
        builder.Close();
      }
      if (gpus) {
        for (int g = 0; g < 2; ++g) {
          builder.Open(kGpu, gpu++, 1);
          builder.Close();
        }
        builder.Open(kMemory, s, 128 * 1024);
        builder.Close();
      }
      builder.Close();
    }
    builder.Close();
  }
  builder.Close();
  return std::move(builder.Build().value());
}

}  // namespace converge::bench
