// converge-shim-pmix RUN_DIR JOB_ID: converge-shim (shim_main.cc) that can also serve PMIx to
// a job's tasks (ShimSpec::pmi "pmix", exec/pmix_service.h). A separate, dynamically linked binary
// because libpmix is a shared library: jobs without PMIx keep the static shim's fast start.
#include <charconv>
#include <cstdio>
#include <cstring>

#include "exec/pmix_service.h"
#include "exec/shim.h"

int main(int argc, char** argv) {
  int64_t job_id = 0;
  if (argc == 3) {
    const char* end = argv[2] + std::strlen(argv[2]);
    auto [stop, error] = std::from_chars(argv[2], end, job_id);
    if (error != std::errc() || stop != end || job_id <= 0) job_id = 0;
  }
  if (job_id == 0) {
    std::fprintf(stderr, "usage: converge-shim-pmix RUN_DIR JOB_ID (a positive integer)\n");
    return converge::exec::kShimUsage;
  }
  using converge::exec::PmixService;
  using converge::exec::ShimSpec;
  using converge::exec::TaskService;
  auto make_pmix = [](const ShimSpec& spec, const std::string& run_dir)
      -> converge::Result<std::unique_ptr<TaskService>> {
    converge::Result<std::unique_ptr<PmixService>> service = PmixService::Create(spec, run_dir);
    if (!service.ok()) return service.status();
    return std::unique_ptr<TaskService>(std::move(service).value());
  };
  return converge::exec::RunShim(argv[1], job_id, make_pmix);
}
