#include "examples/ml-workflow/ml_json.h"

#include <cmath>
#include <cstdint>

namespace converge::ml {
namespace {

using nlohmann::json;

constexpr const char* kModelName = "ridge regression on log features";

std::string Join(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

std::string Index(const std::string& where, size_t i) {
  return where + "[" + std::to_string(i) + "]";
}

Result<json> ParseObject(std::string_view body) {
  json value = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Status::Invalid("body", "is not valid JSON");
  if (!value.is_object()) return Status::Invalid("body", "must be a JSON object");
  return value;
}

// The finite number `object[key]`, which must be >= `minimum` (or > it when `strict`).
Result<double> NumberAt(const json& object, const std::string& key, const std::string& where,
                        double minimum, bool strict) {
  const std::string path = Join(where, key);
  if (!object.is_object() || !object.contains(key)) return Status::Invalid(path, "is required");
  const json& value = object.at(key);
  if (!value.is_number()) return Status::Invalid(path, "must be a number");
  const double number = value.get<double>();
  if (!std::isfinite(number)) return Status::Invalid(path, "must be finite");
  if (strict ? !(number > minimum) : !(number >= minimum)) {
    return Status::Invalid(
        path, std::string("must be ") + (strict ? "> " : ">= ") + json(minimum).dump());
  }
  return number;
}

Result<const json*> ArrayAt(const json& object, const std::string& key) {
  if (!object.contains(key)) return Status::Invalid(key, "is required");
  const json& value = object.at(key);
  if (!value.is_array()) return Status::Invalid(key, "must be an array");
  return &value;
}

std::optional<double> OptionalNumber(const json& value) {
  if (value.is_number()) return value.get<double>();
  return std::nullopt;
}

// Whole numbers as JSON integers (12, not 12.0), others as they are.
json Number(double value) {
  if (std::fabs(value) < 1e15 && value == std::trunc(value)) return static_cast<int64_t>(value);
  return value;
}

json NumberOrNull(std::optional<double> value) { return value ? json(*value) : json(nullptr); }

}  // namespace

Result<SimFeatures> FeaturesFromJson(const json& value, const std::string& where) {
  if (!value.is_object()) return Status::Invalid(where, "must be an object");
  SimFeatures features;
  double* fields[] = {&features.x, &features.y, &features.z, &features.ranks};
  const char* names[] = {"x", "y", "z", "ranks"};
  for (size_t i = 0; i < 4; ++i) {
    Result<double> number = NumberAt(value, names[i], where, 1.0, /*strict=*/false);
    if (!number.ok()) return number.status();
    *fields[i] = *number;
  }
  return features;
}

json FeaturesToJson(const SimFeatures& features) {
  return {{"x", Number(features.x)},
          {"y", Number(features.y)},
          {"z", Number(features.z)},
          {"ranks", Number(features.ranks)}};
}

Result<std::vector<TrainingSample>> ParseTrainRequest(std::string_view body) {
  Result<json> object = ParseObject(body);
  if (!object.ok()) return object.status();
  Result<const json*> array = ArrayAt(*object, "samples");
  if (!array.ok()) return array.status();
  if ((*array)->empty()) return Status::Invalid("samples", "needs at least one sample");
  std::vector<TrainingSample> samples;
  for (size_t i = 0; i < (*array)->size(); ++i) {
    const std::string where = Index("samples", i);
    const json& item = (**array)[i];
    if (!item.is_object()) return Status::Invalid(where, "must be an object");
    if (!item.contains("features")) return Status::Invalid(where + ".features", "is required");
    Result<SimFeatures> features = FeaturesFromJson(item.at("features"), where + ".features");
    if (!features.ok()) return features.status();
    Result<double> value = NumberAt(item, "value", where, 0.0, /*strict=*/true);
    if (!value.ok()) return value.status();
    samples.push_back({*features, *value});
  }
  return samples;
}

Result<std::vector<SimFeatures>> ParsePredictRequest(std::string_view body) {
  Result<json> object = ParseObject(body);
  if (!object.ok()) return object.status();
  Result<const json*> array = ArrayAt(*object, "features");
  if (!array.ok()) return array.status();
  std::vector<SimFeatures> result;
  for (size_t i = 0; i < (*array)->size(); ++i) {
    Result<SimFeatures> features = FeaturesFromJson((**array)[i], Index("features", i));
    if (!features.ok()) return features.status();
    result.push_back(*features);
  }
  return result;
}

Result<Observation> ParseObserveRequest(std::string_view body) {
  Result<json> object = ParseObject(body);
  if (!object.ok()) return object.status();
  if (!object->contains("features")) return Status::Invalid("features", "is required");
  Result<SimFeatures> features = FeaturesFromJson(object->at("features"), "features");
  if (!features.ok()) return features.status();
  Result<double> predicted = NumberAt(*object, "predicted", "", 0.0, /*strict=*/false);
  if (!predicted.ok()) return predicted.status();
  Result<double> actual = NumberAt(*object, "actual", "", 0.0, /*strict=*/true);
  if (!actual.ok()) return actual.status();
  return Observation{*features, *predicted, *actual};
}

json MetricsToJson(const ModelMetrics& metrics) {
  json observations = json::array();
  for (const Observation& observation : metrics.observations) {
    observations.push_back({{"features", FeaturesToJson(observation.features)},
                            {"predicted", observation.predicted},
                            {"actual", observation.actual}});
  }
  return {{"model", kModelName},
          {"train_samples", metrics.train_samples},
          {"train_r2", NumberOrNull(metrics.train_r2)},
          {"test_count", metrics.test_count},
          {"test_mae", NumberOrNull(metrics.test_mae)},
          {"test_r2", NumberOrNull(metrics.test_r2)},
          {"observations", std::move(observations)}};
}

Result<ModelMetrics> MetricsFromJson(const json& value) {
  if (!value.is_object()) return Status::Invalid("metrics", "must be a JSON object");
  ModelMetrics metrics;
  Result<double> train = NumberAt(value, "train_samples", "", 0.0, /*strict=*/false);
  if (!train.ok()) return train.status();
  metrics.train_samples = static_cast<size_t>(*train);
  metrics.train_r2 = OptionalNumber(value.value("train_r2", json()));
  metrics.test_mae = OptionalNumber(value.value("test_mae", json()));
  metrics.test_r2 = OptionalNumber(value.value("test_r2", json()));
  Result<const json*> array = ArrayAt(value, "observations");
  if (!array.ok()) return array.status();
  for (size_t i = 0; i < (*array)->size(); ++i) {
    const std::string where = Index("observations", i);
    const json& item = (**array)[i];
    if (!item.is_object() || !item.contains("features")) {
      return Status::Invalid(where + ".features", "is required");
    }
    Result<SimFeatures> features = FeaturesFromJson(item.at("features"), where + ".features");
    if (!features.ok()) return features.status();
    Result<double> predicted = NumberAt(item, "predicted", where, 0.0, /*strict=*/false);
    if (!predicted.ok()) return predicted.status();
    Result<double> actual = NumberAt(item, "actual", where, 0.0, /*strict=*/false);
    if (!actual.ok()) return actual.status();
    metrics.observations.push_back({*features, *predicted, *actual});
  }
  metrics.test_count = metrics.observations.size();
  return metrics;
}

}  // namespace converge::ml
