// Helpers for the JobManager and WorkloadManager unit tests: one "life" of an instance — an
// io_context, the SQLite store of a state folder, a FakeExecutor and a JobManager on a
// ManualClock that the test owns (so that time goes on across a restart). Test-only.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "exec/fake_executor.h"
#include "instance/job_manager.h"
#include "instance/manual_clock.h"
#include "resource/readers/cluster_yaml.h"
#include "store/store.h"

namespace converge::instance::testing {

// One node of 4 cores.
inline resource::Graph SmallGraph() {
  Result<resource::Graph> graph =
      resource::ReadClusterYaml("nodes: [{count: 1, sockets: 1, cores_per_socket: 4}]");
  EXPECT_TRUE(graph.ok()) << graph.status().ToString();
  return std::move(graph).value();
}

// A jobspec of `slots` slots of `cores` cores, one task each, running `command`.
inline std::string Jobspec(int slots, int cores, double duration = 0,
                           nlohmann::json command = {"true"}) {
  nlohmann::json system = nlohmann::json::object();
  if (duration > 0) system["duration"] = duration;
  nlohmann::json spec = {
      {"version", 1},
      {"resources",
       {{{"type", "slot"},
         {"count", slots},
         {"label", "task"},
         {"with", {{{"type", "core"}, {"count", cores}}}}}}},
      {"tasks", {{{"command", command}, {"slot", "task"}, {"count", {{"per_slot", 1}}}}}},
      {"attributes", {{"system", system}}}};
  return spec.dump();
}

// An instance's life over the state folder `state_dir`: what a restart throws away (the
// loop, the store's connection, the executor, the manager) and builds again.
struct ManagerLife {
  ManagerLife(const std::string& state_dir, const resource::Graph& graph, Clock& clock) {
    ::mkdir((state_dir + "/output").c_str(), 0700);
    Result<std::unique_ptr<store::Store>> opened =
        store::Store::Open(state_dir + "/state.db", {.synchronous_full = false});
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    store = std::move(opened).value();
    executor = std::make_unique<exec::FakeExecutor>(
        io, [this](int64_t id, Result<exec::ShimResult> result) {
          jobs->OnShimExit(id, std::move(result));
        });
    JobManagerOptions options;
    options.output_dir = state_dir + "/output";
    options.tasks.base_environment = {{"PATH", "/usr/bin:/bin"}};
    options.grace_ms = 700;
    Result<std::unique_ptr<JobManager>> created =
        JobManager::Create(io, graph, *store, *executor, std::move(options), clock);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    jobs = std::move(created).value();
  }

  // Runs every ready handler, and those they post, until none is left. No time passes.
  void Settle() {
    for (int round = 0; round < 100000; ++round) {
      io.restart();
      if (io.poll() == 0) return;
    }
    ADD_FAILURE() << "the io_context never settled";
  }

  // The job's state name, or "gone".
  std::string State(int64_t id) const {
    const Job* job = jobs->Find(id);
    return job ? job->record.state : "gone";
  }

  // Submits one jobspec as uid 1000 and settles; returns its id (0 on failure).
  int64_t Submit(const std::string& jobspec) {
    Result<std::vector<int64_t>> ids = jobs->Submit(Caller{1000, false}, {jobspec});
    EXPECT_TRUE(ids.ok()) << ids.status().ToString();
    Settle();
    return ids.ok() ? ids->front() : 0;
  }

  // Declared so that destruction runs manager, executor, store, loop: handlers still queued
  // are dropped with the loop, never run.
  boost::asio::io_context io;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<exec::FakeExecutor> executor;
  std::unique_ptr<JobManager> jobs;
};

}  // namespace converge::instance::testing
