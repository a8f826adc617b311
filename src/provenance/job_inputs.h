// What a job brings to a run besides the node: the program its tasks start and the
// environment it was submitted with, as they go into its provenance record
// (docs/provenance.md). Not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

namespace converge::provenance {

// Whose rights the command is found and read with: uid -1 is the process's own; otherwise
// (the instance is root) the job's user, its group and supplementary groups, assumed for the
// whole lookup (exec::FsIdentity), so that the kernel checks every folder and the file.
struct Reader {
  int64_t uid = -1;
  int64_t gid = -1;
  std::vector<int64_t> groups;
};

struct CommandIdentity {
  std::string argv0;
  std::string path;    // the file execvp would run, links resolved; "" when none is found
  std::string digest;  // SHA-256 of that file; "" when not taken (then `note` says why)
  // The shared libraries it links (ELF DT_NEEDED, provenance/elf_needed.h), read with the
  // digest; empty for a script or a static program.
  std::vector<std::string> libraries;
  std::string note;
};

// Resolves and digests commands (and reads the libraries they link), keeping each file's
// digest while its identity (device,
// inode, size, modification and change times) stays the same, so that a program run by
// thousands of jobs is read once.
class CommandDigests {
 public:
  // `env` is the task's environment ("KEY=VALUE": its PATH, as exec::ExecCandidates reads
  // it), `cwd` its working folder (relative candidates resolve there). Files larger than
  // kMaxBytes are not read.
  CommandIdentity Identify(const std::string& argv0, const std::vector<std::string>& env,
                           const std::string& cwd, const Reader& reader);
  static constexpr size_t kMaxBytes = size_t{256} << 20;

 private:
  using FileKey = std::tuple<dev_t, ino_t, off_t, int64_t, int64_t>;
  struct Known {
    std::string digest;
    std::vector<std::string> libraries;
  };
  std::map<FileKey, Known> digests_;  // at most kMaxCached; cleared when full
  static constexpr size_t kMaxCached = 4096;
};

// {"digest": SHA-256 of the sorted KEY=VALUE lines, "variables": {KEY: the first 16 hex
// digits of SHA-256 of its value}}: two runs' environments can be told apart variable by
// variable without any value being shown.
nlohmann::ordered_json EnvironmentJson(const std::map<std::string, std::string>& environment);

}  // namespace converge::provenance
