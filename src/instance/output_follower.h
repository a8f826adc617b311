// OutputFollower: streams a job's output file as it grows (`output?follow=true`).
//
// Reads what was appended every 50 ms and writes it to the stream; Finish() (the job became
// inactive) sends the rest and closes the stream. Stops early when the client goes away.
// Lives on the io_context thread; keep it in a shared_ptr while the timer runs.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/http_types.h"
#include "common/status.h"

namespace converge::instance {

class OutputFollower : public std::enable_shared_from_this<OutputFollower> {
 public:
  // Opens the file to read (a descriptor the follower closes), or an error (kNotFound: not
  // created yet).
  using Opener = std::function<Result<int>()>;

  OutputFollower(boost::asio::io_context& io, Opener open, int64_t offset,
                 std::shared_ptr<api::Stream> stream);
  void Start();
  void Finish();
  bool done() const { return done_; }

 private:
  void Pump();  // sends what the file gained since the last read
  void Arm();

  boost::asio::steady_timer timer_;
  Opener open_;
  int64_t offset_;
  std::shared_ptr<api::Stream> stream_;
  bool done_ = false;
};

}  // namespace converge::instance
