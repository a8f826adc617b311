// What an object shows to viewers other than its owner: its document without the environment
// its tasks get (values may be credentials). Pure.
#pragma once

#include <nlohmann/json.hpp>

namespace converge::workload {

// `document` (a workload object as JSON: apiVersion, kind, metadata, spec, status) with every
// `env` field under `spec` removed, at any depth: a Service's spec.env, a JobSet's
// spec.replicatedJobs[*].template.task.env, and those of kinds to come. Anything that is not
// an object with a `spec` object is returned unchanged.
nlohmann::json WithoutEnvironment(nlohmann::json document);

}  // namespace converge::workload
