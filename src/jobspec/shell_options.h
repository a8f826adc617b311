// Job shell options converge honours from attributes.system.shell.options (Flux's place for
// them: `flux run -o pmi=off` writes the same key). Pure: reads the parsed jobspec only.
//
//   pmi  which PMI servers the job's tasks get: a comma-separated string ("simple",
//        "simple,pmix") or a list of strings; "off" (alone) for none. Missing: "simple".
//        Known names: simple (PMI-1 wire protocol, PMI_FD), pmix, off.
//   per-resource  {type: node, count: N}: N tasks on each allocated node, whatever the task
//        count says (Flux's option of the same name; `flux batch` runs one broker per node
//        with it). Only type "node"; count defaults to 1.
//   signal  {signum: N, timeleft: SECONDS}: send signal N (1..64) to the tasks SECONDS before
//        the time limit (Flux's option of the same name, `--signal=SIG@TIME`; signum defaults
//        to SIGUSR1, timeleft to 60). Without a time limit nothing is sent.
//   output.stdout.label, output.stderr.label  true: each line of that stream gets the task's
//        rank in front ("3: text"), Flux's option of the same name (`--label-io` sets both).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "jobspec/jobspec.h"

namespace converge::jobspec {

// The PMI servers `system` asks for, in its order without repeats ({} for "off"). Errors name
// the field below attributes.system ("shell.options.pmi: unknown PMI 'pmi3' ...").
Result<std::vector<std::string>> PmiChoice(const SystemAttributes& system);

// Tasks per allocated node when `system` sets shell.options.per-resource, else nullopt.
// Errors name the field ("shell.options.per-resource.type: ...").
Result<std::optional<int64_t>> TasksPerNode(const SystemAttributes& system);

struct WarnSignal {
  int signum = 10;  // SIGUSR1
  double timeleft = 60;
};
// The shell.options.signal of `system`, else nullopt. Errors name the field
// ("shell.options.signal.signum: ...").
Result<std::optional<WarnSignal>> WarnSignalOption(const SystemAttributes& system);

// Which streams shell.options.output.{stdout,stderr}.label label. Errors name the field
// ("shell.options.output.stdout.label: must be true or false").
struct LabelIo {
  bool stdout_lines = false;
  bool stderr_lines = false;
};
Result<LabelIo> LabelIoOption(const SystemAttributes& system);

// Makes `jobspec` (JSON, version 1) run one task per allocated node: the shape of a nested
// instance spread over its nodes (rank 0 leads, the others are its agents). Those tasks find
// each other over PMI-1, so the PMI servers become "simple" alone (the instance's own tasks
// are no MPI program; jobs inside it get PMI from the nested instance).
// REQUIRES: jobspec is an object with attributes.system (or none yet).
void SetOneTaskPerNode(nlohmann::json& jobspec);

}  // namespace converge::jobspec
