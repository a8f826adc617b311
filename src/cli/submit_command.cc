// `converge submit`, `converge run` and `converge batch`: jobs from flags, a command line or a
// batch script with #FLUX:/#SBATCH directives.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_options.h"
#include "common/hostlist.h"
#include "jobspec/directives.h"

namespace converge::cli {
namespace {

constexpr size_t kBatchBytes = 768 * 1024;  // under the API's 1 MiB body limit
constexpr size_t kBatchJobs = 512;

std::string Substitute(std::string text, const std::string& value) {
  for (size_t at = text.find("{cc}"); at != std::string::npos; at = text.find("{cc}", at)) {
    text.replace(at, 4, value);
    at += value.size();
  }
  return text;
}

// Submits `specs` in as few requests as the body limit allows; prints ids unless quiet.
int SubmitAll(Session& session, const std::vector<nlohmann::json>& specs, bool quiet) {
  size_t next = 0;
  while (next < specs.size()) {
    std::string body = "[";
    size_t count = 0;
    while (next < specs.size() && count < kBatchJobs) {
      std::string text = specs[next].dump();
      if (count > 0 && body.size() + text.size() + 2 > kBatchBytes) break;
      if (count > 0) body += ',';
      body += text;
      ++count;
      ++next;
    }
    body += ']';
    Result<nlohmann::json> answer = session.Call("POST", "/v1/jobs", body);
    if (!answer.ok()) return Fail("submit", answer.status());
    if (!quiet) {
      std::string out;
      for (const auto& id : (*answer)["ids"]) out += std::to_string(id.get<int64_t>()) + "\n";
      std::fputs(out.c_str(), stdout);
    }
  }
  std::fflush(stdout);
  return 0;
}

int Submit(const JobOptions& options, const std::vector<std::string>& command,
           const std::string& cc, bool quiet) {
  std::vector<nlohmann::json> specs;
  if (cc.empty()) {
    Result<nlohmann::json> spec = BuildJobspec(options, command);
    if (!spec.ok()) return Fail("submit", spec.status());
    specs.push_back(std::move(spec).value());
  } else {
    Result<std::vector<int64_t>> values = ExpandIds(cc);
    if (!values.ok() || values->empty()) {
      return Fail("submit", Status::Invalid("--cc", "'" + cc + "' is not an id set like 1-10"));
    }
    for (int64_t value : *values) {
      const std::string text = std::to_string(value);
      std::vector<std::string> copy;
      for (const std::string& arg : command) copy.push_back(Substitute(arg, text));
      JobOptions each = options;
      each.job_name = Substitute(options.job_name, text);
      each.output = Substitute(options.output, text);
      each.error = Substitute(options.error, text);
      Result<nlohmann::json> spec = BuildJobspec(each, copy);
      if (!spec.ok()) return Fail("submit", spec.status());
      specs.push_back(std::move(spec).value());
    }
  }
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("submit", session.status());
  if (specs.size() == 1) {
    Result<nlohmann::json> answer = session->Call("POST", "/v1/jobs", specs[0].dump());
    if (!answer.ok()) return Fail("submit", answer.status());
    if (!quiet) std::printf("%lld\n", static_cast<long long>((*answer)["id"].get<int64_t>()));
    return 0;
  }
  return SubmitAll(*session, specs, quiet);
}

// The exit status `converge run` reports for a finished job.
int ExitStatusOf(const nlohmann::json& job) {
  const std::string result = job.value("result", "");
  const int code = job.value("exit_code", 0);
  const int signal = job.value("signal", 0);
  const int64_t id = job.value("id", int64_t{0});
  if (result == "completed") return 0;
  if (result != "failed" || (code == 0 && signal == 0)) {
    std::string reason = job.value("reason", "");
    std::fprintf(stderr, "converge: job %lld %s%s%s\n", static_cast<long long>(id),
                 result.c_str(), reason.empty() ? "" : ": ", reason.c_str());
  }
  if (code != 0) return code;
  if (signal != 0) return 128 + signal;
  return 1;
}

int Run(const JobOptions& options, const std::vector<std::string>& command) {
  Result<nlohmann::json> spec = BuildJobspec(options, command);
  if (!spec.ok()) return Fail("run", spec.status());
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("run", session.status());
  Result<nlohmann::json> answer = session->Call("POST", "/v1/jobs", spec->dump());
  if (!answer.ok()) return Fail("run", answer.status());
  const std::string id = std::to_string((*answer)["id"].get<int64_t>());

  // Ctrl-C cancels the job (once); the output keeps streaming until it ends.
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  pthread_sigmask(SIG_BLOCK, &interrupt, nullptr);
  std::thread canceller([interrupt, id] {
    int signal = 0;
    if (sigwait(&interrupt, &signal) != 0 || signal != SIGINT) return;
    std::fprintf(stderr, "converge run: canceling job %s\n", id.c_str());
    Result<Session> other = Session::Open();
    if (other.ok()) other->Call("POST", "/v1/jobs/" + id + "/cancel");
  });
  canceller.detach();

  Result<int> streamed = session->client().Stream(
      "GET", "/v1/jobs/" + id + "/output?follow=true", [](std::string_view chunk) {
        std::fwrite(chunk.data(), 1, chunk.size(), stdout);
        std::fflush(stdout);
        return true;
      });
  if (!streamed.ok()) return Fail("run", streamed.status());
  Result<nlohmann::json> job = session->Call("GET", "/v1/jobs/" + id);
  if (!job.ok()) return Fail("run", job.status());
  if ((*job)["error_output"] != (*job)["output"]) {
    Result<api::HttpResponse> err =
        session->client().Call("GET", "/v1/jobs/" + id + "/output?stream=stderr");
    if (err.ok() && err->status == 200) std::fwrite(err->body.data(), 1, err->body.size(), stderr);
  }
  return ExitStatusOf(*job);
}

int Batch(const JobOptions& command_line, const std::map<std::string, CLI::Option*>& given,
          const std::vector<std::string>& arguments, bool parsable) {
  if (arguments.empty()) return Fail("batch", Status::Invalid("SCRIPT", "name a script"));
  std::string script = arguments.front();
  std::ifstream file(script);
  if (!file) return Fail("batch", Status::Invalid(script, "cannot read the script"));
  std::stringstream text;
  text << file.rdbuf();
  if (script.front() != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd)) script = std::string(cwd) + "/" + script;
  }
  Result<std::vector<jobspec::Directive>> directives = jobspec::ParseBatchDirectives(text.str());
  if (!directives.ok()) {
    return Fail("batch", directives.status().WithPrefix(arguments.front()));
  }
  JobOptions options;
  options.output = "converge-{{id}}.out";
  for (const jobspec::Directive& directive : *directives) {
    CLI::App parser;
    AddJobOptions(&parser, &options);
    std::vector<std::string> tokens(directive.tokens.rbegin(), directive.tokens.rend());
    try {
      parser.parse(tokens);
    } catch (const CLI::ParseError& error) {
      std::fprintf(stderr, "converge batch: %s: line %d: %s: %s\n", arguments.front().c_str(),
                   directive.line, directive.prefix.c_str(), error.what());
      return 2;
    }
  }
  OverrideGiven(command_line, given, &options);
  std::vector<std::string> command(arguments.begin(), arguments.end());
  command.front() = script;
  if (::access(script.c_str(), X_OK) != 0) command.insert(command.begin(), "/bin/sh");
  Result<nlohmann::json> spec = BuildJobspec(options, command);
  if (!spec.ok()) return Fail("batch", spec.status());
  // The script runs once, on the first node of the allocation, as with sbatch and flux batch.
  (*spec)["tasks"][0]["count"] = {{"total", 1}};
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("batch", session.status());
  Result<nlohmann::json> answer = session->Call("POST", "/v1/jobs", spec->dump());
  if (!answer.ok()) return Fail("batch", answer.status());
  const long long id = (*answer)["id"].get<int64_t>();
  if (parsable) {
    std::printf("%lld\n", id);
  } else {
    std::printf("Submitted batch job %lld\n", id);
  }
  return 0;
}

// Everything after the options: the command and its own arguments.
std::vector<std::string> CommandOf(CLI::App* command) {
  std::vector<std::string> rest = command->remaining();
  if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
  return rest;
}

}  // namespace

void AddSubmitCommands(CLI::App& app, int* exit_code) {
  {
    auto options = std::make_shared<JobOptions>();
    auto cc = std::make_shared<std::string>();
    auto quiet = std::make_shared<bool>(false);
    CLI::App* submit = app.add_subcommand("submit", "Submit a job; prints its id");
    AddJobOptions(submit, options.get());
    submit->add_option("--cc", *cc, "Submit one copy per id in this set (1-100), {cc} -> id");
    submit->add_flag("--quiet", *quiet, "Print nothing");
    submit->prefix_command();
    submit->footer("Example: converge submit -N2 -n8 -t 1h ./sim --steps 100");
    submit->callback([=] { *exit_code = Submit(*options, CommandOf(submit), *cc, *quiet); });
  }
  {
    auto options = std::make_shared<JobOptions>();
    CLI::App* run = app.add_subcommand("run", "Run a job, stream its output, exit with its code");
    AddJobOptions(run, options.get());
    run->prefix_command();
    run->callback([=] { *exit_code = Run(*options, CommandOf(run)); });
  }
  {
    auto options = std::make_shared<JobOptions>();
    auto parsable = std::make_shared<bool>(false);
    CLI::App* batch =
        app.add_subcommand("batch", "Submit a script; #FLUX: and #SBATCH lines set options");
    auto given = std::make_shared<std::map<std::string, CLI::Option*>>(
        AddJobOptions(batch, options.get()));
    batch->add_flag("--parsable", *parsable, "Print only the job id");
    batch->prefix_command();
    batch->callback([=] { *exit_code = Batch(*options, *given, CommandOf(batch), *parsable); });
  }
}

}  // namespace converge::cli
