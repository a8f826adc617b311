#include "exec/topology_xml.h"

#include <hwloc.h>

namespace converge::exec {

Result<std::string> LocalTopologyXml() {
  hwloc_topology_t topology = nullptr;
  if (hwloc_topology_init(&topology) != 0) {
    return Status(Code::kInternal, "hwloc_topology_init failed");
  }
  std::string xml;
  Status status;
  char* buffer = nullptr;
  int length = 0;
  if (hwloc_topology_load(topology) != 0) {
    status = Status(Code::kInternal, "hwloc_topology_load failed");
  } else if (hwloc_topology_export_xmlbuffer(topology, &buffer, &length, 0) != 0 ||
             buffer == nullptr) {
    status = Status(Code::kInternal, "hwloc_topology_export_xmlbuffer failed");
  } else {
    xml.assign(buffer, length > 0 ? static_cast<size_t>(length - 1) : 0);  // without the NUL
    hwloc_free_xmlbuffer(topology, buffer);
  }
  hwloc_topology_destroy(topology);
  if (!status.ok()) return status;
  return xml;
}

}  // namespace converge::exec
