// SWF: the Standard Workload Format of the Parallel Workloads Archive, parsed into records.
//
// A trace is text: header comment lines starting with ';' ("; MaxProcs: 338") and one
// data line per job holding exactly 18 whitespace-separated fields. ParseSwf is pure (no
// I/O), never crashes on garbage, and reports the first bad line as
// "line 12: field 5 (allocated processors): not an integer". Missing values are -1, as in
// the format; the parser keeps them as read and leaves their meaning to the caller
// (see workload.h for the simulator's rules).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace converge::sim {

// One data line. Field numbers follow the SWF definition (1-based).
struct SwfRecord {
  int64_t job_number = -1;          // 1
  int64_t submit_time = -1;         // 2  seconds from the log's start
  int64_t wait_time = -1;           // 3  seconds
  int64_t run_time = -1;            // 4  seconds
  int64_t allocated_procs = -1;     // 5
  double avg_cpu_time = -1;         // 6  seconds (may be fractional)
  double used_memory = -1;          // 7  KB per processor (may be fractional)
  int64_t requested_procs = -1;     // 8
  int64_t requested_time = -1;      // 9  seconds (the user's estimate)
  int64_t requested_memory = -1;    // 10
  int64_t status = -1;              // 11 1 completed, 0 failed, 5 cancelled, ...
  int64_t user_id = -1;             // 12
  int64_t group_id = -1;            // 13
  int64_t executable = -1;          // 14
  int64_t queue = -1;               // 15
  int64_t partition = -1;           // 16
  int64_t preceding_job = -1;       // 17
  int64_t think_time = -1;          // 18
  int line = 0;                     // 1-based line number in the text
};

struct SwfTrace {
  std::vector<SwfRecord> records;  // in file order
  // Every "; Key: value" header line, in file order (values trimmed).
  std::vector<std::pair<std::string, std::string>> header;
  std::optional<int64_t> max_procs;  // "; MaxProcs: N" when N > 0
  std::optional<int64_t> max_nodes;  // "; MaxNodes: N" when N > 0
};

constexpr int kSwfFieldCount = 18;
// Human name of SWF field `field` (1..18), e.g. 5 -> "allocated processors".
const char* SwfFieldName(int field);

// Parses a whole trace. Blank lines are ignored; lines may end in "\r\n". Header values
// of MaxProcs/MaxNodes are read from their leading integer ("338 (batch partition)");
// a non-integer value is an error. Errors are kInvalidArgument with where = "line N".
// Complexity: linear in the text size.
Result<SwfTrace> ParseSwf(std::string_view text);

}  // namespace converge::sim
