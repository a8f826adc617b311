// HealthProbe: one HTTP GET against a service on this machine, answering whether it replied
// with a 2xx status within the timeout. Used for services' readiness checks.
// Runs on the caller's io_context; not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <string>

namespace converge::instance {

// Calls `done(true)` when GET http://127.0.0.1:`port``path` answers 2xx before `timeout`,
// else `done(false)`. `done` runs exactly once, on the io_context.
void ProbeHttp(boost::asio::io_context& io, int port, const std::string& path,
               std::chrono::milliseconds timeout, std::function<void(bool healthy)> done);

}  // namespace converge::instance
