#include "query/query_engine.h"

#include "store/sqlite_statement.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string_view>

#include <sqlite3.h>

#include "common/utf8.h"
#include "query/authorizer.h"
#include "query/session.h"
#include "query/view_table.h"
#include "query/views.h"

namespace converge::query {

bool MaySee(const Session& session, int64_t uid) {
  return session.asker.admin || (session.asker.uid >= 0 && session.asker.uid == uid);
}

namespace {

constexpr int kBusyTimeoutMs = 1000;
constexpr int kMaxValueBytes = 16 << 20;  // SQLITE_LIMIT_LENGTH: any one string or blob
constexpr int kMaxSqlBytes = 100000;      // SQLITE_LIMIT_SQL_LENGTH
constexpr int kProgressSteps = 1000;      // VM steps between two looks at the clock

using store::Statement;

void MaySeeFunction(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  const Session& session = *static_cast<const Session*>(sqlite3_user_data(context));
  const bool visible = sqlite3_value_type(argv[0]) == SQLITE_INTEGER &&
                       MaySee(session, sqlite3_value_int64(argv[0]));
  sqlite3_result_int(context, visible ? 1 : 0);
}

int Progress(void* data) {
  Session& session = *static_cast<Session*>(data);
  if (!session.running || std::chrono::steady_clock::now() < session.deadline) return 0;
  session.timed_out = true;
  return 1;  // interrupts the statement
}

// Skips whitespace, semicolons and comments from `at`; returns where something else begins.
size_t SkipBlank(std::string_view sql, size_t at) {
  while (at < sql.size()) {
    const char c = sql[at];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ';') {
      ++at;
    } else if (sql.substr(at, 2) == "--") {
      const size_t end = sql.find('\n', at);
      at = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (sql.substr(at, 2) == "/*") {
      const size_t end = sql.find("*/", at + 2);
      at = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  return at;
}

std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

std::string Hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    hex[2 * i] = kDigits[data[i] >> 4];
    hex[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return hex;
}

// `text` with each invalid UTF-8 sequence replaced by U+FFFD (JSON must be UTF-8).
std::string ValidUtf8(std::string_view text) {
  std::string valid;
  size_t bad;
  while ((bad = FirstInvalidUtf8(text)) != std::string_view::npos) {
    valid.append(text.substr(0, bad));
    valid.append("\xEF\xBF\xBD");
    text.remove_prefix(bad + 1);
  }
  valid.append(text);
  return valid;
}

// One value of the current row, and its size for QueryLimits::max_bytes.
nlohmann::json Value(sqlite3_stmt* stmt, int column, size_t& bytes) {
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_INTEGER:
      bytes += 8;
      return sqlite3_column_int64(stmt, column);
    case SQLITE_FLOAT:
      bytes += 8;
      return sqlite3_column_double(stmt, column);
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
      const auto size = static_cast<size_t>(sqlite3_column_bytes(stmt, column));
      bytes += size;
      return ValidUtf8(std::string_view(text ? text : "", text ? size : 0));
    }
    case SQLITE_BLOB: {
      const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, column));
      const auto size = static_cast<size_t>(sqlite3_column_bytes(stmt, column));
      bytes += 2 * size;
      return Hex(blob, blob ? size : 0);
    }
    default:
      return nullptr;
  }
}

}  // namespace

class QueryEngine::Impl {
 public:
  explicit Impl(std::string path) : path_(std::move(path)) {}
  ~Impl() { sqlite3_close_v2(db_); }

  Status Open() {
    struct stat info {};
    if (::stat(path_.c_str(), &info) != 0 && errno == ENOENT) {
      return Status(Code::kNotFound, "query: no store at " + path_);
    }
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      return Error("cannot open the store");
    }
    sqlite3_db_config(db_, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, nullptr);
    sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, kMaxValueBytes);
    sqlite3_limit(db_, SQLITE_LIMIT_SQL_LENGTH, kMaxSqlBytes);
    sqlite3_limit(db_, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    if (sqlite3_create_function_v2(db_, "converge_may_see", 1, SQLITE_UTF8, &session_,
                                   MaySeeFunction, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Error("cannot register converge_may_see");
    }
    CONVERGE_RETURN_IF_ERROR(CreateViewTables(db_, &session_));
    if (sqlite3_exec(db_, "PRAGMA query_only = 1", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Error("cannot make the connection query-only");
    }
    InstallAuthorizer(db_, &session_);
    sqlite3_progress_handler(db_, kProgressSteps, Progress, &session_);
    return Refresh();
  }

  Result<QueryResult> Run(const std::string& sql, const Asker& asker, const QueryLimits& limits) {
    session_.asker = asker;
    session_.refused.clear();
    session_.timed_out = false;
    max_seconds_ = limits.max_seconds;
    CONVERGE_RETURN_IF_ERROR(Refresh());
    const size_t begin = SkipBlank(sql, 0);
    if (begin == sql.size()) return Invalid("the query is empty");

    Statement stmt;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.c_str() + begin,
                                      static_cast<int>(sql.size() - begin), stmt.out(), &tail);
    if (rc != SQLITE_OK) return Refusal(rc);
    if (stmt.get() == nullptr) return Invalid("the query is empty");
    const size_t more = SkipBlank(sql, static_cast<size_t>(tail - sql.c_str()));
    if (more != sql.size()) {  // the rest is never run; this only refuses it
      return Invalid("one statement only (more follows: " + sql.substr(more, 40) + ")");
    }
    if (sqlite3_stmt_isexplain(stmt.get()) == 1) {  // its listing shows addresses in memory
      return Invalid("EXPLAIN is not offered (EXPLAIN QUERY PLAN is)");
    }
    if (!sqlite3_stmt_readonly(stmt.get())) {
      session_.refused = "a statement that writes";
      return Refusal(SQLITE_AUTH);
    }
    return Step(stmt.get(), limits);
  }

 private:
  // Reads the names the authorizer must know (Session::resolvable), which the store may have
  // changed since, and makes SQLite set up json_each and json_tree, whose first use on a
  // connection asks the authorizer for things it refuses to an asker.
  Status Refresh() {
    InternalScope internal(session_);
    Statement stmt;
    constexpr const char* kSql =
        "SELECT name FROM main.sqlite_schema UNION ALL SELECT name FROM temp.sqlite_schema "
        "UNION ALL SELECT name FROM pragma_module_list "
        "UNION ALL SELECT NULL FROM json_each('[]'), json_tree('[]')";
    if (sqlite3_prepare_v2(db_, kSql, -1, stmt.out(), nullptr) != SQLITE_OK) {
      return Error("cannot read the store's schema");
    }
    session_.resolvable.clear();
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
      if (name != nullptr) session_.resolvable.emplace_back(name);
    }
    if (rc != SQLITE_DONE) return Refusal(rc);
    return Status::Ok();
  }

  Result<QueryResult> Step(sqlite3_stmt* stmt, const QueryLimits& limits) {
    QueryResult result;
    const int count = sqlite3_column_count(stmt);
    for (int i = 0; i < count; ++i) {
      const char* name = sqlite3_column_name(stmt, i);
      result.columns.emplace_back(name ? name : "");
    }
    session_.deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(limits.max_seconds));
    session_.running = true;
    size_t bytes = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (result.rows.size() >= limits.max_rows) {
        return Limit("more than " + std::to_string(limits.max_rows) +
                     " rows (max_rows = " + std::to_string(limits.max_rows) + "); add a LIMIT");
      }
      std::vector<nlohmann::json>& row = result.rows.emplace_back();
      row.reserve(static_cast<size_t>(count));
      for (int i = 0; i < count; ++i) row.push_back(Value(stmt, i, bytes));
      if (bytes > limits.max_bytes) {
        return Limit("the result is larger than " + std::to_string(limits.max_bytes) +
                     " bytes (max_bytes); select fewer columns or add a LIMIT");
      }
    }
    session_.running = false;
    if (rc != SQLITE_DONE) return Refusal(rc);
    return result;
  }

  Status Limit(std::string message) {
    session_.running = false;
    return Invalid(std::move(message));
  }

  static Status Invalid(std::string message) {
    return Status(Code::kInvalidArgument, "query: " + message);
  }

  // The Status for an error `rc` of a prepare or a step.
  Status Refusal(int rc) {
    session_.running = false;
    if (session_.timed_out) {
      return Invalid("took longer than " + Seconds(max_seconds_) +
                     " s (max_seconds); narrow it or add a LIMIT");
    }
    if (!session_.refused.empty()) {
      return Status(Code::kPermissionDenied,
                    "query: only SELECT over the views " + ViewNames() +
                        " is allowed (not authorized: " + session_.refused + ")");
    }
    const std::string message = "query: " + std::string(sqlite3_errmsg(db_));
    switch (rc & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return Status(Code::kUnavailable, message + "; try again", path_);
      case SQLITE_IOERR:
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
      case SQLITE_NOMEM:
      case SQLITE_CANTOPEN:
      case SQLITE_FULL:
        return Status(Code::kInternal, message, path_);
      default:
        return Status(Code::kInvalidArgument, message);
    }
  }

  Status Error(const std::string& what) const {
    return Status(Code::kInternal,
                  "query: " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"), path_);
  }

  std::string path_;
  Session session_;  // the callbacks' state; outlives db_ (~Impl closes it first)
  sqlite3* db_ = nullptr;
  double max_seconds_ = 0;  // of the current Run, for its error message
};

QueryEngine::QueryEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
QueryEngine::~QueryEngine() = default;

Result<std::unique_ptr<QueryEngine>> QueryEngine::Open(const std::string& database_path) {
  auto impl = std::make_unique<Impl>(database_path);
  CONVERGE_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<QueryEngine>(new QueryEngine(std::move(impl)));
}

Result<QueryResult> QueryEngine::Run(const std::string& sql, const Asker& asker,
                                     const QueryLimits& limits) {
  return impl_->Run(sql, asker, limits);
}

std::vector<ViewInfo> Views() {
  std::vector<ViewInfo> views;
  for (const ViewDefinition& definition : ViewDefinitions()) {
    ViewInfo& view = views.emplace_back();
    view.name = definition.name;
    view.description = definition.description;
    for (const ViewColumn& column : definition.columns) view.columns.emplace_back(column.name);
  }
  return views;
}

}  // namespace converge::query
