// FsIdentity: the calling thread acts on the file system as another user for a while.
//
// A root process that opens, creates or reads a path *for* a user must do it with that user's
// rights, or the user reaches what only root may (`--output /etc/cron.d/x`, `converge logs` of
// /root/secret). FsIdentity switches the calling thread's file-system uid and gid (setfsuid,
// setfsgid) and its supplementary groups, so that the kernel checks every path lookup, open,
// create and chdir as that user: files created meanwhile belong to the user, links are followed
// with the user's rights, and root's capabilities to bypass permissions are not in effect. The
// destructor restores the thread's own identity. Raw system calls, so that only the calling
// thread changes (glibc would change every thread's groups); other threads keep root's rights.
//
// Only meaningful in a process whose effective uid is 0; elsewhere Assume() of another user
// fails (kPermissionDenied) and Assume() of the process's own user is a no-op. Not copyable;
// movable. Destroy it on the thread that made it.
#pragma once

#include <sys/types.h>

#include <vector>

#include "common/status.h"

namespace converge::exec {

class FsIdentity {
 public:
  // Switches to `uid`, `gid` and `groups` (empty: gid alone). Errors: kPermissionDenied when
  // the process may not (not root), kInternal when a call fails (the thread is restored).
  static Result<FsIdentity> Assume(uid_t uid, gid_t gid, const std::vector<gid_t>& groups);

  FsIdentity(FsIdentity&& other) noexcept;
  FsIdentity& operator=(FsIdentity&&) = delete;
  FsIdentity(const FsIdentity&) = delete;
  FsIdentity& operator=(const FsIdentity&) = delete;
  ~FsIdentity();

 private:
  FsIdentity() = default;
  void Restore();

  bool active_ = false;
  uid_t saved_uid_ = 0;
  gid_t saved_gid_ = 0;
  std::vector<gid_t> saved_groups_;
};

}  // namespace converge::exec
