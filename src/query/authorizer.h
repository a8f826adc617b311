// The authorizer of a query connection: what an asker's SQL may do. Allowed: SELECT,
// recursive CTEs, functions other than load_extension, and reading the columns of the views
// (query/views.h) and of json_each/json_tree. Everything else is refused, and the first
// refusal of a statement is described in Session::refused (e.g. "DELETE from jobs",
// "reading main.jobs"). A view's own SELECT (Session::internal > 0) is allowed whole.
#pragma once

#include <sqlite3.h>

#include "query/session.h"

namespace converge::query {

// Installs the authorizer on `db`. REQUIRES: `session` outlives `db`'s statements.
void InstallAuthorizer(sqlite3* db, Session* session);

}  // namespace converge::query
