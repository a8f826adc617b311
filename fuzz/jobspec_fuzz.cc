// libFuzzer target: Parse() in both modes must never crash, hang or leak; whatever parses must
// round-trip through ToYaml() and ToJson() to an equal Jobspec.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "jobspec/parse.h"
#include "jobspec/write.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using converge::jobspec::Jobspec;
  using converge::jobspec::ParseOptions;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool v1 : {false, true}) {
    ParseOptions options;
    options.v1 = v1;
    // Smaller expansion caps than the defaults keep each run cheap under ASan (a near-cap
    // alias bomb re-read in canonical form costs ~0.7 GB with the default caps); the code
    // paths are the same.
    options.max_nodes = 20000;
    options.max_expanded_bytes = 1 << 20;
    converge::Result<Jobspec> spec = converge::jobspec::Parse(text, options);
    if (!spec.ok()) continue;
    // Aliases may expand a small input past max_bytes once written out canonically.
    ParseOptions reread = options;
    reread.max_bytes = reread.max_expanded_bytes * 4;
    converge::Result<Jobspec> again =
        converge::jobspec::Parse(converge::jobspec::ToYaml(*spec), reread);
    if (!again.ok() || !(*again == *spec)) std::abort();
    converge::Result<Jobspec> from_json =
        converge::jobspec::Parse(converge::jobspec::ToJson(*spec).dump(), reread);
    if (!from_json.ok() || !(*from_json == *spec)) std::abort();
  }
  return 0;
}
