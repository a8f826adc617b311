// SHA-256 digests as 64 lowercase hex characters: the one form in which provenance records,
// `converge provenance diff` and the blessing options (--queue ...:kernels=HEX) name things.
// Pure, except FileSha256Hex, which reads an open file. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace converge::provenance {

std::string Sha256Hex(std::string_view bytes);

// The digest of what `fd` holds from its current offset to its end, reading at most
// `max_bytes`. Errors: kInternal with errno's text; kInvalidArgument "larger than N bytes".
Result<std::string> FileSha256Hex(int fd, size_t max_bytes);

}  // namespace converge::provenance
