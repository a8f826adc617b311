// ParseDocuments / ParseDocumentJson: turn text into JSON trees, then each tree into a
// Document (envelope fields here, the spec in the per-kind readers), then check the rules
// that span documents. Every error is prefixed with the source and the document.
#include "workload/document.h"

#include "jobspec/nul_check.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "jobspec/parse.h"
#include "jobspec/yaml_tree.h"
#include "workload/field_reader.h"
#include "workload/names.h"
#include "workload/spec_parse.h"
#include "workload/yaml_stream.h"

namespace converge::workload {

namespace {

using nlohmann::json;

// Longest document name quoted in an error prefix.
constexpr size_t kMaxLabelName = 64;
// Deepest JSON nesting accepted (the root is depth 1).
constexpr int kMaxDepth = 64;

std::optional<Kind> ExactKind(const json& root) {
  if (!root.is_object()) return std::nullopt;
  const auto it = root.find("kind");
  if (it == root.end() || !it->is_string()) return std::nullopt;
  for (Kind kind : {Kind::kJobSet, Kind::kService, Kind::kMiniCluster, Kind::kMetricSet}) {
    if (it->get_ref<const std::string&>() == KindName(kind)) return kind;
  }
  return std::nullopt;
}

// " (JobSet train)", " (train)", " (JobSet)" or "": what is known of the document.
std::string Label(const json& root) {
  std::string label;
  if (std::optional<Kind> kind = ExactKind(root)) label = KindName(*kind);
  if (root.is_object() && root.contains("metadata") && root["metadata"].is_object()) {
    const json& metadata = root["metadata"];
    const auto name = metadata.find("name");
    if (name != metadata.end() && name->is_string() &&
        !name->get_ref<const std::string&>().empty()) {
      if (!label.empty()) label += ' ';
      label += name->get<std::string>().substr(0, kMaxLabelName);
    }
  }
  return label.empty() ? label : " (" + label + ")";
}

// Adds "<source>: document N<label>: " in front of `cause` and folds where() into the message.
Status Describe(std::string_view source, size_t index, const std::string& label,
                const Status& cause) {
  std::string message;
  if (!source.empty()) message = std::string(source) + ": ";
  message += "document " + std::to_string(index) + label + ": ";
  if (!cause.where().empty() && cause.where() != "document") message += cause.where() + ": ";
  message += cause.message();
  return Status(Code::kInvalidArgument, std::move(message));
}

Status StreamError(std::string_view source, std::string message) {
  return Status(Code::kInvalidArgument,
                source.empty() ? message : std::string(source) + ": " + message);
}

std::string Canonical(const json& root) {
  json copy = root;
  copy.erase("status");
  // Set by the instance (`converge get -o yaml`), so that its output can be applied again.
  if (copy.contains("metadata") && copy["metadata"].is_object()) {
    copy["metadata"].erase("creationTimestamp");
  }
  // json objects keep keys sorted; replace (never throw on) invalid UTF-8.
  return copy.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<ObjectMeta> ParseMetadata(const FieldReader& root) {
  CONVERGE_RETURN_IF_ERROR(root.Require("metadata"));
  Result<FieldReader> metadata = root.Object("metadata", {"name", "labels", "creationTimestamp"});
  if (!metadata.ok()) return metadata.status();
  CONVERGE_RETURN_IF_ERROR(metadata->Require("name"));
  ObjectMeta meta;
  Result<std::string> name = metadata->String("name");
  if (!name.ok()) return name.status();
  CONVERGE_RETURN_IF_ERROR(CheckName(*name, metadata->PathOf("name")));
  meta.name = std::move(*name);
  Result<std::map<std::string, std::string>> labels = metadata->StringMap("labels");
  if (!labels.ok()) return labels.status();
  meta.labels = std::move(*labels);
  return meta;
}

// One document's envelope and spec; errors carry the field path from the document root.
Result<Document> ParseTree(const json& root) {
  // Names, commands and labels end up in C strings and tables: no NUL anywhere (issue 9).
  CONVERGE_RETURN_IF_ERROR(jobspec::RefuseNulInTree(root, ""));
  Result<FieldReader> fields =
      FieldReader::Open(root, "", {"apiVersion", "kind", "metadata", "spec", "status"});
  if (!fields.ok()) return fields.status();
  CONVERGE_RETURN_IF_ERROR(fields->Require("apiVersion"));
  Result<std::string> api_version = fields->String("apiVersion");
  if (!api_version.ok() || *api_version != kApiVersion) {
    return Status::Invalid("apiVersion", std::string("must be \"") + kApiVersion + "\"");
  }
  CONVERGE_RETURN_IF_ERROR(fields->Require("kind"));
  Result<std::string> kind_text = fields->String("kind");
  if (!kind_text.ok()) return kind_text.status();
  std::optional<Kind> kind = ExactKind(root);
  if (!kind) {
    return Status::Invalid("kind", "unknown kind \"" + kind_text->substr(0, kMaxLabelName) +
                                       "\"; expected JobSet, Service, MiniCluster or "
                                       "MetricSet");
  }
  Document document;
  document.kind = *kind;
  Result<ObjectMeta> metadata = ParseMetadata(*fields);
  if (!metadata.ok()) return metadata.status();
  document.metadata = std::move(*metadata);
  CONVERGE_RETURN_IF_ERROR(fields->Require("spec"));
  const json& spec = fields->Raw("spec");
  switch (*kind) {
    case Kind::kJobSet: {
      Result<JobSetSpec> parsed = ParseJobSetSpec(spec);
      if (!parsed.ok()) return parsed.status();
      document.spec = std::move(*parsed);
      break;
    }
    case Kind::kService: {
      Result<ServiceSpec> parsed = ParseServiceSpec(spec);
      if (!parsed.ok()) return parsed.status();
      document.spec = std::move(*parsed);
      break;
    }
    case Kind::kMiniCluster: {
      Result<MiniClusterSpec> parsed = ParseMiniClusterSpec(spec);
      if (!parsed.ok()) return parsed.status();
      document.spec = std::move(*parsed);
      break;
    }
    case Kind::kMetricSet: {
      Result<MetricSetSpec> parsed = ParseMetricSetSpec(spec);
      if (!parsed.ok()) return parsed.status();
      document.spec = std::move(*parsed);
      break;
    }
  }
  return document;
}

}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kJobSet:
      return "JobSet";
    case Kind::kService:
      return "Service";
    case Kind::kMiniCluster:
      return "MiniCluster";
    case Kind::kMetricSet:
      return "MetricSet";
  }
  return "unknown";
}

Result<Kind> ParseKind(std::string_view text) {
  struct Alias {
    std::string_view text;
    Kind kind;
  };
  static constexpr Alias kAliases[] = {
      {"JobSet", Kind::kJobSet},
      {"jobset", Kind::kJobSet},
      {"jobsets", Kind::kJobSet},
      {"js", Kind::kJobSet},
      {"Service", Kind::kService},
      {"service", Kind::kService},
      {"services", Kind::kService},
      {"svc", Kind::kService},
      {"MiniCluster", Kind::kMiniCluster},
      {"minicluster", Kind::kMiniCluster},
      {"miniclusters", Kind::kMiniCluster},
      {"mc", Kind::kMiniCluster},
      {"MetricSet", Kind::kMetricSet},
      {"metricset", Kind::kMetricSet},
      {"metricsets", Kind::kMetricSet},
      {"ms", Kind::kMetricSet},
  };
  for (const Alias& alias : kAliases) {
    if (alias.text == text) return alias.kind;
  }
  return Status::Invalid("kind", "unknown kind \"" + std::string(text.substr(0, kMaxLabelName)) +
                                     "\"; expected JobSet, Service, MiniCluster or MetricSet");
}

Result<std::vector<Document>> ParseDocuments(std::string_view text, std::string_view source) {
  if (text.size() > kMaxInputBytes) {
    return StreamError(source, "larger than " + std::to_string(kMaxInputBytes) + " bytes");
  }
  const std::vector<YamlPiece> pieces = SplitYamlStream(text, kMaxDocuments);
  if (pieces.size() > kMaxDocuments) {
    return StreamError(source, "more than " + std::to_string(kMaxDocuments) + " documents");
  }
  jobspec::ParseOptions options;
  options.max_bytes = kMaxInputBytes;
  options.max_depth = kMaxDepth;
  std::vector<Document> documents;
  std::map<std::pair<Kind, std::string>, size_t> first_index;  // (kind, name) -> document N
  size_t expanded_bytes = 0;
  for (const YamlPiece& piece : pieces) {
    const size_t index = documents.size() + 1;
    Result<json> tree = LoadYamlPiece(piece, options);
    if (!tree.ok()) return Describe(source, index, "", tree.status());
    if (tree->is_null()) continue;  // only a `---` marker
    const std::string label = Label(*tree);
    if (!tree->is_object()) {
      return Describe(source, index, label, Status::Invalid("", "must be a mapping"));
    }
    Result<Document> document = ParseTree(*tree);
    if (!document.ok()) return Describe(source, index, label, document.status());
    document->canonical = Canonical(*tree);
    expanded_bytes += document->canonical.size();
    if (expanded_bytes > kMaxExpandedBytes) {
      return StreamError(source, "documents expand to more than " +
                                     std::to_string(kMaxExpandedBytes) +
                                     " bytes (YAML aliases counted)");
    }
    const auto [it, added] =
        first_index.emplace(std::make_pair(document->kind, document->metadata.name), index);
    if (!added) {
      return Describe(source, index, label,
                      Status::Invalid("metadata.name",
                                      std::string("duplicate ") + KindName(document->kind) +
                                          " name \"" + document->metadata.name +
                                          "\" (also document " + std::to_string(it->second) + ")"));
    }
    documents.push_back(std::move(*document));
  }
  if (documents.empty()) return StreamError(source, "contains no documents");
  return documents;
}

Result<Document> ParseDocumentJson(std::string_view json_text, std::string_view source) {
  if (json_text.size() > kMaxInputBytes) {
    return StreamError(source, "larger than " + std::to_string(kMaxInputBytes) + " bytes");
  }
  // nlohmann's parser recurses per level: bound it with jobspec's pre-scan (an over-estimate,
  // hence the slack, as jobspec::Parse does), then check the exact depth on the tree.
  const Status too_deep =
      Status::Invalid("", "nesting deeper than " + std::to_string(kMaxDepth));
  if (jobspec::EstimateYamlDepth(json_text) > 4 * kMaxDepth + 16) {
    return Describe(source, 1, "", too_deep);
  }
  json tree;
  try {
    tree = json::parse(json_text);
    if (jobspec::TreeDepth(tree) > kMaxDepth) return Describe(source, 1, "", too_deep);
  } catch (const json::exception& error) {
    // what() reads "[json.exception.parse_error.101] parse error at line 1, column 2: ...".
    std::string what = error.what();
    const size_t bracket = what.find("] ");
    if (what.rfind("[json.exception.", 0) == 0 && bracket != std::string::npos) {
      what = what.substr(bracket + 2);
    }
    return Describe(source, 1, "", Status::Invalid("", "invalid JSON: " + what));
  }
  const std::string label = Label(tree);
  if (!tree.is_object()) {
    return Describe(source, 1, label, Status::Invalid("", "must be a mapping"));
  }
  Result<Document> document = ParseTree(tree);
  if (!document.ok()) return Describe(source, 1, label, document.status());
  document->canonical = Canonical(tree);
  return document;
}

}  // namespace converge::workload
