// Who holds a TCP port on this machine, for services' readiness: whether a port can be bound
// now, and whether the socket listening where the readiness probe connects (127.0.0.1:PORT,
// see health_probe.h) belongs to one job's processes — so that an answer from another process
// never makes a service READY.
//
// LoopbackListeners() is pure. PortFree() opens a socket; SessionListensOn() reads /proc (the
// instance's own network namespace and pid namespace). All are thread-compatible.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace converge::instance {

// Whether 127.0.0.1:`port` can be bound now, i.e. no socket listens on it (nor on 0.0.0.0 or a
// dual-stack [::], which take its connections). Connections in TIME_WAIT left by a process
// that ended do not count (SO_REUSEADDR).
bool PortFree(int port);

// The inodes of the LISTEN sockets in `table` — the text of /proc/net/tcp or /proc/net/tcp6 —
// that take connections to 127.0.0.1:`port`: bound to 127.0.0.1, 0.0.0.0, ::ffff:127.0.0.1 or
// :: (an IPV6_V6ONLY [::] socket cannot be told apart here and counts too). Lines that do not
// parse are skipped. O(size of table).
std::vector<uint64_t> LoopbackListeners(std::string_view table, int port);

struct ListenerCheck {
  bool owned = false;  // a socket taking 127.0.0.1:port connections is open in the session
  uint64_t inode = 0;  // that socket's inode (when owned)
};

// Whether a socket listening where 127.0.0.1:`port` connections go is held open by a process
// of session `session` (a job's processes: its shim leads their session). `known` is an inode
// found owned before: while it still listens the answer is yes without looking at processes.
// Cost: reads /proc/net/tcp and tcp6; otherwise also /proc/PID/stat of every process and the
// fd folder of those in `session`. Never owned when `session` <= 0.
ListenerCheck SessionListensOn(pid_t session, int port, uint64_t known = 0);

}  // namespace converge::instance
