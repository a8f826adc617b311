// LocalTopology: this machine's hwloc topology (no I/O devices), loaded once by the PMIx shim
// and shared: the PMIx server library adopts it instead of discovering the machine again with
// its PCI devices (measured: most of the server's start), and its XML text (hwloc 2 format)
// goes to the job's MPI ranks so that they need not each discover it either
// (exec/pmix_server.h, PmixJobInfo). Not copyable; the handle lives as long as the object.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace converge::exec {

class LocalTopology {
 public:
  // Errors: kInternal naming the hwloc call that failed.
  static Result<std::unique_ptr<LocalTopology>> Load();
  ~LocalTopology();
  LocalTopology(const LocalTopology&) = delete;
  LocalTopology& operator=(const LocalTopology&) = delete;

  void* handle() const { return topology_; }  // an hwloc_topology_t
  const std::string& xml() const { return xml_; }

 private:
  LocalTopology(void* topology, std::string xml) : topology_(topology), xml_(std::move(xml)) {}

  void* topology_;
  std::string xml_;
};

}  // namespace converge::exec
