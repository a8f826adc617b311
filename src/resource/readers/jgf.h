// Reader for Flux JGF (JSON Graph Format as written by Fluxion and stored under the
// "scheduling" key of Flux R). Format and the subset converge reads: docs/formats/jgf.md.
#pragma once

#include <string_view>

#include "common/status.h"
#include "resource/graph.h"

namespace converge::resource {

// The most vertices a JGF document may hold.
constexpr int64_t kMaxJgfVertices = 50'000'000;

// Parses JGF text ({"graph": {...}}, or a whole R object whose "scheduling" key holds it)
// into a Graph. Nodes may appear in any order: the containment tree is built from the edges
// whose metadata names the containment subsystem (edges without metadata count as
// containment; other subsystems are ignored) and emitted in DFS pre-order, children ordered
// by their position in "nodes".
// Never throws. Errors are kInvalidArgument with `where` naming the JSON path
// (`graph.nodes[3].metadata.type`) or `line N` for JSON syntax errors: missing or mistyped
// fields, duplicate node ids, edges naming unknown nodes, a node with two parents, no root
// or several roots, cycles, nesting deeper than 64 levels, more than kMaxJgfVertices nodes.
Result<Graph> ReadJgf(std::string_view json);

}  // namespace converge::resource
