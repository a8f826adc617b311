// Loading a resource file from disk: the one place in resource/ that reads files.
#pragma once

#include <string>

#include "common/status.h"
#include "resource/graph.h"

namespace converge::resource {

// The largest resource file LoadResourceFile reads.
constexpr size_t kMaxResourceFileBytes = size_t{256} << 20;

// Reads the file at `path` and parses it: JGF when its first non-space character is '{',
// otherwise a cluster description (YAML). Errors: kNotFound when the file cannot be read
// (message carries strerror), kInvalidArgument for files over kMaxResourceFileBytes and for
// parse errors (where = field path or line, as the readers report it; the path is not
// added, so callers print "PATH: " + status.ToString()).
Result<Graph> LoadResourceFile(const std::string& path);

// Chooses the reader for already-read text (same rule as LoadResourceFile).
Result<Graph> ReadResourceText(std::string_view text);

}  // namespace converge::resource
