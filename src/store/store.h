// Store: the instance's durable state in one SQLite database (WAL mode).
//
// Writes are buffered and applied by Commit() in a single transaction, so that the instance
// can group many job transitions into one fsync (group commit). A transition is durable once
// Commit() returned Ok: with `synchronous_full` (the default) the WAL is fsynced at every
// commit, so committed data survives power loss; without it, committed data survives the
// instance being killed, but an OS crash may lose the last commits. Schema and guarantees:
// docs/formats/eventlog.md. Not thread-safe: one owner (the instance's event loop).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/job_record.h"

namespace converge::store {

struct StoreOptions {
  bool synchronous_full = true;  // fsync the WAL at every commit (see above)
};

class Store {
 public:
  // Opens (creating if needed) the database at `path` and applies schema migrations.
  // Errors: kInternal with SQLite's message and the path; kInvalidArgument when the database
  // was written by a newer schema version.
  static Result<std::unique_ptr<Store>> Open(const std::string& path, StoreOptions options = {});
  ~Store();

  // Buffered until Commit(). PutJob replaces the job's row; PutJobspec is written once.
  void PutJob(const JobRecord& job);
  void PutJobspec(int64_t id, std::string jobspec_json);
  void AppendEvent(Event event);
  void PutMeta(const std::string& key, const std::string& value);
  // Applies everything buffered in one transaction. On error nothing was applied and the
  // buffer is kept. Ok and no I/O when nothing is buffered.
  Status Commit();
  size_t buffered() const;

  Result<std::vector<JobRecord>> LoadJobs() const;  // every job, ascending id
  Result<std::optional<JobRecord>> LoadJob(int64_t id) const;
  Result<std::string> ReadJobspec(int64_t id) const;       // kNotFound when absent
  Result<std::vector<Event>> ReadEvents(int64_t id) const;  // ascending seq
  Result<std::optional<std::string>> GetMeta(const std::string& key) const;

 private:
  class Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace converge::store
