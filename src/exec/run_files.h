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
std::string PmixFolderName(int64_t job_id);   // "ID.pmix"        (PMIx server files, a folder)

// "No such file or directory" for ENOENT; thread-safe (no strerror buffer).
std::string ErrnoText(int error);

// Milliseconds since the epoch (CLOCK_REALTIME), the unit of deadlines and results.
int64_t EpochMs();

// The run folder's trust rule: a folder we may trust with job specs is a real directory (not
// a link), owned by the calling process's effective uid, with mode exactly 0700. Anything
// else could have been prepared, read or changed by another user.
//
// Opens `path` as a run folder (O_PATH|O_DIRECTORY|O_NOFOLLOW) and checks the rule on the
// opened descriptor (no race with a rename). Returns the descriptor (the caller closes it).
// Errors: kNotFound when it does not exist; kPermissionDenied, naming what is wrong, when it
// breaks the rule; kInternal otherwise.
Result<int> OpenRunFolder(const std::string& path);

// Creates a new run folder `prefix`XXXXXX (mkdtemp: a fresh, unpredictable name, mode 0700)
// and returns its path. The parent may be shared (/dev/shm): the name is never reused.
Result<std::string> CreateRunFolder(const std::string& prefix);

// The shims' run folder of the state folder `state` (an instance's or an agent's). Its files
// only matter while the machine is up (they tie running jobs to their shims across restarts),
// so it lives in tmpfs when there is one: creating, syncing and deleting a few files per job
// there costs far less than on a disk file system. STATE/run records it: a link to a folder
// made with CreateRunFolder in /dev/shm, or the folder itself. A restart uses the recorded
// folder only while it passes the trust rule (OpenRunFolder); otherwise (gone after a reboot,
// or not ours) a new one is made, and jobs whose shims lived in the old one are lost, never
// run from a folder someone else could have prepared. Errors name the path.
Result<std::string> PrepareRunFolder(const std::string& state);

// At a clean exit: removes `run_dir` (what PrepareRunFolder(state) returned) and its record
// when no job's files are left in it; otherwise keeps both for the next start.
void ReleaseRunFolder(const std::string& state, const std::string& run_dir);

// The whole content of `name`, which must be a regular file, not a link (O_NOFOLLOW), and no
// longer than `max_bytes`. When `trusted` is set it must also be owned by the effective uid,
// writable by nobody else, and have a single link (so that nobody else made or changed it).
// Errors: kNotFound when it does not exist; kPermissionDenied when a rule is broken; else
// kInternal with the errno text; `where` is the name.
Result<std::string> ReadFileAt(int dir_fd, const std::string& name, bool trusted = false,
                               size_t max_bytes = size_t{64} << 20);

// Replaces `name` atomically: writes a new `name`.tmp (O_EXCL|O_NOFOLLOW, mode 0600; a stale
// one from a crash is removed first), fsyncs it when `sync`, then renames it over `name`.
// Readers see the old content or the whole new one, never a part.
Status WriteFileAtomicAt(int dir_fd, const std::string& name, std::string_view data, bool sync);

// Opens (creating, 0600) the lock file of `job_id`, close-on-exec, never through a link; it
// must be a regular file owned by the effective uid. Returns the fd or -errno (-EPERM when
// the file breaks that rule).
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
