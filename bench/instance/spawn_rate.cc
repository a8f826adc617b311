// spawn_rate [COUNT [PARALLEL [PROGRAM]]]: the bare spawn rate of this machine, the bound of any
// workload manager's end-to-end rate of tiny jobs: COUNT (default 5000) runs of PROGRAM
// (default `true`, found in PATH) with posix_spawnp, PARALLEL (default: the cpus) at a time,
// each waited for. Prints one JSON object: {"spawns", "parallel", "seconds", "per_second"}.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

extern char** environ;

int main(int argc, char** argv) {
  const long count = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 5000;
  long parallel = argc > 2 ? std::strtol(argv[2], nullptr, 10) : sysconf(_SC_NPROCESSORS_ONLN);
  std::string program = argc > 3 ? argv[3] : "true";
  if (count <= 0 || parallel <= 0 || argc > 4) {
    std::fprintf(stderr, "usage: spawn_rate [COUNT [PARALLEL [PROGRAM]]] (positive numbers)\n");
    return 2;
  }
  char* child_argv[] = {program.data(), nullptr};
  const auto start = std::chrono::steady_clock::now();
  long started = 0, running = 0, failed = 0;
  while (started < count || running > 0) {
    while (running < parallel && started < count) {
      pid_t pid = 0;
      if (::posix_spawnp(&pid, program.c_str(), nullptr, nullptr, child_argv, environ) != 0) {
        std::fprintf(stderr, "spawn_rate: cannot run %s\n", program.c_str());
        return 1;
      }
      ++started;
      ++running;
    }
    int status = 0;
    if (::wait(&status) > 0) {
      --running;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"spawns\": %ld, \"parallel\": %ld, \"failed\": %ld, \"seconds\": %.3f, "
              "\"per_second\": %.0f}\n",
              count, parallel, failed, seconds, count / seconds);
  return failed == 0 ? 0 : 1;
}
