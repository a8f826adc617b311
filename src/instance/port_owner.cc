#include "instance/port_owner.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace converge::instance {
namespace {

constexpr std::string_view kListenState = "0A";  // TCP_LISTEN in /proc/net/tcp

bool ParseHex(std::string_view text, uint64_t& value) {
  if (text.empty() || text.size() > 16) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  return error == std::errc() && end == text.data() + text.size();
}

// One 32-bit word of an address as /proc/net/tcp* prints it (the network-order bytes read as
// a native integer), in host order.
bool Word(std::string_view hex, uint32_t& host) {
  uint64_t raw = 0;
  if (hex.size() != 8 || !ParseHex(hex, raw)) return false;
  host = ntohl(static_cast<uint32_t>(raw));
  return true;
}

// Whether a socket bound to the address `hex` (8 hex digits for IPv4, 32 for IPv6) takes
// connections made to 127.0.0.1.
bool TakesLoopback(std::string_view hex) {
  if (hex.size() == 8) {
    uint32_t address = 0;
    return Word(hex, address) && (address == INADDR_LOOPBACK || address == INADDR_ANY);
  }
  if (hex.size() != 32) return false;
  uint32_t words[4];
  for (int i = 0; i < 4; ++i) {
    if (!Word(hex.substr(i * 8, 8), words[i])) return false;
  }
  if (words[0] != 0 || words[1] != 0) return false;
  const bool any = words[2] == 0 && words[3] == 0;
  const bool mapped = words[2] == 0xFFFF && words[3] == INADDR_LOOPBACK;
  return any || mapped;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The session id in /proc/PID/stat, or -1. The command name (field 2) may hold spaces and
// parentheses: fields are counted after its last ')'.
pid_t SessionOfProcess(const std::string& pid) {
  const std::string stat = ReadFile("/proc/" + pid + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 1));
  std::string state;
  long ppid = 0, group = 0, session = -1;
  if (!(fields >> state >> ppid >> group >> session)) return -1;
  return static_cast<pid_t>(session);
}

// The first of `inodes` that process `pid` holds open, or 0.
uint64_t HeldSocket(const std::string& pid, const std::vector<uint64_t>& inodes) {
  const std::string folder = "/proc/" + pid + "/fd";
  DIR* fds = ::opendir(folder.c_str());
  if (fds == nullptr) return 0;
  uint64_t found = 0;
  while (dirent* entry = ::readdir(fds)) {
    if (entry->d_name[0] == '.') continue;
    char target[64];
    const std::string link = folder + "/" + entry->d_name;
    const ssize_t size = ::readlink(link.c_str(), target, sizeof target - 1);
    if (size <= 0) continue;
    const std::string_view text(target, static_cast<size_t>(size));
    constexpr std::string_view kPrefix = "socket:[";
    if (text.substr(0, kPrefix.size()) != kPrefix || text.back() != ']') continue;
    uint64_t inode = 0;
    const std::string_view digits = text.substr(kPrefix.size(), text.size() - kPrefix.size() - 1);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), inode);
    if (error != std::errc() || end != digits.data() + digits.size()) continue;
    if (std::find(inodes.begin(), inodes.end(), inode) != inodes.end()) {
      found = inode;
      break;
    }
  }
  ::closedir(fds);
  return found;
}

}  // namespace

bool PortFree(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return free;
}

std::vector<uint64_t> LoopbackListeners(std::string_view table, int port) {
  std::vector<uint64_t> inodes;
  while (!table.empty()) {
    const size_t newline = table.find('\n');
    const std::string_view line = table.substr(0, newline);
    table = newline == std::string_view::npos ? std::string_view() : table.substr(newline + 1);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    std::vector<std::string_view> fields;
    for (size_t at = 0; at < line.size() && fields.size() < 10;) {
      at = line.find_first_not_of(' ', at);
      if (at == std::string_view::npos) break;
      size_t end = line.find(' ', at);
      if (end == std::string_view::npos) end = line.size();
      fields.push_back(line.substr(at, end - at));
      at = end;
    }
    if (fields.size() < 10 || fields[3] != kListenState) continue;
    const size_t colon = fields[1].find(':');
    uint64_t local_port = 0, inode = 0;
    if (colon == std::string_view::npos || !ParseHex(fields[1].substr(colon + 1), local_port) ||
        static_cast<int>(local_port) != port || !TakesLoopback(fields[1].substr(0, colon))) {
      continue;
    }
    auto [end, error] =
        std::from_chars(fields[9].data(), fields[9].data() + fields[9].size(), inode);
    if (error == std::errc() && end == fields[9].data() + fields[9].size() && inode != 0) {
      inodes.push_back(inode);
    }
  }
  return inodes;
}

ListenerCheck SessionListensOn(pid_t session, int port, uint64_t known) {
  if (session <= 0) return {};
  std::vector<uint64_t> inodes = LoopbackListeners(ReadFile("/proc/net/tcp"), port);
  for (uint64_t inode : LoopbackListeners(ReadFile("/proc/net/tcp6"), port)) {
    inodes.push_back(inode);
  }
  if (inodes.empty()) return {};
  if (known != 0 && std::find(inodes.begin(), inodes.end(), known) != inodes.end()) {
    return {true, known};
  }
  DIR* processes = ::opendir("/proc");
  if (processes == nullptr) return {};
  ListenerCheck check;
  while (dirent* entry = ::readdir(processes)) {
    const std::string pid = entry->d_name;
    if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit)) continue;
    if (SessionOfProcess(pid) != session) continue;
    if (uint64_t inode = HeldSocket(pid, inodes); inode != 0) {
      check = {true, inode};
      break;
    }
  }
  ::closedir(processes);
  return check;
}

}  // namespace converge::instance
