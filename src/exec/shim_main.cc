// converge-shim RUN_DIR JOB_ID: the per-job supervisor the instance spawns (exec/shim.h).
// A separate small, statically linked binary so that starting one per job costs little;
// `converge shim RUN_DIR JOB_ID` does the same from the main binary.
#include <charconv>
#include <cstdio>
#include <cstring>

#include "exec/shim.h"

int main(int argc, char** argv) {
  int64_t job_id = 0;
  if (argc == 3) {
    const char* end = argv[2] + std::strlen(argv[2]);
    auto [stop, error] = std::from_chars(argv[2], end, job_id);
    if (error != std::errc() || stop != end || job_id <= 0) job_id = 0;
  }
  if (job_id == 0) {
    std::fprintf(stderr, "usage: converge-shim RUN_DIR JOB_ID (a positive integer)\n");
    return converge::exec::kShimUsage;
  }
  return converge::exec::RunShim(argv[1], job_id);
}
