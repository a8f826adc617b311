#include "sched/request.h"

#include <cmath>

#include "jobspec/memory.h"
#include "sched/resource_state.h"

namespace converge::sched {

namespace {

// Where a request node is in the jobspec: resources[i].with[j]..., spelled out only for an
// error (a compile spells no path when nothing is wrong).
struct FieldPath {
  const FieldPath* parent;  // null at resources[i]
  size_t index;

  std::string Text() const {
    return parent == nullptr ? "resources[" + std::to_string(index) + "]"
                             : parent->Text() + ".with[" + std::to_string(index) + "]";
  }
};

struct Compiler {
  const ResourceState& state;
  const resource::Graph& graph;
  Request& request;

  Result<RequestNode> Compile(const jobspec::ResourceRequest& in, const FieldPath& path,
                              bool under_host) {
    RequestNode node;
    node.type_name = in.type;
    node.count = in.count.min;
    node.demand.assign(state.pool_count(), 0);
    if (in.type == "slot") {
      node.type = RequestNode::kSlot;
    } else {
      int type = graph.FindType(in.type);
      if (type < 0 || graph.VerticesOfType(static_cast<resource::TypeId>(type)).empty()) {
        return Status(Code::kUnsatisfiable,
                      "the resource graph has no vertices of type '" + in.type + "'", path.Text());
      }
      node.type = type;
      node.pool = state.PoolOf(static_cast<resource::TypeId>(type));
    }
    bool exclusive = in.exclusive.value_or(false);
    bool is_host = node.type == resource::kNode;
    if (exclusive && (node.type == RequestNode::kSlot || is_host || under_host)) {
      // Exclusive slots and nodes, and anything exclusive inside a host, hold whole hosts.
      request.exclusive_hosts = true;
    }
    node.exclusive = exclusive && node.pool < 0;
    if (node.pool >= 0) {
      int64_t units = node.count;
      if (node.type == resource::kMemory) {
        Result<int64_t> mib = jobspec::MemoryMiB(in);
        if (!mib.ok()) return mib.status().WithPrefix(path.Text());
        units = *mib;
      }
      node.count = units;
      node.demand[node.pool] = 1;  // per unit; the parent multiplies by count
    }
    for (size_t i = 0; i < in.with.size(); ++i) {
      Result<RequestNode> child = Compile(in.with[i], FieldPath{&path, i}, under_host || is_host);
      if (!child.ok()) return child.status();
      if (child->pool < 0) node.pools_only = false;
      if (!child->pools_only) node.pools_only = false;
      for (size_t p = 0; p < node.demand.size(); ++p) {
        node.demand[p] += SaturatingMul(child->count, child->demand[p]);
      }
      node.with.push_back(std::move(child).value());
    }
    return node;
  }

  static int64_t SaturatingMul(int64_t a, int64_t b) {
    if (a == 0 || b == 0) return 0;
    if (a > INT64_MAX / b) return INT64_MAX;
    return a * b;
  }

  static int64_t CountSlots(const RequestNode& node, int64_t multiplier) {
    int64_t total = 0;
    int64_t here = SaturatingMul(multiplier, node.count);
    if (node.type == RequestNode::kSlot) return here;
    for (const RequestNode& child : node.with) total += CountSlots(child, here);
    return total;
  }
};

}  // namespace

Result<Request> CompileRequest(const jobspec::Jobspec& spec, const ResourceState& state) {
  Request request;
  Compiler compiler{state, state.graph(), request};
  request.total_demand.assign(state.pool_count(), 0);
  if (spec.resources.empty()) {
    return Status::Invalid("resources", "must list at least one resource");
  }
  for (size_t i = 0; i < spec.resources.size(); ++i) {
    Result<RequestNode> node = compiler.Compile(spec.resources[i], FieldPath{nullptr, i}, false);
    if (!node.ok()) return node.status();
    for (size_t p = 0; p < request.total_demand.size(); ++p) {
      request.total_demand[p] += Compiler::SaturatingMul(node->count, node->demand[p]);
    }
    request.slot_count += Compiler::CountSlots(*node, 1);
    request.roots.push_back(std::move(node).value());
  }
  request.constraint = spec.system.constraints;
  request.duration = spec.system.duration > 0
                         ? static_cast<int64_t>(std::ceil(std::min(spec.system.duration, 1e15)))
                         : 0;
  return request;
}

}  // namespace converge::sched
