// QueryEngine: read-only SQL over the instance's SQLite store (`converge query`), with the
// rows of each job visible only to its owner and to admins.
//
// A query sees only the views below (Views()), never the store's tables: `jobs`, `events`,
// `provenance`, `job_nodes`, `metrics` and `metric_values` hold the jobs the asker may see
// (owner or admin), `nodes` the facts of every node (no job data). Each view is a TEMP
// virtual table whose rows come from a fixed SELECT that filters before any of the asker's
// SQL sees a row (query/views.h, query/view_table.h), so neither a WHERE clause that fails
// on hidden rows nor a CTE named like a view can reach them. Exactly one SELECT per Run;
// anything else (writes, PRAGMA, ATTACH, the store's tables, sqlite_master, load_extension)
// is refused by an authorizer.
//
// Reads see what the store committed before the statement began (WAL: the instance may
// write meanwhile). Not thread-safe: one owner thread; one connection per engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace converge::query {

struct QueryLimits {
  size_t max_rows = 10000;              // more rows: an error naming the limit
  size_t max_bytes = size_t{16} << 20;  // total size of the values: text, blob hex, 8 a number
  double max_seconds = 5;               // wall time of one Run, checked every 1000 VM steps
};

struct QueryResult {
  std::vector<std::string> columns;
  // Each value is null, an integer, a real or a string; a BLOB is its lowercase hex, and text
  // that is not UTF-8 has its bad bytes replaced by U+FFFD.
  std::vector<std::vector<nlohmann::json>> rows;
};

// Who asks: the rows of jobs they do not own are invisible unless admin.
struct Asker {
  int64_t uid = -1;
  bool admin = false;
};

class QueryEngine {
 public:
  // Opens `database_path` (the store's file) read-only. Errors: kNotFound when it does not
  // exist, kInternal with SQLite's message otherwise.
  static Result<std::unique_ptr<QueryEngine>> Open(const std::string& database_path);
  ~QueryEngine();
  QueryEngine(const QueryEngine&) = delete;
  QueryEngine& operator=(const QueryEngine&) = delete;

  // Runs one SELECT as `asker`. Errors (messages start "query: "):
  //   kInvalidArgument: empty, more than one statement, SQL errors (SQLite's message, e.g.
  //     `near "SELEC": syntax error`), a limit passed (naming it), EXPLAIN (its listing shows
  //     memory addresses; EXPLAIN QUERY PLAN is fine);
  //   kPermissionDenied: anything but a SELECT over the views (naming what was refused);
  //   kUnavailable: the store stayed locked; kInternal: I/O errors or damage.
  Result<QueryResult> Run(const std::string& sql, const Asker& asker,
                          const QueryLimits& limits = {});

 private:
  class Impl;
  explicit QueryEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A documented view, for `converge query --views` and the docs.
struct ViewInfo {
  std::string name, description;
  std::vector<std::string> columns;
};
std::vector<ViewInfo> Views();

}  // namespace converge::query
