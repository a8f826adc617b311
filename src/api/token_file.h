// The bearer-token file: STATE/token on the instance's side, CONVERGE_TOKEN_FILE on a client's.
//
// A token is a password: like ssh with a private key, both sides refuse a token file that
// others may read or change, and never follow a link to one. Plain functions; thread-safe.
#pragma once

#include <string>

#include "common/status.h"

namespace converge::api {

// The token in `path` (its first line, trimmed). Errors: kNotFound when there is no file;
// kPermissionDenied when it is not a regular file owned by the effective uid with no access
// for group or others (the message says how to fix it); kInvalidArgument when it is empty;
// kInternal otherwise.
Result<std::string> ReadTokenFile(const std::string& path);

// The token in `path`, or a new one (32 random bytes as hex) written to a new file (mode 0600,
// O_EXCL|O_NOFOLLOW) when there is none. Errors as ReadTokenFile, and kInternal when the new
// file cannot be written.
Result<std::string> LoadOrCreateTokenFile(const std::string& path);

}  // namespace converge::api
