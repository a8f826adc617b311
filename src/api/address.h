// Listen/connect addresses: "unix:/path/to.sock" or "tcp:HOST:PORT" (HOST may be [::1]).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace converge::api {

struct Address {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;  // kUnix
  std::string host;  // kTcp, without brackets
  int port = 0;      // kTcp; 0 = pick a free port (servers only)

  std::string ToString() const;  // back to "unix:..." / "tcp:host:port"
};

// Errors: kInvalidArgument naming what is wrong ("tcp:host:port: port must be 0..65535").
Result<Address> ParseAddress(std::string_view text);

}  // namespace converge::api
