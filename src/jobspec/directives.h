// Batch-script directives: the option lines at the top of a script, `#FLUX: -N2 -t 1h` (Flux,
// RFC 36) and `#SBATCH --nodes=2` (Slurm), translated into converge's own job flags.
//
// Pure: the caller passes the script's text and applies the tokens with its own flag parser
// (`converge batch` re-parses them with the same options as its command line, which wins).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace converge::jobspec {

// One directive line, translated.
struct Directive {
  int line = 0;        // 1-based line number in the script
  std::string prefix;  // "#FLUX:" or "#SBATCH"
  // converge flags, one token each, in the order written: "--nodes=2", "--exclusive",
  // "--time-limit=01:00:00", "--output=slurm-{{id}}.out". Values always follow '='.
  std::vector<std::string> tokens;
};

struct BatchDirectives {
  std::vector<Directive> directives;  // in script order; lines without options are skipped
  // Options understood but without effect in converge ("line 4: #SBATCH --mail-type: ignored
  // (...)"), for the caller to print.
  std::vector<std::string> warnings;
};

// Reads directives from the top of `script`: after an optional `#!` line, up to the first
// line that is neither blank nor a comment. `#FLUX:` (also `# flux:`, any case) takes Flux's
// option names; `#SBATCH` takes Slurm's. Words are split like a shell (single and double
// quotes, backslash escapes; an unquoted `#` starts a comment).
//
// Translation (long and short forms, `--opt=value` or `--opt value`):
//   Flux:  -N/--nodes -n/--ntasks -c/--cores-per-task -g/--gpus-per-task -x/--exclusive
//          -t/--time-limit -q/--queue --job-name --cwd --output --error --dependency
//          --env --env-remove (-> --env=-PATTERN) --env-none --urgency (-> --priority)
//          --priority --tasks-per-node --begin-time --signal -S/--setattr --gpus-per-node
//          --cc -o/--setopt pmi=LIST (-> --pmi=LIST; another shell option is refused)
//   Slurm: -N/--nodes -n/--ntasks -c/--cpus-per-task --gpus-per-task --exclusive -t/--time
//          -J/--job-name -o/--output -e/--error -p/--partition (-> --queue) -d/--dependency
//          -D/--chdir (-> --cwd) --ntasks-per-node (-> --tasks-per-node) -H/--hold
//          -w/--nodelist -x/--exclude -C/--constraint -b/--begin (-> --begin-time) --signal
//          --export=ALL|NONE|[ALL,]NAME[=VALUE],... (without ALL: --env-none plus the names)
//          --mem --mem-per-cpu --gres --gpus-per-node -a/--array
//          %j, %J and %A in --output/--error become {{id}}, %x {{name}}, %a {cc}, %% %; other
//          % patterns are refused. Options without effect here (-A/--account, --mail-type,
//          --mail-user, -q/--qos, --comment, --requeue, --no-requeue, -L/--licenses, --hint,
//          -m/--distribution, --threads-per-core, --ntasks-per-core, --open-mode,
//          --get-user-env, --nice, --wckey, --gpu-bind, --cpu-freq) are dropped with a
//          warning; -G/--gpus and --mem-per-gpu are refused with a hint.
// Errors (kInvalidArgument, where() = "line N"): "#SBATCH --foo: unknown option",
// "#SBATCH --nodes: needs a value", "#FLUX: -x: takes no value", "#SBATCH foo: unexpected
// argument", an unterminated quote, an unsupported % pattern. With `ignore_unknown`
// (`batch --ignore-unknown-directives`) an unknown option (with the next word as its value,
// unless that is an option) and an unsupported one are dropped with a warning instead.
Result<BatchDirectives> ParseBatchDirectives(std::string_view script,
                                             bool ignore_unknown = false);

}  // namespace converge::jobspec
