#include "agent/protocol.h"

#include <nlohmann/json.hpp>

namespace converge::agent {
namespace {

using Json = nlohmann::json;

Result<Json> ParseObject(std::string_view text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::Invalid("", "not valid JSON");
  if (!json.is_object()) return Status::Invalid("", "must be a JSON object");
  return json;
}

Result<std::string> StringField(const Json& json, const std::string& key, bool required) {
  auto it = json.find(key);
  if (it == json.end()) {
    if (required) return Status::Invalid(key, "is required");
    return std::string();
  }
  if (!it->is_string()) return Status::Invalid(key, "must be a string");
  return it->get<std::string>();
}

Json PartJson(const PartStatus& status) {
  Json json = {{"job_id", status.job_id}, {"state", PartStateName(status.state)}};
  if (status.state == PartState::kFinished) {
    if (status.error.empty()) {
      json["result"] = Json::parse(exec::ToJson(status.result), nullptr, false);
    } else {
      json["error"] = status.error;
    }
  }
  return json;
}

std::string Join(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

Result<PartStatus> PartFromJson(const Json& json, const std::string& where) {
  if (!json.is_object()) return Status::Invalid(where, "must be an object");
  PartStatus status;
  auto id = json.find("job_id");
  if (id == json.end() || !id->is_number_integer() || id->get<int64_t>() < 1) {
    return Status::Invalid(Join(where, "job_id"), "must be a positive integer");
  }
  status.job_id = id->get<int64_t>();
  Result<std::string> state = StringField(json, "state", true);
  if (!state.ok()) return Status::Invalid(Join(where, "state"), state.status().message());
  if (*state == "running") {
    status.state = PartState::kRunning;
  } else if (*state == "finished") {
    status.state = PartState::kFinished;
  } else if (*state == "unknown") {
    status.state = PartState::kUnknown;
  } else {
    return Status::Invalid(Join(where, "state"), "must be running, finished or unknown");
  }
  if (status.state != PartState::kFinished) return status;
  if (auto result = json.find("result"); result != json.end()) {
    Result<exec::ShimResult> parsed = exec::ShimResultFromJson(result->dump());
    if (!parsed.ok()) return parsed.status().WithPrefix(Join(where, "result"));
    status.result = *parsed;
    return status;
  }
  Result<std::string> error = StringField(json, "error", true);
  if (!error.ok()) return Status::Invalid(where, "a finished part needs a result or an error");
  status.error = error->empty() ? "no result" : *error;
  return status;
}

}  // namespace

const char* PartStateName(PartState state) {
  switch (state) {
    case PartState::kRunning:
      return "running";
    case PartState::kFinished:
      return "finished";
    case PartState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string ToJson(const Registration& registration) {
  Json json = {{"name", registration.name},
               {"url", registration.url},
               {"boot_id", registration.boot_id},
               {"topology", registration.topology}};
  if (!registration.facts.empty()) json["facts"] = registration.facts;
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Registration> RegistrationFromJson(std::string_view text) {
  Result<Json> json = ParseObject(text);
  if (!json.ok()) return json.status();
  Registration registration;
  for (auto [key, field] :
       {std::pair{"name", &registration.name}, std::pair{"url", &registration.url},
        std::pair{"boot_id", &registration.boot_id},
        std::pair{"topology", &registration.topology}}) {
    Result<std::string> value = StringField(*json, key, true);
    if (!value.ok()) return value.status();
    if (value->empty()) return Status::Invalid(key, "must not be empty");
    *field = *value;
  }
  Result<std::string> facts = StringField(*json, "facts", false);
  if (!facts.ok()) return facts.status();
  registration.facts = *facts;
  return registration;
}

std::string ToJson(const PartStatus& status) {
  return PartJson(status).dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<PartStatus> PartStatusFromJson(std::string_view text) {
  Result<Json> json = ParseObject(text);
  if (!json.ok()) return json.status();
  Result<PartStatus> status = PartFromJson(*json, "");
  if (!status.ok()) return status.status();
  return status;
}

std::string ToJson(const FinishedBatch& batch) {
  Json parts = Json::array();
  for (const PartStatus& part : batch.parts) parts.push_back(PartJson(part));
  Json json = {{"next", batch.next}, {"parts", std::move(parts)}};
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<FinishedBatch> FinishedBatchFromJson(std::string_view text) {
  Result<Json> json = ParseObject(text);
  if (!json.ok()) return json.status();
  FinishedBatch batch;
  auto next = json->find("next");
  if (next == json->end() || !next->is_number_integer()) {
    return Status::Invalid("next", "must be an integer");
  }
  batch.next = next->get<int64_t>();
  auto parts = json->find("parts");
  if (parts == json->end() || !parts->is_array()) {
    return Status::Invalid("parts", "must be an array");
  }
  for (size_t i = 0; i < parts->size(); ++i) {
    Result<PartStatus> part = PartFromJson((*parts)[i], "parts[" + std::to_string(i) + "]");
    if (!part.ok()) return part.status();
    batch.parts.push_back(*part);
  }
  return batch;
}

}  // namespace converge::agent
