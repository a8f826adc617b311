#include "instance/users.h"

#include <grp.h>
#include <pwd.h>

#include <cstdlib>
#include <vector>

namespace converge::instance {
namespace {

// Calls `use` with the passwd entry of `uid`, if there is one.
template <typename Use>
bool WithEntry(int64_t uid, Use use) {
  struct passwd entry;
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (getpwuid_r(static_cast<uid_t>(uid), &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr) {
    return false;
  }
  use(*found);
  return true;
}

}  // namespace

std::string UserName(int64_t uid) {
  std::string name = std::to_string(uid);
  WithEntry(uid, [&](const passwd& entry) { name = entry.pw_name; });
  return name;
}

int64_t UserId(const std::string& name) {
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
    return std::strtoll(name.c_str(), nullptr, 10);
  }
  struct passwd entry;
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr) {
    return -1;
  }
  return found->pw_uid;
}

int64_t UserGroup(int64_t uid) {
  int64_t gid = -1;
  WithEntry(uid, [&](const passwd& entry) { gid = entry.pw_gid; });
  return gid;
}

std::vector<int64_t> UserGroups(int64_t uid) {
  std::vector<int64_t> groups;
  WithEntry(uid, [&](const passwd& entry) {
    int count = 64;
    std::vector<gid_t> found(static_cast<size_t>(count));
    while (::getgrouplist(entry.pw_name, entry.pw_gid, found.data(), &count) < 0) {
      if (count > 65536) return;  // not a real group list: the primary group alone
      found.resize(static_cast<size_t>(count));
    }
    groups.assign(found.begin(), found.begin() + count);
  });
  return groups;
}

std::string UserHome(int64_t uid) {
  std::string home = "/";
  WithEntry(uid, [&](const passwd& entry) { home = entry.pw_dir; });
  return home;
}

}  // namespace converge::instance
