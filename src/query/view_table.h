// The view tables: one TEMP virtual table per view (query/views.h), named like the view, whose
// rows are those of the view's fixed SELECT, run on the same connection.
//
// Why a virtual table and not a TEMP VIEW: SQLite may flatten a view into the asker's query
// and evaluate the asker's WHERE terms on rows the view's filter would drop (an error raised
// only on hidden rows tells they exist), and the authorizer cannot tell a view's reads from
// those of an asker's CTE that takes the view's name. Here the asker's SQL only ever sees the
// rows the SELECT yields, and never reads a table of the store.
//
// `WHERE <first column> = value` (BINARY collation) becomes a lookup (views.h, lookup_key);
// any other constraint is checked by SQLite on the rows of a scan.
#pragma once

#include <sqlite3.h>

#include "common/status.h"
#include "query/session.h"

namespace converge::query {

// Registers the module on `db` and creates the view tables in its temp schema.
// REQUIRES: no authorizer installed yet; `session` outlives `db`.
// Errors: kInternal with SQLite's message.
Status CreateViewTables(sqlite3* db, Session* session);

}  // namespace converge::query
