// Fuzzes the cluster YAML reader: it must never crash, hang or leak on any input, and every
// graph it accepts must survive a JGF round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/check.h"
#include "resource/readers/cluster_yaml.h"
#include "resource/readers/jgf.h"
#include "resource/writers/jgf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace converge::resource;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  converge::Result<ClusterSpec> spec = ParseClusterSpec(text);
  if (!spec.ok()) return 0;
  // Keep iterations fast: skip expanding clusters the fuzzer inflated to millions of vertices.
  int64_t vertices = 1;
  for (const NodeTemplate& t : spec->nodes) vertices += t.count * t.VerticesPerNode();
  if (vertices > 200'000) return 0;
  converge::Result<Graph> graph = BuildClusterGraph(*spec);
  if (!graph.ok()) return 0;
  std::string jgf = WriteJgf(*graph);
  converge::Result<Graph> reread = ReadJgf(jgf);
  CHECK(reread.ok(),
        "JGF written from a cluster file must read back: " + reread.status().ToString());
  CHECK(WriteJgf(*reread) == jgf, "JGF round trip must be byte-identical");
  return 0;
}
