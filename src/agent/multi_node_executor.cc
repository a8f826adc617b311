#include "agent/multi_node_executor.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "api/http_server.h"
#include "common/hostlist.h"
#include "common/random_hex.h"

namespace converge::agent {
namespace {

std::string PartTarget(int64_t job_id) { return "/v1/agent/parts/" + std::to_string(job_id); }

exec::ShimResult ErrorResult(const std::string& node, const std::string& why) {
  exec::ShimResult result;
  result.exit_code = 1;
  result.exec_error = "node " + node + ": " + why;
  return result;
}

std::string Describe(const Result<api::HttpResponse>& response) {
  if (!response.ok()) return response.status().ToString();
  return "the agent answered " + std::to_string(response->status) + ": " + response->body;
}

// The registration route: parses the body and hands it to `accept` (which says whether the
// agent is one of the instance's).
api::Route RegistrationRoute(std::function<Status(const Registration&)> accept) {
  return {"POST", "/v1/agents", "agents (token holders)",
          [accept](api::HttpRequest request, std::shared_ptr<api::Responder> responder) {
            if (!request.peer.token_holder) {
              return responder->Reply(
                  api::JsonError(403, "agents register over TCP with the instance's token"));
            }
            Result<Registration> registration = RegistrationFromJson(request.body);
            if (!registration.ok()) {
              return responder->Reply(api::JsonError(400, registration.status().message(),
                                                     registration.status().where()));
            }
            Status accepted = accept(*registration);
            if (!accepted.ok()) return responder->Reply(api::JsonError(403, accepted.message()));
            responder->Reply(api::JsonResponse(200, "{}"));
          }};
}

}  // namespace

MultiNodeExecutor::MultiNodeExecutor(boost::asio::io_context& io, std::string token,
                                     const std::vector<Registration>& agents, ExitCallback on_exit,
                                     NodeStateCallback on_node_state)
    : io_(io),
      token_(std::move(token)),
      on_exit_(std::move(on_exit)),
      on_node_state_(std::move(on_node_state)),
      hub_(io, [this](int64_t job_id) {
        auto it = jobs_.find(job_id);
        return it != jobs_.end() && !it->second.reported && it->second.parts.size() > 1;
      }) {
  for (const Registration& registration : agents) {
    Node& node = nodes_[registration.name];
    node.registration = registration;
    Connect(node);
  }
}

MultiNodeExecutor::~MultiNodeExecutor() = default;

size_t MultiNodeExecutor::running_count() const {
  size_t count = 0;
  for (const auto& [id, run] : jobs_) count += !run.reported;
  return count;
}

void MultiNodeExecutor::AddRoutes(api::Router& router) {
  router.Add(RegistrationRoute(
      [this](const Registration& registration) { return Register(registration); }));
  hub_.AddRoutes(router);
}

void MultiNodeExecutor::Connect(Node& node) {
  Result<api::Address> address = api::ParseAddress(node.registration.url);
  node.link.reset();
  node.up = false;
  if (!address.ok()) return;
  const std::string name = node.registration.name;
  const uint64_t generation = node.generation = next_generation_++;
  node.link = std::make_unique<AgentLink>(
      io_, *address, token_,
      AgentLink::Callbacks{
          [this, name, generation](const FinishedBatch& batch) {
            OnFinished(name, generation, batch);
          },
          [this, name, generation](const Status& why) { OnLost(name, generation, why); }});
  node.up = true;
}

Status MultiNodeExecutor::Register(const Registration& registration) {
  auto it = nodes_.find(registration.name);
  if (it == nodes_.end()) {
    return Status(Code::kPermissionDenied,
                  "no node named '" + registration.name + "' in this instance");
  }
  Node& node = it->second;
  const bool same = node.up && node.registration.url == registration.url &&
                    node.registration.boot_id == registration.boot_id;
  if (same) return Status::Ok();  // the heartbeat of a known agent
  const bool was_up = node.up;
  node.registration = registration;
  if (on_registered_) on_registered_(registration);
  Connect(node);
  if (!node.up) return Status::Invalid("url", "not an address: " + registration.url);
  for (int64_t job_id : node.orphans) {
    node.link->Send("POST", PartTarget(job_id) + "/terminate", "", nullptr);
    node.link->Send("DELETE", PartTarget(job_id), "", nullptr);
  }
  node.orphans.clear();
  if (!was_up) on_node_state_(registration.name, true, "");
  return Status::Ok();
}

Status MultiNodeExecutor::Start(const exec::ShimSpec& spec) {
  auto known = jobs_.find(spec.job_id);
  if (known != jobs_.end() && !known->second.reported) {
    return Status::Invalid("job_id", "job " + std::to_string(spec.job_id) + " is running");
  }
  std::map<std::string, exec::ShimSpec> by_node;
  for (const exec::TaskSpec& task : spec.tasks) {
    auto node = nodes_.find(task.node);
    if (node == nodes_.end()) {
      return Status(Code::kInternal, "task " + std::to_string(task.rank) + " is on node '" +
                                         task.node + "', which has no agent");
    }
    if (!node->second.up) {
      return Status(Code::kInternal, "node " + task.node + " is down (its agent is gone)");
    }
    exec::ShimSpec& part = by_node[task.node];
    if (part.tasks.empty()) {
      part = spec;
      part.tasks.clear();
    }
    part.tasks.push_back(task);
  }
  if (by_node.empty()) return Status(Code::kInternal, "the job has no tasks");
  if (by_node.size() > 1) {
    // The parts share the job's files (a shared file system, or one machine): whichever writes
    // first creates them, and the others append.
    for (auto& [name, part] : by_node) part.fresh_outputs = false;
  }
  if (by_node.size() > 1 && !spec.pmi.empty()) {
    if (Status laid_out = LayOut(spec, by_node); !laid_out.ok()) {
      // PMI numbers ranks densely: without that the ranks run as singletons.
      std::fprintf(stderr, "converge: job %lld gets no PMI: %s\n",
                   static_cast<long long>(spec.job_id), laid_out.ToString().c_str());
      for (auto& [name, part] : by_node) part.pmi.clear();
    }
  }
  Run run;
  for (const auto& [name, part] : by_node) run.parts.push_back({name, false, {}});
  jobs_[spec.job_id] = std::move(run);
  const int64_t job_id = spec.job_id;
  for (const auto& [name, part] : by_node) {
    nodes_[name].link->Send("POST", "/v1/agent/parts", exec::ToJson(part),
                            [this, job_id, name = name](Result<api::HttpResponse> response) {
                              if (response.ok() && response->status == 200) return;
                              EndPart(job_id, name,
                                      ErrorResult(name, "cannot start: " + Describe(response)));
                            });
  }
  return Status::Ok();
}

Status MultiNodeExecutor::LayOut(const exec::ShimSpec& spec,
                                 std::map<std::string, exec::ShimSpec>& by_node) {
  exec::JobLayout layout;
  std::map<std::string, int> index;
  for (const auto& [name, part] : by_node) {
    index[name] = static_cast<int>(layout.nodes.size());
    layout.nodes.push_back(name);
  }
  layout.rank_nodes.assign(spec.tasks.size(), -1);
  for (const exec::TaskSpec& task : spec.tasks) {
    const size_t rank = static_cast<size_t>(task.rank);
    if (task.rank < 0 || rank >= spec.tasks.size() || layout.rank_nodes[rank] >= 0) {
      return Status::Invalid("tasks", "ranks are not 0.." + std::to_string(spec.tasks.size() - 1) +
                                          " once each");
    }
    layout.rank_nodes[rank] = index[task.node];
  }
  Result<std::string> key = RandomHex(16);
  if (!key.ok()) return key.status();
  layout.key = *key;
  for (auto& [name, part] : by_node) {
    part.layout = layout;
    part.layout.part = index[name];
  }
  return Status::Ok();
}

void MultiNodeExecutor::TerminateParts(int64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  for (const Part& part : it->second.parts) {
    Node& node = nodes_[part.node];
    if (part.ended || !node.up) continue;
    node.link->Send("POST", PartTarget(job_id) + "/terminate", "", nullptr);
  }
}

void MultiNodeExecutor::Terminate(int64_t job_id) { TerminateParts(job_id); }

Status MultiNodeExecutor::Signal(int64_t job_id, int signo) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.reported) {
    return Status(Code::kNotFound, "job " + std::to_string(job_id) + " does not run here");
  }
  // Each running part's agent passes it on; a part that ended or whose node is down is
  // skipped (the job ends failed then anyway).
  for (const Part& part : it->second.parts) {
    Node& node = nodes_[part.node];
    if (part.ended || !node.up) continue;
    node.link->Send("POST", PartTarget(job_id) + "/signal?signo=" + std::to_string(signo), "",
                    nullptr);
  }
  return Status::Ok();
}

void MultiNodeExecutor::Forget(int64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  for (const Part& part : it->second.parts) {
    Node& node = nodes_[part.node];
    if (node.up) {
      node.link->Send("DELETE", PartTarget(job_id), "", nullptr);
    } else {
      node.orphans.insert(job_id);
    }
  }
  jobs_.erase(it);
  hub_.Forget(job_id);
}

void MultiNodeExecutor::OnFinished(const std::string& name, uint64_t generation,
                                   const FinishedBatch& batch) {
  if (nodes_[name].generation != generation) return;
  for (const PartStatus& part : batch.parts) {
    EndPart(part.job_id, name, part.error.empty() ? part.result : ErrorResult(name, part.error));
  }
}

void MultiNodeExecutor::OnLost(const std::string& name, uint64_t generation, const Status& why) {
  Node& node = nodes_[name];
  if (node.generation != generation || !node.up) return;
  node.up = false;
  const std::string reason =
      why.code() == Code::kNotFound
          ? "agent lost (nothing answers at " + node.registration.url + " any more)"
          : "agent lost: " + why.message();
  on_node_state_(name, false, reason);
  std::vector<int64_t> affected;
  for (const auto& [job_id, run] : jobs_) {
    for (const Part& part : run.parts) {
      if (part.node == name && !part.ended) affected.push_back(job_id);
    }
  }
  for (int64_t job_id : affected) {
    node.orphans.insert(job_id);
    EndPart(job_id, name, ErrorResult(name, reason));
  }
}

void MultiNodeExecutor::EndPart(int64_t job_id, const std::string& node,
                                const exec::ShimResult& result) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.reported) return;
  Run& run = it->second;
  if (run.parts.size() > 1) hub_.End(job_id);  // the others' PMI barriers can never complete
  bool all_ended = true;
  for (Part& part : run.parts) {
    if (part.node == node && !part.ended) {
      part.ended = true;
      part.result = result;
    }
    all_ended = all_ended && part.ended;
  }
  // A task killed by a signal, a PMI abort or a part that could not start: an MPI job's other
  // ranks would wait for the lost ones for ever, so the other parts are ended (as hydra and
  // srun --kill-on-bad-exit do). Plain exit codes end nothing.
  if (!all_ended && !run.failing && run.parts.size() > 1 &&
      (result.signal != 0 || !result.aborted.empty() || !result.exec_error.empty())) {
    run.failing = true;
    TerminateParts(job_id);
  }
  if (!all_ended) return;
  run.reported = true;
  on_exit_(job_id, Combine(run.parts, run.failing));
}

exec::ShimResult MultiNodeExecutor::Combine(const std::vector<Part>& parts, bool failing) {
  exec::ShimResult combined;
  bool first = true;
  int64_t aborted_end = -1;
  std::vector<std::string> containers;
  for (const Part& part : parts) {
    const exec::ShimResult& result = part.result;
    combined.exit_code = std::max(combined.exit_code, result.exit_code);
    if (combined.signal == 0) combined.signal = result.signal;
    combined.timed_out = combined.timed_out || result.timed_out;
    // Parts this executor ended after another part failed were not canceled by anyone.
    combined.terminated = combined.terminated || (result.terminated && !failing);
    if (combined.exec_error.empty()) combined.exec_error = result.exec_error;
    if (result.start_ms > 0 &&
        (first || result.start_ms < combined.start_ms || combined.start_ms == 0)) {
      combined.start_ms = result.start_ms;
    }
    combined.end_ms = std::max(combined.end_ms, result.end_ms);
    combined.stray_processes += result.stray_processes;
    if (combined.output_error.empty() && !result.output_error.empty()) {
      combined.output_error = "node " + part.node + ": " + result.output_error;
    }
    // The part whose PMI ended the job first is the cause; later ones followed from it.
    if (!result.aborted.empty() && (aborted_end < 0 || result.end_ms < aborted_end)) {
      combined.aborted = "node " + part.node + ": " + result.aborted;
      aborted_end = result.end_ms;
    }
    if (!result.container.empty()) containers.push_back(part.node + ": " + result.container);
    first = false;
  }
  for (size_t i = 0; i < containers.size(); ++i) {
    combined.container += (i ? "; " : "") + containers[i];
  }
  return combined;
}

exec::Executor::Reattached MultiNodeExecutor::Reattach(int64_t job_id) {
  Run run;
  bool running = false;
  for (auto& [name, node] : nodes_) {
    if (!node.up) continue;
    Result<api::HttpResponse> response = node.link->CallNow("GET", PartTarget(job_id));
    if (!response.ok() || response->status != 200) continue;
    Result<PartStatus> status = PartStatusFromJson(response->body);
    if (!status.ok() || status->state == PartState::kUnknown) continue;
    Part part{name, status->state == PartState::kFinished, status->result};
    if (!status->error.empty()) part.result = ErrorResult(name, status->error);
    running = running || !part.ended;
    run.parts.push_back(std::move(part));
  }
  Reattached fate;
  if (run.parts.empty()) return fate;  // kLost
  if (running) {
    fate.state = ReattachState::kRunning;
    jobs_[job_id] = std::move(run);
    return fate;
  }
  fate.state = ReattachState::kFinished;
  fate.result = Combine(run.parts, false);
  run.reported = true;
  jobs_[job_id] = std::move(run);  // kept until Forget() tells the agents
  return fate;
}

Result<std::vector<Registration>> WaitForAgents(const std::vector<std::string>& hosts,
                                                const std::string& listen, const std::string& token,
                                                double timeout_seconds) {
  Result<api::Address> address = api::ParseAddress(listen);
  if (!address.ok()) return address.status().WithPrefix("--listen");
  std::map<std::string, Registration> registered;
  std::set<std::string> wanted(hosts.begin(), hosts.end());
  boost::asio::io_context io(1);
  api::Router router;
  router.Add(RegistrationRoute([&](const Registration& registration) {
    if (!wanted.count(registration.name)) {
      return Status(Code::kPermissionDenied,
                    "no node named '" + registration.name + "' in the hosts file");
    }
    registered[registration.name] = registration;
    if (registered.size() == wanted.size()) io.stop();
    return Status::Ok();
  }));
  api::HttpServerOptions options;
  options.token = token;
  options.max_body_bytes = kMaxRegistrationBytes;
  {
    api::HttpServer server(io, options, router.AsHandler());
    Result<api::Address> bound = server.Listen(*address);
    if (!bound.ok()) return bound.status().WithPrefix("--listen");
    io.run_for(std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000)));
    server.Stop();
    io.restart();
    io.poll();  // let the last replies go out
  }
  std::vector<std::string> missing;
  std::vector<Registration> in_order;
  for (const std::string& host : hosts) {
    auto it = registered.find(host);
    if (it == registered.end()) {
      missing.push_back(host);
    } else {
      in_order.push_back(it->second);
    }
  }
  if (!missing.empty()) {
    return Status(Code::kUnavailable,
                  "no agent registered within " +
                      std::to_string(static_cast<int>(timeout_seconds)) + " s for " +
                      CompressHostlist(missing) + " (" + std::to_string(missing.size()) + " of " +
                      std::to_string(hosts.size()) + " hosts; is `converge agent --leader " +
                      address->ToString() + "` running there with the same token?)");
  }
  return in_order;
}

Result<std::vector<std::string>> ReadHostsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(Code::kNotFound, "cannot read the hosts file", path);
  std::vector<std::string> hosts;
  std::set<std::string> seen;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string where = path + ":" + std::to_string(number);
    line = line.substr(0, line.find('#'));
    const size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos) continue;
    line = line.substr(begin, line.find_last_not_of(" \t\r") - begin + 1);
    Result<std::vector<std::string>> names = ExpandHostlist(line);
    if (!names.ok()) return Status::Invalid(where, names.status().message());
    for (const std::string& name : *names) {
      if (!seen.insert(name).second)
        return Status::Invalid(where, "'" + name + "' is listed twice");
      hosts.push_back(name);
    }
    if (hosts.size() > 100000) return Status::Invalid(where, "more than 100000 hosts");
  }
  if (hosts.empty()) return Status::Invalid(path, "names no hosts");
  return hosts;
}

}  // namespace converge::agent
