// RidgeModel: linear ridge regression fitted in closed form.
//
// Minimises sum_i (y_i - w.x_i)^2 + lambda * sum_{j>=1} w_j^2 by solving the normal equations
// (X^T X + lambda * D) w = X^T y with a Cholesky factorisation, where D is the identity
// except D_00 = 0: column 0 is the intercept and is not penalised. Meant for a handful of
// features (the solve is O(n k^2 + k^3) for n rows of k features). A plain value type:
// immutable once fitted, safe to copy and to share between threads for reading.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"

namespace converge::ml {

struct RidgeOptions {
  double lambda = 1e-3;  // penalty on every weight but the intercept; must be > 0
};

class RidgeModel {
 public:
  // Fits weights to `rows` (each row a feature vector whose element 0 is the constant 1) and
  // `targets`. Errors: kInvalidArgument when there are no rows, the rows differ in length,
  // rows and targets differ in count, a value is not finite, or lambda <= 0.
  static Result<RidgeModel> Fit(std::span<const std::vector<double>> rows,
                                std::span<const double> targets, RidgeOptions options = {});

  // w.row. REQUIRES: row.size() == weights().size().
  double Predict(std::span<const double> row) const;

  const std::vector<double>& weights() const { return weights_; }

 private:
  explicit RidgeModel(std::vector<double> weights) : weights_(std::move(weights)) {}
  std::vector<double> weights_;
};

}  // namespace converge::ml
