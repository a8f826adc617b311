#include "instance/query_service.h"

#include <boost/asio/post.hpp>

namespace converge::instance {

QueryService::QueryService(boost::asio::io_context& io, std::string database,
                           query::QueryLimits limits)
    : io_(io), database_(std::move(database)), limits_(limits), thread_([this] { Run(); }) {}

QueryService::~QueryService() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

Status QueryService::Submit(std::string sql, query::Asker asker, Done done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiting_.size() >= kMaxWaiting) {
      return Status(Code::kUnavailable, std::to_string(kMaxWaiting) +
                                            " queries are waiting already; try again later");
    }
    waiting_.push_back({std::move(sql), asker, std::move(done)});
  }
  wake_.notify_one();
  return Status::Ok();
}

void QueryService::Run() {
  std::unique_ptr<query::QueryEngine> engine;
  for (;;) {
    Work work;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (stopping_) return;
      work = std::move(waiting_.front());
      waiting_.pop_front();
    }
    Result<query::QueryResult> result = Status(Code::kInternal, "not run");
    if (!engine) {
      Result<std::unique_ptr<query::QueryEngine>> opened = query::QueryEngine::Open(database_);
      if (opened.ok()) engine = std::move(opened).value();
      else result = opened.status();
    }
    if (engine) result = engine->Run(work.sql, work.asker, limits_);
    boost::asio::post(io_, [done = std::move(work.done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  }
}

}  // namespace converge::instance
