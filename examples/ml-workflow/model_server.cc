#include "examples/ml-workflow/model_server.h"

namespace converge::ml {

std::unique_ptr<api::HttpServer> MakeModelServer(boost::asio::io_context& io,
                                                 const api::Router& router) {
  return std::make_unique<api::HttpServer>(io, api::HttpServerOptions{.open_loopback_tcp = true},
                                           router.AsHandler());
}

Result<int> ListenOn(api::HttpServer& server, const std::string& host, int port) {
  api::Address address;
  address.kind = api::Address::Kind::kTcp;
  address.host = host;
  address.port = port;
  Result<api::Address> bound = server.Listen(address);
  if (!bound.ok()) return bound.status();
  return bound->port;
}

}  // namespace converge::ml
