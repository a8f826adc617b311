// The wire values between a leader and its agents (docs/formats/agent.md): an agent's
// registration, the state of one job part on an agent, and a batch of finished parts.
// Plain values; parsing never throws and names the bad field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "exec/shim_spec.h"

namespace converge::agent {

// POST /v1/agents on the leader: who the agent is and where it serves.
struct Registration {
  std::string name;      // the node's name (host name, or SLURMD_NODENAME)
  std::string url;       // where the agent serves: "tcp:ADDR:PORT"
  std::string boot_id;   // random per agent start: a new one means the agent restarted
  std::string topology;  // the node's hwloc topology as JGF text (resource/writers/jgf.h)
  // The node's provenance facts as JSON text (provenance/node_facts.h); "" from an agent that
  // sends none (then the leader's own stand for it).
  std::string facts;
};

enum class PartState { kRunning, kFinished, kUnknown };
const char* PartStateName(PartState state);

// GET /v1/agent/parts/{id}, and each entry of a finished batch.
struct PartStatus {
  int64_t job_id = 0;
  PartState state = PartState::kUnknown;
  exec::ShimResult result;  // kFinished only
  std::string error;        // kFinished without a result: why there is none
};

// GET /v1/agent/finished?after=N: the parts that finished after sequence number N, and the
// number to ask after next time.
struct FinishedBatch {
  int64_t next = 0;
  std::vector<PartStatus> parts;
};

std::string ToJson(const Registration& registration);
Result<Registration> RegistrationFromJson(std::string_view text);
std::string ToJson(const PartStatus& status);
Result<PartStatus> PartStatusFromJson(std::string_view text);
std::string ToJson(const FinishedBatch& batch);
Result<FinishedBatch> FinishedBatchFromJson(std::string_view text);

// The largest registration body an instance accepts (a node's JGF is a few hundred KiB).
constexpr size_t kMaxRegistrationBytes = size_t{16} << 20;

}  // namespace converge::agent
