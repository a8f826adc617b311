// The jobspec model: Flux canonical jobspec (RFC 14) with RFC 25's version 1 rules.
//
// Plain value types produced by Parse() (parse.h) or FromShorthand() (shorthand.h) and
// consumed by sched/ and by the writers. A Jobspec that came out of Parse() has passed
// validation; code that builds one by hand should run Validate() on it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace converge::jobspec {

// A resource count: a fixed integer (min == max) or a range min..max stepped by
// operator/operand ('+' adds, '*' multiplies, '^' exponentiates), as in RFC 14.
struct Count {
  int64_t min = 1;
  int64_t max = 1;       // kUnbounded when the range has no upper end
  char op = '+';
  int64_t operand = 1;
  bool is_range = false;  // written as an object or "min-max:operand:op" string
  // Added: an explicit set of acceptable counts (RFC 14 idset string such as "4,9,16,25"),
  // strictly increasing; when non-empty, is_range is true and min/max are its bounds.
  std::vector<int64_t> values;

  static constexpr int64_t kUnbounded = INT64_MAX;
  static Count Fixed(int64_t n) { return Count{n, n, '+', 1, false, {}}; }
  bool operator==(const Count&) const = default;
};

struct ResourceRequest {
  std::string type;                  // "node", "slot", "core", "gpu", "memory", or user type
  Count count;
  std::optional<bool> exclusive;     // unset: the scheduler's default for the type
  std::string label;                 // required for slots
  std::string unit;                  // e.g. "GB" for memory
  std::optional<std::string> id;     // RFC 14 optional id
  std::vector<ResourceRequest> with;
  bool operator==(const ResourceRequest&) const = default;
};

struct TaskCount {
  int64_t per_slot = 0;  // exactly one of per_slot / total / per_resource is set (> 0)
  int64_t total = 0;
  // Added: RFC 14 per_resource: `per_resource_count` tasks per resource of type
  // `per_resource_type` in the slot. Set when per_resource_count > 0 (never in V1).
  std::string per_resource_type;
  int64_t per_resource_count = 0;
  bool operator==(const TaskCount&) const = default;
};

struct Task {
  std::vector<std::string> command;
  std::string slot;
  TaskCount count;
  nlohmann::json attributes = nlohmann::json::object();
  std::optional<std::string> distribution;  // added: RFC 14 task `distribution`
  bool operator==(const Task&) const = default;
};

// RFC 26 dependency: {scheme, value} (e.g. afterok:123).
struct Dependency {
  std::string scheme;
  std::string value;
  bool operator==(const Dependency&) const = default;
};

// RFC 31 constraint expression over node properties.
struct Constraint {
  enum class Op { kProperties, kHostlist, kRanks, kAnd, kOr, kNot };
  Op op = Op::kAnd;
  std::vector<std::string> values;     // for kProperties / kHostlist / kRanks
  std::vector<Constraint> children;    // for kAnd / kOr / kNot
  bool operator==(const Constraint&) const = default;
};

struct SystemAttributes {
  double duration = 0;  // seconds; 0 = unlimited
  std::optional<std::string> cwd;
  std::map<std::string, std::string> environment;
  // Added: environment variables to unset (RFC 14: a null value), sorted, disjoint from
  // `environment`.
  std::vector<std::string> environment_unset;
  std::string queue;
  std::vector<Dependency> dependencies;
  std::optional<Constraint> constraints;
  // Every other key of attributes.system, preserved verbatim.
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const SystemAttributes&) const = default;
};

struct Jobspec {
  int64_t version = 1;
  std::vector<ResourceRequest> resources;
  std::vector<Task> tasks;
  SystemAttributes system;
  nlohmann::json user = nlohmann::json::object();  // attributes.user, verbatim
  bool operator==(const Jobspec&) const = default;
};

}  // namespace converge::jobspec
