// `converge ui [--port N] [--open]`: the instance's dashboard in a browser, as `kubectl proxy`
// or `jupyter notebook` would give it.
//
// Serves loopback port N (default: any free one) and prints its address, which carries a
// fresh access token in the URL fragment (never sent to a server, kept by the page for its
// tab). Every request the page makes goes to the instance through api::HttpProxy, as the user
// running this command: over the Unix socket the instance sees that user, so the page shows
// what the API lets them see. The proxy forwards GET only: the dashboard reads, it never acts.
// Runs until interrupted (Ctrl-C, SIGTERM).
#include <spawn.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "api/http_proxy.h"
#include "api/http_server.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "common/random_hex.h"

extern char** environ;

namespace converge::cli {
namespace {

struct UiFlags {
  int port = 0;
  bool open = false;
};

// Starts `xdg-open url` without waiting for it; false when there is none to start.
bool OpenInBrowser(const std::string& url) {
  std::signal(SIGCHLD, SIG_IGN);  // reaped by the kernel: we never wait for it
  pid_t pid = 0;
  const char* argv[] = {"xdg-open", url.c_str(), nullptr};
  return ::posix_spawnp(&pid, "xdg-open", nullptr, nullptr, const_cast<char**>(argv),
                        environ) == 0;
}

int Ui(const UiFlags& flags) {
  Result<api::Endpoint> endpoint = api::EndpointFromEnvironment();
  if (!endpoint.ok()) return Fail("ui", endpoint.status());
  // Fails early, and with the client's words, when no instance answers.
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("ui", session.status());
  Result<nlohmann::json> health = session->Call("GET", "/v1/health");
  if (!health.ok()) return Fail("ui", health.status());
  Result<std::string> token = RandomHex(32);
  if (!token.ok()) return Fail("ui", token.status());

  boost::asio::io_context io;
  api::HttpProxy proxy(io, api::HttpProxyOptions{.upstream = endpoint->address,
                                                 .upstream_token = endpoint->token});
  api::HttpServer server(
      io, api::HttpServerOptions{.token = *token, .public_prefix = "/ui", .owner_uid = -1},
      proxy.AsHandler());
  api::Address wanted{.kind = api::Address::Kind::kTcp, .host = "127.0.0.1", .port = flags.port};
  Result<api::Address> bound = server.Listen(wanted);
  if (!bound.ok()) return Fail("ui", bound.status().WithPrefix("--port"));

  const std::string url =
      "http://127.0.0.1:" + std::to_string(bound->port) + "/ui/#token=" + *token;
  std::printf(
      "The dashboard of the instance at %s (converge %s, owner %s):\n\n  %s\n\n"
      "The address holds an access token for one browser tab: keep it to yourself. The page\n"
      "reads the instance as you. From another machine: ssh -L %d:127.0.0.1:%d HOST, then\n"
      "open the same address there. Ctrl-C stops.\n",
      endpoint->address.ToString().c_str(), health->value("version", "?").c_str(),
      health->value("owner", "?").c_str(), url.c_str(), bound->port, bound->port);
  std::fflush(stdout);
  if (flags.open && !OpenInBrowser(url)) {
    std::fprintf(stderr, "converge ui: no xdg-open here; open the address above yourself\n");
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    server.Stop();
    io.stop();
  });
  std::signal(SIGPIPE, SIG_IGN);
  io.run();
  return 0;
}

}  // namespace

void AddUiCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<UiFlags>();
  CLI::App* ui = app.add_subcommand(
      "ui", "Serve the instance's dashboard on a loopback port and print its address");
  ui->add_option("--port", flags->port, "Loopback port to serve (default: any free port)")
      ->check(CLI::Range(0, 65535));
  ui->add_flag("--open", flags->open, "Also open the address with xdg-open");
  ui->callback([=] { *exit_code = Ui(*flags); });
}

}  // namespace converge::cli
