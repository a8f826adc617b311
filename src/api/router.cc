#include "api/router.h"

namespace converge::api {
namespace {

// Splits "/v1/jobs/12" into {"v1", "jobs", "12"}.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end;
  }
  return parts;
}

bool Matches(std::string_view pattern, std::string_view path,
             std::map<std::string, std::string>* params) {
  std::vector<std::string_view> want = Segments(pattern);
  std::vector<std::string_view> have = Segments(path);
  if (want.size() != have.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      found[std::string(want[i].substr(1, want[i].size() - 2))] = std::string(have[i]);
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  if (params) *params = std::move(found);
  return true;
}

}  // namespace

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

void Router::Dispatch(HttpRequest request, std::shared_ptr<Responder> responder) const {
  bool path_known = false;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    if (!Matches(route.pattern, request.path, &params)) continue;
    path_known = true;
    if (route.method != request.method) continue;
    request.params = std::move(params);
    route.handler(std::move(request), std::move(responder));
    return;
  }
  if (path_known) {
    responder->Reply(JsonError(405, request.method + " is not allowed on " + request.path));
  } else {
    responder->Reply(JsonError(404, "no route for " + request.method + " " + request.path));
  }
}

}  // namespace converge::api
