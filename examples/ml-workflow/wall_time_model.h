// WallTimeModel: predicts a simulation's wall time from its box size and rank count.
//
// Holds the training samples and the test observations the service has received, and a
// RidgeModel refitted on every Train(). The regression target is log(seconds) and the features
// are DesignRow() below (see README.md for why). Not thread-safe: the server calls it from its
// single io_context thread.
#pragma once

#include <optional>
#include <vector>

#include "common/status.h"
#include "examples/ml-workflow/ridge_model.h"

namespace converge::ml {

// What the model knows about one simulation. REQUIRES (checked by the JSON adapter): every
// field >= 1 and finite.
struct SimFeatures {
  double x = 1;      // box size along x, in lattice units
  double y = 1;      // along y
  double z = 1;      // along z
  double ranks = 1;  // MPI ranks
};

struct TrainingSample {
  SimFeatures features;
  double seconds = 0;  // measured wall time; REQUIRES > 0
};

struct Observation {
  SimFeatures features;
  double predicted = 0;  // seconds the service predicted before the run
  double actual = 0;     // seconds the run took
};

// Everything GET /api/metrics reports. Optional numbers are absent when undefined (no data,
// or no variance in the actual values).
struct ModelMetrics {
  size_t train_samples = 0;
  std::optional<double> train_r2;  // on seconds (not log seconds), over the training samples
  size_t test_count = 0;
  std::optional<double> test_mae;  // seconds
  std::optional<double> test_r2;
  std::vector<Observation> observations;  // in arrival order
};

// The regression row [1, ln V, (ln V)^2, ln ranks, ln V * ln ranks] with V = x*y*z.
std::vector<double> DesignRow(const SimFeatures& features);

class WallTimeModel {
 public:
  explicit WallTimeModel(RidgeOptions options = {}) : options_(options) {}

  // Appends `samples` to the training set and refits on all of them. On error the model and
  // the training set are unchanged. Errors: kInvalidArgument from RidgeModel::Fit.
  Status Train(const std::vector<TrainingSample>& samples);

  // Predicted seconds. Errors: kWait when nothing was trained yet.
  Result<double> Predict(const SimFeatures& features) const;

  void Observe(const Observation& observation) { observations_.push_back(observation); }

  ModelMetrics Metrics() const;
  size_t train_samples() const { return samples_.size(); }
  size_t test_count() const { return observations_.size(); }

 private:
  RidgeOptions options_;
  std::vector<TrainingSample> samples_;
  std::vector<Observation> observations_;
  std::optional<RidgeModel> fit_;
};

}  // namespace converge::ml
