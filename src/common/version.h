// converge's version: what /v1/status, /metrics and provenance records report.
#pragma once

namespace converge {

inline constexpr const char* kConvergeVersion = "0.1.0";

}  // namespace converge
