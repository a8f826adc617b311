#include "instance/job_output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "exec/fs_identity.h"
#include "instance/job_request.h"
#include "instance/users.h"

namespace converge::instance {

Result<int> OpenJobOutput(const store::JobRecord& record, const std::string& path,
                          const JobOutputAccess& access) {
  const bool instance_file = IsDefaultOutputPath(access.output_dir, record.id, path);
  std::optional<exec::FsIdentity> as_user;
  if (!instance_file && access.as_job_user && record.uid > 0) {
    const int64_t gid = UserGroup(record.uid);
    if (gid < 0) {
      return Status(Code::kPermissionDenied,
                    "the job's user (uid " + std::to_string(record.uid) + ") is unknown", path);
    }
    std::vector<gid_t> groups;
    for (int64_t group : UserGroups(record.uid)) groups.push_back(static_cast<gid_t>(group));
    Result<exec::FsIdentity> assumed =
        exec::FsIdentity::Assume(static_cast<uid_t>(record.uid), static_cast<gid_t>(gid), groups);
    if (!assumed.ok()) return assumed.status();
    as_user.emplace(std::move(assumed).value());
  }
  int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  if (instance_file) flags |= O_NOFOLLOW;
  const int fd = ::open(path.c_str(), flags);
  as_user.reset();
  if (fd < 0) {
    const int error = errno;
    const Code code = error == ENOENT ? Code::kNotFound
                      : error == EACCES || error == EPERM || error == ELOOP
                          ? Code::kPermissionDenied
                          : Code::kInternal;
    return Status(code, std::string("cannot read the output: ") + std::strerror(error), path);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return Status(Code::kPermissionDenied, "the output is not a regular file; not read", path);
  }
  return fd;
}

}  // namespace converge::instance
