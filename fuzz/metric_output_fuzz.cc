// Every MetricSet plugin's Parse on arbitrary text: a benchmark's output is whatever the job
// printed, and the instance parses it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "benchmarks/metric.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const converge::benchmarks::Metric* metric : converge::benchmarks::AllMetrics()) {
    (void)metric->Parse(text);
  }
  return 0;
}
