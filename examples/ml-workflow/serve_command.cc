// `converge-ml serve`: WallTimeModel behind MakeMlRouter behind the model server on
// 127.0.0.1:PORT, on one io_context thread, until SIGTERM or SIGINT (then exit 0).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "examples/ml-workflow/commands.h"
#include "examples/ml-workflow/ml_routes.h"
#include "examples/ml-workflow/model_server.h"

namespace converge::ml {
namespace {

constexpr const char* kHost = "127.0.0.1";

// --port, else $CONVERGE_PORT; nullopt (after printing why) when neither is a valid port.
std::optional<int> ResolvePort(std::optional<int> flag) {
  if (flag) return *flag;
  const char* env = std::getenv("CONVERGE_PORT");
  if (env == nullptr || *env == '\0') {
    std::fprintf(stderr, "converge-ml serve: give --port or set CONVERGE_PORT\n");
    return std::nullopt;
  }
  char* end = nullptr;
  const long port = std::strtol(env, &end, 10);
  if (*end != '\0' || port < 1 || port > 65535) {
    std::fprintf(stderr, "converge-ml serve: CONVERGE_PORT='%s' is not a port (1..65535)\n", env);
    return std::nullopt;
  }
  return static_cast<int>(port);
}

int Serve(std::optional<int> port_flag) {
  const std::optional<int> port = ResolvePort(port_flag);
  if (!port) return 2;
  boost::asio::io_context io;
  WallTimeModel model;
  const api::Router router = MakeMlRouter(model);
  std::unique_ptr<api::HttpServer> server = MakeModelServer(io, router);
  Result<int> bound = ListenOn(*server, kHost, *port);
  if (!bound.ok()) {
    std::fprintf(stderr, "converge-ml serve: %s\n", bound.status().ToString().c_str());
    return 1;
  }
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) {
    server->Stop();
    io.stop();
  });
  std::printf("converge-ml: serving on http://%s:%d\n", kHost, *bound);
  std::fflush(stdout);
  io.run();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto port = std::make_shared<std::optional<int>>();
  CLI::App* serve = app.add_subcommand("serve", "Serve the wall-time model over HTTP");
  serve->add_option("--port", *port, "TCP port on 127.0.0.1 (default: $CONVERGE_PORT)")
      ->check(CLI::Range(1, 65535));
  serve->callback([=] { *exit_code = Serve(*port); });
}

}  // namespace converge::ml
