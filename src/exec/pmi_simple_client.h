// PmiSimpleClient: the task side of the PMI-1 "simple" wire protocol (docs/formats/pmi.md), as
// far as converge's own processes need it — a nested instance whose tasks find each other
// (rank 0 puts its address, the others get it after a barrier), the way Flux brokers
// bootstrap under a parent's PMI. Blocking, one request at a time.
//
// The connection is the PMI_FD a converge shim (or any PMI-1 server) gave the task; PMI_RANK
// and PMI_SIZE name its place. Keys and values must not contain spaces or newlines (the wire
// format has no escaping) and fit the server's get_maxes limits.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace converge::exec {

class PmiSimpleClient {
 public:
  // The task's PMI from PMI_FD, PMI_RANK and PMI_SIZE; sends init and learns the KVS name and
  // limits. Errors: kInvalidArgument naming the variable that is missing or malformed (the job
  // has no PMI), kUnavailable when the server refuses or the connection fails.
  static Result<PmiSimpleClient> FromEnvironment();
  // The same on an open connection (tests); takes ownership of `fd`.
  static Result<PmiSimpleClient> Connect(int fd, int rank, int size);

  PmiSimpleClient(PmiSimpleClient&& other) noexcept;
  PmiSimpleClient& operator=(PmiSimpleClient&&) = delete;
  ~PmiSimpleClient();  // closes the connection (after finalize, if Finalize was not called)

  int rank() const { return rank_; }
  int size() const { return size_; }

  // Errors: kInvalidArgument for a key or value the wire cannot carry or the server's limits
  // refuse; kUnavailable when the server answers rc != 0 or the connection ends.
  Status Put(const std::string& key, const std::string& value);
  // Blocks until every rank of the job entered the barrier.
  Status Barrier();
  // kNotFound when no rank put `key` (before the last barrier).
  Result<std::string> Get(const std::string& key);
  // Asks the server to end the whole job (every rank, on every node) with `exit_code`; `why`
  // is reported with spaces as '_'. Later calls fail.
  Status Abort(int exit_code, const std::string& why);
  // Ends the PMI session: the server no longer counts this task as a rank that might still
  // use PMI. Later calls fail.
  Status Finalize();

 private:
  PmiSimpleClient(int fd, int rank, int size) : fd_(fd), rank_(rank), size_(size) {}
  Status Send(const std::string& line);
  // The next reply line whose cmd is `command`, as its key=value fields' text.
  Result<std::string> Await(const std::string& command);
  Status Handshake();

  int fd_ = -1;
  int rank_ = 0;
  int size_ = 1;
  std::string kvsname_;
  size_t max_key_ = 64;
  size_t max_value_ = 1024;
  std::string input_;  // bytes received after the last complete line
  bool finalized_ = false;
};

// The value of `key` in a reply line's "key=value" fields, or nullopt.
std::optional<std::string> PmiField(const std::string& line, const std::string& key);

}  // namespace converge::exec
