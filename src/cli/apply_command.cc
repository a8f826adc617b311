// `converge apply -f FILE` and `converge delete -f FILE | KIND NAME`: declarative workload
// objects (docs/formats/workload.md). Apply is all or none and idempotent: each object is
// reported as created, unchanged or configured. API calls: POST /v1/apply,
// DELETE /v1/objects/KIND/NAME.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_options.h"
#include "workload/document.h"

namespace converge::cli {
namespace {

// The file's text ("-" = stdin). Errors name the file.
Result<std::string> ReadInput(const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status(Code::kNotFound, "cannot read the file", path);
  text << file.rdbuf();
  return text.str();
}

int Apply(const std::string& path) {
  Result<std::string> text = ReadInput(path);
  if (!text.ok()) return Fail("apply", text.status());
  // Check locally first: errors then need no instance and name the file.
  Result<std::vector<workload::Document>> documents = workload::ParseDocuments(*text, path);
  if (!documents.ok()) return Fail("apply", documents.status());
  const JobContext here = CurrentJobContext();
  nlohmann::json body = {{"source", path == "-" ? "stdin" : path},
                         {"documents", *text},
                         {"cwd", here.cwd},
                         {"environment", here.environment}};
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("apply", session.status());
  Result<nlohmann::json> answer = session->Call("POST", "/v1/apply", body.dump());
  if (!answer.ok()) return Fail("apply", answer.status());
  for (const auto& result : answer->value("results", nlohmann::json::array())) {
    std::string kind = result.value("kind", "");
    for (char& c : kind) c = static_cast<char>(std::tolower(c));
    std::printf("%s/%s %s\n", kind.c_str(), result.value("name", "").c_str(),
                result.value("action", "").c_str());
  }
  return 0;
}

int DeleteOne(Session& session, const std::string& kind, const std::string& name) {
  Result<nlohmann::json> answer =
      session.Call("DELETE", "/v1/objects/" + UrlEncode(kind) + "/" + UrlEncode(name));
  if (!answer.ok()) return Fail("delete", answer.status());
  std::string lower = answer->value("kind", kind);
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  std::printf("%s/%s deleted\n", lower.c_str(), name.c_str());
  return 0;
}

int Delete(const std::string& path, const std::vector<std::string>& words) {
  std::vector<std::pair<std::string, std::string>> targets;
  if (!path.empty()) {
    if (!words.empty()) {
      std::fprintf(stderr, "converge delete: give -f FILE or KIND NAME, not both\n");
      return 2;
    }
    Result<std::string> text = ReadInput(path);
    if (!text.ok()) return Fail("delete", text.status());
    Result<std::vector<workload::Document>> documents = workload::ParseDocuments(*text, path);
    if (!documents.ok()) return Fail("delete", documents.status());
    for (const workload::Document& document : *documents) {
      targets.push_back({workload::KindName(document.kind), document.metadata.name});
    }
  } else if (words.size() == 2) {
    targets.push_back({words[0], words[1]});
  } else {
    std::fprintf(stderr, "converge delete: give -f FILE or KIND NAME\n");
    return 2;
  }
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("delete", session.status());
  int status = 0;
  for (const auto& [kind, name] : targets) status |= DeleteOne(*session, kind, name);
  return status;
}

}  // namespace

void AddApplyCommands(CLI::App& app, int* exit_code) {
  auto file = std::make_shared<std::string>();
  CLI::App* apply =
      app.add_subcommand("apply", "Create or update JobSets, Services and MiniClusters from YAML");
  apply->add_option("-f,--filename", *file, "YAML file with one or more documents (- = stdin)")
      ->required();
  apply->callback([=] { *exit_code = Apply(*file); });

  auto delete_file = std::make_shared<std::string>();
  auto words = std::make_shared<std::vector<std::string>>();
  CLI::App* remove = app.add_subcommand("delete", "Delete workload objects and cancel their jobs");
  remove->add_option("-f,--filename", *delete_file, "Delete the objects this file declares");
  remove->add_option("target", *words, "KIND NAME (e.g. jobset train)");
  remove->callback([=] { *exit_code = Delete(*delete_file, *words); });
}

}  // namespace converge::cli
