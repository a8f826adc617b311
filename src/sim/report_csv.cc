#include "sim/report_csv.h"

namespace converge::sim {

std::string JobsCsv(std::span<const JobOutcome> jobs) {
  std::string csv = "job_id,submit_time,start_time,end_time,procs,requested_time,run_time\n";
  csv.reserve(csv.size() + jobs.size() * 48);
  for (const JobOutcome& job : jobs) {
    csv += std::to_string(job.id);
    for (int64_t value : {job.submit_time, job.start_time, job.end_time, job.procs,
                          job.requested_time, job.run_time}) {
      csv += ',';
      csv += std::to_string(value);
    }
    csv += '\n';
  }
  return csv;
}

}  // namespace converge::sim
