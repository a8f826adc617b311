#include "jobspec/directives.h"

#include <gtest/gtest.h>

namespace converge::jobspec {
namespace {

TEST(DirectivesTest, ReadsFluxAndSlurmLinesUntilTheScriptBegins) {
  auto directives = ParseBatchDirectives(
      "#!/bin/bash\n"
      "#SBATCH --nodes=2 --time=01:00:00\n"
      "# an ordinary comment\n"
      "\n"
      "#FLUX: -n 4 --job-name='my job' # trailing comment\n"
      "#SBATCH --output=out-%j.txt\n"
      "srun ./app\n"
      "#SBATCH --nodes=99\n");
  ASSERT_TRUE(directives.ok()) << directives.status().ToString();
  ASSERT_EQ(directives->size(), 3u);
  EXPECT_EQ((*directives)[0].line, 2);
  EXPECT_EQ((*directives)[0].tokens, (std::vector<std::string>{"--nodes=2", "--time=01:00:00"}));
  EXPECT_EQ((*directives)[1].prefix, "#FLUX:");
  EXPECT_EQ((*directives)[1].tokens,
            (std::vector<std::string>{"-n", "4", "--job-name=my job"}));
  EXPECT_EQ((*directives)[2].tokens, std::vector<std::string>{"--output=out-{{id}}.txt"});
}

TEST(DirectivesTest, NamesTheLineOfAnUnterminatedQuote) {
  auto directives = ParseBatchDirectives("#!/bin/sh\n#FLUX: --job-name='oops\necho\n");
  EXPECT_EQ(directives.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(directives.status().where(), "line 2");
}

TEST(DirectivesTest, AScriptWithoutDirectivesHasNone) {
  auto directives = ParseBatchDirectives("echo hello\n#SBATCH -N 2\n");
  ASSERT_TRUE(directives.ok());
  EXPECT_TRUE(directives->empty());
}

}  // namespace
}  // namespace converge::jobspec
