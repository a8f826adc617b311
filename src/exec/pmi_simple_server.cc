#include "exec/pmi_simple_server.h"

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

}  // namespace

PmiSimpleServer::PmiSimpleServer(int size, std::string kvsname, PmiLimits limits)
    : kvsname_(std::move(kvsname)), limits_(limits) {
  CHECK(size >= 1, "PmiSimpleServer needs at least one rank");
  CHECK(!kvsname_.empty() && kvsname_.find(' ') == std::string::npos &&
            kvsname_.size() <= limits_.max_kvsname,
        "PmiSimpleServer kvsname must be a non-empty word within max_kvsname");
  ranks_.resize(static_cast<size_t>(size));
  // Every rank on one node: MPICH reads this to find its node-local peers (shared memory).
  const std::string mapping = "(vector,(0,1," + std::to_string(size) + "))";
  kvs_["PMI_process_mapping"] = mapping;
  kvs_order_.push_back("PMI_process_mapping");
  kvs_bytes_ = kvs_order_.back().size() + mapping.size();
}

size_t PmiSimpleServer::Index(int rank) const {
  CHECK(rank >= 0 && static_cast<size_t>(rank) < ranks_.size(), "PMI rank out of range");
  return static_cast<size_t>(rank);
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
  if (state.initialized && !state.finalized) {
    SetAbort(rank, std::nullopt,
             "rank " + std::to_string(rank) + " closed its PMI connection before finalize");
  }
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
  auto existing = kvs_.find(key);
  const size_t old_bytes = existing == kvs_.end() ? 0 : key.size() + existing->second.size();
  const size_t new_bytes = kvs_bytes_ - old_bytes + key.size() + value.size();
  if ((existing == kvs_.end() && kvs_.size() >= limits_.max_entries) ||
      new_bytes > limits_.max_kvs_bytes) {
    return Reply(rank, "cmd=put_result rc=-1 msg=kvs_full");
  }
  if (existing == kvs_.end()) {
    kvs_.emplace(key, value);
    kvs_order_.push_back(key);
  } else {
    existing->second = value;
  }
  kvs_bytes_ = new_bytes;
  Reply(rank, "cmd=put_result rc=0 msg=success");
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
  if (++barrier_count_ < static_cast<int>(ranks_.size())) return;
  barrier_count_ = 0;
  for (size_t i = 0; i < ranks_.size(); ++i) {
    ranks_[i].in_barrier = false;
    Reply(static_cast<int>(i), "cmd=barrier_out rc=0");
  }
}

}  // namespace converge::exec
