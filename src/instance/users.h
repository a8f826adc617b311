// Users of this machine, looked up in the passwd database.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace converge::instance {

// The login name of `uid`, or the number as text when it has none.
std::string UserName(int64_t uid);
// The uid of `name` (a login name or a number), or -1.
int64_t UserId(const std::string& name);
// The primary group of `uid`, or -1.
int64_t UserGroup(int64_t uid);
// The groups of `uid` (its primary group and the supplementary ones, from the group
// database), or empty when the user is unknown.
std::vector<int64_t> UserGroups(int64_t uid);
// The home directory of `uid`, or "/".
std::string UserHome(int64_t uid);

}  // namespace converge::instance
