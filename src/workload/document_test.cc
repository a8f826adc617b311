#include "workload/document.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "workload/test_util.h"

namespace converge::workload {
namespace {

using testing::ExampleYaml;
using testing::ParseError;

TEST(ParseDocuments, ExampleParsesToExpectedValues) {
  Result<std::vector<Document>> documents = ParseDocuments(ExampleYaml(), "w.yaml");
  ASSERT_TRUE(documents.ok()) << documents.status().ToString();
  ASSERT_EQ(documents->size(), 3u);

  const Document& train = (*documents)[0];
  EXPECT_EQ(train.kind, Kind::kJobSet);
  EXPECT_EQ(train.metadata.name, "train");
  EXPECT_EQ(train.metadata.labels, (std::map<std::string, std::string>{{"app", "ml"}}));
  const auto& jobset = std::get<JobSetSpec>(train.spec);
  EXPECT_EQ(jobset.success_operator, JobSetSpec::Operator::kAll);
  EXPECT_TRUE(jobset.success_targets.empty());
  EXPECT_EQ(jobset.max_restarts, 2);
  EXPECT_EQ(jobset.restart_strategy, JobSetSpec::RestartStrategy::kRecreate);
  EXPECT_TRUE(jobset.in_order);
  EXPECT_EQ(jobset.needs_services, std::vector<std::string>{"ml"});
  ASSERT_EQ(jobset.replicated_jobs.size(), 2u);
  const ReplicatedJob& driver = jobset.replicated_jobs[0];
  EXPECT_EQ(driver.name, "driver");
  EXPECT_EQ(driver.replicas, 1);
  EXPECT_EQ(driver.parallelism, 1);
  EXPECT_EQ(driver.completions, 1);
  EXPECT_EQ(driver.task.command, (std::vector<std::string>{"sh", "-c", "./drive"}));
  EXPECT_EQ(driver.task.cores, 1);
  EXPECT_EQ(driver.task.gpus, 0);
  EXPECT_TRUE(driver.depends_on.empty());
  const ReplicatedJob& workers = jobset.replicated_jobs[1];
  EXPECT_EQ(workers.name, "workers");
  EXPECT_EQ(workers.replicas, 2);
  EXPECT_EQ(workers.parallelism, 2);
  EXPECT_EQ(workers.completions, 2);
  EXPECT_EQ(workers.backoff_limit, 0);
  EXPECT_EQ(workers.exclusive_topology, "rack");
  ASSERT_EQ(workers.depends_on.size(), 1u);
  EXPECT_EQ(workers.depends_on[0].name, "driver");
  EXPECT_EQ(workers.depends_on[0].status, DependsOn::Status::kReady);
  EXPECT_EQ(workers.task.command,
            (std::vector<std::string>{"sh", "-c", "./work --rank $POD_INDEX"}));
  EXPECT_EQ(workers.task.cores, 1);
  EXPECT_EQ(workers.task.gpus, 0);
  EXPECT_EQ(workers.task.env, (std::map<std::string, std::string>{{"A", "1"}}));
  EXPECT_EQ(workers.task.cwd, "/tmp");
  EXPECT_EQ(workers.task.duration, "10m");

  const Document& ml = (*documents)[1];
  EXPECT_EQ(ml.kind, Kind::kService);
  EXPECT_EQ(ml.metadata.name, "ml");
  const auto& service = std::get<ServiceSpec>(ml.spec);
  EXPECT_EQ(service.task.command, (std::vector<std::string>{"converge-ml", "serve"}));
  EXPECT_EQ(service.task.cores, 1);
  EXPECT_TRUE(service.task.env.empty());
  EXPECT_EQ(service.task.cwd, "...");
  EXPECT_EQ(service.port, 0);
  EXPECT_EQ(service.health_http, "/healthz");
  EXPECT_EQ(service.restart, ServiceSpec::Restart::kAlways);

  const Document& mc = (*documents)[2];
  EXPECT_EQ(mc.kind, Kind::kMiniCluster);
  const auto& cluster = std::get<MiniClusterSpec>(mc.spec);
  EXPECT_EQ(cluster.size, 2);
  EXPECT_EQ(cluster.cores, 4);
  EXPECT_EQ(cluster.command, (std::vector<std::string>{"sh", "-c", "converge submit ..."}));
}

TEST(ParseDocuments, FormatDocExampleParses) {
  // ctest runs tests in the repository root (cmake/converge.cmake); __FILE__ may be relative
  // to another folder (ccache's base dir).
  const std::filesystem::path doc = "docs/formats/workload.md";
  std::ifstream file(doc);
  ASSERT_TRUE(file) << doc;
  std::stringstream contents;
  contents << file.rdbuf();
  const std::string text = contents.str();
  const size_t begin = text.find("```yaml\n");
  ASSERT_NE(begin, std::string::npos);
  const size_t end = text.find("```", begin + 8);
  ASSERT_NE(end, std::string::npos);
  Result<std::vector<Document>> documents =
      ParseDocuments(text.substr(begin + 8, end - begin - 8), "workload.md");
  ASSERT_TRUE(documents.ok()) << documents.status().ToString();
  EXPECT_EQ(documents->size(), 3u);
}

TEST(ParseDocuments, StatusIsIgnoredAndLeftOutOfCanonical) {
  const std::string base =
      "apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: mc}\n"
      "spec: {size: 1}\n";
  Result<std::vector<Document>> plain = ParseDocuments(base, "a");
  Result<std::vector<Document>> with_status =
      ParseDocuments(base + "status: {phase: Running, anything: [1, 2]}\n", "b");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  ASSERT_TRUE(with_status.ok()) << with_status.status().ToString();
  EXPECT_EQ((*plain)[0].canonical, (*with_status)[0].canonical);
  EXPECT_EQ((*plain)[0].canonical,
            R"({"apiVersion":"converge/v1","kind":"MiniCluster","metadata":{"name":"mc"},)"
            R"("spec":{"size":1}})");
}

TEST(ParseDocuments, CanonicalIgnoresKeyOrderAndLayoutButNotValues) {
  Result<std::vector<Document>> a = ParseDocuments(
      "kind: MiniCluster\napiVersion: converge/v1\nspec:\n  size: 2\nmetadata:\n  name: mc\n", "a");
  Result<std::vector<Document>> b = ParseDocuments(
      R"({"apiVersion": "converge/v1", "kind": "MiniCluster", "metadata": {"name": "mc"},
          "spec": {"size": 2}})",
      "b");
  Result<std::vector<Document>> c = ParseDocuments(
      "kind: MiniCluster\napiVersion: converge/v1\nspec:\n  size: 3\nmetadata:\n  name: mc\n", "c");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ((*a)[0].canonical, (*b)[0].canonical);
  EXPECT_NE((*a)[0].canonical, (*c)[0].canonical);
}

TEST(ParseDocuments, EmptyDocumentsAndCommentsAreSkipped) {
  const std::string mc =
      "apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: mc}\n"
      "spec: {size: 1}\n";
  Result<std::vector<Document>> documents =
      ParseDocuments("# header\n---\n---\n" + mc + "...\n# trailing\n---\n", "w.yaml");
  ASSERT_TRUE(documents.ok()) << documents.status().ToString();
  EXPECT_EQ(documents->size(), 1u);
}

TEST(ParseDocuments, DocumentNumbersCountNonEmptyDocuments) {
  const std::string good =
      "apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: a}\n"
      "spec: {size: 1}\n";
  const std::string bad =
      "apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: b}\n"
      "spec: {size: 0}\n";
  EXPECT_EQ(ParseError(good + "---\n---\n" + bad),
            "w.yaml: document 2 (MiniCluster b): spec.size: must be >= 1");
}

TEST(ParseDocuments, NamesAreUniquePerKind) {
  const std::string mc =
      "apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: x}\n"
      "spec: {size: 1}\n";
  const std::string svc =
      "apiVersion: converge/v1\nkind: Service\nmetadata: {name: x}\n"
      "spec: {command: run}\n";
  EXPECT_TRUE(ParseDocuments(mc + "---\n" + svc, "w.yaml").ok());
  EXPECT_EQ(ParseError(mc + "---\n" + svc + "---\n" + mc),
            "w.yaml: document 3 (MiniCluster x): metadata.name: duplicate MiniCluster name "
            "\"x\" (also document 1)");
}

TEST(ParseDocuments, EnvelopeRules) {
  const std::string spec = "spec: {size: 1}\n";
  EXPECT_EQ(ParseError("apiVersion: v1\nkind: MiniCluster\nmetadata: {name: mc}\n" + spec),
            "w.yaml: document 1 (MiniCluster mc): apiVersion: must be \"converge/v1\"");
  EXPECT_EQ(ParseError("kind: MiniCluster\nmetadata: {name: mc}\n" + spec),
            "w.yaml: document 1 (MiniCluster mc): apiVersion: is required");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: Pod\nmetadata: {name: p}\n" + spec),
            "w.yaml: document 1 (p): kind: unknown kind \"Pod\"; expected JobSet, Service, "
            "MiniCluster or MetricSet");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: jobset\nmetadata: {name: p}\n" + spec),
            "w.yaml: document 1 (p): kind: unknown kind \"jobset\"; expected JobSet, Service, "
            "MiniCluster or MetricSet");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nmetadata: {name: p}\n" + spec),
            "w.yaml: document 1 (p): kind: is required");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: MiniCluster\n" + spec),
            "w.yaml: document 1 (MiniCluster): metadata: is required");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {}\n" + spec),
            "w.yaml: document 1 (MiniCluster): metadata.name: is required");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: mc}\n"),
            "w.yaml: document 1 (MiniCluster mc): spec: is required");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: mc}\n"
                       "spec: [1]\n"),
            "w.yaml: document 1 (MiniCluster mc): spec: must be a mapping");
  EXPECT_EQ(ParseError("- a\n- b\n"), "w.yaml: document 1: must be a mapping");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: mc}\n" + spec +
                       "extra: 1\n"),
            "w.yaml: document 1 (MiniCluster mc): extra: unknown field");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: MiniCluster\n"
                       "metadata: {name: mc, namespace: default}\n" +
                       spec),
            "w.yaml: document 1 (MiniCluster mc): metadata.namespace: unknown field");
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: MiniCluster\n"
                       "metadata: {name: mc, labels: {a: [1]}}\n" +
                       spec),
            "w.yaml: document 1 (MiniCluster mc): metadata.labels.a: must be a string or a "
            "number");
}

TEST(ParseDocuments, MetadataNameIsAShortDnsLabel) {
  auto error = [](const std::string& name) {
    return ParseError("apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: \"" + name +
                      "\"}\nspec: {size: 1}\n");
  };
  const std::string dns_rule =
      "metadata.name: must be a DNS label (lowercase letters, digits and '-', starting and "
      "ending with a letter or digit)";
  EXPECT_EQ(error("Train"), "w.yaml: document 1 (MiniCluster Train): " + dns_rule);
  EXPECT_EQ(error("a_b"), "w.yaml: document 1 (MiniCluster a_b): " + dns_rule);
  EXPECT_EQ(error("-ab"), "w.yaml: document 1 (MiniCluster -ab): " + dns_rule);
  EXPECT_EQ(error(""), "w.yaml: document 1 (MiniCluster): metadata.name: must not be empty");
  const std::string long_name(41, 'a');
  EXPECT_EQ(error(long_name), "w.yaml: document 1 (MiniCluster " + long_name +
                                  "): metadata.name: must be at most 40 characters");
  EXPECT_TRUE(ParseDocuments("apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: " +
                                 std::string(40, 'a') + "}\nspec: {size: 1}\n",
                             "w.yaml")
                  .ok());
}

TEST(ParseDocuments, InvalidYamlNamesSourceLineAndColumn) {
  const std::string good =
      "apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: a}\n"
      "spec: {size: 1}\n";
  const std::string error =
      ParseError(good + "---\napiVersion: converge/v1\nkind: MiniCluster\n  x: y: z\nspec: {}\n");
  EXPECT_EQ(error.rfind("w.yaml: document 2: line 8, column ", 0), 0u) << error;
  EXPECT_NE(error.find("invalid YAML: "), std::string::npos) << error;
  const std::string first = ParseError("a: b: c\n");
  EXPECT_EQ(first.rfind("w.yaml: document 1: line 1, column ", 0), 0u) << first;
}

TEST(ParseDocuments, DuplicateKeysAreRefused) {
  EXPECT_EQ(ParseError("apiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: a}\n"
                       "spec: {size: 1, size: 2}\n"),
            "w.yaml: document 1: spec.size: duplicate key");
}

TEST(ParseDocuments, LimitsAndEmptyInput) {
  EXPECT_EQ(ParseError(""), "w.yaml: contains no documents");
  EXPECT_EQ(ParseError("# nothing\n---\n"), "w.yaml: contains no documents");
  EXPECT_EQ(ParseError(std::string(kMaxInputBytes + 1, ' ')), "w.yaml: larger than 4194304 bytes");
  std::string many;
  for (size_t i = 0; i <= kMaxDocuments; ++i) many += "---\na: 1\n";
  EXPECT_EQ(ParseError(many), "w.yaml: more than 1000 documents");
  EXPECT_EQ(ParseError(std::string(300, '[') + std::string(300, ']')),
            "w.yaml: document 1: nesting deeper than 64");
  const std::string nested = ParseError(std::string(100, '[') + std::string(100, ']'));
  EXPECT_EQ(nested.rfind("w.yaml: document 1: [0][0]", 0), 0u) << nested;
  EXPECT_NE(nested.find("]: nesting deeper than 64"), std::string::npos) << nested;
  EXPECT_EQ(ParseError(","), ParseError(","));  // terminates (yaml-cpp LoadAll would hang)
}

TEST(ParseDocuments, AliasExpansionIsBounded) {
  // Each document is ~64 KiB of text whose command expands, through an alias, to ~2 MiB.
  std::string documents;
  for (int i = 0; i < 33; ++i) {
    documents += "---\napiVersion: converge/v1\nkind: MiniCluster\nmetadata: {name: m" +
                 std::to_string(i) + "}\nspec:\n  size: 1\n  command: [&s \"" +
                 std::string(64 << 10, 'x') + "\"";
    for (int k = 0; k < 31; ++k) documents += ", *s";
    documents += "]\n";
  }
  EXPECT_EQ(ParseError(documents),
            "w.yaml: documents expand to more than 67108864 bytes (YAML aliases counted)");
}

TEST(ParseDocumentJson, ParsesOneObject) {
  Result<Document> document =
      ParseDocumentJson(R"({"apiVersion":"converge/v1","kind":"Service","metadata":{"name":"ml"},)"
                        R"("spec":{"command":"serve","port":8080},"status":{"phase":"Ready"}})",
                        "body");
  ASSERT_TRUE(document.ok()) << document.status().ToString();
  EXPECT_EQ(document->kind, Kind::kService);
  EXPECT_EQ(std::get<ServiceSpec>(document->spec).port, 8080);
  EXPECT_EQ(document->canonical,
            R"({"apiVersion":"converge/v1","kind":"Service","metadata":{"name":"ml"},)"
            R"("spec":{"command":"serve","port":8080}})");
}

TEST(ParseDocumentJson, Errors) {
  Result<Document> syntax = ParseDocumentJson("{\"a\": ", "body");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(
      syntax.status().message().rfind("body: document 1: invalid JSON: parse error at line 1", 0),
      0u)
      << syntax.status().message();
  Result<Document> deep = ParseDocumentJson(std::string(1000, '[') + std::string(1000, ']'), "");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().message(), "document 1: nesting deeper than 64");
  Result<Document> rule = ParseDocumentJson(
      R"({"apiVersion":"converge/v1","kind":"MiniCluster","metadata":{"name":"m"},)"
      R"("spec":{"size":18446744073709551615}})",
      "body");
  ASSERT_FALSE(rule.ok());
  EXPECT_EQ(rule.status().message(),
            "body: document 1 (MiniCluster m): spec.size: is out of range");
  Result<Document> array = ParseDocumentJson("[]", "body");
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.status().message(), "body: document 1: must be a mapping");
}

TEST(Kinds, NamesAndAliases) {
  EXPECT_STREQ(KindName(Kind::kJobSet), "JobSet");
  EXPECT_STREQ(KindName(Kind::kService), "Service");
  EXPECT_STREQ(KindName(Kind::kMiniCluster), "MiniCluster");
  for (const char* text : {"JobSet", "jobset", "jobsets", "js"}) {
    Result<Kind> kind = ParseKind(text);
    ASSERT_TRUE(kind.ok()) << text;
    EXPECT_EQ(*kind, Kind::kJobSet);
  }
  for (const char* text : {"Service", "service", "services", "svc"}) {
    Result<Kind> kind = ParseKind(text);
    ASSERT_TRUE(kind.ok()) << text;
    EXPECT_EQ(*kind, Kind::kService);
  }
  for (const char* text : {"MiniCluster", "minicluster", "miniclusters", "mc"}) {
    Result<Kind> kind = ParseKind(text);
    ASSERT_TRUE(kind.ok()) << text;
    EXPECT_EQ(*kind, Kind::kMiniCluster);
  }
  Result<Kind> pod = ParseKind("pods");
  ASSERT_FALSE(pod.ok());
  EXPECT_EQ(pod.status().ToString(),
            "kind: unknown kind \"pods\"; expected JobSet, Service, MiniCluster or MetricSet");
  EXPECT_FALSE(ParseKind("JOBSET").ok());
}

}  // namespace
}  // namespace converge::workload
