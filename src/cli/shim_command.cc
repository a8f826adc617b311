// `converge shim RUN_DIR JOB_ID`: the per-job supervisor (see exec/shim.h), hidden from help.
#include "cli/commands.h"
#include "exec/shim.h"

namespace converge::cli {

void AddShimCommand(CLI::App& app, int* exit_code) {
  auto run_dir = std::make_shared<std::string>();
  auto job_id = std::make_shared<int64_t>(0);
  CLI::App* shim = app.add_subcommand("shim", "Supervise one job's tasks (used by the instance)");
  shim->group("");
  shim->add_option("run_dir", *run_dir, "The instance's run folder")->required();
  shim->add_option("job_id", *job_id, "The job")->required()->check(CLI::PositiveNumber);
  shim->callback([run_dir, job_id, exit_code] {
    *exit_code = exec::RunShim(*run_dir, *job_id);
  });
}

}  // namespace converge::cli
