// converge-shim RUN_DIR JOB_ID: the per-job supervisor the instance spawns (exec/shim.h).
// A separate small, statically linked binary so that starting one per job costs little;
// `converge shim RUN_DIR JOB_ID` does the same from the main binary.
// converge-shim --zygote RUN_DIR: the executor's forker of shims (exec/shim_zygote.h), whose
// socket is fd 3.
#include <cstring>

#include "exec/shim.h"
#include "exec/shim_zygote.h"

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--zygote") == 0) {
    return converge::exec::RunShimZygote(3, argv[2]);
  }
  const int64_t job_id = converge::exec::ShimJobIdArgument("converge-shim", argc, argv);
  if (job_id == 0) return converge::exec::kShimUsage;
  return converge::exec::RunShim(argv[1], job_id);
}
