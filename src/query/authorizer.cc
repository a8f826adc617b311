#include "query/authorizer.h"

#include <string>
#include <string_view>

#include "query/views.h"

namespace converge::query {
namespace {

std::string_view Text(const char* text) { return text ? std::string_view(text) : ""; }

bool Same(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         sqlite3_strnicmp(a.data(), b.data(), static_cast<int>(a.size())) == 0;
}

// What an action the authorizer refuses is called in the error message.
const char* Verb(int action) {
  switch (action) {
    case SQLITE_INSERT:
      return "INSERT into";
    case SQLITE_UPDATE:
      return "UPDATE of";
    case SQLITE_DELETE:
      return "DELETE from";
    case SQLITE_PRAGMA:
      return "PRAGMA";
    case SQLITE_ATTACH:
      return "ATTACH";
    case SQLITE_DETACH:
      return "DETACH";
    case SQLITE_TRANSACTION:
      return "transaction";
    case SQLITE_SAVEPOINT:
      return "SAVEPOINT";
    case SQLITE_ANALYZE:
      return "ANALYZE";
    case SQLITE_REINDEX:
      return "REINDEX";
    case SQLITE_ALTER_TABLE:
      return "ALTER TABLE";
    case SQLITE_CREATE_VTABLE:
      return "CREATE VIRTUAL TABLE";
    case SQLITE_DROP_VTABLE:
      return "DROP VIRTUAL TABLE";
    case SQLITE_FUNCTION:
      return "the function";
    case SQLITE_READ:
      return "reading";
    default:
      break;
  }
  if (action >= SQLITE_CREATE_INDEX && action <= SQLITE_CREATE_VIEW) return "CREATE";
  if (action >= SQLITE_DROP_INDEX && action <= SQLITE_DROP_VIEW) return "DROP";
  return "this statement";
}

std::string Describe(int action, std::string_view first, std::string_view second,
                     std::string_view database) {
  std::string what = Verb(action);
  if (action == SQLITE_READ) {
    what +=
        " " + std::string(database.empty() ? "" : std::string(database) + ".") + std::string(first);
  } else if (action == SQLITE_FUNCTION) {
    what += " " + std::string(second);
  } else if (!first.empty()) {
    what += " " + std::string(first);
  }
  return what;
}

// Reads by the asker's SQL: the views' columns, and the eponymous JSON tables (they read
// only the argument they are given).
bool MayRead(std::string_view table, std::string_view database) {
  if (Same(database, "temp") && FindView(table) != nullptr) return true;
  return Same(database, "main") && (Same(table, "json_each") || Same(table, "json_tree"));
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && Same(text.substr(0, prefix.size()), prefix);
}

// A table named without a schema, of which no column is read (`SELECT count(*) FROM x`). SQLite
// names it as written, so it may be a CTE of the query (harmless: what the CTE reads is
// authorized apart), or a table of the store or of a module (its row count is refused).
bool MayCount(const Session& session, std::string_view table) {
  if (FindView(table) != nullptr || Same(table, "json_each") || Same(table, "json_tree")) {
    return true;
  }
  if (StartsWith(table, "sqlite_") || StartsWith(table, "pragma_")) return false;
  for (const std::string& name : session.resolvable) {
    if (Same(name, table)) return false;
  }
  return true;
}

bool Allowed(const Session& session, int action, std::string_view first, std::string_view second,
             const char* database) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
      return true;
    case SQLITE_FUNCTION:  // fts3_tokenizer() can install a tokenizer from a pointer
      return !Same(second, "load_extension") && !Same(second, "fts3_tokenizer");
    case SQLITE_READ:
      if (database == nullptr && second.empty()) return MayCount(session, first);
      return MayRead(first, Text(database));
    default:
      return false;
  }
}

int Authorize(void* data, int action, const char* first, const char* second, const char* database,
              const char* /*inner_view_or_trigger*/) {
  // The innermost view or trigger (the last argument) says nothing we can trust: a CTE of the
  // asker's takes the name it likes. What may be read is decided by the table read.
  Session& session = *static_cast<Session*>(data);
  if (session.internal > 0) return SQLITE_OK;
  if (Allowed(session, action, Text(first), Text(second), database)) return SQLITE_OK;
  if (session.refused.empty()) {
    session.refused = Describe(action, Text(first), Text(second), Text(database));
  }
  return SQLITE_DENY;
}

}  // namespace

void InstallAuthorizer(sqlite3* db, Session* session) {
  sqlite3_set_authorizer(db, Authorize, session);
}

}  // namespace converge::query
