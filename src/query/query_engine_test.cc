#include "query/query_engine.h"

#include <chrono>
#include <set>

#include <gtest/gtest.h>

#include "store/store.h"
#include "tests/testutil/run_command.h"

namespace converge::query {
namespace {

constexpr Asker kAlice{1000, false};
constexpr Asker kBob{1001, false};
constexpr Asker kAdmin{0, true};
constexpr const char* kDigest1 = "d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1";
constexpr const char* kDigest2 = "d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2";

store::JobRecord Job(int64_t id, int64_t uid, const std::string& name) {
  store::JobRecord job;
  job.id = id;
  job.uid = uid;
  job.user = uid == 1000 ? "alice" : "bob";
  job.name = name;
  job.state = "INACTIVE";
  job.result = "completed";
  job.submit_time = 1733350000.5;
  job.dependencies = "[]";
  return job;
}

std::string Record(int64_t job, const std::string& nodes, const std::string& blessed) {
  return R"({"job": )" + std::to_string(job) +
         R"(, "recorded": 1733350000.5, "converge_version": "0.1.0", "nodes": [)" + nodes +
         R"(], "command": {"argv0": "true", "path": "/usr/bin/true", "digest": "c0ffee",
         "note": ""}, "cwd": "/tmp", "environment": {"digest": "e0", "variables":
         {"HOME": "0123456789abcdef"}}, "pmi": ["simple"], "container": null, "blessed": )" +
         blessed + "}";
}

std::string Node(const std::string& name, const std::string& digest) {
  return R"({"name": ")" + name + R"(", "facts": ")" + digest + R"("})";
}

std::string Facts(const std::string& hostname) {
  return R"({"hostname": ")" + hostname + R"(", "kernel_release": "6.1.0", "kernel_version": "#1",
  "kernel_cmdline": "ro", "kernel_digest": "k", "boot_id": "b", "os": "Debian 12",
  "cpu_model": "EPYC", "microcode": "0x1", "converge_version": "0.1.0", "topology_digest": "t",
  "topology_xml": "<topology/>", "accelerators": {}, "modules": {"gcc": "12"},
  "libraries": {"libc": "2.36"}})";
}

// A store as the instance leaves it, kept open (and written) while the engine reads it:
// jobs 1 and 3 of uid 1000 (alice), job 2 of uid 1001 (bob).
class QueryEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::Store::Open(dir_.path() + "/state.db");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    store_->PutJob(Job(1, 1000, "mine"));
    store_->PutJob(Job(2, 1001, "secret"));
    store_->PutJob(Job(3, 1000, "also-mine"));
    for (int64_t job = 1; job <= 3; ++job) {
      for (int64_t seq = 0; seq < 2; ++seq) {
        store_->AppendEvent({job, seq, 1733350000.0 + seq, seq ? "start" : "submit", "{}"});
      }
    }
    store_->PutProvenance(1, Record(1, Node("n01", kDigest1), "true"));
    store_->PutProvenance(2,
                          Record(2, Node("n01", kDigest1) + ", " + Node("n02", kDigest2), "null"));
    store_->PutNodeFacts(kDigest1, Facts("n01"));
    store_->PutNodeFacts(kDigest2, Facts("n02"));
    for (int64_t job : {1, 2}) {
      store_->PutMetricResult({job, "acceptance", "sysbench", 1733350001.0, "passed", "", "[]",
                               {{0, "n01", "events_per_s", 100.0 * job, "1/s"},
                                {1, "n02", "events_per_s", 90.0 * job, "1/s"}}});
    }
    ASSERT_TRUE(store_->Commit().ok());
    auto engine = QueryEngine::Open(store_->path());
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  QueryResult Query(const std::string& sql, const Asker& asker = kAlice) {
    auto result = engine_->Run(sql, asker);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
    return result.ok() ? *result : QueryResult{};
  }

  // The first column of each row, as integers.
  std::vector<int64_t> Ids(const std::string& sql, const Asker& asker = kAlice) {
    std::vector<int64_t> ids;
    for (const auto& row : Query(sql, asker).rows) ids.push_back(row.at(0).get<int64_t>());
    return ids;
  }

  Status Failure(const std::string& sql, const Asker& asker = kAlice,
                 const QueryLimits& limits = {}) {
    auto result = engine_->Run(sql, asker, limits);
    EXPECT_FALSE(result.ok()) << sql << " succeeded";
    return result.ok() ? Status::Ok() : result.status();
  }

  testutil::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<QueryEngine> engine_;
};

using Ints = std::vector<int64_t>;

TEST_F(QueryEngineTest, AUserSeesOnlyTheirJobs) {
  EXPECT_EQ(Ids("SELECT id FROM jobs ORDER BY id"), (Ints{1, 3}));
  EXPECT_EQ(Ids("SELECT id FROM jobs ORDER BY id", kBob), (Ints{2}));
  EXPECT_EQ(Ids("SELECT count(*) FROM jobs WHERE name = 'secret'"), (Ints{0}));
  EXPECT_EQ(Ids("SELECT DISTINCT job_id FROM events ORDER BY 1"), (Ints{1, 3}));
  EXPECT_EQ(Ids("SELECT job_id FROM provenance"), (Ints{1}));
  EXPECT_EQ(Ids("SELECT job_id FROM job_nodes"), (Ints{1}));
  EXPECT_EQ(Ids("SELECT job_id FROM job_nodes", kBob), (Ints{2, 2}));
}

TEST_F(QueryEngineTest, ALookupByIdFindsOnlyVisibleJobs) {
  EXPECT_EQ(Ids("SELECT id FROM jobs WHERE id = 3"), (Ints{3}));
  EXPECT_EQ(Ids("SELECT id FROM jobs WHERE id = 2"), (Ints{}));
  EXPECT_EQ(Ids("SELECT seq FROM events WHERE job_id = 2"), (Ints{}));
  EXPECT_EQ(Ids("SELECT job_id FROM provenance WHERE job_id IN (1, 2)"), (Ints{1}));
  EXPECT_EQ(Ids("SELECT e.seq FROM jobs AS j JOIN events AS e ON e.job_id = j.id "
                "WHERE j.id = 1 ORDER BY e.seq"),
            (Ints{0, 1}));
  EXPECT_EQ(Ids("SELECT a.id FROM jobs AS a JOIN jobs AS b ON b.id = a.id ORDER BY 1"),
            (Ints{1, 3}));
}

TEST_F(QueryEngineTest, AnAdminSeesEveryJob) {
  EXPECT_EQ(Ids("SELECT id FROM jobs ORDER BY id", kAdmin), (Ints{1, 2, 3}));
  EXPECT_EQ(Ids("SELECT count(*) FROM events", kAdmin), (Ints{6}));
  EXPECT_EQ(Ids("SELECT job_id FROM provenance ORDER BY 1", kAdmin), (Ints{1, 2}));
  EXPECT_EQ(Ids("SELECT job_id FROM job_nodes ORDER BY 1", kAdmin), (Ints{1, 2, 2}));
}

TEST_F(QueryEngineTest, NodesAreVisibleToEveryone) {
  const Asker nobody{4242, false};
  const QueryResult result = Query("SELECT hostname, modules FROM nodes ORDER BY 1", nobody);
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0][0], "n01");
  EXPECT_EQ(result.rows[0][1], R"({"gcc":"12"})");
  EXPECT_EQ(Query(std::string("SELECT hostname FROM nodes WHERE digest = '") + kDigest2 + "'")
                .rows.at(0)
                .at(0),
            "n02");
}

TEST_F(QueryEngineTest, ProvenanceColumnsAreExtractedAndTyped) {
  const QueryResult result =
      Query("SELECT command, command_path, pmi, container, blessed, recorded, cwd FROM provenance");
  ASSERT_EQ(result.rows.size(), 1u);
  const auto& row = result.rows[0];
  EXPECT_EQ(row[0], "true");
  EXPECT_EQ(row[1], "/usr/bin/true");
  EXPECT_EQ(row[2], R"(["simple"])");
  EXPECT_TRUE(row[3].is_null());
  EXPECT_EQ(row[4], 1);
  EXPECT_TRUE(row[5].is_number_float());
  EXPECT_DOUBLE_EQ(row[5].get<double>(), 1733350000.5);
  EXPECT_EQ(row[6], "/tmp");
  EXPECT_TRUE(Query("SELECT blessed FROM provenance", kBob).rows.at(0).at(0).is_null());
}

TEST_F(QueryEngineTest, ValuesKeepTheirTypesAndColumnsTheirNames) {
  const QueryResult result =
      Query("SELECT 1 AS one, 2.5 AS half, 'text' AS word, NULL AS absent, x'00ff' AS bytes");
  EXPECT_EQ(result.columns, (std::vector<std::string>{"one", "half", "word", "absent", "bytes"}));
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_TRUE(result.rows[0][0].is_number_integer());
  EXPECT_EQ(result.rows[0][0], 1);
  EXPECT_EQ(result.rows[0][1], 2.5);
  EXPECT_EQ(result.rows[0][2], "text");
  EXPECT_TRUE(result.rows[0][3].is_null());
  EXPECT_EQ(result.rows[0][4], "00ff");
  EXPECT_EQ(Query("SELECT CAST(x'41ff42' AS TEXT)").rows.at(0).at(0), "A\uFFFDB");
}

TEST_F(QueryEngineTest, JsonFunctionsWork) {
  const QueryResult result = Query("SELECT json_extract(record, '$.command.path') FROM provenance");
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0][0], "/usr/bin/true");
  EXPECT_EQ(Query("SELECT count(*) FROM provenance, json_each(record, '$.nodes')", kAdmin)
                .rows.at(0)
                .at(0),
            3);
  EXPECT_EQ(Query("SELECT value FROM json_tree('{\"a\": 7}') WHERE key = 'a'").rows.at(0).at(0), 7);
}

TEST_F(QueryEngineTest, ViewsListTheColumnsTheViewsHave) {
  std::set<std::string> names;
  for (const ViewInfo& view : Views()) {
    names.insert(view.name);
    EXPECT_FALSE(view.description.empty());
    EXPECT_EQ(Query("SELECT * FROM " + view.name + " LIMIT 0", kAdmin).columns, view.columns)
        << view.name;
  }
  EXPECT_EQ(names, (std::set<std::string>{"jobs", "events", "provenance", "job_nodes", "nodes",
                                          "metrics", "metric_values"}));
}

TEST_F(QueryEngineTest, WritesAreRefusedWithAMessage) {
  for (const char* sql :
       {"INSERT INTO jobs (id) VALUES (9)", "UPDATE jobs SET name = 'x'", "DELETE FROM jobs",
        "DROP VIEW jobs", "DROP TABLE jobs", "CREATE TABLE t (x)", "CREATE TEMP VIEW v AS SELECT 1",
        "PRAGMA writable_schema = 1", "PRAGMA table_info(jobs)", "ATTACH ':memory:' AS other",
        "DETACH temp", "BEGIN", "ANALYZE", "REINDEX", "VACUUM",
        "SELECT load_extension('/tmp/evil.so')"}) {
    const Status status = Failure(sql, kAdmin);
    EXPECT_NE(status.code(), Code::kOk) << sql;
    EXPECT_NE(status.code(), Code::kInternal) << sql << ": " << status.ToString();
    EXPECT_EQ(status.message().rfind("query: ", 0), 0u) << sql << ": " << status.ToString();
  }
  const Status status = Failure("DELETE FROM jobs", kAdmin);
  EXPECT_EQ(status.code(), Code::kPermissionDenied);
  EXPECT_NE(status.message().find("only SELECT over the views jobs, events"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("DELETE from jobs"), std::string::npos) << status.message();
  EXPECT_EQ(Ids("SELECT count(*) FROM jobs", kAdmin), (Ints{3}));
}

TEST_F(QueryEngineTest, TheStoresTablesAreRefused) {
  for (const char* sql :
       {"SELECT * FROM main.jobs", "SELECT count(*) FROM main.jobs", "SELECT * FROM sqlite_master",
        "SELECT * FROM temp.sqlite_master", "SELECT * FROM jobspecs",
        "SELECT * FROM main.provenance", "SELECT * FROM node_facts", "SELECT * FROM meta",
        "SELECT * FROM pragma_table_info('jobs')"}) {
    const Status status = Failure(sql, kAdmin);
    EXPECT_EQ(status.code(), Code::kPermissionDenied) << sql << ": " << status.ToString();
    EXPECT_NE(status.message().find("not authorized"), std::string::npos) << status.message();
  }
  EXPECT_NE(Failure("SELECT * FROM main.jobs").message().find("reading main.jobs"),
            std::string::npos);
}

// The innermost view SQLite reports to the authorizer is a CTE's name when the read is in a
// CTE, so a CTE named like a view must not open the store's table.
TEST_F(QueryEngineTest, ACteNamedLikeAViewCannotReadTheStore) {
  EXPECT_EQ(Failure("WITH jobs AS (SELECT * FROM main.jobs) SELECT id FROM jobs").code(),
            Code::kPermissionDenied);
  EXPECT_EQ(Failure("WITH events AS (SELECT * FROM main.events) SELECT * FROM events").code(),
            Code::kPermissionDenied);
  EXPECT_EQ(Ids("WITH mine AS (SELECT id FROM jobs) SELECT id FROM mine ORDER BY 1"), (Ints{1, 3}));
  EXPECT_EQ(Ids("WITH mine AS (SELECT id FROM jobs) SELECT count(*) FROM mine"), (Ints{2}));
  for (const char* sql : {"SELECT count(*) FROM jobspecs", "SELECT count(*) FROM meta",
                          "SELECT count(*) FROM sqlite_schema", "SELECT count(*) FROM dbstat",
                          "SELECT count(*) FROM pragma_module_list"}) {
    EXPECT_EQ(Failure(sql).code(), Code::kPermissionDenied) << sql;
  }
}

// A WHERE term that fails on some rows must not run on rows the asker may not see: its error
// would tell that such a row exists.
TEST_F(QueryEngineTest, ConditionsNeverRunOnHiddenRows) {
  const char* fails_on_bob =
      "SELECT id FROM jobs WHERE CASE WHEN uid = 1001 THEN abs(-9223372036854775807 - 1) "
      "ELSE 1 END ORDER BY id";
  EXPECT_EQ(Ids(fails_on_bob), (Ints{1, 3}));
  EXPECT_EQ(Ids("SELECT e.job_id FROM events AS e WHERE e.seq = 0 AND "
                "CASE WHEN e.job_id = 2 THEN json('not json') ELSE 1 END ORDER BY 1"),
            (Ints{1, 3}));
  EXPECT_EQ(Ids("SELECT count(*) FROM jobs WHERE CASE WHEN name = 'secret' THEN json('x') "
                "ELSE 1 END"),
            (Ints{2}));
  EXPECT_FALSE(engine_->Run(fails_on_bob, kAdmin).ok());
}

TEST_F(QueryEngineTest, OneStatementOnly) {
  const Status status = Failure("SELECT 1; DELETE FROM jobs");
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_NE(status.message().find("one statement only"), std::string::npos) << status.message();
  EXPECT_NE(Failure("SELECT 1; SELECT 2").message().find("one statement only"), std::string::npos);
  EXPECT_EQ(Ids("  SELECT 1 ; ;\n -- done\n /* really */ "), (Ints{1}));
  EXPECT_EQ(Ids("-- first\nSELECT 2"), (Ints{2}));
  for (const char* empty : {"", "   ", ";", "-- nothing", "/* nothing */ ;"}) {
    const Status blank = Failure(empty);
    EXPECT_EQ(blank.code(), Code::kInvalidArgument) << empty;
    EXPECT_NE(blank.message().find("empty"), std::string::npos) << blank.message();
  }
}

TEST_F(QueryEngineTest, ExplainQueryPlanIsOfferedButNotExplain) {
  EXPECT_FALSE(Query("EXPLAIN QUERY PLAN SELECT * FROM events WHERE job_id = 1").rows.empty());
  EXPECT_NE(Failure("EXPLAIN SELECT * FROM jobs").message().find("EXPLAIN is not offered"),
            std::string::npos);
}

TEST_F(QueryEngineTest, SyntaxErrorsCarrySqlitesMessage) {
  const Status status = Failure("SELEC 1");
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message(), "query: near \"SELEC\": syntax error");
  EXPECT_EQ(Failure("SELECT nope FROM jobs").code(), Code::kInvalidArgument);
}

constexpr const char* kEndless =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c";

TEST_F(QueryEngineTest, AnEndlessQueryStopsAtTheTimeLimit) {
  QueryLimits limits;
  limits.max_seconds = 0.3;
  limits.max_rows = size_t{1} << 40;
  limits.max_bytes = size_t{1} << 40;
  const auto started = std::chrono::steady_clock::now();
  const Status status =
      Failure("SELECT count(*) FROM (" + std::string(kEndless) + ")", kAlice, limits);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message().rfind("query: took longer than 0.3 s", 0), 0u) << status.message();
  EXPECT_LT(took.count(), 2.0);
  EXPECT_EQ(Ids("SELECT 5"), (Ints{5}));  // the next query runs
}

TEST_F(QueryEngineTest, AnEndlessQueryStopsAtTheRowLimit) {
  const Status status = Failure(kEndless);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_NE(status.message().find("more than 10000 rows (max_rows = 10000)"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("LIMIT"), std::string::npos);
  QueryLimits limits;
  limits.max_rows = 3;
  EXPECT_NE(Failure("SELECT * FROM events", kAdmin, limits).message().find("max_rows = 3"),
            std::string::npos);
  EXPECT_EQ(engine_->Run(std::string(kEndless) + " LIMIT 3", kAlice, limits)->rows.size(), 3u);
}

TEST_F(QueryEngineTest, TheByteLimitBoundsTheResult) {
  QueryLimits limits;
  limits.max_bytes = 1000;
  const Status status = Failure("SELECT printf('%.2000c', 'x')", kAlice, limits);
  EXPECT_NE(status.message().find("max_bytes"), std::string::npos) << status.message();
  EXPECT_FALSE(engine_->Run("SELECT length(zeroblob(100000000))", kAlice).ok());
}

TEST_F(QueryEngineTest, ACommitAfterOpenIsSeenByTheNextRun) {
  EXPECT_EQ(Ids("SELECT count(*) FROM jobs"), (Ints{2}));
  store_->PutJob(Job(4, 1000, "new"));
  store_->AppendEvent({4, 0, 1733350010.0, "submit", "{}"});
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_EQ(Ids("SELECT id FROM jobs ORDER BY id"), (Ints{1, 3, 4}));
  EXPECT_EQ(Ids("SELECT job_id FROM events WHERE job_id = 4"), (Ints{4}));
}

TEST(QueryEngineOpenTest, AMissingStoreIsNotFound) {
  testutil::TempDir dir;
  auto engine = QueryEngine::Open(dir.path() + "/none.db");
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), Code::kNotFound);
}

TEST_F(QueryEngineTest, MetricRowsFollowTheirJobs) {
  EXPECT_EQ(Ids("SELECT job_id FROM metrics"), (Ints{1}));
  EXPECT_EQ(Ids("SELECT job_id FROM metrics ORDER BY 1", kAdmin), (Ints{1, 2}));
  QueryResult values = Query(
      "SELECT node, value, unit, metric_set FROM metric_values ORDER BY rank");
  ASSERT_EQ(values.rows.size(), 2u);
  EXPECT_EQ(values.rows[1], (std::vector<nlohmann::json>{"n02", 90.0, "1/s", "acceptance"}));
  EXPECT_EQ(Ids("SELECT count(*) FROM metric_values", kAdmin), (Ints{4}));
}

}  // namespace
}  // namespace converge::query
