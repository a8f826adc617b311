#include "cli/task_shares.h"

#include <gtest/gtest.h>

namespace converge::cli {
namespace {

int64_t Mib(const std::string& text) { return ParseMemorySize("--mem", text).value(); }

std::string Error(const Status& status) { return status.ToString(); }

TEST(ParseMemorySizeTest, ReadsSlurmSizesInMegabytesByDefault) {
  EXPECT_EQ(Mib("512"), 512);
  EXPECT_EQ(Mib("512M"), 512);
  EXPECT_EQ(Mib("4G"), 4096);
  EXPECT_EQ(Mib("4g"), 4096);
  EXPECT_EQ(Mib("4GB"), 4096);
  EXPECT_EQ(Mib("4GiB"), 4096);
  EXPECT_EQ(Mib("2T"), 2 * 1024 * 1024);
  EXPECT_EQ(Mib("1536K"), 2);  // rounded up to whole MiB
  EXPECT_EQ(Mib("1K"), 1);
}

TEST(ParseMemorySizeTest, RefusesWhatIsNotASizeNamingTheFlag) {
  for (const char* bad : {"", "G", "4X", "4GG", "-1G", "1.5G", "4 G", "9999999999999999"}) {
    Result<int64_t> parsed = ParseMemorySize("--mem-per-cpu", bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().where(), "--mem-per-cpu") << bad;
  }
  EXPECT_NE(Error(ParseMemorySize("--mem", "0").status()).find("--exclusive"), std::string::npos);
  EXPECT_NE(Error(ParseMemorySize("--mem", "999999999T").status()).find("too large"),
            std::string::npos);
}

TEST(ParseGresGpusTest, CountsGpusAndRefusesOtherResources) {
  EXPECT_EQ(ParseGresGpus("gpu").value(), 1);
  EXPECT_EQ(ParseGresGpus("gpu:4").value(), 4);
  EXPECT_EQ(ParseGresGpus("gpu:1,gpu:2").value(), 3);
  EXPECT_NE(Error(ParseGresGpus("mps:100").status()).find("only GPUs"), std::string::npos);
  EXPECT_NE(Error(ParseGresGpus("gpu:a100:2").status()).find("types"), std::string::npos);
  EXPECT_NE(Error(ParseGresGpus("gpu:x").status()).find("whole number"), std::string::npos);
  EXPECT_NE(Error(ParseGresGpus("gpu:0").status()).find("no GPUs"), std::string::npos);
  EXPECT_FALSE(ParseGresGpus("").ok());
}

TEST(ShareOverSlotsTest, SplitsPerNodeAmountsOverTheTasksOfANode) {
  TaskDemand demand;
  demand.slots_per_node = 4;
  demand.cores_per_task = 2;
  demand.mem_per_node_mib = 10;
  demand.gpus_per_node = 8;
  SlotShare share = ShareOverSlots(demand).value();
  EXPECT_EQ(share.memory_mib, 3);  // rounded up: the node holds at least 10
  EXPECT_EQ(share.gpus, 2);
  demand.mem_per_node_mib = 0;
  demand.mem_per_cpu_mib = 100;
  EXPECT_EQ(ShareOverSlots(demand).value().memory_mib, 200);
}

TEST(ShareOverSlotsTest, RefusesAmbiguousOrUnevenRequests) {
  TaskDemand demand;
  demand.slots_per_node = 3;
  demand.gpus_per_node = 4;
  EXPECT_NE(Error(ShareOverSlots(demand).status()).find("do not split evenly"), std::string::npos);
  demand.gpus_per_node = 3;
  demand.gpus_per_task = 1;
  EXPECT_NE(Error(ShareOverSlots(demand).status()).find("not both"), std::string::npos);
  demand = TaskDemand{};
  demand.mem_per_node_mib = 1;
  demand.mem_per_cpu_mib = 1;
  EXPECT_NE(Error(ShareOverSlots(demand).status()).find("not both"), std::string::npos);
  EXPECT_EQ(ShareOverSlots(TaskDemand{}).value().memory_mib, 0);
}

}  // namespace
}  // namespace converge::cli
