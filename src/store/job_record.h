// JobRecord and Event: the durable shape of a job and of one entry of its eventlog.
// Plain values shared by the store and the instance (docs/formats/eventlog.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace converge::store {

struct JobRecord {
  int64_t id = 0;
  int64_t uid = -1;
  std::string user;
  std::string name;
  std::string state;          // NEW DEPEND PRIORITY SCHED RUN CLEANUP INACTIVE
  std::string result;         // completed failed canceled timeout; "" until INACTIVE
  int exit_code = 0;
  int signal = 0;
  int64_t ntasks = 0;
  int64_t nnodes = 0;
  std::string nodelist;
  std::string queue;
  int64_t priority = 16;
  double duration = 0;        // time limit in seconds, 0 = none
  double submit_time = 0;     // epoch seconds
  double start_time = 0;
  double end_time = 0;
  std::string reason;         // why pending, or why it failed
  std::string output;         // resolved stdout path
  std::string error_output;   // resolved stderr path
  std::string dependencies;   // JSON array of "scheme:value" strings
  std::string allocation;     // JSON (instance-defined), "" when none
};

struct Event {
  int64_t job_id = 0;
  int64_t seq = 0;            // 0, 1, 2 ... per job
  double timestamp = 0;       // epoch seconds
  std::string name;           // submit validate depend priority alloc start exception ...
  std::string context;        // JSON object text
};

// One metric of a MetricSet, run as job `job_id` (docs/metricset.md): how it went, and the
// values its output gave.
struct MetricValue {
  int64_t rank = -1;  // the task whose output gave it; -1: the job as a whole
  std::string node;   // that task's node; the job's nodelist for -1
  std::string name;   // "events_per_s"
  double value = 0;
  std::string unit;
};
struct MetricResult {
  int64_t job_id = 0;
  std::string metric_set;  // the MetricSet's name
  std::string metric;      // the plugin ("sysbench")
  double time = 0;         // epoch seconds when the results were read
  std::string outcome;     // passed, failed (a check), error (no values), measured (no checks)
  std::string message;     // why failed or error
  std::string checks;      // JSON array of {metric, op, threshold, node, value, passed}
  std::vector<MetricValue> values;
};

}  // namespace converge::store
