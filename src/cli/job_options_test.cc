#include "cli/job_options.h"

#include <gtest/gtest.h>

namespace converge::cli {
namespace {

using nlohmann::json;

const JobContext kHere{"/home/alice/work",
                       {{"PATH", "/usr/bin"}, {"HOME", "/home/alice"}, {"SLURM_JOB_ID", "7"}}};

// Parses `args` (as typed after `converge submit`) into options; the command is what remains.
struct Parsed {
  JobOptions options;
  std::vector<std::string> command;
};
// As main() does: the first "--" marked, then CLI11 (last word first).
Parsed ParseArgs(std::vector<std::string> args) {
  CLI::App app;
  Parsed parsed;
  AddJobOptions(&app, &parsed.options);
  app.prefix_command();
  args.insert(args.begin(), "submit");
  args = MarkEndOfOptions(std::move(args));
  args.erase(args.begin());
  std::reverse(args.begin(), args.end());
  app.parse(args);
  parsed.command = TrailingCommand(&app);
  return parsed;
}

// The usage error TrailingCommand throws for `args`, or "" when it throws none.
std::string UsageError(const std::vector<std::string>& args) {
  try {
    ParseArgs(args);
  } catch (const CLI::ExtrasError& error) {
    EXPECT_EQ(error.get_exit_code(), static_cast<int>(CLI::ExitCodes::ExtrasError));
    return error.what();
  }
  return "";
}

TEST(TrailingCommandTest, TheProgramStartsAtItsFirstWordOrAfterDashes) {
  EXPECT_EQ(ParseArgs({"-n2", "hostname", "-n", "3"}).command,
            (std::vector<std::string>{"hostname", "-n", "3"}));
  EXPECT_EQ(ParseArgs({"-n2", "--", "-weird", "--"}).command,
            (std::vector<std::string>{"-weird", "--"}));
  EXPECT_EQ(ParseArgs({"echo", "--", "a"}).command,
            (std::vector<std::string>{"echo", "--", "a"}));
  EXPECT_EQ(ParseArgs({"--", "--nodes=2"}).options.nodes, 0);
  EXPECT_TRUE(ParseArgs({"-N2"}).command.empty());
  EXPECT_TRUE(ParseArgs({"-N2", "--"}).command.empty());
}

TEST(TrailingCommandTest, UnknownOptionsAreUsageErrorsNamingTheNearestKnownOne) {
  EXPECT_NE(UsageError({"--wrap", "-n2", "hostname"}).find("unknown option '--wrap'"),
            std::string::npos);
  EXPECT_EQ(UsageError({"--wrap", "hostname"}).find("did you mean"), std::string::npos);
  EXPECT_NE(UsageError({"--dryrun", "hostname"}).find("did you mean --dry-run?"),
            std::string::npos);
  EXPECT_NE(UsageError({"-n2", "--ndoes=2", "app"}).find("'--ndoes' (did you mean --nodes?)"),
            std::string::npos);
  EXPECT_NE(UsageError({"--time-limt", "5", "app"}).find("did you mean --time-limit?"),
            std::string::npos);
  EXPECT_NE(UsageError({"-Z", "app"}).find("unknown option '-Z'"), std::string::npos);
  EXPECT_NE(UsageError({"--bogus"}).find("'--bogus'"), std::string::npos);
  // After the program's first word, options are the program's.
  EXPECT_EQ(UsageError({"app", "--bogus"}), "");
  EXPECT_EQ(UsageError({"--", "--bogus"}), "");
}

TEST(MarkEndOfOptionsTest, MarksOnlyTheFirstDashesOfCommandsThatTakeAProgram) {
  using Args = std::vector<std::string>;
  const std::string mark(kEndOfOptions);
  EXPECT_EQ(MarkEndOfOptions({"run", "-n2", "--", "a", "--"}), (Args{"run", "-n2", mark, "a", "--"}));
  EXPECT_EQ(MarkEndOfOptions({"alloc", "--"}), (Args{"alloc", mark}));
  EXPECT_EQ(MarkEndOfOptions({"start", "--nested", "--", "a"}),
            (Args{"start", "--nested", "--", "a"}));
  EXPECT_EQ(MarkEndOfOptions({"--", "run"}), (Args{"--", "run"}));
  EXPECT_TRUE(MarkEndOfOptions({}).empty());
}

json Spec(const std::vector<std::string>& args) {
  Parsed parsed = ParseArgs(args);
  Result<json> spec = BuildJobspec(parsed.options, parsed.command, kHere);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return spec.ok() ? *spec : json();
}

TEST(TimeLimitTest, AcceptsFluxAndSlurmForms) {
  const std::pair<const char*, double> cases[] = {
      {"30", 1800},   {"90s", 90},       {"1.5h", 5400},
      {"2d", 172800}, {"5:30", 330},     {"01:00:00", 3600},
      {"1-0", 86400}, {"1-2:30", 95400}, {"2-03:04:05", 2 * 86400 + 3 * 3600 + 4 * 60 + 5},
      {"0", 0}};
  for (const auto& [text, seconds] : cases) {
    Result<double> parsed = ParseTimeLimit(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, seconds) << text;
  }
}

TEST(TimeLimitTest, RejectsOtherText) {
  for (const char* text : {"", "abc", "1:2:3:4", "x-1", "1-2:3:4:5", "-5", "1h30m", ":30", "5:"}) {
    Result<double> parsed = ParseTimeLimit(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().where(), "--time-limit") << text;
    }
  }
}

TEST(DependenciesTest, SplitsSchemesAndSlurmIdLists) {
  Result<json> list = ParseDependencies({"afterok:1:2,afterany:3", "afternotok:4"});
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(*list, json::parse(R"([{"scheme":"afterok","value":"1"},
                                   {"scheme":"afterok","value":"2"},
                                   {"scheme":"afterany","value":"3"},
                                   {"scheme":"afternotok","value":"4"}])"));
  EXPECT_FALSE(ParseDependencies({"afterok"}).ok());
  EXPECT_FALSE(ParseDependencies({"afterok:x"}).ok());
  EXPECT_FALSE(ParseDependencies({":12"}).ok());
  EXPECT_FALSE(ParseDependencies({"afterok:1,"}).ok());
}

TEST(EnvironmentTest, CopiesThenAppliesRulesInOrder) {
  JobOptions options;
  options.env = {"A=1", "-SLURM_*", "HOME", "B=x=y", "MISSING"};
  auto environment = JobEnvironment(options, kHere.environment);
  ASSERT_TRUE(environment.ok()) << environment.status().ToString();
  EXPECT_EQ(*environment,
            (std::map<std::string, std::string>{
                {"A", "1"}, {"B", "x=y"}, {"HOME", "/home/alice"}, {"PATH", "/usr/bin"}}));
}

TEST(EnvironmentTest, EnvNoneStartsEmptyAndKeyCopiesFromTheShell) {
  JobOptions options;
  options.env_none = true;
  options.env = {"PATH", "X=1"};
  auto environment = JobEnvironment(options, kHere.environment);
  ASSERT_TRUE(environment.ok());
  EXPECT_EQ(*environment, (std::map<std::string, std::string>{{"PATH", "/usr/bin"}, {"X", "1"}}));
  options.env = {"=oops"};
  EXPECT_EQ(JobEnvironment(options, {}).status().where(), "--env");
}

TEST(BuildJobspecTest, SetsResourcesCommandAndSystemAttributes) {
  json spec = Spec({"-N2", "-n", "4", "-c2", "-g1", "-t", "1h", "-q", "debug", "--job-name=sim",
                    "--output=out-{{id}}.txt", "--error", "err.txt", "--priority=20",
                    "--dependency=afterok:5", "--env=X=1", "./sim", "--steps", "10"});
  EXPECT_EQ(spec["tasks"][0]["command"], json({"./sim", "--steps", "10"}));
  EXPECT_EQ(spec["resources"][0]["type"], "node");
  EXPECT_EQ(spec["resources"][0]["count"], 2);
  EXPECT_EQ(spec["resources"][0]["with"][0]["count"], 2);  // two slots per node
  const json& system = spec["attributes"]["system"];
  EXPECT_EQ(system["duration"], 3600);
  EXPECT_EQ(system["queue"], "debug");
  EXPECT_EQ(system["cwd"], "/home/alice/work");
  EXPECT_EQ(system["job"]["name"], "sim");
  EXPECT_EQ(system["shell"]["options"]["output"]["stdout"]["path"], "out-{{id}}.txt");
  EXPECT_EQ(system["shell"]["options"]["output"]["stderr"]["path"], "err.txt");
  EXPECT_EQ(system["priority"], 20);
  EXPECT_EQ(system["dependencies"], json::parse(R"([{"scheme":"afterok","value":"5"}])"));
  EXPECT_EQ(system["environment"]["X"], "1");
  EXPECT_EQ(system["environment"]["PATH"], "/usr/bin");
}

TEST(BuildJobspecTest, DefaultsAreOneTaskHereWithoutOptionalAttributes) {
  json spec = Spec({"hostname"});
  EXPECT_EQ(spec["resources"][0]["type"], "slot");
  EXPECT_EQ(spec["resources"][0]["count"], 1);
  const json& system = spec["attributes"]["system"];
  EXPECT_EQ(system["cwd"], "/home/alice/work");
  EXPECT_FALSE(system.contains("job"));
  EXPECT_FALSE(system.contains("shell"));
  EXPECT_FALSE(system.contains("priority"));
  EXPECT_FALSE(system.contains("dependencies"));
  EXPECT_EQ(system["environment"].size(), 3u);
}

TEST(BuildJobspecTest, PmiGoesToTheShellOptions) {
  json spec = Spec({"--pmi=off", "./app"});
  EXPECT_EQ(spec["attributes"]["system"]["shell"]["options"]["pmi"], "off");
  CLI::App app;
  JobOptions options;
  AddJobOptions(&app, &options);
  app.prefix_command();
  EXPECT_THROW(app.parse(std::vector<std::string>{"./app", "--pmi=pmi3"}), CLI::ValidationError);
}

TEST(BuildJobspecTest, RequiresNodelistAndExcludeBecomeOneConstraint) {
  json spec = Spec({"--requires", "gpu -host:node[1-2] rank:0-3", "--exclude=node9", "app"});
  EXPECT_EQ(spec["attributes"]["system"]["constraints"],
            json::parse(R"({"and": [{"properties": ["gpu"]},
                                    {"not": [{"hostlist": ["node[1-2]"]}]},
                                    {"ranks": ["0-3"]},
                                    {"not": [{"hostlist": ["node9"]}]}]})"));
  EXPECT_EQ(Spec({"--requires=arch=x86_64,^gpu", "app"})["attributes"]["system"]["constraints"],
            json::parse(R"({"properties": ["arch=x86_64", "^gpu"]})"));
  EXPECT_FALSE(Spec({"app"})["attributes"]["system"].contains("constraints"));
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--requires", "a or b", "app"},
        std::vector<std::string>{"--requires", "host:node[1-", "app"},
        std::vector<std::string>{"--requires", "zone:eu", "app"},
        std::vector<std::string>{"--requires", "(a)", "app"}}) {
    Parsed parsed = ParseArgs(bad);
    Result<json> spec = BuildJobspec(parsed.options, parsed.command, kHere);
    EXPECT_FALSE(spec.ok()) << bad[1];
    if (!spec.ok()) {
      EXPECT_EQ(spec.status().where(), "--requires") << bad[1];
    }
  }
  Parsed bad_list = ParseArgs({"-w", "node[1-", "app"});
  EXPECT_EQ(BuildJobspec(bad_list.options, bad_list.command, kHere).status().where(),
            "--nodelist");
}

TEST(BuildJobspecTest, NodelistWithoutNodesTakesANodeOnEachHost) {
  json spec = Spec({"-w", "node[1-3],node1", "app"});
  EXPECT_EQ(spec["resources"][0]["type"], "node");
  EXPECT_EQ(spec["resources"][0]["count"], 3);
  EXPECT_FALSE(spec["resources"][0].contains("exclusive"));  // shared, as in Slurm
  EXPECT_EQ(spec["attributes"]["system"]["constraints"],
            json::parse(R"({"hostlist": ["node[1-3],node1"]})"));
  EXPECT_EQ(Spec({"-w", "node[1-3]", "-n6", "app"})["resources"][0]["count"], 3);
  EXPECT_EQ(Spec({"-w", "node[1-3]", "-N1", "app"})["resources"][0]["count"], 1);
  EXPECT_EQ(Spec({"-w", "node[1-3]", "-n2", "app"})["resources"][0]["type"], "slot");
}

TEST(BuildJobspecTest, NodesAloneGiveOneTaskPerWholeNode) {
  json spec = Spec({"-N3", "hostname"});
  EXPECT_EQ(spec["resources"][0]["count"], 3);
  EXPECT_EQ(spec["resources"][0]["exclusive"], true);
  EXPECT_EQ(spec["resources"][0]["with"][0]["count"], 1);
  EXPECT_FALSE(Spec({"-N3", "-n3", "hostname"})["resources"][0].contains("exclusive"));
  EXPECT_FALSE(
      Spec({"-N3", "--tasks-per-node=2", "hostname"})["resources"][0].contains("exclusive"));
}

TEST(BuildJobspecTest, TasksPerNodeMultipliesNodes) {
  json spec = Spec({"-N2", "--ntasks-per-node=4", "app"});
  EXPECT_EQ(spec["resources"][0]["with"][0]["count"], 4);
  Parsed alone = ParseArgs({"--tasks-per-node=4", "app"});
  EXPECT_EQ(BuildJobspec(alone.options, alone.command, kHere).status().where(), "--tasks-per-node");
  Parsed conflict = ParseArgs({"-N2", "-n3", "--tasks-per-node=4", "app"});
  EXPECT_FALSE(BuildJobspec(conflict.options, conflict.command, kHere).ok());
}

TEST(BuildJobspecTest, SlurmSpellingsAreAliases) {
  json spec =
      Spec({"--cpus-per-task=3", "--time=0:30", "-p", "batch", "-J", "x", "--chdir=/t", "app"});
  const json& system = spec["attributes"]["system"];
  EXPECT_EQ(spec["resources"][0]["with"][0]["count"], 3);
  EXPECT_EQ(system["duration"], 30);
  EXPECT_EQ(system["queue"], "batch");
  EXPECT_EQ(system["job"]["name"], "x");
  EXPECT_EQ(system["cwd"], "/t");
}

TEST(BuildJobspecTest, TheCommandKeepsItsOwnFlags) {
  Parsed parsed = ParseArgs({"-n2", "ls", "-N", "--", "-t"});
  EXPECT_EQ(parsed.options.ntasks, 2);
  EXPECT_EQ(parsed.options.nodes, 0);
  EXPECT_EQ(parsed.command, (std::vector<std::string>{"ls", "-N", "--", "-t"}));
  EXPECT_EQ(ParseArgs({"--", "-weird"}).command, std::vector<std::string>{"-weird"});
}

TEST(BuildJobspecTest, BadFlagsAreUsageErrors) {
  EXPECT_THROW(ParseArgs({"-t", "soon", "app"}), CLI::ValidationError);
  EXPECT_THROW(ParseArgs({"--dependency=after:x", "app"}), CLI::ValidationError);
  EXPECT_THROW(ParseArgs({"--priority=32", "app"}), CLI::ValidationError);
  EXPECT_THROW(ParseArgs({"-N0", "app"}), CLI::ValidationError);
  EXPECT_THROW(ParseArgs({"--env==x", "app"}), CLI::ValidationError);
  Parsed empty = ParseArgs({});
  EXPECT_EQ(BuildJobspec(empty.options, empty.command, kHere).status().where(), "COMMAND");
}

TEST(BuildJobspecTest, EnvAndEnvRemoveApplyInCommandLineOrder) {
  const JobContext here{"/work", {{"A", "0"}, {"SLURM_JOB_ID", "7"}, {"SLURM_NTASKS", "2"}}};
  Parsed parsed = ParseArgs({"--env=B=2", "--env-remove=SLURM_*", "--env=A=1", "--env-remove",
                             "B", "--env=B=3", "app"});
  Result<json> spec = BuildJobspec(parsed.options, parsed.command, here);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->at("attributes").at("system").at("environment"),
            (json{{"A", "1"}, {"B", "3"}}));
  EXPECT_THROW(ParseArgs({"--env-remove", "", "app"}), CLI::ValidationError);
}

TEST(OverrideGivenTest, CopiesOnlyGivenFieldsAndAppendsEnv) {
  CLI::App app;
  JobOptions command_line;
  auto given = AddJobOptions(&app, &command_line);
  std::vector<std::string> args = {"--env=B=2", "-n", "8"};
  std::reverse(args.begin(), args.end());
  app.parse(args);
  JobOptions from_script;
  from_script.nodes = 2;
  from_script.ntasks = 4;
  from_script.env = {"A=1"};
  OverrideGiven(command_line, given, &from_script);
  EXPECT_EQ(from_script.nodes, 2);
  EXPECT_EQ(from_script.ntasks, 8);
  EXPECT_EQ(from_script.env, (std::vector<std::string>{"A=1", "B=2"}));
}

}  // namespace
}  // namespace converge::cli
