#include "exec/shim_spec.h"

#include <gtest/gtest.h>

namespace converge::exec {
namespace {

TEST(ShimSpecTest, RoundTripsEveryField) {
  ShimSpec spec;
  spec.job_id = 42;
  spec.tasks.push_back({0, {"sh", "-c", "echo \"hi\""}, {"PATH=/bin", "X=1"}, {0, 3}});
  spec.tasks.push_back({1, {"/bin/true"}, {}, {}});
  spec.cwd = "/tmp";
  spec.stdout_path = "/tmp/o";
  spec.stderr_path = "/tmp/e";
  spec.uid = 1000;
  spec.gid = 100;
  spec.groups = {100, 27};
  spec.deadline_ms = 1700000000123;
  spec.warn_signal = 10;
  spec.warn_ms = 1700000000000;
  spec.grace_ms = 250;
  spec.kill_wait_ms = 300;
  spec.containment = "subreaper";
  spec.pmi = {"pmix"};
  Result<ShimSpec> back = ShimSpecFromJson(ToJson(spec));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->job_id, 42);
  ASSERT_EQ(back->tasks.size(), 2u);
  EXPECT_EQ(back->tasks[0].argv, spec.tasks[0].argv);
  EXPECT_EQ(back->tasks[0].env, spec.tasks[0].env);
  EXPECT_EQ(back->tasks[0].cpus, (std::vector<int>{0, 3}));
  EXPECT_EQ(back->tasks[1].rank, 1);
  EXPECT_EQ(back->cwd, "/tmp");
  EXPECT_EQ(back->stdout_path, "/tmp/o");
  EXPECT_EQ(back->stderr_path, "/tmp/e");
  EXPECT_EQ(back->uid, 1000);
  EXPECT_EQ(back->gid, 100);
  EXPECT_EQ(back->groups, (std::vector<int64_t>{100, 27}));
  EXPECT_EQ(back->deadline_ms, 1700000000123);
  EXPECT_EQ(back->warn_signal, 10);
  EXPECT_EQ(back->warn_ms, 1700000000000);
  EXPECT_EQ(back->grace_ms, 250);
  EXPECT_EQ(back->kill_wait_ms, 300);
  EXPECT_EQ(back->containment, "subreaper");
  EXPECT_EQ(back->pmi, std::vector<std::string>{"pmix"});
  EXPECT_TRUE(OffersPmi(*back, "pmix"));
}

TEST(ShimSpecTest, MissingOptionalFieldsKeepDefaults) {
  Result<ShimSpec> spec = ShimSpecFromJson(R"({"job_id": 7, "tasks": [{"argv": ["a"]}]})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->uid, -1);
  EXPECT_EQ(spec->grace_ms, 5000);
  EXPECT_EQ(spec->deadline_ms, 0);
  EXPECT_EQ(spec->kill_wait_ms, 10000);
  EXPECT_EQ(spec->containment, "");
  EXPECT_TRUE(spec->tasks[0].cpus.empty());
}

TEST(ShimSpecTest, ErrorsNameTheBadField) {
  struct Case {
    const char* json;
    const char* where;
  };
  for (const Case& c : {
           Case{R"({"tasks": []})", "job_id"},
           Case{R"({"job_id": 1})", "tasks"},
           Case{R"({"job_id": 1, "tasks": {}})", "tasks"},
           Case{R"({"job_id": 1, "tasks": [{"argv": []}]})", "tasks[0].argv"},
           Case{R"({"job_id": 1, "tasks": [{"argv": ["a", 2]}]})", "tasks[0].argv[1]"},
           Case{R"({"job_id": 1, "tasks": [{"argv": ["a"]}, {"argv": ["b"], "cpus": [-1]}]})",
                "tasks[1].cpus[0]"},
           Case{R"({"job_id": 1, "tasks": [7]})", "tasks[0]"},
           Case{R"({"job_id": "1", "tasks": []})", "job_id"},
           Case{R"({"job_id": 1, "tasks": [], "uid": 5})", "gid"},
           Case{R"({"job_id": 1, "tasks": [], "grace_ms": 1.5})", "grace_ms"},
           Case{R"({"job_id": 1, "tasks": [], "cwd": 3})", "cwd"},
           Case{R"({"job_id": 1, "tasks": [], "kill_wait_ms": -1})", "kill_wait_ms"},
           Case{R"({"job_id": 1, "tasks": [], "containment": "docker"})", "containment"},
       }) {
    Result<ShimSpec> spec = ShimSpecFromJson(c.json);
    ASSERT_FALSE(spec.ok()) << c.json;
    EXPECT_EQ(spec.status().where(), c.where) << c.json << ": " << spec.status().ToString();
  }
  EXPECT_FALSE(ShimSpecFromJson("not json").ok());
  EXPECT_FALSE(ShimSpecFromJson("[1]").ok());
}

TEST(ShimSpecTest, ALayoutRoundTripsAndMustMatchThePartsTasks) {
  ShimSpec spec;
  spec.job_id = 9;
  spec.tasks.push_back({2, {"a"}, {}, {}});
  spec.layout = JobLayout{{"n1", "n2"}, {0, 0, 1}, 1, "0123456789abcdef"};
  spec.exchange = ExchangeEndpoint{"tcp:10.0.0.1:7000", "secret"};
  Result<ShimSpec> back = ShimSpecFromJson(ToJson(spec));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->layout.multi_part());
  EXPECT_EQ(back->layout.nodes, spec.layout.nodes);
  EXPECT_EQ(back->layout.rank_nodes, spec.layout.rank_nodes);
  EXPECT_EQ(back->layout.part, 1);
  EXPECT_EQ(back->layout.key, "0123456789abcdef");
  EXPECT_EQ(back->exchange.url, "tcp:10.0.0.1:7000");
  EXPECT_EQ(back->exchange.token, "secret");
  EXPECT_FALSE(ShimSpecFromJson(R"({"job_id":1,"tasks":[{"argv":["a"]}]})")->layout.multi_part());

  struct Case {
    const char* layout;
    const char* where;
  };
  const Case cases[] = {
      {R"({"nodes":[],"rank_nodes":[0],"part":0,"key":"0123456789abcdef"})", "layout.nodes"},
      {R"({"nodes":["a","a"],"rank_nodes":[0],"part":0,"key":"0123456789abcdef"})",
       "layout.nodes[1]"},
      {R"({"nodes":["a","b"],"rank_nodes":[0,2],"part":0,"key":"0123456789abcdef"})",
       "layout.rank_nodes[1]"},
      {R"({"nodes":["a","b"],"rank_nodes":[0,1],"part":2,"key":"0123456789abcdef"})",
       "layout.part"},
      {R"({"nodes":["a","b"],"rank_nodes":[0,1],"part":0,"key":"XYZ"})", "layout.key"},
      // The part's one task is rank 0, which the layout puts on the other node.
      {R"({"nodes":["a","b"],"rank_nodes":[1,0],"part":0,"key":"0123456789abcdef"})",
       "tasks[0].rank"},
      // Two ranks on this part, one task.
      {R"({"nodes":["a","b"],"rank_nodes":[0,0],"part":0,"key":"0123456789abcdef"})",
       "layout.rank_nodes"},
      {R"("n1")", "layout"},
  };
  for (const Case& c : cases) {
    const std::string json =
        std::string(R"({"job_id":1,"tasks":[{"rank":0,"argv":["a"]}],"layout":)") + c.layout + "}";
    Result<ShimSpec> parsed = ShimSpecFromJson(json);
    ASSERT_FALSE(parsed.ok()) << c.layout;
    EXPECT_EQ(parsed.status().where(), c.where) << c.layout << ": " << parsed.status().ToString();
  }
}

TEST(ShimResultTest, RoundTripsAndNamesBadFields) {
  ShimResult result;
  result.exit_code = 137;
  result.signal = 9;
  result.timed_out = true;
  result.terminated = false;
  result.exec_error = "cannot execute 'x': No such file or directory";
  result.start_ms = 10;
  result.end_ms = 20;
  result.container = "cgroup2 /sys/fs/cgroup/converge/job-1-2";
  result.stray_processes = 2;
  result.aborted = "PMIx: task 1 aborted the job with status 3";
  Result<ShimResult> back = ShimResultFromJson(ToJson(result));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->exit_code, 137);
  EXPECT_EQ(back->signal, 9);
  EXPECT_TRUE(back->timed_out);
  EXPECT_FALSE(back->terminated);
  EXPECT_EQ(back->exec_error, result.exec_error);
  EXPECT_EQ(back->start_ms, 10);
  EXPECT_EQ(back->end_ms, 20);
  EXPECT_EQ(back->container, result.container);
  EXPECT_EQ(back->stray_processes, 2);
  EXPECT_EQ(back->aborted, result.aborted);
  EXPECT_EQ(ShimResultFromJson("{}").status().where(), "exit_code");
  EXPECT_EQ(ShimResultFromJson(R"({"exit_code": 0, "timed_out": 1})").status().where(),
            "timed_out");
}

}  // namespace
}  // namespace converge::exec
