#include "examples/ml-workflow/ridge_model.h"

#include <cmath>
#include <string>

namespace converge::ml {
namespace {

using Matrix = std::vector<std::vector<double>>;

// Solves A w = b for a symmetric positive definite A (Cholesky, A = L L^T).
// Errors: kInvalidArgument when A is not positive definite (numerically).
Result<std::vector<double>> SolveSpd(Matrix a, std::vector<double> b) {
  const size_t k = b.size();
  Matrix lower(k, std::vector<double>(k, 0.0));
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j <= i; ++j) {
      double sum = a[i][j];
      for (size_t m = 0; m < j; ++m) sum -= lower[i][m] * lower[j][m];
      if (i == j) {
        if (!(sum > 0.0)) {
          return Status::Invalid("features", "the normal equations are singular");
        }
        lower[i][i] = std::sqrt(sum);
      } else {
        lower[i][j] = sum / lower[j][j];
      }
    }
  }
  for (size_t i = 0; i < k; ++i) {  // forward: L z = b
    for (size_t m = 0; m < i; ++m) b[i] -= lower[i][m] * b[m];
    b[i] /= lower[i][i];
  }
  for (size_t i = k; i-- > 0;) {  // backward: L^T w = z
    for (size_t m = i + 1; m < k; ++m) b[i] -= lower[m][i] * b[m];
    b[i] /= lower[i][i];
  }
  return b;
}

Status CheckInputs(std::span<const std::vector<double>> rows, std::span<const double> targets,
                   const RidgeOptions& options) {
  if (!(options.lambda > 0.0)) return Status::Invalid("lambda", "must be > 0");
  if (rows.empty()) return Status::Invalid("rows", "need at least one row");
  if (rows.size() != targets.size()) {
    return Status::Invalid("targets", "need one target per row");
  }
  const size_t k = rows[0].size();
  if (k == 0) return Status::Invalid("rows[0]", "need at least one feature");
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string where = "rows[" + std::to_string(i) + "]";
    if (rows[i].size() != k) return Status::Invalid(where, "all rows need the same length");
    for (double value : rows[i]) {
      if (!std::isfinite(value)) return Status::Invalid(where, "values must be finite");
    }
    if (!std::isfinite(targets[i])) {
      return Status::Invalid("targets[" + std::to_string(i) + "]", "must be finite");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<RidgeModel> RidgeModel::Fit(std::span<const std::vector<double>> rows,
                                   std::span<const double> targets, RidgeOptions options) {
  CONVERGE_RETURN_IF_ERROR(CheckInputs(rows, targets, options));
  const size_t k = rows[0].size();
  Matrix gram(k, std::vector<double>(k, 0.0));
  std::vector<double> moment(k, 0.0);
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t a = 0; a < k; ++a) {
      moment[a] += rows[i][a] * targets[i];
      for (size_t b = 0; b < k; ++b) gram[a][b] += rows[i][a] * rows[i][b];
    }
  }
  for (size_t a = 1; a < k; ++a) gram[a][a] += options.lambda;
  Result<std::vector<double>> weights = SolveSpd(std::move(gram), std::move(moment));
  if (!weights.ok()) return weights.status();
  return RidgeModel(std::move(*weights));
}

double RidgeModel::Predict(std::span<const double> row) const {
  CHECK(row.size() == weights_.size(), "RidgeModel::Predict: row length != weight count");
  double sum = 0.0;
  for (size_t j = 0; j < row.size(); ++j) sum += weights_[j] * row[j];
  return sum;
}

}  // namespace converge::ml
