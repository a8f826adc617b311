#include "api/request_metrics.h"

#include "common/monotonic_seconds.h"

namespace converge::api {
namespace {

// Forwards to the real responder and counts the answer once.
class ObservedResponder final : public Responder {
 public:
  ObservedResponder(std::shared_ptr<RequestMetrics::Counts> counts, std::string method,
                    std::string route, std::shared_ptr<Responder> inner)
      : counts_(std::move(counts)),
        method_(std::move(method)),
        route_(std::move(route)),
        inner_(std::move(inner)),
        began_(MonotonicSeconds()) {}

  void Reply(HttpResponse response) override {
    Count(response.status);
    inner_->Reply(std::move(response));
  }
  std::shared_ptr<Stream> StartStream(int status, const std::string& content_type) override {
    Count(status);
    return inner_->StartStream(status, content_type);
  }

 private:
  void Count(int status) {
    ++counts_->answers[{method_, route_, status}];
    counts_->durations.try_emplace({method_, route_}, metrics::LatencyBuckets())
        .first->second.Observe(MonotonicSeconds() - began_);
  }

  std::shared_ptr<RequestMetrics::Counts> counts_;
  std::string method_;
  std::string route_;
  std::shared_ptr<Responder> inner_;
  double began_;
};

}  // namespace

RequestMetrics::RequestMetrics() : counts_(std::make_shared<Counts>()) {}

std::shared_ptr<Responder> RequestMetrics::Observe(const std::string& method,
                                                   const std::string& route,
                                                   std::shared_ptr<Responder> responder) {
  return std::make_shared<ObservedResponder>(counts_, method, route, std::move(responder));
}

void RequestMetrics::Write(metrics::TextFormat& out) const {
  out.Family("converge_api_requests_total", metrics::Type::kCounter,
             "API requests answered, by method, route and HTTP status code.");
  for (const auto& [key, count] : counts_->answers) {
    const auto& [method, route, code] = key;
    out.Sample({{"method", method}, {"route", route}, {"code", std::to_string(code)}},
               static_cast<double>(count));
  }
  out.Family("converge_api_request_duration_seconds", metrics::Type::kHistogram,
             "Time from a request's dispatch to its answer, by method and route.");
  for (const auto& [key, histogram] : counts_->durations) {
    out.Sample({{"method", key.first}, {"route", key.second}}, histogram);
  }
}

}  // namespace converge::api
