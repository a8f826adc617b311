// The PMI servers a job's tasks get (ShimSpec::pmi). The jobspec's own choice is read by
// jobspec::PmiChoice (attributes.system.shell.options.pmi, validated at submit; {"simple"} when
// absent); on top of it the instance's default rule for PMIx (docs/architecture.md, "MPI"):
// a job that names no PMI server and has more than one task also gets "pmix" when the instance
// can serve it. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "jobspec/jobspec.h"

namespace converge::instance {

// Whether the jobspec names its PMI servers (attributes.system.shell.options.pmi is present).
bool NamesPmi(const jobspec::SystemAttributes& system);

// `chosen` (jobspec::PmiChoice's answer), plus "pmix" when the jobspec names none
// (`names_pmi` false), the job has more than one task and `pmix_default` holds (the instance
// has converge-shim-pmix and the tasks run as its own user).
std::vector<std::string> PmiServers(std::vector<std::string> chosen, bool names_pmi,
                                    size_t task_count, bool pmix_default);

}  // namespace converge::instance
