#include "query/view_table.h"

#include <memory>
#include <string>

#include "query/views.h"

namespace converge::query {
namespace {

constexpr const char* kModule = "converge_view";

// The SQLite objects below are handed to SQLite as raw pointers (its C interface): each is
// made by a unique_ptr released to SQLite and taken back by the callback that ends it.
struct ViewTable {
  sqlite3_vtab base{};  // first: SQLite sees a ViewTable as its sqlite3_vtab
  sqlite3* db = nullptr;
  Session* session = nullptr;
  const ViewDefinition* view = nullptr;
};

struct ViewCursor {
  sqlite3_vtab_cursor base{};      // first, as above
  sqlite3_stmt* scan = nullptr;    // the view's SELECT
  sqlite3_stmt* lookup = nullptr;  // ... AND lookup_key = ?1
  sqlite3_stmt* current = nullptr;
  sqlite3_int64 row = 0;
  bool eof = true;
};

ViewTable& TableOf(sqlite3_vtab* vtab) { return *reinterpret_cast<ViewTable*>(vtab); }
ViewCursor& CursorOf(sqlite3_vtab_cursor* cursor) { return *reinterpret_cast<ViewCursor*>(cursor); }

std::string DeclareSql(const ViewDefinition& view) {
  std::string sql = "CREATE TABLE x(";
  for (size_t i = 0; i < view.columns.size(); ++i) {
    sql += std::string(i ? ", " : "") + view.columns[i].name + " " + view.columns[i].type;
  }
  return sql + ")";
}

int Connect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
            char** error) {
  const ViewDefinition* view = argc >= 3 ? FindView(argv[2]) : nullptr;
  if (view == nullptr) {
    *error = sqlite3_mprintf("%s: no view named %s", kModule, argc >= 3 ? argv[2] : "?");
    return SQLITE_ERROR;
  }
  const int rc = sqlite3_declare_vtab(db, DeclareSql(*view).c_str());
  if (rc != SQLITE_OK) return rc;
  auto table = std::make_unique<ViewTable>();
  table->db = db;
  table->session = static_cast<Session*>(aux);
  table->view = view;
  *out = &table.release()->base;
  return SQLITE_OK;
}

// Distinct from Connect, so that the module is not also an eponymous table.
int Create(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out,
           char** error) {
  return Connect(db, aux, argc, argv, out, error);
}

int Disconnect(sqlite3_vtab* vtab) {
  std::unique_ptr<ViewTable> table(&TableOf(vtab));
  sqlite3_free(table->base.zErrMsg);
  return SQLITE_OK;
}

constexpr int kScan = 0;
constexpr int kLookup = 1;

int BestIndex(sqlite3_vtab* /*vtab*/, sqlite3_index_info* info) {
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& constraint = info->aConstraint[i];
    const char* collation = sqlite3_vtab_collation(info, i);
    if (constraint.usable && constraint.iColumn == 0 &&
        constraint.op == SQLITE_INDEX_CONSTRAINT_EQ && collation != nullptr &&
        sqlite3_stricmp(collation, "BINARY") == 0) {
      info->aConstraintUsage[i].argvIndex = 1;  // SQLite checks it again (omit stays 0)
      info->idxNum = kLookup;
      info->estimatedCost = 10;
      info->estimatedRows = 10;
      return SQLITE_OK;
    }
  }
  info->idxNum = kScan;
  info->estimatedCost = 1e6;
  info->estimatedRows = 100000;
  return SQLITE_OK;
}

int Open(sqlite3_vtab* /*vtab*/, sqlite3_vtab_cursor** out) {
  *out = &std::make_unique<ViewCursor>().release()->base;
  return SQLITE_OK;
}

int Close(sqlite3_vtab_cursor* base) {
  std::unique_ptr<ViewCursor> cursor(&CursorOf(base));
  sqlite3_finalize(cursor->scan);
  sqlite3_finalize(cursor->lookup);
  return SQLITE_OK;
}

// Passes the connection's last error on as the table's, so that the query reports it.
int Fail(ViewTable& table, int rc) {
  sqlite3_free(table.base.zErrMsg);
  table.base.zErrMsg = sqlite3_mprintf("%s", sqlite3_errmsg(table.db));
  return rc;
}

int Step(ViewTable& table, ViewCursor& cursor) {
  InternalScope internal(*table.session);
  const int rc = sqlite3_step(cursor.current);
  if (rc == SQLITE_ROW) {
    ++cursor.row;
    cursor.eof = false;
    return SQLITE_OK;
  }
  cursor.eof = true;
  if (rc == SQLITE_DONE) {
    sqlite3_reset(cursor.current);
    return SQLITE_OK;
  }
  return Fail(table, rc);
}

int Filter(sqlite3_vtab_cursor* base, int index, const char* /*index_text*/, int argc,
           sqlite3_value** argv) {
  ViewCursor& cursor = CursorOf(base);
  ViewTable& table = TableOf(base->pVtab);
  const bool lookup = index == kLookup && argc == 1;
  sqlite3_stmt*& stmt = lookup ? cursor.lookup : cursor.scan;
  InternalScope internal(*table.session);
  if (stmt == nullptr) {
    std::string sql = table.view->select;
    if (lookup) sql += std::string(" AND ") + table.view->lookup_key + " = ?1";
    const int rc =
        sqlite3_prepare_v3(table.db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Fail(table, rc);
  }
  sqlite3_reset(stmt);
  if (lookup) sqlite3_bind_value(stmt, 1, argv[0]);
  cursor.current = stmt;
  cursor.row = 0;
  return Step(table, cursor);
}

int Next(sqlite3_vtab_cursor* base) { return Step(TableOf(base->pVtab), CursorOf(base)); }

int Eof(sqlite3_vtab_cursor* base) { return CursorOf(base).eof ? 1 : 0; }

int Column(sqlite3_vtab_cursor* base, sqlite3_context* context, int column) {
  sqlite3_result_value(context, sqlite3_column_value(CursorOf(base).current, column));
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  *rowid = CursorOf(base).row;
  return SQLITE_OK;
}

// Never reached: the authorizer refuses writes first. Without it SQLite would refuse them
// with its own message ("may not be modified") before asking the authorizer.
int Update(sqlite3_vtab* vtab, int /*argc*/, sqlite3_value** /*argv*/, sqlite3_int64* /*row*/) {
  ViewTable& table = TableOf(vtab);
  sqlite3_free(table.base.zErrMsg);
  table.base.zErrMsg = sqlite3_mprintf("the view %s is read-only", table.view->name);
  return SQLITE_READONLY;
}

sqlite3_module MakeModule() {
  sqlite3_module module{};
  module.iVersion = 1;
  module.xCreate = Create;
  module.xConnect = Connect;
  module.xBestIndex = BestIndex;
  module.xDisconnect = Disconnect;
  module.xDestroy = Disconnect;
  module.xOpen = Open;
  module.xClose = Close;
  module.xFilter = Filter;
  module.xNext = Next;
  module.xEof = Eof;
  module.xColumn = Column;
  module.xRowid = Rowid;
  module.xUpdate = Update;
  return module;
}

const sqlite3_module kViewModule = MakeModule();

}  // namespace

Status CreateViewTables(sqlite3* db, Session* session) {
  if (sqlite3_create_module_v2(db, kModule, &kViewModule, session, nullptr) != SQLITE_OK) {
    return Status(Code::kInternal, std::string("query: ") + sqlite3_errmsg(db));
  }
  for (const ViewDefinition& view : ViewDefinitions()) {
    const std::string sql =
        std::string("CREATE VIRTUAL TABLE temp.") + view.name + " USING " + kModule;
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errmsg(db);
      sqlite3_free(message);
      return Status(Code::kInternal,
                    "query: cannot create the view " + std::string(view.name) + ": " + text);
    }
  }
  return Status::Ok();
}

}  // namespace converge::query
