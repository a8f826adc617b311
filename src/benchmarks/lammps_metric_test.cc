#include <gtest/gtest.h>

#include "benchmarks/metric.h"
#include "benchmarks/test_support.h"

namespace converge::benchmarks {
namespace {

using testing::Find;
using testing::ReadTestData;

const Metric& Lammps() { return *FindMetric("lammps"); }

TEST(LammpsMetricTest, ParsesTheLoopAndPerformanceLinesOfTwoProcs) {
  Result<std::vector<Value>> values = Lammps().Parse(ReadTestData("lammps_2procs.txt"));
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_TRUE(testing::NamesWellFormed(*values));
  EXPECT_EQ(*Find(*values, "loop_time"), (Value{"loop_time", 2.16019, "s"}));
  EXPECT_EQ(*Find(*values, "procs"), (Value{"procs", 2, ""}));
  EXPECT_EQ(*Find(*values, "steps"), (Value{"steps", 100, ""}));
  EXPECT_EQ(*Find(*values, "atoms"), (Value{"atoms", 32000, ""}));
  EXPECT_EQ(*Find(*values, "timesteps_per_s"), (Value{"timesteps_per_s", 46.292, "1/s"}));
  EXPECT_EQ(*Find(*values, "tau_per_day"), (Value{"tau_per_day", 19998.195, "tau/day"}));
  // This LAMMPS prints no atom-step rate in LJ units: atoms x steps / loop time.
  EXPECT_DOUBLE_EQ(Find(*values, "atom_steps_per_s")->value, 32000.0 * 100 / 2.16019);
  EXPECT_EQ(Find(*values, "atom_steps_per_s")->unit, "1/s");
}

TEST(LammpsMetricTest, ParsesASingleProcRun) {
  Result<std::vector<Value>> values = Lammps().Parse(ReadTestData("lammps_1proc.txt"));
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(Find(*values, "procs")->value, 1);
  EXPECT_EQ(Find(*values, "steps")->value, 200);
  EXPECT_EQ(Find(*values, "timesteps_per_s")->value, 61.903);
}

TEST(LammpsMetricTest, ReadsNewerPerformanceLinesAndTheLastRun) {
  const std::string log =
      "Loop time of 1 on 4 procs for 10 steps with 100 atoms\n"
      "Performance: 1.000 ns/day, 24.000 hours/ns, 10.000 timesteps/s, 1.000 katom-step/s\n"
      "Loop time of 2.5 on 4 procs for 1000 steps with 4000 atoms\n"
      "\n"
      "Performance: 3.456 ns/day, 6.944 hours/ns, 400.000 timesteps/s, 1.600 Matom-step/s\n";
  Result<std::vector<Value>> values = Lammps().Parse(log);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(Find(*values, "loop_time")->value, 2.5);
  EXPECT_EQ(Find(*values, "timesteps_per_s")->value, 400);
  EXPECT_EQ(Find(*values, "atom_steps_per_s")->value, 1.6e6);
  EXPECT_EQ(*Find(*values, "ns_per_day"), (Value{"ns_per_day", 3.456, "ns/day"}));
}

TEST(LammpsMetricTest, RefusesLogsWithoutALoopAndQuotesLammpsErrors) {
  const std::string log = ReadTestData("lammps_2procs.txt");
  EXPECT_FALSE(Lammps().Parse(log.substr(0, log.find("Loop time") + 12)).ok());
  Status status = Lammps().Parse("LAMMPS (29 Sep 2021)\nERROR: Cannot open input script x\n")
                      .status();
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_NE(status.message().find("Cannot open input script"), std::string::npos);
  EXPECT_FALSE(Lammps().Parse("Loop time of 0 on 1 procs for 0 steps with 1 atoms\n").ok());
}

TEST(LammpsMetricTest, PlansTheBuiltInInputOrTheUsersQuoted) {
  Result<Plan> built_in = Lammps().MakePlan({{"steps", "50"}}, Placement{2});
  ASSERT_TRUE(built_in.ok());
  EXPECT_TRUE(built_in->mpi);
  EXPECT_TRUE(built_in->whole_job);
  EXPECT_NE(built_in->argv[2].find("-var steps 50"), std::string::npos);
  EXPECT_NE(built_in->argv[2].find("pair_style lj/cut 2.5"), std::string::npos);
  Result<Plan> user = Lammps().MakePlan({{"input", "/home/a b/it's.in"}}, Placement{});
  ASSERT_TRUE(user.ok());
  EXPECT_NE(user->argv[2].find("input='/home/a b/it'\\''s.in'"), std::string::npos);
  EXPECT_EQ(user->argv[2].find("-var steps"), std::string::npos);  // its own run length
}

TEST(LammpsMetricTest, RefusesBadValuesNamingTheOption) {
  const std::pair<const char*, const char*> bad[] = {
      {"input", "in.lj"}, {"input", "/a\nb"}, {"steps", "0"}, {"steps", "10x"},
      {"tasks-per-node", "-1"}};
  for (const auto& [name, value] : bad) {
    Result<Plan> plan = Lammps().MakePlan({{name, value}}, Placement{});
    ASSERT_FALSE(plan.ok()) << name << "=" << value;
    EXPECT_EQ(plan.status().where(), std::string("options.") + name);
  }
}

}  // namespace
}  // namespace converge::benchmarks
