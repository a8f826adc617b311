// kill -9 of the instance at random moments under load, twenty times on one state folder,
// then a final start: every acknowledged job is still there and ends; jobs that completed
// ran exactly once; nothing ran twice; the only failures allowed are jobs whose shim was
// gone at restart ("lost on instance restart").
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/e2e/instance_test_support.h"

namespace converge::testutil {
namespace {

constexpr int kRounds = 20;

TEST(InstanceCrashTest, KillNineUnderLoadLosesNoJobAndRunsNoneTwice) {
  TempDir files;
  const std::string ledger = files.path() + "/ledger";
  const std::string cluster = files.Write("cluster.yaml", R"(cluster: {name: crash}
nodes:
  - {count: 4, basename: node, sockets: 1, cores_per_socket: 4}
)");
  InstanceLauncher instance({.resources = cluster});
  std::mt19937 random(20261128);
  std::set<int64_t> acknowledged;
  std::mutex mutex;

  for (int round = 0; round < kRounds; ++round) {
    ASSERT_TRUE(instance.Start()) << "round " << round << "\n" << instance.log();
    std::atomic<bool> stop{false};
    std::thread submitter([&] {
      while (!stop) {
        CommandResult submit = instance.Run(
            {"submit", "--cc", "1-4", "sh", "-c",
             "echo $CONVERGE_JOB_ID >> " + ledger + "; sleep 0.0{cc}"});
        std::istringstream ids(submit.out);
        std::lock_guard<std::mutex> lock(mutex);
        for (int64_t id; ids >> id;) acknowledged.insert(id);
        if (submit.exit_code != 0) break;  // the instance is gone
      }
    });
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(30, 400)(random)));
    instance.Kill9();
    stop = true;
    submitter.join();
  }

  ASSERT_TRUE(instance.Start()) << instance.log();
  ASSERT_GT(acknowledged.size(), 20u);
  std::map<std::string, int> results;
  std::set<int64_t> completed;
  for (int64_t id : acknowledged) {
    nlohmann::json job = WaitInactive(instance, id, 60);
    ASSERT_TRUE(job.is_object()) << "job " << id << " was lost";
    ASSERT_EQ(job["state"], "INACTIVE") << job.dump();
    const std::string result = job["result"];
    results[result] += 1;
    if (result == "completed") {
      completed.insert(id);
    } else {
      EXPECT_EQ(result, "failed") << job.dump();
      EXPECT_NE(job["reason"].get<std::string>().find("lost on instance restart"),
                std::string::npos)
          << job.dump();
    }
  }
  std::map<int64_t, int> runs;
  std::istringstream lines(ReadFile(ledger));
  for (int64_t id; lines >> id;) runs[id] += 1;
  for (const auto& [id, count] : runs) EXPECT_EQ(count, 1) << "job " << id << " ran twice";
  for (int64_t id : completed) EXPECT_EQ(runs[id], 1) << "job " << id << " completed unseen";
  std::cerr << "crash test: " << acknowledged.size() << " acknowledged jobs; completed "
            << results["completed"] << ", lost " << results["failed"] << "\n";
  EXPECT_TRUE(instance.Stop());
  instance.PrintLogIfFailed();
}

}  // namespace
}  // namespace converge::testutil
