#include "metrics/histogram.h"

#include <gtest/gtest.h>

#include <cmath>

namespace converge::metrics {
namespace {

TEST(HistogramTest, BoundsAreInclusiveAndTheLastBucketTakesTheRest) {
  Histogram histogram({1, 2, 4});
  for (double value : {0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 9.0, -1.0}) histogram.Observe(value);
  EXPECT_EQ(histogram.bucket_counts(), (std::vector<uint64_t>{3, 2, 2, 1}));
  EXPECT_EQ(histogram.count(), 8u);
  EXPECT_DOUBLE_EQ(histogram.sum(), 20.0);
}

TEST(HistogramTest, NanIsNotCounted) {
  Histogram histogram({1});
  histogram.Observe(std::nan(""));
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.sum(), 0.0);
}

TEST(HistogramTest, BucketSetsAscend) {
  EXPECT_EQ(ExponentialBuckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  for (const std::vector<double>& bounds : {LatencyBuckets(), WaitBuckets()}) {
    for (size_t i = 1; i < bounds.size(); ++i) EXPECT_LT(bounds[i - 1], bounds[i]);
  }
  EXPECT_DOUBLE_EQ(LatencyBuckets().front(), 50e-6);
  EXPECT_GT(LatencyBuckets().back(), 50.0);
}

TEST(HistogramDeathTest, BoundsThatDoNotAscendAreAProgrammingError) {
  EXPECT_DEATH(Histogram({2, 1}), "ascend");
  EXPECT_DEATH(Histogram({1, INFINITY}), "finite");
}

}  // namespace
}  // namespace converge::metrics
