// `converge submit [flags] CMD...`: POST /v1/jobs; prints the new job's id. With --cc IDSET,
// one copy per id ({cc} replaced), sent as JSON arrays under the API's body limit.
#include <cstdio>
#include <memory>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_options.h"
#include "common/hostlist.h"
#include "jobspec/limits.h"

namespace converge::cli {
namespace {

// Each POST of a --cc set holds at most this many jobspecs and bytes (the API refuses bodies
// over 1 MiB).
constexpr size_t kJobsPerPost = 256;
constexpr size_t kBytesPerPost = 960 * 1024;

struct SubmitFlags {
  JobOptions job;
  std::string cc;
  bool quiet = false;
};

std::string ReplaceCc(std::string text, const std::string& value) {
  for (size_t at = text.find("{cc}"); at != std::string::npos; at = text.find("{cc}", at)) {
    text.replace(at, 4, value);
    at += value.size();
  }
  return text;
}

// One jobspec per --cc value, or one for the plain command.
Result<std::vector<std::string>> Jobspecs(const SubmitFlags& flags,
                                          const std::vector<std::string>& command) {
  const JobContext here = CurrentJobContext();
  std::vector<std::string> specs;
  if (flags.cc.empty()) {
    Result<nlohmann::json> spec = BuildJobspec(flags.job, command, here);
    if (!spec.ok()) return spec.status();
    specs.push_back(spec->dump());
    return specs;
  }
  Result<std::vector<int64_t>> values = ExpandIds(flags.cc);
  if (!values.ok() && values.status().message().find("expands to more than") != std::string::npos) {
    return Status::Invalid("--cc", "'" + flags.cc + "' makes more than " +
                                       std::to_string(jobspec::kMaxCopies) +
                                       " copies (the limit on copies)");
  }
  if (!values.ok() || values->empty()) {
    return Status::Invalid("--cc", "'" + flags.cc + "' is not an id set like 1-10 or 1,3,5-7");
  }
  if (static_cast<int64_t>(values->size()) > jobspec::kMaxCopies) {
    return Status::Invalid("--cc", "'" + flags.cc + "' makes " +
                                       std::to_string(values->size()) + " copies; at most " +
                                       std::to_string(jobspec::kMaxCopies) +
                                       " (the limit on copies)");
  }
  for (int64_t value : *values) {
    const std::string text = std::to_string(value);
    std::vector<std::string> copy;
    for (const std::string& arg : command) copy.push_back(ReplaceCc(arg, text));
    JobOptions each = flags.job;
    each.job_name = ReplaceCc(each.job_name, text);
    each.output = ReplaceCc(each.output, text);
    each.error = ReplaceCc(each.error, text);
    Result<nlohmann::json> spec = BuildJobspec(each, copy, here);
    if (!spec.ok()) return spec.status();
    specs.push_back(spec->dump());
  }
  return specs;
}

// POSTs `specs` as arrays, as few as the limits allow; prints the ids unless quiet.
int SubmitArrays(Session& session, const std::vector<std::string>& specs, bool quiet) {
  size_t next = 0;
  while (next < specs.size()) {
    std::string body = "[";
    size_t count = 0;
    while (next < specs.size() && count < kJobsPerPost &&
           (count == 0 || body.size() + specs[next].size() + 2 <= kBytesPerPost)) {
      if (count > 0) body += ',';
      body += specs[next++];
      ++count;
    }
    body += ']';
    Result<nlohmann::json> answer = session.Call("POST", "/v1/jobs", body);
    if (!answer.ok()) return Fail("submit", answer.status());
    if (quiet) continue;
    std::string out;
    for (const auto& id : answer->value("ids", nlohmann::json::array())) {
      out += id.dump() + "\n";
    }
    std::fputs(out.c_str(), stdout);
  }
  std::fflush(stdout);
  return 0;
}

int Submit(const SubmitFlags& flags, const std::vector<std::string>& command) {
  if (command.empty()) {
    std::fprintf(stderr,
                 "converge submit: name a program to run (converge submit [flags] CMD...)\n");
    return 2;
  }
  Result<std::vector<std::string>> specs = Jobspecs(flags, command);
  if (!specs.ok()) return Fail("submit", specs.status());
  if (flags.job.dry_run) return PrintDryRun(*specs);
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("submit", session.status());
  if (!flags.cc.empty()) return SubmitArrays(*session, *specs, flags.quiet);
  Result<nlohmann::json> answer = session->Call("POST", "/v1/jobs", specs->front());
  if (!answer.ok()) return Fail("submit", answer.status());
  if (!flags.quiet) std::printf("%s\n", answer->value("id", nlohmann::json()).dump().c_str());
  return 0;
}

}  // namespace

void AddSubmitCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<SubmitFlags>();
  CLI::App* submit = app.add_subcommand("submit", "Submit a job; prints its id");
  AddJobOptions(submit, &flags->job);
  submit->add_option("--cc", flags->cc,
                     "One copy per id in this set (1-100, 1,3,5-7); {cc} becomes the id");
  submit->add_flag("--quiet", flags->quiet, "Print nothing");
  submit->prefix_command();
  submit->footer("Example: converge submit -N2 -n8 -t 1h ./sim --steps 100");
  submit->callback([=] { *exit_code = Submit(*flags, TrailingCommand(submit)); });
}

}  // namespace converge::cli
