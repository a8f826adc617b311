// Fuzzes the JGF reader: it must never crash, hang or leak on any input, and every graph it
// accepts must be written and re-read to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/check.h"
#include "resource/readers/jgf.h"
#include "resource/writers/jgf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace converge::resource;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  converge::Result<Graph> graph = ReadJgf(text);
  if (!graph.ok()) return 0;
  std::string jgf = WriteJgf(*graph);
  converge::Result<Graph> reread = ReadJgf(jgf);
  CHECK(reread.ok(), "written JGF must read back: " + reread.status().ToString());
  CHECK(WriteJgf(*reread) == jgf, "JGF round trip must be byte-identical");
  return 0;
}
