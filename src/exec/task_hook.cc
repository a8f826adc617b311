#include "exec/task_hook.h"

namespace converge::exec {

void SetVariable(std::vector<std::string>& env, const std::string& variable) {
  const std::string key = variable.substr(0, variable.find('=') + 1);
  for (std::string& entry : env) {
    if (entry.compare(0, key.size(), key) == 0) {
      entry = variable;
      return;
    }
  }
  env.push_back(variable);
}

}  // namespace converge::exec
