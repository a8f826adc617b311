// RequestMetrics: the API's requests counted by route, method and status code, and timed
// from their dispatch to their answer (a whole reply, or the start of a stream), for
// GET /metrics. The Router reports every request it dispatches (Router::SetMetrics);
// requests the server refuses before routing (401, 413, 503) are not among them.
// Loop thread only. Responders may outlive the RequestMetrics: they share its counts.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "api/http_types.h"
#include "metrics/histogram.h"
#include "metrics/text_format.h"

namespace converge::api {

class RequestMetrics {
 public:
  RequestMetrics();
  // `responder`, counting its answer under (method, route): route is the pattern that
  // matched ("/v1/jobs/{id}"), so that ids do not make new series; "unmatched" for none.
  std::shared_ptr<Responder> Observe(const std::string& method, const std::string& route,
                                     std::shared_ptr<Responder> responder);
  // The converge_api_requests_total and converge_api_request_duration_seconds families.
  void Write(metrics::TextFormat& out) const;

  struct Counts {
    std::map<std::tuple<std::string, std::string, int>, uint64_t> answers;  // method, route, code
    std::map<std::pair<std::string, std::string>, metrics::Histogram> durations;
  };

 private:
  std::shared_ptr<Counts> counts_;
};

}  // namespace converge::api
