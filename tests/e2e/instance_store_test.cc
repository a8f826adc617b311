// Issue 9, items 8 and 10: the instance and its store under damage and a full disk.
//   - a state.db truncated to 0 bytes, or with flipped bytes, is refused at start with a
//     message that names the file and says what to do;
//   - a job never appends to another job's default output file;
//   - a full state folder degrades the instance (507 for new work, reads keep working) instead
//     of stopping it, and everything resumes, nothing lost, once space returns (root: tmpfs).
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/instance_test_support.h"

namespace converge::testutil {
namespace {

std::string TrueJobspec() {
  return R"({"version": 1, "resources": [{"type": "slot", "count": 1, "label": "task",
    "with": [{"type": "core", "count": 1}]}],
    "tasks": [{"command": ["true"], "slot": "task", "count": {"per_slot": 1}}],
    "attributes": {"system": {"duration": 60}}})";
}

void Overwrite(const std::string& path, off_t offset, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), offset), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

// Waits up to `seconds` until the instance's health says `status` ("ok", "degraded").
nlohmann::json WaitHealth(const InstanceLauncher& instance, const std::string& status,
                          double seconds = 30) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  nlohmann::json health;
  while (std::chrono::steady_clock::now() < deadline) {
    health = CallApi(instance, "GET", "/v1/health").body;
    if (health.is_object() && health.value("status", "") == status) return health;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return health;
}

// An instance that ran `jobs` jobs named `name` and was stopped: its state.db holds them.
void RunAndStop(InstanceLauncher& instance, int jobs, const std::string& name = "job") {
  ASSERT_TRUE(instance.Start()) << instance.log();
  for (int i = 0; i < jobs; ++i) {
    int64_t id = SubmitJob(instance, {"--job-name", name, "true"});
    EXPECT_EQ(WaitInactive(instance, id).value("result", ""), "completed");
  }
  ASSERT_TRUE(instance.Stop()) << instance.log();
}

void ExpectRefusedStart(InstanceLauncher& instance, const std::string& why) {
  EXPECT_FALSE(instance.Start()) << "the instance started on a damaged store";
  const std::string log = instance.log();
  EXPECT_NE(log.find(instance.state_dir() + "/state.db"), std::string::npos) << log;
  EXPECT_NE(log.find(why), std::string::npos) << log;
  EXPECT_NE(log.find("from a backup"), std::string::npos) << log;
  EXPECT_NE(log.find("move the state folder " + instance.state_dir() + " away"),
            std::string::npos)
      << log;
}

// Issue 9, item 10: truncated to 0 bytes, the store was taken for a new one: the instance
// started empty and reused job ids.
TEST(InstanceStoreTest, Issue9StartRefusesAStoreTruncatedToZeroBytes) {
  InstanceLauncher instance;
  RunAndStop(instance, 2);
  const std::string db = instance.state_dir() + "/state.db";
  ASSERT_EQ(::truncate(db.c_str(), 0), 0);
  ExpectRefusedStart(instance, "is empty (0 bytes)");
  struct stat info {};
  ASSERT_EQ(::stat(db.c_str(), &info), 0);
  EXPECT_EQ(info.st_size, 0) << "a refused start must leave the file as it found it";
  instance.PrintLogIfFailed();
}

// Issue 9, item 10: without its id file (a store older than it), the output folder's files
// still show that the folder was used.
TEST(InstanceStoreTest, Issue9StartRefusesAMissingStoreWhereJobsRan) {
  InstanceLauncher instance;
  RunAndStop(instance, 1);
  const std::string db = instance.state_dir() + "/state.db";
  ASSERT_EQ(::unlink(db.c_str()), 0);
  ASSERT_EQ(::unlink((db + ".id").c_str()), 0);
  ExpectRefusedStart(instance, "holds the output of earlier jobs");
  instance.PrintLogIfFailed();
}

// Issue 9, item 10: flipped bytes — in a row's text (the API answered 500 "invalid UTF-8"),
// in a b-tree page (PRAGMA quick_check), in the header (not a database) — are refused.
TEST(InstanceStoreTest, Issue9StartRefusesAStoreWithFlippedBytes) {
  struct Damage {
    const char* what;
    const char* why;
  };
  for (const Damage& damage : {Damage{"text", "is not valid UTF-8"},
                               Damage{"page", "is damaged (quick_check"},
                               Damage{"header", "is damaged"}}) {
    SCOPED_TRACE(damage.what);
    InstanceLauncher instance;
    RunAndStop(instance, 40, "flipme-name");
    const std::string db = instance.state_dir() + "/state.db";
    const std::string bytes = ReadFile(db);
    ASSERT_GT(bytes.size(), 3u * 4096) << "the test needs several pages";
    if (std::string(damage.what) == "text") {
      const size_t at = bytes.find("flipme-name");
      ASSERT_NE(at, std::string::npos);
      Overwrite(db, static_cast<off_t>(at), "\xff\xfe");
    } else if (std::string(damage.what) == "page") {
      Overwrite(db, 2 * 4096 + 8, std::string(64, '\xff'));  // page 3's cell pointers
    } else {
      Overwrite(db, 0, std::string(16, '\x5a'));
    }
    ExpectRefusedStart(instance, damage.why);
    instance.PrintLogIfFailed();
  }
}

// Issue 9, item 10: a job whose default output file exists already (another job's, e.g. of a
// store restored from an older backup) fails clearly and leaves that file alone.
TEST(InstanceStoreTest, Issue9AJobNeverAppendsToAnotherJobsDefaultOutputFile) {
  InstanceLauncher instance;
  ASSERT_TRUE(instance.Start()) << instance.log();
  int64_t first = SubmitJob(instance, {"sh", "-c", "echo first"});
  EXPECT_EQ(WaitInactive(instance, first).value("result", ""), "completed");
  const std::string next = instance.state_dir() + "/output/0/" + std::to_string(first + 1);
  {
    FILE* other = std::fopen((next + ".out").c_str(), "w");
    ASSERT_NE(other, nullptr);
    std::fputs("another job's output\n", other);
    std::fclose(other);
  }
  int64_t second = SubmitJob(instance, {"sh", "-c", "echo second"});
  ASSERT_EQ(second, first + 1);
  nlohmann::json job = WaitInactive(instance, second);
  EXPECT_EQ(job.value("result", ""), "failed") << job.dump();
  EXPECT_NE(job.value("reason", "").find(next + ".out already exists"), std::string::npos)
      << job.dump();
  EXPECT_EQ(ReadFile(next + ".out"), "another job's output\n");
  // A job whose file does not exist is not affected.
  int64_t third = SubmitJob(instance, {"sh", "-c", "echo third"});
  EXPECT_EQ(WaitInactive(instance, third).value("result", ""), "completed");
  EXPECT_EQ(instance.Run({"logs", std::to_string(third)}).out, "third\n");
  instance.PrintLogIfFailed();
}

// A tmpfs mounted on `path` for the life of the object (root only).
class TmpfsMount {
 public:
  TmpfsMount(const std::string& path, const std::string& size) : path_(path) {
    ::mkdir(path.c_str(), 0700);
    mounted_ = ::mount("tmpfs", path.c_str(), "tmpfs", 0, ("mode=0700,size=" + size).c_str()) == 0;
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool Resize(const std::string& size) {
    return ::mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
  }

 private:
  std::string path_;
  bool mounted_ = false;
};

// Writes zeros to `path` until the file system is full.
void FillUp(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  const std::string chunk(1 << 16, '\0');
  while (::write(fd, chunk.data(), chunk.size()) > 0) {
  }
  ::close(fd);
}

// Issue 9, item 8: a job filling the state folder stopped the instance (exit 70) and every
// restart died again. Now: degraded, 507 for new work, reads working; when space returns the
// held replies are sent and work resumes; after a restart every job is there.
TEST(InstanceStoreTest, Issue9AFullStateFolderDegradesTheInstanceUntilSpaceReturns) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root: mounts an 8 MiB tmpfs as the state folder (CI runs it as root)";
  }
  InstanceLauncher instance;
  TmpfsMount tmpfs(instance.state_dir(), "8m");
  ASSERT_TRUE(tmpfs.mounted()) << "mount tmpfs: " << std::strerror(errno);
  ASSERT_TRUE(instance.Start()) << instance.log();
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(SubmitJob(instance, {"true"}));
    EXPECT_EQ(WaitInactive(instance, ids.back()).value("result", ""), "completed");
  }

  // 1. The disk fills while the instance is idle: a submit's commit fails; its reply is held.
  const std::string ballast = instance.state_dir() + "/ballast";
  FillUp(ballast);
  auto held = std::async(std::launch::async,
                         [&] { return CallApi(instance, "POST", "/v1/jobs", TrueJobspec()); });
  nlohmann::json health = WaitHealth(instance, "degraded");
  ASSERT_EQ(health.value("status", ""), "degraded") << health.dump() << instance.log();
  EXPECT_NE(health.value("degraded", "").find("full"), std::string::npos) << health.dump();
  EXPECT_EQ(held.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout)
      << "a submit was answered before it was durable";
  ApiAnswer refused = CallApi(instance, "POST", "/v1/jobs", TrueJobspec());
  EXPECT_EQ(refused.status, 507) << refused.text;
  EXPECT_NE(refused.body.value("error", "").find("full"), std::string::npos) << refused.text;
  CommandResult cli = instance.Run({"submit", "true"});
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_NE(cli.err.find("full"), std::string::npos) << cli.err;
  EXPECT_EQ(CallApi(instance, "GET", "/v1/jobs?state=all").status, 200);
  EXPECT_EQ(CallApi(instance, "GET", "/v1/jobs/" + std::to_string(ids[0])).status, 200);
  ASSERT_EQ(::unlink(ballast.c_str()), 0);
  ASSERT_EQ(held.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  ApiAnswer answer = held.get();
  ASSERT_EQ(answer.status, 201) << answer.text;
  ids.push_back(answer.body.value("id", int64_t{-1}));
  EXPECT_EQ(WaitInactive(instance, ids.back()).value("result", ""), "completed");
  EXPECT_EQ(WaitHealth(instance, "ok").value("status", ""), "ok");

  // 2. A job fills the disk: its write fails (the job fails), the instance stays up.
  ids.push_back(SubmitJob(instance, {"sh", "-c", "head -c 20M /dev/zero"}));
  health = WaitHealth(instance, "degraded");
  ASSERT_EQ(health.value("status", ""), "degraded") << health.dump() << instance.log();
  EXPECT_EQ(CallApi(instance, "POST", "/v1/jobs", TrueJobspec()).status, 507);
  EXPECT_EQ(CallApi(instance, "GET", "/v1/health").status, 200);
  ASSERT_TRUE(tmpfs.Resize("64m")) << std::strerror(errno);
  EXPECT_EQ(WaitHealth(instance, "ok").value("status", ""), "ok") << instance.log();
  EXPECT_EQ(WaitInactive(instance, ids.back()).value("result", ""), "failed");
  ids.push_back(SubmitJob(instance, {"true"}));
  EXPECT_EQ(WaitInactive(instance, ids.back()).value("result", ""), "completed");

  // 3. Everything was committed: a restart finds every job, each once, with its result.
  ASSERT_TRUE(instance.Stop()) << instance.log();
  ASSERT_TRUE(instance.Start()) << instance.log();
  for (size_t i = 0; i < ids.size(); ++i) {
    nlohmann::json job = GetJob(instance, ids[i]);
    EXPECT_EQ(job.value("state", ""), "INACTIVE") << job.dump();
    EXPECT_EQ(job.value("result", ""), i == 4 ? "failed" : "completed") << job.dump();
  }
  ApiAnswer all = CallApi(instance, "GET", "/v1/jobs?state=all");
  EXPECT_EQ(all.body["jobs"].size(), ids.size()) << all.text;
  ASSERT_TRUE(instance.Stop()) << instance.log();
  instance.PrintLogIfFailed();
}

}  // namespace
}  // namespace converge::testutil
