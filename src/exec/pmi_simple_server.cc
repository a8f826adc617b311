#include "exec/pmi_simple_server.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "common/check.h"

namespace converge::exec {

namespace {

// PMI-1 values cannot hold spaces: error texts travel with '_' in their place.
std::string WireText(std::string text) {
  for (char& c : text) {
    if (c == ' ' || c == '\n' || c == '\t') c = '_';
  }
  return text;
}

std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::string_view Field(const std::map<std::string, std::string, std::less<>>& fields,
                       std::string_view key) {
  auto it = fields.find(key);
  return it == fields.end() ? std::string_view() : std::string_view(it->second);
}

// PMI_process_mapping for ranks on nodes `rank_nodes`: MPICH's "(vector,(START,COUNT,PPN)...)"
// where each block puts PPN consecutive ranks on each of the COUNT nodes from START.
std::string ProcessMapping(const std::vector<int>& rank_nodes) {
  struct Block {
    int start, count, per_node;
  };
  std::vector<Block> blocks;
  for (size_t rank = 0; rank < rank_nodes.size();) {
    size_t end = rank;
    while (end < rank_nodes.size() && rank_nodes[end] == rank_nodes[rank]) ++end;
    const int node = rank_nodes[rank];
    const int run = static_cast<int>(end - rank);
    if (!blocks.empty() && blocks.back().per_node == run &&
        blocks.back().start + blocks.back().count == node) {
      ++blocks.back().count;
    } else {
      blocks.push_back({node, 1, run});
    }
    rank = end;
  }
  std::string mapping = "(vector";
  for (const Block& block : blocks) {
    mapping += ",(" + std::to_string(block.start) + "," + std::to_string(block.count) + "," +
               std::to_string(block.per_node) + ")";
  }
  return mapping + ")";
}

}  // namespace

PmiSimpleServer::PmiSimpleServer(int size, std::string kvsname, PmiLimits limits)
    : PmiSimpleServer(JobLayout{{"local"}, std::vector<int>(size > 0 ? size : 0, 0), 0},
                      std::move(kvsname), limits) {
  part_ = -1;  // one part: barriers are released here
}

PmiSimpleServer::PmiSimpleServer(const JobLayout& layout, std::string kvsname, PmiLimits limits)
    : kvsname_(std::move(kvsname)), limits_(limits), part_(layout.part) {
  CHECK(layout.size() >= 1, "PmiSimpleServer needs at least one rank");
  CHECK(!kvsname_.empty() && kvsname_.find(' ') == std::string::npos &&
            kvsname_.size() <= limits_.max_kvsname,
        "PmiSimpleServer kvsname must be a non-empty word within max_kvsname");
  ranks_.resize(static_cast<size_t>(layout.size()));
  for (size_t rank = 0; rank < ranks_.size(); ++rank) {
    ranks_[rank].local = layout.rank_nodes[rank] == layout.part;
    local_count_ += ranks_[rank].local;
  }
  CHECK(local_count_ >= 1, "PmiSimpleServer part serves no rank");
  // MPICH reads this to find its node-local peers (shared memory).
  const std::string mapping = ProcessMapping(layout.rank_nodes);
  kvs_["PMI_process_mapping"] = mapping;
  kvs_order_.push_back("PMI_process_mapping");
  kvs_bytes_ = kvs_order_.back().size() + mapping.size();
}

size_t PmiSimpleServer::Index(int rank) const {
  CHECK(served(rank), "PMI rank out of range or not served here");
  return static_cast<size_t>(rank);
}

bool PmiSimpleServer::served(int rank) const {
  return rank >= 0 && static_cast<size_t>(rank) < ranks_.size() &&
         ranks_[static_cast<size_t>(rank)].local;
}

void PmiSimpleServer::Receive(int rank, std::string_view bytes) {
  Rank& state = ranks_[Index(rank)];
  if (state.closed) return;
  size_t start = 0;
  while (start < bytes.size() && !state.closed) {
    const size_t newline = bytes.find('\n', start);
    const size_t end = newline == std::string_view::npos ? bytes.size() : newline;
    if (state.input.size() + (end - start) > limits_.max_line) {
      Reply(rank,
            "cmd=error rc=-1 msg=line_longer_than_" + std::to_string(limits_.max_line) + "_bytes");
      Close(rank);
      return;
    }
    state.input.append(bytes.substr(start, end - start));
    if (newline == std::string_view::npos) return;
    std::string line = std::move(state.input);
    state.input.clear();
    HandleLine(rank, line);
    start = newline + 1;
  }
}

void PmiSimpleServer::Disconnected(int rank) {
  Rank& state = ranks_[Index(rank)];
  if (state.disconnected) return;
  state.disconnected = true;
  state.closed = true;
  if (state.finalized) return;
  if (state.initialized) {
    SetAbort(rank, std::nullopt,
             "rank " + std::to_string(rank) + " closed its PMI connection before finalize");
    return;
  }
  // It never used PMI; that is fine unless the others need it in a barrier.
  if (!gone_) gone_ = rank;
  if (barrier_count_ > 0) AbortBarrierWithout(*gone_);
}

void PmiSimpleServer::AbortBarrierWithout(int rank) {
  SetAbort(rank, std::nullopt,
           "rank " + std::to_string(rank) +
               " ended without PMI, so the barrier the other ranks entered cannot complete");
}

std::string PmiSimpleServer::TakeOutput(int rank) {
  return std::exchange(ranks_[Index(rank)].output, std::string());
}

void PmiSimpleServer::Reply(int rank, std::string line) {
  Rank& state = ranks_[Index(rank)];
  if (state.disconnected) return;
  state.output += line;
  state.output += '\n';
}

void PmiSimpleServer::Close(int rank) {
  Rank& state = ranks_[Index(rank)];
  if (state.closed) return;
  state.closed = true;
  if (state.initialized && !state.finalized) {
    SetAbort(rank, std::nullopt,
             "rank " + std::to_string(rank) + " broke the PMI protocol and was disconnected");
  }
}

void PmiSimpleServer::SetAbort(int rank, std::optional<int> exit_code, std::string message) {
  if (abort_) return;
  abort_ = PmiAbort{rank, exit_code, std::move(message)};
}

std::optional<PmiSimpleServer::Fields> PmiSimpleServer::Parse(std::string_view line) {
  Fields fields;
  size_t start = 0;
  while (start <= line.size()) {
    size_t space = line.find(' ', start);
    if (space == std::string_view::npos) space = line.size();
    std::string_view token = line.substr(start, space - start);
    if (!token.empty()) {
      const size_t equals = token.find('=');
      if (equals == 0 || equals == std::string_view::npos) return std::nullopt;
      fields.emplace(std::string(token.substr(0, equals)), std::string(token.substr(equals + 1)));
    }
    start = space + 1;
  }
  return fields;
}

void PmiSimpleServer::HandleLine(int rank, std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  Rank& state = ranks_[Index(rank)];
  if (state.spawn_lines > 0) return HandleSpawnLine(rank, line);
  if (line.empty()) return;
  if (line == "mcmd=spawn") {
    state.spawn_lines = 1;
    return;
  }
  std::optional<Fields> fields = Parse(line);
  std::string_view name = fields ? Field(*fields, "cmd") : std::string_view();
  if (name.empty()) {
    Reply(rank, "cmd=error rc=-1 msg=expected_cmd=NAME_key=value...");
    return Close(rank);
  }
  if (state.finalized) {
    Reply(rank, "cmd=error rc=-1 msg=command_after_finalize");
    return Close(rank);
  }
  HandleCommand(rank, name, *fields);
}

void PmiSimpleServer::HandleSpawnLine(int rank, std::string_view line) {
  Rank& state = ranks_[Index(rank)];
  if (line == "endcmd") {
    state.spawn_lines = 0;
    Reply(rank, "cmd=spawn_result rc=-1 errmsg=converge_does_not_support_PMI_spawn");
    return;
  }
  if (++state.spawn_lines > limits_.max_spawn_lines) {
    Reply(rank, "cmd=spawn_result rc=-1 errmsg=spawn_block_too_long");
    Close(rank);
  }
}

void PmiSimpleServer::HandleCommand(int rank, std::string_view name, const Fields& fields) {
  Rank& state = ranks_[Index(rank)];
  const std::string size = std::to_string(ranks_.size());
  if (name == "init") {
    // A PMI-2 client asks with version 2 first and gives up cleanly on rc=-1.
    const bool v1 = Field(fields, "pmi_version") == "1";
    if (v1) state.initialized = true;
    Reply(rank, std::string("cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=") +
                    (v1 ? "0" : "-1"));
  } else if (name == "initack") {
    // The PMI_ID handshake: the client names its rank; ours is known from the connection.
    const std::optional<int> id = ParseInt(Field(fields, "pmiid"));
    if (!id || *id != rank) {
      Reply(rank, "cmd=initack rc=-1 msg=pmiid_does_not_match_this_connection's_rank");
      return Close(rank);
    }
    Reply(rank, "cmd=initack rc=0");
    Reply(rank, "cmd=set size=" + size);
    Reply(rank, "cmd=set rank=" + std::to_string(rank));
    Reply(rank, "cmd=set debug=0");
  } else if (name == "get_maxes") {
    Reply(rank, "cmd=maxes rc=0 kvsname_max=" + std::to_string(limits_.max_kvsname) +
                    " keylen_max=" + std::to_string(limits_.max_key) +
                    " vallen_max=" + std::to_string(limits_.max_value));
  } else if (name == "get_appnum") {
    Reply(rank, "cmd=appnum rc=0 appnum=0");
  } else if (name == "get_my_kvsname") {
    Reply(rank, "cmd=my_kvsname rc=0 kvsname=" + kvsname_);
  } else if (name == "get_universe_size") {
    Reply(rank, "cmd=universe_size rc=0 size=" + size);
  } else if (name == "put") {
    Put(rank, fields);
  } else if (name == "get") {
    Get(rank, fields);
  } else if (name == "getbyidx") {
    GetByIndex(rank, fields);
  } else if (name == "barrier_in") {
    BarrierIn(rank);
  } else if (name == "finalize") {
    state.finalized = true;
    Reply(rank, "cmd=finalize_ack rc=0");
  } else if (name == "abort") {
    const std::optional<int> code = ParseInt(Field(fields, "exitcode"));
    std::string message = "rank " + std::to_string(rank) + " called PMI abort";
    if (code) message += " (exit code " + std::to_string(*code) + ")";
    if (std::string_view text = Field(fields, "message"); !text.empty()) {
      message += ": " + std::string(text);
    }
    SetAbort(rank, code.value_or(1), std::move(message));
  } else if (name == "publish_name" || name == "unpublish_name" || name == "lookup_name") {
    const std::string reply = name == "publish_name"     ? "publish_result"
                              : name == "unpublish_name" ? "unpublish_result"
                                                         : "lookup_result";
    Reply(rank, "cmd=" + reply + " rc=-1 msg=converge_does_not_support_PMI_name_service");
  } else {
    Reply(rank, "cmd=error rc=-1 msg=unknown_command_" + WireText(std::string(name)));
  }
}

std::optional<std::string> PmiSimpleServer::KvsnameError(const Fields& fields) const {
  if (Field(fields, "kvsname") == kvsname_) return std::nullopt;
  return "msg=unknown_kvsname_" + WireText(std::string(Field(fields, "kvsname")));
}

void PmiSimpleServer::Put(int rank, const Fields& fields) {
  if (std::optional<std::string> error = KvsnameError(fields)) {
    return Reply(rank, "cmd=put_result rc=-1 " + *error);
  }
  auto key_it = fields.find("key");
  auto value_it = fields.find("value");
  if (key_it == fields.end() || key_it->second.empty() || value_it == fields.end()) {
    return Reply(rank, "cmd=put_result rc=-1 msg=put_needs_key_and_value");
  }
  const std::string& key = key_it->second;
  const std::string& value = value_it->second;
  if (key.size() > limits_.max_key || value.size() > limits_.max_value) {
    return Reply(rank, "cmd=put_result rc=-1 msg=key_or_value_longer_than_get_maxes_allows");
  }
  if (!Store(key, value)) return Reply(rank, "cmd=put_result rc=-1 msg=kvs_full");
  if (part_ >= 0) fresh_.push_back(key);
  Reply(rank, "cmd=put_result rc=0 msg=success");
}

bool PmiSimpleServer::Store(const std::string& key, const std::string& value) {
  auto existing = kvs_.find(key);
  const size_t old_bytes = existing == kvs_.end() ? 0 : key.size() + existing->second.size();
  const size_t new_bytes = kvs_bytes_ - old_bytes + key.size() + value.size();
  if ((existing == kvs_.end() && kvs_.size() >= limits_.max_entries) ||
      new_bytes > limits_.max_kvs_bytes) {
    return false;
  }
  if (existing == kvs_.end()) {
    kvs_.emplace(key, value);
    kvs_order_.push_back(key);
  } else {
    existing->second = value;
  }
  kvs_bytes_ = new_bytes;
  return true;
}

void PmiSimpleServer::Get(int rank, const Fields& fields) {
  if (std::optional<std::string> error = KvsnameError(fields)) {
    return Reply(rank, "cmd=get_result rc=-1 " + *error);
  }
  const std::string_view key = Field(fields, "key");
  auto it = kvs_.find(key);
  if (it == kvs_.end()) {
    return Reply(rank, "cmd=get_result rc=-1 msg=key_" + WireText(std::string(key)) + "_not_found");
  }
  Reply(rank, "cmd=get_result rc=0 msg=success value=" + it->second);
}

void PmiSimpleServer::GetByIndex(int rank, const Fields& fields) {
  if (std::optional<std::string> error = KvsnameError(fields)) {
    return Reply(rank, "cmd=getbyidx_results rc=-1 " + *error);
  }
  const std::optional<int> index = ParseInt(Field(fields, "idx"));
  if (!index || *index < 0) return Reply(rank, "cmd=getbyidx_results rc=-1 msg=bad_idx");
  const size_t at = static_cast<size_t>(*index);
  if (at >= kvs_order_.size()) {
    return Reply(rank, "cmd=getbyidx_results rc=-2 reason=no_more_keyvals");
  }
  const std::string& key = kvs_order_[at];
  Reply(rank, "cmd=getbyidx_results rc=0 nextidx=" + std::to_string(at + 1) + " key=" + key +
                  " val=" + kvs_.find(key)->second);
}

void PmiSimpleServer::BarrierIn(int rank) {
  Rank& state = ranks_[Index(rank)];
  if (state.in_barrier) {
    Reply(rank, "cmd=barrier_out rc=-1 msg=barrier_in_twice");
    return Close(rank);
  }
  state.in_barrier = true;
  ++barrier_count_;
  if (gone_) return AbortBarrierWithout(*gone_);
  if (barrier_count_ < local_count_) return;
  if (part_ < 0) return ReleaseBarrier();
  // A fence: "KEY VALUE" lines (neither holds a space or a newline) of the keys put here
  // since the last one, each once, with its latest value.
  std::sort(fresh_.begin(), fresh_.end());
  fresh_.erase(std::unique(fresh_.begin(), fresh_.end()), fresh_.end());
  std::string fence;
  for (const std::string& key : fresh_) fence += key + " " + kvs_.find(key)->second + "\n";
  fresh_.clear();
  fence_ = std::move(fence);
  fencing_ = true;
}

void PmiSimpleServer::ReleaseBarrier() {
  barrier_count_ = 0;
  for (size_t i = 0; i < ranks_.size(); ++i) {
    if (!ranks_[i].local || !ranks_[i].in_barrier) continue;
    ranks_[i].in_barrier = false;
    Reply(static_cast<int>(i), "cmd=barrier_out rc=0");
  }
}

std::optional<std::string> PmiSimpleServer::TakeFence() { return std::exchange(fence_, std::nullopt); }

void PmiSimpleServer::CompleteFence(const std::vector<std::string>& fences) {
  if (!fencing_) return;
  fencing_ = false;
  for (size_t part = 0; part < fences.size(); ++part) {
    if (static_cast<int>(part) == part_) continue;
    std::string_view rest = fences[part];
    while (!rest.empty()) {
      const size_t newline = rest.find('\n');
      const std::string_view line = rest.substr(0, newline);
      const size_t space = line.find(' ');
      if (newline == std::string_view::npos || space == 0 || space == std::string_view::npos) {
        return FailFence("part " + std::to_string(part) + " sent a malformed PMI fence");
      }
      if (!Store(std::string(line.substr(0, space)), std::string(line.substr(space + 1)))) {
        return FailFence("the job's PMI KVS is full");
      }
      rest.remove_prefix(newline + 1);
    }
  }
  ReleaseBarrier();
}

void PmiSimpleServer::FailFence(const std::string& why) {
  fencing_ = false;
  SetAbort(-1, std::nullopt, "the barrier across the job's nodes failed: " + why);
}

}  // namespace converge::exec
