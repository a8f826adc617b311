// Routes of workload objects (docs/api.md, "Workloads"): apply, get, describe, delete, and the
// service list. Replies that report a change are sent once it is durable.
#include "instance/routes.h"

namespace converge::instance {
namespace {

using api::HttpRequest;
using api::JsonError;
using api::JsonResponse;
using Reply = std::shared_ptr<api::Responder>;

void ReplyError(Reply& reply, const Status& status) { reply->Reply(ErrorFor(status)); }

// POST /v1/apply: {"source": NAME, "documents": YAML-TEXT, "cwd": DIR, "environment": {...}}.
void Apply(RouteContext& context, const HttpRequest& request, Reply reply) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object()) return reply->Reply(JsonError(400, "must be a JSON object", "body"));
  if (!body.contains("documents") || !body["documents"].is_string()) {
    return reply->Reply(JsonError(400, "is required: the YAML documents as a string", "documents"));
  }
  workload::ChildContext child;
  if (body.contains("cwd")) {
    if (!body["cwd"].is_string()) return reply->Reply(JsonError(400, "must be a string", "cwd"));
    child.cwd = body["cwd"].get<std::string>();
  }
  if (body.contains("environment")) {
    const nlohmann::json& environment = body["environment"];
    if (!environment.is_object()) {
      return reply->Reply(JsonError(400, "must be an object of strings", "environment"));
    }
    for (const auto& [key, value] : environment.items()) {
      if (!value.is_string()) {
        return reply->Reply(JsonError(400, "must be a string", "environment." + key));
      }
      child.environment[key] = value.get<std::string>();
    }
  }
  const std::string source = body.value("source", "request");
  Result<std::vector<workload::Document>> documents =
      workload::ParseDocuments(body["documents"].get<std::string>(), source);
  if (!documents.ok()) return ReplyError(reply, documents.status());
  Result<std::vector<ApplyOutcome>> outcomes =
      context.workloads->Apply(CallerOf(request, context), std::move(documents).value(), child);
  if (!outcomes.ok()) return ReplyError(reply, outcomes.status());
  nlohmann::json results = nlohmann::json::array();
  for (const ApplyOutcome& outcome : *outcomes) {
    results.push_back({{"kind", outcome.kind}, {"name", outcome.name}, {"action", outcome.action}});
  }
  context.jobs.AfterCommit([reply, results] {
    reply->Reply(JsonResponse(200, nlohmann::json{{"results", results}}.dump()));
  });
}

std::optional<workload::Kind> KindOf(const HttpRequest& request, Reply& reply) {
  Result<workload::Kind> kind = workload::ParseKind(request.params.at("kind"));
  if (!kind.ok()) {
    reply->Reply(JsonError(404, kind.status().message(), "kind"));
    return std::nullopt;
  }
  return *kind;
}

void GetObject(RouteContext& context, const HttpRequest& request, Reply reply, bool describe) {
  std::optional<workload::Kind> kind = KindOf(request, reply);
  if (!kind) return;
  const std::string& name = request.params.at("name");
  const Caller viewer = CallerOf(request, context);
  Result<nlohmann::json> object = describe ? context.workloads->Describe(viewer, *kind, name)
                                           : context.workloads->Get(viewer, *kind, name);
  if (!object.ok()) return ReplyError(reply, object.status());
  reply->Reply(JsonResponse(200, object->dump()));
}

void DeleteObject(RouteContext& context, const HttpRequest& request, Reply reply) {
  std::optional<workload::Kind> kind = KindOf(request, reply);
  if (!kind) return;
  const std::string name = request.params.at("name");
  Status status = context.workloads->Delete(CallerOf(request, context), *kind, name);
  if (!status.ok()) return ReplyError(reply, status);
  context.jobs.AfterCommit([reply, kind = *kind, name] {
    reply->Reply(JsonResponse(
        200,
        nlohmann::json{{"kind", workload::KindName(kind)}, {"name", name}, {"action", "deleted"}}
            .dump()));
  });
}

}  // namespace

void AddWorkloadRoutes(api::Router& router, RouteContext* c) {
  router.Add({"POST", "/v1/apply", "anyone",
              [c](HttpRequest request, Reply reply) { Apply(*c, request, reply); }});
  router.Add({"GET", "/v1/objects/{kind}", "anyone", [c](HttpRequest request, Reply reply) {
                std::optional<workload::Kind> kind = KindOf(request, reply);
                if (!kind) return;
                reply->Reply(
                    JsonResponse(200, c->workloads->List(CallerOf(request, *c), *kind).dump()));
              }});
  router.Add({"GET", "/v1/objects/{kind}/{name}", "anyone",
              [c](HttpRequest request, Reply reply) { GetObject(*c, request, reply, false); }});
  router.Add({"GET", "/v1/objects/{kind}/{name}/describe", "anyone",
              [c](HttpRequest request, Reply reply) { GetObject(*c, request, reply, true); }});
  router.Add({"DELETE", "/v1/objects/{kind}/{name}", "object owner or instance owner",
              [c](HttpRequest request, Reply reply) { DeleteObject(*c, request, reply); }});
  router.Add({"GET", "/v1/services", "anyone", [c](HttpRequest, Reply reply) {
                reply->Reply(JsonResponse(200, c->workloads->Services().dump()));
              }});
}

}  // namespace converge::instance
