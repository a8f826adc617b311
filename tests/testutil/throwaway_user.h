// ThrowawayUser: a local user created for one multi-user test and removed after it.
//
// Multi-user tests run as root and act as another, unprivileged user: submitting jobs, reading
// logs, trying to reach what is not theirs. The user has no home and no password; its name is
// unique per object, so a test may hold several. The converge binary under test may sit in a
// private folder (a mktemp clone is 0700), so RunConverge uses a copy of it in a folder every
// user can enter, made at its first call. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "tests/testutil/instance_launcher.h"
#include "tests/testutil/run_command.h"

namespace converge::testutil {

class ThrowawayUser {
 public:
  // Creates the user (useradd). When that is impossible (not root, no useradd), ok() is false
  // and skip_reason() says why: the test should GTEST_SKIP() with it.
  ThrowawayUser();
  ~ThrowawayUser();  // userdel; the binary's copy is removed
  ThrowawayUser(const ThrowawayUser&) = delete;
  ThrowawayUser& operator=(const ThrowawayUser&) = delete;

  bool ok() const { return ok_; }
  const std::string& skip_reason() const { return skip_reason_; }
  const std::string& name() const { return name_; }
  uid_t uid() const { return uid_; }
  gid_t gid() const { return gid_; }

  // Runs `argv` (argv[0] looked up in PATH) as this user, without supplementary groups.
  CommandResult Run(const std::vector<std::string>& argv, const std::string& input = "") const;
  // Runs `converge ARGS` as this user against `instance` (CONVERGE_URI set). The folders above
  // the instance's socket are made passable (0711) for others, as a center's would be.
  CommandResult RunConverge(const InstanceLauncher& instance, const std::vector<std::string>& args,
                            const std::string& input = "") const;
  // The argv that RunConverge runs (setpriv … converge ARGS), for a command that keeps running
  // (start it with ChildProcess). Empty, with `error` set, when the binary cannot be copied.
  std::vector<std::string> ConvergeArgv(const InstanceLauncher& instance,
                                        const std::vector<std::string>& args,
                                        std::string* error) const;

 private:
  // `argv` behind the setpriv prefix that runs it as this user, without supplementary groups.
  std::vector<std::string> AsThisUser(const std::vector<std::string>& argv) const;

  bool ok_ = false;
  std::string skip_reason_;
  std::string name_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  mutable std::string binary_dir_;  // holds the copy of the converge binary (made when needed)
};

// Gives every folder from `path`'s parent up to / the search bit for others (o+x), so that
// another user may reach `path` (and nothing more: no read bit is added).
void OpenPathForOthers(const std::string& path);

}  // namespace converge::testutil
