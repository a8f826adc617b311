// FieldReader: a strict, typed view of one JSON object (a mapping of a workload document).
//
// Opening a reader names the keys the object may hold; any other key is refused at once as
// "<path>.<key>: unknown field", so a misspelt field is reported before the "is required"
// error its absence would cause. Accessors read one typed field each, treat a missing or
// null value as absent (and then return the given default), and report a wrong type as a
// Status whose where() is the full field path ("spec.replicatedJobs[0].replicas") and whose
// message is the rule ("must be an integer").
//
// A FieldReader refers to, and does not own, the JSON value it was opened on: the value must
// outlive it. Readers are cheap to copy; not thread-safe to share while the JSON changes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace converge::workload {

// "path.key", or "key" at the root.
std::string JoinPath(std::string_view path, std::string_view key);
// "path[index]".
std::string IndexPath(std::string_view path, size_t index);

// Renders a string or number scalar as text ("1", "2.5", "x"); an error for anything else.
// Used where YAML users write a number but a string is meant (env values, durations).
Result<std::string> ScalarText(const nlohmann::json& value, const std::string& path,
                               const std::string& rule);

class FieldReader {
 public:
  // Opens `value` at `path`. Errors: "<path>: must be a mapping" when `value` is not an
  // object; "<path>.<key>: unknown field" for the first key (in sorted order) not in
  // `allowed`. REQUIRES: `value` outlives the reader and every reader derived from it.
  static Result<FieldReader> Open(const nlohmann::json& value, std::string path,
                                  std::initializer_list<std::string_view> allowed);

  const std::string& path() const { return path_; }
  // The full path of `key` in this object.
  std::string PathOf(std::string_view key) const { return JoinPath(path_, key); }

  // True when `key` is present with a non-null value.
  bool Has(std::string_view key) const;
  // The raw value of `key`. REQUIRES: Has(key).
  const nlohmann::json& Raw(std::string_view key) const;
  // "<path>.<key>: is required" unless Has(key).
  Status Require(std::string_view key) const;

  // A nested mapping; when absent, a reader over an empty mapping (so its fields take their
  // defaults). Errors as Open().
  Result<FieldReader> Object(std::string_view key,
                             std::initializer_list<std::string_view> allowed) const;

  // The elements of a sequence field; empty when absent. Error: "must be a list".
  Result<std::vector<const nlohmann::json*>> List(std::string_view key) const;

  // A string field. Error: "must be a string".
  Result<std::string> String(std::string_view key, std::string fallback = {}) const;

  // An integer field. Errors: "must be an integer"; "is out of range" beyond int64.
  Result<int64_t> Int(std::string_view key, int64_t fallback) const;

  // A sequence of strings; empty when absent. Error: "must be a list of strings".
  Result<std::vector<std::string>> StringList(std::string_view key) const;

  // A mapping of string keys to string or number values (numbers rendered as text); empty
  // when absent. Errors: "must be a mapping"; "<path>.<key>.<name>: must be a string or a
  // number".
  Result<std::map<std::string, std::string>> StringMap(std::string_view key) const;

  // An enumerated string field: the value must equal one of `choices`' names exactly.
  // Error: "must be A, B or C".
  template <typename E>
  Result<E> Enum(std::string_view key, E fallback,
                 std::initializer_list<std::pair<std::string_view, E>> choices) const {
    if (!Has(key)) return fallback;
    const nlohmann::json& value = Raw(key);
    if (value.is_string()) {
      for (const auto& [name, choice] : choices) {
        if (value.get_ref<const std::string&>() == name) return choice;
      }
    }
    std::vector<std::string_view> names;
    for (const auto& choice : choices) names.push_back(choice.first);
    return Status::Invalid(PathOf(key), "must be " + ListChoices(names));
  }

  // "A", "A or B", "A, B or C".
  static std::string ListChoices(const std::vector<std::string_view>& names);

 private:
  FieldReader(const nlohmann::json& object, std::string path)
      : object_(&object), path_(std::move(path)) {}

  const nlohmann::json* object_;  // not owned; an object
  std::string path_;
};

}  // namespace converge::workload
