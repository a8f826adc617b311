#include "resource/readers/hwloc.h"

#include <hwloc.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

namespace converge::resource {

namespace {

struct TopologyDeleter {
  void operator()(hwloc_topology* topology) const { hwloc_topology_destroy(topology); }
};
using Topology = std::unique_ptr<hwloc_topology, TopologyDeleter>;

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// Index of the package whose cpuset intersects `cpuset`, or 0.
size_t PackageOf(const std::vector<hwloc_obj_t>& packages, hwloc_const_cpuset_t cpuset) {
  if (cpuset == nullptr) return 0;
  for (size_t p = 0; p < packages.size(); ++p) {
    if (hwloc_bitmap_intersects(packages[p]->cpuset, cpuset)) return p;
  }
  return 0;
}

// Drops the cpus this process is not bound to (an agent started by srun inside an allocation
// is bound to the allocation's cpus on its node; `taskset` does the same), with the packages
// and NUMA nodes left without cpus. I/O devices move up to a kept ancestor. Bound to every cpu
// (the usual case): nothing changes.
Status RestrictToBinding(hwloc_topology_t topology) {
  std::unique_ptr<hwloc_bitmap_s, void (*)(hwloc_bitmap_t)> bound(hwloc_bitmap_alloc(),
                                                                 hwloc_bitmap_free);
  if (bound == nullptr) return Status(Code::kInternal, "hwloc: out of memory");
  if (hwloc_get_cpubind(topology, bound.get(), HWLOC_CPUBIND_PROCESS) != 0) {
    return Status::Ok();  // binding unknown here: keep what the cpuset allows
  }
  hwloc_bitmap_and(bound.get(), bound.get(), hwloc_topology_get_topology_cpuset(topology));
  if (hwloc_bitmap_iszero(bound.get()) ||
      hwloc_bitmap_isincluded(hwloc_topology_get_topology_cpuset(topology), bound.get())) {
    return Status::Ok();
  }
  if (hwloc_topology_restrict(topology, bound.get(),
                              HWLOC_RESTRICT_FLAG_REMOVE_CPULESS | HWLOC_RESTRICT_FLAG_ADAPT_IO) !=
      0) {
    return Status(Code::kInternal, "hwloc: cannot restrict the topology to this process's cpus");
  }
  return Status::Ok();
}

struct SocketContents {
  std::vector<hwloc_obj_t> cores;
  int64_t gpus = 0;
  std::vector<int64_t> memory_mib;
};

}  // namespace

Result<Graph> ReadLocalMachine() {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) return Status(Code::kInternal, "hwloc: init failed");
  Topology topology(raw);
  hwloc_topology_set_io_types_filter(raw, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
  if (hwloc_topology_load(raw) != 0) return Status(Code::kInternal, "hwloc: load failed");
  if (Status restricted = RestrictToBinding(raw); !restricted.ok()) return restricted;

  std::vector<hwloc_obj_t> packages;
  for (hwloc_obj_t obj = nullptr;
       (obj = hwloc_get_next_obj_by_type(raw, HWLOC_OBJ_PACKAGE, obj)) != nullptr;) {
    packages.push_back(obj);
  }
  std::vector<SocketContents> sockets(std::max<size_t>(packages.size(), 1));
  for (hwloc_obj_t core = nullptr;
       (core = hwloc_get_next_obj_by_type(raw, HWLOC_OBJ_CORE, core)) != nullptr;) {
    sockets[PackageOf(packages, core->cpuset)].cores.push_back(core);
  }
  for (hwloc_obj_t numa = nullptr;
       (numa = hwloc_get_next_obj_by_type(raw, HWLOC_OBJ_NUMANODE, numa)) != nullptr;) {
    int64_t mib = static_cast<int64_t>(numa->attr->numanode.local_memory >> 20);
    if (mib > 0) sockets[PackageOf(packages, numa->cpuset)].memory_mib.push_back(mib);
  }
  std::map<hwloc_obj_t, size_t> gpu_cards;  // PCI parent -> socket; one entry per card
  for (hwloc_obj_t dev = nullptr; (dev = hwloc_get_next_osdev(raw, dev)) != nullptr;) {
    hwloc_obj_osdev_type_t type = dev->attr->osdev.type;
    if (type != HWLOC_OBJ_OSDEV_GPU && type != HWLOC_OBJ_OSDEV_COPROC) continue;
    hwloc_obj_t card = dev->parent != nullptr ? dev->parent : dev;
    hwloc_obj_t local = hwloc_get_non_io_ancestor_obj(raw, dev);
    gpu_cards.emplace(card, PackageOf(packages, local != nullptr ? local->cpuset : nullptr));
  }
  for (const auto& [card, socket] : gpu_cards) ++sockets[socket].gpus;

  GraphBuilder builder;
  GraphBuilder::VertexSpec vertex;
  vertex.type = "cluster";
  builder.Open(vertex);
  vertex.type = "node";
  vertex.basename = vertex.name = HostName();
  vertex.id = 0;
  builder.Open(vertex);
  int64_t gpu_id = 0;
  int64_t memory_id = 0;
  for (size_t s = 0; s < sockets.size(); ++s) {
    builder.Open(kSocket, static_cast<int64_t>(s), 1);
    for (hwloc_obj_t core : sockets[s].cores) {
      builder.Open(kCore, hwloc_bitmap_first(core->cpuset), 1);
      builder.Close();
    }
    for (int64_t g = 0; g < sockets[s].gpus; ++g) {
      builder.Open(kGpu, gpu_id++, 1);
      builder.Close();
    }
    for (int64_t mib : sockets[s].memory_mib) {
      builder.Open(kMemory, memory_id++, mib);
      builder.Close();
    }
    builder.Close();
  }
  builder.Close();
  builder.Close();
  return builder.Build();
}

}  // namespace converge::resource
