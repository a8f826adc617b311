#include "sim/report.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/report_csv.h"
#include "sim/report_html.h"
#include "sim/sweep_report.h"
#include "sim/report_svg.h"

namespace converge::sim {
namespace {

Metrics Sample() {
  Metrics m;
  m.jobs = 3;
  m.skipped = 2;
  m.unsatisfiable = 1;
  m.procs = 4;
  m.policy = "easy";
  m.avg_wait_s = 56.5;
  m.median_wait_s = 80;
  m.p95_wait_s = 90;
  m.avg_bsld = 4.1;
  m.max_bsld = 8.5;
  m.utilization = 0.85;
  m.makespan_s = 150;
  return m;
}

TEST(MetricsJson, KeysInOrder) {
  std::string text = MetricsJson(Sample(), 0.25);
  nlohmann::ordered_json json = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (const auto& item : json.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"jobs", "skipped", "unsatisfiable", "procs", "policy",
                                            "avg_wait_s", "median_wait_s", "p95_wait_s",
                                            "avg_bsld", "max_bsld", "utilization", "makespan_s",
                                            "sim_seconds"}));
  EXPECT_EQ(json["jobs"], 3);
  EXPECT_EQ(json["policy"], "easy");
  EXPECT_EQ(json["makespan_s"], 150);
  EXPECT_DOUBLE_EQ(json["sim_seconds"].get<double>(), 0.25);
  EXPECT_EQ(text.back(), '\n');
}

TEST(MetricsText, MentionsTheFigures) {
  std::string text = MetricsText(Sample(), 0.25);
  EXPECT_NE(text.find("3 simulated, 2 skipped (1 larger than the machine)"), std::string::npos);
  EXPECT_NE(text.find("avg 56.5 s"), std::string::npos);
  EXPECT_NE(text.find("85.00 %"), std::string::npos);
}

TEST(JobsCsv, HeaderAndRows) {
  std::vector<JobOutcome> jobs = {{1, 0, 0, 100, 4, 200, 100, 4}, {2, 10, 100, 150, 2, 60, 50, 2}};
  EXPECT_EQ(JobsCsv(jobs),
            "job_id,submit_time,start_time,end_time,procs,requested_time,run_time\n"
            "1,0,0,100,4,200,100\n"
            "2,10,100,150,2,60,50\n");
  EXPECT_EQ(JobsCsv({}), "job_id,submit_time,start_time,end_time,procs,requested_time,run_time\n");
}

TEST(BinAverages, IntegratesAStepFunction) {
  // 2 from t=0 to 5, then 4 from 5 to 10; bins of width 5 and 2.5.
  std::vector<double> two = BinAverages({{0, 2}, {5, 2}, {10, -4}}, 0, 10, 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_DOUBLE_EQ(two[0], 2);
  EXPECT_DOUBLE_EQ(two[1], 4);
  std::vector<double> three = BinAverages({{0, 3}, {1, -3}}, 0, 3, 3);
  EXPECT_DOUBLE_EQ(three[0], 3);
  EXPECT_DOUBLE_EQ(three[1], 0);
  std::vector<double> half = BinAverages({{0, 2}, {3, -2}}, 0, 4, 2);
  EXPECT_DOUBLE_EQ(half[0], 2);
  EXPECT_DOUBLE_EQ(half[1], 1);
}

TEST(UtilizationSvg, TwoPanelsWithLabels) {
  std::vector<JobOutcome> jobs = {{1, 0, 0, 100, 4, 200, 100, 4}, {2, 10, 100, 150, 2, 60, 50, 2}};
  std::string svg = UtilizationSvg(jobs, 4, {.title = "test <trace>", .bins = 10});
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("utilization (%)"), std::string::npos);
  EXPECT_NE(svg.find("queue length (jobs)"), std::string::npos);
  EXPECT_NE(svg.find("time since first submission (hours)"), std::string::npos);
  EXPECT_NE(svg.find("test &lt;trace&gt;"), std::string::npos);
  size_t polylines = 0;
  for (size_t pos = svg.find("<polyline"); pos != std::string::npos;
       pos = svg.find("<polyline", pos + 1)) {
    ++polylines;
  }
  EXPECT_EQ(polylines, 2u);
  EXPECT_EQ(svg, UtilizationSvg(jobs, 4, {.title = "test <trace>", .bins = 10}));
  EXPECT_NE(UtilizationSvg({}, 4).find("</svg>"), std::string::npos);
}

TEST(SweepReport, OneRowPerRunAndFailuresSaySo) {
  std::vector<SweepRow> rows = {{"easy", "first", "4x1", Sample(), 0.25, ""},
                                {"fcfs", "pack", "a,b.yaml", Metrics{}, 0, "it \"broke\""}};
  std::vector<std::vector<std::string>> cells = SweepCells(rows);
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0][0], "POLICY");
  EXPECT_EQ(cells[1], (std::vector<std::string>{"easy", "first", "4x1", "4", "3", "56.5", "80.0",
                                                "90.0", "4.10", "8.50", "85.00", "150",
                                                "0.250"}));
  EXPECT_EQ(cells[2].back(), "failed: it \"broke\"");
  EXPECT_EQ(cells[2][3], "-");

  std::string csv = SweepCsv(rows);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_NE(csv.find("\neasy,first,4x1,4,3,2,56.5,80,90,4.0999999999999996,8.5,0.84999999999999998,"
                     "150,0.250000,\n"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("\nfcfs,pack,\"a,b.yaml\","), std::string::npos) << csv;
  EXPECT_NE(csv.find(",\"it \"\"broke\"\"\"\n"), std::string::npos) << csv;

  nlohmann::ordered_json json = nlohmann::ordered_json::parse(SweepJson(rows));
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["machine"], "4x1");
  EXPECT_EQ(json[0]["avg_wait_s"], 56.5);
  EXPECT_FALSE(json[0].contains("error"));
  EXPECT_EQ(json[1]["error"], "it \"broke\"");
}

TEST(ReportHtmlTest, OnePageWithTheFiguresEscapedAndTheChartAsGiven) {
  Metrics metrics;
  metrics.jobs = 3;
  metrics.procs = 16;
  metrics.policy = "easy";
  metrics.avg_wait_s = 12.25;
  metrics.utilization = 0.5;
  metrics.makespan_s = 86400;
  const std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>\n";
  const std::string page = ReportHtml(metrics, 0.5, svg, "a <b> & \"c\"");
  EXPECT_TRUE(page.starts_with("<!doctype html>")) << page;
  EXPECT_NE(page.find("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"), std::string::npos)
      << page;
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_NE(page.find(svg), std::string::npos);
  EXPECT_NE(page.find("<th>average wait</th><td>12.2 s</td>"), std::string::npos) << page;
  EXPECT_NE(page.find("<th>utilization</th><td>50.00 %</td>"), std::string::npos);
  EXPECT_NE(page.find("86400 s (1.00 days)"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace converge::sim
