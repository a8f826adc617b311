#include "exec/pmix_server.h"

#include <hwloc.h>
#include <pmix.h>
#include <pmix_server.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <mutex>
#include <utility>

#include "exec/run_files.h"

namespace converge::exec {

// The events the upcalls queue for the owner. Push() runs on the library's progress thread,
// Take() on the owner's; both only touch what `mutex_` guards, plus the eventfd.
class PmixServer::Channel {
 public:
  struct Fence {
    pmix_modex_cbfunc_t callback;
    void* data;
  };

  Channel(int event_fd, const PmixJobInfo& job) : event_fd_(event_fd), size_(job.size) {
    for (int rank = 0; rank < job.size; ++rank) {
      local_.push_back(!job.layout.multi_part() || job.layout.rank_nodes[rank] == job.layout.part);
    }
    multi_part_ = job.layout.multi_part();
  }
  ~Channel() { ::close(event_fd_); }

  bool multi_part() const { return multi_part_; }
  int size() const { return size_; }
  bool local(pmix_rank_t rank) const { return rank < local_.size() && local_[rank]; }

  // Keeps a fence's completion until the owner ends it; returns its id.
  uint64_t AddFence(Fence fence) {
    std::lock_guard<std::mutex> lock(mutex_);
    fences_[++last_fence_] = fence;
    return last_fence_;
  }
  std::optional<Fence> TakeFence(uint64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = fences_.find(id);
    if (it == fences_.end()) return std::nullopt;
    Fence fence = it->second;
    fences_.erase(it);
    return fence;
  }

  void Push(PmixEvent event) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      events_.push_back(std::move(event));
    }
    const uint64_t one = 1;
    ssize_t written;
    do {
      written = ::write(event_fd_, &one, sizeof one);
    } while (written < 0 && errno == EINTR);
  }

  std::vector<PmixEvent> Take() {
    uint64_t count = 0;
    while (::read(event_fd_, &count, sizeof count) < 0 && errno == EINTR) {
    }
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<PmixEvent> taken(std::make_move_iterator(events_.begin()),
                                 std::make_move_iterator(events_.end()));
    events_.clear();
    return taken;
  }

  int event_fd() const { return event_fd_; }

 private:
  const int event_fd_;
  const int size_;
  std::vector<bool> local_;  // by rank: a client of this server
  bool multi_part_ = false;
  std::mutex mutex_;
  std::deque<PmixEvent> events_;  // guarded by mutex_
  std::map<uint64_t, Fence> fences_;  // guarded by mutex_
  uint64_t last_fence_ = 0;           // guarded by mutex_
};

namespace {

using Channel = PmixServer::Channel;

Status LibraryError(const std::string& call, pmix_status_t rc) {
  return Status(Code::kInternal, call + ": " + PMIx_Error_string(rc));
}

// Upcalls (on the library's progress thread). `server_object` is the Channel every client was
// registered with.

pmix_status_t OnConnected(const pmix_proc_t* proc, void* server_object, pmix_info_t[], size_t,
                          pmix_op_cbfunc_t, void*) {
  if (server_object != nullptr) {
    static_cast<Channel*>(server_object)
        ->Push({PmixEvent::Kind::kConnected, static_cast<int>(proc->rank), 0, ""});
  }
  return PMIX_OPERATION_SUCCEEDED;
}

pmix_status_t OnFinalized(const pmix_proc_t* proc, void* server_object, pmix_op_cbfunc_t, void*) {
  if (server_object != nullptr) {
    static_cast<Channel*>(server_object)
        ->Push({PmixEvent::Kind::kFinalized, static_cast<int>(proc->rank), 0, ""});
  }
  return PMIX_OPERATION_SUCCEEDED;
}

pmix_status_t OnAbort(const pmix_proc_t* proc, void* server_object, int status, const char msg[],
                      pmix_proc_t[], size_t, pmix_op_cbfunc_t, void*) {
  // Whatever subset of procs it names, an abort ends the whole job.
  if (server_object != nullptr) {
    static_cast<Channel*>(server_object)
        ->Push({PmixEvent::Kind::kAbort, static_cast<int>(proc->rank), status,
                msg != nullptr ? msg : ""});
  }
  return PMIX_OPERATION_SUCCEEDED;
}

// The channel of the process's one server, for the fence upcall, which gets no context (the
// library is process-global; PmixServer::Start sets it before the library starts).
std::atomic<Channel*> fence_channel{nullptr};

// A fence whose participants are all local clients: the data the library collected is already
// everything, so it goes straight back (the library copies it before `data` is freed). Over the
// whole job of several parts: queued for the owner's exchange.
pmix_status_t OnFence(const pmix_proc_t procs[], size_t nprocs, const pmix_info_t[], size_t,
                      char* data, size_t ndata, pmix_modex_cbfunc_t cbfunc, void* cbdata) {
  Channel* channel = fence_channel.load();
  bool all_local = true;
  bool whole_job = false;
  std::vector<bool> named(channel != nullptr ? static_cast<size_t>(channel->size()) : 0, false);
  size_t distinct = 0;
  for (size_t i = 0; i < nprocs; ++i) {
    if (procs[i].rank == PMIX_RANK_WILDCARD) {
      whole_job = true;
      all_local = all_local && (channel == nullptr || !channel->multi_part());
      continue;
    }
    all_local = all_local && (channel == nullptr || channel->local(procs[i].rank));
    if (procs[i].rank < named.size() && !named[procs[i].rank]) {
      named[procs[i].rank] = true;
      ++distinct;
    }
  }
  whole_job = whole_job || (channel != nullptr && distinct == named.size());
  if (all_local || channel == nullptr) {
    if (cbfunc != nullptr) cbfunc(PMIX_SUCCESS, data, ndata, cbdata, nullptr, nullptr);
    return PMIX_SUCCESS;
  }
  if (!whole_job) return PMIX_ERR_NOT_SUPPORTED;  // some remote ranks only: no such exchange
  const uint64_t id = channel->AddFence({cbfunc, cbdata});
  PmixEvent event{PmixEvent::Kind::kFence, 0, 0, std::string(data != nullptr ? data : "", ndata),
                  id};
  channel->Push(std::move(event));
  return PMIX_SUCCESS;
}

// Asked for a peer's data the library does not hold: on one node there is no other server to
// ask, so there is nothing to find.
pmix_status_t OnDirectModex(const pmix_proc_t*, const pmix_info_t[], size_t, pmix_modex_cbfunc_t,
                            void*) {
  return PMIX_ERR_NOT_SUPPORTED;
}

// Owns a pmix_info_t list built with PMIx_Info_list_* (copies of the values added).
class InfoList {
 public:
  InfoList() : list_(PMIx_Info_list_start()) {}
  ~InfoList() { PMIx_Info_list_release(list_); }
  InfoList(const InfoList&) = delete;
  InfoList& operator=(const InfoList&) = delete;

  void Add(const char* key, const void* value, pmix_data_type_t type) {
    if (status_ == PMIX_SUCCESS) status_ = PMIx_Info_list_add(list_, key, value, type);
  }
  void String(const char* key, const std::string& value) { Add(key, value.c_str(), PMIX_STRING); }
  void U32(const char* key, uint32_t value) { Add(key, &value, PMIX_UINT32); }
  void U16(const char* key, uint16_t value) { Add(key, &value, PMIX_UINT16); }
  void Rank(const char* key, pmix_rank_t value) { Add(key, &value, PMIX_PROC_RANK); }
  void Bool(const char* key, bool value) { Add(key, &value, PMIX_BOOL); }
  // Adds `inner` as a nested array of pmix_info_t under `key`.
  void Array(const char* key, InfoList& inner) {
    pmix_data_array_t array;
    PMIX_DATA_ARRAY_CONSTRUCT(&array, 0, PMIX_INFO);
    if (status_ == PMIX_SUCCESS) status_ = inner.status_;
    if (status_ == PMIX_SUCCESS) status_ = PMIx_Info_list_convert(inner.list_, &array);
    Add(key, &array, PMIX_DATA_ARRAY);
    PMIX_DATA_ARRAY_DESTRUCT(&array);
  }
  // The list as one array (owned by the caller: PMIX_DATA_ARRAY_DESTRUCT), or the first error.
  pmix_status_t Convert(pmix_data_array_t* array) {
    PMIX_DATA_ARRAY_CONSTRUCT(array, 0, PMIX_INFO);
    if (status_ != PMIX_SUCCESS) return status_;
    return PMIx_Info_list_convert(list_, array);
  }
  pmix_status_t status() const { return status_; }

 private:
  void* list_;
  pmix_status_t status_ = PMIX_SUCCESS;
};

// Takes a string the library allocated with malloc.
std::string Adopt(char* text) {
  std::string copy = text != nullptr ? text : "";
  std::free(text);
  return copy;
}

void LoadProc(pmix_proc_t& proc, const std::string& nspace, int rank) {
  PMIX_PROC_CONSTRUCT(&proc);
  PMIX_LOAD_PROCID(&proc, nspace.c_str(), static_cast<pmix_rank_t>(rank));
}

}  // namespace

Result<std::unique_ptr<PmixServer>> PmixServer::Start(const PmixJobInfo& given) {
  PmixJobInfo job = given;
  if (job.nspace.empty() || job.nspace.size() > PMIX_MAX_NSLEN) {
    return Status::Invalid("pmix.nspace",
                           "must have 1 to " + std::to_string(PMIX_MAX_NSLEN) + " characters");
  }
  if (job.size <= 0) return Status::Invalid("pmix.size", "must be at least 1");
  if (job.tmpdir.empty()) return Status::Invalid("pmix.tmpdir", "must name a folder");
  if (job.hostname.empty()) {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) {
      return Status(Code::kInternal, "gethostname: " + ErrnoText(errno));
    }
    job.hostname = name;
  }
  const int event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd < 0) return Status(Code::kInternal, "cannot create an eventfd: " + ErrnoText(errno));
  if (job.layout.multi_part()) {
    if (job.layout.size() != job.size) {
      ::close(event_fd);
      return Status::Invalid("pmix.layout", "must place the job's " + std::to_string(job.size) +
                                                " ranks");
    }
    job.hostname = job.layout.nodes[static_cast<size_t>(job.layout.part)];
  }
  auto channel = std::make_unique<Channel>(event_fd, job);
  fence_channel.store(channel.get());

  pmix_server_module_t module;
  std::memset(&module, 0, sizeof module);
  module.client_connected2 = OnConnected;
  module.client_finalized = OnFinalized;
  module.abort = OnAbort;
  module.fence_nb = OnFence;
  module.direct_modex = OnDirectModex;

  InfoList options;
  options.String(PMIX_SERVER_TMPDIR, job.tmpdir);
  options.String(PMIX_SYSTEM_TMPDIR, job.tmpdir);  // nothing of ours outside the job's folder
  options.Bool(PMIX_SERVER_TOOL_SUPPORT, false);
  options.Bool(PMIX_SERVER_SYSTEM_SUPPORT, false);
  options.Bool(PMIX_SERVER_SESSION_SUPPORT, false);
  options.Bool(PMIX_SERVER_REMOTE_CONNECTIONS, false);
  options.String(PMIX_SERVER_NSPACE, job.nspace + ".shim");
  options.Rank(PMIX_SERVER_RANK, static_cast<pmix_rank_t>(job.layout.part));
  pmix_topology_t topology{const_cast<char*>("hwloc:" HWLOC_VERSION), job.topology};
  if (job.topology != nullptr) options.Add(PMIX_TOPOLOGY2, &topology, PMIX_TOPO);
  pmix_data_array_t array;
  if (pmix_status_t rc = options.Convert(&array); rc != PMIX_SUCCESS) {
    return LibraryError("PMIx_Info_list (server options)", rc);
  }
  const pmix_status_t rc =
      PMIx_server_init(&module, static_cast<pmix_info_t*>(array.array), array.size);
  PMIX_DATA_ARRAY_DESTRUCT(&array);
  if (rc != PMIX_SUCCESS) return LibraryError("PMIx_server_init", rc);

  std::unique_ptr<PmixServer> server(new PmixServer(std::move(job), std::move(channel)));
  CONVERGE_RETURN_IF_ERROR(server->RegisterNamespace());
  return server;
}

PmixServer::PmixServer(PmixJobInfo job, std::unique_ptr<Channel> channel)
    : job_(std::move(job)), channel_(std::move(channel)) {}

PmixServer::~PmixServer() {
  if (registered_) PMIx_server_deregister_nspace(job_.nspace.c_str(), nullptr, nullptr);
  PMIx_server_finalize();  // stops the progress thread before channel_ goes
  fence_channel.store(nullptr);
}

void PmixServer::CompleteFence(uint64_t fence, const Result<std::string>& all_data) {
  std::optional<Channel::Fence> waiting = channel_->TakeFence(fence);
  if (!waiting || waiting->callback == nullptr) return;
  if (!all_data.ok()) {
    waiting->callback(PMIX_ERROR, nullptr, 0, waiting->data, nullptr, nullptr);
    return;
  }
  // The library reads the data later, on its own thread, and then releases it.
  auto* copy = new std::string(*all_data);
  waiting->callback(
      PMIX_SUCCESS, copy->data(), copy->size(), waiting->data,
      [](void* text) { delete static_cast<std::string*>(text); }, copy);
}

Status PmixServer::RegisterNamespace() {
  // Where the ranks are: one node named job_.hostname, unless the job has parts.
  const bool parts = job_.layout.multi_part();
  const std::vector<std::string> nodes =
      parts ? job_.layout.nodes : std::vector<std::string>{job_.hostname};
  const int here = parts ? job_.layout.part : 0;
  std::vector<int> node_of(static_cast<size_t>(job_.size), 0);
  if (parts) node_of = job_.layout.rank_nodes;
  std::vector<std::vector<int>> ranks_on(nodes.size());
  std::vector<int> local_rank(node_of.size(), 0);
  for (int rank = 0; rank < job_.size; ++rank) {
    std::vector<int>& on = ranks_on[static_cast<size_t>(node_of[rank])];
    local_rank[rank] = static_cast<int>(on.size());
    on.push_back(rank);
  }
  auto join = [](const std::vector<int>& ranks) {
    std::string text;
    for (int rank : ranks) text += (text.empty() ? "" : ",") + std::to_string(rank);
    return text;
  };
  std::string node_list;
  std::string ppn;
  for (size_t node = 0; node < nodes.size(); ++node) {
    node_list += (node == 0 ? "" : ",") + nodes[node];
    ppn += (node == 0 ? "" : ";") + join(ranks_on[node]);
  }
  const std::vector<int>& local = ranks_on[static_cast<size_t>(here)];
  const std::string peers = join(local);
  char* node_regex = nullptr;
  if (pmix_status_t rc = PMIx_generate_regex(node_list.c_str(), &node_regex);
      rc != PMIX_SUCCESS) {
    return LibraryError("PMIx_generate_regex", rc);
  }
  const std::string node_map = Adopt(node_regex);
  char* proc_regex = nullptr;
  if (pmix_status_t rc = PMIx_generate_ppn(ppn.c_str(), &proc_regex); rc != PMIX_SUCCESS) {
    return LibraryError("PMIx_generate_ppn", rc);
  }
  const std::string proc_map = Adopt(proc_regex);
  const auto size = static_cast<uint32_t>(job_.size);
  const auto local_size = static_cast<uint32_t>(local.size());

  InfoList info;
  info.String(PMIX_JOBID, job_.nspace);
  info.U32(PMIX_UNIV_SIZE, size);
  info.U32(PMIX_JOB_SIZE, size);
  info.U32(PMIX_MAX_PROCS, size);
  info.U32(PMIX_JOB_NUM_APPS, 1);
  info.U32(PMIX_APP_SIZE, size);
  info.U32(PMIX_NUM_NODES, static_cast<uint32_t>(nodes.size()));
  info.String(PMIX_NODE_MAP, node_map);
  info.String(PMIX_PROC_MAP, proc_map);
  info.String(PMIX_NODE_LIST, node_list);
  info.String(PMIX_LOCAL_PEERS, peers);
  info.U32(PMIX_LOCAL_SIZE, local_size);
  info.U32(PMIX_NODE_SIZE, local_size);
  info.Rank(PMIX_LOCALLDR, static_cast<pmix_rank_t>(local.empty() ? 0 : local.front()));
  info.Rank(PMIX_APPLDR, 0);
  info.String(PMIX_TMPDIR, job_.tmpdir);
  info.String(PMIX_NSDIR, job_.tmpdir);
  if (!job_.topology_xml.empty()) {
    info.String(PMIX_HWLOC_XML_V2, job_.topology_xml);  // what Open MPI 4.1 looks for
    info.String(PMIX_LOCAL_TOPO, job_.topology_xml);
  }
  for (int rank = 0; rank < job_.size; ++rank) {
    InfoList proc;
    proc.Rank(PMIX_RANK, static_cast<pmix_rank_t>(rank));
    proc.U32(PMIX_APPNUM, 0);
    proc.Rank(PMIX_APP_RANK, static_cast<pmix_rank_t>(rank));
    proc.Rank(PMIX_GLOBAL_RANK, static_cast<pmix_rank_t>(rank));
    proc.U16(PMIX_LOCAL_RANK, static_cast<uint16_t>(local_rank[rank]));
    proc.U16(PMIX_NODE_RANK, static_cast<uint16_t>(local_rank[rank]));
    proc.String(PMIX_HOSTNAME, nodes[static_cast<size_t>(node_of[rank])]);
    proc.U32(PMIX_NODEID, static_cast<uint32_t>(node_of[rank]));
    info.Array(PMIX_PROC_INFO_ARRAY, proc);
  }
  pmix_data_array_t array;
  if (pmix_status_t rc = info.Convert(&array); rc != PMIX_SUCCESS) {
    return LibraryError("PMIx_Info_list (job info)", rc);
  }
  const pmix_status_t rc = PMIx_server_register_nspace(
      job_.nspace.c_str(), static_cast<int>(local_size), static_cast<pmix_info_t*>(array.array),
      array.size, nullptr, nullptr);
  PMIX_DATA_ARRAY_DESTRUCT(&array);
  if (rc != PMIX_SUCCESS && rc != PMIX_OPERATION_SUCCEEDED) {
    return LibraryError("PMIx_server_register_nspace " + job_.nspace, rc);
  }
  registered_ = true;
  return Status::Ok();
}

Result<std::vector<std::string>> PmixServer::TaskEnvironment(int rank) {
  if (rank < 0 || rank >= job_.size) {
    return Status::Invalid(
        "rank", std::to_string(rank) + " is outside the job's 0.." + std::to_string(job_.size - 1));
  }
  pmix_proc_t proc;
  LoadProc(proc, job_.nspace, rank);
  const std::string who = job_.nspace + " rank " + std::to_string(rank);
  pmix_status_t rc =
      PMIx_server_register_client(&proc, job_.uid, job_.gid, channel_.get(), nullptr, nullptr);
  if (rc != PMIX_SUCCESS && rc != PMIX_OPERATION_SUCCEEDED) {
    return LibraryError("PMIx_server_register_client " + who, rc);
  }
  char** env = nullptr;
  rc = PMIx_server_setup_fork(&proc, &env);
  std::vector<std::string> variables;
  for (char** entry = env; entry != nullptr && *entry != nullptr; ++entry) {
    variables.push_back(Adopt(*entry));
  }
  std::free(env);
  if (rc != PMIX_SUCCESS) return LibraryError("PMIx_server_setup_fork " + who, rc);
  return variables;
}

int PmixServer::event_fd() const { return channel_->event_fd(); }

std::vector<PmixEvent> PmixServer::TakeEvents() { return channel_->Take(); }

}  // namespace converge::exec
