#include "cli/status_tables.h"

#include <gtest/gtest.h>

namespace converge::cli {
namespace {

using nlohmann::json;

TEST(QueueTableTest, PolicyCountsAndPendingReasons) {
  json queue = json::parse(R"({
    "policy": "easy", "match": "pack", "stopping": false,
    "counts": {"DEPEND": 1, "PRIORITY": 0, "SCHED": 2, "RUN": 3, "CLEANUP": 0},
    "pending": [
      {"id": 7, "user": "alice", "name": "sim", "state": "SCHED",
       "reason": "waiting for 4 nodes", "reserved_start": 1000090},
      {"id": 8, "user": "bob", "name": "post", "state": "DEPEND",
       "reason": "waiting for afterok:7", "reserved_start": null}]})");
  EXPECT_EQ(FormatQueue(queue, 1000000),
            "policy: easy, match pack\n"
            "jobs:   1 depend, 0 priority, 2 sched, 3 run, 0 cleanup\n"
            "\n"
            "JOBID USER  NAME ST START   REASON\n"
            "    7 alice sim  S  in 1:30 waiting for 4 nodes\n"
            "    8 bob   post D          waiting for afterok:7\n");
}

TEST(QueueTableTest, AnEmptyQueueHasNoTable) {
  json queue = {{"policy", "fcfs"},
                {"stopping", true},
                {"counts", json::object()},
                {"pending", json::array()}};
  EXPECT_EQ(FormatQueue(queue, 0),
            "policy: fcfs (stopping)\n"
            "jobs:   0 depend, 0 priority, 0 sched, 0 run, 0 cleanup\n");
}

TEST(ResourceTableTest, OneLinePerStateThenTheFreeCounts) {
  json resources = json::parse(R"({
    "totals": {"nodes": 4, "cores": 16, "cores_free": 6, "gpus": 4, "gpus_free": 1},
    "states": [
      {"state": "free", "nnodes": 1, "ncores": 4, "ngpus": 1, "nodelist": "node1"},
      {"state": "mixed", "nnodes": 1, "ncores": 4, "ngpus": 1, "nodelist": "node3"},
      {"state": "allocated", "nnodes": 1, "ncores": 4, "ngpus": 1, "nodelist": "node0"},
      {"state": "drained", "nnodes": 1, "ncores": 4, "ngpus": 1, "nodelist": "node2"}],
    "nodes": []})");
  EXPECT_EQ(FormatLiveResources(resources),
            "    STATE NNODES NCORES NGPUS NODELIST\n"
            "     free      1      4     1 node1\n"
            "    mixed      1      4     1 node3\n"
            "allocated      1      4     1 node0\n"
            "  drained      1      4     1 node2\n"
            "free: 6 of 16 cores, 1 of 4 GPUs\n");
}

TEST(ResourceTableTest, PropertiesGetAColumnAndMemoryTheFreeLine) {
  json resources = json::parse(R"({
    "totals": {"nodes": 2, "cores": 8, "cores_free": 8, "gpus": 0, "gpus_free": 0,
               "memory_mib": 8192, "memory_free_mib": 4096},
    "states": [
      {"state": "free", "properties": "", "nnodes": 1, "ncores": 4, "ngpus": 0,
       "nodelist": "n0"},
      {"state": "free", "properties": "ib,arch=x86_64", "nnodes": 1, "ncores": 4,
       "ngpus": 0, "nodelist": "n1"}],
    "nodes": []})");
  EXPECT_EQ(FormatLiveResources(resources),
            "STATE NNODES NCORES NGPUS PROPERTIES     NODELIST\n"
            " free      1      4     0                n0\n"
            " free      1      4     0 ib,arch=x86_64 n1\n"
            "free: 8 of 8 cores, 0 of 0 GPUs, 4096 of 8192 MiB memory\n");
}

}  // namespace
}  // namespace converge::cli
