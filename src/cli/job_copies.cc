#include "cli/job_copies.h"

#include <algorithm>
#include <optional>

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

// The jobspec of the copy for index `value`.
Result<std::string> CopyAt(const JobOptions& options, const std::vector<std::string>& command,
                           const BuildOne& build, const std::vector<int64_t>& indexes,
                           int64_t low, int64_t high, int64_t value, bool slurm) {
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
    each.env.push_back("SLURM_ARRAY_TASK_MIN=" + std::to_string(low));
    each.env.push_back("SLURM_ARRAY_TASK_MAX=" + std::to_string(high));
    each.env.push_back("SLURM_ARRAY_TASK_COUNT=" + std::to_string(indexes.size()));
  }
  Result<nlohmann::json> spec = build(each, copy);
  if (!spec.ok()) return spec.status();
  return spec->dump();
}

// The copies of a job, one per index, made when asked for (options and command are copied in).
JobCopies Copies(const JobOptions& options, const std::vector<std::string>& command,
                 const BuildOne& build, std::vector<int64_t> indexes, bool slurm) {
  const auto [low, high] = std::minmax_element(indexes.begin(), indexes.end());
  const int64_t min = *low, max = *high;
  const size_t count = indexes.size();
  return JobCopies{count, [=, indexes = std::move(indexes)](size_t i) {
                     return CopyAt(options, command, build, indexes, min, max, indexes[i], slurm);
                   }};
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

Result<JobCopies> JobspecCopies(const JobOptions& options,
                                const std::vector<std::string>& command, const BuildOne& build) {
  if (!options.cc.empty() && !options.array.empty()) {
    return Status::Invalid("--array", "give --cc or --array, not both");
  }
  JobCopies copies;
  if (!options.array.empty()) {
    Result<std::vector<int64_t>> values =
        ParseArrayIndexes(options.array, jobspec::kMaxCopies);
    if (!values.ok()) return values.status();
    copies = Copies(options, command, build, std::move(values).value(), true);
  } else if (!options.cc.empty()) {
    Result<std::vector<int64_t>> values = CcIndexes(options.cc);
    if (!values.ok()) return values.status();
    copies = Copies(options, command, build, std::move(values).value(), false);
  } else {
    Result<nlohmann::json> spec = build(options, command);
    if (!spec.ok()) return spec.status();
    return JobCopies{1, [text = spec->dump()](size_t) -> Result<std::string> { return text; }};
  }
  // Copies differ only by their index: the first and the last stand for all of them. Both are
  // kept, so that neither is made twice.
  Result<std::string> first = copies.at(0);
  if (!first.ok()) return first.status();
  Result<std::string> last = copies.at(copies.count - 1);
  if (!last.ok()) return last.status();
  const size_t count = copies.count;
  copies.at = [make = std::move(copies.at), first = std::move(first).value(),
               last = std::move(last).value(), count](size_t i) -> Result<std::string> {
    if (i == 0) return first;
    if (i + 1 == count) return last;
    return make(i);
  };
  return copies;
}

Result<std::vector<std::string>> CopyJobspecs(const JobOptions& options,
                                              const std::vector<std::string>& command,
                                              const BuildOne& build) {
  Result<JobCopies> copies = JobspecCopies(options, command, build);
  if (!copies.ok()) return copies.status();
  std::vector<std::string> specs;
  for (size_t i = 0; i < copies->count; ++i) {
    Result<std::string> spec = copies->at(i);
    if (!spec.ok()) return spec.status();
    specs.push_back(std::move(spec).value());
  }
  return specs;
}

int SubmitJobspecs(Session& session, const std::vector<std::string>& specs,
                   const std::string& verb,
                   const std::function<void(const nlohmann::json&)>& on_id) {
  return SubmitCopies(session, JobCopies{specs.size(), [&](size_t i) -> Result<std::string> {
                                           return specs[i];
                                         }},
                      verb, on_id);
}

int SubmitCopies(Session& session, const JobCopies& copies, const std::string& verb,
                 const std::function<void(const nlohmann::json&)>& on_id) {
  if (copies.count == 1) {
    Result<std::string> spec = copies.at(0);
    if (!spec.ok()) return Fail(verb, spec.status());
    Result<nlohmann::json> answer = session.Call("POST", "/v1/jobs", *spec);
    if (!answer.ok()) return Fail(verb, answer.status());
    on_id(answer->value("id", nlohmann::json()));
    return 0;
  }
  size_t next = 0;
  std::optional<std::string> held;  // made, but over the byte limit of the POST before
  while (next < copies.count) {
    std::string body = "[";
    size_t count = 0;
    while (next < copies.count && count < kJobsPerPost) {
      if (!held) {
        Result<std::string> spec = copies.at(next);
        if (!spec.ok()) return Fail(verb, spec.status());
        held = std::move(spec).value();
      }
      if (count > 0 && body.size() + held->size() + 2 > kBytesPerPost) break;
      if (count > 0) body += ',';
      body += *held;
      held.reset();
      ++next;
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
