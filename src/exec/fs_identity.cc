#include "exec/fs_identity.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "exec/run_files.h"

namespace converge::exec {
namespace {

// setfsuid/setfsgid return the previous value and report no error: a second call with -1
// (invalid, so nothing changes) returns the value in force.
uid_t CurrentFsUid() { return static_cast<uid_t>(::syscall(SYS_setfsuid, -1)); }
gid_t CurrentFsGid() { return static_cast<gid_t>(::syscall(SYS_setfsgid, -1)); }

bool SetGroups(const std::vector<gid_t>& groups) {
  return ::syscall(SYS_setgroups, groups.size(), groups.empty() ? nullptr : groups.data()) == 0;
}

}  // namespace

Result<FsIdentity> FsIdentity::Assume(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
  FsIdentity identity;
  if (::geteuid() != 0) {
    if (uid == ::geteuid()) return identity;  // already that user: nothing to switch
    return Status(Code::kPermissionDenied,
                  "only root may act as uid " + std::to_string(uid) + " on the file system");
  }
  identity.saved_uid_ = CurrentFsUid();
  identity.saved_gid_ = CurrentFsGid();
  const int count = ::getgroups(0, nullptr);
  if (count > 0) {
    identity.saved_groups_.resize(static_cast<size_t>(count));
    if (::getgroups(count, identity.saved_groups_.data()) != count) {
      return Status(Code::kInternal, "getgroups: " + ErrnoText(errno));
    }
  }
  identity.active_ = true;
  const std::vector<gid_t> wanted = groups.empty() ? std::vector<gid_t>{gid} : groups;
  // Groups first and uid last: once the fsuid is not 0, the thread may not change groups.
  if (!SetGroups(wanted)) {
    const int error = errno;
    identity.Restore();
    return Status(Code::kInternal, "setgroups: " + ErrnoText(error));
  }
  ::syscall(SYS_setfsgid, gid);
  ::syscall(SYS_setfsuid, uid);
  if (CurrentFsGid() != gid || CurrentFsUid() != uid) {
    identity.Restore();
    return Status(Code::kInternal, "cannot act as uid " + std::to_string(uid) + " gid " +
                                       std::to_string(gid) + " on the file system");
  }
  return identity;
}

FsIdentity::FsIdentity(FsIdentity&& other) noexcept
    : active_(std::exchange(other.active_, false)),
      saved_uid_(other.saved_uid_),
      saved_gid_(other.saved_gid_),
      saved_groups_(std::move(other.saved_groups_)) {}

FsIdentity::~FsIdentity() { Restore(); }

void FsIdentity::Restore() {
  if (!active_) return;
  active_ = false;
  ::syscall(SYS_setfsuid, saved_uid_);
  ::syscall(SYS_setfsgid, saved_gid_);
  SetGroups(saved_groups_);
  // Restoring our own identity cannot fail for root; if it ever did, carrying on with another
  // user's rights (or root's in the wrong place) would be worse than stopping.
  CHECK(CurrentFsUid() == saved_uid_ && CurrentFsGid() == saved_gid_,
        "FsIdentity: cannot restore the thread's file-system identity");
}

}  // namespace converge::exec
