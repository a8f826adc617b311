#include "instance/provenance_recorder.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "tests/testutil/run_command.h"

namespace converge::instance {
namespace {

provenance::NodeFacts Facts(const std::string& kernel) {
  provenance::NodeFacts facts;
  facts.hostname = "host";
  facts.kernel_release = kernel;
  facts.topology_xml = "<topology/>";
  return facts;
}

class ProvenanceRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::Store::Open(dir_.path() + "/state.db").value();
    QueueConfig good{"good"};
    good.kernels = {Facts("6.1").KernelDigest()};
    queues_ = {good, QueueConfig{"plain"}};
  }

  Job MakeJob(int64_t id, const std::string& queue, bool require_blessed) {
    Job job;
    job.record.id = id;
    job.record.queue = queue;
    job.active = std::make_unique<ActiveJob>();
    job.active->spec.system.environment = {{"MODE", "fast"}};
    if (require_blessed) job.active->spec.system.extra["require_blessed"] = true;
    return job;
  }

  exec::ShimSpec Spec(const std::vector<std::string>& nodes) {
    exec::ShimSpec spec;
    for (const std::string& node : nodes) {
      exec::TaskSpec task;
      task.argv = {"sh", "-c", "true"};
      task.env = {"PATH=/usr/bin:/bin"};
      task.node = node;
      spec.tasks.push_back(task);
    }
    spec.cwd = "/";
    return spec;
  }

  nlohmann::json Record(int64_t id) {
    EXPECT_TRUE(store_->Commit().ok());
    Result<std::optional<std::string>> text = store_->ReadProvenance(id);
    if (!text.ok() || !text->has_value()) return nullptr;
    return nlohmann::json::parse(**text);
  }

  testutil::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::vector<QueueConfig> queues_;
};

TEST_F(ProvenanceRecorderTest, EachNodeIsNamedByTheDigestOfTheFactsItRegistered) {
  ProvenanceRecorder recorder(*store_, Facts("6.1"), queues_);
  ASSERT_TRUE(recorder.SetNodeFacts("n2", provenance::ToJson(Facts("6.2"), true).dump()).ok());
  EXPECT_FALSE(recorder.SetNodeFacts("n3", "{}").ok());
  Job job = MakeJob(1, "plain", false);
  ASSERT_TRUE(recorder.Record(job, Spec({"n1", "n2", "n1"}), 100).ok());
  const nlohmann::json record = Record(1);
  ASSERT_EQ(record["nodes"].size(), 2u) << record.dump();
  EXPECT_EQ(record["nodes"][0]["name"], "n1");
  EXPECT_EQ(record["nodes"][0]["facts"], Facts("6.1").Digest());  // no facts of its own
  EXPECT_EQ(record["nodes"][1]["facts"], Facts("6.2").Digest());
  char sh[PATH_MAX];
  ASSERT_NE(::realpath("/usr/bin/sh", sh), nullptr);
  EXPECT_EQ(record["command"]["path"], sh) << "sh resolved through its link";
  EXPECT_EQ(record["command"]["digest"].get<std::string>().size(), 64u);
  EXPECT_NE(record["command"]["libraries"].dump().find("libc.so.6"), std::string::npos)
      << record["command"].dump();
  EXPECT_TRUE(record["environment"]["variables"].contains("MODE"));
  EXPECT_TRUE(record["blessed"].is_null());
  // Both node facts are in the store, once each.
  EXPECT_TRUE(store_->ReadNodeFacts(Facts("6.1").Digest())->has_value());
  EXPECT_TRUE(store_->ReadNodeFacts(Facts("6.2").Digest())->has_value());
}

TEST_F(ProvenanceRecorderTest, BlessingFollowsTheQueuesDigestsAndRefusesAtLaunch) {
  ProvenanceRecorder recorder(*store_, Facts("6.1"), queues_);
  ASSERT_TRUE(recorder.SetNodeFacts("n2", provenance::ToJson(Facts("6.2"), true).dump()).ok());
  EXPECT_EQ(recorder.Blessed("good", "n1"), true);
  EXPECT_EQ(recorder.Blessed("good", "n2"), false);
  EXPECT_EQ(recorder.Blessed("plain", "n1"), std::nullopt);
  EXPECT_EQ(recorder.BlessedNodes("good", {"n1", "n2", "n3"}),
            (std::vector<std::string>{"n1", "n3"}));

  Job blessed = MakeJob(1, "good", true);
  ASSERT_TRUE(recorder.Record(blessed, Spec({"n1"}), 100).ok());
  EXPECT_EQ(Record(1)["blessed"], true);
  Job mixed = MakeJob(2, "good", false);
  ASSERT_TRUE(recorder.Record(mixed, Spec({"n1", "n2"}), 100).ok());
  EXPECT_EQ(Record(2)["blessed"], false);
  // A node whose agent came back with another kernel is refused to a job that requires it.
  Job strict = MakeJob(3, "good", true);
  Status refused = recorder.Record(strict, Spec({"n1", "n2"}), 100);
  EXPECT_EQ(refused.code(), Code::kPermissionDenied);
  EXPECT_NE(refused.message().find("node n2 is not blessed for queue good"), std::string::npos)
      << refused.ToString();
  EXPECT_TRUE(Record(3).is_null()) << "nothing is written for a refused job";
}

}  // namespace
}  // namespace converge::instance
