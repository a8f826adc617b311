// JobFormat: `converge jobs -o FORMAT`, flux-jobs' format strings over the API's job objects.
// FORMAT is text with fields `{NAME}`, `{NAME:SPEC}` or `{NAME!d:SPEC}`; `{{` and `}}` are
// literal braces. SPEC is `[<|>|^][WIDTH][.PRECISION]` (pad to WIDTH, cut at PRECISION
// characters; numbers align right by default). `!d` shows a t_* time as a local date.
// Fields, by flux-jobs' names: id userid username name queue state state_single status
// status_abbrev result returncode ntasks nnodes nodelist urgency priority duration runtime
// t_submit t_run t_inactive contextual_info (also reason). Pure: the time is an argument.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace converge::cli {

class JobFormat {
 public:
  // Errors (where "--format") name an unknown field, conversion or spec, or a lone brace.
  static Result<JobFormat> Parse(const std::string& text);

  // The header line: each field's column name (JOBID, NAME, ST, ...) laid out by its spec.
  std::string Header() const;
  // One job's line; `now` (epoch seconds) measures a running job's runtime.
  std::string Row(const nlohmann::json& job, double now) const;

 private:
  struct Piece {
    std::string literal;  // text before the field (or all of it, when field is empty)
    std::string field;
    bool date = false;  // !d
    char align = 0;     // '<', '>', '^' or 0 (the field's default)
    size_t width = 0;
    size_t precision = std::string::npos;
  };
  static std::string Lay(const Piece& piece, std::string text, bool number);
  std::string Render(bool header, const nlohmann::json& job, double now) const;

  std::vector<Piece> pieces_;
};

}  // namespace converge::cli
