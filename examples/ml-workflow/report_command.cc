// `converge-ml report`: GET /api/metrics, then the summary line (stdout and --summary) and
// the scatter plot (--svg).
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "examples/ml-workflow/commands.h"
#include "examples/ml-workflow/ml_client.h"
#include "examples/ml-workflow/ml_json.h"
#include "examples/ml-workflow/report.h"

namespace converge::ml {
namespace {

struct ReportFlags {
  std::string url;
  std::string svg;
  std::string summary;  // "" = stdout only
};

int Fail(const Status& status) {
  std::fprintf(stderr, "converge-ml report: %s\n", status.ToString().c_str());
  return 1;
}

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return Status(Code::kInternal, "cannot write the file", path);
  return Status::Ok();
}

int Report(const ReportFlags& flags) {
  Result<std::unique_ptr<MlClient>> client = MlClient::Connect(flags.url);
  if (!client.ok()) return Fail(client.status());
  Result<nlohmann::json> answer = (*client)->Call("GET", "/api/metrics");
  if (!answer.ok()) return Fail(answer.status());
  Result<ModelMetrics> metrics = MetricsFromJson(*answer);
  if (!metrics.ok()) return Fail(metrics.status().WithPrefix("/api/metrics"));
  const std::string summary = FormatSummary(*metrics);
  std::fputs(summary.c_str(), stdout);
  if (!flags.summary.empty()) {
    if (Status status = WriteFile(flags.summary, summary); !status.ok()) return Fail(status);
  }
  const std::vector<ScatterPoint> points = ScatterPointsOf(*metrics);
  ScatterOptions options;
  options.subtitle = summary.substr(0, summary.find('\n'));
  if (Status status = WriteFile(flags.svg, RenderScatterSvg(points, options)); !status.ok()) {
    return Fail(status);
  }
  return 0;
}

}  // namespace

void AddReportCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ReportFlags>();
  CLI::App* report =
      app.add_subcommand("report", "Write the test metrics as a summary line and an SVG plot");
  report->add_option("--url", flags->url, "The service, e.g. http://127.0.0.1:23456")
      ->required()
      ->envname("CONVERGE_SERVICE_ML_URL");
  report->add_option("--svg", flags->svg, "Scatter plot to write (predicted vs actual)")
      ->required();
  report->add_option("--summary", flags->summary, "Also write the summary line to this file");
  report->callback([=] { *exit_code = Report(*flags); });
}

}  // namespace converge::ml
