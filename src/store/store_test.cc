#include "store/store.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/testutil/run_command.h"

namespace converge::store {
namespace {

JobRecord MakeJob(int64_t id, const std::string& state) {
  JobRecord job;
  job.id = id;
  job.uid = 1000;
  job.user = "alice";
  job.name = "sleep";
  job.state = state;
  job.ntasks = 2;
  job.submit_time = 1700000000.25;
  job.dependencies = R"(["afterok:1"])";
  return job;
}

mode_t ModeOf(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? info.st_mode & 07777 : 0;
}

// Issue 9, item 3: the store holds every job's environment, so it is owner-only whatever the
// umask, and a store made readable by others (an older version) is made owner-only again.
TEST(StoreTest, Issue9TheDatabaseAndItsWalAreOwnerOnly) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  const mode_t old_mask = ::umask(022);
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    (*store)->PutJob(MakeJob(1, "SCHED"));
    ASSERT_TRUE((*store)->Commit().ok());
    EXPECT_EQ(ModeOf(path), 0600u);
    EXPECT_EQ(ModeOf(path + "-wal"), 0600u);
    EXPECT_EQ(ModeOf(path + "-shm"), 0600u);
  }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(ModeOf(path), 0600u);
  }
  ::umask(old_mask);
}

TEST(StoreTest, CommittedJobsEventsAndJobspecsSurviveReopening) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    (*store)->PutJob(MakeJob(1, "SCHED"));
    (*store)->PutJobspec(1, R"({"version":1})");
    (*store)->AppendEvent({1, 0, 1700000000.25, "submit", R"({"userid":1000})"});
    (*store)->AppendEvent({1, 1, 1700000000.5, "validate", "{}"});
    EXPECT_EQ((*store)->buffered(), 4u);
    ASSERT_TRUE((*store)->Commit().ok());
    EXPECT_EQ((*store)->buffered(), 0u);
    JobRecord done = MakeJob(1, "INACTIVE");
    done.result = "completed";
    (*store)->PutJob(done);
    ASSERT_TRUE((*store)->Commit().ok());
  }
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok());
  auto jobs = (*store)->LoadJobs();
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ(jobs->at(0).state, "INACTIVE");
  EXPECT_EQ(jobs->at(0).result, "completed");
  EXPECT_EQ(jobs->at(0).user, "alice");
  EXPECT_DOUBLE_EQ(jobs->at(0).submit_time, 1700000000.25);
  EXPECT_EQ(jobs->at(0).dependencies, R"(["afterok:1"])");
  auto events = (*store)->ReadEvents(1);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->at(0).name, "submit");
  EXPECT_EQ(events->at(1).name, "validate");
  auto spec = (*store)->ReadJobspec(1);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(*spec, R"({"version":1})");
  EXPECT_EQ((*store)->ReadJobspec(2).status().code(), Code::kNotFound);
}

TEST(StoreTest, UncommittedWritesAreNotVisibleAfterReopening) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    (*store)->PutJob(MakeJob(7, "SCHED"));
  }
  auto store = Store::Open(path);
  ASSERT_TRUE(store.ok());
  auto job = (*store)->LoadJob(7);
  ASSERT_TRUE(job.ok());
  EXPECT_FALSE(job->has_value());
}

TEST(StoreTest, AFailedCommitAppliesNothingAndKeepsTheBuffer) {
  testutil::TempDir dir;
  auto store = Store::Open(dir.path() + "/state.db");
  ASSERT_TRUE(store.ok());
  (*store)->AppendEvent({3, 0, 1, "submit", "{}"});
  ASSERT_TRUE((*store)->Commit().ok());
  (*store)->PutJob(MakeJob(3, "SCHED"));
  (*store)->AppendEvent({3, 0, 2, "submit", "{}"});  // duplicate (job, seq): the batch fails
  Status status = (*store)->Commit();
  EXPECT_EQ(status.code(), Code::kInternal);
  EXPECT_EQ((*store)->buffered(), 2u);
  auto job = (*store)->LoadJob(3);
  ASSERT_TRUE(job.ok());
  EXPECT_FALSE(job->has_value());
}

TEST(StoreTest, RefusesADatabaseFromANewerSchema) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/state.db";
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    (*store)->PutMeta("schema_version", "99");
    ASSERT_TRUE((*store)->Commit().ok());
  }
  auto store = Store::Open(path);
  EXPECT_EQ(store.status().code(), Code::kInvalidArgument);
  EXPECT_NE(store.status().message().find("newer"), std::string::npos);
}

TEST(StoreTest, ReportsAnUnopenablePath) {
  auto store = Store::Open("/nonexistent-dir/state.db");
  EXPECT_EQ(store.status().code(), Code::kInternal);
  EXPECT_EQ(store.status().where(), "/nonexistent-dir/state.db");
}

}  // namespace
}  // namespace converge::store
