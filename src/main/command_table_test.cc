#include "main/command_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace converge {
namespace {

std::set<std::string> Registered(const CLI::App& app) {
  std::set<std::string> names;
  for (const CLI::App* command : app.get_subcommands({})) names.insert(command->get_name());
  return names;
}

TEST(CommandTableTest, EachAdderRegistersExactlyTheNamesListedForIt) {
  std::set<std::string> seen;
  for (const CommandAdder& adder : CommandAdders()) {
    CLI::App app;
    int exit_code = 0;
    adder.add(app, &exit_code);
    const std::set<std::string> listed(adder.names.begin(), adder.names.end());
    EXPECT_EQ(Registered(app), listed);
    for (const std::string& name : listed) EXPECT_TRUE(seen.insert(name).second) << name;
  }
}

TEST(CommandTableTest, ANamedCommandBringsOnlyItsAdder) {
  CLI::App app;
  int exit_code = 0;
  EXPECT_TRUE(AddCommands(app, "hold", &exit_code));
  EXPECT_EQ(Registered(app), (std::set<std::string>{"urgency", "hold", "release"}));
}

TEST(CommandTableTest, NoOrAnUnknownNameBringsEveryCommand) {
  size_t all = 0;
  for (const CommandAdder& adder : CommandAdders()) all += adder.names.size();
  for (const char* name : {"", "subnit"}) {
    CLI::App app;
    int exit_code = 0;
    EXPECT_FALSE(AddCommands(app, name, &exit_code)) << name;
    EXPECT_EQ(Registered(app).size(), all) << name;
  }
}

}  // namespace
}  // namespace converge
