// QueryService: runs read-only SQL over the instance's store (query/query_engine.h) on a
// thread of its own, one query at a time, so that a slow query never holds the event loop.
// Answers are handed back on the io_context's thread. At most kMaxWaiting queries wait; more
// are refused. The engine is opened at the first query. Submit() and the destructor run on
// the io_context's thread; the destructor waits for the query that is running.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "common/status.h"
#include "query/query_engine.h"

namespace converge::instance {

class QueryService {
 public:
  using Done = std::function<void(Result<query::QueryResult>)>;
  QueryService(boost::asio::io_context& io, std::string database, query::QueryLimits limits);
  ~QueryService();
  QueryService(const QueryService&) = delete;
  QueryService& operator=(const QueryService&) = delete;

  // Queues `sql` for `asker`; `done` runs later on the io_context's thread (not when the
  // io_context stopped first). Errors: kUnavailable when kMaxWaiting queries already wait.
  Status Submit(std::string sql, query::Asker asker, Done done);

  static constexpr size_t kMaxWaiting = 16;

 private:
  struct Work {
    std::string sql;
    query::Asker asker;
    Done done;
  };
  void Run();

  boost::asio::io_context& io_;
  const std::string database_;
  const query::QueryLimits limits_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Work> waiting_;  // guarded by mutex_
  bool stopping_ = false;     // guarded by mutex_
  std::thread thread_;
};

}  // namespace converge::instance
