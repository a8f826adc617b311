// Writer for Flux JGF (docs/formats/jgf.md): the inverse of readers/jgf.h.
#pragma once

#include <string>

#include "resource/graph.h"

namespace converge::resource {

// Writes the whole graph as JGF: {"graph": {"nodes": [...], "edges": [...]}}, one node or
// edge per line. Deterministic: nodes in pre-order with JGF id = vertex index, metadata keys
// in a fixed order (type, basename, name, id, uniq_id, rank, exclusive, unit, size, paths,
// then properties and status when present), edges in pre-order of their target.
// ReadJgf(WriteJgf(g)) reproduces every vertex field of g, and writing that graph again gives
// the same bytes. Memory sizes are written in MiB with unit "MiB". O(vertices).
std::string WriteJgf(const Graph& graph);

}  // namespace converge::resource
