// Dead-peer detection for a TCP socket: keep-alive probes and a user timeout, so that a peer
// that vanished without closing (host down, network cut) fails a blocked read or write after
// about `seconds`, and fewer SYN retries bound a connect to an unreachable host likewise.
#pragma once

namespace converge {

// Best effort: options the kernel refuses are left as they were. REQUIRES: seconds >= 1.
void DetectDeadPeer(int tcp_fd, int seconds);

}  // namespace converge
