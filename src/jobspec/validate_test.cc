#include "jobspec/validate.h"

#include <gtest/gtest.h>

#include "jobspec/memory.h"

namespace converge::jobspec {
namespace {

ResourceRequest Res(const std::string& type, int64_t count,
                    std::vector<ResourceRequest> with = {}) {
  ResourceRequest request;
  request.type = type;
  request.count = Count::Fixed(count);
  request.with = std::move(with);
  if (type == "slot") request.label = "task";
  return request;
}

Jobspec Spec(std::vector<ResourceRequest> resources) {
  Jobspec spec;
  spec.resources = std::move(resources);
  Task task;
  task.command = {"app"};
  task.slot = "task";
  task.count.per_slot = 1;
  spec.tasks.push_back(task);
  return spec;
}

void ExpectInvalid(const Jobspec& spec, bool v1, const std::string& where,
                   const std::string& message) {
  Status status = Validate(spec, v1);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.where(), where);
  EXPECT_EQ(status.message(), message);
}

TEST(Validate, AcceptsNodeSlotCoreGpuAsV1) {
  EXPECT_TRUE(
      Validate(Spec({Res("node", 2, {Res("slot", 1, {Res("core", 2), Res("gpu", 0)})})}), true)
          .ok());
}
TEST(Validate, RejectsZeroCount) {
  ExpectInvalid(Spec({Res("slot", 1, {Res("core", 0)})}), false, "resources[0].with[0].count",
                "must be >= 1");
}
TEST(Validate, RejectsSlotWithoutLabel) {
  Jobspec spec = Spec({Res("slot", 1, {Res("core", 1)})});
  spec.resources[0].label.clear();
  ExpectInvalid(spec, false, "resources[0].label", "is required for a slot");
}
TEST(Validate, RejectsEmptySlot) {
  ExpectInvalid(Spec({Res("slot", 1)}), false, "resources[0].with",
                "a slot must contain resources");
}
TEST(Validate, RejectsDuplicateLabels) {
  ExpectInvalid(Spec({Res("slot", 1, {Res("core", 1)}), Res("slot", 1, {Res("core", 1)})}), false,
                "resources[1].label", "'task' is used twice");
}
TEST(Validate, RejectsBadRange) {
  Jobspec spec = Spec({Res("slot", 1, {Res("core", 1)})});
  spec.resources[0].with[0].count = Count{2, 8, '*', 1, true, {}};
  ExpectInvalid(spec, false, "resources[0].with[0].count.operand",
                "must be >= 2 with operator '*'");
  spec.resources[0].with[0].count = Count{2, 8, '/', 1, true, {}};
  ExpectInvalid(spec, false, "resources[0].with[0].count.operator", "must be one of '+', '*', '^'");
}
TEST(Validate, RejectsTwoTaskCounts) {
  Jobspec spec = Spec({Res("slot", 1, {Res("core", 1)})});
  spec.tasks[0].count.total = 3;
  ExpectInvalid(spec, false, "tasks[0].count",
                "must have exactly one of per_slot, total, per_resource");
}
TEST(Validate, RejectsNanDuration) {
  Jobspec spec = Spec({Res("slot", 1, {Res("core", 1)})});
  spec.system.duration = std::nan("");
  ExpectInvalid(spec, false, "attributes.system.duration", "must be a finite number >= 0");
}
TEST(Validate, V1RejectsTwoResources) {
  ExpectInvalid(Spec({Res("slot", 1, {Res("core", 1)}), Res("node", 1)}), true, "resources",
                "must have exactly one resource in jobspec V1");
}
TEST(Validate, V1RejectsSocketInsideNode) {
  ExpectInvalid(Spec({Res("node", 1, {Res("socket", 1)})}), true, "resources[0].with[0].type",
                "must be slot in jobspec V1 (got 'socket')");
}
TEST(Validate, V1RejectsTwoCores) {
  ExpectInvalid(Spec({Res("slot", 1, {Res("core", 1), Res("core", 1)})}), true, "resources[0].with",
                "must hold one core and at most one gpu in jobspec V1");
}
TEST(Validate, V1RejectsExclusiveCore) {
  Jobspec spec = Spec({Res("slot", 1, {Res("core", 1)})});
  spec.resources[0].with[0].exclusive = true;
  ExpectInvalid(spec, true, "resources[0].with[0].exclusive",
                "is not allowed on core in jobspec V1");
}
TEST(Validate, V1RejectsPerSlotAboveOne) {
  Jobspec spec = Spec({Res("slot", 1, {Res("core", 1)})});
  spec.tasks[0].count.per_slot = 2;
  ExpectInvalid(spec, true, "tasks[0].count.per_slot", "must be 1 in jobspec V1");
  EXPECT_TRUE(Validate(spec, false).ok());
}
TEST(Validate, RejectsUnknownMemoryUnit) {
  ResourceRequest memory = Res("memory", 4);
  memory.unit = "XB";
  ExpectInvalid(Spec({Res("slot", 1, {Res("core", 1), memory})}), false,
                "resources[0].with[1].unit",
                "unknown memory unit 'XB' (use B, KB, MB, GB, TB or KiB, MiB, GiB, TiB)");
}
TEST(MemoryMiB, ConvertsUnits) {
  ResourceRequest memory = Res("memory", 4);
  EXPECT_EQ(*MemoryMiB(memory), 4);  // no unit: MiB
  memory.unit = "GB";
  EXPECT_EQ(*MemoryMiB(memory), 4096);
  memory.unit = "GiB";
  EXPECT_EQ(*MemoryMiB(memory), 4096);
  memory.unit = "TB";
  EXPECT_EQ(*MemoryMiB(memory), 4 * 1024 * 1024);
  memory.unit = "KB";
  memory.count = Count::Fixed(1025);
  EXPECT_EQ(*MemoryMiB(memory), 2);  // rounded up
  memory.unit = "B";
  memory.count = Count::Fixed(1);
  EXPECT_EQ(*MemoryMiB(memory), 1);
}
TEST(MemoryMiB, RejectsUnknownUnitAndOverflow) {
  ResourceRequest memory = Res("memory", 4);
  memory.unit = "PB";
  EXPECT_EQ(MemoryMiB(memory).status().where(), "unit");
  memory.unit = "TB";
  memory.count = Count::Fixed(INT64_MAX / 2);
  EXPECT_EQ(MemoryMiB(memory).status().message(), "is too large");
  EXPECT_EQ(MemoryMiB(Res("core", 1)).status().where(), "type");
}

}  // namespace
}  // namespace converge::jobspec
