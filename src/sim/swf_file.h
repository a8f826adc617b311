// Reading a trace file from disk: plain .swf or gzip-compressed .swf.gz.
//
// The only part of src/sim that touches files. Thread-compatible (no shared state).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace converge::sim {

// Default cap on the (decompressed) size of a trace: 1 GiB.
constexpr int64_t kDefaultMaxTraceBytes = int64_t{1} << 30;

// Returns the file's contents, decompressed when it is gzip data (detected from the
// content, not the name; plain files are read as they are). Errors: kNotFound when the
// file cannot be opened, kInvalidArgument when it is corrupt or larger than max_bytes
// once decompressed. The error's where is the path.
Result<std::string> ReadTraceFile(const std::string& path,
                                  int64_t max_bytes = kDefaultMaxTraceBytes);

}  // namespace converge::sim
