// How the tasks of a nested instance spread over several nodes find each other: the job runs
// one task per node (shell.options.per-resource), and they meet over the parent's PMI-1, as
// Flux brokers do under their parent. Rank 0 becomes the leader: it puts where it listens
// (every IPv4 address of its node, the loopback last, and one port) and a fresh token into the
// job's KVS. After one barrier the other ranks read both and become the agents of their
// nodes, registering under their node's name (CONVERGE_NODE). Both sides then finalize PMI
// and drop the PMI variables, so that nothing they start inherits the parent's PMI.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "exec/pmi_simple_client.h"

namespace converge::instance {

// PMI keys of the bootstrap (values have no spaces, as PMI-1 needs).
inline constexpr const char* kNestedLeaderKey = "converge.nested.leader";  // tcp:A:P,tcp:B:P
inline constexpr const char* kNestedTokenKey = "converge.nested.token";

struct NestedLeader {
  int port = 0;           // listens on 0.0.0.0:port (the agents' side needs the token)
  std::string token;      // from token_file (api::LoadOrCreateTokenFile: 0600, O_EXCL)
  std::string token_file;
};

// Rank 0: picks a port, makes the token (STATE/token), publishes both, waits in the barrier
// and finalizes. Errors: no free port, the token file, or the PMI exchange (named); the
// caller should then abort the job through `pmi`, since the other ranks wait for rank 0.
Result<NestedLeader> PublishNestedLeader(exec::PmiSimpleClient& pmi, const std::string& state_dir);

struct NestedAgentContact {
  std::string leader;  // tcp:ADDR:PORT: the first of the leader's addresses this node reaches
  std::string token;
};

// Ranks > 0: waits in the barrier, reads what rank 0 published and finalizes, then tries the
// leader's addresses in order until one accepts a connection. Errors: the PMI exchange, or
// no address answering within `wait_seconds`.
Result<NestedAgentContact> FindNestedLeader(exec::PmiSimpleClient& pmi, double wait_seconds);

// This host's IPv4 addresses on interfaces that are up, loopback last.
std::vector<std::string> LocalIpv4Addresses();

// Removes PMI_* and MPI_LOCAL* from this process's environment (the parent job's PMI).
void DropParentPmiEnvironment();

}  // namespace converge::instance
