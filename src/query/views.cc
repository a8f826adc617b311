#include "query/views.h"

#include <array>

#include <sqlite3.h>

namespace converge::query {
namespace {

// clang-format off
constexpr std::array<ViewColumn, 22> kJobColumns = {{
    {"id", "INTEGER"},         {"uid", "INTEGER"},        {"user", "TEXT"},
    {"name", "TEXT"},          {"state", "TEXT"},         {"result", "TEXT"},
    {"exit_code", "INTEGER"},  {"signal", "INTEGER"},     {"ntasks", "INTEGER"},
    {"nnodes", "INTEGER"},     {"nodelist", "TEXT"},      {"queue", "TEXT"},
    {"priority", "INTEGER"},   {"duration", "REAL"},      {"submit_time", "REAL"},
    {"start_time", "REAL"},    {"end_time", "REAL"},      {"reason", "TEXT"},
    {"output", "TEXT"},        {"error_output", "TEXT"},  {"dependencies", "TEXT"},
    {"allocation", "TEXT"},
}};
// clang-format on

constexpr const char* kJobsSelect = R"sql(
SELECT id, uid, user, name, state, result, exit_code, signal, ntasks, nnodes, nodelist, queue,
       priority, duration, submit_time, start_time, end_time, reason, output, error_output,
       dependencies, allocation
FROM main.jobs
WHERE converge_may_see(uid))sql";

// clang-format off
constexpr std::array<ViewColumn, 5> kEventColumns = {{
    {"job_id", "INTEGER"}, {"seq", "INTEGER"}, {"timestamp", "REAL"}, {"name", "TEXT"},
    {"context", "TEXT"},
}};
// clang-format on

constexpr const char* kEventsSelect = R"sql(
SELECT e.job_id, e.seq, e.timestamp, e.name, e.context
FROM main.events AS e JOIN main.jobs AS j ON j.id = e.job_id
WHERE converge_may_see(j.uid))sql";

// clang-format off
constexpr std::array<ViewColumn, 12> kProvenanceColumns = {{
    {"job_id", "INTEGER"},        {"command", "TEXT"},
    {"command_path", "TEXT"},     {"command_digest", "TEXT"},
    {"cwd", "TEXT"},              {"environment_digest", "TEXT"},
    {"pmi", "TEXT"},              {"container", "TEXT"},
    {"blessed", "INTEGER"},       {"converge_version", "TEXT"},
    {"recorded", "REAL"},         {"record", "TEXT"},
}};

// A record that is not JSON (damage) reads as {}: its fields are NULL, `record` shows it.
constexpr const char* kProvenanceSelect = R"sql(
SELECT p.job_id, json_extract(p.r, '$.command.argv0'), json_extract(p.r, '$.command.path'),
       json_extract(p.r, '$.command.digest'), json_extract(p.r, '$.cwd'),
       json_extract(p.r, '$.environment.digest'), json_extract(p.r, '$.pmi'),
       json_extract(p.r, '$.container'), json_extract(p.r, '$.blessed'),
       json_extract(p.r, '$.converge_version'), json_extract(p.r, '$.recorded'), p.record
FROM (SELECT job_id, record, CASE WHEN json_valid(record) THEN record ELSE '{}' END AS r
      FROM main.provenance) AS p
  JOIN main.jobs AS j ON j.id = p.job_id
WHERE converge_may_see(j.uid))sql";

// clang-format off
constexpr std::array<ViewColumn, 3> kJobNodeColumns = {{
    {"job_id", "INTEGER"}, {"node", "TEXT"}, {"facts", "TEXT"},
}};
// clang-format on

constexpr const char* kJobNodesSelect = R"sql(
SELECT p.job_id, json_extract(n.value, '$.name'), json_extract(n.value, '$.facts')
FROM main.provenance AS p JOIN main.jobs AS j ON j.id = p.job_id,
  json_each(CASE WHEN json_valid(p.record) THEN p.record ELSE '{}' END, '$.nodes') AS n
WHERE converge_may_see(j.uid))sql";

// clang-format off
constexpr std::array<ViewColumn, 15> kNodeColumns = {{
    {"digest", "TEXT"},           {"hostname", "TEXT"},        {"kernel_release", "TEXT"},
    {"kernel_version", "TEXT"},   {"kernel_cmdline", "TEXT"},  {"kernel_digest", "TEXT"},
    {"boot_id", "TEXT"},          {"os", "TEXT"},              {"cpu_model", "TEXT"},
    {"microcode", "TEXT"},        {"topology_digest", "TEXT"}, {"converge_version", "TEXT"},
    {"accelerators", "TEXT"},     {"modules", "TEXT"},         {"libraries", "TEXT"},
}};

// No job data: every asker sees every row. topology_xml is left out (tens of KB per node).
constexpr const char* kNodesSelect = R"sql(
SELECT n.digest, json_extract(n.f, '$.hostname'), json_extract(n.f, '$.kernel_release'),
       json_extract(n.f, '$.kernel_version'), json_extract(n.f, '$.kernel_cmdline'),
       json_extract(n.f, '$.kernel_digest'), json_extract(n.f, '$.boot_id'),
       json_extract(n.f, '$.os'), json_extract(n.f, '$.cpu_model'),
       json_extract(n.f, '$.microcode'), json_extract(n.f, '$.topology_digest'),
       json_extract(n.f, '$.converge_version'), json_extract(n.f, '$.accelerators'),
       json_extract(n.f, '$.modules'), json_extract(n.f, '$.libraries')
FROM (SELECT digest, CASE WHEN json_valid(facts) THEN facts ELSE '{}' END AS f
      FROM main.node_facts) AS n
WHERE 1)sql";

// clang-format off
constexpr std::array<ViewColumn, 7> kMetricColumns = {{
    {"job_id", "INTEGER"}, {"metric_set", "TEXT"}, {"metric", "TEXT"}, {"time", "REAL"},
    {"outcome", "TEXT"},   {"message", "TEXT"},    {"checks", "TEXT"},
}};
// clang-format on

constexpr const char* kMetricsSelect = R"sql(
SELECT r.job_id, r.metric_set, r.metric, r.time, r.outcome, r.message, r.checks
FROM main.metric_runs AS r JOIN main.jobs AS j ON j.id = r.job_id
WHERE converge_may_see(j.uid))sql";

// clang-format off
constexpr std::array<ViewColumn, 9> kMetricValueColumns = {{
    {"job_id", "INTEGER"}, {"metric_set", "TEXT"}, {"metric", "TEXT"}, {"rank", "INTEGER"},
    {"node", "TEXT"},      {"name", "TEXT"},       {"value", "REAL"},  {"unit", "TEXT"},
    {"time", "REAL"},
}};
// clang-format on

constexpr const char* kMetricValuesSelect = R"sql(
SELECT v.job_id, r.metric_set, r.metric, v.rank, v.node, v.name, v.value, v.unit, r.time
FROM main.metric_values AS v JOIN main.metric_runs AS r ON r.job_id = v.job_id
  JOIN main.jobs AS j ON j.id = v.job_id
WHERE converge_may_see(j.uid))sql";

constexpr std::array<ViewDefinition, 7> kViews = {{
    {"jobs", "one row per job you may see (all jobs for an admin); the columns of the store",
     kJobColumns, kJobsSelect, "id"},
    {"events", "the eventlog entries of those jobs, one row per event", kEventColumns,
     kEventsSelect, "e.job_id"},
    {"provenance", "what each of those jobs ran: fields of its provenance record, and the record",
     kProvenanceColumns, kProvenanceSelect, "p.job_id"},
    {"job_nodes", "the nodes each of those jobs ran on, with the digest of their facts",
     kJobNodeColumns, kJobNodesSelect, "p.job_id"},
    {"nodes", "the facts of each node a job ran on, one row per digest (visible to everyone)",
     kNodeColumns, kNodesSelect, "n.digest"},
    {"metrics", "one row per MetricSet metric run among those jobs: outcome and checks",
     kMetricColumns, kMetricsSelect, "r.job_id"},
    {"metric_values", "the values each of those metric runs gave, one row per value",
     kMetricValueColumns, kMetricValuesSelect, "v.job_id"},
}};

}  // namespace

std::span<const ViewDefinition> ViewDefinitions() { return kViews; }

const ViewDefinition* FindView(std::string_view name) {
  for (const ViewDefinition& view : kViews) {
    const std::string_view candidate = view.name;
    if (candidate.size() == name.size() &&
        sqlite3_strnicmp(candidate.data(), name.data(), static_cast<int>(name.size())) == 0) {
      return &view;
    }
  }
  return nullptr;
}

std::string ViewNames() {
  std::string names;
  for (const ViewDefinition& view : kViews) {
    names += (names.empty() ? "" : ", ") + std::string(view.name);
  }
  return names;
}

}  // namespace converge::query
