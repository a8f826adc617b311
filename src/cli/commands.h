// Subcommands of the `converge` binary. Each Add*Command registers one command (and its
// subcommands) on the root app; when the command runs it stores its exit status in
// `*exit_code`: 0, 1 for errors (API errors print "converge CMD: message"), 2 for usage.
// Commands are thin: parse flags, call the library or the instance's API, print.
#pragma once

#include <cstdint>

#include <CLI/CLI.hpp>

namespace converge::cli {

// Offline tools.
void AddJobspecCommand(CLI::App& app, int* exit_code);
void AddSimCommand(CLI::App& app, int* exit_code);
void AddShimCommand(CLI::App& app, int* exit_code);
// `resource list|export|drain|undrain`; live from the instance, or from a file.
void AddResourceCommand(CLI::App& app, int* exit_code);
// The short forms `drain` and `undrain` of `resource drain|undrain`.
void AddDrainCommands(CLI::App& app, int* exit_code);

// Clients of a running instance (docs/cli.md).
void AddSubmitCommand(CLI::App& app, int* exit_code);
void AddRunCommand(CLI::App& app, int* exit_code);
void AddBatchCommand(CLI::App& app, int* exit_code);
void AddAllocCommand(CLI::App& app, int* exit_code);
void AddJobsCommand(CLI::App& app, int* exit_code);
void AddShowCommand(CLI::App& app, int* exit_code);
void AddLogsCommand(CLI::App& app, int* exit_code);
void AddCancelCommand(CLI::App& app, int* exit_code);
void AddWaitCommand(CLI::App& app, int* exit_code);
void AddUrgencyCommands(CLI::App& app, int* exit_code);  // urgency, hold, release
void AddQueueCommand(CLI::App& app, int* exit_code);
void AddEventsCommand(CLI::App& app, int* exit_code);
void AddUiCommand(CLI::App& app, int* exit_code);
void AddProvenanceCommand(CLI::App& app, int* exit_code);  // provenance show|diff
void AddQueryCommand(CLI::App& app, int* exit_code);
void AddMetricsCommand(CLI::App& app, int* exit_code);  // metrics list|show|export|plot
// `converge provenance show ID` (and `show --provenance ID`); returns the exit status.
int ShowProvenance(int64_t id, bool json, bool topology);
void AddStopCommand(CLI::App& app, int* exit_code);
// Declarative workloads and services (docs/formats/workload.md).
void AddApplyCommands(CLI::App& app, int* exit_code);  // apply, delete
void AddGetCommands(CLI::App& app, int* exit_code);    // get, describe
void AddServiceCommand(CLI::App& app, int* exit_code);

}  // namespace converge::cli
