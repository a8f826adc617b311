#include "agent/exchange_hub.h"

#include <charconv>
#include <chrono>
#include <utility>

#include "exec/exchange_client.h"

namespace converge::agent {

namespace {

// A decimal in [low, high] from `text`, or nullopt.
std::optional<int64_t> Number(const std::string& text, int64_t low, int64_t high) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < low ||
      value > high) {
    return std::nullopt;
  }
  return value;
}

std::string Param(const api::HttpRequest& request, const std::string& name) {
  auto it = request.params.find(name);
  return it == request.params.end() ? "" : it->second;
}

api::HttpResponse Parts(std::string body) {
  api::HttpResponse response;
  response.status = 200;
  response.content_type = "application/octet-stream";
  response.body = std::move(body);
  return response;
}

}  // namespace

ExchangeHub::ExchangeHub(boost::asio::io_context& io, std::function<bool(int64_t)> running)
    : io_(io), running_(std::move(running)) {}

ExchangeHub::~ExchangeHub() {
  for (auto& [id, job] : jobs_) {
    for (auto& [name, channel] : job.channels) {
      for (Waiter& waiter : channel.waiters) waiter.timer->cancel();
    }
  }
}

void ExchangeHub::AddRoutes(api::Router& router) {
  router.Add({"POST", "/v1/exchange/{id}/{channel}/{round}", "agents' shims (token holders)",
              [this](api::HttpRequest request, std::shared_ptr<api::Responder> responder) {
                Post(request, std::move(responder));
              }});
}

void ExchangeHub::Post(const api::HttpRequest& request,
                       std::shared_ptr<api::Responder> responder) {
  if (!request.peer.token_holder) {
    return responder->Reply(
        api::JsonError(403, "the shims of a job exchange over TCP with the instance's token"));
  }
  const std::optional<int64_t> id = Number(Param(request, "id"), 1, INT64_MAX);
  const std::optional<int64_t> round = Number(Param(request, "round"), 0, INT64_MAX);
  const std::optional<int64_t> parts = Number(request.Query("parts"), 2, 100000);
  const std::string name = Param(request, "channel");
  if (!id) return responder->Reply(api::JsonError(400, "must be a job id", "id"));
  if (!round) return responder->Reply(api::JsonError(400, "must be a round number", "round"));
  if (name != "pmi" && name != "pmix") {
    return responder->Reply(api::JsonError(400, "must be pmi or pmix", "channel"));
  }
  if (!parts) return responder->Reply(api::JsonError(400, "must be 2 to 100000", "parts"));
  const std::optional<int64_t> part = Number(request.Query("part"), 0, *parts - 1);
  if (!part) return responder->Reply(api::JsonError(400, "must be 0 to parts-1", "part"));

  auto known = jobs_.find(*id);
  if (known == jobs_.end()) {
    if (!running_(*id)) {
      return responder->Reply(api::JsonError(
          404, "job " + std::to_string(*id) + " does not run on several nodes here", "id"));
    }
    known = jobs_.emplace(*id, Job{}).first;
  }
  Job& job = known->second;
  Channel& channel = job.channels[name];
  if (channel.parts == 0) {
    channel.parts = static_cast<int>(*parts);
    channel.data.assign(channel.parts, std::nullopt);
  }
  if (channel.parts != *parts) {
    return responder->Reply(api::JsonError(
        409, "the job's other parts say it has " + std::to_string(channel.parts) + " parts",
        "parts"));
  }
  if (*round == channel.done_round) return responder->Reply(Parts(channel.done_body));
  if (job.ended) {
    return responder->Reply(api::JsonError(410, "job " + std::to_string(*id) +
                                                    " ended on one of its nodes"));
  }
  if (channel.round < 0) channel.round = *round;
  if (*round != channel.round) {
    return responder->Reply(api::JsonError(
        409, "round " + std::to_string(*round) + " is not the one being collected (" +
                 std::to_string(channel.round) + ")",
        "round"));
  }
  channel.data[static_cast<size_t>(*part)] = request.body;
  for (const std::optional<std::string>& data : channel.data) {
    if (!data) return Hold(*id, name, std::move(responder));
  }
  channel.waiters.push_back({std::move(responder), nullptr});
  Complete(channel);
}

void ExchangeHub::Hold(int64_t job_id, const std::string& name,
                       std::shared_ptr<api::Responder> responder) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_);
  timer->expires_after(std::chrono::seconds(kHoldSeconds));
  api::Responder* key = responder.get();
  timer->async_wait([this, job_id, name, key](const boost::system::error_code& error) {
    if (error) return;  // released (or the hub is going)
    auto job = jobs_.find(job_id);
    if (job == jobs_.end()) return;
    std::vector<Waiter>& waiters = job->second.channels[name].waiters;
    for (auto it = waiters.begin(); it != waiters.end(); ++it) {
      if (it->responder.get() != key) continue;
      std::shared_ptr<api::Responder> waiting = std::move(it->responder);
      waiters.erase(it);
      return waiting->Reply(api::JsonResponse(202, R"({"pending":true})"));
    }
  });
  jobs_[job_id].channels[name].waiters.push_back({std::move(responder), std::move(timer)});
}

void ExchangeHub::Complete(Channel& channel) {
  std::vector<std::string> parts;
  parts.reserve(channel.data.size());
  for (std::optional<std::string>& data : channel.data) parts.push_back(std::move(*data));
  channel.done_round = channel.round;
  channel.done_body = exec::FrameParts(parts);
  channel.round = channel.done_round + 1;
  channel.data.assign(channel.parts, std::nullopt);
  ReleaseWaiters(channel, Parts(channel.done_body));
}

void ExchangeHub::ReleaseWaiters(Channel& channel, const api::HttpResponse& response) {
  std::vector<Waiter> waiters = std::move(channel.waiters);
  channel.waiters.clear();
  for (Waiter& waiter : waiters) {
    if (waiter.timer) waiter.timer->cancel();
    waiter.responder->Reply(response);
  }
}

void ExchangeHub::End(int64_t job_id) {
  Job& job = jobs_[job_id];
  job.ended = true;
  const api::HttpResponse gone =
      api::JsonError(410, "job " + std::to_string(job_id) + " ended on one of its nodes");
  for (auto& [name, channel] : job.channels) ReleaseWaiters(channel, gone);
}

void ExchangeHub::Forget(int64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  for (auto& [name, channel] : it->second.channels) {
    ReleaseWaiters(channel, api::JsonError(410, "job " + std::to_string(job_id) + " ended"));
  }
  jobs_.erase(it);
}

}  // namespace converge::agent
