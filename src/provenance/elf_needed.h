// The shared libraries an ELF executable names (its DT_NEEDED entries, e.g. "libmpi.so.40"):
// what a job's program links, for its provenance record. Reads only the headers and the
// dynamic section, with bounded preads; never maps or runs the file.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace converge::provenance {

// The DT_NEEDED sonames of the 64-bit little-endian ELF file open at `fd`, in file order.
// Not ELF (a script) or a static executable: an empty list. Errors: kInvalidArgument naming
// what is damaged (a header or table outside the file, an unterminated name); kInternal for
// read errors.
Result<std::vector<std::string>> NeededLibraries(int fd);

}  // namespace converge::provenance
