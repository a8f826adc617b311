// Where the running binary is, for starting converge's own programs (converge-shim beside
// converge, `converge start --nested` inside jobs). Thread-safe.
#pragma once

#include <string>

namespace converge::exec {

// The absolute path of the running executable (/proc/self/exe), or "converge" if unknown.
std::string SelfExecutable();

// `name` in the running executable's folder (e.g. BesideSelf("converge-shim")), or `name`.
std::string BesideSelf(const std::string& name);

}  // namespace converge::exec
