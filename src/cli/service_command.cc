// `converge service create|list|delete`: services, the imperative side of `kind: Service`.
// create builds the same document apply takes and sends it to POST /v1/apply; list reads
// GET /v1/services; delete is DELETE /v1/objects/service/NAME.
#include <cstdio>
#include <memory>

#include "cli/client.h"
#include "cli/columns.h"
#include "cli/commands.h"
#include "cli/job_options.h"

namespace converge::cli {
namespace {

struct CreateFlags {
  std::string name;
  std::string port = "auto";
  std::string health_http;
  std::string restart = "always";
  int64_t cores = 1;
  int64_t gpus = 0;
};

int Create(const CreateFlags& flags, const std::vector<std::string>& command) {
  if (command.empty()) {
    std::fprintf(stderr, "converge service create: name the command after -- \n");
    return 2;
  }
  nlohmann::json spec = {{"command", command},
                         {"resources", {{"cores", flags.cores}, {"gpus", flags.gpus}}},
                         {"restartPolicy", flags.restart == "always"       ? "Always"
                                           : flags.restart == "on-failure" ? "OnFailure"
                                                                           : "Never"}};
  if (flags.port == "auto") {
    spec["port"] = "auto";
  } else {
    try {
      spec["port"] = std::stoll(flags.port);
    } catch (const std::exception&) {
      std::fprintf(stderr, "converge service create: --port: must be a number or auto\n");
      return 2;
    }
  }
  if (!flags.health_http.empty())
    spec["healthCheck"] = {{"httpGet", {{"path", flags.health_http}}}};
  nlohmann::json document = {{"apiVersion", "converge/v1"},
                             {"kind", "Service"},
                             {"metadata", {{"name", flags.name}}},
                             {"spec", spec}};
  const JobContext here = CurrentJobContext();
  nlohmann::json body = {{"source", "service create"},
                         {"documents", document.dump()},
                         {"cwd", here.cwd},
                         {"environment", here.environment}};
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("service create", session.status());
  Result<nlohmann::json> answer = session->Call("POST", "/v1/apply", body.dump());
  if (!answer.ok()) return Fail("service create", answer.status());
  for (const auto& result : answer->value("results", nlohmann::json::array())) {
    std::printf("service/%s %s\n", result.value("name", "").c_str(),
                result.value("action", "").c_str());
  }
  return 0;
}

int List(bool json) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("service list", session.status());
  Result<nlohmann::json> answer = session->Call("GET", "/v1/services");
  if (!answer.ok()) return Fail("service list", answer.status());
  if (json) {
    std::printf("%s\n", (*answer)["services"].dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "STATE", "URL", "RESTARTS", "JOB"}};
  for (const auto& service : (*answer)["services"]) {
    rows.push_back({service.value("name", ""), service.value("state", ""), service.value("url", ""),
                    std::to_string(service.value("restarts", 0)),
                    std::to_string(service.value("job", 0))});
  }
  std::fputs(FormatColumns(rows).c_str(), stdout);
  return 0;
}

int Delete(const std::string& name) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("service delete", session.status());
  Result<nlohmann::json> answer = session->Call("DELETE", "/v1/objects/service/" + UrlEncode(name));
  if (!answer.ok()) return Fail("service delete", answer.status());
  std::printf("service/%s deleted\n", name.c_str());
  return 0;
}

}  // namespace

void AddServiceCommand(CLI::App& app, int* exit_code) {
  CLI::App* service = app.add_subcommand("service", "Long-running services beside batch jobs");
  service->require_subcommand(1);

  auto flags = std::make_shared<CreateFlags>();
  CLI::App* create =
      service->add_subcommand("create", "Start a service: create NAME [flags] -- CMD");
  create->add_option("name", flags->name, "Service name (DNS label)")->required();
  create->add_option("--port", flags->port, "Port number, or auto (assigned; CONVERGE_PORT)")
      ->capture_default_str();
  create->add_option("--health-http", flags->health_http,
                     "HTTP path that answers 2xx when the service is ready");
  create->add_option("--restart", flags->restart, "always, on-failure or never")
      ->capture_default_str()
      ->check(CLI::IsMember({"always", "on-failure", "never"}));
  create->add_option("-c,--cores", flags->cores, "Cores the service holds")->capture_default_str();
  create->add_option("-g,--gpus", flags->gpus, "GPUs the service holds")->capture_default_str();
  auto command = std::make_shared<std::vector<std::string>>();
  create->add_option("command", *command, "The service's program and arguments, after --");
  create->callback([=] { *exit_code = Create(*flags, *command); });

  auto json = std::make_shared<bool>(false);
  CLI::App* list = service->add_subcommand("list", "Services: name, state, URL");
  list->add_flag("--json", *json, "Print JSON");
  list->callback([=] { *exit_code = List(*json); });

  auto name = std::make_shared<std::string>();
  CLI::App* remove = service->add_subcommand("delete", "Stop a service (SIGTERM, then the grace)");
  remove->add_option("name", *name, "Service name")->required();
  remove->callback([=] { *exit_code = Delete(*name); });
}

}  // namespace converge::cli
