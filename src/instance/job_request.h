// ReadJobRequest: a submitted jobspec text (YAML or JSON) -> the jobspec plus the facts the
// instance takes from it: name, priority, dependencies and resolved output paths.
// Errors are kInvalidArgument naming the field (docs/api.md lists the attributes read).
// Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "instance/job.h"
#include "jobspec/jobspec.h"

namespace converge::instance {

struct JobRequestFacts {
  jobspec::Jobspec spec;
  std::string name;                      // attributes.system.job.name, else command basename
  int64_t priority = 16;                 // attributes.system.priority, 0..31
  std::vector<Dependency> dependencies;  // attributes.system.dependencies
  std::string stdout_path;               // absolute, {{id}} substituted
  std::string stderr_path;
};

// `default_output_dir`/SHARD holds ID.out / ID.err when the jobspec names no output, SHARD
// being id / 1000; `id` is the id the job will get (for {{id}}).
Result<JobRequestFacts> ReadJobRequest(const std::string& text,
                                       const std::string& default_output_dir, int64_t id);

// The default output file of job `id` ("out" or "err"): a folder per thousand jobs in
// `default_output_dir` (huge folders make creating files slow).
std::string DefaultOutputPath(const std::string& default_output_dir, int64_t id,
                              const std::string& stream);

// Whether `path` is one of job `id`'s own default output files (the instance's, not a path the
// job named, even one inside the output folder).
bool IsDefaultOutputPath(const std::string& default_output_dir, int64_t id,
                         const std::string& path);

// Substitutes {{id}} and {{name}} (the job's name, '/' written as '_') in `path_template`, as
// Flux's output templates do, and makes it absolute against `cwd`. Errors: a `..` component,
// an empty template.
Result<std::string> ResolveOutputPath(const std::string& path_template, const std::string& cwd,
                                      int64_t id, const std::string& name,
                                      const std::string& field);

}  // namespace converge::instance
