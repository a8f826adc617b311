#include "exec/topology_xml.h"

#include <hwloc.h>

#include <utility>

namespace converge::exec {

Result<std::unique_ptr<LocalTopology>> LocalTopology::Load() {
  hwloc_topology_t topology = nullptr;
  if (hwloc_topology_init(&topology) != 0) {
    return Status(Code::kInternal, "hwloc_topology_init failed");
  }
  // hwloc's default, said out loud: no PCI scan (what the MPI ranks need is cores and caches).
  hwloc_topology_set_io_types_filter(topology, HWLOC_TYPE_FILTER_KEEP_NONE);
  char* buffer = nullptr;
  int length = 0;
  if (hwloc_topology_load(topology) != 0) {
    hwloc_topology_destroy(topology);
    return Status(Code::kInternal, "hwloc_topology_load failed");
  }
  if (hwloc_topology_export_xmlbuffer(topology, &buffer, &length, 0) != 0 || buffer == nullptr) {
    hwloc_topology_destroy(topology);
    return Status(Code::kInternal, "hwloc_topology_export_xmlbuffer failed");
  }
  std::string xml(buffer, length > 0 ? static_cast<size_t>(length - 1) : 0);  // without the NUL
  hwloc_free_xmlbuffer(topology, buffer);
  return std::unique_ptr<LocalTopology>(new LocalTopology(topology, std::move(xml)));
}

LocalTopology::~LocalTopology() { hwloc_topology_destroy(static_cast<hwloc_topology_t>(topology_)); }

}  // namespace converge::exec
