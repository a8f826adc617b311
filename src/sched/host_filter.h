// HostFilter: an RFC 31 constraint compiled for fast evaluation against hosts.
//
// properties: every listed property must hold ("gpu" means the host has key gpu;
// "arch=x86_64" means key arch with that value; "^name" negates). hostlist: the host's
// name is in the list. ranks: the host's rank is in the idset. and/or/not combine.
// Immutable after Compile; safe to share read-only.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "jobspec/jobspec.h"
#include "resource/graph.h"

namespace converge::sched {

class HostFilter {
 public:
  // Errors: kInvalidArgument naming the bad hostlist or idset.
  static Result<HostFilter> Compile(const jobspec::Constraint& constraint);

  bool Accepts(const resource::Graph& graph, resource::VertexId host) const;

 private:
  struct Term {
    jobspec::Constraint::Op op;
    std::vector<std::string> properties;
    std::unordered_set<std::string> hosts;
    std::unordered_set<int64_t> ranks;
    std::vector<Term> children;
  };
  static Result<Term> CompileTerm(const jobspec::Constraint& constraint, const std::string& path);
  static bool Evaluate(const Term& term, const resource::Graph& graph, resource::VertexId host);
  static bool HasProperty(const resource::Properties& properties, const std::string& wanted);

  Term root_;
};

}  // namespace converge::sched
