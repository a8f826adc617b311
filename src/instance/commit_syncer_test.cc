#include "instance/commit_syncer.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "tests/testutil/run_command.h"

namespace converge::instance {
namespace {

// Runs the loop until `done` or 10 s passed.
bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return done();
}

TEST(CommitSyncerTest, RunsEachCommitsActionsInOrderOnceDurable) {
  testutil::TempDir dir;
  auto store = store::Store::Open(dir.path() + "/state.db",
                                  {.synchronous_full = true, .deferred_sync = true});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  boost::asio::io_context io;
  std::vector<std::string> failures;
  CommitSyncer syncer(io, **store, [&](const Status& status) {
    failures.push_back(status.ToString());
  });
  std::vector<int> ran;
  for (int commit = 0; commit < 50; ++commit) {
    (*store)->PutMeta("k", std::to_string(commit));
    ASSERT_TRUE((*store)->Commit().ok());
    CommitSyncer::Actions actions;
    actions.push_back([&ran, commit] { ran.push_back(2 * commit); });
    actions.push_back([&ran, commit] { ran.push_back(2 * commit + 1); });
    if (commit % 7 == 3) actions.clear();  // a commit nobody waits for
    syncer.AfterDurable(std::move(actions));
  }
  EXPECT_TRUE(ran.empty());  // nothing before the loop has seen a sync
  ASSERT_TRUE(RunUntil(io, [&] { return syncer.waiting() == 0; }));
  std::vector<int> expected;
  for (int commit = 0; commit < 50; ++commit) {
    if (commit % 7 == 3) continue;
    expected.push_back(2 * commit);
    expected.push_back(2 * commit + 1);
  }
  EXPECT_EQ(ran, expected);
  EXPECT_TRUE(failures.empty());
}

TEST(CommitSyncerTest, AnActionMayCommitAgain) {
  testutil::TempDir dir;
  auto store = store::Store::Open(dir.path() + "/state.db",
                                  {.synchronous_full = true, .deferred_sync = true});
  ASSERT_TRUE(store.ok());
  boost::asio::io_context io;
  CommitSyncer syncer(io, **store, [](const Status&) {});
  int depth = 0;
  std::function<void()> again = [&] {
    if (++depth == 5) return;
    (*store)->PutMeta("depth", std::to_string(depth));
    ASSERT_TRUE((*store)->Commit().ok());
    syncer.AfterDurable({again});
  };
  syncer.AfterDurable({again});
  ASSERT_TRUE(RunUntil(io, [&] { return depth == 5; }));
  EXPECT_EQ(syncer.waiting(), 0u);
}

}  // namespace
}  // namespace converge::instance
