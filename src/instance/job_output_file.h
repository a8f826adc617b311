// Opening a job's output file for the instance to read back (`converge logs`, the output
// route), with the rights that may read it.
//
// The instance may be root while the job's path was named by its user: reading it as root
// would hand the user any file (`--output /etc/shadow`, then `converge logs`). So a path the
// job named is opened with the rights of the job's user (exec::FsIdentity); only the job's
// own default file in the instance's output folder, which the shim created, is opened with the
// instance's rights, never through a link. Plain function; the caller's thread only changes
// identity for the duration of the open.
#pragma once

#include <string>

#include "common/status.h"
#include "store/job_record.h"

namespace converge::instance {

struct JobOutputAccess {
  std::string output_dir;    // the instance's default output folder (STATE/output)
  bool as_job_user = false;  // the instance runs tasks as their users (it is root)
};

// Opens `path` (the job's stdout or stderr path, from `record`) read-only, non-blocking,
// close-on-exec; returns the descriptor, which the caller closes. Errors: kNotFound when there
// is no file yet; kPermissionDenied when the job's user may not read it (or it is the default
// file and not a regular file); kInternal otherwise.
Result<int> OpenJobOutput(const store::JobRecord& record, const std::string& path,
                          const JobOutputAccess& access);

}  // namespace converge::instance
