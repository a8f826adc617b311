// Writing a file the user named on the command line (`sim --plot`, `metrics plot -o`): created
// or replaced with the caller's own rights. Errors: kInternal with errno's text and the path.
#pragma once

#include <string>

#include "common/status.h"

namespace converge::cli {

Status WriteOutputFile(const std::string& path, const std::string& content);

}  // namespace converge::cli
