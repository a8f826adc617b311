// WorkloadManager: MetricSets (docs/metricset.md). Each metric is one job, submitted when the
// one before it ended; when a metric's job ends, its stdout (each line labelled with its rank)
// is parsed by the metric's plugin, the values are stored (store::MetricResult, in the next
// commit) and checked against the set's `expect`. A node that fails a check is drained when
// the set asks for it and belongs to the instance owner.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <numeric>
#include <set>

#include "benchmarks/metric.h"
#include "common/hostlist.h"
#include "instance/job_output_file.h"
#include "instance/workload_manager.h"

namespace converge::instance {
namespace {

constexpr size_t kMaxOutputBytes = size_t{8} << 20;

// The job's stdout, at most kMaxOutputBytes, opened with the rights that may read it
// (job_output_file.h); "" when the job wrote nothing.
Result<std::string> ReadOutput(const store::JobRecord& record, const JobOutputAccess& access) {
  Result<int> opened = OpenJobOutput(record, record.output, access);
  if (!opened.ok()) {
    if (opened.status().code() == Code::kNotFound) return std::string();
    return opened.status().WithPrefix(record.output);
  }
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(*opened, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text.append(buffer, static_cast<size_t>(got));
    if (text.size() > kMaxOutputBytes) break;
  }
  ::close(*opened);
  if (text.size() > kMaxOutputBytes) text.resize(kMaxOutputBytes);
  return text;
}

// "RANK: text" lines (exec/label_io_service.h) gathered by rank; unlabelled lines go to -1.
std::map<int64_t, std::string> ByRank(const std::string& output) {
  std::map<int64_t, std::string> ranks;
  size_t begin = 0;
  while (begin < output.size()) {
    size_t end = output.find('\n', begin);
    if (end == std::string::npos) end = output.size();
    const std::string_view line(output.data() + begin, end - begin);
    const size_t colon = line.find(": ");
    int64_t rank = -1;
    std::string_view text = line;
    if (colon != std::string_view::npos && colon > 0 && colon < 8 &&
        line.substr(0, colon).find_first_not_of("0123456789") == std::string_view::npos) {
      rank = std::stoll(std::string(line.substr(0, colon)));
      text = line.substr(colon + 2);
    }
    ranks[rank].append(text).push_back('\n');
    begin = end + 1;
  }
  return ranks;
}

const char* OpText(workload::MetricCheck::Op op) {
  switch (op) {
    case workload::MetricCheck::Op::kGe:
      return ">=";
    case workload::MetricCheck::Op::kGt:
      return ">";
    case workload::MetricCheck::Op::kLe:
      return "<=";
    case workload::MetricCheck::Op::kLt:
      return "<";
  }
  return "?";
}

bool Holds(workload::MetricCheck::Op op, double value, double threshold) {
  switch (op) {
    case workload::MetricCheck::Op::kGe:
      return value >= threshold;
    case workload::MetricCheck::Op::kGt:
      return value > threshold;
    case workload::MetricCheck::Op::kLe:
      return value <= threshold;
    case workload::MetricCheck::Op::kLt:
      return value < threshold;
  }
  return false;
}

std::string Number(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

Result<benchmarks::Plan> PlanOf(const workload::MetricRun& run, int64_t nodes) {
  const benchmarks::Metric* metric = benchmarks::FindMetric(run.name);
  if (metric == nullptr) return Status::Invalid("name", "no metric " + run.name + " here");
  return metric->MakePlan(run.options, {nodes});
}

}  // namespace

void WorkloadManager::SubmitNextMetric(Object& object) {
  const auto& spec = std::get<workload::MetricSetSpec>(object.document.spec);
  MetricSetState& state = object.metricset;
  if (state.next >= spec.metrics.size()) {
    bool passed = true;
    for (const auto& result : state.results) {
      const std::string outcome = result.value("outcome", "");
      passed = passed && (outcome == "passed" || outcome == "measured");
    }
    state.phase = passed ? "Succeeded" : "Failed";
    Note(object, state.phase, std::to_string(state.results.size()) + " metrics run");
    return;
  }
  const size_t index = state.next++;
  const workload::MetricRun& run = spec.metrics[index];
  Result<benchmarks::Plan> plan = PlanOf(run, spec.nodes);
  Result<nlohmann::json> job =
      plan.ok() ? workload::MetricSetJobspec(object.document, index, *plan, object.context)
                : Result<nlohmann::json>(plan.status());
  Result<std::vector<int64_t>> ids = job.ok() ? jobs_.Submit(object.owner, {job->dump()})
                                              : Result<std::vector<int64_t>>(job.status());
  if (!ids.ok()) {
    state.results.push_back({{"metric", run.name},
                             {"job", 0},
                             {"outcome", "error"},
                             {"message", ids.status().ToString()}});
    Note(object, "Failed", run.name + ": " + ids.status().ToString());
    return SubmitNextMetric(object);
  }
  state.job = ids->front();
  state.phase = "Running";
  owner_of_job_[state.job] = {object.document.kind, object.document.metadata.name};
  Note(object, "Created", run.name + " is job " + std::to_string(state.job));
}

void WorkloadManager::OnMetricSetJob(Object& object, const store::Event& event) {
  if (event.name != "clean" || event.job_id != object.metricset.job) return;
  const Job* job = jobs_.Find(event.job_id);
  if (job != nullptr) CollectMetric(object, *job);
  SubmitNextMetric(object);
}

void WorkloadManager::CollectMetric(Object& object, const Job& job) {
  const auto& spec = std::get<workload::MetricSetSpec>(object.document.spec);
  MetricSetState& state = object.metricset;
  const size_t index = state.next == 0 ? 0 : state.next - 1;
  const workload::MetricRun& run = spec.metrics.at(index);
  const benchmarks::Metric* metric = benchmarks::FindMetric(run.name);
  Result<benchmarks::Plan> plan = PlanOf(run, spec.nodes);
  store::MetricResult result;
  result.job_id = job.record.id;
  result.metric_set = object.document.metadata.name;
  result.metric = run.name;
  result.time = clock_.Now();
  std::vector<std::string> problems;
  Result<std::vector<std::string>> nodes = ExpandHostlist(job.record.nodelist);
  Result<std::string> output = ReadOutput(job.record, options_.output_access);
  if (!plan.ok() || !output.ok()) {
    problems.push_back(!plan.ok() ? plan.status().ToString() : output.status().ToString());
  } else {
    const std::map<int64_t, std::string> ranks = ByRank(*output);
    std::vector<int64_t> wanted;
    if (plan->whole_job) {
      wanted.push_back(0);
    } else {
      for (int64_t r = 0; r < spec.nodes * plan->tasks_per_node; ++r) wanted.push_back(r);
    }
    for (int64_t rank : wanted) {
      auto text = ranks.find(rank);
      Result<std::vector<benchmarks::Value>> values =
          metric->Parse(text == ranks.end() ? "" : text->second);
      if (!values.ok()) {
        problems.push_back("rank " + std::to_string(rank) + ": " + values.status().message());
        continue;
      }
      const size_t node_index =
          static_cast<size_t>(rank / std::max<int64_t>(1, plan->tasks_per_node));
      const std::string node = plan->whole_job || !nodes.ok() || node_index >= nodes->size()
                                   ? job.record.nodelist
                                   : (*nodes)[node_index];
      for (const benchmarks::Value& value : *values) {
        result.values.push_back(
            {plan->whole_job ? -1 : rank, node, value.name, value.value, value.unit});
      }
    }
  }
  if (job.record.result != "completed") {
    problems.insert(problems.begin(), "job " + std::to_string(job.record.id) + " " +
                                          job.record.result + " (exit " +
                                          std::to_string(job.record.exit_code) + ")");
  }
  // The checks of this metric, on every value they name.
  nlohmann::json checks = nlohmann::json::array();
  std::set<std::string> failed_nodes;
  bool any_check = false;
  for (const workload::MetricCheck& check : spec.expect) {
    const std::string plugin = check.metric.substr(0, check.metric.find('.'));
    if (plugin != run.name) continue;
    any_check = true;
    const std::string name = check.metric.substr(check.metric.find('.') + 1);
    double threshold = check.value;
    std::string basis = "value";
    if (check.baseline > 0) {
      Result<std::vector<double>> history =
          jobs_.MetricHistory(result.metric_set, run.name, name, job.record.id);
      if (!history.ok() || history->empty()) {
        checks.push_back({{"metric", check.metric}, {"op", OpText(check.op)},
                          {"passed", true},
                          {"note", "no earlier run to compare with: this one is the baseline"}});
        continue;
      }
      const double mean =
          std::accumulate(history->begin(), history->end(), 0.0) / history->size();
      threshold = check.baseline * mean;
      basis = Number(check.baseline) + " x mean of " + std::to_string(history->size()) +
              " earlier values (" + Number(mean) + ")";
    }
    bool seen = false;
    for (const store::MetricValue& value : result.values) {
      if (value.name != name) continue;
      seen = true;
      const bool passed = Holds(check.op, value.value, threshold);
      checks.push_back({{"metric", check.metric}, {"op", OpText(check.op)},
                        {"threshold", threshold}, {"basis", basis}, {"node", value.node},
                        {"rank", value.rank}, {"value", value.value}, {"passed", passed}});
      if (!passed) {
        if (value.rank < 0 && nodes.ok()) {
          failed_nodes.insert(nodes->begin(), nodes->end());
        } else {
          failed_nodes.insert(value.node);
        }
      }
    }
    if (!seen) {
      checks.push_back({{"metric", check.metric}, {"op", OpText(check.op)},
                        {"threshold", threshold}, {"passed", false},
                        {"note", "the run gave no value " + name}});
      if (nodes.ok()) failed_nodes.insert(nodes->begin(), nodes->end());
    }
  }
  bool checks_passed = true;
  for (const auto& check : checks) checks_passed = checks_passed && check.value("passed", false);
  if (!problems.empty() && result.values.empty()) {
    result.outcome = "error";
  } else if (!checks_passed) {
    result.outcome = "failed";
  } else {
    result.outcome = any_check ? "passed" : "measured";
  }
  for (const std::string& problem : problems) {
    result.message += (result.message.empty() ? "" : "; ") + problem;
  }
  if (result.outcome == "failed" && result.message.empty()) {
    result.message = "a check failed on " + CompressHostlist({failed_nodes.begin(),
                                                              failed_nodes.end()});
  }
  result.checks = checks.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  nlohmann::json values = nlohmann::json::array();
  for (const store::MetricValue& value : result.values) {
    values.push_back({{"rank", value.rank}, {"node", value.node}, {"name", value.name},
                      {"value", value.value}, {"unit", value.unit}});
  }
  state.results.push_back({{"metric", run.name},
                           {"job", job.record.id},
                           {"outcome", result.outcome},
                           {"message", result.message},
                           {"values", std::move(values)},
                           {"checks", std::move(checks)}});
  Note(object, result.outcome == "error" || result.outcome == "failed" ? "MetricFailed"
                                                                        : "MetricDone",
       run.name + ": " + result.outcome + (result.message.empty() ? "" : ": " + result.message));
  jobs_.PutMetricResult(std::move(result));
  if (spec.drain_on_failure && !failed_nodes.empty()) {
    const std::string targets = CompressHostlist({failed_nodes.begin(), failed_nodes.end()});
    if (!object.owner.admin) {
      Note(object, "Warning", "not draining " + targets +
                                  ": only the instance owner's MetricSets drain nodes");
    } else {
      Status drained = jobs_.SetDrained(
          targets, true, "MetricSet " + object.document.metadata.name + ": " + run.name +
                             " acceptance check failed");
      Note(object, drained.ok() ? "Drained" : "Warning",
           drained.ok() ? targets : "drain " + targets + ": " + drained.ToString());
    }
  }
}

}  // namespace converge::instance
