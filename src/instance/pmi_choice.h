// PmiChoice: which PMI services a job's tasks get, from the jobspec option Flux uses,
// attributes.system.shell.options.pmi: a comma-separated string ("simple,pmix") or a list of
// strings. Known names: "pmix" (the OpenPMIx server, for Open MPI), "simple" (the PMI-1 wire
// protocol, for MPICH), "none". Absent: the instance's defaults apply (see WantsPmix).
// Pure: no I/O.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace converge::instance {

struct PmiChoice {
  bool given = false;              // the jobspec names its PMI services
  std::vector<std::string> names;  // as given, in order, without duplicates
  bool Has(const std::string& name) const;
};

// Reads the option from attributes.system's other keys (jobspec::SystemAttributes::extra).
// Errors: kInvalidArgument naming attributes.system.shell.options.pmi (not a string or list of
// strings, an empty or unknown name).
Result<PmiChoice> ReadPmiChoice(const nlohmann::json& system_extra);

// Whether the job's tasks get a PMIx server: as the jobspec says when it names its services;
// otherwise when the job has more than one task and `pmix_default` holds (the instance can
// serve PMIx and the tasks run as its own user).
bool WantsPmix(const PmiChoice& choice, size_t task_count, bool pmix_default);

}  // namespace converge::instance
