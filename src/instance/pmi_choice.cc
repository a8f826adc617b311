#include "instance/pmi_choice.h"

#include <algorithm>
#include <utility>

namespace converge::instance {

bool NamesPmi(const jobspec::SystemAttributes& system) {
  const nlohmann::json* node = &system.extra;
  for (const char* step : {"shell", "options", "pmi"}) {
    if (!node->is_object() || !node->contains(step)) return false;
    node = &(*node)[step];
  }
  return true;
}

std::vector<std::string> PmiServers(std::vector<std::string> chosen, bool names_pmi,
                                    size_t task_count, bool pmix_default) {
  if (!names_pmi && pmix_default && task_count > 1 &&
      std::find(chosen.begin(), chosen.end(), "pmix") == chosen.end()) {
    chosen.push_back("pmix");
  }
  return chosen;
}

}  // namespace converge::instance
