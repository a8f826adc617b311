// Store: the instance's durable state in one SQLite database (WAL mode).
//
// Writes are buffered and applied by Commit() in a single transaction, so that the instance
// can group many job transitions into one fsync (group commit). A transition is durable once
// Commit() returned Ok: with `synchronous_full` (the default) the WAL is fsynced at every
// commit, so committed data survives power loss; without it, committed data survives the
// instance being killed, but an OS crash may lose the last commits. Schema and guarantees:
// docs/formats/eventlog.md. Not thread-safe: one owner (the instance's event loop).
//
// Damage is refused, never papered over: Open() runs `PRAGMA quick_check` on an existing
// database and refuses a damaged one, and refuses a missing or empty database in a place that
// held a store before (PATH.id, written beside the database when it is created, names it).
// Rows read back with text that is not UTF-8 are reported as damage, not returned.
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
  // With synchronous_full: Commit() does not wait for the disk; a commit is durable once a
  // SyncCommitted() that began after it returned Ok. The owner must not act on a commit before
  // then (instance/commit_syncer.h syncs off the event loop, so that the loop goes on meanwhile
  // and one fsync covers every commit made during the previous one).
  bool deferred_sync = false;
  // Why the caller knows that a store existed here before (e.g. "STATE/output holds the
  // output of earlier jobs"), "" when it does not. Open() then refuses a missing or empty
  // database, as it does when PATH.id exists.
  std::string used_before;
  // Caps the database at this many pages (SQLite max_page_count); 0 = no cap. A commit that
  // would grow it further fails as on a full disk (Failure::kNoSpace); tests use it.
  int64_t max_pages = 0;
};

class Store {
 public:
  // Why the last Commit() failed.
  enum class Failure {
    kNone,     // it succeeded
    kNoSpace,  // the disk (or max_pages) is full: retrying succeeds once space returns
    kIo,       // an I/O error, a read-only or busy file: retrying may succeed
    kPermanent,  // the database is corrupt, or refused the batch (a constraint): retrying
                 // cannot help
  };

  // Opens (creating if needed) the database at `path` and applies schema migrations.
  // Refuses (kInternal, with a message that names the file and says what to do; nothing is
  // changed) a database that fails `PRAGMA quick_check` or is not a database, one holding
  // text that is not UTF-8 (naming the row and column), and a missing or empty one when
  // PATH.id exists or `options.used_before` is set. O(size of the store): ~0.5 s for 100k jobs. A new store gets a
  // random id, kept in its meta table ("store_id") and in PATH.id.
  // Errors: kInternal with SQLite's message and the path; kInvalidArgument when the database
  // was written by a newer schema version.
  static Result<std::unique_ptr<Store>> Open(const std::string& path, StoreOptions options = {});
  ~Store();

  // Buffered until Commit(). PutJob replaces the job's row; PutJobspec is written once.
  void PutJob(const JobRecord& job);
  void PutJobspec(int64_t id, std::string jobspec_json);
  void AppendEvent(Event event);
  void PutMeta(const std::string& key, const std::string& value);
  // A job's provenance record (JSON; replaces an earlier one) and the node facts it names by
  // digest (JSON; written once per digest). docs/provenance.md.
  void PutProvenance(int64_t job_id, std::string record);
  void PutNodeFacts(std::string digest, std::string facts);
  // A MetricSet metric's result and values (replaces those of the same job).
  void PutMetricResult(MetricResult result);
  // Applies everything buffered in one transaction. On error nothing was applied and the
  // buffer is kept, so that calling Commit() again retries it (last_failure() says whether
  // that can help). Ok and no I/O when nothing is buffered.
  Status Commit();
  Failure last_failure() const;
  // StoreOptions::deferred_sync was given (with synchronous_full): see there.
  bool syncs_later() const;
  // Makes every commit returned so far durable (fdatasync of the WAL). Errors: kInternal with
  // the cause; what was committed may then be lost on power loss. The one method that may be
  // called from another thread, concurrently with the owner's calls.
  Status SyncCommitted() const;
  size_t buffered() const;

  // Reads fail with kInternal "damaged" when a row's text is not UTF-8.
  Result<std::vector<JobRecord>> LoadJobs() const;  // every job, ascending id
  Result<std::optional<JobRecord>> LoadJob(int64_t id) const;
  Result<std::string> ReadJobspec(int64_t id) const;       // kNotFound when absent
  Result<std::vector<Event>> ReadEvents(int64_t id) const;  // ascending seq
  Result<std::optional<std::string>> GetMeta(const std::string& key) const;
  Result<std::optional<std::string>> ReadProvenance(int64_t job_id) const;
  Result<std::optional<std::string>> ReadNodeFacts(const std::string& digest) const;
  // The values named `name` of the earlier runs (job id below `before_job`) of `metric` in
  // MetricSets named `metric_set`, oldest first: the baseline of a relative check.
  Result<std::vector<double>> MetricHistory(const std::string& metric_set,
                                            const std::string& metric, const std::string& name,
                                            int64_t before_job) const;
  // The database file (read-only queries open their own connection to it: query/).
  const std::string& path() const;

 private:
  class Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace converge::store
