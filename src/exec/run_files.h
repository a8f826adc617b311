// The files of one job in the instance's run folder, and the small file helpers that the shim
// and the LocalExecutor both use to read and write them (docs/formats/shim.md).
//
// All helpers take a directory descriptor (`dir_fd`, or AT_FDCWD with absolute names) so the
// shim keeps working after it changed its working directory. Plain functions; thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace converge::exec {

std::string SpecFileName(int64_t job_id);     // "ID.spec.json"   (instance -> shim)
std::string LockFileName(int64_t job_id);     // "ID.lock"        (flock + holder's pid)
std::string ResultFileName(int64_t job_id);   // "ID.result.json" (shim -> instance)
std::string ShimLogFileName(int64_t job_id);  // "ID.shim.log"    (shim's stderr, optional)

// "No such file or directory" for ENOENT; thread-safe (no strerror buffer).
std::string ErrnoText(int error);

// Milliseconds since the epoch (CLOCK_REALTIME), the unit of deadlines and results.
int64_t EpochMs();

// The whole content of `name`. Errors: kNotFound when it does not exist, else kInternal with
// the errno text; `where` is the name.
Result<std::string> ReadFileAt(int dir_fd, const std::string& name);

// Replaces `name` atomically: writes `name`.tmp (mode 0600), fsyncs it when `sync`, then
// renames it over `name`. Readers see the old content or the whole new one, never a part.
Status WriteFileAtomicAt(int dir_fd, const std::string& name, std::string_view data, bool sync);

// Opens (creating, 0600) the lock file of `job_id`, close-on-exec. Returns the fd or -errno.
int OpenLockAt(int dir_fd, int64_t job_id);
// Whether `lock_fd` is still the file named ID.lock. After taking the lock, the holder must
// check this: if the file was removed (Forget) or replaced meanwhile, the lock guards nothing
// (another process may hold the lock of the new file) and must not be used.
bool LockIsCurrent(int dir_fd, int64_t job_id, int lock_fd);
// Replaces the lock file's content with "PID\n". Returns 0 or errno.
int WriteLockPid(int lock_fd, pid_t pid);
// The pid the lock holder wrote, or 0 when the file holds none (yet).
pid_t ReadLockPid(int lock_fd);

}  // namespace converge::exec
