// WorkloadManager: Services — ports, readiness probes, restarts with exponential backoff, and
// the hooks through which services shape every job (discovery environment, needsServices).
#include <algorithm>
#include <cctype>
#include <cmath>

#include "instance/health_probe.h"
#include "instance/port_owner.h"
#include "instance/workload_manager.h"

namespace converge::instance {
namespace {

constexpr int kProbeFailuresBeforeNotReady = 3;
constexpr auto kProbeTimeout = std::chrono::milliseconds(1000);
constexpr double kStableRunSeconds = 60;  // a process that ran this long resets the backoff

std::string EnvironmentName(const std::string& service) {
  std::string name = "CONVERGE_SERVICE_";
  for (char c : service) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name + "_URL";
}

std::vector<std::string> NeededServices(const jobspec::Jobspec& spec) {
  std::vector<std::string> names;
  auto converge = spec.system.extra.find("converge");
  if (converge == spec.system.extra.end() || !converge->is_object()) return names;
  auto needs = converge->find("needs_services");
  if (needs == converge->end() || !needs->is_array()) return names;
  for (const auto& name : *needs) {
    if (name.is_string()) names.push_back(name.get<std::string>());
  }
  return names;
}

}  // namespace

Result<int64_t> WorkloadManager::AssignPort(const workload::ServiceSpec& spec,
                                            const std::string& name,
                                            const std::vector<workload::Document>& batch) const {
  auto taken = [&](int64_t port) {
    for (const auto& [key, object] : objects_) {
      if (key.first == workload::Kind::kService && key.second != name &&
          object->service.port == port) {
        return true;
      }
    }
    for (const workload::Document& other : batch) {
      if (other.kind == workload::Kind::kService && other.metadata.name != name &&
          std::get<workload::ServiceSpec>(other.spec).port == port) {
        return true;
      }
    }
    return false;
  };
  if (spec.port > 0) {
    if (taken(spec.port)) {
      return Status::Invalid("spec.port",
                             std::to_string(spec.port) + " is already assigned to another service");
    }
    return spec.port;
  }
  // Automatic ports of the same batch are assigned in StartService, one at a time; here any
  // free one proves that one exists.
  for (int64_t port = options_.port_min; port <= options_.port_max; ++port) {
    if (!taken(port) && PortFree(static_cast<int>(port))) return port;
  }
  return Status::Invalid("spec.port", "no free port left in " + std::to_string(options_.port_min) +
                                          "-" + std::to_string(options_.port_max));
}

void WorkloadManager::StartService(Object& object) {
  ServiceState& service = object.service;
  service.timer.reset();  // a pending restart or probe is superseded
  service.next_start = 0;
  const auto& spec = std::get<workload::ServiceSpec>(object.document.spec);
  const bool automatic = spec.port == 0;
  if (service.port == 0 || (spec.port > 0 && spec.port != service.port) ||
      (automatic && !PortFree(static_cast<int>(service.port)))) {
    const int64_t before = service.port;
    Result<int64_t> port = AssignPort(spec, object.document.metadata.name, {});
    if (!port.ok()) {
      service.message = port.status().ToString();
      Note(object, "Failed", service.message);
      return SetServiceState(object, "Failed");
    }
    service.port = *port;
    if (before != 0 && automatic && before != service.port) {
      Note(object, "PortChanged",
           "port " + std::to_string(before) + " is in use by another process; now " +
               std::to_string(service.port));
    }
  }
  // The probe would reach whoever holds the port: a port another process holds fails the start.
  if (!PortFree(static_cast<int>(service.port))) {
    const std::string why = "port " + std::to_string(service.port) +
                            " is in use by another process";
    if (spec.restart == workload::ServiceSpec::Restart::kNever) {
      service.message = why;
      Note(object, "Failed", why);
      return SetServiceState(object, "Failed");
    }
    return ScheduleRestart(object, why);
  }
  Result<nlohmann::json> jobspec =
      workload::ServiceJobspec(object.document, service.port, object.context);
  Result<std::vector<int64_t>> ids = jobspec.ok() ? jobs_.Submit(object.owner, {jobspec->dump()})
                                                  : Result<std::vector<int64_t>>(jobspec.status());
  if (!ids.ok()) {
    service.message = ids.status().ToString();
    Note(object, "Failed", service.message);
    return SetServiceState(object, "Failed");
  }
  service.job = ids->front();
  service.probe_failures = 0;
  service.listener = 0;
  service.message = "";
  owner_of_job_[service.job] = {object.document.kind, object.document.metadata.name};
  Note(object, "Started",
       "job " + std::to_string(service.job) + " on port " + std::to_string(service.port));
  SetServiceState(object, "Pending");
}

void WorkloadManager::OnServiceJob(Object& object, const store::Event& event) {
  ServiceState& service = object.service;
  if (event.job_id != service.job) return;
  const auto& spec = std::get<workload::ServiceSpec>(object.document.spec);
  const Key key{object.document.kind, object.document.metadata.name};
  if (event.name == "start") {
    if (spec.health_http.empty()) return SetServiceState(object, "Ready");
    SetServiceState(object, "Starting");
    return Probe(key);
  }
  nlohmann::json context = nlohmann::json::parse(event.context, nullptr, false);
  const std::string result = context.is_object() ? context.value("result", "") : "";
  const Job* job = jobs_.Find(event.job_id);
  const std::string detail =
      job ? job->record.result + " (exit " + std::to_string(job->record.exit_code) + ")" : result;
  ServiceEnded(object, event.job_id, result != "completed", detail);
}

void WorkloadManager::ServiceEnded(Object& object, int64_t job_id, bool failed,
                                   const std::string& detail) {
  ServiceState& service = object.service;
  const auto& spec = std::get<workload::ServiceSpec>(object.document.spec);
  if (service.replace) {  // stopped to apply a changed spec: start the new one at once
    service.replace = false;
    service.restarts_in_a_row = 0;
    return StartService(object);
  }
  const bool restart = spec.restart == workload::ServiceSpec::Restart::kAlways ||
                       (spec.restart == workload::ServiceSpec::Restart::kOnFailure && failed);
  const Job* job = jobs_.Find(job_id);
  if (job && job->record.start_time > 0 &&
      job->record.end_time - job->record.start_time >= kStableRunSeconds) {
    service.restarts_in_a_row = 0;  // it ran long enough: the backoff starts over
  }
  const std::string why = "job " + std::to_string(job_id) + " ended: " + detail;
  if (!restart) {
    service.message = why;
    Note(object, failed ? "Failed" : "Completed", why);
    return SetServiceState(object, failed ? "Failed" : "Completed");
  }
  ScheduleRestart(object, why);
}

void WorkloadManager::ScheduleRestart(Object& object, const std::string& why) {
  ServiceState& service = object.service;
  const double delay = std::min(
      options_.backoff_max,
      options_.backoff_initial * std::pow(2.0, static_cast<double>(service.restarts_in_a_row)));
  ++service.restarts_in_a_row;
  ++service.restarts;
  service.backoff_delay = delay;
  service.next_start = clock_.Now() + delay;
  service.message = why;
  Note(object, "BackOff",
       why + "; restarting in " + std::to_string(static_cast<int>(delay)) + " s");
  SetServiceState(object, "Backoff");
  ArmRestart({object.document.kind, object.document.metadata.name}, delay);
}

void WorkloadManager::ArmRestart(const Key& key, double seconds) {
  Object& object = *objects_.at(key);
  object.service.timer = clock_.After(
      std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, seconds) * 1000)),
      [this, key] {
        auto it = objects_.find(key);
        if (it == objects_.end() || it->second->service.state != "Backoff") return;
        StartService(*it->second);
        Save();
      });
}

void WorkloadManager::Probe(const Key& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return;
  Object& object = *it->second;
  const auto& spec = std::get<workload::ServiceSpec>(object.document.spec);
  const int64_t job = object.service.job;
  const int port = static_cast<int>(object.service.port);
  ProbeHttp(
      io_, port, spec.health_http, kProbeTimeout,
      [this, key, job, port, alive = alive_](bool healthy) {
        if (!*alive) return;
        auto found = objects_.find(key);
        if (found == objects_.end()) return;
        Object& object = *found->second;
        ServiceState& service = object.service;
        if (service.job != job) return;  // a later process took over
        const std::string& state = service.state;
        if (state != "Starting" && state != "Ready" && state != "NotReady") return;
        if (healthy) {
          // Only an answer from the service's own processes counts.
          const ListenerCheck own = SessionListensOn(jobs_.SessionOf(job), port, service.listener);
          service.listener = own.inode;
          if (!own.owned) {
            healthy = false;
            const std::string why = "port " + std::to_string(port) +
                                    " answers, but not from this service's processes";
            if (service.message != why) {
              service.message = why;
              Note(object, "ForeignListener", why);
              Save();
            }
          }
        }
        if (healthy) {
          service.probe_failures = 0;
          if (state != "Ready") {
            service.restarts_in_a_row = 0;
            service.message = "";
            SetServiceState(object, "Ready");
            Save();
          }
        } else if (state == "Ready" && ++service.probe_failures >= kProbeFailuresBeforeNotReady) {
          const std::string why =
              "readiness probe failed " + std::to_string(service.probe_failures) + " times";
          if (service.message.empty()) service.message = why;
          Note(object, "NotReady", why);
          SetServiceState(object, "NotReady");
          Save();
        }
        service.timer = clock_.After(
            std::chrono::milliseconds(static_cast<int64_t>(options_.probe_interval * 1000)),
            [this, key] { Probe(key); });
      });
}

void WorkloadManager::SetServiceState(Object& object, const std::string& state) {
  if (object.service.state == state) return;
  object.service.state = state;
  if (state == "Ready") {
    Note(object, "Ready", "serving at " + workload::ServiceUrl(object.service.port));
    jobs_.Reevaluate();  // jobs that need this service may start now
  }
}

std::string WorkloadManager::HoldForServices(const Job& job) const {
  for (const std::string& name : NeededServices(job.active->spec)) {
    auto it = objects_.find({workload::Kind::kService, name});
    if (it == objects_.end()) return "waiting for service " + name + " (deleted)";
    if (it->second->service.state != "Ready") {
      return "waiting for service " + name + " to be READY (it is " + it->second->service.state +
             ")";
    }
  }
  return "";
}

Status WorkloadManager::AdmitServices(const jobspec::Jobspec& spec) const {
  for (const std::string& name : NeededServices(spec)) {
    if (!objects_.count({workload::Kind::kService, name})) {
      return Status::Invalid("attributes.system.converge.needs_services",
                             "no service named '" + name + "'");
    }
  }
  return Status::Ok();
}

std::map<std::string, std::string> WorkloadManager::ServiceEnvironment() const {
  std::map<std::string, std::string> environment;
  for (const auto& [key, object] : objects_) {
    if (key.first != workload::Kind::kService || object->service.port == 0) continue;
    environment[EnvironmentName(key.second)] = workload::ServiceUrl(object->service.port);
  }
  return environment;
}

nlohmann::json WorkloadManager::Services() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, object] : objects_) {
    if (key.first != workload::Kind::kService) continue;
    const ServiceState& service = object->service;
    list.push_back({{"name", key.second},
                    {"state", service.state},
                    {"port", service.port},
                    {"url", workload::ServiceUrl(service.port)},
                    {"restarts", service.restarts},
                    {"job", service.job}});
  }
  return {{"services", list}};
}

}  // namespace converge::instance
