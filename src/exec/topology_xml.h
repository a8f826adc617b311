// LocalTopologyXml: this machine's hwloc topology as an XML text (hwloc 2 format), loaded once
// by the PMIx shim so that the job's MPI ranks need not each discover it (exec/pmix_server.h,
// PmixJobInfo::topology_xml). Thread-safe (nothing shared).
#pragma once

#include <string>

#include "common/status.h"

namespace converge::exec {

// Errors: kInternal naming the hwloc call that failed.
Result<std::string> LocalTopologyXml();

}  // namespace converge::exec
