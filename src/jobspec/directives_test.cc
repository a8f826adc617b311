#include "jobspec/directives.h"

#include <gtest/gtest.h>

namespace converge::jobspec {
namespace {

using Tokens = std::vector<std::string>;

// The tokens of all directives, in order; fails the test on a parse error.
Tokens AllTokens(std::string_view script) {
  Result<BatchDirectives> found = ParseBatchDirectives(script);
  EXPECT_TRUE(found.ok()) << found.status().ToString();
  Tokens all;
  if (!found.ok()) return all;
  for (const Directive& directive : found->directives) {
    all.insert(all.end(), directive.tokens.begin(), directive.tokens.end());
  }
  return all;
}

// The error text ("line N: ...") of a script that must not parse.
std::string ErrorOf(std::string_view script) {
  Result<BatchDirectives> found = ParseBatchDirectives(script);
  EXPECT_FALSE(found.ok());
  return found.ok() ? "" : found.status().ToString();
}

TEST(DirectivesTest, ReadsFluxAndSlurmLinesUntilTheScriptBegins) {
  auto found = ParseBatchDirectives(
      "#!/bin/bash\n"
      "#SBATCH --nodes=2 --time=01:00:00\n"
      "# an ordinary comment\n"
      "\n"
      "#FLUX: -n 4 --job-name='my job' # trailing comment\n"
      "#SBATCH --output=out-%j.txt\n"
      "srun ./app\n"
      "#SBATCH --nodes=99\n");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->directives.size(), 3u);
  EXPECT_EQ(found->directives[0].line, 2);
  EXPECT_EQ(found->directives[0].prefix, "#SBATCH");
  EXPECT_EQ(found->directives[0].tokens, (Tokens{"--nodes=2", "--time-limit=01:00:00"}));
  EXPECT_EQ(found->directives[1].line, 5);
  EXPECT_EQ(found->directives[1].prefix, "#FLUX:");
  EXPECT_EQ(found->directives[1].tokens, (Tokens{"--ntasks=4", "--job-name=my job"}));
  EXPECT_EQ(found->directives[2].tokens, Tokens{"--output=out-{{id}}.txt"});
  EXPECT_TRUE(found->warnings.empty());
}

TEST(DirectivesTest, SlurmSpellingsBecomeConvergeFlags) {
  EXPECT_EQ(AllTokens("#SBATCH -N 2 -n8 -c 4 --gpus-per-task=1 --exclusive -t 30\n"
                      "#SBATCH -J sim -p debug -D /scratch --ntasks-per-node 4\n"
                      "#SBATCH --cpus-per-task 2 --partition=batch --chdir=/tmp\n"
                      "#SBATCH -d afterok:12:13 --dependency afterany:14\n"),
            (Tokens{"--nodes=2", "--ntasks=8", "--cores-per-task=4", "--gpus-per-task=1",
                    "--exclusive", "--time-limit=30", "--job-name=sim", "--queue=debug",
                    "--cwd=/scratch", "--tasks-per-node=4", "--cores-per-task=2", "--queue=batch",
                    "--cwd=/tmp", "--dependency=afterok:12:13", "--dependency=afterany:14"}));
  EXPECT_EQ(AllTokens("#SBATCH --mem=4G --mem-per-cpu 100 --gres=gpu:2 --gpus-per-node=1\n"
                      "#SBATCH --array=1-9:2 -a 3\n"),
            (Tokens{"--mem=4G", "--mem-per-cpu=100", "--gres=gpu:2", "--gpus-per-node=1",
                    "--array=1-9:2", "--array=3"}));
  EXPECT_EQ(AllTokens("#FLUX: --cc 1-4 --gpus-per-node 2 -o pmi=pmix --setopt=pmi=simple\n"),
            (Tokens{"--cc=1-4", "--gpus-per-node=2", "--pmi=pmix", "--pmi=simple"}));
  EXPECT_EQ(ErrorOf("#FLUX: -o cpu-affinity=off\n"),
            "line 1: #FLUX: -o: 'cpu-affinity=off': only the shell option pmi=LIST is known "
            "here (the others have flags of their own)");
}

TEST(DirectivesTest, FluxSpellingsBecomeConvergeFlags) {
  EXPECT_EQ(AllTokens("#FLUX: -N2 -n 4 -c2 -g1 -x -t 1h -q debug --cwd=/w\n"
                      "#FLUX: --output=o.{{id}} --error e.txt --urgency=20 --env=A=1\n"
                      "#FLUX: --env-remove=SLURM_* --tasks-per-node=2 --dependency=afterok:3\n"),
            (Tokens{"--nodes=2", "--ntasks=4", "--cores-per-task=2", "--gpus-per-task=1",
                    "--exclusive", "--time-limit=1h", "--queue=debug", "--cwd=/w",
                    "--output=o.{{id}}", "--error=e.txt", "--priority=20", "--env=A=1",
                    "--env=-SLURM_*", "--tasks-per-node=2", "--dependency=afterok:3"}));
}

TEST(DirectivesTest, FluxSentinelIgnoresCaseAndSpaceAfterTheHash) {
  EXPECT_EQ(AllTokens("# flux: -N 3\n#Flux: --job-name=x\n"),
            (Tokens{"--nodes=3", "--job-name=x"}));
}

TEST(DirectivesTest, SbatchNeedsASpaceAfterTheSentinel) {
  EXPECT_TRUE(AllTokens("#SBATCHED -N 2\n#SBATCH\n").empty());
}

TEST(DirectivesTest, OnlyTheFirstLineMayBeAShebang) {
  EXPECT_EQ(AllTokens("#!/bin/sh\n#!/not/a/shebang\n#FLUX: -N1\n"), Tokens{"--nodes=1"});
  EXPECT_TRUE(AllTokens("#!/bin/sh\necho hi\n#FLUX: -N1\n").empty());
}

TEST(DirectivesTest, IndentedDirectivesAndCrlfLineEndingsAreRead) {
  EXPECT_EQ(AllTokens("#!/bin/sh\r\n  #SBATCH -N 2\r\n\t#FLUX: -n 3\r\n"),
            (Tokens{"--nodes=2", "--ntasks=3"}));
}

TEST(DirectivesTest, QuotesAndEscapesSplitLikeAShell) {
  EXPECT_EQ(AllTokens("#FLUX: --job-name \"a \\\"b\\\" c\" --env='X=it''s' --env=Y=a\\ b\n"),
            (Tokens{"--job-name=a \"b\" c", "--env=X=its", "--env=Y=a b"}));
  EXPECT_EQ(AllTokens("#FLUX: --job-name='#notacomment'\n"), Tokens{"--job-name=#notacomment"});
  EXPECT_EQ(AllTokens("#FLUX: --job-name=a#b\n"), Tokens{"--job-name=a#b"});
}

TEST(DirectivesTest, SlurmFilePatternsBecomeTemplates) {
  EXPECT_EQ(AllTokens("#SBATCH -o slurm-%j.out -e err-%J-100%%.txt\n"),
            (Tokens{"--output=slurm-{{id}}.out", "--error=err-{{id}}-100%.txt"}));
  EXPECT_EQ(AllTokens("#SBATCH --output=%x-%j.out -e %A_%a.err\n"),
            (Tokens{"--output={{name}}-{{id}}.out", "--error={{id}}_{cc}.err"}));
  EXPECT_EQ(ErrorOf("#SBATCH --output=100%\n"),
            "line 1: #SBATCH --output: a % at the end is not a pattern (%% is a %)");
  EXPECT_EQ(ErrorOf("#SBATCH --output=%N.out\n"),
            "line 1: #SBATCH --output: %N is not supported (only %j, %x, %a, %A and %%)");
  // Flux names its files with {{id}} already; % is an ordinary character there.
  EXPECT_EQ(AllTokens("#FLUX: --output=100%j\n"), Tokens{"--output=100%j"});
}

TEST(DirectivesTest, SlurmExportChoosesTheEnvironment) {
  EXPECT_EQ(AllTokens("#SBATCH --export=ALL\n"), Tokens{});
  EXPECT_EQ(AllTokens("#SBATCH --export=NONE\n"), Tokens{"--env-none"});
  EXPECT_EQ(AllTokens("#SBATCH --export=ALL,A=1\n"), Tokens{"--env=A=1"});
  EXPECT_EQ(AllTokens("#SBATCH --export=PATH,B=2\n"),
            (Tokens{"--env-none", "--env=PATH", "--env=B=2"}));
}

TEST(DirectivesTest, OptionsWithoutEffectAreDroppedWithAWarning) {
  auto found =
      ParseBatchDirectives("#SBATCH --account=proj --mail-type=END -N 1\n#SBATCH --requeue\n");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->directives.size(), 1u);
  EXPECT_EQ(found->directives[0].tokens, Tokens{"--nodes=1"});
  ASSERT_EQ(found->warnings.size(), 3u);
  EXPECT_EQ(found->warnings[0], "line 1: #SBATCH --account: ignored (converge has no accounts)");
  EXPECT_EQ(found->warnings[2].rfind("line 2: #SBATCH --requeue: ignored", 0), 0u);
}

TEST(DirectivesTest, UnknownOptionsNameTheirLine) {
  EXPECT_EQ(ErrorOf("#!/bin/sh\n#SBATCH -N 2\n#SBATCH --foo=1\n"),
            "line 3: #SBATCH --foo: unknown option");
  EXPECT_EQ(ErrorOf("#FLUX: -N1 -Z\n"), "line 1: #FLUX: -Z: unknown option");
  // Each dialect has its own names: -x is Slurm's --exclude, not --exclusive.
  Result<BatchDirectives> exclude =
      ParseBatchDirectives("#SBATCH -x node1 -w node[2-3] -C 'a&b|c'\n");
  ASSERT_TRUE(exclude.ok()) << exclude.status().ToString();
  EXPECT_EQ(exclude->directives[0].tokens,
            (Tokens{"--exclude=node1", "--nodelist=node[2-3]", "--constraint=a&b|c"}));
  EXPECT_EQ(ErrorOf("#FLUX: --partition=debug\n"), "line 1: #FLUX: --partition: unknown option");
  EXPECT_EQ(ErrorOf("#SBATCH --mem-per-gpu=1G\n"),
            "line 1: #SBATCH --mem-per-gpu: not supported: memory is asked for per node (--mem) "
            "or per core (--mem-per-cpu)");
}

TEST(DirectivesTest, IgnoringUnknownOptionsTurnsThemIntoWarnings) {
  auto found = ParseBatchDirectives(
      "#SBATCH --foo=1 -N 2 --bar baz --ntasks 4 --qux\n#SBATCH -G 2\n#FLUX: -Z -n1\n",
      /*ignore_unknown=*/true);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->directives.size(), 2u);
  EXPECT_EQ(found->directives[0].tokens, (Tokens{"--nodes=2", "--ntasks=4"}));
  EXPECT_EQ(found->directives[1].tokens, (Tokens{"--ntasks=1"}));
  EXPECT_EQ(found->warnings,
            (Tokens{"line 1: #SBATCH --foo: unknown option, ignored",
                    "line 1: #SBATCH --bar: unknown option, ignored",
                    "line 1: #SBATCH --qux: unknown option, ignored",
                    "line 2: #SBATCH -G: not supported, ignored (GPUs of the whole job: give "
                    "--gpus-per-node or --gpus-per-task)",
                    "line 3: #FLUX: -Z: unknown option, ignored"}));
  // Values that are wrong stay errors.
  EXPECT_FALSE(ParseBatchDirectives("#SBATCH --nodes\n", true).ok());
}

TEST(DirectivesTest, MissingAndUnexpectedValuesAreErrors) {
  EXPECT_EQ(ErrorOf("#SBATCH --nodes\n"), "line 1: #SBATCH --nodes: needs a value");
  EXPECT_EQ(ErrorOf("#FLUX: -N\n"), "line 1: #FLUX: -N: needs a value");
  EXPECT_EQ(ErrorOf("#FLUX: -x2\n"), "line 1: #FLUX: -x: takes no value");
  EXPECT_EQ(ErrorOf("#SBATCH --exclusive=user\n"), "line 1: #SBATCH --exclusive: takes no value");
  EXPECT_EQ(ErrorOf("#SBATCH -N 2 extra\n"), "line 1: #SBATCH extra: unexpected argument");
  EXPECT_EQ(ErrorOf("#FLUX: -- -N 2\n"), "line 1: #FLUX: --: unexpected argument");
}

TEST(DirectivesTest, AValueMayLookLikeAnOption) {
  EXPECT_EQ(AllTokens("#FLUX: --job-name -x\n"), Tokens{"--job-name=-x"});
}

TEST(DirectivesTest, NamesTheLineOfAnUnterminatedQuote) {
  Result<BatchDirectives> found =
      ParseBatchDirectives("#!/bin/sh\n#FLUX: --job-name='oops\necho\n");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(found.status().where(), "line 2");
}

TEST(DirectivesTest, AScriptWithoutDirectivesHasNone) {
  EXPECT_TRUE(AllTokens("echo hello\n#SBATCH -N 2\n").empty());
  EXPECT_TRUE(AllTokens("").empty());
  EXPECT_TRUE(AllTokens("#!/bin/sh").empty());
  EXPECT_TRUE(AllTokens("#FLUX:\n#FLUX:   # only a comment\n").empty());
}

}  // namespace
}  // namespace converge::jobspec
