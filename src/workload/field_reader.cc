#include "workload/field_reader.h"

#include <cmath>
#include <limits>

namespace converge::workload {

using nlohmann::json;

std::string JoinPath(std::string_view path, std::string_view key) {
  std::string joined(path);
  if (!joined.empty()) joined += '.';
  joined += key;
  return joined;
}

std::string IndexPath(std::string_view path, size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

Result<std::string> ScalarText(const json& value, const std::string& path,
                               const std::string& rule) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();  // int64 or uint64, exact
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (std::isfinite(number)) return value.dump();
  }
  return Status::Invalid(path, rule);
}

Result<FieldReader> FieldReader::Open(const json& value, std::string path,
                                      std::initializer_list<std::string_view> allowed) {
  if (!value.is_object()) return Status::Invalid(path, "must be a mapping");
  for (const auto& [key, unused] : value.items()) {
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (!known) return Status::Invalid(JoinPath(path, key), "unknown field");
  }
  return FieldReader(value, std::move(path));
}

bool FieldReader::Has(std::string_view key) const {
  const auto it = object_->find(key);
  return it != object_->end() && !it->is_null();
}

const json& FieldReader::Raw(std::string_view key) const {
  CHECK(Has(key), "FieldReader::Raw on an absent field " + PathOf(key));
  return *object_->find(key);
}

Status FieldReader::Require(std::string_view key) const {
  return Has(key) ? Status::Ok() : Status::Invalid(PathOf(key), "is required");
}

Result<FieldReader> FieldReader::Object(std::string_view key,
                                        std::initializer_list<std::string_view> allowed) const {
  // A constant, never mutated: absent mappings read as this empty one.
  static const json kEmpty = json::object();
  return Open(Has(key) ? Raw(key) : kEmpty, PathOf(key), allowed);
}

Result<std::vector<const json*>> FieldReader::List(std::string_view key) const {
  std::vector<const json*> items;
  if (!Has(key)) return items;
  const json& value = Raw(key);
  if (!value.is_array()) return Status::Invalid(PathOf(key), "must be a list");
  for (const json& item : value) items.push_back(&item);
  return items;
}

Result<std::string> FieldReader::String(std::string_view key, std::string fallback) const {
  if (!Has(key)) return fallback;
  const json& value = Raw(key);
  if (!value.is_string()) return Status::Invalid(PathOf(key), "must be a string");
  return value.get<std::string>();
}

Result<int64_t> FieldReader::Int(std::string_view key, int64_t fallback) const {
  if (!Has(key)) return fallback;
  const json& value = Raw(key);
  if (value.is_number_unsigned()) {
    // nlohmann keeps JSON integers above INT64_MAX as uint64.
    if (value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Status::Invalid(PathOf(key), "is out of range");
    }
    return static_cast<int64_t>(value.get<uint64_t>());
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    // The YAML reader turns integers beyond int64 into doubles so they can be told apart.
    const double number = value.get<double>();
    if (std::isfinite(number) && std::floor(number) == number && std::fabs(number) >= 9.2e18) {
      return Status::Invalid(PathOf(key), "is out of range");
    }
  }
  return Status::Invalid(PathOf(key), "must be an integer");
}

Result<std::vector<std::string>> FieldReader::StringList(std::string_view key) const {
  std::vector<std::string> strings;
  if (!Has(key)) return strings;
  const json& value = Raw(key);
  const Status wrong = Status::Invalid(PathOf(key), "must be a list of strings");
  if (!value.is_array()) return wrong;
  for (const json& item : value) {
    if (!item.is_string()) return wrong;
    strings.push_back(item.get<std::string>());
  }
  return strings;
}

Result<std::map<std::string, std::string>> FieldReader::StringMap(std::string_view key) const {
  std::map<std::string, std::string> entries;
  if (!Has(key)) return entries;
  const json& value = Raw(key);
  if (!value.is_object()) return Status::Invalid(PathOf(key), "must be a mapping");
  for (const auto& [name, item] : value.items()) {
    Result<std::string> text =
        ScalarText(item, JoinPath(PathOf(key), name), "must be a string or a number");
    if (!text.ok()) return text.status();
    entries.emplace(name, std::move(*text));
  }
  return entries;
}

std::string FieldReader::ListChoices(const std::vector<std::string_view>& names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += names[i];
  }
  return text;
}

}  // namespace converge::workload
