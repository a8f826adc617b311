#include "sched/testing/fixtures.h"

namespace converge::sched::testing {

resource::Graph MakeCluster(const ClusterShape& shape) {
  resource::GraphBuilder builder;
  builder.Open({.type = "cluster"});
  int nodes_per_rack = shape.racks > 0 ? (shape.nodes + shape.racks - 1) / shape.racks : 0;
  for (int n = 0; n < shape.nodes; ++n) {
    if (shape.racks > 0 && n % nodes_per_rack == 0) {
      if (n > 0) builder.Close();
      builder.Open({.type = "rack"});
    }
    builder.Open({.type = "node", .id = n});
    int core = 0, gpu = 0;
    for (int s = 0; s < shape.sockets; ++s) {
      builder.Open({.type = "socket", .id = s});
      for (int c = 0; c < shape.cores_per_socket; ++c) builder.Add({.type = "core", .id = core++});
      for (int g = 0; g < shape.gpus_per_socket; ++g) builder.Add({.type = "gpu", .id = gpu++});
      if (shape.memory_per_socket_mib > 0) {
        builder.Add({.type = "memory", .id = s, .size = shape.memory_per_socket_mib});
      }
      builder.Close();
    }
    builder.Close();
  }
  if (shape.racks > 0) builder.Close();
  builder.Close();
  return std::move(builder.Build().value());
}

jobspec::ResourceRequest Res(const std::string& type, int64_t count,
                             std::vector<jobspec::ResourceRequest> with) {
  jobspec::ResourceRequest request;
  request.type = type;
  request.count = jobspec::Count::Fixed(count);
  request.with = std::move(with);
  return request;
}

jobspec::ResourceRequest Slot(int64_t count, std::vector<jobspec::ResourceRequest> with) {
  jobspec::ResourceRequest request = Res("slot", count, std::move(with));
  request.label = "task";
  return request;
}

jobspec::Jobspec Spec(std::vector<jobspec::ResourceRequest> resources, double duration) {
  jobspec::Jobspec spec;
  spec.resources = std::move(resources);
  jobspec::Task task;
  task.command = {"app"};
  task.slot = "task";
  task.count.per_slot = 1;
  spec.tasks.push_back(task);
  spec.system.duration = duration;
  return spec;
}

}  // namespace converge::sched::testing
