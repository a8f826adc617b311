// `converge query [--json|--csv] SQL`: read-only SQL over the instance's views (POST /v1/query;
// docs/query.md). `converge query --views` lists them.
#include <cstdio>
#include <memory>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/query_format.h"
#include "query/query_engine.h"

namespace converge::cli {
namespace {

struct QueryFlags {
  std::string sql;
  bool json = false;
  bool csv = false;
  bool views = false;
};

int ListViews() {
  for (const query::ViewInfo& view : query::Views()) {
    std::string columns;
    for (const std::string& column : view.columns) {
      columns += (columns.empty() ? "" : ", ") + column;
    }
    std::printf("%s: %s\n  %s\n", view.name.c_str(), view.description.c_str(), columns.c_str());
  }
  return 0;
}

int Query(const QueryFlags& flags) {
  if (flags.views) return ListViews();
  Result<Session> session = Session::Open();
  if (!session.ok()) return Fail("query", session.status());
  Result<nlohmann::json> answer =
      session->Call("POST", "/v1/query", nlohmann::json{{"sql", flags.sql}}.dump());
  if (!answer.ok()) return Fail("query", answer.status());
  if (flags.json) {
    std::printf("%s\n", answer->dump(2, ' ', false,
                                     nlohmann::json::error_handler_t::replace).c_str());
  } else if (flags.csv) {
    std::fputs(FormatQueryCsv(*answer).c_str(), stdout);
  } else {
    std::fputs(FormatQueryTable(*answer).c_str(), stdout);
  }
  return 0;
}

}  // namespace

void AddQueryCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<QueryFlags>();
  CLI::App* query = app.add_subcommand(
      "query", "Read-only SQL over jobs, events, provenance and nodes (yours; the owner's: all)");
  query->add_option("sql", flags->sql, "One SELECT statement");
  auto* json = query->add_flag("--json", flags->json, "The columns and rows as JSON");
  query->add_flag("--csv", flags->csv, "CSV with a header line")->excludes(json);
  query->add_flag("--views", flags->views, "List the views and their columns");
  query->callback([flags, exit_code] {
    if (flags->sql.empty() && !flags->views) {
      std::fprintf(stderr, "converge query: give a SELECT statement (or --views)\n");
      *exit_code = 2;
      return;
    }
    *exit_code = Query(*flags);
  });
}

}  // namespace converge::cli
