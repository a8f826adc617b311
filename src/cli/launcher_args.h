// Launcher arguments: `srun ...` and `flux run|submit|...` as converge commands, for the shims
// a batch script gets (docs/cli.md, "Slurm and Flux scripts unmodified"): converge runs as
// `srun` or `flux` (a link named so) and translates its arguments before parsing them. Pure.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace converge::cli {

// Reads an environment variable; nullptr when unset.
using GetEnv = std::function<const char*(const char*)>;

// `srun ARGS` as `converge run ...`: the options up to the program (its first word that is
// not an option, or after `--`) are Slurm's, mapped to converge's; the program keeps its own.
// Mapped: -n/--ntasks -N/--nodes -c/--cpus-per-task --ntasks-per-node --exclusive -t/--time
// -J/--job-name -w/--nodelist -x/--exclude -D/--chdir --gpus-per-task --gpus-per-node --gres
// --mem --mem-per-cpu -C/--constraint -l/--label --mpi (none -> --pmi=off, pmix* -> pmix, pmi2 and
// others -> simple); dropped (no effect here): --overlap -u/--unbuffered -K/--kill-on-bad-exit
// --cpu-bind -i/--input --hint -m/--distribution --gpu-bind --cpu-freq --export (the tasks get
// the script's environment) --quiet/-Q -v. Defaults as srun takes them inside an allocation:
// without -n, -N or --ntasks-per-node, $SLURM_NTASKS tasks; with -N alone, one task per node;
// --ntasks-per-node without -N, the nodes -n needs (else $SLURM_NNODES); without -c,
// $SLURM_CPUS_PER_TASK. Errors (kInvalidArgument naming the option): an unknown option, a
// missing value, no program.
Result<std::vector<std::string>> SrunAsConverge(const std::vector<std::string>& args,
                                                const GetEnv& getenv);

// `flux COMMAND ARGS` as the converge command of the same name, for run, submit, batch, alloc,
// jobs and cancel; `-o pmi=LIST` (--setopt) becomes --pmi. Errors name another command or
// another shell option.
Result<std::vector<std::string>> FluxAsConverge(const std::vector<std::string>& args);

}  // namespace converge::cli
