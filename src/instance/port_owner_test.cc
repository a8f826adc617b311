#include "instance/port_owner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace converge::instance {
namespace {

// An address word as /proc/net/tcp prints it on this machine.
std::string Hex(uint32_t host_order) {
  char text[9];
  std::snprintf(text, sizeof text, "%08X", htonl(host_order));
  return text;
}

std::string Line(const std::string& local, const std::string& state, const std::string& inode) {
  return "   0: " + local + " 00000000:0000 " + state +
         " 00000000:00000000 00:00000000 00000000     0        0 " + inode +
         " 1 0000000000000000 100 0 0 10 0\n";
}

TEST(LoopbackListenersTest, FindsListenersThatTakeConnectionsTo127001) {
  const std::string header =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode\n";
  const std::string table = header + Line(Hex(INADDR_LOOPBACK) + ":1F90", "0A", "101") +
                            Line(Hex(INADDR_ANY) + ":1F90", "0A", "102") +
                            Line(Hex(0x0A000001) + ":1F90", "0A", "103") +  // 10.0.0.1
                            Line(Hex(INADDR_LOOPBACK) + ":1F90", "01", "104") +  // established
                            Line(Hex(INADDR_LOOPBACK) + ":1F91", "0A", "105") +  // other port
                            "garbage line\n" + Line("zz:1F90", "0A", "106");
  EXPECT_EQ(LoopbackListeners(table, 0x1F90), (std::vector<uint64_t>{101, 102}));
  EXPECT_TRUE(LoopbackListeners(table, 80).empty());
  EXPECT_TRUE(LoopbackListeners("", 0x1F90).empty());

  const std::string zero = Hex(0);
  const std::string any6 = zero + zero + zero + zero;
  const std::string mapped = zero + zero + Hex(0xFFFF) + Hex(INADDR_LOOPBACK);
  const std::string one6 = zero + zero + zero + Hex(1);  // ::1 does not take IPv4
  const std::string table6 = Line(any6 + ":1F90", "0A", "201") +
                             Line(mapped + ":1F90", "0A", "202") +
                             Line(one6 + ":1F90", "0A", "203");
  EXPECT_EQ(LoopbackListeners(table6, 0x1F90), (std::vector<uint64_t>{201, 202}));
}

class ListeningSocket {
 public:
  ListeningSocket() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), size) == 0 && ::listen(fd_, 4) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~ListeningSocket() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A child process that leads a session of its own until destroyed, holding `keep` open (or
// nothing of ours, when `keep` is -1). Tests do not use their own session: its leader may sit
// outside this pid namespace, where getsid() reports 0 (as in some CI sandboxes).
class SessionLeader {
 public:
  SessionLeader(int keep, int close_in_child) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      if (close_in_child >= 0 && close_in_child != keep) ::close(close_in_child);
      ::setsid();
      ::close(pipe_fds[1]);
      char byte;
      (void)!::read(pipe_fds[0], &byte, 1);
      ::_exit(0);
    }
    ::close(pipe_fds[0]);
    release_ = pipe_fds[1];
    // The child's setsid() may not have run yet: its session is its pid once it has.
    for (int i = 0; pid_ > 0 && i < 1000 && ::getsid(pid_) != pid_; ++i) ::usleep(1000);
  }
  ~SessionLeader() {
    if (release_ >= 0) ::close(release_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  // The session id, or -1 if the child could not be started or did not lead a session.
  pid_t session() const { return pid_ > 0 && ::getsid(pid_) == pid_ ? pid_ : -1; }

 private:
  pid_t pid_ = -1;
  int release_ = -1;
};

TEST(SessionListensOnTest, OwnedOnlyByTheListenersSession) {
  ListeningSocket socket;
  ASSERT_GT(socket.port(), 0);
  EXPECT_FALSE(PortFree(socket.port()));
  ListenerCheck held;
  {
    const SessionLeader holder(socket.fd(), -1);
    ASSERT_GT(holder.session(), 0);
    held = SessionListensOn(holder.session(), socket.port());
    EXPECT_TRUE(held.owned);
    EXPECT_NE(held.inode, 0u);
    EXPECT_TRUE(SessionListensOn(holder.session(), socket.port(), held.inode).owned);
    EXPECT_TRUE(SessionListensOn(holder.session(), socket.port(), held.inode + 1).owned);

    // A process of another session that closed its copy does not hold the socket.
    const SessionLeader other(-1, socket.fd());
    ASSERT_GT(other.session(), 0);
    EXPECT_FALSE(SessionListensOn(other.session(), socket.port()).owned);
    EXPECT_FALSE(SessionListensOn(0, socket.port()).owned);
  }
  const int port = socket.port();
  socket.Close();
  EXPECT_FALSE(SessionListensOn(::getpid(), port, held.inode).owned) << "nothing listens";
  EXPECT_TRUE(PortFree(port));
}

}  // namespace
}  // namespace converge::instance
