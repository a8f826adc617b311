// POST /v1/query ({"sql": "SELECT ..."}) and GET /v1/query?sql=...: read-only SQL over the
// documented views of the store (docs/query.md), rows filtered to the caller's own jobs
// unless the caller is the instance owner. Answer: {"columns": [...], "rows": [[...], ...]}.
#include <nlohmann/json.hpp>

#include "api/http_types.h"
#include "instance/routes.h"

namespace converge::instance {
namespace {

using api::JsonError;
using api::JsonResponse;

void RunQuery(RouteContext& context, const api::HttpRequest& request,
              std::shared_ptr<api::Responder> reply) {
  std::string sql;
  if (request.method == "GET") {
    sql = request.Query("sql");
  } else {
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return reply->Reply(JsonError(400, "the body must be a JSON object {\"sql\": ...}", "body"));
    }
    for (const auto& [key, value] : body.items()) {
      if (key != "sql") return reply->Reply(JsonError(400, "unknown field", key));
    }
    auto it = body.find("sql");
    if (it == body.end() || !it->is_string()) {
      return reply->Reply(JsonError(400, "must be a string", "sql"));
    }
    sql = it->get<std::string>();
  }
  if (sql.empty()) return reply->Reply(JsonError(400, "is required", "sql"));
  const Caller caller = CallerOf(request, context);
  Status queued = context.queries->Submit(
      std::move(sql), query::Asker{caller.uid, caller.admin},
      [reply](Result<query::QueryResult> result) {
        if (!result.ok()) {
          const Status& status = result.status();
          const int code = status.code() == Code::kUnavailable        ? 503
                           : status.code() == Code::kInternal         ? 500
                           : status.code() == Code::kPermissionDenied ? 403
                                                                      : 400;
          return reply->Reply(JsonError(code, status.message(), status.where().empty()
                                                                     ? "sql"
                                                                     : status.where()));
        }
        nlohmann::json rows = nlohmann::json::array();
        for (auto& row : result->rows) rows.push_back(std::move(row));
        nlohmann::json body = {{"columns", result->columns}, {"rows", std::move(rows)}};
        reply->Reply(JsonResponse(
            200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
      });
  if (!queued.ok()) reply->Reply(JsonError(503, queued.message()));
}

}  // namespace

void AddQueryRoutes(api::Router& router, RouteContext* context) {
  RouteContext* c = context;
  for (const char* method : {"GET", "POST"}) {
    router.Add({method, "/v1/query", "anyone (own jobs; the owner: all)",
                [c](api::HttpRequest request, std::shared_ptr<api::Responder> reply) {
                  RunQuery(*c, request, std::move(reply));
                }});
  }
}

}  // namespace converge::instance
