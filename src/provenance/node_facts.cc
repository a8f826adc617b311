#include "provenance/node_facts.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "provenance/digest.h"

namespace converge::provenance {
namespace {

using Json = nlohmann::ordered_json;

// Module name prefixes that matter to HPC jobs.
constexpr std::array<std::string_view, 28> kRelevantPrefixes = {
    // GPUs and accelerators
    "nvidia", "amdgpu", "i915", "xe", "habanalabs", "gdrdrv",
    // RDMA and fabrics
    "ib_", "rdma_", "mlx4_", "mlx5_", "hfi1", "qib", "irdma", "bnxt_re", "efa", "cxi",
    "rxe", "siw", "opa_",
    // parallel file systems
    "lustre", "lnet", "ko2iblnd", "mmfs", "gpfs", "beegfs",
    // shared-memory transports and memory
    "knem", "xpmem", "nvidia_peermem"};
constexpr std::array<std::string_view, 5> kAccelerators = {"nvidia", "amdgpu", "i915", "xe",
                                                           "habanalabs"};
// Libraries a parallel job may pick up (sonames).
constexpr std::array<const char*, 9> kLibraries = {
    "libmpi.so.40",  "libmpich.so.12", "libpmix.so.2",  "libpmi.so.0", "libpmi2.so.0",
    "libfabric.so.1", "libucp.so.0",   "libibverbs.so.1", "libhwloc.so.15"};
constexpr std::array<const char*, 5> kLibraryFolders = {
    "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
    "/usr/local/lib"};

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::string text;
  text.resize(size_t{1} << 20);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

std::string Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

std::string Unquote(std::string value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

// Each line of `text`, in order.
template <typename Visit>
void ForEachLine(std::string_view text, Visit visit) {
  while (!text.empty()) {
    const size_t end = text.find('\n');
    visit(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

Json MapJson(const std::map<std::string, std::string>& map) {
  Json json = Json::object();
  for (const auto& [key, value] : map) json[key] = value;
  return json;
}

Status ReadMap(const nlohmann::json& json, const char* key,
               std::map<std::string, std::string>* out) {
  auto it = json.find(key);
  if (it == json.end()) return Status::Ok();
  if (!it->is_object()) return Status::Invalid(key, "must be an object");
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) return Status::Invalid(std::string(key) + "." + name, "not a string");
    (*out)[name] = value.get<std::string>();
  }
  return Status::Ok();
}

}  // namespace

std::string NodeFacts::KernelDigest() const {
  return Sha256Hex(kernel_release + "\n" + kernel_version + "\n" + kernel_cmdline + "\n");
}

std::string NodeFacts::TopologyDigest() const { return Sha256Hex(topology_xml); }

std::string NodeFacts::Digest() const { return Sha256Hex(ToJson(*this, true).dump()); }

nlohmann::ordered_json ToJson(const NodeFacts& facts, bool with_topology) {
  Json json = {{"hostname", facts.hostname},
               {"kernel_release", facts.kernel_release},
               {"kernel_version", facts.kernel_version},
               {"kernel_cmdline", facts.kernel_cmdline},
               {"kernel_digest", facts.KernelDigest()},
               {"boot_id", facts.boot_id},
               {"os", facts.os},
               {"cpu_model", facts.cpu_model},
               {"microcode", facts.microcode},
               {"accelerators", MapJson(facts.accelerators)},
               {"modules", MapJson(facts.modules)},
               {"libraries", MapJson(facts.libraries)},
               {"converge_version", facts.converge_version},
               {"topology_digest", facts.TopologyDigest()}};
  if (with_topology) json["topology_xml"] = facts.topology_xml;
  return json;
}

Result<NodeFacts> NodeFactsFromJson(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::Invalid("facts", "not a JSON object");
  }
  NodeFacts facts;
  for (auto [key, field] : {std::pair{"hostname", &facts.hostname},
                            std::pair{"kernel_release", &facts.kernel_release},
                            std::pair{"kernel_version", &facts.kernel_version},
                            std::pair{"kernel_cmdline", &facts.kernel_cmdline},
                            std::pair{"boot_id", &facts.boot_id}, std::pair{"os", &facts.os},
                            std::pair{"cpu_model", &facts.cpu_model},
                            std::pair{"microcode", &facts.microcode},
                            std::pair{"converge_version", &facts.converge_version},
                            std::pair{"topology_xml", &facts.topology_xml}}) {
    auto it = json.find(key);
    if (it == json.end()) return Status::Invalid(std::string("facts.") + key, "is missing");
    if (!it->is_string()) return Status::Invalid(std::string("facts.") + key, "not a string");
    *field = it->get<std::string>();
  }
  for (auto [key, map] : {std::pair{"modules", &facts.modules},
                          std::pair{"accelerators", &facts.accelerators},
                          std::pair{"libraries", &facts.libraries}}) {
    CONVERGE_RETURN_IF_ERROR(ReadMap(json, key, map).WithPrefix("facts"));
  }
  return facts;
}

std::string OsPrettyName(std::string_view os_release) {
  std::string pretty, name, version;
  ForEachLine(os_release, [&](std::string_view line) {
    const size_t equals = line.find('=');
    if (equals == std::string_view::npos) return;
    const std::string key = Trim(line.substr(0, equals));
    std::string value = Unquote(Trim(line.substr(equals + 1)));
    if (key == "PRETTY_NAME") pretty = std::move(value);
    if (key == "NAME") name = std::move(value);
    if (key == "VERSION") version = std::move(value);
  });
  if (!pretty.empty()) return pretty;
  return Trim(name + " " + version);
}

std::pair<std::string, std::string> CpuIdentity(std::string_view cpuinfo) {
  std::string model, microcode;
  bool first_cpu_done = false;
  ForEachLine(cpuinfo, [&](std::string_view line) {
    if (first_cpu_done) return;
    if (Trim(line).empty()) {  // the first processor's block ends
      first_cpu_done = !model.empty() || !microcode.empty();
      return;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string key = Trim(line.substr(0, colon));
    const std::string value = Trim(line.substr(colon + 1));
    // "model name" on x86, "Model" or "CPU part" elsewhere: the first wins.
    if (model.empty() && (key == "model name" || key == "Model" || key == "cpu model")) {
      model = value;
    }
    if (key == "microcode") microcode = value;
  });
  return {model, microcode};
}

bool IsAccelerator(std::string_view module) {
  return std::find(kAccelerators.begin(), kAccelerators.end(), module) != kAccelerators.end();
}

std::vector<std::string> RelevantModules(std::string_view proc_modules) {
  std::vector<std::string> names;
  ForEachLine(proc_modules, [&](std::string_view line) {
    const std::string_view name = line.substr(0, line.find(' '));
    if (name.empty()) return;
    for (std::string_view prefix : kRelevantPrefixes) {
      const bool whole = prefix.back() != '_';  // "xe" is a module, "ib_" a family
      if (whole ? (name == prefix || name.rfind(std::string(prefix) + "_", 0) == 0)
                : name.rfind(prefix, 0) == 0) {
        names.emplace_back(name);
        return;
      }
    }
  });
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

NodeFacts CollectNodeFacts(std::string topology_xml, std::string converge_version) {
  NodeFacts facts;
  struct utsname name {};
  if (::uname(&name) == 0) {
    facts.hostname = name.nodename;
    facts.kernel_release = name.release;
    facts.kernel_version = name.version;
  }
  facts.kernel_cmdline = Trim(ReadSmallFile("/proc/cmdline"));
  facts.boot_id = Trim(ReadSmallFile("/proc/sys/kernel/random/boot_id"));
  std::string os_release = ReadSmallFile("/etc/os-release");
  if (os_release.empty()) os_release = ReadSmallFile("/usr/lib/os-release");
  facts.os = OsPrettyName(os_release);
  std::tie(facts.cpu_model, facts.microcode) = CpuIdentity(ReadSmallFile("/proc/cpuinfo"));
  for (const std::string& module : RelevantModules(ReadSmallFile("/proc/modules"))) {
    const std::string version = Trim(ReadSmallFile("/sys/module/" + module + "/version"));
    facts.modules[module] = version;
    if (IsAccelerator(module)) facts.accelerators[module] = version;
  }
  for (const char* soname : kLibraries) {
    for (const char* folder : kLibraryFolders) {
      const std::string path = std::string(folder) + "/" + soname;
      char resolved[PATH_MAX];
      if (::realpath(path.c_str(), resolved) != nullptr) {
        facts.libraries[soname] = resolved;
        break;
      }
    }
  }
  facts.converge_version = std::move(converge_version);
  facts.topology_xml = std::move(topology_xml);
  return facts;
}

}  // namespace converge::provenance
