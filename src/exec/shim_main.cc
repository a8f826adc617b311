// converge-shim RUN_DIR JOB_ID: the per-job supervisor the instance spawns (see shim.h).
// A separate small binary so that starting it costs little; `converge shim` is the same.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "exec/shim.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: converge-shim RUN_DIR JOB_ID\n");
    return 2;
  }
  char* end = nullptr;
  long long id = std::strtoll(argv[2], &end, 10);
  if (*argv[2] == '\0' || *end != '\0' || id <= 0) {
    std::fprintf(stderr, "converge-shim: JOB_ID must be a positive integer\n");
    return 2;
  }
  return converge::exec::RunShim(argv[1], id);
}
