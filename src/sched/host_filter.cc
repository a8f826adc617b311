#include "sched/host_filter.h"

#include "common/hostlist.h"

namespace converge::sched {

using jobspec::Constraint;

Result<HostFilter> HostFilter::Compile(const Constraint& constraint) {
  Result<Term> root = CompileTerm(constraint, "attributes.system.constraints");
  if (!root.ok()) return root.status();
  HostFilter filter;
  filter.root_ = std::move(root).value();
  return filter;
}

Result<HostFilter::Term> HostFilter::CompileTerm(const Constraint& constraint,
                                                 const std::string& path) {
  Term term;
  term.op = constraint.op;
  switch (constraint.op) {
    case Constraint::Op::kProperties:
      term.properties = constraint.values;
      break;
    case Constraint::Op::kHostlist:
      for (const std::string& list : constraint.values) {
        Result<std::vector<std::string>> names = ExpandHostlist(list);
        if (!names.ok()) return Status::Invalid(path + ".hostlist", names.status().message());
        term.hosts.insert(names->begin(), names->end());
      }
      break;
    case Constraint::Op::kRanks:
      for (const std::string& list : constraint.values) {
        Result<std::vector<int64_t>> ranks = ExpandIds(list);
        if (!ranks.ok()) return Status::Invalid(path + ".ranks", ranks.status().message());
        term.ranks.insert(ranks->begin(), ranks->end());
      }
      break;
    case Constraint::Op::kAnd:
    case Constraint::Op::kOr:
    case Constraint::Op::kNot:
      for (size_t i = 0; i < constraint.children.size(); ++i) {
        Result<Term> child =
            CompileTerm(constraint.children[i], path + "[" + std::to_string(i) + "]");
        if (!child.ok()) return child.status();
        term.children.push_back(std::move(child).value());
      }
      break;
  }
  return term;
}

bool HostFilter::HasProperty(const resource::Properties& properties, const std::string& wanted) {
  size_t equals = wanted.find('=');
  std::string key = wanted.substr(0, equals);
  for (const auto& [name, value] : properties) {
    if (name != key) continue;
    return equals == std::string::npos || value == wanted.substr(equals + 1);
  }
  return false;
}

bool HostFilter::Evaluate(const Term& term, const resource::Graph& graph,
                          resource::VertexId host) {
  switch (term.op) {
    case Constraint::Op::kProperties:
      for (const std::string& property : term.properties) {
        bool negated = !property.empty() && property[0] == '^';
        bool has = HasProperty(graph.properties(host), negated ? property.substr(1) : property);
        if (has == negated) return false;
      }
      return true;
    case Constraint::Op::kHostlist:
      return term.hosts.count(graph.name(host)) > 0;
    case Constraint::Op::kRanks:
      return term.ranks.count(graph.rank(host)) > 0;
    case Constraint::Op::kAnd:
      for (const Term& child : term.children) {
        if (!Evaluate(child, graph, host)) return false;
      }
      return true;
    case Constraint::Op::kOr:
      for (const Term& child : term.children) {
        if (Evaluate(child, graph, host)) return true;
      }
      return false;
    case Constraint::Op::kNot:  // the negation of the conjunction of its children
      for (const Term& child : term.children) {
        if (!Evaluate(child, graph, host)) return true;
      }
      return false;
  }
  return false;
}

bool HostFilter::Accepts(const resource::Graph& graph, resource::VertexId host) const {
  return Evaluate(root_, graph, host);
}

}  // namespace converge::sched
