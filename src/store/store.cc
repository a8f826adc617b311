#include "store/store.h"

#include "store/sqlite_statement.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <variant>

#include <sqlite3.h>

#include "common/utf8.h"

namespace converge::store {
namespace {

constexpr int kSchemaVersion = 1;

// The store holds every job's environment: the database and its WAL and shared-memory files
// are made owner-only (0600), whatever the umask was, and must be plain files of ours.
Status RestrictToOwner(const std::string& path) {
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    struct stat info {};
    if (::lstat(file.c_str(), &info) != 0) {
      if (errno == ENOENT) continue;
      return Status(Code::kInternal, std::string("cannot inspect: ") + std::strerror(errno), file);
    }
    if (!S_ISREG(info.st_mode) || info.st_uid != ::geteuid()) {
      return Status(Code::kPermissionDenied,
                    "is not a plain file of uid " + std::to_string(::geteuid()) + "; not used",
                    file);
    }
    if ((info.st_mode & 077) != 0 && ::chmod(file.c_str(), 0600) != 0) {
      return Status(Code::kInternal, std::string("cannot chmod 600: ") + std::strerror(errno),
                    file);
    }
  }
  return Status::Ok();
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY, uid INTEGER NOT NULL, user TEXT NOT NULL, name TEXT NOT NULL,
  state TEXT NOT NULL, result TEXT NOT NULL, exit_code INTEGER NOT NULL, signal INTEGER NOT NULL,
  ntasks INTEGER NOT NULL, nnodes INTEGER NOT NULL, nodelist TEXT NOT NULL, queue TEXT NOT NULL,
  priority INTEGER NOT NULL, duration REAL NOT NULL, submit_time REAL NOT NULL,
  start_time REAL NOT NULL, end_time REAL NOT NULL, reason TEXT NOT NULL, output TEXT NOT NULL,
  error_output TEXT NOT NULL, dependencies TEXT NOT NULL, allocation TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobspecs (id INTEGER PRIMARY KEY, jobspec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  job_id INTEGER NOT NULL, seq INTEGER NOT NULL, timestamp REAL NOT NULL, name TEXT NOT NULL,
  context TEXT NOT NULL, PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS provenance (job_id INTEGER PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS node_facts (digest TEXT PRIMARY KEY, facts TEXT NOT NULL)
  WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS metric_runs (
  job_id INTEGER PRIMARY KEY, metric_set TEXT NOT NULL, metric TEXT NOT NULL,
  time REAL NOT NULL, outcome TEXT NOT NULL, message TEXT NOT NULL, checks TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS metric_values (
  job_id INTEGER NOT NULL, rank INTEGER NOT NULL, name TEXT NOT NULL, node TEXT NOT NULL,
  value REAL NOT NULL, unit TEXT NOT NULL, PRIMARY KEY (job_id, rank, name)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS metric_runs_by_name ON metric_runs (metric_set, metric);
)sql";

constexpr const char* kJobColumns =
    "id, uid, user, name, state, result, exit_code, signal, ntasks, nnodes, nodelist, queue, "
    "priority, duration, submit_time, start_time, end_time, reason, output, error_output, "
    "dependencies, allocation";


void BindText(sqlite3_stmt* stmt, int index, const std::string& text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::string ColumnText(sqlite3_stmt* stmt, int index) {
  const unsigned char* text = sqlite3_column_text(stmt, index);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_column_bytes(stmt, index)))
              : std::string();
}

// What to do about a damaged or missing store; the same advice wherever it is refused.
std::string Advice(const std::string& path) {
  const std::string folder = path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
  return "converge does not start on it, so that no job is lost, run twice or given another "
         "job's id. Restore " + path + " (and " + path + "-wal if you have it) from a backup, "
         "or, to start anew with no jobs, move the state folder " +
         (folder.empty() ? std::string(".") : folder) + " away (keep it for its output files)";
}

using TextColumns = std::initializer_list<std::pair<const char*, const std::string*>>;

// kInternal "damaged" naming the store, the row and the column whose text is not UTF-8 (all
// text written is UTF-8, so this is damage: flipped bytes), or Ok.
Status CheckText(const std::string& path, const std::string& what, TextColumns columns) {
  for (const auto& [name, text] : columns) {
    const size_t bad = FirstInvalidUtf8(*text);
    if (bad != std::string_view::npos) {
      return Status(Code::kInternal, "the store " + path + " is damaged: " + what +
                                         ", column " + name + ", is not valid UTF-8 (byte " +
                                         std::to_string(bad) + "). " + Advice(path));
    }
  }
  return Status::Ok();
}

Status CheckJobText(const std::string& path, const JobRecord& job) {
  return CheckText(path, "job " + std::to_string(job.id),
                   {{"user", &job.user}, {"name", &job.name}, {"state", &job.state},
                    {"result", &job.result}, {"nodelist", &job.nodelist}, {"queue", &job.queue},
                    {"reason", &job.reason}, {"output", &job.output},
                    {"error_output", &job.error_output}, {"dependencies", &job.dependencies},
                    {"allocation", &job.allocation}});
}

JobRecord ReadJobRow(sqlite3_stmt* stmt) {
  JobRecord job;
  int c = 0;
  job.id = sqlite3_column_int64(stmt, c++);
  job.uid = sqlite3_column_int64(stmt, c++);
  job.user = ColumnText(stmt, c++);
  job.name = ColumnText(stmt, c++);
  job.state = ColumnText(stmt, c++);
  job.result = ColumnText(stmt, c++);
  job.exit_code = sqlite3_column_int(stmt, c++);
  job.signal = sqlite3_column_int(stmt, c++);
  job.ntasks = sqlite3_column_int64(stmt, c++);
  job.nnodes = sqlite3_column_int64(stmt, c++);
  job.nodelist = ColumnText(stmt, c++);
  job.queue = ColumnText(stmt, c++);
  job.priority = sqlite3_column_int64(stmt, c++);
  job.duration = sqlite3_column_double(stmt, c++);
  job.submit_time = sqlite3_column_double(stmt, c++);
  job.start_time = sqlite3_column_double(stmt, c++);
  job.end_time = sqlite3_column_double(stmt, c++);
  job.reason = ColumnText(stmt, c++);
  job.output = ColumnText(stmt, c++);
  job.error_output = ColumnText(stmt, c++);
  job.dependencies = ColumnText(stmt, c++);
  job.allocation = ColumnText(stmt, c++);
  return job;
}

struct JobspecWrite {
  int64_t id;
  std::string text;
};
struct MetaWrite {
  std::string key;
  std::string value;
};
struct ProvenanceWrite {
  int64_t job_id;
  std::string record;
};
struct NodeFactsWrite {
  std::string digest;
  std::string facts;
};
using Write = std::variant<JobRecord, JobspecWrite, Event, MetaWrite, ProvenanceWrite,
                           NodeFactsWrite, MetricResult>;

}  // namespace

class Store::Impl {
 public:
  Impl(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  // sqlite3_close_v2 waits for the statements below, finalized after this body.
  ~Impl() {
    sqlite3_close_v2(db_);
    if (wal_fd_ >= 0) ::close(wal_fd_);
  }

  // Opens the WAL (it exists once a transaction was written) for SyncCommitted().
  Status OpenWal() {
    const std::string wal = path_ + "-wal";
    wal_fd_ = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (wal_fd_ < 0) {
      return Status(Code::kInternal, std::string("cannot open the WAL: ") + std::strerror(errno),
                    wal);
    }
    return Status::Ok();
  }

  Status SyncWal() const {
    if (wal_fd_ < 0) return Status::Ok();
    int rc;
    do {
      rc = ::fdatasync(wal_fd_);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      return Status(Code::kInternal, std::string("fdatasync: ") + std::strerror(errno),
                    path_ + "-wal");
    }
    return Status::Ok();
  }

  int wal_fd_ = -1;  // deferred_sync only; fdatasync is safe from any thread

  Status Error(const std::string& what) const {
    return Status(Code::kInternal, what + ": " + sqlite3_errmsg(db_), path_);
  }

  Status Exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      return Status(Code::kInternal, std::string("sqlite: ") + text, path_);
    }
    return Status::Ok();
  }

  // What the error SQLite reported last means for a retry (call right after it, before
  // anything else touches the connection).
  Failure Classify() const {
    const int code = sqlite3_errcode(db_) & 0xff;
    const int os_error = sqlite3_system_errno(db_);
    if (code == SQLITE_FULL || os_error == ENOSPC || os_error == EDQUOT) return Failure::kNoSpace;
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB || code == SQLITE_FORMAT ||
        code == SQLITE_SCHEMA || code == SQLITE_MISUSE || code == SQLITE_CONSTRAINT ||
        code == SQLITE_TOOBIG || code == SQLITE_MISMATCH || code == SQLITE_RANGE) {
      return Failure::kPermanent;
    }
    return Failure::kIo;
  }

  // Checks the b-trees of an existing database (PRAGMA quick_check: O(size), no index
  // cross-checks). A failure is a refusal naming the file and what to do.
  Status QuickCheck() {
    Statement stmt;
    Status prepared = Prepare(stmt, "PRAGMA quick_check(5)");
    std::string problems;
    if (prepared.ok()) {
      int rc;
      while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        const std::string row = ColumnText(stmt.get(), 0);
        if (row != "ok") problems += (problems.empty() ? "" : "; ") + row;
      }
      if (rc != SQLITE_DONE) problems += (problems.empty() ? "" : "; ") + std::string(sqlite3_errmsg(db_));
    } else {
      problems = prepared.message();
    }
    if (problems.empty()) return Status::Ok();
    return Status(Code::kInternal, "the store " + path_ + " is damaged (quick_check: " +
                                       problems + "). " + Advice(path_));
  }

  // Checks that every text value of the store is UTF-8, as everything written is: a row
  // that is not was damaged (flipped bytes inside a row, which quick_check does not see).
  // O(size): about 0.25 s for 100k jobs with 9 events each (docs/formats/eventlog.md).
  Status CheckAllText() {
    struct Scan {
      const char* table;
      const char* sql;  // key columns first (integers), then text columns
      int keys;
    };
    const Scan scans[] = {
        {"jobs", "SELECT id, user, name, state, result, nodelist, queue, reason, output, "
                 "error_output, dependencies, allocation FROM jobs", 1},
        {"jobspecs", "SELECT id, jobspec FROM jobspecs", 1},
        {"events", "SELECT job_id, seq, name, context FROM events", 2},
        {"meta", "SELECT key, value FROM meta", 0},
    };
    for (const Scan& scan : scans) {
      Statement stmt;
      CONVERGE_RETURN_IF_ERROR(Prepare(stmt, scan.sql));
      int rc;
      while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
        const int columns = sqlite3_column_count(stmt.get());
        for (int c = scan.keys; c < columns; ++c) {
          const unsigned char* bytes = sqlite3_column_text(stmt.get(), c);
          const std::string_view view(reinterpret_cast<const char*>(bytes),
                                      bytes ? sqlite3_column_bytes(stmt.get(), c) : 0);
          if (FirstInvalidUtf8(view) == std::string_view::npos) continue;
          const std::string text(view);
          std::string row = std::string(scan.table) + " row";
          for (int k = 0; k < scan.keys; ++k) {
            row += " " + std::to_string(sqlite3_column_int64(stmt.get(), k));
          }
          return CheckText(path_, row, {{sqlite3_column_name(stmt.get(), c), &text}});
        }
      }
      if (rc != SQLITE_DONE) return Error(std::string("read ") + scan.table);
    }
    return Status::Ok();
  }

  // Gives a store its id (meta "store_id") once, and keeps PATH.id equal to it.
  Status Mark() {
    Result<std::optional<std::string>> id = GetMeta("store_id");
    if (!id.ok()) return id.status();
    std::string value = id->value_or("");
    if (value.empty()) {
      std::random_device random;
      char hex[33];
      std::snprintf(hex, sizeof hex, "%08x%08x%08x%08x", random(), random(), random(), random());
      value = hex;
      writes_.push_back(MetaWrite{"store_id", value});
      CONVERGE_RETURN_IF_ERROR(Commit());
    }
    std::ifstream in(path_ + ".id");
    std::string marked;
    if (in && std::getline(in, marked) && marked == value) return Status::Ok();
    return WriteMarker(path_ + ".id", value + "\n");
  }

  // Writes `text` to `path` durably (a temporary file, fsync, rename), mode 0600.
  static Status WriteMarker(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      return Status(Code::kInternal, std::string("cannot write: ") + std::strerror(errno), tmp);
    }
    const bool written = ::write(fd, text.data(), text.size()) ==
                             static_cast<ssize_t>(text.size()) &&
                         ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
      ::unlink(tmp.c_str());
      return Status(Code::kInternal, std::string("cannot write: ") + std::strerror(written ? errno : error),
                    path);
    }
    return Status::Ok();
  }

  Status Prepare(Statement& statement, const std::string& sql) const {
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, statement.out(),
                           nullptr) != SQLITE_OK) {
      return Error("prepare " + sql.substr(0, 40));
    }
    return Status::Ok();
  }

  Status PrepareAll() {
    CONVERGE_RETURN_IF_ERROR(Prepare(put_job_, std::string("INSERT OR REPLACE INTO jobs (") +
                                                  kJobColumns +
                                                  ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                                                  "?,?,?,?,?)"));
    CONVERGE_RETURN_IF_ERROR(
        Prepare(put_jobspec_, "INSERT OR REPLACE INTO jobspecs (id, jobspec) VALUES (?, ?)"));
    CONVERGE_RETURN_IF_ERROR(Prepare(
        append_event_,
        "INSERT INTO events (job_id, seq, timestamp, name, context) VALUES (?, ?, ?, ?, ?)"));
    CONVERGE_RETURN_IF_ERROR(
        Prepare(put_meta_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"));
    CONVERGE_RETURN_IF_ERROR(Prepare(
        put_provenance_, "INSERT OR REPLACE INTO provenance (job_id, record) VALUES (?, ?)"));
    CONVERGE_RETURN_IF_ERROR(Prepare(
        put_node_facts_, "INSERT OR IGNORE INTO node_facts (digest, facts) VALUES (?, ?)"));
    CONVERGE_RETURN_IF_ERROR(
        Prepare(put_metric_run_,
                "INSERT OR REPLACE INTO metric_runs (job_id, metric_set, metric, time, outcome, "
                "message, checks) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    CONVERGE_RETURN_IF_ERROR(
        Prepare(put_metric_value_,
                "INSERT OR REPLACE INTO metric_values (job_id, rank, name, node, value, unit) "
                "VALUES (?, ?, ?, ?, ?, ?)"));
    return Status::Ok();
  }

  Status Migrate() {
    CONVERGE_RETURN_IF_ERROR(Exec(kSchema));
    Result<std::optional<std::string>> version = GetMeta("schema_version");
    if (!version.ok()) return version.status();
    int number = 0;
    if (*version) {
      const std::string& text = **version;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (error != std::errc() || end != text.data() + text.size() || number < 1) {
        return Status(Code::kInternal, "the store " + path_ + " is damaged: schema_version '" +
                                           text + "' is not a version. " + Advice(path_));
      }
    }
    if (*version && number > kSchemaVersion) {
      return Status::Invalid(path_, "written by a newer converge (schema version " + **version +
                                        ", this one knows " + std::to_string(kSchemaVersion) +
                                        ")");
    }
    if (!*version) {
      writes_.push_back(MetaWrite{"schema_version", std::to_string(kSchemaVersion)});
      return Commit();
    }
    return Status::Ok();
  }

  Status Apply(const Write& write) {
    sqlite3_stmt* stmt = nullptr;
    if (const auto* job = std::get_if<JobRecord>(&write)) {
      stmt = put_job_.get();
      int c = 1;
      sqlite3_bind_int64(stmt, c++, job->id);
      sqlite3_bind_int64(stmt, c++, job->uid);
      BindText(stmt, c++, job->user);
      BindText(stmt, c++, job->name);
      BindText(stmt, c++, job->state);
      BindText(stmt, c++, job->result);
      sqlite3_bind_int(stmt, c++, job->exit_code);
      sqlite3_bind_int(stmt, c++, job->signal);
      sqlite3_bind_int64(stmt, c++, job->ntasks);
      sqlite3_bind_int64(stmt, c++, job->nnodes);
      BindText(stmt, c++, job->nodelist);
      BindText(stmt, c++, job->queue);
      sqlite3_bind_int64(stmt, c++, job->priority);
      sqlite3_bind_double(stmt, c++, job->duration);
      sqlite3_bind_double(stmt, c++, job->submit_time);
      sqlite3_bind_double(stmt, c++, job->start_time);
      sqlite3_bind_double(stmt, c++, job->end_time);
      BindText(stmt, c++, job->reason);
      BindText(stmt, c++, job->output);
      BindText(stmt, c++, job->error_output);
      BindText(stmt, c++, job->dependencies);
      BindText(stmt, c++, job->allocation);
    } else if (const auto* spec = std::get_if<JobspecWrite>(&write)) {
      stmt = put_jobspec_.get();
      sqlite3_bind_int64(stmt, 1, spec->id);
      BindText(stmt, 2, spec->text);
    } else if (const auto* event = std::get_if<Event>(&write)) {
      stmt = append_event_.get();
      sqlite3_bind_int64(stmt, 1, event->job_id);
      sqlite3_bind_int64(stmt, 2, event->seq);
      sqlite3_bind_double(stmt, 3, event->timestamp);
      BindText(stmt, 4, event->name);
      BindText(stmt, 5, event->context);
    } else if (const auto* provenance = std::get_if<ProvenanceWrite>(&write)) {
      stmt = put_provenance_.get();
      sqlite3_bind_int64(stmt, 1, provenance->job_id);
      BindText(stmt, 2, provenance->record);
    } else if (const auto* result = std::get_if<MetricResult>(&write)) {
      return ApplyMetricResult(*result);
    } else if (const auto* facts = std::get_if<NodeFactsWrite>(&write)) {
      stmt = put_node_facts_.get();
      BindText(stmt, 1, facts->digest);
      BindText(stmt, 2, facts->facts);
    } else {
      const auto& meta = std::get<MetaWrite>(write);
      stmt = put_meta_.get();
      BindText(stmt, 1, meta.key);
      BindText(stmt, 2, meta.value);
    }
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
      Status error = Error("write");  // before reset, which may report the error again
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
      return error;
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return Status::Ok();
  }

  // Runs `stmt` (bound), then resets it.
  Status Step(sqlite3_stmt* stmt) {
    const int rc = sqlite3_step(stmt);
    Status status = rc == SQLITE_DONE ? Status::Ok() : Error("write");
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return status;
  }

  Status ApplyMetricResult(const MetricResult& result) {
    sqlite3_stmt* run = put_metric_run_.get();
    sqlite3_bind_int64(run, 1, result.job_id);
    BindText(run, 2, result.metric_set);
    BindText(run, 3, result.metric);
    sqlite3_bind_double(run, 4, result.time);
    BindText(run, 5, result.outcome);
    BindText(run, 6, result.message);
    BindText(run, 7, result.checks);
    CONVERGE_RETURN_IF_ERROR(Step(run));
    for (const MetricValue& value : result.values) {
      sqlite3_stmt* stmt = put_metric_value_.get();
      sqlite3_bind_int64(stmt, 1, result.job_id);
      sqlite3_bind_int64(stmt, 2, value.rank);
      BindText(stmt, 3, value.name);
      BindText(stmt, 4, value.node);
      sqlite3_bind_double(stmt, 5, value.value);
      BindText(stmt, 6, value.unit);
      CONVERGE_RETURN_IF_ERROR(Step(stmt));
    }
    return Status::Ok();
  }

  Result<std::vector<double>> MetricHistory(const std::string& metric_set,
                                            const std::string& metric, const std::string& name,
                                            int64_t before_job) const {
    Statement stmt;
    CONVERGE_RETURN_IF_ERROR(Prepare(
        stmt, "SELECT v.value FROM metric_values AS v JOIN metric_runs AS r "
              "ON r.job_id = v.job_id WHERE r.metric_set = ? AND r.metric = ? AND v.name = ? "
              "AND v.job_id < ? ORDER BY v.job_id, v.rank"));
    BindText(stmt.get(), 1, metric_set);
    BindText(stmt.get(), 2, metric);
    BindText(stmt.get(), 3, name);
    sqlite3_bind_int64(stmt.get(), 4, before_job);
    std::vector<double> values;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      values.push_back(sqlite3_column_double(stmt.get(), 0));
    }
    if (rc != SQLITE_DONE) return Error("read metric values");
    return values;
  }

  Status Commit() {
    if (writes_.empty()) return Status::Ok();
    Status status = Exec("BEGIN IMMEDIATE");
    for (size_t i = 0; status.ok() && i < writes_.size(); ++i) status = Apply(writes_[i]);
    if (status.ok()) status = Exec("COMMIT");
    if (!status.ok()) {
      last_failure_ = Classify();
      if (!sqlite3_get_autocommit(db_)) Exec("ROLLBACK");
      return status;
    }
    last_failure_ = Failure::kNone;
    writes_.clear();
    return Status::Ok();
  }

  Failure last_failure() const { return last_failure_; }

  Result<std::optional<std::string>> GetMeta(const std::string& key) const {
    Statement stmt;
    CONVERGE_RETURN_IF_ERROR(Prepare(stmt, "SELECT value FROM meta WHERE key = ?"));
    BindText(stmt.get(), 1, key);
    int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_ROW) {
      std::string value = ColumnText(stmt.get(), 0);
      CONVERGE_RETURN_IF_ERROR(CheckText(path_, "meta " + key, {{"value", &value}}));
      return std::optional<std::string>(std::move(value));
    }
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    return Error("read meta");
  }

  Result<std::vector<JobRecord>> LoadJobs(const std::string& where, int64_t id) const {
    Statement stmt;
    CONVERGE_RETURN_IF_ERROR(
        Prepare(stmt, std::string("SELECT ") + kJobColumns + " FROM jobs " + where));
    if (id >= 0) sqlite3_bind_int64(stmt.get(), 1, id);
    std::vector<JobRecord> jobs;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      jobs.push_back(ReadJobRow(stmt.get()));
      CONVERGE_RETURN_IF_ERROR(CheckJobText(path_, jobs.back()));
    }
    if (rc != SQLITE_DONE) return Error("read jobs");
    return jobs;
  }

  // The text of `column` of the row of `table` whose `key` is bound by `bind`, or nullopt.
  Result<std::optional<std::string>> ReadText(const char* table, const char* key,
                                              const char* column, const std::string& what,
                                              const std::function<void(sqlite3_stmt*)>& bind)
      const {
    Statement stmt;
    CONVERGE_RETURN_IF_ERROR(Prepare(stmt, std::string("SELECT ") + column + " FROM " + table +
                                               " WHERE " + key + " = ?"));
    bind(stmt.get());
    int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_ROW) {
      std::string text = ColumnText(stmt.get(), 0);
      CONVERGE_RETURN_IF_ERROR(CheckText(path_, what, {{column, &text}}));
      return std::optional<std::string>(std::move(text));
    }
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    return Error("read " + std::string(table));
  }

  Result<std::string> ReadJobspec(int64_t id) const {
    Statement stmt;
    CONVERGE_RETURN_IF_ERROR(Prepare(stmt, "SELECT jobspec FROM jobspecs WHERE id = ?"));
    sqlite3_bind_int64(stmt.get(), 1, id);
    int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_ROW) {
      std::string text = ColumnText(stmt.get(), 0);
      CONVERGE_RETURN_IF_ERROR(
          CheckText(path_, "jobspec of job " + std::to_string(id), {{"jobspec", &text}}));
      return text;
    }
    if (rc == SQLITE_DONE) {
      return Status(Code::kNotFound, "no jobspec for job " + std::to_string(id));
    }
    return Error("read jobspec");
  }

  Result<std::vector<Event>> ReadEvents(int64_t id) const {
    Statement stmt;
    CONVERGE_RETURN_IF_ERROR(Prepare(
        stmt, "SELECT seq, timestamp, name, context FROM events WHERE job_id = ? ORDER BY seq"));
    sqlite3_bind_int64(stmt.get(), 1, id);
    std::vector<Event> events;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      events.push_back(Event{id, sqlite3_column_int64(stmt.get(), 0),
                             sqlite3_column_double(stmt.get(), 1), ColumnText(stmt.get(), 2),
                             ColumnText(stmt.get(), 3)});
      const Event& event = events.back();
      CONVERGE_RETURN_IF_ERROR(
          CheckText(path_, "event " + std::to_string(event.seq) + " of job " + std::to_string(id),
                    {{"name", &event.name}, {"context", &event.context}}));
    }
    if (rc != SQLITE_DONE) return Error("read events");
    return events;
  }

  std::vector<Write> writes_;
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_;
  std::string path_;
  Statement put_job_;
  Statement put_jobspec_;
  Statement append_event_;
  Statement put_meta_;
  Statement put_provenance_;
  Statement put_node_facts_;
  Statement put_metric_run_;
  Statement put_metric_value_;
  Failure last_failure_ = Failure::kNone;
};

namespace {

// Refuses a missing or empty database where a store was before (see Store::Open).
Status CheckPresence(const std::string& path, const std::string& used_before, bool* fresh) {
  struct stat info {};
  const bool exists = ::stat(path.c_str(), &info) == 0;
  *fresh = !exists || info.st_size == 0;
  if (!*fresh) {
    // SQLite takes a file shorter than its header for a new database and overwrites it.
    char header[16] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(header, sizeof header);
    if (info.st_size < 512 || std::memcmp(header, "SQLite format 3", 16) != 0) {
      return Status(Code::kInternal, "the store " + path + " is damaged (" +
                                         std::to_string(info.st_size) +
                                         " bytes without a SQLite header). " + Advice(path));
    }
    return Status::Ok();
  }
  std::string evidence;
  std::ifstream marker(path + ".id");
  std::string id;
  if (marker && std::getline(marker, id)) {
    evidence = path + ".id records store " + id;
  } else if (!used_before.empty()) {
    evidence = used_before;
  }
  if (evidence.empty()) return Status::Ok();
  return Status(Code::kInternal, "the store " + path + " is " +
                                     (exists ? "empty (0 bytes)" : "missing") +
                                     ", but this state folder held a store before (" + evidence +
                                     "). " + Advice(path));
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, StoreOptions options) {
  bool fresh = true;
  CONVERGE_RETURN_IF_ERROR(CheckPresence(path, options.used_before, &fresh));
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status(Code::kInternal, "cannot open database: " + message, path);
  }
  auto impl = std::make_unique<Impl>(db, path);
  sqlite3_busy_timeout(db, 5000);
  if (!fresh) {  // a plain file of ours (checked before reading it), undamaged
    CONVERGE_RETURN_IF_ERROR(RestrictToOwner(path));
    CONVERGE_RETURN_IF_ERROR(impl->QuickCheck());
  }
  CONVERGE_RETURN_IF_ERROR(impl->Exec("PRAGMA journal_mode=WAL"));
  CONVERGE_RETURN_IF_ERROR(RestrictToOwner(path));
  // Deferred: SQLite syncs only at checkpoints (the WAL before, the database after), and
  // SyncCommitted() makes each commit durable.
  const bool deferred = options.synchronous_full && options.deferred_sync;
  CONVERGE_RETURN_IF_ERROR(impl->Exec(options.synchronous_full && !deferred
                                          ? "PRAGMA synchronous=FULL"
                                          : "PRAGMA synchronous=NORMAL"));
  CONVERGE_RETURN_IF_ERROR(impl->Exec("PRAGMA foreign_keys=OFF"));
  CONVERGE_RETURN_IF_ERROR(impl->Exec(kSchema));
  CONVERGE_RETURN_IF_ERROR(impl->PrepareAll());
  if (!fresh) CONVERGE_RETURN_IF_ERROR(impl->CheckAllText());
  if (options.max_pages > 0) {
    const std::string cap = "PRAGMA max_page_count=" + std::to_string(options.max_pages);
    CONVERGE_RETURN_IF_ERROR(impl->Exec(cap.c_str()));
  }
  CONVERGE_RETURN_IF_ERROR(impl->Migrate());
  CONVERGE_RETURN_IF_ERROR(impl->Mark());
  if (deferred) {
    CONVERGE_RETURN_IF_ERROR(impl->OpenWal());
    CONVERGE_RETURN_IF_ERROR(impl->SyncWal());  // what Open() wrote is durable on return
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

void Store::PutJob(const JobRecord& job) { impl_->writes_.push_back(job); }
void Store::PutJobspec(int64_t id, std::string jobspec_json) {
  impl_->writes_.push_back(JobspecWrite{id, std::move(jobspec_json)});
}
void Store::AppendEvent(Event event) { impl_->writes_.push_back(std::move(event)); }
void Store::PutMeta(const std::string& key, const std::string& value) {
  impl_->writes_.push_back(MetaWrite{key, value});
}
Status Store::Commit() { return impl_->Commit(); }
Store::Failure Store::last_failure() const { return impl_->last_failure(); }
bool Store::syncs_later() const { return impl_->wal_fd_ >= 0; }
Status Store::SyncCommitted() const { return impl_->SyncWal(); }
size_t Store::buffered() const { return impl_->writes_.size(); }

Result<std::vector<JobRecord>> Store::LoadJobs() const {
  return impl_->LoadJobs("ORDER BY id", -1);
}
Result<std::optional<JobRecord>> Store::LoadJob(int64_t id) const {
  Result<std::vector<JobRecord>> jobs = impl_->LoadJobs("WHERE id = ?", id);
  if (!jobs.ok()) return jobs.status();
  if (jobs->empty()) return std::optional<JobRecord>();
  return std::optional<JobRecord>(std::move(jobs->front()));
}
Result<std::string> Store::ReadJobspec(int64_t id) const { return impl_->ReadJobspec(id); }
Result<std::vector<Event>> Store::ReadEvents(int64_t id) const { return impl_->ReadEvents(id); }
Result<std::optional<std::string>> Store::GetMeta(const std::string& key) const {
  return impl_->GetMeta(key);
}
void Store::PutProvenance(int64_t job_id, std::string record) {
  impl_->writes_.push_back(ProvenanceWrite{job_id, std::move(record)});
}
void Store::PutNodeFacts(std::string digest, std::string facts) {
  impl_->writes_.push_back(NodeFactsWrite{std::move(digest), std::move(facts)});
}
Result<std::optional<std::string>> Store::ReadProvenance(int64_t job_id) const {
  return impl_->ReadText("provenance", "job_id", "record",
                         "provenance of job " + std::to_string(job_id),
                         [&](sqlite3_stmt* stmt) { sqlite3_bind_int64(stmt, 1, job_id); });
}
Result<std::optional<std::string>> Store::ReadNodeFacts(const std::string& digest) const {
  return impl_->ReadText("node_facts", "digest", "facts", "node facts " + digest,
                         [&](sqlite3_stmt* stmt) { BindText(stmt, 1, digest); });
}
void Store::PutMetricResult(MetricResult result) {
  impl_->writes_.push_back(std::move(result));
}
Result<std::vector<double>> Store::MetricHistory(const std::string& metric_set,
                                                 const std::string& metric,
                                                 const std::string& name,
                                                 int64_t before_job) const {
  return impl_->MetricHistory(metric_set, metric, name, before_job);
}
const std::string& Store::path() const { return impl_->path(); }

}  // namespace converge::store
