#include "exec/pmix_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "common/random_hex.h"
#include "exec/run_files.h"
#include "exec/topology_xml.h"

namespace converge::exec {

namespace {

// Open MPI 4.1 recognises a direct launch only under Slurm, Flux or LSF (its "schizo" components);
// otherwise its "orte" schizo declares a singleton and forks an orted. Leaving that one out and
// naming the PMI ess makes it a client of our server. Its "slurm" schizo goes too: a task that has
// SLURM_JOB_ID but no srun step (a job submitted from inside a Slurm allocation, or a converge
// batch job's emulated variables) would otherwise be a singleton. Binding is ours (the shim binds
// each task to its cores), so Open MPI must not bind again. A task's own setting of any of these
// wins.
constexpr const char* kOpenMpiSettings[] = {
    "OMPI_MCA_schizo=^orte,slurm",
    "OMPI_MCA_ess=pmi",
    "OMPI_MCA_hwloc_base_binding_policy=none",
    "OMPI_MCA_orte_externally_bound=1",
};

bool HasVariable(const std::vector<std::string>& env, const std::string& variable) {
  const std::string key = variable.substr(0, variable.find('=') + 1);
  for (const std::string& entry : env) {
    if (entry.compare(0, key.size(), key) == 0) return true;
  }
  return false;
}

// "converge.ID.SECRET", SECRET 128 random bits in hex. PMIx 4 clients reach the server over
// TCP, where the library's check of the client's uid takes the client's word for it; a client
// must also name a registered namespace, which then acts as a password: it is only in the
// tasks' environment (/proc/PID/environ: their user and root alone can read it).
Result<std::string> SecretNamespace(int64_t job_id) {
  Result<std::string> secret = RandomHex(16);
  if (!secret.ok()) return secret.status();
  return "converge." + std::to_string(job_id) + "." + *secret;
}

void RemoveFolder(const std::string& folder) {
  std::error_code error;
  std::filesystem::remove_all(folder, error);  // never follows links
  if (error) {
    std::fprintf(stderr, "converge-shim: cannot remove %s: %s\n", folder.c_str(),
                 error.message().c_str());
  }
}

}  // namespace

Result<std::unique_ptr<PmixService>> PmixService::Create(const ShimSpec& spec,
                                                         const std::string& run_dir) {
  const JobLayout& layout = spec.layout;
  if (layout.multi_part() && spec.exchange.url.empty()) {
    return Status::Invalid("exchange", "a job on several nodes needs the exchange's address");
  }
  Result<std::string> nspace = layout.multi_part()
                                   ? Result<std::string>("converge." + std::to_string(spec.job_id) +
                                                         "." + layout.key)
                                   : SecretNamespace(spec.job_id);
  if (!nspace.ok()) return nspace.status();
  const std::string folder = run_dir + "/" + PmixFolderName(spec.job_id);
  RemoveFolder(folder);  // left by a shim of this job that died; never ran a task of ours
  if (::mkdir(folder.c_str(), 0700) != 0) {
    return Status(Code::kInternal, "cannot create " + folder + ": " + ErrnoText(errno));
  }
  PmixJobInfo job;
  job.nspace = *nspace;
  job.size = layout.multi_part() ? layout.size() : static_cast<int>(spec.tasks.size());
  job.layout = layout;
  job.tmpdir = folder;
  job.uid = ::geteuid();
  job.gid = ::getegid();
  // Each Open MPI rank would otherwise discover the topology itself, all at once (measured:
  // a 4-rank job starts ~150 ms sooner with it). Without it the job still runs.
  Result<std::unique_ptr<LocalTopology>> topology = LocalTopology::Load();
  if (topology.ok()) {
    job.topology_xml = (*topology)->xml();
    job.topology = (*topology)->handle();
  } else {
    std::fprintf(stderr, "converge-shim: no topology for the PMIx clients: %s\n",
                 topology.status().ToString().c_str());
  }
  Result<std::unique_ptr<PmixServer>> server = PmixServer::Start(job);
  if (!server.ok()) {
    RemoveFolder(folder);
    return Status(Code::kInternal, "cannot start the PMIx server: " + server.status().ToString());
  }
  auto service = std::unique_ptr<PmixService>(new PmixService(folder, std::move(server).value()));
  if (topology.ok()) service->topology_ = std::move(topology).value();
  if (layout.multi_part()) {
    service->exchange_ = std::make_unique<ExchangeClient>(
        spec.exchange, spec.job_id, "pmix", layout.part, static_cast<int>(layout.nodes.size()));
  }
  return service;
}

PmixService::PmixService(std::string folder, std::unique_ptr<PmixServer> server)
    : folder_(std::move(folder)), server_(std::move(server)) {}

PmixService::~PmixService() {
  server_.reset();  // finalized before its files go
  RemoveFolder(folder_);
}

Result<TaskAttachment> PmixService::Attach(const TaskSpec& task) {
  Result<std::vector<std::string>> variables = server_->TaskEnvironment(task.rank);
  if (!variables.ok()) {
    return Status(Code::kInternal, "cannot prepare PMIx for task " + std::to_string(task.rank) +
                                       ": " + variables.status().ToString());
  }
  TaskAttachment attachment;
  attachment.env = std::move(variables).value();
  for (const char* setting : kOpenMpiSettings) {
    if (!HasVariable(task.env, setting)) attachment.env.push_back(setting);
  }
  return attachment;
}

void PmixService::AddPollFds(std::vector<pollfd>& fds) {
  fds.push_back({server_->event_fd(), POLLIN, 0});
  polled_exchange_ = exchange_ != nullptr && exchange_->in_flight();
  if (polled_exchange_) fds.push_back({exchange_->event_fd(), POLLIN, 0});
}

void PmixService::Exchange() {
  if (exchange_ == nullptr) return;
  if (exchange_->in_flight()) {
    std::optional<Result<std::vector<std::string>>> outcome = exchange_->Take();
    if (!outcome) return;
    const uint64_t id = fences_.front().id;
    fences_.pop_front();
    if (!outcome->ok()) {
      std::fprintf(stderr, "converge-shim: PMIx fence across the job's nodes failed: %s\n",
                   outcome->status().ToString().c_str());
      server_->CompleteFence(id, outcome->status());
    } else {
      std::string all;
      for (const std::string& part : **outcome) all += part;
      server_->CompleteFence(id, all);
    }
  }
  if (!fences_.empty()) exchange_->Begin(fences_.front().data);
}

void PmixService::OnPoll(std::span<const pollfd> fds) {
  if (fds.empty()) return;
  if (polled_exchange_ && fds.size() > 1 && (fds[1].revents & POLLIN) != 0) Exchange();
  if ((fds.front().revents & POLLIN) == 0) return;
  for (PmixEvent& event : server_->TakeEvents()) {
    if (event.kind == PmixEvent::Kind::kFence) {
      fences_.push_back({event.fence, std::move(event.message)});
      if (exchange_ != nullptr && !exchange_->in_flight()) Exchange();
      continue;
    }
    if (event.kind != PmixEvent::Kind::kAbort || abort_.has_value()) continue;
    ServiceAbort abort;
    abort.exit_code = event.status;
    abort.message = "PMIx: task " + std::to_string(event.rank) + " aborted the job with status " +
                    std::to_string(event.status) +
                    (event.message.empty() ? "" : ": " + event.message);
    abort_ = std::move(abort);
  }
}

}  // namespace converge::exec
