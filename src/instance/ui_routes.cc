// The dashboard's routes: its embedded files, and the report it draws.
#include "instance/routes.h"
#include "ui/assets.h"

namespace converge::instance {
namespace {

using api::HttpRequest;
using api::HttpResponse;
using Reply = std::shared_ptr<api::Responder>;

// Scripts only from the instance itself (no inline script, no eval), nothing from elsewhere,
// and never inside another site's frame. Inline styles are allowed: the pages set colours.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

void ServeAsset(const std::string& name, const Reply& reply) {
  std::optional<ui::Asset> asset = ui::FindAsset(name);
  if (!asset) return reply->Reply(api::JsonError(404, "the dashboard has no file '" + name + "'"));
  HttpResponse response;
  response.content_type = std::string(asset->content_type);
  response.body = std::string(asset->bytes);
  // Revalidated on every load, so that a page never mixes files of two converge versions.
  response.headers["Cache-Control"] = "no-cache";
  response.headers["Content-Security-Policy"] = kContentSecurityPolicy;
  response.headers["X-Content-Type-Options"] = "nosniff";
  response.headers["Referrer-Policy"] = "no-referrer";
  reply->Reply(std::move(response));
}

}  // namespace

void AddUiRoutes(api::Router& router, RouteContext* c) {
  router.Add({"GET", "/ui", "anyone", [](HttpRequest, Reply reply) {
                HttpResponse response = api::JsonResponse(308, R"({"location":"/ui/"})");
                response.headers["Location"] = "/ui/";
                reply->Reply(std::move(response));
              }});
  router.Add({"GET", "/ui/", "anyone",
              [](HttpRequest, Reply reply) { ServeAsset("index.html", reply); }});
  router.Add({"GET", "/ui/{file}", "anyone", [](HttpRequest request, Reply reply) {
                ServeAsset(request.params.at("file"), reply);
              }});
  router.Add({"GET", "/v1/report", "anyone", [c](HttpRequest, Reply reply) {
                reply->Reply(api::JsonResponse(200, c->report->Build(c->jobs, c->clock()).dump()));
              }});
}

}  // namespace converge::instance
