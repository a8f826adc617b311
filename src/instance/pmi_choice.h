// PmiChoice: which PMI services a job's tasks get, from the jobspec option Flux uses,
// attributes.system.shell.options.pmi: a comma-separated string ("simple,pmix") or a list of
// strings. Known names: "pmix" (the OpenPMIx server, for Open MPI), "simple" (the PMI-1 wire
// protocol, for MPICH), "off" (alone: none). Absent: the instance's defaults (PmiServers).
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

// The PMI servers the job's tasks get (ShimSpec::pmi): the jobspec's names ("off": none);
// without any, {"pmix"} for a job of more than one task when `pmix_default` holds (the
// instance can serve PMIx and the tasks run as its own user), else none.
std::vector<std::string> PmiServers(const PmiChoice& choice, size_t task_count, bool pmix_default);

}  // namespace converge::instance
