#include "exec/pmi_simple_service.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "exec/run_files.h"

namespace converge::exec {

namespace {

constexpr size_t kReadChunk = 65536;

}  // namespace

Result<std::unique_ptr<PmiSimpleService>> PmiSimpleService::Make(const ShimSpec& spec,
                                                                 PmiLimits limits) {
  const std::vector<TaskSpec>& tasks = spec.tasks;
  if (tasks.empty()) return Status::Invalid("tasks", "PMI needs at least one task");
  const std::string kvsname = "converge." + std::to_string(spec.job_id);
  if (spec.layout.multi_part()) {
    // ShimSpecFromJson checked that the tasks are exactly the layout's ranks of this part.
    if (spec.exchange.url.empty()) {
      return Status::Invalid("exchange", "a job on several nodes needs the exchange's address");
    }
    auto service = std::unique_ptr<PmiSimpleService>(
        new PmiSimpleService(spec.layout, kvsname, limits));
    service->exchange_ = std::make_unique<ExchangeClient>(
        spec.exchange, spec.job_id, "pmi", spec.layout.part,
        static_cast<int>(spec.layout.nodes.size()));
    return service;
  }
  std::vector<bool> seen(tasks.size(), false);
  for (const TaskSpec& task : tasks) {
    const size_t rank = static_cast<size_t>(task.rank);
    if (task.rank < 0 || rank >= tasks.size() || seen[rank]) {
      return Status::Invalid("tasks", "PMI needs ranks 0.." + std::to_string(tasks.size() - 1) +
                                          " once each; rank " + std::to_string(task.rank) +
                                          " is out of place");
    }
    seen[rank] = true;
  }
  JobLayout one_node{{"local"}, std::vector<int>(tasks.size(), 0), 0};
  auto service =
      std::unique_ptr<PmiSimpleService>(new PmiSimpleService(one_node, kvsname, limits));
  return service;
}

PmiSimpleService::PmiSimpleService(const JobLayout& layout, std::string kvsname, PmiLimits limits)
    : server_(layout.nodes.size() > 1 ? PmiSimpleServer(layout, std::move(kvsname), limits)
                                      : PmiSimpleServer(layout.size(), std::move(kvsname), limits)),
      connections_(static_cast<size_t>(layout.size())),
      local_index_(static_cast<size_t>(layout.size()), -1) {
  for (size_t rank = 0; rank < local_index_.size(); ++rank) {
    if (layout.rank_nodes[rank] == layout.part) local_index_[rank] = local_count_++;
  }
}

PmiSimpleService::~PmiSimpleService() {
  for (Connection& connection : connections_) {
    if (connection.fd >= 0) ::close(connection.fd);
    if (connection.task_fd >= 0) ::close(connection.task_fd);
  }
}

Result<TaskAttachment> PmiSimpleService::Attach(const TaskSpec& task) {
  if (!server_.served(task.rank)) {
    return Status::Invalid("rank", "task " + std::to_string(task.rank) + " is not this node's");
  }
  Connection& connection = connections_.at(static_cast<size_t>(task.rank));
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    return Status(Code::kInternal, "cannot create the PMI socket of task " +
                                       std::to_string(task.rank) + ": " + ErrnoText(errno));
  }
  // Only the shim's end is non-blocking: the task's libpmi expects blocking reads.
  int shim_end = ends[0];
  if (int flags = ::fcntl(shim_end, F_GETFL);
      flags < 0 || ::fcntl(shim_end, F_SETFL, flags | O_NONBLOCK) != 0) {
    const int error = errno;
    ::close(ends[0]);
    ::close(ends[1]);
    return Status(Code::kInternal, "cannot set up the PMI socket: " + ErrnoText(error));
  }
  connection.fd = shim_end;
  connection.task_fd = ends[1];
  const std::string size = std::to_string(server_.size());
  TaskAttachment attachment;
  attachment.fd = connection.task_fd;
  attachment.fd_variable = "PMI_FD";
  attachment.env = {"PMI_RANK=" + std::to_string(task.rank), "PMI_SIZE=" + size, "PMI_SPAWNED=0",
                    "MPI_LOCALNRANKS=" + std::to_string(local_count_),
                    "MPI_LOCALRANKID=" + std::to_string(local_index_[static_cast<size_t>(task.rank)])};
  return attachment;
}

void PmiSimpleService::Launched(const TaskSpec& task) {
  Connection& connection = connections_.at(static_cast<size_t>(task.rank));
  if (connection.task_fd >= 0) ::close(connection.task_fd);
  connection.task_fd = -1;
}

void PmiSimpleService::AddPollFds(std::vector<pollfd>& fds) {
  polled_.clear();
  for (size_t rank = 0; rank < connections_.size(); ++rank) {
    const Connection& connection = connections_[rank];
    if (connection.fd < 0) continue;
    const short events = static_cast<short>(POLLIN | (connection.pending.empty() ? 0 : POLLOUT));
    fds.push_back({connection.fd, events, 0});
    polled_.push_back(static_cast<int>(rank));
  }
  polled_exchange_ = exchange_ != nullptr && exchange_->in_flight();
  if (polled_exchange_) fds.push_back({exchange_->event_fd(), POLLIN, 0});
}

void PmiSimpleService::OnPoll(std::span<const pollfd> fds) {
  for (size_t i = 0; i < fds.size() && i < polled_.size(); ++i) {
    const int rank = polled_[i];
    if (connections_[static_cast<size_t>(rank)].fd != fds[i].fd) continue;
    if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) Read(rank);
  }
  Exchange();
  // A barrier's release goes to every rank: flush them all.
  for (size_t rank = 0; rank < connections_.size(); ++rank) Flush(static_cast<int>(rank));
}

std::optional<ServiceAbort> PmiSimpleService::abort() const {
  if (!server_.abort()) return std::nullopt;
  return ServiceAbort{server_.abort()->exit_code, "PMI: " + server_.abort()->message};
}

void PmiSimpleService::Exchange() {
  if (exchange_ == nullptr) return;
  if (exchange_->in_flight()) {
    std::optional<Result<std::vector<std::string>>> outcome = exchange_->Take();
    if (!outcome) return;
    if (outcome->ok()) {
      server_.CompleteFence(**outcome);
    } else {
      server_.FailFence(outcome->status().message());
    }
  }
  if (std::optional<std::string> fence = server_.TakeFence()) exchange_->Begin(std::move(*fence));
}

void PmiSimpleService::Read(int rank) {
  Connection& connection = connections_[static_cast<size_t>(rank)];
  char buffer[kReadChunk];
  ssize_t n;
  do {
    n = ::read(connection.fd, buffer, sizeof buffer);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (n <= 0) {
    server_.Disconnected(rank);
    return Close(rank);
  }
  server_.Receive(rank, std::string_view(buffer, static_cast<size_t>(n)));
}

void PmiSimpleService::Flush(int rank) {
  Connection& connection = connections_[static_cast<size_t>(rank)];
  if (connection.fd < 0) return;
  connection.pending += server_.TakeOutput(rank);
  while (!connection.pending.empty()) {
    const ssize_t n = ::send(connection.fd, connection.pending.data(), connection.pending.size(),
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) {
      server_.Disconnected(rank);
      return Close(rank);
    }
    connection.pending.erase(0, static_cast<size_t>(n));
  }
  if (connection.pending.size() > kMaxPendingOutput) {
    // The task does not read its replies: it is lost to the job.
    server_.Disconnected(rank);
    return Close(rank);
  }
  if (server_.closed(rank)) Close(rank);  // what fit is sent; the rest is dropped
}

void PmiSimpleService::Close(int rank) {
  Connection& connection = connections_[static_cast<size_t>(rank)];
  if (connection.fd >= 0) ::close(connection.fd);
  connection.fd = -1;
  connection.pending.clear();
}

}  // namespace converge::exec
