#include "api/router.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <string_view>

namespace converge::api {
namespace {

bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Compares `path` with `pattern` segment by segment ("/"-separated, empty segments count, so
// "/v1/jobs/" is not "/v1/jobs"). A "{name}" segment matches any non-empty segment, which is
// stored in `params`. `params` may hold partial results when the match fails.
bool Match(std::string_view pattern, std::string_view path,
           std::map<std::string, std::string>& params) {
  params.clear();
  size_t want_start = 0;
  size_t have_start = 0;
  while (true) {
    const size_t want_end = pattern.find('/', want_start);
    const size_t have_end = path.find('/', have_start);
    const std::string_view want = pattern.substr(want_start, want_end - want_start);
    const std::string_view have = path.substr(have_start, have_end - have_start);
    if (IsParameter(want)) {
      if (have.empty()) return false;
      params[std::string(want.substr(1, want.size() - 2))] = std::string(have);
    } else if (want != have) {
      return false;
    }
    if (want_end == std::string_view::npos || have_end == std::string_view::npos) {
      return want_end == have_end;
    }
    want_start = want_end + 1;
    have_start = have_end + 1;
  }
}

}  // namespace

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

void Router::Dispatch(HttpRequest request, std::shared_ptr<Responder> responder) const {
  std::string allowed;  // methods of the routes whose pattern matches, for 405
  std::map<std::string, std::string> params;
  for (const Route& route : routes_) {
    if (!Match(route.pattern, request.path, params)) continue;
    if (route.method != request.method) {
      allowed += (allowed.empty() ? "" : ", ") + route.method;
      continue;
    }
    request.params = std::move(params);
    if (metrics_ != nullptr) {
      responder = metrics_->Observe(route.method, route.pattern, std::move(responder));
    }
    route.handler(std::move(request), std::move(responder));
    return;
  }
  if (metrics_ != nullptr) {  // any method and path may come here: few series for them all
    static constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "DELETE",
                                                    "PATCH", "OPTIONS"};
    const bool known = std::find(std::begin(kMethods), std::end(kMethods), request.method) !=
                       std::end(kMethods);
    responder = metrics_->Observe(known ? request.method : "other", "unmatched",
                                  std::move(responder));
  }
  if (allowed.empty()) {
    return responder->Reply(JsonError(404, "no route for " + request.method + " " + request.path));
  }
  HttpResponse response = JsonError(
      405, request.method + " is not allowed on " + request.path + " (allowed: " + allowed + ")");
  response.headers["Allow"] = allowed;
  responder->Reply(std::move(response));
}

Handler Router::AsHandler() const {
  return [this](HttpRequest request, std::shared_ptr<Responder> responder) {
    Dispatch(std::move(request), std::move(responder));
  };
}

}  // namespace converge::api
