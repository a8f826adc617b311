// NodeFacts: what a node offers every job that runs on it — kernel, OS, CPU, hwloc topology,
// accelerator drivers, HPC kernel modules, MPI/PMI libraries, converge's version. Collected
// once per instance (or agent) start, kept once in the store under their digest, and named by
// that digest from each job's provenance record (docs/provenance.md). Plain values; the
// parsers are pure, CollectNodeFacts reads /proc, /sys and /etc.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace converge::provenance {

struct NodeFacts {
  std::string hostname;
  std::string kernel_release;  // uname -r
  std::string kernel_version;  // uname -v
  std::string kernel_cmdline;  // /proc/cmdline
  std::string boot_id;         // /proc/sys/kernel/random/boot_id
  std::string os;              // PRETTY_NAME of /etc/os-release
  std::string cpu_model;       // "model name" of /proc/cpuinfo
  std::string microcode;       // "microcode" of /proc/cpuinfo ("" where the CPU has none)
  // Loaded modules that matter to HPC jobs (RelevantModules), with their version ("" when the
  // module has none); accelerator drivers are the GPU ones among them.
  std::map<std::string, std::string> modules;
  std::map<std::string, std::string> accelerators;
  // MPI, PMI and fabric libraries found in the system's library folders: soname → the file
  // it resolves to (e.g. "libmpi.so.40" → "/usr/lib/x86_64-linux-gnu/libmpi.so.40.30.4").
  std::map<std::string, std::string> libraries;
  std::string converge_version;
  std::string topology_xml;  // hwloc 2 XML, without I/O devices

  // SHA-256 of release, version and command line (one per line): what --queue kernels= blesses.
  std::string KernelDigest() const;
  // SHA-256 of the topology XML: what --queue topologies= blesses.
  std::string TopologyDigest() const;
  // SHA-256 of ToJson(with the topology): the name the store keeps the facts under.
  std::string Digest() const;

  bool operator==(const NodeFacts&) const = default;
};

// The facts as JSON, fields in a fixed order; `with_topology` adds "topology_xml" (large).
// Always has "kernel_digest" and "topology_digest".
nlohmann::ordered_json ToJson(const NodeFacts& facts, bool with_topology);
// Errors: kInvalidArgument naming the field that is missing or not a string (map).
Result<NodeFacts> NodeFactsFromJson(std::string_view text);

// PRETTY_NAME of an os-release file (NAME VERSION when it has none); "" when neither.
std::string OsPrettyName(std::string_view os_release);
// The first CPU's "model name" and "microcode" of /proc/cpuinfo text.
std::pair<std::string, std::string> CpuIdentity(std::string_view cpuinfo);
// The names among /proc/modules text of the modules that matter to HPC jobs: GPU drivers,
// RDMA and high-speed fabrics, parallel file systems, shared-memory transports (the list is
// in node_facts.cc and docs/provenance.md), sorted.
std::vector<std::string> RelevantModules(std::string_view proc_modules);
// Whether `module` is a GPU driver (nvidia, amdgpu, i915, xe, habanalabs).
bool IsAccelerator(std::string_view module);

// This machine's facts, with `topology_xml` as its topology. What cannot be read stays "".
NodeFacts CollectNodeFacts(std::string topology_xml, std::string converge_version);

}  // namespace converge::provenance
