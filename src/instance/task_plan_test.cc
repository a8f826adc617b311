#include "instance/task_plan.h"

#include <set>

#include <gtest/gtest.h>

#include "jobspec/shorthand.h"
#include "resource/readers/load.h"
#include "sched/scheduler.h"

namespace converge::instance {
namespace {

std::map<std::string, std::string> EnvOf(const exec::TaskSpec& task) {
  std::map<std::string, std::string> env;
  for (const std::string& entry : task.env) {
    env[entry.substr(0, entry.find('='))] = entry.substr(entry.find('=') + 1);
  }
  return env;
}

class TaskPlanTest : public ::testing::Test {
 protected:
  Job Place(const jobspec::ShorthandOptions& shorthand) {
    auto spec = jobspec::FromShorthand(shorthand);
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    auto scheduler = sched::Scheduler::Create(graph_, {});
    EXPECT_TRUE(scheduler.ok());
    EXPECT_TRUE((*scheduler)->Submit({7, 0, 0, *spec}).ok());
    auto started = (*scheduler)->Schedule(0);
    EXPECT_EQ(started.size(), 1u);
    Job job;
    job.record.id = 7;
    job.active = std::make_unique<ActiveJob>();
    job.active->spec = *spec;
    job.active->spec.system.environment = {{"FOO", "bar"}, {"CUDA_VISIBLE_DEVICES", "9"}};
    job.active->allocation = started.at(0).allocation;
    return job;
  }

  resource::Graph graph_ = std::move(resource::ReadResourceText(R"(
cluster: {name: c}
nodes:
  - {count: 2, basename: node, sockets: 1, cores_per_socket: 4, gpus_per_socket: 2}
)")).value();
};

TEST_F(TaskPlanTest, GivesEachTaskItsRankNodeCoresAndGpus) {
  Job job = Place({.nodes = 2, .tasks = 2, .cores_per_task = 2, .gpus_per_task = 1,
                   .command = {"app"}});
  TaskPlanOptions options{.bind_cores = true, .machine_cpus = 2, .base_environment = {{"PATH", "/bin"}}};
  auto tasks = PlanTasks(job, graph_, options);
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  ASSERT_EQ(tasks->size(), 2u);
  auto first = EnvOf(tasks->at(0));
  auto second = EnvOf(tasks->at(1));
  EXPECT_EQ(first["CONVERGE_JOB_ID"], "7");
  EXPECT_EQ(first["CONVERGE_TASK_RANK"], "0");
  EXPECT_EQ(second["CONVERGE_TASK_RANK"], "1");
  EXPECT_EQ(first["CONVERGE_TASK_COUNT"], "2");
  EXPECT_EQ(first["CONVERGE_NODELIST"], "node[0-1]");
  EXPECT_NE(first["CONVERGE_NODE"], second["CONVERGE_NODE"]);
  EXPECT_EQ(first["CONVERGE_CORES"], "0,1");
  EXPECT_EQ(first["CUDA_VISIBLE_DEVICES"], "0");  // the allocation wins over the jobspec
  EXPECT_EQ(first["FOO"], "bar");
  EXPECT_EQ(first["PATH"], "/bin");
  EXPECT_EQ(tasks->at(0).cpus, (std::vector<int>{0, 1}));  // cores 0-1 exist here
  EXPECT_EQ(tasks->at(0).argv, std::vector<std::string>{"app"});
}

TEST_F(TaskPlanTest, SplitsANodesCoresBetweenItsSlotsAndSkipsBindingBeyondTheMachine) {
  Job job = Place({.tasks = 4, .cores_per_task = 1, .command = {"app"}});
  TaskPlanOptions options{.bind_cores = true, .machine_cpus = 2};
  auto tasks = PlanTasks(job, graph_, options);
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 4u);
  std::set<std::string> cores;
  for (const auto& task : *tasks) cores.insert(EnvOf(task)["CONVERGE_NODE"] + ":" +
                                               EnvOf(task)["CONVERGE_CORES"]);
  EXPECT_EQ(cores.size(), 4u);  // no core handed to two tasks
  EXPECT_TRUE(tasks->at(3).cpus.empty() || tasks->at(3).cpus[0] < 2);
}

TEST(TaskCountTest, FollowsPerSlotAndTotal) {
  jobspec::Jobspec spec;
  spec.tasks.push_back({});
  spec.tasks[0].count.per_slot = 2;
  EXPECT_EQ(TaskCount(spec, 3), 6);
  spec.tasks[0].count = {.total = 5};
  EXPECT_EQ(TaskCount(spec, 3), 5);
}

}  // namespace
}  // namespace converge::instance
