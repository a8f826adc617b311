#include "instance/job_request.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "jobspec/parse.h"

namespace converge::instance {
namespace {

constexpr const char* kOutputField = "attributes.system.shell.options.output";

// The string at `path` inside `root`, if every step exists. Errors: present but not a string.
Result<std::string> StringAt(const nlohmann::json& root, std::initializer_list<const char*> path,
                             const std::string& field) {
  const nlohmann::json* node = &root;
  for (const char* step : path) {
    if (!node->is_object() || !node->contains(step)) return std::string();
    node = &(*node)[step];
  }
  if (!node->is_string()) return Status::Invalid(field, "must be a string");
  return node->get<std::string>();
}

Result<Dependency> ReadDependency(const jobspec::Dependency& raw, const std::string& field) {
  using Kind = Dependency::Kind;
  static const std::pair<const char*, Kind> kSchemes[] = {
      {"afterok", Kind::kAfterOk}, {"afterany", Kind::kAfterAny},
      {"afternotok", Kind::kAfterNotOk}, {"after", Kind::kAfter},
      {"singleton", Kind::kSingleton}, {"begin-time", Kind::kBeginTime}};
  Dependency dependency;
  bool known = false;
  for (const auto& [name, kind] : kSchemes) {
    if (raw.scheme == name) dependency.kind = kind, known = true;
  }
  if (!known) {
    return Status::Invalid(field + ".scheme",
                           "'" + raw.scheme + "' is not one of after, afterok, afterany, "
                           "afternotok, singleton, begin-time");
  }
  const char* begin = raw.value.data();
  const char* end = begin + raw.value.size();
  if (dependency.kind == Kind::kSingleton) {
    if (!raw.value.empty()) return Status::Invalid(field + ".value", "singleton takes no value");
    return dependency;
  }
  if (dependency.kind == Kind::kBeginTime) {
    auto [ptr, error] = std::from_chars(begin, end, dependency.time);
    if (error != std::errc() || ptr != end || !(dependency.time > 0) ||
        dependency.time > 1e11) {
      return Status::Invalid(field + ".value",
                             "'" + raw.value + "' is not a time (epoch seconds)");
    }
    return dependency;
  }
  auto [ptr, error] = std::from_chars(begin, end, dependency.job);
  if (error != std::errc() || ptr != end || dependency.job <= 0) {
    return Status::Invalid(field + ".value", "'" + raw.value + "' is not a job id");
  }
  return dependency;
}

}  // namespace

std::string DefaultOutputPath(const std::string& default_output_dir, int64_t id,
                              const std::string& stream) {
  return default_output_dir + "/" + std::to_string(id / 1000) + "/" + std::to_string(id) + "." +
         stream;
}

bool IsDefaultOutputPath(const std::string& default_output_dir, int64_t id,
                         const std::string& path) {
  return path == DefaultOutputPath(default_output_dir, id, "out") ||
         path == DefaultOutputPath(default_output_dir, id, "err");
}

Result<std::string> ResolveOutputPath(const std::string& path_template, const std::string& cwd,
                                      int64_t id, const std::string& name,
                                      const std::string& field) {
  if (path_template.empty()) return Status::Invalid(field, "must not be empty");
  std::string path;
  constexpr std::string_view kId = "{{id}}";
  constexpr std::string_view kName = "{{name}}";
  for (size_t i = 0; i < path_template.size();) {
    if (path_template.compare(i, kId.size(), kId) == 0) {
      path += std::to_string(id);
      i += kId.size();
    } else if (path_template.compare(i, kName.size(), kName) == 0) {
      std::string file_name = name;
      std::replace(file_name.begin(), file_name.end(), '/', '_');
      path += file_name;
      i += kName.size();
    } else {
      path += path_template[i++];
    }
  }
  for (size_t start = 0; start <= path.size();) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (path.compare(start, slash - start, "..") == 0 && slash - start == 2) {
      return Status::Invalid(field, "'..' is not allowed in output paths");
    }
    start = slash + 1;
  }
  if (path.front() != '/') path = (cwd.empty() ? std::string("/") : cwd + "/") + path;
  return path;
}

Result<JobRequestFacts> ReadJobRequest(const std::string& text,
                                       const std::string& default_output_dir, int64_t id) {
  Result<jobspec::Jobspec> spec = jobspec::Parse(text, jobspec::ParseOptions{});
  if (!spec.ok()) return spec.status();
  JobRequestFacts facts;
  facts.spec = std::move(spec).value();
  const jobspec::SystemAttributes& system = facts.spec.system;
  if (facts.spec.tasks.empty() || facts.spec.tasks.front().command.empty()) {
    return Status::Invalid("tasks[0].command", "must name a program to run");
  }
  Result<std::string> name = StringAt(system.extra, {"job", "name"}, "attributes.system.job.name");
  if (!name.ok()) return name.status();
  facts.name = *name;
  if (facts.name.empty()) {
    const std::string& program = facts.spec.tasks.front().command.front();
    facts.name = program.substr(program.rfind('/') == std::string::npos ? 0
                                                                         : program.rfind('/') + 1);
  }
  if (system.extra.contains("priority")) {
    const nlohmann::json& priority = system.extra["priority"];
    if (!priority.is_number_integer() || priority.get<int64_t>() < 0 ||
        priority.get<int64_t>() > 31) {
      return Status::Invalid("attributes.system.priority", "must be an integer from 0 to 31");
    }
    facts.priority = priority.get<int64_t>();
  }
  for (size_t i = 0; i < system.dependencies.size(); ++i) {
    Result<Dependency> dependency = ReadDependency(
        system.dependencies[i], "attributes.system.dependencies[" + std::to_string(i) + "]");
    if (!dependency.ok()) return dependency.status();
    facts.dependencies.push_back(*dependency);
  }
  const std::string cwd = system.cwd.value_or("");
  const std::string out_field = std::string(kOutputField) + ".stdout.path";
  const std::string err_field = std::string(kOutputField) + ".stderr.path";
  Result<std::string> out = StringAt(system.extra, {"shell", "options", "output", "stdout", "path"},
                                     out_field);
  if (!out.ok()) return out.status();
  Result<std::string> err = StringAt(system.extra, {"shell", "options", "output", "stderr", "path"},
                                     err_field);
  if (!err.ok()) return err.status();
  const std::string out_template =
      out->empty() ? DefaultOutputPath(default_output_dir, id, "out") : *out;
  const std::string err_template =
      !err->empty() ? *err : (out->empty() ? DefaultOutputPath(default_output_dir, id, "err") : *out);
  Result<std::string> stdout_path = ResolveOutputPath(out_template, cwd, id, facts.name, out_field);
  if (!stdout_path.ok()) return stdout_path.status();
  Result<std::string> stderr_path = ResolveOutputPath(err_template, cwd, id, facts.name, err_field);
  if (!stderr_path.ok()) return stderr_path.status();
  facts.stdout_path = *stdout_path;
  facts.stderr_path = *stderr_path;
  return facts;
}

}  // namespace converge::instance
