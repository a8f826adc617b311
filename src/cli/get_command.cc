// `converge get KIND [NAME] [-o yaml|json]` and `converge describe KIND NAME`: workload objects
// as tables, Kubernetes-style documents, or a readable description with events and pending
// reasons. API calls: GET /v1/objects/KIND[/NAME[/describe]].
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <memory>
#include <regex>

#include "cli/client.h"
#include "cli/columns.h"
#include "cli/commands.h"

namespace converge::cli {
namespace {

// Whether a plain YAML scalar `text` would read back as a boolean, null or number (so that it
// must be quoted to stay a string when the output is applied again).
bool ReadsAsNonString(const std::string& text) {
  static const std::regex kNonString(
      "(|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|"
      "Off|OFF|[-+]?(\\.?[0-9].*|\\.inf|\\.Inf|\\.nan|\\.NaN))");
  return std::regex_match(text, kNonString);
}

void EmitYaml(YAML::Emitter& out, const nlohmann::json& value) {
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, item] : value.items()) {
      out << YAML::Key << key << YAML::Value;
      EmitYaml(out, item);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& item : value) EmitYaml(out, item);
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (ReadsAsNonString(text)) {
      out << YAML::DoubleQuoted << text;
    } else {
      out << text;
    }
  } else if (value.is_null()) {
    out << YAML::Null;
  } else {
    out << value.dump();
  }
}

std::string ToYaml(const nlohmann::json& value) {
  YAML::Emitter out;
  EmitYaml(out, value);
  return std::string(out.c_str()) + "\n";
}

// One table row per object: the columns that matter for its kind.
std::string Table(const nlohmann::json& items) {
  std::vector<std::vector<std::string>> rows;
  if (items.empty()) return "No resources found.\n";
  const std::string kind = items[0].value("kind", "");
  if (kind == "JobSet") {
    rows.push_back({"NAME", "PHASE", "RESTARTS", "ACTIVE", "READY", "SUCCEEDED", "FAILED"});
  } else if (kind == "Service") {
    rows.push_back({"NAME", "STATE", "URL", "RESTARTS", "JOB"});
  } else if (kind == "MetricSet") {
    rows.push_back({"NAME", "PHASE", "COMPLETED", "JOB", "OUTCOMES"});
  } else {
    rows.push_back({"NAME", "PHASE", "JOB", "URI"});
  }
  for (const nlohmann::json& item : items) {
    const std::string name = item["metadata"].value("name", "");
    const nlohmann::json& status = item["status"];
    if (kind == "JobSet") {
      int64_t active = 0, ready = 0, succeeded = 0, failed = 0;
      for (const auto& per : status["replicatedJobsStatus"]) {
        active += per.value("active", int64_t{0});
        ready += per.value("ready", int64_t{0});
        succeeded += per.value("succeeded", int64_t{0});
        failed += per.value("failed", int64_t{0});
      }
      rows.push_back({name, status.value("phase", ""), std::to_string(status.value("restarts", 0)),
                      std::to_string(active), std::to_string(ready), std::to_string(succeeded),
                      std::to_string(failed)});
    } else if (kind == "Service") {
      rows.push_back({name, status.value("phase", ""), status.value("url", ""),
                      std::to_string(status.value("restarts", 0)),
                      std::to_string(status.value("job", 0))});
    } else if (kind == "MetricSet") {
      std::string outcomes;
      for (const auto& result : status.value("results", nlohmann::json::array())) {
        outcomes += (outcomes.empty() ? "" : ",") + result.value("metric", "") + "=" +
                    result.value("outcome", "");
      }
      rows.push_back({name, status.value("phase", ""),
                      std::to_string(status.value("completed", 0)) + "/" +
                          std::to_string(status.value("metrics", 0)),
                      std::to_string(status.value("job", 0)), outcomes});
    } else {
      rows.push_back({name, status.value("phase", ""), std::to_string(status.value("job", 0)),
                      status.value("uri", "")});
    }
  }
  return FormatColumns(rows);
}

int Get(const std::string& kind, const std::string& name, const std::string& format) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("get", session.status());
  std::string target = "/v1/objects/" + UrlEncode(kind);
  if (!name.empty()) target += "/" + UrlEncode(name);
  Result<nlohmann::json> answer = session->Call("GET", target);
  if (!answer.ok()) return Fail("get", answer.status());
  if (format == "json") {
    std::printf("%s\n", answer->dump(2).c_str());
  } else if (format == "yaml") {
    if (name.empty()) {
      for (const auto& item : (*answer)["items"]) std::printf("---\n%s", ToYaml(item).c_str());
    } else {
      std::fputs(ToYaml(*answer).c_str(), stdout);
    }
  } else {
    nlohmann::json items = name.empty() ? (*answer)["items"] : nlohmann::json::array({*answer});
    std::fputs(Table(items).c_str(), stdout);
  }
  return 0;
}

int Describe(const std::string& kind, const std::string& name) {
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("describe", session.status());
  Result<nlohmann::json> answer =
      session->Call("GET", "/v1/objects/" + UrlEncode(kind) + "/" + UrlEncode(name) + "/describe");
  if (!answer.ok()) return Fail("describe", answer.status());
  nlohmann::json& object = *answer;
  std::printf("Name:   %s\nKind:   %s\n", object["metadata"].value("name", "").c_str(),
              object.value("kind", "").c_str());
  std::printf("Spec:\n");
  std::string spec = ToYaml(object["spec"]);
  for (size_t start = 0; start < spec.size();) {
    size_t end = spec.find('\n', start);
    std::printf("  %s\n", spec.substr(start, end - start).c_str());
    start = end == std::string::npos ? spec.size() : end + 1;
  }
  std::printf("Status:\n");
  std::string status = ToYaml(object["status"]);
  for (size_t start = 0; start < status.size();) {
    size_t end = status.find('\n', start);
    std::printf("  %s\n", status.substr(start, end - start).c_str());
    start = end == std::string::npos ? status.size() : end + 1;
  }
  std::printf("Pending reasons:%s\n", object["pendingReasons"].empty() ? " <none>" : "");
  for (const auto& reason : object["pendingReasons"]) {
    std::printf("  %s\n", reason.get<std::string>().c_str());
  }
  std::printf("Events:%s\n", object["events"].empty() ? " <none>" : "");
  const double now = WallClockNow();
  for (const auto& event : object["events"]) {
    std::printf("  %6.0fs ago  %-10s %s\n", now - event.value("time", now),
                event.value("type", "").c_str(), event.value("message", "").c_str());
  }
  return 0;
}

}  // namespace

void AddGetCommands(CLI::App& app, int* exit_code) {
  struct GetFlags {
    std::string kind, name, format = "table";
  };
  auto flags = std::make_shared<GetFlags>();
  CLI::App* get =
      app.add_subcommand("get", "List or show JobSets, Services, MiniClusters or MetricSets");
  get->add_option("kind", flags->kind, "jobset, service, minicluster or metricset")->required();
  get->add_option("name", flags->name, "One object (default: all of the kind)");
  get->add_option("-o,--output", flags->format, "table, yaml or json")
      ->check(CLI::IsMember({"table", "yaml", "json"}));
  get->callback([=] { *exit_code = Get(flags->kind, flags->name, flags->format); });

  auto described = std::make_shared<GetFlags>();
  CLI::App* describe =
      app.add_subcommand("describe", "Show an object's spec, status, events and pending reasons");
  describe->add_option("kind", described->kind, "jobset, service, minicluster or metricset")
      ->required();
  describe->add_option("name", described->name, "The object")->required();
  describe->callback([=] { *exit_code = Describe(described->kind, described->name); });
}

}  // namespace converge::cli
