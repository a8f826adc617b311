#include "jobspec/yaml_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

namespace converge::jobspec {

namespace {

using nlohmann::json;

bool IsDecimalInteger(const std::string& text) {
  size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  if (i == text.size()) return false;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

// YAML 1.2 core schema float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsDecimalFloat(const std::string& text) {
  size_t i = 0;
  const size_t n = text.size();
  auto digits = [&] {
    size_t start = i;
    while (i < n && text[i] >= '0' && text[i] <= '9') ++i;
    return i - start;
  };
  if (i < n && (text[i] == '-' || text[i] == '+')) ++i;
  if (i < n && text[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < n && text[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '-' || text[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == n;
}

bool IsValidUtf8(const std::string& text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= n) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    const uint32_t min_code[] = {0, 0x80, 0x800, 0x10000};
    if (code < min_code[extra] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  const std::string& tag = node.Tag();
  const bool plain = tag == "?" || tag.empty();
  if (!plain) return json(text);  // quoted ("!") or explicitly tagged: keep the text
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return json(nullptr);
  }
  if (text == "true" || text == "True" || text == "TRUE") return json(true);
  if (text == "false" || text == "False" || text == "FALSE") return json(false);
  if (IsDecimalInteger(text)) {
    errno = 0;
    char* end = nullptr;
    long long value = std::strtoll(text.c_str(), &end, 10);
    if (errno == 0) return json(static_cast<int64_t>(value));
    // Does not fit int64: keep the magnitude as a double so callers can say "out of range".
    return json(std::strtod(text.c_str(), nullptr));
  }
  if (IsDecimalFloat(text)) {
    double value = std::strtod(text.c_str(), nullptr);
    if (std::isfinite(value)) return json(value);
  }
  return json(text);
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// Converts a yaml-cpp tree, tracking the field path as a stack of segments that is only
// joined into a string when an error is reported (aliases can make a small document visit
// many nodes; per-node path strings would multiply its size).
class Converter {
 public:
  explicit Converter(const ParseOptions& options) : options_(options) {}

  Result<json> Convert(const YAML::Node& node, int depth) {
    if (++visited_ > options_.max_nodes) {
      return Fail("document has more than " + std::to_string(options_.max_nodes) +
                  " nodes (alias expansion counted)");
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return json(nullptr);
      case YAML::NodeType::Scalar: {
        CONVERGE_RETURN_IF_ERROR(Charge(node.Scalar().size()));
        if (!IsValidUtf8(node.Scalar())) return Fail("must be valid UTF-8");
        return ScalarToJson(node);
      }
      case YAML::NodeType::Sequence:
      case YAML::NodeType::Map:
        break;
    }
    if (depth > options_.max_depth) {
      return Fail("nesting deeper than " + std::to_string(options_.max_depth));
    }
    if (node.IsSequence()) {
      json array = json::array();
      size_t index = 0;
      for (const YAML::Node& item : node) {
        segments_.push_back({nullptr, index++});
        Result<json> value = Convert(item, depth + 1);
        segments_.pop_back();
        if (!value.ok()) return value.status();
        array.push_back(std::move(*value));
      }
      return array;
    }
    json object = json::object();
    for (const auto& entry : node) {
      const YAML::Node& key_node = entry.first;
      if (!key_node.IsScalar()) return Fail("mapping keys must be strings");
      const std::string& key = key_node.Scalar();
      CONVERGE_RETURN_IF_ERROR(Charge(key.size()));
      if (!IsValidUtf8(key)) return Fail("keys must be valid UTF-8");
      segments_.push_back({&key, 0});
      if (object.contains(key)) {
        Status duplicate = Fail("duplicate key");
        segments_.pop_back();
        return duplicate;
      }
      Result<json> value = Convert(entry.second, depth + 1);
      segments_.pop_back();
      if (!value.ok()) return value.status();
      object[key] = std::move(*value);
    }
    return object;
  }

 private:
  struct Segment {
    const std::string* key;  // null for a sequence index
    size_t index;
  };

  Status Fail(const std::string& message) const {
    std::string path;
    for (const Segment& segment : segments_) {
      if (segment.key == nullptr) {
        path += "[" + std::to_string(segment.index) + "]";
      } else {
        path = Join(path, *segment.key);
      }
    }
    return Status::Invalid(path.empty() ? "document" : path, message);
  }

  Status Charge(size_t bytes) {
    expanded_bytes_ += bytes;
    if (expanded_bytes_ > options_.max_expanded_bytes) {
      return Fail("document expands to more than " + std::to_string(options_.max_expanded_bytes) +
                  " bytes (alias expansion counted)");
    }
    return Status::Ok();
  }

  const ParseOptions& options_;
  size_t visited_ = 0;
  size_t expanded_bytes_ = 0;
  std::vector<Segment> segments_;
};

// Ignores every event: used only to count documents without building nodes.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Counts documents, stopping at `limit`. Never YAML::LoadAll: yaml-cpp 0.7's LoadAll loops
// forever, allocating, on input such as "," (a token no document consumes).
int CountDocuments(const std::string& text, int limit) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentCounter counter;
  int documents = 0;
  while (documents < limit && parser.HandleNextDocument(counter)) ++documents;
  return documents;
}

std::string MarkWhere(const YAML::Mark& mark) {
  if (mark.is_null()) return "document";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

}  // namespace

int TreeDepth(const nlohmann::json& value) {
  int deepest = 0;
  if (value.is_structured()) {
    for (const auto& child : value) deepest = std::max(deepest, TreeDepth(child));
    return deepest + 1;
  }
  return 0;
}

int EstimateYamlDepth(std::string_view text) {
  std::vector<size_t> indents;  // columns of the open block levels
  int flow = 0;
  int deepest = 0;
  bool in_single = false;
  bool in_double = false;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    size_t end = i;
    while (end < n && text[end] != '\n' && text[end] != '\r') ++end;
    size_t j = i;
    while (j < end && text[j] == ' ') ++j;
    int block = static_cast<int>(indents.size());
    if (j < end && text[j] != '#' && !in_single && !in_double) {
      const size_t column = j - i;
      while (!indents.empty() && indents.back() > column) indents.pop_back();
      if (indents.empty() || indents.back() < column) indents.push_back(column);
      block = static_cast<int>(indents.size());
      // Same-line block indicators ("- - - x", "? - x") each open a level.
      size_t k = j;
      while (k < end && (text[k] == '-' || text[k] == '?' || text[k] == ':') &&
             (k + 1 == end || text[k + 1] == ' ' || text[k + 1] == '\t')) {
        ++block;
        k += 1;
        while (k < end && (text[k] == ' ' || text[k] == '\t')) ++k;
      }
      ++block;  // an implicit mapping opened on this line
    }
    char previous = 0;  // last non-space character on this line
    for (size_t k = j; k < end; ++k) {
      const char c = text[k];
      if (in_double) {
        if (c == '\\') {
          ++k;
        } else if (c == '"') {
          in_double = false;
        }
        continue;
      }
      if (in_single) {
        if (c == '\'') {
          if (k + 1 < end && text[k + 1] == '\'') {
            ++k;
          } else {
            in_single = false;
          }
        }
        continue;
      }
      if (c == '#' && (k == i || text[k - 1] == ' ' || text[k - 1] == '\t')) break;
      const bool token_start = previous == 0 || previous == '[' || previous == '{' ||
                               previous == ',' || previous == ':' || previous == '-' ||
                               previous == '?';
      if ((c == '"' || c == '\'') && token_start) {
        (c == '"' ? in_double : in_single) = true;
      } else if (c == '[' || c == '{') {
        ++flow;
        deepest = std::max(deepest, block + flow);
      } else if ((c == ']' || c == '}') && flow > 0) {
        --flow;
      }
      if (c != ' ' && c != '\t') previous = c;
    }
    deepest = std::max(deepest, block + flow);
    i = end;
    if (i < n && text[i] == '\r') ++i;
    if (i < n && text[i] == '\n') ++i;
  }
  return deepest;
}

Result<json> YamlToJson(std::string_view text, const ParseOptions& options) {
  if (text.size() > options.max_bytes) {
    return Status::Invalid("document",
                           "larger than " + std::to_string(options.max_bytes) + " bytes");
  }
  // yaml-cpp's parser recurses once per nesting level; keep it off deep inputs. The estimate
  // over-counts, so allow slack above max_depth; the exact check happens during conversion.
  const int limit = 4 * options.max_depth + 16;
  if (EstimateYamlDepth(text) > limit) {
    return Status::Invalid("document", "nesting deeper than " + std::to_string(options.max_depth));
  }
  try {
    const std::string copy(text);
    const int documents = CountDocuments(copy, 2);
    if (documents == 0) return Status::Invalid("document", "is empty");
    if (documents > 1) return Status::Invalid("document", "must be a single YAML document");
    const YAML::Node root = YAML::Load(copy);
    Converter converter(options);
    return converter.Convert(root, 1);
  } catch (const YAML::Exception& error) {
    return Status::Invalid(MarkWhere(error.mark), "invalid YAML: " + error.msg);
  } catch (const std::exception& error) {
    return Status::Invalid("document", std::string("invalid YAML: ") + error.what());
  }
}

}  // namespace converge::jobspec
