// How `converge show --provenance` and `converge provenance diff` print (docs/provenance.md).
// Pure: JSON in, text out.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "provenance/diff.h"

namespace converge::cli {

// GET /v1/jobs/ID/provenance as aligned "field  value" lines: the run, then each node.
std::string FormatProvenance(const nlohmann::json& record);

// The fields two records differ in (nothing of the job's own identity: id, time recorded);
// the paths are those of the API's JSON.
std::vector<provenance::Difference> ProvenanceDifferences(const nlohmann::json& before,
                                                          const nlohmann::json& after);

// "FIELD  BEFORE -> AFTER" lines under a header naming jobs `a` and `b`, or a line saying
// they do not differ. Environment variables are shown as set, changed or unset: their
// values are never in a record.
std::string FormatDifferences(int64_t a, int64_t b,
                              const std::vector<provenance::Difference>& differences);

}  // namespace converge::cli
