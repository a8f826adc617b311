// The model service's HTTP server: converge's api::HttpServer with TCP open on loopback
// addresses and no token, because batch tasks reach the service through a plain URL
// (CONVERGE_SERVICE_ML_URL). Other addresses are refused.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "api/http_server.h"
#include "api/router.h"
#include "common/status.h"

namespace converge::ml {

// `router` must outlive the server.
std::unique_ptr<api::HttpServer> MakeModelServer(boost::asio::io_context& io,
                                                 const api::Router& router);

// Listens on host:port (port 0 picks a free one) and returns the bound port. Errors:
// kInvalidArgument for a host that is not a loopback IP address, kInternal when bind fails.
Result<int> ListenOn(api::HttpServer& server, const std::string& host, int port);

}  // namespace converge::ml
