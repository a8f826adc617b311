#include "api/address.h"

#include <charconv>
#include <string>

namespace converge::api {
namespace {

// Longest path that fits sockaddr_un::sun_path with its terminating NUL.
constexpr size_t kMaxUnixPath = 107;
// Characters that never appear in a host name or address (NUL included).
constexpr std::string_view kBadHostCharacters(" \t\r\n/@\0", 7);

Result<Address> ParseUnix(std::string_view where, std::string_view path) {
  if (path.empty()) return Status::Invalid(std::string(where), "unix: needs a socket path");
  if (path.size() > kMaxUnixPath) {
    return Status::Invalid(std::string(where),
                           "socket path longer than " + std::to_string(kMaxUnixPath) + " bytes");
  }
  if (path.find('\0') != std::string_view::npos) {
    return Status::Invalid(std::string(where), "socket path contains a NUL byte");
  }
  Address address;
  address.kind = Address::Kind::kUnix;
  address.path = std::string(path);
  return address;
}

Result<Address> ParseTcp(std::string_view where, std::string_view rest) {
  const std::string text(where);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    return Status::Invalid(text, "tcp:HOST:PORT needs a host and a port");
  }
  std::string_view host = rest.substr(0, colon);
  const std::string_view port = rest.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return Status::Invalid(text, "an IPv6 host is written in brackets: tcp:[::1]:PORT");
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find_first_of("[]") != std::string_view::npos) {
    return Status::Invalid(text, "an IPv6 host is written in brackets: tcp:[::1]:PORT");
  }
  if (host.empty()) return Status::Invalid(text, "tcp:HOST:PORT needs a host");
  if (host.find_first_of(kBadHostCharacters) != std::string_view::npos) {
    return Status::Invalid(text, "the host contains a character hosts never have");
  }
  int value = -1;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || value < 0 ||
      value > 65535) {
    return Status::Invalid(text, "port must be 0..65535");
  }
  Address address;
  address.kind = Address::Kind::kTcp;
  address.host = std::string(host);
  address.port = value;
  return address;
}

}  // namespace

std::string Address::ToString() const {
  if (kind == Kind::kUnix) return "unix:" + path;
  const bool v6 = host.find(':') != std::string::npos;
  return "tcp:" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Address> ParseAddress(std::string_view text) {
  constexpr std::string_view kUnix = "unix:";
  constexpr std::string_view kTcp = "tcp:";
  if (text.substr(0, kUnix.size()) == kUnix) return ParseUnix(text, text.substr(kUnix.size()));
  if (text.substr(0, kTcp.size()) == kTcp) return ParseTcp(text, text.substr(kTcp.size()));
  return Status::Invalid(std::string(text), "an address must be unix:PATH or tcp:HOST:PORT");
}

}  // namespace converge::api
