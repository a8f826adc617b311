// `converge submit [flags] CMD...`: POST /v1/jobs; prints the new job's id. With --cc IDSET
// (or Slurm's --array), one copy per id ({cc} replaced), sent as JSON arrays under the API's
// body limit.
#include <cstdio>
#include <memory>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/job_copies.h"
#include "cli/job_options.h"

namespace converge::cli {
namespace {

struct SubmitFlags {
  JobOptions job;
  bool quiet = false;
  bool wait = false;  // --wait: until the jobs end, exiting as they did
};

int Submit(const SubmitFlags& flags, const std::vector<std::string>& command) {
  if (command.empty()) {
    std::fprintf(stderr,
                 "converge submit: name a program to run (converge submit [flags] CMD...)\n");
    return 2;
  }
  const JobContext here = CurrentJobContext();
  const BuildOne build = [here](const JobOptions& options,
                                const std::vector<std::string>& program) {
    return BuildJobspec(options, program, here);
  };
  if (flags.job.dry_run) {
    Result<std::vector<std::string>> specs = CopyJobspecs(flags.job, command, build);
    if (!specs.ok()) return Fail("submit", specs.status());
    return PrintDryRun(*specs);
  }
  Result<JobCopies> copies = JobspecCopies(flags.job, command, build);
  if (!copies.ok()) return Fail("submit", copies.status());
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("submit", session.status());
  std::vector<int64_t> ids;
  const int status = SubmitCopies(*session, *copies, "submit", [&](const nlohmann::json& id) {
    if (!flags.quiet) std::printf("%s\n", id.dump().c_str());
    if (id.is_number_integer()) ids.push_back(id.get<int64_t>());
  });
  std::fflush(stdout);
  if (status != 0 || !flags.wait) return status;
  return WaitForAll(*session, ids, "submit");
}

}  // namespace

void AddSubmitCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<SubmitFlags>();
  CLI::App* submit = app.add_subcommand("submit", "Submit a job; prints its id");
  std::map<std::string, CLI::Option*> given = AddJobOptions(submit, &flags->job);
  AddCopyOptions(submit, &flags->job, &given);
  submit->add_flag("--quiet", flags->quiet, "Print nothing");
  submit->add_flag("--wait,-W", flags->wait,
                   "Wait until the jobs end; exit 0 if all completed, else with the largest "
                   "exit code (as flux submit --wait and sbatch --wait)");
  submit->prefix_command();
  submit->footer("Example: converge submit -N2 -n8 -t 1h ./sim --steps 100");
  submit->callback([=] { *exit_code = Submit(*flags, TrailingCommand(submit)); });
}

}  // namespace converge::cli
