// Reader for the local machine's topology via libhwloc.
#pragma once

#include "common/status.h"
#include "resource/graph.h"

namespace converge::resource {

// Discovers this machine and returns
//   cluster0 -> node (this host's name) -> socket (hwloc package) -> {core, gpu, memory}
// Cores are hwloc cores (hardware threads are not modelled); a GPU is a PCI device with an
// hwloc GPU or co-processor OS device (several OS devices of one card count once), placed
// under the package it is local to (or socket 0); memory is one vertex per NUMA node (size
// in MiB) under the package whose cpuset it overlaps (or socket 0). Ids are node-local; a
// core's id is the OS index of its first hardware thread that may be used, the cpu its tasks
// are bound to.
// Only resources this process may use are included: its cgroup's cpuset, and of those the cpus
// it is bound to (inside a Slurm allocation, the allocation's cpus on this node). Reads the system
// (sysfs, /proc); not deterministic across machines. Thread-safe (no shared state).
// Errors: kInternal when hwloc cannot load the topology.
Result<Graph> ReadLocalMachine();

}  // namespace converge::resource
