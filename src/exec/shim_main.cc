// converge-shim RUN_DIR JOB_ID: the per-job supervisor the instance spawns (exec/shim.h).
// A separate small, statically linked binary so that starting one per job costs little;
// `converge shim RUN_DIR JOB_ID` does the same from the main binary.
#include "exec/shim.h"

int main(int argc, char** argv) {
  const int64_t job_id = converge::exec::ShimJobIdArgument("converge-shim", argc, argv);
  if (job_id == 0) return converge::exec::kShimUsage;
  return converge::exec::RunShim(argv[1], job_id);
}
