// MiniCluster spec reader: the shape of a nested instance (nodes, cores per node) and the
// optional command it runs.
#include <utility>

#include "workload/field_reader.h"
#include "workload/spec_parse.h"
#include "workload/task_parse.h"

namespace converge::workload {

Result<MiniClusterSpec> ParseMiniClusterSpec(const nlohmann::json& value) {
  Result<FieldReader> spec = FieldReader::Open(value, "spec", {"size", "cores", "command"});
  if (!spec.ok()) return spec.status();
  MiniClusterSpec out;
  CONVERGE_RETURN_IF_ERROR(spec->Require("size"));
  Result<int64_t> size = spec->Int("size", 1);
  if (!size.ok()) return size.status();
  if (*size < 1) return Status::Invalid(spec->PathOf("size"), "must be >= 1");
  out.size = *size;
  Result<int64_t> cores = spec->Int("cores", 0);
  if (!cores.ok()) return cores.status();
  if (*cores < 0) return Status::Invalid(spec->PathOf("cores"), "must be >= 0");
  out.cores = *cores;
  Result<std::vector<std::string>> command = ParseCommand(*spec, "command");
  if (!command.ok()) return command.status();
  out.command = std::move(*command);
  return out;
}

}  // namespace converge::workload
