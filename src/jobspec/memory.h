// Memory amounts: converts a memory ResourceRequest's count and unit to MiB.
//
// Units (case-sensitive): "B"; "K", "KB", "KiB"; "M", "MB", "MiB"; "G", "GB", "GiB";
// "T", "TB", "TiB". Decimal-looking units are taken as binary multiples (1 GB = 1024 MiB),
// as most HPC tools do. No unit means MiB. Agrees with sched/'s compiler. Pure.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "jobspec/jobspec.h"

namespace converge::jobspec {

// Bytes per unit, or kInvalidArgument (where "unit") for an unknown unit.
Result<int64_t> MemoryUnitBytes(const std::string& unit);

// count.min of `request` in MiB, rounded up. Errors (where relative to the request):
// "type" not memory, "unit" unknown, "count" negative or too large for int64 MiB.
Result<int64_t> MemoryMiB(const ResourceRequest& request);

}  // namespace converge::jobspec
