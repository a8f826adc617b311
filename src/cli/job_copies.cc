#include "cli/job_copies.h"

#include <algorithm>

#include "common/hostlist.h"
#include "jobspec/limits.h"

namespace converge::cli {

namespace {

// Each POST holds at most this many jobspecs and bytes (the API refuses bodies over 1 MiB).
constexpr size_t kJobsPerPost = 256;
constexpr size_t kBytesPerPost = 960 * 1024;

std::string ReplaceCc(std::string text, const std::string& value) {
  for (size_t at = text.find("{cc}"); at != std::string::npos; at = text.find("{cc}", at)) {
    text.replace(at, 4, value);
    at += value.size();
  }
  return text;
}

Result<std::vector<std::string>> Copies(const JobOptions& options,
                                        const std::vector<std::string>& command,
                                        const BuildOne& build,
                                        const std::vector<int64_t>& indexes, bool slurm) {
  std::vector<std::string> specs;
  const auto [low, high] = std::minmax_element(indexes.begin(), indexes.end());
  for (int64_t value : indexes) {
    const std::string text = std::to_string(value);
    std::vector<std::string> copy;
    for (const std::string& arg : command) copy.push_back(ReplaceCc(arg, text));
    JobOptions each = options;
    each.job_name = ReplaceCc(each.job_name, text);
    each.output = ReplaceCc(each.output, text);
    each.error = ReplaceCc(each.error, text);
    each.env.push_back("CONVERGE_CC=" + text);
    if (slurm) {
      each.env.push_back("SLURM_ARRAY_TASK_ID=" + text);
      each.env.push_back("SLURM_ARRAY_TASK_MIN=" + std::to_string(*low));
      each.env.push_back("SLURM_ARRAY_TASK_MAX=" + std::to_string(*high));
      each.env.push_back("SLURM_ARRAY_TASK_COUNT=" + std::to_string(indexes.size()));
    }
    Result<nlohmann::json> spec = build(each, copy);
    if (!spec.ok()) return spec.status();
    specs.push_back(spec->dump());
  }
  return specs;
}

Result<std::vector<int64_t>> CcIndexes(const std::string& cc) {
  Result<std::vector<int64_t>> values = ExpandIds(cc);
  if (!values.ok() && values.status().message().find("expands to more than") != std::string::npos) {
    return Status::Invalid("--cc", "'" + cc + "' makes more than " +
                                       std::to_string(jobspec::kMaxCopies) +
                                       " copies (the limit on copies)");
  }
  if (!values.ok() || values->empty()) {
    return Status::Invalid("--cc", "'" + cc + "' is not an id set like 1-10 or 1,3,5-7");
  }
  if (static_cast<int64_t>(values->size()) > jobspec::kMaxCopies) {
    return Status::Invalid("--cc", "'" + cc + "' makes " + std::to_string(values->size()) +
                                       " copies; at most " + std::to_string(jobspec::kMaxCopies) +
                                       " (the limit on copies)");
  }
  return values;
}

}  // namespace

void AddCopyOptions(CLI::App* command, JobOptions* options,
                    std::map<std::string, CLI::Option*>* given) {
  (*given)["cc"] = command->add_option(
      "--cc", options->cc, "One copy per id in this set (1-100, 1,3,5-7); {cc} becomes the id");
  (*given)["array"] = command->add_option(
      "--array", options->array,
      "Slurm's --cc: 0-15, 1,3,5-7, 0-15:4 (a step); copies get SLURM_ARRAY_TASK_ID");
}

Result<std::vector<std::string>> CopyJobspecs(const JobOptions& options,
                                              const std::vector<std::string>& command,
                                              const BuildOne& build) {
  if (!options.cc.empty() && !options.array.empty()) {
    return Status::Invalid("--array", "give --cc or --array, not both");
  }
  if (!options.array.empty()) {
    Result<std::vector<int64_t>> values =
        ParseArrayIndexes(options.array, jobspec::kMaxCopies);
    if (!values.ok()) return values.status();
    return Copies(options, command, build, *values, true);
  }
  if (!options.cc.empty()) {
    Result<std::vector<int64_t>> values = CcIndexes(options.cc);
    if (!values.ok()) return values.status();
    return Copies(options, command, build, *values, false);
  }
  Result<nlohmann::json> spec = build(options, command);
  if (!spec.ok()) return spec.status();
  return std::vector<std::string>{spec->dump()};
}

int SubmitJobspecs(Session& session, const std::vector<std::string>& specs,
                   const std::string& verb,
                   const std::function<void(const nlohmann::json&)>& on_id) {
  if (specs.size() == 1) {
    Result<nlohmann::json> answer = session.Call("POST", "/v1/jobs", specs.front());
    if (!answer.ok()) return Fail(verb, answer.status());
    on_id(answer->value("id", nlohmann::json()));
    return 0;
  }
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
    if (!answer.ok()) return Fail(verb, answer.status());
    for (const auto& id : answer->value("ids", nlohmann::json::array())) {
      on_id(id);
    }
  }
  return 0;
}

}  // namespace converge::cli
