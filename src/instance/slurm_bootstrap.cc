#include "instance/slurm_bootstrap.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/hostlist.h"
#include "instance/agent_bootstrap.h"
#include "exec/launcher_shims.h"

namespace converge::instance {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// This host's first IPv4 address by its name, or loopback when it has none.
std::string HostAddress() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "127.0.0.1";
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host, nullptr, &hints, &found) != 0 || found == nullptr) return "127.0.0.1";
  char text[INET_ADDRSTRLEN] = "127.0.0.1";
  ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text,
              sizeof text);
  ::freeaddrinfo(found);
  return text;
}


struct RecordedStep {
  int64_t pid = 0;  // 0: none, or its srun is gone
  std::string listen;
};

RecordedStep LiveRecordedStep(const std::string& state_dir) {
  std::ifstream in(state_dir + "/agents.step");
  RecordedStep step;
  if (!(in >> step.pid >> step.listen) || step.pid <= 1) return {};
  std::ifstream cmdline("/proc/" + std::to_string(step.pid) + "/cmdline");
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  if (argv0.find("srun") == std::string::npos) return {};
  return step;
}

}  // namespace

Result<std::optional<SlurmAgents>> DetectSlurmAllocation(const std::string& state_dir,
                                                         const std::string& converge_path,
                                                         const std::string& listen) {
  const std::string job = Env("SLURM_JOB_ID");
  const std::string nodelist = Env("SLURM_JOB_NODELIST");
  if (job.empty() || nodelist.empty()) return std::optional<SlurmAgents>();
  if (exec::ShimsInclude(std::getenv(exec::kShimsVariable), "srun")) {
    return std::optional<SlurmAgents>();  // converge's emulated allocation, not Slurm's
  }
  Result<std::vector<std::string>> hosts = ExpandHostlist(nodelist);
  if (!hosts.ok()) return Status::Invalid("SLURM_JOB_NODELIST", hosts.status().message());
  if (hosts->empty()) return Status::Invalid("SLURM_JOB_NODELIST", "names no nodes");
  SlurmAgents agents;
  agents.hosts = *hosts;
  if (const std::string partition = Env("SLURM_JOB_PARTITION"); !partition.empty()) {
    agents.properties.emplace_back("partition", partition);
  }
  const RecordedStep recorded = LiveRecordedStep(state_dir);
  if (recorded.pid > 0) {
    agents.listen = recorded.listen;  // the running agents register there already
    return std::optional<SlurmAgents>(std::move(agents));
  }
  agents.listen = listen;
  if (agents.listen.empty()) {
    const std::string address = HostAddress();
    agents.listen = "tcp:" + address + ":" + std::to_string(FreeTcpPort(address));
  }
  agents.launch = {"srun",
                   "--overlap",
                   "-N" + std::to_string(hosts->size()),
                   // said out loud: salloc -n/-c exports SLURM_NTASKS, which srun would obey
                   "-n" + std::to_string(hosts->size()),
                   "--ntasks-per-node=1",
                   "--kill-on-bad-exit=0",
                   "--job-name=converge-agents",
                   converge_path,
                   "agent",
                   "--leader",
                   agents.listen,
                   "--token-file",
                   state_dir + "/token"};
  return std::optional<SlurmAgents>(std::move(agents));
}

Status RecordAgentStep(const std::string& state_dir, int64_t pid, const std::string& listen) {
  const std::string path = state_dir + "/agents.step";
  ::unlink(path.c_str());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status(Code::kInternal, std::strerror(errno), path);
  const std::string text = std::to_string(pid) + " " + listen + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) return Status(Code::kInternal, "cannot write", path);
  return Status::Ok();
}

void EndRecordedAgentStep(const std::string& state_dir) {
  const RecordedStep step = LiveRecordedStep(state_dir);
  if (step.pid > 0) ::kill(static_cast<pid_t>(step.pid), SIGTERM);
  ::unlink((state_dir + "/agents.step").c_str());
}

}  // namespace converge::instance
