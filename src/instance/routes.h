// The instance's HTTP routes (docs/api.md): each handler turns a request into JobManager
// calls and renders the answer. Replies that report a transition are sent only once the
// transition is durable (JobManager::AfterCommit).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "api/request_metrics.h"
#include "api/router.h"
#include "instance/event_stream.h"
#include "instance/job_manager.h"
#include "instance/job_report.h"
#include "instance/job_output_file.h"
#include "instance/query_service.h"
#include "instance/workload_manager.h"

namespace converge::instance {

struct RouteContext {
  boost::asio::io_context& io;
  JobManager& jobs;
  int64_t owner_uid = 0;          // who started the instance
  double started_at = 0;          // epoch seconds
  std::function<double()> clock;  // epoch seconds
  std::function<void()> shutdown; // cancels running jobs, then stops the instance
  WorkloadManager* workloads = nullptr;  // JobSets, Services, MiniClusters
  JobOutputAccess output_access;         // how job output files are opened to be read back
  const api::RequestMetrics* requests = nullptr;  // the API's counts, for GET /metrics
  EventStream* events = nullptr;                  // GET /v1/events
  JobReport* report = nullptr;                    // GET /v1/report
  const store::Store* store = nullptr;            // GET /v1/jobs/{id}/provenance
  QueryService* queries = nullptr;                // POST /v1/query
};

// Who is calling: the peer's uid on a Unix socket (the owner for TCP token holders), and
// whether they may act on everybody's jobs and objects.
Caller CallerOf(const api::HttpRequest& request, const RouteContext& context);
// The {id} parameter of `request` as a job id, or nullopt after replying 400.
std::optional<int64_t> JobIdOf(const api::HttpRequest& request, api::Responder& reply);
// The API's JSON error for `status`: 404 kNotFound, 422 kUnsatisfiable, 403 kSkip,
// 400 kInvalidArgument, else 500.
api::HttpResponse ErrorFor(const Status& status);

// The body of POST /v1/jobs split into jobspec texts: a JSON array holds several (then
// `array`), anything else is one jobspec (YAML or JSON). The server has bounded the body's
// nesting before (api::HttpServerOptions::max_body_depth). Errors: kInvalidArgument "body".
struct SubmitBody {
  std::vector<std::string> texts;
  bool array = false;  // the body was a JSON array: answer with "ids"
};
Result<SubmitBody> JobspecTexts(const std::string& body);

// `inner`, except that while the job manager is degraded (its store takes no commits) the
// requests that may need one — every method but GET and HEAD, /v1/shutdown excepted — are
// answered at once with a JSON error: 507 when the state folder's disk is full, 503 for I/O
// errors. Read-only routes keep working. `context` must outlive the handler.
api::Handler RefuseWritesWhileDegraded(RouteContext* context, api::Handler inner);

// Registers every /v1 route on `router`. `context` must outlive the router; it may be null
// when the routes are only listed (routes()), never dispatched.
void AddRoutes(api::Router& router, RouteContext* context);
// GET /metrics: every metric of the instance in the Prometheus text format
// (docs/metrics.md). AddRoutes() adds it; a metrics-only listener's router gets it alone.
void AddMetricsRoute(api::Router& router, RouteContext* context);
// GET /v1/events (event_routes.cc); AddRoutes() calls it.
void AddEventRoutes(api::Router& router, RouteContext* context);
// The dashboard (ui_routes.cc; AddRoutes() calls it): GET /ui, /ui/ and /ui/{file}, its
// embedded files, for anyone (on TCP without the token: they hold no data, see
// kUiPublicPrefix), and GET /v1/report (JobReport).
void AddUiRoutes(api::Router& router, RouteContext* context);
// The path the instance's listeners serve without the token (api::HttpServerOptions).
inline constexpr const char* kUiPublicPrefix = "/ui";
// GET /v1/jobs/{id}/provenance (provenance_routes.cc) and POST|GET /v1/query
// (query_routes.cc); AddRoutes() calls them.
void AddProvenanceRoutes(api::Router& router, RouteContext* context);
void AddQueryRoutes(api::Router& router, RouteContext* context);
// The routes of workload objects (workload_routes.cc); AddRoutes() calls it.
void AddWorkloadRoutes(api::Router& router, RouteContext* context);

}  // namespace converge::instance
