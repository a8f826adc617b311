// Readers for the fields that describe what a task runs and holds: command, resources, env,
// workingDir and duration. Shared by JobSet task templates and Services. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "workload/document.h"
#include "workload/field_reader.h"

namespace converge::workload {

// Reads `key` as an argv: a list of strings, or one string run as ["sh", "-c", string].
// Absent -> empty (the caller decides whether that is allowed). Errors: "must be a string
// or a list of strings"; "must not be empty" for "" or [].
Result<std::vector<std::string>> ParseCommand(const FieldReader& fields, std::string_view key);

// Reads the TaskTemplate fields present in `fields`: command (required), resources
// ({cores >= 1, default 1; gpus >= 0, default 0}), env (string or number values), workingDir
// and duration (a Flux Standard Duration such as "10m"). Fields that `fields` was not opened
// to allow were already refused by FieldReader::Open.
Result<TaskTemplate> ParseTaskFields(const FieldReader& fields);

}  // namespace converge::workload
