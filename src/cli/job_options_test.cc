#include "cli/job_options.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

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
  EXPECT_EQ(MarkEndOfOptions({"run", "-n2", "--", "a", "--"}),
            (Args{"run", "-n2", mark, "a", "--"}));
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
  for (const char* bad : {"a or", "(a", "a )", "and a", "a | | b", "host:node[1-", "zone:eu",
                          "()", "properties:a,,b"}) {
    Parsed parsed = ParseArgs({"--requires", bad, "app"});
    Result<json> spec = BuildJobspec(parsed.options, parsed.command, kHere);
    EXPECT_FALSE(spec.ok()) << bad;
    if (!spec.ok()) {
      EXPECT_EQ(spec.status().where(), "--requires") << bad;
      EXPECT_EQ(spec.status().message().rfind("'" + std::string(bad) + "'", 0), 0u)
          << spec.status().message();
    }
  }
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--requires", std::string(100, '(') + "a", "app"}}) {
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

// RFC 35: or, not and parentheses; not binds tighter than and, and than or.
TEST(BuildJobspecTest, RequiresTakesRfc35Queries) {
  auto constraints = [](const std::string& query) {
    return Spec({"--requires", query, "app"})["attributes"]["system"]["constraints"];
  };
  EXPECT_EQ(constraints("a or b c"), json::parse(R"({"or": [{"properties": ["a"]},
      {"and": [{"properties": ["b"]}, {"properties": ["c"]}]}]})"));
  EXPECT_EQ(constraints("(a||b)&&c"), json::parse(R"({"and": [{"or": [{"properties": ["a"]},
      {"properties": ["b"]}]}, {"properties": ["c"]}]})"));
  EXPECT_EQ(constraints("not host:n1 | -(rank:0 and b)"),
            json::parse(R"({"or": [{"not": [{"hostlist": ["n1"]}]},
                {"not": [{"and": [{"ranks": ["0"]}, {"properties": ["b"]}]}]}]})"));
  EXPECT_EQ(constraints("host:n[1-3],n5"), json::parse(R"({"hostlist": ["n[1-3],n5"]})"));
}

TEST(BuildJobspecTest, SlurmConstraintIsAFeatureExpression) {
  EXPECT_EQ(Spec({"-C", "(ib|opa)&haswell", "--requires=gpu", "app"})["attributes"]["system"]
                ["constraints"],
            json::parse(R"({"and": [{"properties": ["gpu"]}, {"and": [{"or": [
                {"properties": ["ib"]}, {"properties": ["opa"]}]},
                {"properties": ["haswell"]}]}]})"));
  for (const char* bad : {"[ib|opa]", "knl*2", "a&"}) {
    Parsed parsed = ParseArgs({"--constraint", bad, "app"});
    EXPECT_EQ(BuildJobspec(parsed.options, parsed.command, kHere).status().where(),
              "--constraint")
        << bad;
  }
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

TEST(BuildJobspecTest, MemoryAndGpusPerNodeAreSharedByTheTasksOfANode) {
  // -N2 -n4: two slots a node; --mem 3G is per node, so 1536 MiB a slot.
  json spec = Spec({"-N2", "-n4", "--mem=3G", "--gpus-per-node=2", "app"});
  EXPECT_EQ(spec["version"], 9999);  // memory in a slot is beyond RFC 25
  const json& slot = spec["resources"][0]["with"][0];
  EXPECT_EQ(slot["with"][1], json::parse(R"({"type": "gpu", "count": 1})"));
  EXPECT_EQ(slot["with"][2], json::parse(R"({"type": "memory", "count": 1536, "unit": "MiB"})"));
  // Per cpu: times the task's cores. Without -N, the tasks share --mem.
  EXPECT_EQ(Spec({"-n2", "-c3", "--mem-per-cpu=100", "app"})["resources"][0]["with"][1]["count"],
            300);
  EXPECT_EQ(Spec({"-n4", "--mem-per-node=1G", "app"})["resources"][0]["with"][1]["count"], 256);
  json gres = Spec({"-N1", "--gres=gpu:2", "app"});
  EXPECT_EQ(gres["version"], 1);
  EXPECT_EQ(gres["resources"][0]["with"][0]["with"][1]["count"], 2);
  for (const auto& [args, where] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"-N1", "-n3", "--gpus-per-node=2", "app"}, "--gpus-per-node"},
           {{"-g1", "--gpus-per-node=2", "app"}, "--gpus-per-node"},
           {{"--gres=gpu:1", "--gpus-per-node=1", "app"}, "--gres"},
           {{"--mem=1G", "--mem-per-cpu=1G", "app"}, "--mem-per-cpu"}}) {
    Parsed parsed = ParseArgs(args);
    EXPECT_EQ(BuildJobspec(parsed.options, parsed.command, kHere).status().where(), where);
  }
  EXPECT_THROW(ParseArgs({"--mem=lots", "app"}), CLI::ValidationError);
  EXPECT_THROW(ParseArgs({"--gres=tpu:1", "app"}), CLI::ValidationError);
}

TEST(BuildJobspecTest, SetoptTakesPmiAndOutputRefusesFluxShellOptions) {
  const json setopt = Spec({"--setopt", "pmi=pmix", "app"});
  EXPECT_EQ(setopt["attributes"]["system"]["shell"]["options"]["pmi"], "pmix");
  EXPECT_THROW(ParseArgs({"--setopt", "cpu-affinity=off", "app"}), CLI::ValidationError);
  EXPECT_THROW(ParseArgs({"--setopt", "pmi=pmi9", "app"}), CLI::ValidationError);
  // -o is Slurm's --output: a Flux shell option there is a mistake, said so.
  try {
    ParseArgs({"-o", "pmi=simple", "app"});
    ADD_FAILURE() << "-o pmi=simple was taken for an output file";
  } catch (const CLI::ValidationError& error) {
    EXPECT_NE(std::string(error.what()).find("--setopt pmi=simple"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(Spec({"-o", "out=1.txt", "app"})["attributes"]["system"]["shell"]["options"]["output"]
                ["stdout"]["path"],
            "out=1.txt");
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

TEST(ParseBeginTimeTest, RelativeAbsoluteAndClockForms) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  const double now = 1'800'000'000;  // 2027-01-15T08:00:00Z
  EXPECT_EQ(*ParseBeginTime("now", now), now);
  EXPECT_EQ(*ParseBeginTime("+90", now), now + 90);
  EXPECT_EQ(*ParseBeginTime("+1.5h", now), now + 5400);
  EXPECT_EQ(*ParseBeginTime("now+60", now), now + 60);
  EXPECT_EQ(*ParseBeginTime("now+2hours", now), now + 7200);
  EXPECT_EQ(*ParseBeginTime("now+1w", now), now + 604800);
  EXPECT_EQ(*ParseBeginTime("2027-01-16", now), now + 16 * 3600);
  EXPECT_EQ(*ParseBeginTime("2027-01-15T09:30", now), now + 5400);
  EXPECT_EQ(*ParseBeginTime("2027-01-15 09:30:15", now), now + 5415);
  EXPECT_EQ(*ParseBeginTime("09:00", now), now + 3600);             // later today
  EXPECT_EQ(*ParseBeginTime("07:00:00", now), now + 23 * 3600);     // tomorrow
  for (const char* bad : {"", "soon", "now+", "now+5y", "+", "+5x", "2027-13-01", "2027-02-30",
                          "25:00", "09:00pm", "2027-01-15X09:00", "12"}) {
    Result<double> parsed = ParseBeginTime(bad, now);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().where(), "--begin-time");
    }
  }
  ::unsetenv("TZ");
  ::tzset();
}

TEST(BuildJobspecTest, BeginTimeAndTheNewDependenciesReachTheJobspec) {
  JobContext here = kHere;
  here.now = 1'800'000'000;
  Parsed parsed = ParseArgs({"--begin=+10m", "-d", "singleton,after:4", "app"});
  Result<json> spec = BuildJobspec(parsed.options, parsed.command, here);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ((*spec)["attributes"]["system"]["dependencies"],
            json::parse(R"([{"scheme": "singleton", "value": ""},
                            {"scheme": "after", "value": "4"},
                            {"scheme": "begin-time", "value": "1800000600.000"}])"));
  EXPECT_EQ(ParseDependencies({"after:4+5"}).status().message(),
            "'4+5': a delay after the job (+MINUTES) is not supported");
  Parsed soon = ParseArgs({"--begin-time=soon", "app"});
  EXPECT_EQ(BuildJobspec(soon.options, soon.command, here).status().where(), "--begin-time");
}

TEST(ParseWarnSignalTest, FluxAndSlurmSpellings) {
  EXPECT_EQ(*ParseWarnSignal("USR2@5m"), (json{{"signum", 12}, {"timeleft", 300.0}}));
  EXPECT_EQ(*ParseWarnSignal("10@90"), (json{{"signum", 10}, {"timeleft", 90.0}}));
  EXPECT_EQ(*ParseWarnSignal("SIGTERM"), (json{{"signum", 15}, {"timeleft", 60.0}}));
  EXPECT_EQ(*ParseWarnSignal("@30"), (json{{"signum", 10}, {"timeleft", 30.0}}));
  for (const char* bad : {"B:USR1@60", "R:10", "USR3", "USR1@soon", "USR1@-5"}) {
    Result<json> parsed = ParseWarnSignal(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().where(), "--signal") << bad;
    }
  }
  EXPECT_EQ(Spec({"-t", "1h", "--signal=USR1@2m", "app"})["attributes"]["system"]["shell"]
                ["options"]["signal"],
            (json{{"signum", 10}, {"timeleft", 120.0}}));
}

TEST(BuildJobspecTest, SetattrWritesSystemAndUserAttributes) {
  json spec = Spec({"-S", "job.name=x", "--setattr=user.project=\"p1\"", "-S", "user.n=3",
                    "-S", "system.duration=90", "-S", "queue=debug", "-S", "flag", "app"});
  const json& attributes = spec["attributes"];
  EXPECT_EQ(attributes["system"]["job"]["name"], "x");
  EXPECT_EQ(attributes["system"]["duration"], 90.0);
  EXPECT_EQ(attributes["system"]["queue"], "debug");
  EXPECT_EQ(attributes["system"]["flag"], 1);
  EXPECT_EQ(attributes["user"], (json{{"project", "p1"}, {"n", 3}}));
  for (const char* bad : {"environment=x", "dependencies=[]", "duration=soon", "queue=1",
                          "a..b=1", "job.name.x=1"}) {
    Parsed parsed = ParseArgs({"-S", "job.name=x", "-S", bad, "app"});
    Result<json> built = BuildJobspec(parsed.options, parsed.command, kHere);
    EXPECT_FALSE(built.ok()) << bad;
    if (!built.ok()) {
      EXPECT_EQ(built.status().where(), "--setattr") << bad;
    }
  }
}

TEST(ParseArrayIndexesTest, SlurmRangesListsAndSteps) {
  EXPECT_EQ(*ParseArrayIndexes("0-15:4", 100), (std::vector<int64_t>{0, 4, 8, 12}));
  EXPECT_EQ(*ParseArrayIndexes("7,1-3", 100), (std::vector<int64_t>{7, 1, 2, 3}));
  EXPECT_EQ(*ParseArrayIndexes("5", 100), (std::vector<int64_t>{5}));
  EXPECT_EQ(ParseArrayIndexes("1-10", 9).status().message(),
            "'1-10' makes more than 9 copies");
  for (const char* bad : {"", "1-", "-3", "a", "1-3:0", "1-3:", "3:1", "1,,2", "1-2-3"}) {
    EXPECT_FALSE(ParseArrayIndexes(bad, 100).ok()) << bad;
  }
  EXPECT_EQ(ParseArrayIndexes("1-3%1", 100).status().where(), "--array");
}

}  // namespace
}  // namespace converge::cli
