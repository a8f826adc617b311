// Statement: one prepared SQLite statement, finalized on destruction (the store's and the
// read-only query engine's). Not copyable; not thread-safe (its connection's owner uses it).
#pragma once

#include <sqlite3.h>

namespace converge::store {

class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt** out() { return &stmt_; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace converge::store
