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
  EXPECT_EQ(first["ROCR_VISIBLE_DEVICES"], "0");
  EXPECT_EQ(first["OMP_NUM_THREADS"], "2");  // the task's cores
  EXPECT_EQ(first["FOO"], "bar");
  EXPECT_EQ(first["PATH"], "/bin");
  EXPECT_EQ(tasks->at(0).cpus, (std::vector<int>{0, 1}));  // cores 0-1 exist here
  EXPECT_EQ(tasks->at(0).argv, std::vector<std::string>{"app"});
}

TEST_F(TaskPlanTest, OmpNumThreadsIsTheTasksCoresUnlessTheJobSetsIt) {
  Job job = Place({.nodes = 1, .tasks = 2, .cores_per_task = 2, .command = {"app"}});
  auto tasks = PlanTasks(job, graph_, TaskPlanOptions{});
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  EXPECT_EQ(EnvOf(tasks->at(1))["OMP_NUM_THREADS"], "2");
  EXPECT_EQ(EnvOf(tasks->at(1)).count("ROCR_VISIBLE_DEVICES"), 0u);  // no GPUs allocated
  job.active->spec.system.environment["OMP_NUM_THREADS"] = "7";
  tasks = PlanTasks(job, graph_, TaskPlanOptions{});
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  EXPECT_EQ(EnvOf(tasks->at(0))["OMP_NUM_THREADS"], "7");
}

TEST_F(TaskPlanTest, TasksInsideABatchJobWithSrunShimsGetSrunsVariables) {
  Job job = Place({.nodes = 2, .tasks = 4, .cores_per_task = 1, .command = {"app"}});
  auto tasks = PlanTasks(job, graph_, TaskPlanOptions{});
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  EXPECT_EQ(EnvOf(tasks->at(3)).count("SLURM_PROCID"), 0u);  // outside: none of Slurm's
  job.active->spec.system.environment["CONVERGE_SHIMS"] = "srun,flux";
  job.active->spec.system.environment["SLURM_NTASKS"] = "16";  // the batch job's
  tasks = PlanTasks(job, graph_, TaskPlanOptions{});
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  auto last = EnvOf(tasks->at(3));
  EXPECT_EQ(last["SLURM_PROCID"], "3");
  EXPECT_EQ(last["SLURM_LOCALID"], "1");  // the second task on node1
  EXPECT_EQ(last["SLURM_NODEID"], "1");
  EXPECT_EQ(last["SLURMD_NODENAME"], "node1");
  EXPECT_EQ(last["SLURM_NTASKS"], "4");  // this job's, as srun's step
  EXPECT_EQ(last["SLURM_STEP_NODELIST"], "node[0-1]");
}

TEST_F(TaskPlanTest, PerResourceNodeGivesEachNodeItsTasksWithAllItsCores) {
  // 4 slots of 1 core over 2 nodes (2 per node): per-resource makes that 1 task per node.
  Job job = Place({.nodes = 2, .tasks = 4, .cores_per_task = 1, .command = {"leader"}});
  job.active->spec.system.extra["shell"]["options"]["per-resource"] = {{"type", "node"}};
  auto tasks = PlanTasks(job, graph_, TaskPlanOptions{});
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ(EnvOf(tasks->at(0))["CONVERGE_NODE"], "node0");
  EXPECT_EQ(EnvOf(tasks->at(1))["CONVERGE_NODE"], "node1");
  EXPECT_EQ(EnvOf(tasks->at(0))["CONVERGE_CORES"], "0,1");
  EXPECT_EQ(EnvOf(tasks->at(1))["CONVERGE_TASK_COUNT"], "2");
  EXPECT_EQ(TaskCount(job.active->spec, 4, 2), 2);

  job.active->spec.system.extra["shell"]["options"]["per-resource"]["count"] = 3;
  tasks = PlanTasks(job, graph_, TaskPlanOptions{});
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 6u);
  EXPECT_EQ(EnvOf(tasks->at(2))["CONVERGE_NODE"], "node0");
  EXPECT_EQ(EnvOf(tasks->at(3))["CONVERGE_NODE"], "node1");
  EXPECT_EQ(TaskCount(job.active->spec, 4, 2), 6);
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
  EXPECT_EQ(TaskCount(spec, 3, 1), 6);
  spec.tasks[0].count = {.total = 5};
  EXPECT_EQ(TaskCount(spec, 3, 1), 5);
}

}  // namespace
}  // namespace converge::instance

namespace converge::instance {
namespace {

// Issue 9 item 5: per_slot × the slots a job can get is bounded at admission and again when
// the plan is made (a job stored by an older version never allocates a billion tasks).
jobspec::Jobspec SpecWith(int64_t slots_max, int64_t per_slot, int64_t total = 0) {
  jobspec::Jobspec spec;
  jobspec::ResourceRequest slot;
  slot.type = "slot";
  slot.label = "task";
  slot.count = slots_max == 1 ? jobspec::Count::Fixed(1)
                              : jobspec::Count{1, slots_max, '+', 1, true, {}};
  jobspec::ResourceRequest core;
  core.type = "core";
  slot.with.push_back(core);
  spec.resources.push_back(slot);
  jobspec::Task task;
  task.command = {"app"};
  task.slot = "task";
  task.count.per_slot = per_slot;
  task.count.total = total;
  spec.tasks.push_back(task);
  return spec;
}

const resource::Graph& SmallGraph() {
  static const resource::Graph graph = std::move(resource::ReadResourceText(R"(
cluster: {name: c}
nodes:
  - {count: 2, basename: node, sockets: 1, cores_per_socket: 4}
)")).value();
  return graph;
}

TEST(TaskLimits, Issue9PerSlotTimesTheMostSlotsIsBounded) {
  // 2 nodes × 4 cores: at most 8 one-core slots, however large the count's max.
  EXPECT_EQ(MostSlots(SpecWith(1000000000, 1), SmallGraph()), 8);
  Status ok = CheckTaskLimits(SpecWith(8, 12500), SmallGraph(), {});
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  Status refused = CheckTaskLimits(SpecWith(1000000000, 12501), SmallGraph(), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.where(), "tasks[0].count.per_slot");
  EXPECT_EQ(refused.message(),
            "12501 tasks per slot × up to 8 slots is more than 100000 (the limit on tasks per "
            "job)");
}

TEST(TaskLimits, Issue9PlanBytesAreBounded) {
  jobspec::Jobspec spec = SpecWith(1, 0, 100000);
  spec.system.environment["BIG"] = std::string(4096, 'x');
  Status refused = CheckTaskLimits(spec, SmallGraph(), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.where(), "tasks[0]");
  EXPECT_NE(refused.message().find("the limit on a job's task plan"), std::string::npos)
      << refused.message();
}

TEST(TaskLimits, Issue9PlanTasksRefusesAStoredJobOverTheLimit) {
  // A job accepted before the limits existed (built by hand: Validate would refuse it).
  auto scheduler = sched::Scheduler::Create(SmallGraph(), {});
  ASSERT_TRUE(scheduler.ok());
  ASSERT_TRUE((*scheduler)->Submit({7, 0, 0, SpecWith(1, 1)}).ok());
  auto started = (*scheduler)->Schedule(0);
  ASSERT_EQ(started.size(), 1u);
  Job job;
  job.record.id = 7;
  job.active = std::make_unique<ActiveJob>();
  job.active->spec = SpecWith(1, 1000000000);
  job.active->allocation = started.at(0).allocation;
  auto tasks = PlanTasks(job, SmallGraph(), {});
  ASSERT_FALSE(tasks.ok());
  EXPECT_EQ(tasks.status().where(), "tasks[0].count.per_slot");
}

}  // namespace
}  // namespace converge::instance
