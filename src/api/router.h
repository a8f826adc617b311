// Router: (method, path pattern) -> handler, with "{name}" path parameters.
//
// Unknown paths get 404 and known paths with another method 405, both as JSON errors.
// Routes are listed (routes()) so that a test can compare them with docs/api/openapi.yaml.
// Not thread-safe; build it before the server starts.
#pragma once

#include <string>
#include <vector>

#include "api/http_types.h"
#include "api/request_metrics.h"

namespace converge::api {

struct Route {
  std::string method;   // "GET"
  std::string pattern;  // "/v1/jobs/{id}/cancel"
  std::string access;   // who may call it, for docs: "anyone", "job user or owner", "owner"
  Handler handler;
};

class Router {
 public:
  void Add(Route route);
  // Matches request.path, fills request.params and calls the handler, or replies 404/405.
  void Dispatch(HttpRequest request, std::shared_ptr<Responder> responder) const;
  // A Handler that dispatches to this router (for HttpServer). The router must outlive it.
  Handler AsHandler() const;
  const std::vector<Route>& routes() const { return routes_; }
  // Counts every request dispatched from now on in `metrics` (which must outlive the router),
  // or stops counting (null).
  void SetMetrics(RequestMetrics* metrics) { metrics_ = metrics; }

 private:
  std::vector<Route> routes_;
  RequestMetrics* metrics_ = nullptr;
};

}  // namespace converge::api
