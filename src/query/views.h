// The views that `converge query` offers: for each, its name, columns and the fixed SELECT
// over the store's tables (src/store/store.cc) that produces its rows. Pure data.
//
// Each SELECT is run by the engine itself (query/view_table.h), never spliced into a user's
// query. A SELECT over job data ends in a WHERE clause that keeps only the jobs the asker may
// see (`converge_may_see(uid)`, see query_engine.cc); `lookup_key` is the expression that
// equals the view's first column, so that `WHERE <first column> = value` can be answered by
// appending `AND <lookup_key> = ?1` instead of a scan.
//
// Choices: `jobs` keeps every column of the store's table, `allocation` included (JSON text,
// "" when none): it is the owner's own data. `nodes` leaves out topology_xml (tens of KB per
// node) and the raw facts JSON that holds it. JSON fields that are objects or arrays
// (provenance.pmi, container; nodes.accelerators, modules, libraries) come as JSON text; a
// record or facts row that is not JSON reads as {} (its fields NULL). `metrics` and
// `metric_values` hold MetricSet results (docs/metricset.md) of the jobs the asker may see.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace converge::query {

struct ViewColumn {
  const char* name;
  const char* type;  // declared type: INTEGER, REAL or TEXT (gives comparisons their affinity)
};

struct ViewDefinition {
  const char* name;
  const char* description;
  std::span<const ViewColumn> columns;
  const char* select;      // yields `columns`, in order; ends in a WHERE clause
  const char* lookup_key;  // see above
};

// Every view, in the order they are documented.
std::span<const ViewDefinition> ViewDefinitions();

// The view named `name` (exact, case-insensitive as SQL names are), or nullptr.
const ViewDefinition* FindView(std::string_view name);

// "jobs, events, provenance, job_nodes, nodes".
std::string ViewNames();

}  // namespace converge::query
