// The JSON wire format of converge-ml's HTTP API (see README.md), both directions.
//
// Parsers never throw: malformed input becomes kInvalidArgument whose where() is the field
// path ("samples[3].value") and whose message says what is wrong ("must be a number").
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "examples/ml-workflow/wall_time_model.h"

namespace converge::ml {

// {"x":..,"y":..,"z":..,"ranks":..}; every field a finite number >= 1. `where` prefixes errors.
Result<SimFeatures> FeaturesFromJson(const nlohmann::json& value, const std::string& where);
nlohmann::json FeaturesToJson(const SimFeatures& features);

// POST /api/train: {"samples":[{"features":{...},"value":seconds > 0}, ...]} (at least one).
Result<std::vector<TrainingSample>> ParseTrainRequest(std::string_view body);
// POST /api/predict: {"features":[{...}, ...]}.
Result<std::vector<SimFeatures>> ParsePredictRequest(std::string_view body);
// POST /api/observe: {"features":{...},"predicted":p >= 0,"actual":a > 0}.
Result<Observation> ParseObserveRequest(std::string_view body);

// GET /api/metrics; undefined numbers are null.
nlohmann::json MetricsToJson(const ModelMetrics& metrics);
// The inverse, for clients. Errors name the field, like the request parsers.
Result<ModelMetrics> MetricsFromJson(const nlohmann::json& value);

}  // namespace converge::ml
