#include "cli/provenance_format.h"

#include "cli/columns.h"
#include "cli/job_table.h"
#include "cli/query_format.h"

namespace converge::cli {
namespace {

std::string Joined(const nlohmann::json& object, const char* separator) {
  std::string text;
  if (!object.is_object()) return text;
  for (const auto& [key, value] : object.items()) {
    if (!text.empty()) text += ", ";
    text += key;
    const std::string version = CellText(value);
    if (!version.empty()) text += separator + version;
  }
  return text.empty() ? "none" : text;
}

std::string Blessed(const nlohmann::json& value) {
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  return "not configured for the queue";
}

bool IsEnvironmentVariable(const std::string& path) {
  return path.rfind("environment.variables.", 0) == 0;
}

}  // namespace

std::string FormatProvenance(const nlohmann::json& record) {
  std::vector<std::vector<std::string>> rows;
  const nlohmann::json command = record.value("command", nlohmann::json());
  std::string program = "none";
  if (command.is_object()) {
    program = CellText(command.value("path", nlohmann::json()));
    if (program.empty()) program = CellText(command.value("argv0", nlohmann::json()));
    const std::string digest = CellText(command.value("digest", nlohmann::json()));
    const std::string note = CellText(command.value("note", nlohmann::json()));
    program += digest.empty() ? " (" + note + ")" : " sha256:" + digest;
  }
  const nlohmann::json environment = record.value("environment", nlohmann::json::object());
  const size_t variables = environment.value("variables", nlohmann::json::object()).size();
  std::string pmi;
  for (const auto& name : record.value("pmi", nlohmann::json::array())) {
    pmi += (pmi.empty() ? "" : ", ") + CellText(name);
  }
  const double recorded = record.value("recorded", 0.0);
  rows.push_back({"job", std::to_string(record.value("job", int64_t{0}))});
  rows.push_back({"recorded", recorded > 0 ? FormatTimestamp(recorded) : ""});
  rows.push_back({"converge", CellText(record.value("converge_version", nlohmann::json()))});
  rows.push_back({"command", program});
  std::string links;
  if (command.is_object()) {
    for (const auto& library : command.value("libraries", nlohmann::json::array())) {
      links += (links.empty() ? "" : ", ") + CellText(library);
    }
  }
  rows.push_back({"links", links.empty() ? "nothing (a script or a static program)" : links});
  rows.push_back({"cwd", CellText(record.value("cwd", nlohmann::json()))});
  rows.push_back({"environment", std::to_string(variables) + " variables, sha256:" +
                                     CellText(environment.value("digest", nlohmann::json()))});
  rows.push_back({"pmi", pmi.empty() ? "none" : pmi});
  const nlohmann::json container = record.value("container", nlohmann::json());
  rows.push_back({"container", container.is_null() ? "none" : CellText(container)});
  rows.push_back({"blessed", Blessed(record.value("blessed", nlohmann::json()))});
  std::string out = FormatColumns(rows);
  for (const auto& node : record.value("nodes", nlohmann::json::array())) {
    std::vector<std::vector<std::string>> lines;
    auto field = [&](const char* key) { return CellText(node.value(key, nlohmann::json())); };
    lines.push_back({"  facts", "sha256:" + field("facts")});
    lines.push_back({"  hostname", field("hostname")});
    lines.push_back({"  kernel", field("kernel_release") + " " + field("kernel_version")});
    lines.push_back({"  kernel digest", field("kernel_digest")});
    lines.push_back({"  command line", field("kernel_cmdline")});
    lines.push_back({"  boot id", field("boot_id")});
    lines.push_back({"  os", field("os")});
    std::string cpu = field("cpu_model");
    if (!field("microcode").empty()) cpu += " (microcode " + field("microcode") + ")";
    lines.push_back({"  cpu", cpu});
    lines.push_back({"  topology digest", field("topology_digest")});
    lines.push_back(
        {"  accelerators", Joined(node.value("accelerators", nlohmann::json()), " ")});
    lines.push_back({"  modules", Joined(node.value("modules", nlohmann::json()), " ")});
    lines.push_back({"  libraries", Joined(node.value("libraries", nlohmann::json()), " -> ")});
    out += "\nnode " + field("name") + "\n" + FormatColumns(lines);
  }
  return out;
}

std::vector<provenance::Difference> ProvenanceDifferences(const nlohmann::json& before,
                                                          const nlohmann::json& after) {
  return provenance::Diff(before, after, {"job", "recorded"});
}

std::string FormatDifferences(int64_t a, int64_t b,
                              const std::vector<provenance::Difference>& differences) {
  const std::string jobs = "jobs " + std::to_string(a) + " and " + std::to_string(b);
  if (differences.empty()) return "The runs of " + jobs + " saw the same provenance.\n";
  std::vector<std::vector<std::string>> rows = {{"FIELD", "JOB " + std::to_string(a),
                                                 "JOB " + std::to_string(b)}};
  for (const provenance::Difference& difference : differences) {
    if (IsEnvironmentVariable(difference.path)) {
      rows.push_back({difference.path, difference.before ? "set" : "unset",
                      !difference.after ? "unset" : difference.before ? "changed" : "set"});
      continue;
    }
    rows.push_back({difference.path, difference.before.value_or("(none)"),
                    difference.after.value_or("(none)")});
  }
  const std::string count = std::to_string(differences.size());
  return "The runs of " + jobs + " differ in " + count +
         (differences.size() == 1 ? " field" : " fields") + ":\n" + FormatColumns(rows);
}

}  // namespace converge::cli
