#include "jobspec/shorthand.h"

#include <gtest/gtest.h>

#include "jobspec/validate.h"

namespace converge::jobspec {
namespace {

ShorthandOptions Options() {
  ShorthandOptions options;
  options.command = {"app"};
  return options;
}

TEST(FromShorthand, TasksOnlyBuildsSlotOfCores) {
  ShorthandOptions options = Options();
  options.tasks = 4;
  options.cores_per_task = 2;
  Result<Jobspec> spec = FromShorthand(options);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_EQ(spec->resources.size(), 1u);
  const ResourceRequest& slot = spec->resources[0];
  EXPECT_EQ(slot.type, "slot");
  EXPECT_EQ(slot.label, "task");
  EXPECT_EQ(slot.count, Count::Fixed(4));
  ASSERT_EQ(slot.with.size(), 1u);
  EXPECT_EQ(slot.with[0].type, "core");
  EXPECT_EQ(slot.with[0].count, Count::Fixed(2));
  EXPECT_EQ(spec->tasks[0].count.per_slot, 1);
  EXPECT_EQ(spec->tasks[0].slot, "task");
  EXPECT_TRUE(Validate(*spec, true).ok());
}
TEST(FromShorthand, NodesSplitSlotsEvenly) {
  ShorthandOptions options = Options();
  options.nodes = 2;
  options.tasks = 8;
  options.gpus_per_task = 1;
  options.exclusive = true;
  Result<Jobspec> spec = FromShorthand(options);
  ASSERT_TRUE(spec.ok());
  const ResourceRequest& node = spec->resources[0];
  EXPECT_EQ(node.type, "node");
  EXPECT_EQ(node.count, Count::Fixed(2));
  EXPECT_EQ(node.exclusive, true);
  EXPECT_EQ(node.with[0].count, Count::Fixed(4));
  ASSERT_EQ(node.with[0].with.size(), 2u);
  EXPECT_EQ(node.with[0].with[1].type, "gpu");
  EXPECT_EQ(spec->tasks[0].count.per_slot, 1);
}
TEST(FromShorthand, UnevenSplitRunsTotalTasks) {
  ShorthandOptions options = Options();
  options.nodes = 2;
  options.tasks = 3;
  Result<Jobspec> spec = FromShorthand(options);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->resources[0].with[0].count, Count::Fixed(2));
  EXPECT_EQ(spec->tasks[0].count.per_slot, 0);
  EXPECT_EQ(spec->tasks[0].count.total, 3);
}
TEST(FromShorthand, ExclusiveWithoutNodesMarksTheSlot) {
  ShorthandOptions options = Options();
  options.exclusive = true;
  Result<Jobspec> spec = FromShorthand(options);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->resources[0].exclusive, true);
}
TEST(FromShorthand, CarriesDurationQueueCwd) {
  ShorthandOptions options = Options();
  options.duration = 90;
  options.queue = "batch";
  options.cwd = "/tmp";
  Result<Jobspec> spec = FromShorthand(options);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->system.duration, 90);
  EXPECT_EQ(spec->system.queue, "batch");
  EXPECT_EQ(spec->system.cwd, "/tmp");
}
TEST(FromShorthand, RejectsBadFlagsNamingTheFlag) {
  struct Case {
    void (*mutate)(ShorthandOptions&);
    const char* where;
    const char* message;
  };
  const Case cases[] = {
      {[](ShorthandOptions& o) { o.tasks = 0; }, "-n", "must be >= 1"},
      {[](ShorthandOptions& o) { o.cores_per_task = 0; }, "-c", "must be >= 1"},
      {[](ShorthandOptions& o) { o.gpus_per_task = -1; }, "-g", "must be >= 0"},
      {[](ShorthandOptions& o) { o.nodes = -1; }, "-N", "must be >= 1"},
      {[](ShorthandOptions& o) { o.nodes = 2; }, "-N", "more nodes (2) than tasks (1)"},
      {[](ShorthandOptions& o) { o.duration = -1; }, "-t", "must be a finite duration >= 0"},
      {[](ShorthandOptions& o) { o.command.clear(); }, "command", "must not be empty"},
  };
  for (const Case& c : cases) {
    ShorthandOptions options = Options();
    c.mutate(options);
    Result<Jobspec> spec = FromShorthand(options);
    ASSERT_FALSE(spec.ok()) << c.where;
    EXPECT_EQ(spec.status().where(), c.where);
    EXPECT_EQ(spec.status().message(), c.message);
  }
}

}  // namespace
}  // namespace converge::jobspec
