// Shorthand: the CLI's resource flags (-N -n -c -g -x -t -q), compiled to a Jobspec.
//
// Mirrors `flux submit`: -n tasks each get a slot of -c cores and -g GPUs; with -N the
// slots are spread over that many nodes; -x makes the nodes exclusive.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "jobspec/jobspec.h"

namespace converge::jobspec {

struct ShorthandOptions {
  int64_t nodes = 0;           // -N: 0 = unspecified (slots go wherever they fit)
  int64_t tasks = 1;           // -n: number of tasks (= slots)
  int64_t cores_per_task = 1;  // -c
  int64_t gpus_per_task = 0;   // -g
  int64_t memory_per_task_mib = 0;  // memory in each slot; 0: none asked for
  bool exclusive = false;      // -x: whole nodes (requires nodes > 0 or implies nodes = tasks)
  double duration = 0;         // -t in seconds; 0 = unlimited
  std::string queue;           // -q
  std::vector<std::string> command;
  std::string cwd;             // empty: not set
};

// Returns the jobspec for the flags: version 1 (RFC 25), or, when the slots hold memory (which
// V1 does not allow), version 9999 as Fluxion writes its extended jobspecs; or kInvalidArgument naming the bad flag
// (e.g. "-n: must be >= 1", "-N: more nodes than tasks").
Result<Jobspec> FromShorthand(const ShorthandOptions& options);

}  // namespace converge::jobspec
