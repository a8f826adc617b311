// converge-shim-pmix RUN_DIR JOB_ID: converge-shim (shim_main.cc) that can also serve PMIx to
// a job's tasks (ShimSpec::pmi "pmix", exec/pmix_service.h). A separate, dynamically linked binary
// because libpmix is a shared library: jobs without PMIx keep the static shim's fast start.
#include <cstdlib>

#include "exec/pmix_service.h"
#include "exec/shim.h"

// hwloc plugins this shim has no use for: the topology it loads has no I/O devices (PCI, GPUs
// through OpenCL or GL), and hwloc's own XML writer serves as well as libxml2's. Loading them
// (libxml2 with ICU, libOpenCL, X11) was about 3 of the 7 ms a PMIx shim took to start.
constexpr const char* kUnusedHwlocPlugins = "hwloc_pci,hwloc_opencl,hwloc_gl,hwloc_xml_libxml";

int main(int argc, char** argv) {
  ::setenv("HWLOC_PLUGINS_BLACKLIST", kUnusedHwlocPlugins, /*overwrite=*/0);  // before hwloc
  const int64_t job_id = converge::exec::ShimJobIdArgument("converge-shim-pmix", argc, argv);
  if (job_id == 0) return converge::exec::kShimUsage;
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
