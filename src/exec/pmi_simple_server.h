// PmiSimpleServer: the server side of the PMI-1 "simple" wire protocol (what MPICH's libpmi,
// hydra's proxy and Flux's job shell speak over PMI_FD), for one job of `size` ranks, as a pure
// state machine: bytes a rank sent go in, lines for the ranks come out. No sockets, no clock;
// PmiSimpleService (pmi_simple_service.h) does the I/O.
//
// Wire format: one command per line, "cmd=NAME key=value key=value\n" (values have no spaces;
// a value may contain '='). Spawn alone is multi-line ("mcmd=spawn\n ... endcmd\n").
// Commands served (replies in docs/formats/pmi.md):
//   init (pmi_version 1 only; other versions get rc=-1), initack (the PMI_ID handshake),
//   get_maxes, get_appnum, get_my_kvsname, get_universe_size, put, get, getbyidx, barrier_in
//   (barrier_out goes to every rank once all `size` ranks entered), finalize, abort.
//   spawn, publish_name, unpublish_name and lookup_name are answered with rc=-1.
// KVS: one key space for the job ("kvsname"), pre-filled with PMI_process_mapping (which node
// each rank is on). A put is visible at once, so a get after the barrier that followed the put
// always finds it (what PMI-1 promises); re-putting a key replaces its value.
//
// A job of several parts (JobLayout: one server per node, each serving its node's ranks): once
// every local rank entered a barrier, the server offers a fence (TakeFence(): the keys put here
// since the last fence) instead of releasing the barrier; the owner exchanges it with the other
// parts and hands back every part's fence (CompleteFence: the others' keys join the KVS, then
// barrier_out goes to the local ranks) or the reason it failed (FailFence: the job is aborted).
//
// A rank that breaks the protocol (line too long, unparseable line, commands after finalize,
// too many spawn lines, barrier_in twice) gets an error reply where the protocol has one, and
// is disconnected (closed(rank)) where it has not. A rank that ends without ever using PMI is
// fine, unless others enter a barrier, which then can never complete: the job is aborted. Limits (PmiLimits) bound memory: a full KVS
// answers put with rc=-1. A rank that initialized and then disconnects before finalize can never
// take part in a barrier again: the job is aborted (abort() is set, without an exit code), as
// hydra does when a rank dies.
//
// Not thread-safe; single-threaded shim.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exec/shim_spec.h"

namespace converge::exec {

struct PmiLimits {
  size_t max_line = 4096;            // longest line a rank may send (MPICH sends <= 1024)
  size_t max_kvsname = 256;          // advertised in get_maxes (kvsname_max)
  size_t max_key = 64;               // advertised (keylen_max); longer keys are refused
  size_t max_value = 1024;           // advertised (vallen_max); longer values are refused
  size_t max_entries = 262144;       // keys in the KVS
  size_t max_kvs_bytes = 64u << 20;  // sum of key and value sizes in the KVS
  size_t max_spawn_lines = 1024;     // lines of one mcmd=spawn block
};

// Why the job should end: an explicit "cmd=abort" (exit_code set) or a rank lost mid-job.
struct PmiAbort {
  int rank = 0;
  std::optional<int> exit_code;  // set for cmd=abort
  std::string message;           // human text, e.g. "rank 2 called PMI abort (exit code 3)"
};

class PmiSimpleServer {
 public:
  // A job of `size` ranks, all served here.
  // REQUIRES: size >= 1; kvsname is non-empty, has no spaces, and fits limits.max_kvsname.
  PmiSimpleServer(int size, std::string kvsname, PmiLimits limits = {});
  // The part layout.part of a multi-part job: serves the ranks layout.rank_nodes puts there.
  // REQUIRES: as above; layout.multi_part(), with layout.size() >= 1 and at least one rank here.
  PmiSimpleServer(const JobLayout& layout, std::string kvsname, PmiLimits limits = {});

  // Bytes rank `rank` sent (any split: partial lines are kept until their newline).
  // Ignored once the rank is closed. REQUIRES: `rank` is served here.
  void Receive(int rank, std::string_view bytes);

  // The rank's connection ended (EOF or error). See the class comment for the abort rule.
  void Disconnected(int rank);

  // Output waiting for `rank` (moved out: each byte is returned once).
  std::string TakeOutput(int rank);

  // The server wants `rank`'s connection closed (after its pending output is sent).
  bool closed(int rank) const { return ranks_[Index(rank)].closed; }

  // Set once when the job should end; later aborts do not replace it.
  const std::optional<PmiAbort>& abort() const { return abort_; }

  // Multi-part jobs: this part's fence, once all local ranks entered the barrier (moved out:
  // returned once per barrier); nullopt otherwise.
  std::optional<std::string> TakeFence();
  // Every part's fence (in part order, this part's included) for the barrier taken by TakeFence.
  // Malformed fences or a KVS they would overfill abort the job.
  void CompleteFence(const std::vector<std::string>& fences);
  // The exchange of the fence failed: the job is aborted with `why`.
  void FailFence(const std::string& why);

  int size() const { return static_cast<int>(ranks_.size()); }
  bool served(int rank) const;  // the rank is one of this server's
  const std::string& kvsname() const { return kvsname_; }

 private:
  struct Rank {
    std::string input;   // bytes after the last newline
    std::string output;  // replies not yet taken
    bool initialized = false;
    bool finalized = false;
    bool in_barrier = false;
    bool closed = false;
    bool disconnected = false;
    bool local = true;  // served by this server (every rank, unless the job has parts)
    size_t spawn_lines = 0;  // > 0 while inside an mcmd=spawn block
  };
  using Fields = std::map<std::string, std::string, std::less<>>;

  size_t Index(int rank) const;
  void HandleLine(int rank, std::string_view line);
  void HandleCommand(int rank, std::string_view name, const Fields& fields);
  void HandleSpawnLine(int rank, std::string_view line);
  void Put(int rank, const Fields& fields);
  void Get(int rank, const Fields& fields);
  void GetByIndex(int rank, const Fields& fields);
  void BarrierIn(int rank);
  void ReleaseBarrier();
  void AbortBarrierWithout(int rank);
  // Adds or replaces one KVS entry within the limits; false when the KVS is full.
  bool Store(const std::string& key, const std::string& value);
  void Reply(int rank, std::string line);
  void Close(int rank);
  void SetAbort(int rank, std::optional<int> exit_code, std::string message);
  std::optional<std::string> KvsnameError(const Fields& fields) const;
  static std::optional<Fields> Parse(std::string_view line);

  const std::string kvsname_;
  const PmiLimits limits_;
  std::vector<Rank> ranks_;
  std::map<std::string, std::string, std::less<>> kvs_;
  std::vector<std::string> kvs_order_;  // keys in first-put order, for getbyidx
  size_t kvs_bytes_ = 0;
  int barrier_count_ = 0;  // ranks inside the current barrier
  int local_count_ = 0;    // ranks served here
  int part_ = -1;          // this server's part of a multi-part job, or -1
  std::vector<std::string> fresh_;     // keys put here since the last fence (multi-part)
  std::optional<std::string> fence_;   // offered, not yet taken
  bool fencing_ = false;               // a fence was offered and not completed
  std::optional<int> gone_;  // the first rank that disconnected without using PMI
  std::optional<PmiAbort> abort_;
};

}  // namespace converge::exec
