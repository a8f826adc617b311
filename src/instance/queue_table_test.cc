#include "instance/queue_table.h"

#include <gtest/gtest.h>

namespace converge::instance {
namespace {

using sched::QueuePolicy;

jobspec::Jobspec Job(const std::string& queue, double duration, int64_t nodes = 0) {
  jobspec::Jobspec spec;
  spec.version = 1;
  jobspec::ResourceRequest slot;
  slot.type = "slot";
  if (nodes > 0) {
    jobspec::ResourceRequest node;
    node.type = "node";
    node.count = jobspec::Count::Fixed(nodes);
    node.with.push_back(slot);
    spec.resources.push_back(node);
  } else {
    spec.resources.push_back(slot);
  }
  spec.system.queue = queue;
  spec.system.duration = duration;
  return spec;
}

TEST(ParseQueueFlagTest, ReadsNamePolicyAndLimits) {
  QueueConfig debug = ParseQueueFlag("debug:fcfs:max-time=30m:max-nodes=2", QueuePolicy::kEasy)
                          .value();
  EXPECT_EQ(debug.name, "debug");
  EXPECT_EQ(debug.policy, QueuePolicy::kFcfs);
  EXPECT_EQ(debug.max_duration, 1800);
  EXPECT_EQ(debug.max_nodes, 2);
  QueueConfig batch = ParseQueueFlag("batch", QueuePolicy::kConservative).value();
  EXPECT_EQ(batch.policy, QueuePolicy::kConservative);
  EXPECT_EQ(batch.max_duration, 0);
  for (const char* bad : {"", "a b", "q:max-time=soon", "q:max-nodes=0", "q:bogus=1",
                          "q:max-time=1h:fcfs", "q:lifo"}) {
    Result<QueueConfig> parsed = ParseQueueFlag(bad, QueuePolicy::kEasy);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().where(), "--queue") << bad;
    }
  }
}

TEST(QueueTableTest, AdmitsIntoTheNamedQueueWithinItsLimits) {
  QueueTable table = QueueTable::Create({ParseQueueFlag("batch", QueuePolicy::kEasy).value(),
                                         ParseQueueFlag("debug:max-time=1h:max-nodes=2",
                                                        QueuePolicy::kEasy)
                                             .value()},
                                        QueuePolicy::kEasy)
                         .value();
  jobspec::Jobspec plain = Job("", 0);
  EXPECT_EQ(table.Admit(plain).value(), 0);
  EXPECT_EQ(plain.system.queue, "batch");  // the default, written down
  jobspec::Jobspec unlimited = Job("debug", 0);
  EXPECT_EQ(table.Admit(unlimited).value(), 1);
  EXPECT_EQ(unlimited.system.duration, 3600);  // the queue's limit becomes the job's
  jobspec::Jobspec long_job = Job("debug", 7200);
  EXPECT_EQ(table.Admit(long_job).status().where(), "attributes.system.duration");
  jobspec::Jobspec wide = Job("debug", 60, 3);
  EXPECT_EQ(table.Admit(wide).status().where(), "resources");
  jobspec::Jobspec elsewhere = Job("gpu", 60);
  Status missing = table.Admit(elsewhere).status();
  EXPECT_NE(missing.message().find("(queues: batch, debug)"), std::string::npos)
      << missing.ToString();
  EXPECT_EQ(table.IndexOf("debug"), 1);
  EXPECT_EQ(table.IndexOf("gone"), 0);
  EXPECT_EQ(table.SchedulerQueues().size(), 2u);
  EXPECT_FALSE(QueueTable::Create({QueueConfig{"a"}, QueueConfig{"a"}}, QueuePolicy::kEasy).ok());
}

TEST(QueueTableTest, AQueuesNodesJoinTheJobsOwnConstraints) {
  QueueConfig gpu = ParseQueueFlag("gpu:requires=gpu,ib:hosts=n[4-7]", QueuePolicy::kEasy).value();
  EXPECT_EQ(gpu.properties, (std::vector<std::string>{"gpu", "ib"}));
  EXPECT_EQ(gpu.hosts, "n[4-7]");
  EXPECT_FALSE(ParseQueueFlag("q:hosts=n[", QueuePolicy::kEasy).ok());
  EXPECT_FALSE(ParseQueueFlag("q:requires=a,,b", QueuePolicy::kEasy).ok());
  QueueTable table = QueueTable::Create({gpu}, QueuePolicy::kEasy).value();
  using Op = jobspec::Constraint::Op;
  jobspec::Jobspec spec = Job("gpu", 60);
  spec.system.constraints = jobspec::Constraint{Op::kHostlist, {"n5"}, {}};
  ASSERT_TRUE(table.Admit(spec).ok());
  const jobspec::Constraint expected{
      Op::kAnd,
      {},
      {{Op::kProperties, {"gpu", "ib"}, {}}, {Op::kHostlist, {"n[4-7]"}, {}},
       {Op::kHostlist, {"n5"}, {}}}};
  EXPECT_EQ(spec.system.constraints, std::optional<jobspec::Constraint>(expected));
}

TEST(QueueTableTest, WithoutQueuesANamedOneIsRefused) {
  QueueTable table = QueueTable::Create({}, QueuePolicy::kFcfs).value();
  EXPECT_FALSE(table.named());
  jobspec::Jobspec plain = Job("", 0);
  EXPECT_EQ(table.Admit(plain).value(), 0);
  jobspec::Jobspec named = Job("debug", 0);
  EXPECT_NE(table.Admit(named).status().message().find("converge start --queue"),
            std::string::npos);
}

TEST(ParseQueueFlagTest, ReadsBlessedDigestsAndRefusesWhatIsNotOne) {
  const std::string a(64, 'a'), b(64, 'b');
  QueueConfig queue =
      ParseQueueFlag("q:kernels=" + a + "," + b + ":topologies=" + b, QueuePolicy::kEasy).value();
  EXPECT_EQ(queue.kernels, (std::vector<std::string>{a, b}));
  EXPECT_EQ(queue.topologies, (std::vector<std::string>{b}));
  EXPECT_TRUE(queue.blesses());
  EXPECT_FALSE(ParseQueueFlag("q", QueuePolicy::kEasy)->blesses());
  const std::vector<std::string> bads = {"q:kernels=", "q:kernels=abc", "q:kernels=" + a + ",",
                                         "q:topologies=" + std::string(64, 'A')};
  for (const std::string& bad : bads) {
    Result<QueueConfig> refused = ParseQueueFlag(bad, QueuePolicy::kEasy);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("SHA-256"), std::string::npos) << bad;
  }
}

TEST(QueueTableTest, RequireBlessedRunsOnlyOnTheBlessedHostsOfABlessingQueue) {
  QueueConfig blessing = ParseQueueFlag("good:kernels=" + std::string(64, 'a'),
                                        QueuePolicy::kEasy).value();
  blessing.blessed_hosts = "n[1-2]";
  QueueConfig empty = blessing;
  empty.name = "empty";
  empty.blessed_hosts = "";
  QueueTable table =
      QueueTable::Create({blessing, empty, QueueConfig{"plain"}}, QueuePolicy::kEasy).value();
  jobspec::Jobspec spec = Job("good", 0);
  spec.system.extra["require_blessed"] = true;
  ASSERT_TRUE(table.Admit(spec).ok());
  ASSERT_TRUE(spec.system.constraints.has_value());
  EXPECT_EQ(spec.system.constraints->op, jobspec::Constraint::Op::kHostlist);
  EXPECT_EQ(spec.system.constraints->values, (std::vector<std::string>{"n[1-2]"}));
  EXPECT_TRUE(QueueTable::RequiresBlessed(spec));
  jobspec::Jobspec free_to_roam = Job("good", 0);
  ASSERT_TRUE(table.Admit(free_to_roam).ok());
  EXPECT_FALSE(free_to_roam.system.constraints.has_value());

  for (const auto& [queue, value, message] :
       {std::tuple{"empty", nlohmann::json(true), "no node of queue empty is blessed"},
        std::tuple{"plain", nlohmann::json(true), "blesses no kernel or topology"},
        std::tuple{"good", nlohmann::json("yes"), "must be true or false"}}) {
    jobspec::Jobspec refused = Job(queue, 0);
    refused.system.extra["require_blessed"] = value;
    Result<int> admitted = table.Admit(refused);
    ASSERT_FALSE(admitted.ok()) << queue;
    EXPECT_EQ(admitted.status().where(), "attributes.system.require_blessed");
    EXPECT_NE(admitted.status().message().find(message), std::string::npos)
        << admitted.status().ToString();
  }
}

}  // namespace
}  // namespace converge::instance
