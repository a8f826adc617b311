#include "instance/routes.h"

#include <unistd.h>

#include <charconv>

#include "common/signal_name.h"
#include "common/version.h"
#include "instance/job_json.h"
#include "instance/output_follower.h"
#include "instance/users.h"
#include "jobspec/limits.h"
#include "resource/subgraph.h"
#include "resource/writers/jgf.h"
#include "resource/writers/rv1.h"

namespace converge::instance {
namespace {

using api::HttpRequest;
using api::HttpResponse;
using api::JsonError;
using api::JsonResponse;
using api::Responder;
using Reply = std::shared_ptr<Responder>;

std::optional<int64_t> NumberQuery(const HttpRequest& request, const std::string& name,
                                   int64_t fallback, Responder& reply) {
  const std::string text = request.Query(name);
  if (text.empty()) return fallback;
  int64_t value = 0;
  auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || ptr != text.data() + text.size() || value < 0) {
    reply.Reply(JsonError(400, "must be a non-negative integer", name));
    return std::nullopt;
  }
  return value;
}

}  // namespace

Result<SubmitBody> JobspecTexts(const std::string& body) {
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return Status::Invalid("body", "is empty: send a jobspec");
  if (body[first] != '[') return SubmitBody{{body}, false};
  nlohmann::json array = nlohmann::json::parse(body, nullptr, false);
  if (array.is_discarded() || !array.is_array()) {
    return Status::Invalid("body", "is not valid JSON");
  }
  if (array.empty()) return Status::Invalid("body", "the array of jobspecs is empty");
  if (array.size() > jobspec::kMaxJobsPerSubmit) {  // before copying them (Submit checks too)
    return Status::Invalid("body", "holds " + std::to_string(array.size()) +
                                       " jobspecs; at most " +
                                       std::to_string(jobspec::kMaxJobsPerSubmit) +
                                       " (the limit on jobs per submit)");
  }
  std::vector<std::string> texts;
  texts.reserve(array.size());
  for (const auto& item : array) texts.push_back(item.dump());
  return SubmitBody{std::move(texts), true};
}

namespace {

void Submit(RouteContext& context, const HttpRequest& request, Reply reply) {
  Result<SubmitBody> submitted = JobspecTexts(request.body);
  if (!submitted.ok()) return reply->Reply(ErrorFor(submitted.status()));
  const bool many = submitted->array;
  Result<std::vector<int64_t>> ids = context.jobs.Submit(CallerOf(request, context),
                                                         std::move(submitted->texts));
  if (!ids.ok()) return reply->Reply(ErrorFor(ids.status()));
  nlohmann::json body = many ? nlohmann::json{{"ids", *ids}} : nlohmann::json{{"id", ids->front()}};
  context.jobs.AfterCommit([reply, text = body.dump()] { reply->Reply(JsonResponse(201, text)); });
}

Result<JobFilter> FilterOf(const RouteContext& context, const HttpRequest& request) {
  JobFilter filter;
  const std::string states = request.Query("state", "active");
  if (states == "active") {
    filter.states = {JobState::kNew,   JobState::kDepend, JobState::kPriority,
                     JobState::kSched, JobState::kRun,    JobState::kCleanup};
  } else if (states == "inactive") {
    filter.states = {JobState::kInactive};
  } else if (states != "all") {
    size_t start = 0;
    while (start <= states.size()) {
      size_t comma = std::min(states.find(',', start), states.size());
      std::string name = states.substr(start, comma - start);
      for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::optional<JobState> state = ParseJobState(name);
      if (!state) return Status::Invalid("state", "'" + name + "' is not a job state");
      filter.states.insert(*state);
      start = comma + 1;
    }
  }
  const std::string user = request.Query("user", "all");
  if (user != "all") {
    int64_t uid = UserId(user);
    if (uid < 0) return Status::Invalid("user", "no user named '" + user + "'");
    filter.uids.insert(uid);
  }
  filter.queue = request.Query("queue");
  filter.name = request.Query("name");
  filter.node = request.Query("node");
  return filter;
}

// The job object, plus why it waits while it is pending (DEPEND, PRIORITY or SCHED).
nlohmann::json JobWithReason(const RouteContext& context, const Job& job) {
  nlohmann::json body = JobToJson(job.record);
  if (job.state == JobState::kDepend || job.state == JobState::kPriority ||
      job.state == JobState::kSched) {
    body["reason"] = context.jobs.QueueReason(job);
  }
  return body;
}

// Replies 200 with job `id`'s object once what was done to it is durable.
void ReplyWithJobOnceCommitted(RouteContext& context, Reply reply, int64_t id) {
  context.jobs.AfterCommit([&context, reply, id] {
    const Job* job = context.jobs.Find(id);
    reply->Reply(JsonResponse(200, JobToJson(job->record).dump()));
  });
}

void ListJobs(RouteContext& context, const HttpRequest& request, Reply reply) {
  Result<JobFilter> filter = FilterOf(context, request);
  if (!filter.ok()) return reply->Reply(ErrorFor(filter.status()));
  std::optional<int64_t> limit = NumberQuery(request, "limit", 1000, *reply);
  if (!limit) return;
  std::optional<int64_t> after = NumberQuery(request, "after", 0, *reply);
  if (!after) return;
  filter->limit = static_cast<size_t>(std::clamp<int64_t>(*limit, 1, 100000));
  filter->after = *after;
  Result<std::vector<const Job*>> listed = context.jobs.List(*filter);
  if (!listed.ok()) return reply->Reply(ErrorFor(listed.status()));
  const std::vector<const Job*>& jobs = *listed;
  nlohmann::json list = nlohmann::json::array();
  for (const Job* job : jobs) {
    list.push_back(JobWithReason(context, *job));
  }
  nlohmann::json next = jobs.size() == filter->limit ? nlohmann::json(jobs.back()->record.id)
                                                     : nlohmann::json(nullptr);
  reply->Reply(JsonResponse(200, nlohmann::json{{"jobs", list}, {"next_after", next}}.dump()));
}

// The RV1 of a job from its `alloc` event, or null.
nlohmann::json RFromEvents(const resource::Graph& graph, const std::vector<store::Event>& events,
                           const store::JobRecord& record) {
  for (const store::Event& event : events) {
    if (event.name != "alloc") continue;
    nlohmann::json context = nlohmann::json::parse(event.context, nullptr, false);
    if (context.is_discarded() || !context.contains("allocation")) return nullptr;
    Result<sched::Allocation> allocation = AllocationFromJson(context["allocation"]);
    if (!allocation.ok()) return nullptr;
    std::vector<resource::VertexId> leaves;
    for (const auto& item : allocation->items) {
      if (item.vertex >= 0 && item.vertex < graph.size()) leaves.push_back(item.vertex);
    }
    const double expiration = record.duration > 0 ? event.timestamp + record.duration : 0;
    return resource::WriteRv1(graph, leaves, event.timestamp, expiration);
  }
  return nullptr;
}

void GetJob(RouteContext& context, const HttpRequest& request, Reply reply) {
  std::optional<int64_t> id = JobIdOf(request, *reply);
  if (!id) return;
  const Job* job = context.jobs.Find(*id);
  if (!job) return reply->Reply(JsonError(404, "job " + std::to_string(*id) + " not found", "id"));
  nlohmann::json body = JobWithReason(context, *job);
  Result<std::string> spec = context.jobs.Jobspec(*id);
  body["jobspec"] = spec.ok() ? nlohmann::json::parse(*spec, nullptr, false) : nullptr;
  const Caller caller = CallerOf(request, context);
  if (!IsOwnerOrAdmin(caller, job->record.uid) && body["jobspec"].is_object()) {
    // The environment may hold credentials: only the job's user and the owner see it.
    nlohmann::json& attributes = body["jobspec"]["attributes"];
    if (attributes.is_object() && attributes["system"].is_object()) {
      attributes["system"].erase("environment");
    }
  }
  Result<std::vector<store::Event>> events = context.jobs.Events(*id);
  body["R"] = events.ok() ? RFromEvents(context.jobs.graph(), *events, job->record) : nullptr;
  reply->Reply(JsonResponse(200, body.dump()));
}

// The resources a running job holds, as a JGF graph of their own: what a nested instance
// started inside the job schedules (docs/api.md).
void JobResources(RouteContext& context, const HttpRequest& request, Reply reply) {
  std::optional<int64_t> id = JobIdOf(request, *reply);
  if (!id) return;
  const Job* job = context.jobs.Find(*id);
  if (!job) return reply->Reply(JsonError(404, "job " + std::to_string(*id) + " not found", "id"));
  if (!job->active || !job->active->allocation) {
    return reply->Reply(JsonError(409, "job " + std::to_string(*id) + " is " +
                                           job->record.state + ", not running"));
  }
  std::vector<resource::LeafAmount> leaves;
  for (const auto& item : job->active->allocation->items) {
    leaves.push_back({item.vertex, item.amount});
  }
  Result<resource::Graph> graph = resource::Subgraph(context.jobs.graph(), leaves);
  if (!graph.ok()) return reply->Reply(ErrorFor(graph.status()));
  reply->Reply(JsonResponse(200, resource::WriteJgf(*graph)));
}

void CancelJob(RouteContext& context, const HttpRequest& request, Reply reply) {
  std::optional<int64_t> id = JobIdOf(request, *reply);
  if (!id) return;
  Status status = context.jobs.Cancel(CallerOf(request, context), *id);
  if (status.code() == Code::kInvalidArgument) {
    return reply->Reply(JsonError(409, status.message(), "id"));
  }
  if (!status.ok()) return reply->Reply(ErrorFor(status));
  ReplyWithJobOnceCommitted(context, reply, *id);
}

// The request's body: a JSON object with no key but `field` (which may be missing). Replies
// 400 and returns nullopt otherwise.
std::optional<nlohmann::json> BodyWithOnly(const HttpRequest& request, const char* field,
                                           Reply& reply) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    reply->Reply(JsonError(400, "must be a JSON object", "body"));
    return std::nullopt;
  }
  for (const auto& [key, value] : body.items()) {
    if (key != field) {
      reply->Reply(JsonError(400, "unknown field", key));
      return std::nullopt;
    }
  }
  return body;
}

// Replies with the error of a job action that failed: 409 when the job is in the wrong
// state (kInvalidArgument naming "id"). Returns whether it replied.
bool ReplyIfFailed(const Status& status, Reply& reply) {
  if (status.ok()) return false;
  if (status.code() == Code::kInvalidArgument && status.where() == "id") {
    reply->Reply(JsonError(409, status.message(), "id"));
  } else {
    reply->Reply(ErrorFor(status));
  }
  return true;
}

// POST /v1/jobs/ID/urgency {"urgency": 0..31}: 0 holds a pending job, more releases it.
void SetUrgency(RouteContext& context, const HttpRequest& request, Reply reply) {
  std::optional<int64_t> id = JobIdOf(request, *reply);
  if (!id) return;
  std::optional<nlohmann::json> body = BodyWithOnly(request, "urgency", reply);
  if (!body) return;
  if (!body->contains("urgency") || !(*body)["urgency"].is_number_integer()) {
    return reply->Reply(JsonError(400, "must be an integer from 0 to 31", "urgency"));
  }
  Status status =
      context.jobs.SetUrgency(CallerOf(request, context), *id, (*body)["urgency"].get<int64_t>());
  if (ReplyIfFailed(status, reply)) return;
  ReplyWithJobOnceCommitted(context, reply, *id);
}

// POST /v1/jobs/ID/signal {"signal": "USR1" | 10}: to a running job's tasks; it goes on.
void SignalJob(RouteContext& context, const HttpRequest& request, Reply reply) {
  std::optional<int64_t> id = JobIdOf(request, *reply);
  if (!id) return;
  std::optional<nlohmann::json> body = BodyWithOnly(request, "signal", reply);
  if (!body) return;
  const nlohmann::json signal = body->value("signal", nlohmann::json());
  Result<int> signo = Status::Invalid("", "must be a signal name or number (USR1, 10)");
  if (signal.is_number_integer()) signo = ParseSignal(std::to_string(signal.get<int64_t>()));
  if (signal.is_string()) signo = ParseSignal(signal.get<std::string>());
  if (!signo.ok()) return reply->Reply(JsonError(400, signo.status().message(), "signal"));
  Status status = context.jobs.Signal(CallerOf(request, context), *id, *signo);
  if (ReplyIfFailed(status, reply)) return;
  reply->Reply(
      JsonResponse(200, nlohmann::json{{"id", *id}, {"signal", SignalName(*signo)}}.dump()));
}

nlohmann::json EventToJson(const store::Event& event) {
  nlohmann::json context = nlohmann::json::parse(event.context, nullptr, false);
  if (context.is_discarded()) context = nlohmann::json::object();
  if (event.name == "alloc") context.erase("allocation");  // internal vertex ids
  return {{"seq", event.seq}, {"timestamp", event.timestamp}, {"name", event.name},
          {"context", context}};
}

void JobEvents(RouteContext& context, const HttpRequest& request, Reply reply) {
  std::optional<int64_t> id = JobIdOf(request, *reply);
  if (!id) return;
  Result<std::vector<store::Event>> events = context.jobs.Events(*id);
  if (!events.ok()) return reply->Reply(ErrorFor(events.status()));
  if (request.Query("watch") != "true") {
    nlohmann::json list = nlohmann::json::array();
    for (const store::Event& event : *events) list.push_back(EventToJson(event));
    return reply->Reply(JsonResponse(200, nlohmann::json{{"events", list}}.dump()));
  }
  std::shared_ptr<api::Stream> stream = reply->StartStream(200, "application/x-ndjson");
  bool ended = false;
  for (const store::Event& event : *events) {
    stream->Write(EventToJson(event).dump() + "\n");
    ended = ended || event.name == "clean";
  }
  if (ended) return stream->Close();
  context.jobs.Watch(*id, [stream](const store::Event& event) {
    if (stream->closed()) return false;
    stream->Write(EventToJson(event).dump() + "\n");
    if (event.name == "clean") stream->Close();
    return true;
  });
}

void JobOutput(RouteContext& context, const HttpRequest& request, Reply reply) {
  std::optional<int64_t> id = JobIdOf(request, *reply);
  if (!id) return;
  const Job* job = context.jobs.Find(*id);
  if (!job) return reply->Reply(JsonError(404, "job " + std::to_string(*id) + " not found", "id"));
  const Caller caller = CallerOf(request, context);
  if (!IsOwnerOrAdmin(caller, job->record.uid)) {
    return reply->Reply(JsonError(403, "job " + std::to_string(*id) + " belongs to " +
                                           job->record.user));
  }
  const std::string which = request.Query("stream", "stdout");
  if (which != "stdout" && which != "stderr") {
    return reply->Reply(JsonError(400, "must be stdout or stderr", "stream"));
  }
  std::optional<int64_t> offset = NumberQuery(request, "offset", 0, *reply);
  if (!offset) return;
  const std::string& path = which == "stdout" ? job->record.output : job->record.error_output;
  // Opened with the rights of whoever may read it (job_output_file.h), never as plain root.
  OutputFollower::Opener open = [record = job->record, path, access = context.output_access] {
    return OpenJobOutput(record, path, access);
  };
  if (Result<int> probe = open(); !probe.ok() && probe.status().code() != Code::kNotFound) {
    return reply->Reply(ErrorFor(probe.status()));
  } else if (probe.ok()) {
    ::close(*probe);
  }
  // Streamed in bounded chunks in both cases (output_follower.h): the file may be huge.
  const bool follow = request.Query("follow") == "true" && job->state != JobState::kInactive;
  auto follower = std::make_shared<OutputFollower>(context.io, std::move(open), *offset,
                                                   reply->StartStream(200, "text/plain"), follow);
  follower->Start();
  if (!follow) return;
  context.jobs.Watch(*id, [follower](const store::Event& event) {
    if (event.name == "clean") follower->Finish();
    return !follower->done();
  });
}

bool RequireAdmin(const RouteContext& context, const HttpRequest& request, Responder& reply) {
  if (CallerOf(request, context).admin) return true;
  reply.Reply(JsonError(403, "only the instance owner may do this"));
  return false;
}

void Drain(RouteContext& context, const HttpRequest& request, Reply reply, bool drain) {
  if (!RequireAdmin(context, request, *reply)) return;
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return reply->Reply(JsonError(400, "must be a JSON object", "body"));
  }
  for (const auto& [key, value] : body.items()) {
    if (key != "targets" && key != "reason") {
      return reply->Reply(JsonError(400, "unknown field", key));
    }
    if (!value.is_string()) return reply->Reply(JsonError(400, "must be a string", key));
  }
  if (!body.contains("targets")) return reply->Reply(JsonError(400, "is required", "targets"));
  const std::string targets = body["targets"].get<std::string>();
  Status status = context.jobs.SetDrained(targets, drain, body.value("reason", ""));
  if (!status.ok()) return reply->Reply(ErrorFor(status));
  context.jobs.AfterCommit([reply, targets, drain] {
    reply->Reply(JsonResponse(200, nlohmann::json{{drain ? "drained" : "undrained", targets}}
                                       .dump()));
  });
}

// POST /v1/queues/{name}/start or /stop (owner): starts or stops the queue, once stored.
void StartQueue(RouteContext& context, const HttpRequest& request, Reply reply, bool start) {
  if (!RequireAdmin(context, request, *reply)) return;
  const std::string name = request.params.at("name");
  Status status = context.jobs.SetQueueStarted(name, start);
  if (!status.ok()) return reply->Reply(ErrorFor(status));
  context.jobs.AfterCommit([reply, name, start] {
    reply->Reply(
        JsonResponse(200, nlohmann::json{{"queue", name}, {"started", start}}.dump()));
  });
}

}  // namespace

std::optional<int64_t> JobIdOf(const HttpRequest& request, Responder& reply) {
  const std::string& text = request.params.at("id");
  int64_t id = 0;
  auto [ptr, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    reply.Reply(JsonError(400, "'" + text + "' is not a job id", "id"));
    return std::nullopt;
  }
  return id;
}

Caller CallerOf(const HttpRequest& request, const RouteContext& context) {
  // TCP callers without the token reach public paths only (api::HttpServerOptions), and are
  // nobody in particular.
  const int64_t uid = request.peer.unix_socket   ? request.peer.uid
                      : request.peer.token_holder ? context.owner_uid
                                                  : -1;
  return Caller{uid, request.peer.token_holder || (uid >= 0 && uid == context.owner_uid) ||
                         uid == 0};
}

HttpResponse ErrorFor(const Status& status) {
  switch (status.code()) {
    case Code::kNotFound:
      return JsonError(404, status.message(), status.where());
    case Code::kUnsatisfiable:
      return JsonError(422, status.message(), status.where());
    case Code::kSkip:
    case Code::kPermissionDenied:
      return JsonError(403, status.message(), status.where());
    case Code::kUnavailable:
      return JsonError(503, status.message(), status.where());
    case Code::kInvalidArgument:
      return JsonError(400, status.message(), status.where());
    default:
      return JsonError(500, status.message(), status.where());
  }
}

api::Handler RefuseWritesWhileDegraded(RouteContext* context, api::Handler inner) {
  return [context, inner = std::move(inner)](HttpRequest request, Reply reply) {
    const std::string& degraded = context->jobs.degraded();
    if (!degraded.empty() && request.method != "GET" && request.method != "HEAD" &&
        request.path != "/v1/shutdown") {
      return reply->Reply(JsonError(context->jobs.store_full() ? 507 : 503,
                                    "the instance cannot record new work now: " + degraded +
                                        ". Free space in its state folder; it resumes by "
                                        "itself"));
    }
    inner(std::move(request), std::move(reply));
  };
}

void AddMetricsRoute(api::Router& router, RouteContext* c) {
  router.Add({"GET", "/metrics", "anyone", [c](HttpRequest, Reply reply) {
                metrics::TextFormat out;
                out.Family("converge_build_info", metrics::Type::kGauge,
                           "1, labelled with the version of the running converge.");
                out.Sample({{"version", kConvergeVersion}}, 1);
                out.Single("converge_start_time_seconds", metrics::Type::kGauge,
                           "When the instance started, in seconds since the epoch.",
                           c->started_at);
                c->jobs.WriteMetrics(out);
                if (c->workloads != nullptr) c->workloads->WriteMetrics(out);
                if (c->requests != nullptr) c->requests->Write(out);
                HttpResponse response;
                response.content_type = std::string(metrics::kTextContentType);
                response.body = out.Take();
                reply->Reply(std::move(response));
              }});
}

void AddRoutes(api::Router& router, RouteContext* c) {
  router.Add({"GET", "/v1/health", "anyone", [c](HttpRequest, Reply reply) {
                const std::string& degraded = c->jobs.degraded();
                nlohmann::json body = {{"status", degraded.empty() ? "ok" : "degraded"},
                                       {"pid", static_cast<int64_t>(getpid())},
                                       {"version", kConvergeVersion},
                                       {"uptime", c->clock() - c->started_at},
                                       {"owner", UserName(c->owner_uid)}};
                if (!degraded.empty()) body["degraded"] = degraded;
                reply->Reply(JsonResponse(200, body.dump()));
              }});
  router.Add({"POST", "/v1/jobs", "anyone",
              [c](HttpRequest request, Reply reply) { Submit(*c, request, reply); }});
  router.Add({"GET", "/v1/jobs", "anyone",
              [c](HttpRequest request, Reply reply) { ListJobs(*c, request, reply); }});
  router.Add({"GET", "/v1/jobs/{id}", "anyone",
              [c](HttpRequest request, Reply reply) { GetJob(*c, request, reply); }});
  router.Add({"GET", "/v1/jobs/{id}/resources", "anyone",
              [c](HttpRequest request, Reply reply) { JobResources(*c, request, reply); }});
  router.Add({"POST", "/v1/jobs/{id}/cancel", "job user or owner",
              [c](HttpRequest request, Reply reply) { CancelJob(*c, request, reply); }});
  router.Add({"POST", "/v1/jobs/{id}/signal", "job user or owner",
              [c](HttpRequest request, Reply reply) { SignalJob(*c, request, reply); }});
  router.Add({"POST", "/v1/jobs/{id}/urgency", "job user or owner",
              [c](HttpRequest request, Reply reply) { SetUrgency(*c, request, reply); }});
  router.Add({"GET", "/v1/jobs/{id}/events", "anyone",
              [c](HttpRequest request, Reply reply) { JobEvents(*c, request, reply); }});
  router.Add({"GET", "/v1/jobs/{id}/output", "job user or owner",
              [c](HttpRequest request, Reply reply) { JobOutput(*c, request, reply); }});
  router.Add({"GET", "/v1/resources", "anyone", [c](HttpRequest, Reply reply) {
                reply->Reply(JsonResponse(200, c->jobs.ResourcesJsonText()));
              }});
  router.Add({"POST", "/v1/resources/drain", "owner",
              [c](HttpRequest request, Reply reply) { Drain(*c, request, reply, true); }});
  router.Add({"POST", "/v1/resources/undrain", "owner",
              [c](HttpRequest request, Reply reply) { Drain(*c, request, reply, false); }});
  router.Add({"GET", "/v1/queue", "anyone", [c](HttpRequest, Reply reply) {
                reply->Reply(JsonResponse(200, c->jobs.QueueJson().dump()));
              }});
  router.Add({"POST", "/v1/queues/{name}/start", "owner",
              [c](HttpRequest request, Reply reply) { StartQueue(*c, request, reply, true); }});
  router.Add({"POST", "/v1/queues/{name}/stop", "owner",
              [c](HttpRequest request, Reply reply) { StartQueue(*c, request, reply, false); }});
  AddWorkloadRoutes(router, c);
  AddEventRoutes(router, c);
  AddMetricsRoute(router, c);
  AddUiRoutes(router, c);
  AddProvenanceRoutes(router, c);
  AddQueryRoutes(router, c);
  router.Add({"POST", "/v1/shutdown", "owner", [c](HttpRequest request, Reply reply) {
                if (!RequireAdmin(*c, request, *reply)) return;
                reply->Reply(JsonResponse(202, R"({"status":"stopping"})"));
                c->shutdown();
              }});
}

}  // namespace converge::instance
