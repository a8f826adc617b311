#include "examples/ml-workflow/wall_time_model.h"

#include <cmath>

#include "examples/ml-workflow/fit_metrics.h"

namespace converge::ml {

std::vector<double> DesignRow(const SimFeatures& features) {
  const double log_volume = std::log(features.x * features.y * features.z);
  const double log_ranks = std::log(features.ranks);
  return {1.0, log_volume, log_volume * log_volume, log_ranks, log_volume * log_ranks};
}

Status WallTimeModel::Train(const std::vector<TrainingSample>& samples) {
  std::vector<TrainingSample> all = samples_;
  all.insert(all.end(), samples.begin(), samples.end());
  std::vector<std::vector<double>> rows;
  std::vector<double> targets;
  for (const TrainingSample& sample : all) {
    rows.push_back(DesignRow(sample.features));
    targets.push_back(std::log(sample.seconds));
  }
  Result<RidgeModel> fit = RidgeModel::Fit(rows, targets, options_);
  if (!fit.ok()) return fit.status();
  samples_ = std::move(all);
  fit_ = std::move(*fit);
  return Status::Ok();
}

Result<double> WallTimeModel::Predict(const SimFeatures& features) const {
  if (!fit_) return Status(Code::kWait, "no training sample yet: POST /api/train first");
  return std::exp(fit_->Predict(DesignRow(features)));
}

ModelMetrics WallTimeModel::Metrics() const {
  ModelMetrics metrics;
  metrics.train_samples = samples_.size();
  if (fit_) {
    std::vector<double> actual;
    std::vector<double> predicted;
    for (const TrainingSample& sample : samples_) {
      actual.push_back(sample.seconds);
      predicted.push_back(std::exp(fit_->Predict(DesignRow(sample.features))));
    }
    metrics.train_r2 = RSquared(actual, predicted);
  }
  std::vector<double> actual;
  std::vector<double> predicted;
  for (const Observation& observation : observations_) {
    actual.push_back(observation.actual);
    predicted.push_back(observation.predicted);
  }
  metrics.test_count = observations_.size();
  metrics.test_mae = MeanAbsoluteError(actual, predicted);
  metrics.test_r2 = RSquared(actual, predicted);
  metrics.observations = observations_;
  return metrics;
}

}  // namespace converge::ml
