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
  bool is_range = false;  // written as an object or "min-max:op:operand" string

  static constexpr int64_t kUnbounded = INT64_MAX;
  static Count Fixed(int64_t n) { return Count{n, n, '+', 1, false}; }
};

struct ResourceRequest {
  std::string type;                  // "node", "slot", "core", "gpu", "memory", or user type
  Count count;
  std::optional<bool> exclusive;     // unset: the scheduler's default for the type
  std::string label;                 // required for slots
  std::string unit;                  // e.g. "GB" for memory
  std::optional<std::string> id;     // RFC 14 optional id
  std::vector<ResourceRequest> with;
};

struct TaskCount {
  int64_t per_slot = 0;  // exactly one of per_slot / total is > 0
  int64_t total = 0;
};

struct Task {
  std::vector<std::string> command;
  std::string slot;
  TaskCount count;
  nlohmann::json attributes = nlohmann::json::object();
};

// RFC 26 dependency: {scheme, value} (e.g. afterok:123).
struct Dependency {
  std::string scheme;
  std::string value;
};

// RFC 31 constraint expression over node properties.
struct Constraint {
  enum class Op { kProperties, kHostlist, kRanks, kAnd, kOr, kNot };
  Op op = Op::kAnd;
  std::vector<std::string> values;     // for kProperties / kHostlist / kRanks
  std::vector<Constraint> children;    // for kAnd / kOr / kNot
};

struct SystemAttributes {
  double duration = 0;  // seconds; 0 = unlimited
  std::optional<std::string> cwd;
  std::map<std::string, std::string> environment;
  std::string queue;
  std::vector<Dependency> dependencies;
  std::optional<Constraint> constraints;
  // Every other key of attributes.system, preserved verbatim.
  nlohmann::json extra = nlohmann::json::object();
};

struct Jobspec {
  int64_t version = 1;
  std::vector<ResourceRequest> resources;
  std::vector<Task> tasks;
  SystemAttributes system;
  nlohmann::json user = nlohmann::json::object();  // attributes.user, verbatim
};

}  // namespace converge::jobspec
