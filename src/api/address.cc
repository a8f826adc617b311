#include "api/address.h"

#include <charconv>

namespace converge::api {

std::string Address::ToString() const {
  if (kind == Kind::kUnix) return "unix:" + path;
  const bool v6 = host.find(':') != std::string::npos;
  return "tcp:" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Address> ParseAddress(std::string_view text) {
  const std::string where(text);
  Address address;
  if (text.rfind("unix:", 0) == 0) {
    address.kind = Address::Kind::kUnix;
    address.path = std::string(text.substr(5));
    if (address.path.empty()) return Status::Invalid(where, "unix: needs a socket path");
    if (address.path.size() > 107) {
      return Status::Invalid(where, "socket path longer than 107 bytes");
    }
    return address;
  }
  if (text.rfind("tcp:", 0) != 0) {
    return Status::Invalid(where, "must be unix:PATH or tcp:HOST:PORT");
  }
  std::string_view rest = text.substr(4);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::Invalid(where, "tcp:HOST:PORT needs a host and a port");
  }
  std::string_view host = rest.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) {
      return Status::Invalid(where, "an IPv6 host is written [addr]");
    }
    host = host.substr(1, host.size() - 2);
  }
  std::string_view port = rest.substr(colon + 1);
  int value = -1;
  auto [ptr, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || ptr != port.data() + port.size() || value < 0 ||
      value > 65535) {
    return Status::Invalid(where, "port must be 0..65535");
  }
  address.kind = Address::Kind::kTcp;
  address.host = std::string(host);
  address.port = value;
  return address;
}

}  // namespace converge::api
