// The routes of `converge-ml serve` (GET /healthz, POST /api/train|predict|observe,
// GET /api/metrics) over a WallTimeModel. The wire format is in ml_json.h and README.md.
//
// Every handler answers synchronously; bad bodies get 400 {"error":"FIELD: what","field":..},
// /api/predict before any training 409. Testable without sockets: call Router::Dispatch.
#pragma once

#include "api/router.h"
#include "examples/ml-workflow/wall_time_model.h"

namespace converge::ml {

// REQUIRES: `model` outlives the router and is only used on the thread that dispatches.
api::Router MakeMlRouter(WallTimeModel& model);

}  // namespace converge::ml
