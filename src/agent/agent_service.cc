#include "agent/agent_service.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace converge::agent {
namespace {

constexpr int kMaxWaitSeconds = 30;

int HttpStatusOf(const Status& status) {
  switch (status.code()) {
    case Code::kInvalidArgument:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kPermissionDenied:
      return 403;
    default:
      return 500;
  }
}

// The {id} path parameter, or 0 when it is not a positive integer.
int64_t JobIdOf(const api::HttpRequest& request) {
  auto it = request.params.find("id");
  if (it == request.params.end() || it->second.empty() || it->second.size() > 18) return 0;
  int64_t id = 0;
  for (char c : it->second) {
    if (c < '0' || c > '9') return 0;
    id = id * 10 + (c - '0');
  }
  return id;
}

int64_t QueryInt(const api::HttpRequest& request, const std::string& name, int64_t low,
                 int64_t high) {
  const std::string text = request.Query(name, "0");
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0') return low;
  return std::clamp<int64_t>(value, low, high);
}

}  // namespace

AgentService::AgentService(boost::asio::io_context& io, exec::LocalExecutorOptions options,
                           exec::ExchangeEndpoint exchange)
    : io_(io),
      exchange_(std::move(exchange)),
      executor_(std::make_unique<exec::LocalExecutor>(
          io, std::move(options), [this](int64_t job_id, Result<exec::ShimResult> result) {
            OnExit(job_id, std::move(result));
          })) {}

AgentService::~AgentService() {
  for (Waiter& waiter : waiters_) waiter.timer->cancel();
}

void AgentService::OnExit(int64_t job_id, Result<exec::ShimResult> result) {
  Part& part = parts_[job_id];
  part.status.job_id = job_id;
  part.status.state = PartState::kFinished;
  if (result.ok()) {
    part.status.result = *result;
  } else {
    part.status.error = result.status().ToString();
  }
  part.sequence = ++sequence_;
  WakeWaiters();
}

void AgentService::AddRoutes(api::Router& router) {
  router.Add({"POST", "/v1/agent/parts", "leader",
              [this](api::HttpRequest request, std::shared_ptr<api::Responder> responder) {
                Start(request, *responder);
              }});
  router.Add({"POST", "/v1/agent/parts/{id}/terminate", "leader",
              [this](api::HttpRequest request, std::shared_ptr<api::Responder> responder) {
                const int64_t id = JobIdOf(request);
                if (id == 0) return responder->Reply(api::JsonError(400, "bad job id", "id"));
                Known(id);  // a part from before a restart of this agent: re-attach it first
                executor_->Terminate(id);
                responder->Reply(api::JsonResponse(200, "{}"));
              }});
  router.Add({"POST", "/v1/agent/parts/{id}/signal", "leader",
              [this](api::HttpRequest request, std::shared_ptr<api::Responder> responder) {
                const int64_t id = JobIdOf(request);
                if (id == 0) return responder->Reply(api::JsonError(400, "bad job id", "id"));
                const int64_t signo = QueryInt(request, "signo", 0, 64);
                if (signo == 0) return responder->Reply(api::JsonError(400, "1..64", "signo"));
                Known(id);
                Status sent = executor_->Signal(id, static_cast<int>(signo));
                if (!sent.ok()) return responder->Reply(api::JsonError(409, sent.message()));
                responder->Reply(api::JsonResponse(200, "{}"));
              }});
  router.Add({"GET", "/v1/agent/parts/{id}", "leader",
              [this](api::HttpRequest request, std::shared_ptr<api::Responder> responder) {
                const int64_t id = JobIdOf(request);
                if (id == 0) return responder->Reply(api::JsonError(400, "bad job id", "id"));
                Query(id, *responder);
              }});
  router.Add({"DELETE", "/v1/agent/parts/{id}", "leader",
              [this](api::HttpRequest request, std::shared_ptr<api::Responder> responder) {
                const int64_t id = JobIdOf(request);
                if (id == 0) return responder->Reply(api::JsonError(400, "bad job id", "id"));
                executor_->Forget(id);
                parts_.erase(id);
                responder->Reply(api::JsonResponse(200, "{}"));
              }});
  router.Add({"GET", "/v1/agent/finished", "leader",
              [this](api::HttpRequest request, std::shared_ptr<api::Responder> responder) {
                Finished(request, std::move(responder));
              }});
}

void AgentService::Start(const api::HttpRequest& request, api::Responder& responder) {
  Result<exec::ShimSpec> spec = exec::ShimSpecFromJson(request.body);
  if (!spec.ok()) return responder.Reply(api::JsonError(400, spec.status().ToString()));
  auto known = parts_.find(spec->job_id);
  if (known != parts_.end() && known->second.status.state == PartState::kFinished) {
    return responder.Reply(api::JsonError(
        409, "job " + std::to_string(spec->job_id) + " already ran here and is not forgotten"));
  }
  // The parts of a job on several nodes meet at the leader this agent serves (never at an
  // address the request names).
  if (spec->layout.multi_part()) spec->exchange = exchange_;
  Status started = executor_->Start(*spec);
  if (!started.ok()) {
    return responder.Reply(api::JsonError(HttpStatusOf(started), started.ToString()));
  }
  parts_[spec->job_id] = Part{{spec->job_id, PartState::kRunning, {}, ""}, 0};
  responder.Reply(api::JsonResponse(200, "{}"));
}

// A part this agent does not know (it restarted) is looked for in the run folder: its shim
// may still run, or its result be there. One that is in neither is unknown, and forgotten at
// once so that no lock is left behind for it.
const AgentService::Part* AgentService::Known(int64_t job_id) {
  auto it = parts_.find(job_id);
  if (it != parts_.end()) return &it->second;
  exec::Executor::Reattached found = executor_->Reattach(job_id);
  switch (found.state) {
    case exec::Executor::ReattachState::kRunning:
      return &parts_.emplace(job_id, Part{{job_id, PartState::kRunning, {}, ""}, 0}).first->second;
    case exec::Executor::ReattachState::kFinished:
      return &parts_
                  .emplace(job_id,
                           Part{{job_id, PartState::kFinished, found.result, ""}, ++sequence_})
                  .first->second;
    case exec::Executor::ReattachState::kLost:
      executor_->Forget(job_id);
      return nullptr;
  }
  return nullptr;
}

void AgentService::Query(int64_t job_id, api::Responder& responder) {
  const Part* part = Known(job_id);
  const PartStatus status =
      part != nullptr ? part->status : PartStatus{job_id, PartState::kUnknown, {}, ""};
  responder.Reply(api::JsonResponse(200, ToJson(status)));
}

FinishedBatch AgentService::FinishedAfter(int64_t after) const {
  FinishedBatch batch;
  batch.next = sequence_;
  for (const auto& [id, part] : parts_) {
    if (part.status.state == PartState::kFinished && part.sequence > after) {
      batch.parts.push_back(part.status);
    }
  }
  return batch;
}

void AgentService::Finished(const api::HttpRequest& request,
                            std::shared_ptr<api::Responder> responder) {
  const int64_t after = QueryInt(request, "after", 0, INT64_MAX);
  const int64_t wait = QueryInt(request, "wait", 0, kMaxWaitSeconds);
  // A leader that asks after a number this agent never gave (it restarted) gets everything.
  const int64_t since = after > sequence_ ? 0 : after;
  FinishedBatch batch = FinishedAfter(since);
  if (!batch.parts.empty() || wait == 0) {
    return responder->Reply(api::JsonResponse(200, ToJson(batch)));
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(io_);
  timer->expires_after(std::chrono::seconds(wait));
  timer->async_wait([this, timer](const boost::system::error_code& error) {
    if (error) return;
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
      if (it->timer == timer) {
        it->responder->Reply(api::JsonResponse(200, ToJson(FinishedAfter(it->after))));
        waiters_.erase(it);
        return;
      }
    }
  });
  waiters_.push_back({since, std::move(responder), timer});
}

void AgentService::WakeWaiters() {
  std::vector<Waiter> waiting;
  waiting.swap(waiters_);
  for (Waiter& waiter : waiting) {
    waiter.timer->cancel();
    waiter.responder->Reply(api::JsonResponse(200, ToJson(FinishedAfter(waiter.after))));
  }
}

}  // namespace converge::agent
