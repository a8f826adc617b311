// WorkloadManager::WriteMetrics: the Service, JobSet and MiniCluster families of GET /metrics
// (docs/metrics.md), counted from the objects at each scrape.
#include <map>
#include <string>

#include "instance/workload_manager.h"

namespace converge::instance {

void WorkloadManager::WriteMetrics(metrics::TextFormat& out) const {
  using metrics::Type;
  std::map<std::string, int64_t> services;
  for (const char* state :
       {"Pending", "Starting", "Ready", "NotReady", "Backoff", "Failed", "Completed"}) {
    services[state] = 0;
  }
  std::map<std::string, int64_t> jobsets{{"Active", 0}, {"Completed", 0}, {"Failed", 0}};
  std::map<std::string, int64_t> miniclusters{
      {"Pending", 0}, {"Running", 0}, {"Succeeded", 0}, {"Failed", 0}};
  for (const auto& [key, object] : objects_) {
    switch (key.first) {
      case workload::Kind::kService:
        ++services[object->service.state];
        break;
      case workload::Kind::kJobSet: {
        const auto phase = object->jobset->phase();
        ++jobsets[phase == workload::JobSetController::Phase::kActive      ? "Active"
                  : phase == workload::JobSetController::Phase::kCompleted ? "Completed"
                                                                           : "Failed"];
        break;
      }
      case workload::Kind::kMiniCluster:
        ++miniclusters[object->minicluster.phase];
        break;
      case workload::Kind::kMetricSet:
        break;
    }
  }
  out.Family("converge_services", Type::kGauge, "Services by state.");
  for (const auto& [state, count] : services) {
    out.Sample({{"state", state}}, static_cast<double>(count));
  }
  out.Family("converge_service_ready", Type::kGauge, "1 while the service is Ready.");
  for (const auto& [key, object] : objects_) {
    if (key.first != workload::Kind::kService) continue;
    out.Sample({{"service", key.second}}, object->service.state == "Ready" ? 1 : 0);
  }
  out.Family("converge_service_restarts_total", Type::kCounter,
             "Times each service was restarted after its process ended.");
  for (const auto& [key, object] : objects_) {
    if (key.first != workload::Kind::kService) continue;
    out.Sample({{"service", key.second}}, static_cast<double>(object->service.restarts));
  }
  out.Family("converge_jobsets", Type::kGauge, "JobSets by phase.");
  for (const auto& [phase, count] : jobsets) {
    out.Sample({{"phase", phase}}, static_cast<double>(count));
  }
  out.Family("converge_miniclusters", Type::kGauge, "MiniClusters by phase.");
  for (const auto& [phase, count] : miniclusters) {
    out.Sample({{"phase", phase}}, static_cast<double>(count));
  }
}

}  // namespace converge::instance
