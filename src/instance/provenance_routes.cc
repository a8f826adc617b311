// GET /v1/jobs/{id}/provenance: a job's provenance record with the facts of each of its nodes
// (docs/provenance.md). The job's user and the instance owner may read it: it holds digests
// of the job's environment.
#include <nlohmann/json.hpp>

#include "api/http_types.h"
#include "instance/routes.h"
#include "provenance/node_facts.h"

namespace converge::instance {
namespace {

using api::JsonError;
using api::JsonResponse;
using Json = nlohmann::ordered_json;

void JobProvenance(RouteContext& context, const api::HttpRequest& request,
                   std::shared_ptr<api::Responder> reply) {
  std::optional<int64_t> id = JobIdOf(request, *reply);
  if (!id) return;
  const std::string name = "job " + std::to_string(*id);
  const Job* job = context.jobs.Find(*id);
  if (!job) return reply->Reply(JsonError(404, name + " not found", "id"));
  if (!IsOwnerOrAdmin(CallerOf(request, context), job->record.uid)) {
    return reply->Reply(JsonError(403, name + " belongs to " + job->record.user));
  }
  const std::string topology = request.Query("topology", "false");
  if (topology != "true" && topology != "false") {
    return reply->Reply(JsonError(400, "must be true or false", "topology"));
  }
  Result<std::optional<std::string>> text = context.store->ReadProvenance(*id);
  if (!text.ok()) return reply->Reply(ErrorFor(text.status()));
  if (!text->has_value()) {
    return reply->Reply(JsonError(
        404, name + " has no provenance record: it has not started (or started before this "
                    "converge recorded provenance)"));
  }
  Json record = Json::parse(**text, nullptr, false);
  if (record.is_discarded() || !record.is_object()) {
    return reply->Reply(JsonError(500, "the provenance record of " + name + " is not JSON"));
  }
  // Each node with its facts inline, so that two records compare field by field.
  for (Json& node : record["nodes"]) {
    const std::string digest = node.value("facts", "");
    Result<std::optional<std::string>> facts = context.store->ReadNodeFacts(digest);
    if (!facts.ok()) return reply->Reply(ErrorFor(facts.status()));
    if (!facts->has_value()) continue;
    Json parsed = Json::parse(**facts, nullptr, false);
    if (!parsed.is_object()) continue;
    if (topology == "false") parsed.erase("topology_xml");
    for (auto& [key, value] : parsed.items()) node[key] = value;
  }
  reply->Reply(JsonResponse(200, record.dump(-1, ' ', false, Json::error_handler_t::replace)));
}

}  // namespace

void AddProvenanceRoutes(api::Router& router, RouteContext* context) {
  RouteContext* c = context;
  router.Add({"GET", "/v1/jobs/{id}/provenance", "job user or owner",
              [c](api::HttpRequest request, std::shared_ptr<api::Responder> reply) {
                JobProvenance(*c, request, std::move(reply));
              }});
}

}  // namespace converge::instance
