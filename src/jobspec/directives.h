// Batch-script directives: the option lines at the top of a script, `#FLUX: -N2 -t 1h` and
// `#SBATCH --nodes=2`, read the way Flux and Slurm read them. Pure: the caller passes the
// script's text and applies the tokens with its own flag parser.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace converge::jobspec {

struct Directive {
  int line = 0;                     // 1-based line number in the script
  std::string prefix;               // "#FLUX:" or "#SBATCH"
  std::vector<std::string> tokens;  // shell-like words: {"--nodes=2"}, {"-N", "2"}
};

// Reads directives from the top of `script`: after an optional `#!` line, up to the first
// line that is neither blank nor a comment. Words are split like a shell (single and double
// quotes, backslash escapes); Slurm's `%j` becomes `{{id}}`. Errors: kInvalidArgument with
// where() = "line N" for an unterminated quote.
Result<std::vector<Directive>> ParseBatchDirectives(std::string_view script);

}  // namespace converge::jobspec
