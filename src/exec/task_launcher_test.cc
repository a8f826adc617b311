#include "exec/task_launcher.h"

#include <gtest/gtest.h>

namespace converge::exec {
namespace {

using Paths = std::vector<std::string>;

TEST(ExecCandidatesTest, ProgramWithSlashIsUsedAsIs) {
  EXPECT_EQ(ExecCandidates("/bin/sh", {"PATH=/x"}), Paths{"/bin/sh"});
  EXPECT_EQ(ExecCandidates("./run.sh", {"PATH=/x"}), Paths{"./run.sh"});
}

TEST(ExecCandidatesTest, SearchesThePathOfTheTaskEnvironment) {
  EXPECT_EQ(ExecCandidates("tool", {"HOME=/h", "PATH=/a:/b/c"}), (Paths{"/a/tool", "/b/c/tool"}));
  // Empty entries mean the working directory, as for execvp.
  EXPECT_EQ(ExecCandidates("tool", {"PATH=:/a:"}), (Paths{"tool", "/a/tool", "tool"}));
  // The first PATH wins.
  EXPECT_EQ(ExecCandidates("tool", {"PATH=/a", "PATH=/b"}), Paths{"/a/tool"});
}

TEST(ExecCandidatesTest, DefaultPathWhenTheTaskHasNone) {
  EXPECT_EQ(ExecCandidates("sh", {"PATHX=/nope"}), (Paths{"/bin/sh", "/usr/bin/sh"}));
  EXPECT_TRUE(ExecCandidates("", {}).empty());
}

}  // namespace
}  // namespace converge::exec
