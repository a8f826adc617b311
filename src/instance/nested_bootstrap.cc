#include "instance/nested_bootstrap.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <cstring>

#include "api/token_file.h"
#include "instance/agent_bootstrap.h"

extern char** environ;

namespace converge::instance {
namespace {

constexpr double kConnectSeconds = 1;  // per address and try: a host that drops SYNs

// Whether a TCP connection to host:port opens within `seconds`.
bool Answers(const std::string& host, int port, double seconds) {
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &target.sin_addr) != 1) return false;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0;
  if (!open && errno == EINPROGRESS) {
    pollfd wait{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    open = ::poll(&wait, 1, static_cast<int>(seconds * 1000)) == 1 &&
           ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  ::close(fd);
  return open;
}

}  // namespace

std::vector<std::string> LocalIpv4Addresses() {
  std::vector<std::string> others, loopback;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
      if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET ||
          (entry->ifa_flags & IFF_UP) == 0) {
        continue;
      }
      char text[INET_ADDRSTRLEN];
      const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
      if (::inet_ntop(AF_INET, &address->sin_addr, text, sizeof text) == nullptr) continue;
      ((entry->ifa_flags & IFF_LOOPBACK) != 0 ? loopback : others).push_back(text);
    }
    ::freeifaddrs(list);
  }
  others.insert(others.end(), loopback.begin(), loopback.end());
  if (others.empty()) others.push_back("127.0.0.1");
  return others;
}

void DropParentPmiEnvironment() {
  std::vector<std::string> names;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    if (text.rfind("PMI_", 0) == 0 || text.rfind("MPI_LOCAL", 0) == 0) {
      names.push_back(text.substr(0, text.find('=')));
    }
  }
  for (const std::string& name : names) ::unsetenv(name.c_str());
}

Result<NestedLeader> PublishNestedLeader(exec::PmiSimpleClient& pmi, const std::string& state_dir) {
  NestedLeader leader;
  leader.port = FreeTcpPort("0.0.0.0");
  if (leader.port == 0) return Status(Code::kInternal, "no free TCP port for the nested leader");
  leader.token_file = state_dir + "/token";
  Result<std::string> token = api::LoadOrCreateTokenFile(leader.token_file);
  if (!token.ok()) return token.status();
  leader.token = *token;
  std::string addresses;
  for (const std::string& address : LocalIpv4Addresses()) {
    if (!addresses.empty()) addresses += ',';
    addresses += "tcp:" + address + ":" + std::to_string(leader.port);
  }
  CONVERGE_RETURN_IF_ERROR(pmi.Put(kNestedLeaderKey, addresses).WithPrefix("PMI"));
  CONVERGE_RETURN_IF_ERROR(pmi.Put(kNestedTokenKey, leader.token).WithPrefix("PMI"));
  CONVERGE_RETURN_IF_ERROR(pmi.Barrier().WithPrefix("PMI"));
  CONVERGE_RETURN_IF_ERROR(pmi.Finalize().WithPrefix("PMI"));
  return leader;
}

Result<NestedAgentContact> FindNestedLeader(exec::PmiSimpleClient& pmi, double wait_seconds) {
  CONVERGE_RETURN_IF_ERROR(pmi.Barrier().WithPrefix("PMI"));
  Result<std::string> addresses = pmi.Get(kNestedLeaderKey);
  if (!addresses.ok()) return addresses.status().WithPrefix("PMI (rank 0 is the leader)");
  Result<std::string> token = pmi.Get(kNestedTokenKey);
  if (!token.ok()) return token.status().WithPrefix("PMI (rank 0 is the leader)");
  CONVERGE_RETURN_IF_ERROR(pmi.Finalize().WithPrefix("PMI"));
  // The leader starts listening only after the barrier: try its addresses in turn until one
  // opens.
  std::vector<std::pair<std::string, int>> candidates;  // host, port
  for (size_t start = 0; start < addresses->size();) {
    size_t comma = addresses->find(',', start);
    if (comma == std::string::npos) comma = addresses->size();
    const std::string address = addresses->substr(start, comma - start);
    start = comma + 1;
    const size_t colon = address.rfind(':');
    if (address.rfind("tcp:", 0) != 0 || colon == std::string::npos || colon <= 4) continue;
    candidates.emplace_back(address.substr(4, colon - 4), std::atoi(address.c_str() + colon + 1));
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(wait_seconds * 1000));
  do {
    for (const auto& [host, port] : candidates) {
      if (Answers(host, port, kConnectSeconds)) {
        return NestedAgentContact{"tcp:" + host + ":" + std::to_string(port), *token};
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  return Status(Code::kUnavailable, "none of the nested leader's addresses answered", *addresses);
}

}  // namespace converge::instance
