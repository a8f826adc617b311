#include "main/command_table.h"

#include <algorithm>

#include "agent/agent_command.h"
#include "cli/commands.h"
#include "instance/start_command.h"

namespace converge {

const std::vector<CommandAdder>& CommandAdders() {
  static const std::vector<CommandAdder> adders = {
      {{"jobspec"}, cli::AddJobspecCommand},
      {{"resource"}, cli::AddResourceCommand},
      {{"sim"}, cli::AddSimCommand},
      {{"shim"}, cli::AddShimCommand},
      {{"drain", "undrain"}, cli::AddDrainCommands},
      {{"submit"}, cli::AddSubmitCommand},
      {{"run"}, cli::AddRunCommand},
      {{"batch"}, cli::AddBatchCommand},
      {{"alloc"}, cli::AddAllocCommand},
      {{"jobs"}, cli::AddJobsCommand},
      {{"show"}, cli::AddShowCommand},
      {{"logs"}, cli::AddLogsCommand},
      {{"cancel"}, cli::AddCancelCommand},
      {{"wait"}, cli::AddWaitCommand},
      {{"urgency", "hold", "release"}, cli::AddUrgencyCommands},
      {{"queue"}, cli::AddQueueCommand},
      {{"events"}, cli::AddEventsCommand},
      {{"ui"}, cli::AddUiCommand},
      {{"provenance"}, cli::AddProvenanceCommand},
      {{"query"}, cli::AddQueryCommand},
      {{"metrics"}, cli::AddMetricsCommand},
      {{"stop"}, cli::AddStopCommand},
      {{"apply", "delete"}, cli::AddApplyCommands},
      {{"get", "describe"}, cli::AddGetCommands},
      {{"service"}, cli::AddServiceCommand},
      {{"start"}, instance::AddStartCommand},
      {{"agent"}, agent::AddAgentCommand},
  };
  return adders;
}

bool AddCommands(CLI::App& app, std::string_view name, int* exit_code) {
  for (const CommandAdder& adder : CommandAdders()) {
    if (std::find(adder.names.begin(), adder.names.end(), name) != adder.names.end()) {
      adder.add(app, exit_code);
      return true;
    }
  }
  for (const CommandAdder& adder : CommandAdders()) adder.add(app, exit_code);
  return false;
}

}  // namespace converge
