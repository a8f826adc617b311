// JSON renderings of jobs and allocations for the API and the store (docs/api.md).
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "instance/job.h"
#include "sched/allocation.h"

namespace converge::instance {

// The job object of docs/api.md.
nlohmann::json JobToJson(const store::JobRecord& record);

// {"items": [[vertex, amount], ...], "nodes": [...], "slot_hosts": [...], "exclusive": b}
nlohmann::json AllocationToJson(const sched::Allocation& allocation);
// Errors: kInvalidArgument naming the malformed field.
Result<sched::Allocation> AllocationFromJson(const nlohmann::json& json);

}  // namespace converge::instance
