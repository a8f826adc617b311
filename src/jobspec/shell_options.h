// Job shell options converge honours from attributes.system.shell.options (Flux's place for
// them: `flux run -o pmi=off` writes the same key). Pure: reads the parsed jobspec only.
//
//   pmi  which PMI servers the job's tasks get: a comma-separated string ("simple",
//        "simple,pmix") or a list of strings; "off" (alone) for none. Missing: "simple".
//        Known names: simple (PMI-1 wire protocol, PMI_FD), pmix, off.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "jobspec/jobspec.h"

namespace converge::jobspec {

// The PMI servers `system` asks for, in its order without repeats ({} for "off"). Errors name
// the field below attributes.system ("shell.options.pmi: unknown PMI 'pmi3' ...").
Result<std::vector<std::string>> PmiChoice(const SystemAttributes& system);

}  // namespace converge::jobspec
