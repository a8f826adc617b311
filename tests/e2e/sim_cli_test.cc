// `converge sim` through the real binary on small inline traces: exact figures for a
// hand-computed schedule, output shapes, determinism, machine options and errors.
#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testutil/run_command.h"

namespace converge {
namespace {

using testutil::RunConverge;

// 4 procs. Job 1 (2 procs, 100 s) runs at once; job 2 (4 procs, 50 s) waits for it; job 3
// (2 procs, 50 s) fits the hole before 100 under backfilling. Job 4 has no run time
// (skipped); job 5 needs 8 procs (unsatisfiable). Job 6 gives no requested time and no
// allocated procs: estimate = run time, procs = requested procs.
constexpr const char* kTrace =
    "; Version: 2.2\n"
    "; MaxNodes: 2\n"
    "; MaxProcs: 4\n"
    "1 0 -1 100 2 -1 -1 2 100 -1 1 -1 -1 -1 -1 -1 -1 -1\n"
    "2 1 -1  50 4 -1 -1 4  50 -1 1 -1 -1 -1 -1 -1 -1 -1\n"
    "3 2 -1  50 2 -1 -1 2  50 -1 1 -1 -1 -1 -1 -1 -1 -1\n"
    "4 3 -1  -1 1 -1 -1 1  50 -1 5 -1 -1 -1 -1 -1 -1 -1\n"
    "5 4 -1  10 8 -1 -1 8  50 -1 1 -1 -1 -1 -1 -1 -1 -1\n"
    "6 500 -1 10 -1 -1 -1 1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n";

nlohmann::ordered_json Json(const testutil::CommandResult& run) {
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return nlohmann::ordered_json::parse(run.out);
}

std::string WithoutSimSeconds(const std::string& json) {
  return std::regex_replace(json, std::regex("\"sim_seconds\": [0-9.e+-]+"), "\"sim_seconds\"");
}

TEST(SimCli, HelpDocumentsTheSwfRules) {
  testutil::CommandResult run = RunConverge({"sim", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  for (const char* fragment :
       {"--trace", "--policy", "--match", "--resources", "--nodes", "--cores-per-node",
        "--limit", "--json", "--jobs-csv", "--plot", "--html", "allocated processors (field 5)",
        "requested time (field 9)", "killed at the estimate", "MaxProcs (else MaxNodes)",
        "released", "unsatisfiable"}) {
    EXPECT_NE(run.out.find(fragment), std::string::npos) << fragment;
  }
}

TEST(SimCli, FcfsJsonHasExactFigures) {
  testutil::TempDir dir;
  std::string trace = dir.Write("t.swf", kTrace);
  nlohmann::ordered_json json = Json(RunConverge({"sim", "--trace", trace, "--policy", "fcfs",
                                                  "--json"}));
  std::vector<std::string> keys;
  for (const auto& item : json.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"jobs", "skipped", "unsatisfiable", "procs", "policy",
                                            "avg_wait_s", "median_wait_s", "p95_wait_s",
                                            "avg_bsld", "max_bsld", "utilization", "makespan_s",
                                            "sim_seconds"}));
  EXPECT_EQ(json["jobs"], 4);
  EXPECT_EQ(json["skipped"], 2);
  EXPECT_EQ(json["unsatisfiable"], 1);
  EXPECT_EQ(json["procs"], 4);
  EXPECT_EQ(json["policy"], "fcfs");
  // Waits: 0, 99, 148, 0.
  EXPECT_DOUBLE_EQ(json["avg_wait_s"].get<double>(), 247.0 / 4);
  EXPECT_DOUBLE_EQ(json["median_wait_s"].get<double>(), 49.5);
  EXPECT_DOUBLE_EQ(json["p95_wait_s"].get<double>(), 148);
  // bsld: 1, (99+50)/50, (148+50)/50, 1.
  EXPECT_DOUBLE_EQ(json["avg_bsld"].get<double>(), (1 + 2.98 + 3.96 + 1) / 4);
  EXPECT_DOUBLE_EQ(json["max_bsld"].get<double>(), 3.96);
  EXPECT_EQ(json["makespan_s"], 510);
  EXPECT_DOUBLE_EQ(json["utilization"].get<double>(), (200.0 + 200 + 100 + 10) / (4 * 510));
}

TEST(SimCli, EasyBackfillsAndCsvHasOneRowPerJob) {
  testutil::TempDir dir;
  std::string trace = dir.Write("t.swf", kTrace);
  std::string csv = dir.path() + "/jobs.csv";
  nlohmann::ordered_json json = Json(RunConverge(
      {"sim", "--trace", trace, "--policy", "easy", "--json", "--jobs-csv", csv, "--validate"}));
  EXPECT_DOUBLE_EQ(json["avg_wait_s"].get<double>(), 99.0 / 4);
  EXPECT_EQ(testutil::ReadFile(csv),
            "job_id,submit_time,start_time,end_time,procs,requested_time,run_time\n"
            "1,0,0,100,2,100,100\n"
            "2,1,100,150,4,50,50\n"
            "3,2,2,52,2,50,50\n"
            "6,500,500,510,1,10,10\n");
}

TEST(SimCli, HumanSummary) {
  testutil::TempDir dir;
  std::string trace = dir.Write("t.swf", kTrace);
  testutil::CommandResult run =
      RunConverge({"sim", "--trace", trace, "--policy", "conservative", "--validate"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("conservative on 4 procs"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("4 simulated, 2 skipped (1 larger than the machine)"),
            std::string::npos);
  EXPECT_NE(run.out.find("schedule      valid"), std::string::npos);
}

TEST(SimCli, MachineFromFlagsAndLimit) {
  testutil::TempDir dir;
  std::string trace = dir.Write("t.swf", kTrace);
  // 2 nodes x 4 cores = 8 procs: job 5 fits now.
  nlohmann::ordered_json json = Json(RunConverge(
      {"sim", "--trace", trace, "--nodes", "2", "--cores-per-node", "4", "--json"}));
  EXPECT_EQ(json["procs"], 8);
  EXPECT_EQ(json["jobs"], 5);
  EXPECT_EQ(json["unsatisfiable"], 0);
  json = Json(RunConverge({"sim", "--trace", trace, "--limit", "2", "--json"}));
  EXPECT_EQ(json["jobs"], 2);
  EXPECT_EQ(json["skipped"], 0);
}

TEST(SimCli, MachineFromResourceFile) {
  testutil::TempDir dir;
  std::string trace = dir.Write("t.swf", kTrace);
  std::string cluster = dir.Write("c.yaml",
                                  "cluster: { name: sim }\n"
                                  "nodes:\n"
                                  "  - { count: 2, sockets: 1, cores_per_socket: 4 }\n");
  nlohmann::ordered_json json =
      Json(RunConverge({"sim", "--trace", trace, "--resources", cluster, "--json", "--validate"}));
  EXPECT_EQ(json["procs"], 8);
  EXPECT_EQ(json["jobs"], 5);
}

TEST(SimCli, TraceWithoutMachineSizeNeedsNodes) {
  testutil::TempDir dir;
  std::string trace = dir.Write("t.swf", "1 0 -1 10 1 -1 -1 1 10 -1 1 -1 -1 -1 -1 -1 -1 -1\n");
  testutil::CommandResult run = RunConverge({"sim", "--trace", trace});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("no MaxProcs or MaxNodes"), std::string::npos) << run.err;
  EXPECT_EQ(RunConverge({"sim", "--trace", trace, "--nodes", "1"}).exit_code, 0);
}

TEST(SimCli, Errors) {
  testutil::TempDir dir;
  std::string bad = dir.Write("bad.swf",
                              "; MaxProcs: 4\n1 0 -1 10 x -1 -1 1 10 -1 1 -1 -1 -1 -1 -1 -1 -1\n");
  testutil::CommandResult run = RunConverge({"sim", "--trace", bad});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("line 2: field 5 (allocated processors): not an integer"),
            std::string::npos)
      << run.err;
  run = RunConverge({"sim", "--trace", dir.path() + "/missing.swf"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("cannot open trace"), std::string::npos) << run.err;
  std::string good = dir.Write("t.swf", kTrace);
  run = RunConverge({"sim", "--trace", good, "--policy", "lottery"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--policy"), std::string::npos) << run.err;
  EXPECT_EQ(RunConverge({"sim", "--trace", good, "--match", "best"}).exit_code, 2);
  EXPECT_EQ(RunConverge({"sim", "--trace", good, "--cores-per-node", "2"}).exit_code, 2);
  EXPECT_NE(RunConverge({"sim"}).exit_code, 0);  // --trace is required
  EXPECT_NE(RunConverge({"sim", "--trace", good, "--resources", good, "--nodes", "2"}).exit_code,
            0);
  run = RunConverge({"sim", "--trace", good, "--jobs-csv", dir.path() + "/no/such/dir/x.csv"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("cannot write"), std::string::npos) << run.err;
}

// --sweep: every (machine, policy, match) combination once, in that order, each the same
// as the single run of that combination.
TEST(SimCli, SweepComparesPoliciesAndMachinesInOneRun) {
  testutil::TempDir dir;
  std::string trace = dir.Write("t.swf", kTrace);
  std::string csv = dir.path() + "/sweep.csv";
  testutil::CommandResult run =
      RunConverge({"sim", "--trace", trace, "--sweep", "--policy", "fcfs,easy", "--nodes",
                   "4,8", "--json", "--csv", csv, "--threads", "2"});
  nlohmann::ordered_json rows = Json(run);
  ASSERT_EQ(rows.size(), 4u);
  const std::pair<const char*, const char*> order[] = {
      {"fcfs", "4x1"}, {"easy", "4x1"}, {"fcfs", "8x1"}, {"easy", "8x1"}};
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["policy"], order[i].first);
    EXPECT_EQ(rows[i]["machine"], order[i].second);
    EXPECT_EQ(rows[i]["match"], "first");
    nlohmann::ordered_json single = Json(RunConverge(
        {"sim", "--trace", trace, "--policy", order[i].first, "--nodes",
         std::string(order[i].second).substr(0, 1), "--json"}));
    for (const char* key : {"jobs", "skipped", "procs", "avg_wait_s", "avg_bsld",
                            "utilization", "makespan_s"}) {
      EXPECT_EQ(rows[i][key], single[key]) << key << " of row " << i;
    }
  }
  EXPECT_DOUBLE_EQ(rows[0]["avg_wait_s"].get<double>(), (0 + 99 + 148 + 0) / 4.0);
  EXPECT_DOUBLE_EQ(rows[1]["avg_wait_s"].get<double>(), 99.0 / 4);
  std::string text = testutil::ReadFile(csv);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "policy,match,machine,procs,jobs,skipped,avg_wait_s,median_wait_s,p95_wait_s,"
            "avg_bsld,max_bsld,utilization,makespan_s,sim_seconds,error");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 5);

  // The table, on the trace's own machine by default, every policy.
  run = RunConverge({"sim", "--trace", trace, "--sweep", "--policy",
                     "fcfs,easy,conservative"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.substr(0, run.out.find(' ')), "POLICY");
  for (const char* row : {"\nfcfs ", "\neasy ", "\nconservative "}) {
    EXPECT_NE(run.out.find(row), std::string::npos) << run.out;
  }
  EXPECT_NE(run.out.find("4x1"), std::string::npos) << run.out;
}

TEST(SimCli, SweepErrorsNameTheFlag) {
  testutil::TempDir dir;
  std::string trace = dir.Write("t.swf", kTrace);
  struct Case {
    std::vector<std::string> args;
    const char* message;
  } cases[] = {
      {{"--sweep", "--policy", "easy,lottery"}, "--policy"},
      {{"--sweep", "--match", "first,best"}, "--match"},
      {{"--sweep", "--plot", dir.path() + "/p.svg"}, "not with --sweep"},
      {{"--sweep", "--html", dir.path() + "/p.html"}, "not with --sweep"},
      {{"--sweep", "--validate"}, "not with --sweep"},
      {{"--nodes", "4,8"}, "needs --sweep"},
      {{"--threads", "2"}, "need --sweep"},
      {{"--csv", dir.path() + "/x.csv"}, "need --sweep"},
      {{"--sweep", "--threads", "-1"}, "--threads"},
      {{"--sweep", "--nodes", "4,0"}, "--nodes"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"sim", "--trace", trace};
    args.insert(args.end(), c.args.begin(), c.args.end());
    testutil::CommandResult run = RunConverge(args);
    EXPECT_EQ(run.exit_code, 2) << c.args[0] << ": " << run.err;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
    EXPECT_EQ(run.out, "");
  }
}

TEST(SimCli, PlotIsAnSvgWithTwoPanels) {
  testutil::TempDir dir;
  std::string trace = dir.Write("t.swf", kTrace);
  std::string svg_path = dir.path() + "/plot.svg";
  ASSERT_EQ(RunConverge({"sim", "--trace", trace, "--plot", svg_path}).exit_code, 0);
  std::string svg = testutil::ReadFile(svg_path);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("utilization (%)"), std::string::npos);
  EXPECT_NE(svg.find("queue length (jobs)"), std::string::npos);
  EXPECT_NE(svg.find("t.swf - easy, 4 procs"), std::string::npos);
}

TEST(SimCli, HtmlIsOnePageWithTheFiguresAndThePlotsChart) {
  testutil::TempDir dir;
  std::string trace = dir.Write("t.swf", kTrace);
  const std::string svg_path = dir.path() + "/plot.svg";
  const std::string html_path = dir.path() + "/report.html";
  testutil::CommandResult run = RunConverge(
      {"sim", "--trace", trace, "--plot", svg_path, "--html", html_path, "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string html = testutil::ReadFile(html_path);
  EXPECT_EQ(html.rfind("<!doctype html>", 0), 0u) << html.substr(0, 200);
  EXPECT_NE(html.find(testutil::ReadFile(svg_path)), std::string::npos) << "the same chart";
  nlohmann::json figures = Json(run);
  EXPECT_NE(html.find("<th>jobs simulated</th><td>" + std::to_string(figures["jobs"].get<int>()) +
                      "</td>"),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(RunConverge({"sim", "--trace", trace, "--html", dir.path() + "/no/such/x.html"})
                .exit_code,
            1);
}

TEST(SimCli, DeterministicOnASharedTrace) {
  const std::string trace = "../shared/traces/lublin_256.swf.gz";
  if (testutil::ReadFile(trace).empty()) GTEST_SKIP() << "shared traces not available";
  testutil::TempDir dir;
  std::vector<std::string> json, csv, svg;
  for (int run = 0; run < 2; ++run) {
    std::string prefix = dir.path() + "/run" + std::to_string(run);
    testutil::CommandResult result =
        RunConverge({"sim", "--trace", trace, "--policy", "easy", "--json", "--jobs-csv",
                     prefix + ".csv", "--plot", prefix + ".svg"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    json.push_back(WithoutSimSeconds(result.out));
    csv.push_back(testutil::ReadFile(prefix + ".csv"));
    svg.push_back(testutil::ReadFile(prefix + ".svg"));
  }
  EXPECT_NE(json[0].find("\"sim_seconds\""), std::string::npos);
  EXPECT_EQ(json[0], json[1]);
  EXPECT_GT(csv[0].size(), 10000u);
  EXPECT_EQ(csv[0], csv[1]);
  EXPECT_EQ(svg[0], svg[1]);
}

}  // namespace
}  // namespace converge
