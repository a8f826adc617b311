// Service spec reader: the task fields of the one service process, plus how it is reached
// (port), when it is READY (healthCheck) and whether it is restarted (restartPolicy).
#include <string>
#include <utility>

#include "workload/field_reader.h"
#include "workload/spec_parse.h"
#include "workload/task_parse.h"

namespace converge::workload {

namespace {

inline constexpr int64_t kMinPort = 1024;
inline constexpr int64_t kMaxPort = 65535;

// "auto" (-> 0) or an integer in [kMinPort, kMaxPort]; default auto.
Result<int64_t> ParsePort(const FieldReader& spec) {
  if (!spec.Has("port")) return int64_t{0};
  const nlohmann::json& value = spec.Raw("port");
  if (value.is_string() && value.get_ref<const std::string&>() == "auto") return int64_t{0};
  const Status wrong = Status::Invalid(spec.PathOf("port"), "must be auto or an integer from " +
                                                                std::to_string(kMinPort) + " to " +
                                                                std::to_string(kMaxPort));
  if (!value.is_number_integer()) return wrong;
  Result<int64_t> port = spec.Int("port", 0);
  if (!port.ok() || *port < kMinPort || *port > kMaxPort) return wrong;
  return port;
}

// healthCheck: {httpGet: {path: /...}}. "" when absent (READY once running).
Result<std::string> ParseHealthCheck(const FieldReader& spec) {
  if (!spec.Has("healthCheck")) return std::string();
  Result<FieldReader> check = spec.Object("healthCheck", {"httpGet"});
  if (!check.ok()) return check.status();
  CONVERGE_RETURN_IF_ERROR(check->Require("httpGet"));
  Result<FieldReader> http = check->Object("httpGet", {"path"});
  if (!http.ok()) return http.status();
  CONVERGE_RETURN_IF_ERROR(http->Require("path"));
  Result<std::string> path = http->String("path");
  if (!path.ok()) return path.status();
  if (path->empty() || path->front() != '/') {
    return Status::Invalid(http->PathOf("path"), "must start with '/'");
  }
  return path;
}

}  // namespace

Result<ServiceSpec> ParseServiceSpec(const nlohmann::json& value) {
  Result<FieldReader> spec = FieldReader::Open(
      value, "spec",
      {"command", "resources", "env", "workingDir", "port", "healthCheck", "restartPolicy"});
  if (!spec.ok()) return spec.status();
  ServiceSpec out;
  Result<TaskTemplate> task = ParseTaskFields(*spec);
  if (!task.ok()) return task.status();
  out.task = std::move(*task);
  Result<int64_t> port = ParsePort(*spec);
  if (!port.ok()) return port.status();
  out.port = *port;
  Result<std::string> health = ParseHealthCheck(*spec);
  if (!health.ok()) return health.status();
  out.health_http = std::move(*health);
  Result<ServiceSpec::Restart> restart =
      spec->Enum("restartPolicy", ServiceSpec::Restart::kAlways,
                 {{"Always", ServiceSpec::Restart::kAlways},
                  {"OnFailure", ServiceSpec::Restart::kOnFailure},
                  {"Never", ServiceSpec::Restart::kNever}});
  if (!restart.ok()) return restart.status();
  out.restart = *restart;
  return out;
}

}  // namespace converge::workload
