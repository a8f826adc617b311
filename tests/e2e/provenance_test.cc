// Provenance against a real instance: two runs whose command and environment differ are told
// apart field by field, node facts match this machine, blessed queues place and refuse jobs;
// and `converge query`: read-only SQL where each user sees their own jobs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/instance_test_support.h"
#include "tests/testutil/instance_launcher.h"
#include "tests/testutil/run_command.h"
#include "tests/testutil/throwaway_user.h"

namespace converge {
namespace {

using testutil::CallApi;
using testutil::CommandResult;
using testutil::InstanceLauncher;
using testutil::InstanceOptions;
using testutil::TempDir;

constexpr const char* kCluster = R"(cluster: {name: test}
nodes:
  - {count: 2, basename: node, sockets: 1, cores_per_socket: 2}
)";

void WriteScript(const std::string& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  ::chmod(path.c_str(), 0755);
}

// The id `converge submit` printed.
int64_t SubmittedId(const CommandResult& result) {
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return std::atoll(result.out.c_str());
}

nlohmann::json Provenance(const InstanceLauncher& instance, int64_t id) {
  CommandResult shown = instance.Run({"provenance", "show", "--json", std::to_string(id)});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  return nlohmann::json::parse(shown.out, nullptr, false);
}

TEST(ProvenanceTest, TwoRunsWithAChangedCommandAndEnvironmentDifferInThoseFields) {
  TempDir dir;
  InstanceLauncher instance;
  ASSERT_TRUE(instance.Start()) << instance.log();
  const std::string app = dir.path() + "/app";
  WriteScript(app, "echo one");
  const int64_t first = SubmittedId(instance.Run({"submit", "--env=MODE=fast", app}));
  EXPECT_EQ(testutil::WaitInactive(instance, first).value("result", ""), "completed");
  WriteScript(app, "echo two");
  const int64_t second = SubmittedId(instance.Run({"submit", "--env=MODE=slow", app}));
  EXPECT_EQ(testutil::WaitInactive(instance, second).value("result", ""), "completed");

  // The record names this machine's kernel and the program that ran.
  const nlohmann::json record = Provenance(instance, first);
  ASSERT_TRUE(record.is_object());
  struct utsname name {};
  ::uname(&name);
  ASSERT_EQ(record["nodes"].size(), 1u) << record.dump(2);
  EXPECT_EQ(record["nodes"][0].value("kernel_release", ""), name.release);
  EXPECT_EQ(record["nodes"][0].value("kernel_digest", "").size(), 64u);
  EXPECT_EQ(record["nodes"][0].value("topology_digest", "").size(), 64u);
  EXPECT_FALSE(record["nodes"][0].contains("topology_xml"));
  EXPECT_EQ(record["command"].value("path", ""), app);
  EXPECT_EQ(record["command"].value("digest", "").size(), 64u);
  EXPECT_TRUE(record["environment"]["variables"].contains("MODE"));
  EXPECT_EQ(record.dump().find("fast"), std::string::npos) << "values are never recorded";
  CommandResult shown = instance.Run({"show", "--provenance", std::to_string(first)});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find(name.release), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find(app + " sha256:"), std::string::npos) << shown.out;
  CommandResult topology =
      instance.Run({"provenance", "show", "--topology", std::to_string(first)});
  EXPECT_NE(topology.out.find("<topology"), std::string::npos) << topology.out.substr(0, 200);

  // The diff names exactly what changed.
  CommandResult diff = instance.Run(
      {"provenance", "diff", "--json", std::to_string(first), std::to_string(second)});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  std::set<std::string> fields;
  const nlohmann::json listed = nlohmann::json::parse(diff.out, nullptr, false);
  for (const auto& difference : listed.value("differences", nlohmann::json::array())) {
    fields.insert(difference.value("field", ""));
  }
  EXPECT_EQ(fields, (std::set<std::string>{"command.digest", "environment.digest",
                                           "environment.variables.MODE"}))
      << diff.out;
  diff = instance.Run({"provenance", "diff", std::to_string(first), std::to_string(second)});
  EXPECT_NE(diff.out.find("differ in 3 fields"), std::string::npos) << diff.out;
  EXPECT_NE(diff.out.find("changed"), std::string::npos) << diff.out;
  std::printf("%s", diff.out.c_str());  // the note shows a real diff

  // A job that has not run has no record; a bad id is a usage error.
  const int64_t held = SubmittedId(instance.Run({"submit", "--hold", "true"}));
  CommandResult none = instance.Run({"provenance", "show", std::to_string(held)});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no provenance record"), std::string::npos) << none.err;
  EXPECT_EQ(instance.Run({"provenance", "diff", "1"}).exit_code, 2);
  EXPECT_EQ(instance.Run({"provenance", "nonsense", "1"}).exit_code, 2);
  instance.PrintLogIfFailed();
}

TEST(ProvenanceTest, BlessedQueuesPlaceAndRefuseJobsByTheirNodesDigests) {
  std::string kernel;
  {
    InstanceLauncher probe;
    ASSERT_TRUE(probe.Start()) << probe.log();
    const int64_t id = SubmittedId(probe.Run({"submit", "true"}));
    testutil::WaitInactive(probe, id);
    kernel = Provenance(probe, id)["nodes"][0].value("kernel_digest", "");
  }
  ASSERT_EQ(kernel.size(), 64u);
  TempDir dir;
  const std::string cluster = dir.path() + "/cluster.yaml";
  std::ofstream(cluster) << kCluster;
  InstanceLauncher instance(InstanceOptions{
      .resources = cluster,
      .extra_args = {"--queue", "good:kernels=" + kernel, "--queue",
                     "bad:kernels=" + std::string(64, '0'), "--queue", "plain"}});
  ASSERT_TRUE(instance.Start()) << instance.log();

  const int64_t blessed =
      SubmittedId(instance.Run({"submit", "-q", "good", "--require-blessed", "true"}));
  EXPECT_EQ(testutil::WaitInactive(instance, blessed).value("result", ""), "completed");
  EXPECT_EQ(Provenance(instance, blessed)["blessed"], true);
  const int64_t unblessed = SubmittedId(instance.Run({"submit", "-q", "bad", "true"}));
  EXPECT_EQ(testutil::WaitInactive(instance, unblessed).value("result", ""), "completed");
  EXPECT_EQ(Provenance(instance, unblessed)["blessed"], false);
  const int64_t plain = SubmittedId(instance.Run({"submit", "-q", "plain", "true"}));
  testutil::WaitInactive(instance, plain);
  EXPECT_TRUE(Provenance(instance, plain)["blessed"].is_null());

  CommandResult refused = instance.Run({"submit", "-q", "bad", "--require-blessed", "true"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("no node of queue bad is blessed"), std::string::npos)
      << refused.err;
  refused = instance.Run({"submit", "-q", "plain", "--require-blessed", "true"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("blesses no kernel"), std::string::npos) << refused.err;
  instance.PrintLogIfFailed();
}

TEST(ProvenanceTest, AQueueWithABadDigestIsRefusedAtStart) {
  InstanceLauncher instance(InstanceOptions{.extra_args = {"--queue", "q:kernels=abc"}});
  EXPECT_FALSE(instance.Start());
  EXPECT_NE(instance.log().find("not a SHA-256 digest"), std::string::npos) << instance.log();
}

TEST(QueryTest, EachUserSeesTheirOwnRowsAndNothingIsWritten) {
  testutil::ThrowawayUser user;
  if (!user.ok()) GTEST_SKIP() << user.skip_reason();
  InstanceLauncher instance(InstanceOptions{.extra_args = {"--multiuser"}});
  ASSERT_TRUE(instance.Start()) << instance.log();
  const int64_t mine = SubmittedId(instance.Run({"submit", "--job-name=owners", "true"}));
  CommandResult submitted =
      user.RunConverge(instance, {"submit", "--cwd", "/tmp", "--job-name=users", "true"});
  const int64_t theirs = SubmittedId(submitted);
  testutil::WaitInactive(instance, mine);
  testutil::WaitInactive(instance, theirs);

  const std::string sql = "SELECT id, name FROM jobs ORDER BY id";
  CommandResult owner = instance.Run({"query", "--csv", sql});
  ASSERT_EQ(owner.exit_code, 0) << owner.err;
  EXPECT_EQ(owner.out, "id,name\r\n" + std::to_string(mine) + ",owners\r\n" +
                           std::to_string(theirs) + ",users\r\n");
  CommandResult other = user.RunConverge(instance, {"query", "--csv", sql});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(other.out, "id,name\r\n" + std::to_string(theirs) + ",users\r\n");
  // Events and provenance rows follow the jobs; the nodes' facts are everyone's.
  other = user.RunConverge(
      instance, {"query", "--json",
                 "SELECT (SELECT count(DISTINCT job_id) FROM events) AS e, "
                 "(SELECT count(*) FROM provenance) AS p, (SELECT count(*) FROM nodes) AS n"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(nlohmann::json::parse(other.out)["rows"], nlohmann::json::parse("[[1, 1, 1]]"))
      << other.out;
  CommandResult links = instance.Run({"show", "--provenance", std::to_string(mine)});
  EXPECT_NE(links.out.find("libc.so.6"), std::string::npos) << "what true links: " << links.out;
  CommandResult table = instance.Run(
      {"query", "SELECT job_id, command_path FROM provenance WHERE job_id = " +
                    std::to_string(mine)});
  EXPECT_NE(table.out.find("/usr/bin/true"), std::string::npos) << table.out;
  // Another user's provenance record is not theirs to read.
  CommandResult foreign =
      user.RunConverge(instance, {"provenance", "show", std::to_string(mine)});
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.err.find("belongs to"), std::string::npos) << foreign.err;

  for (const std::string& write :
       {std::string("DELETE FROM jobs"), std::string("UPDATE jobs SET name = 'x'"),
        std::string("INSERT INTO jobs (id) VALUES (99)"), std::string("DROP VIEW jobs"),
        std::string("SELECT * FROM main.jobs"), std::string("SELECT * FROM jobspecs"),
        std::string("SELECT 1; DELETE FROM jobs"), std::string("PRAGMA writable_schema = 1"),
        std::string("ATTACH DATABASE '/tmp/x.db' AS x")}) {
    CommandResult refused = user.RunConverge(instance, {"query", write});
    EXPECT_EQ(refused.exit_code, 1) << write << ": " << refused.out;
    EXPECT_NE(refused.err.find("converge query:"), std::string::npos) << refused.err;
  }
  owner = instance.Run({"query", "--csv", "SELECT count(*) AS n FROM jobs"});
  EXPECT_EQ(owner.out, "n\r\n2\r\n") << "nothing was written: " << owner.out;
  // The API takes GET ?sql= too, and refuses bad bodies by field.
  testutil::ApiAnswer answer = CallApi(instance, "POST", "/v1/query", R"({"sql": 5})");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body.value("field", ""), "sql") << answer.text;
  answer = CallApi(instance, "POST", "/v1/query", R"({"sql": "SELECT 1", "extra": 1})");
  EXPECT_EQ(answer.status, 400);
  answer = CallApi(instance, "GET", "/v1/query?sql=SELECT%20count(*)%20FROM%20jobs");
  EXPECT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(instance.Run({"query"}).exit_code, 2);
  instance.PrintLogIfFailed();
}

}  // namespace
}  // namespace converge
