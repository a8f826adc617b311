// libFuzzer target: raw bytes as an HTTP/1.1 connection's input, through the real server path
// — Beast's request parser with the server's limits, the body-depth check, the router with the
// instance's route table — and then through every decoder those routes apply to bodies
// (submit's jobspec split and parse, apply's JSON envelope and YAML documents, drain's object).
// Must never crash, hang or leak. Each input is one connection over a socketpair, driven by
// polling the io_context until nothing is ready.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "api/http_connection.h"
#include "api/http_server.h"
#include "api/router.h"
#include "instance/routes.h"
#include "jobspec/parse.h"
#include "workload/document.h"

namespace {

using converge::api::HttpRequest;
using converge::api::JsonResponse;
using converge::api::Responder;

// Decodes a body as the instance's route would, before it would reach the JobManager.
void Decode(const HttpRequest& request, const std::string& pattern) {
  if (pattern == "/v1/jobs") {
    auto submitted = converge::instance::JobspecTexts(request.body);
    if (!submitted.ok()) return;
    for (const std::string& text : submitted->texts) {
      (void)converge::jobspec::Parse(text, converge::jobspec::ParseOptions{});
    }
  } else if (pattern == "/v1/apply") {
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.contains("documents") || !body["documents"].is_string()) return;
    (void)converge::workload::ParseDocuments(body["documents"].get<std::string>(), "fuzz");
  } else if (pattern == "/v1/resources/drain" || pattern == "/v1/resources/undrain") {
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_object()) {
      for (const auto& [key, value] : body.items()) (void)value.dump();
    }
  }
}

// The instance's route table with decoding handlers in place of the JobManager calls.
struct Harness {
  Harness() {
    converge::api::Router table;
    converge::instance::AddRoutes(table, nullptr);  // listed only, never dispatched
    for (const converge::api::Route& route : table.routes()) {
      router.Add({route.method, route.pattern, route.access,
                  [pattern = route.pattern](HttpRequest request, std::shared_ptr<Responder> r) {
                    Decode(request, pattern);
                    r->Reply(JsonResponse(200, "{}"));
                  }});
    }
    auto shared = std::make_shared<converge::api::ConnectionSettings>();
    converge::api::HttpServerOptions defaults;
    shared->max_body_bytes = defaults.max_body_bytes;
    shared->max_body_depth = defaults.max_body_depth;
    shared->stream_buffer_bytes = defaults.stream_buffer_bytes;
    shared->handler = router.AsHandler();
    settings = shared;
  }
  boost::asio::io_context io;
  converge::api::Router router;
  std::shared_ptr<const converge::api::ConnectionSettings> settings;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness* harness = new Harness();  // built once, at fuzzer start
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 0;
  // The input must fit the socket buffer: we write it all before the server reads.
  int buffer = 1 << 20;
  ::setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  ::setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fds[1], data + sent, size - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fds[1], SHUT_WR);
  converge::api::UnixSocket socket(harness->io, boost::asio::local::stream_protocol(), fds[0]);
  converge::api::Peer peer{.unix_socket = true, .uid = 0, .gid = 0, .pid = 1};
  auto connection = converge::api::MakeConnection(std::move(socket), harness->settings, peer);
  connection->Start();
  harness->io.restart();
  char sink[65536];
  for (int turn = 0; turn < 100000 && !connection->closed(); ++turn) {
    const size_t ran = harness->io.poll();
    while (::recv(fds[1], sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
    if (ran == 0) break;  // waiting on a timer (idle, linger) or on input that will not come
  }
  connection->Close();
  harness->io.restart();
  harness->io.poll();
  ::close(fds[1]);
  return 0;
}
