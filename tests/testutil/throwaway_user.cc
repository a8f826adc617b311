#include "tests/testutil/throwaway_user.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace converge::testutil {

ThrowawayUser::ThrowawayUser() {
  if (::geteuid() != 0) {
    skip_reason_ = "needs root to create a throwaway user";
    return;
  }
  // Unique per process and per object: a second user of the same test gets the next free
  // suffix (useradd exits with 9 when the name is taken).
  const std::string stem =
      "cvt" + std::to_string(::getpid()) + "x" + std::to_string(::time(nullptr) % 1000);
  CommandResult added;
  for (int suffix = 0; suffix < 26; ++suffix) {
    name_ = stem + static_cast<char>('a' + suffix);
    added =
        RunProgram({"useradd", "--no-create-home", "--shell", "/bin/sh", "--user-group", name_});
    if (added.exit_code != 9) break;
  }
  if (added.exit_code != 0) {
    name_.clear();  // not ours: the destructor must not remove it
    skip_reason_ = "useradd failed: " + added.err;
    return;
  }
  struct passwd* entry = ::getpwnam(name_.c_str());
  if (entry == nullptr) {
    skip_reason_ = "useradd made no user " + name_;
    return;
  }
  uid_ = entry->pw_uid;
  gid_ = entry->pw_gid;
  ok_ = true;
}

ThrowawayUser::~ThrowawayUser() {
  if (!name_.empty()) {
    RunProgram({"pkill", "-KILL", "-u", name_});
    RunProgram({"userdel", name_});
  }
  if (!binary_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(binary_dir_, ignored);
  }
}

std::vector<std::string> ThrowawayUser::AsThisUser(const std::vector<std::string>& argv) const {
  std::vector<std::string> command = {"setpriv", "--reuid=" + std::to_string(uid_),
                                      "--regid=" + std::to_string(gid_), "--clear-groups", "--"};
  command.insert(command.end(), argv.begin(), argv.end());
  return command;
}

CommandResult ThrowawayUser::Run(const std::vector<std::string>& argv,
                                 const std::string& input) const {
  return RunProgram(AsThisUser(argv), input);
}

std::vector<std::string> ThrowawayUser::ConvergeArgv(const InstanceLauncher& instance,
                                                     const std::vector<std::string>& args,
                                                     std::string* error) const {
  OpenPathForOthers(instance.state_dir() + "/converge.sock");
  if (binary_dir_.empty()) {
    char folder[] = "/tmp/converge-bin-XXXXXX";
    if (::mkdtemp(folder) == nullptr || ::chmod(folder, 0755) != 0) {
      *error = "cannot make a folder for the binary's copy";
      return {};
    }
    binary_dir_ = folder;
    std::error_code copy_error;
    std::filesystem::copy_file(ConvergeBinary(), binary_dir_ + "/converge", copy_error);
    if (copy_error || ::chmod((binary_dir_ + "/converge").c_str(), 0755) != 0) {
      *error = "cannot copy " + ConvergeBinary() + ": " + copy_error.message();
      return {};
    }
  }
  std::vector<std::string> argv = {"env", "CONVERGE_URI=" + instance.uri(),
                                   binary_dir_ + "/converge"};
  argv.insert(argv.end(), args.begin(), args.end());
  return AsThisUser(argv);
}

CommandResult ThrowawayUser::RunConverge(const InstanceLauncher& instance,
                                         const std::vector<std::string>& args,
                                         const std::string& input) const {
  std::string error;
  std::vector<std::string> argv = ConvergeArgv(instance, args, &error);
  if (argv.empty()) return {1, "", error};
  return RunProgram(argv, input);
}

void OpenPathForOthers(const std::string& path) {
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  for (; !folder.empty() && folder != folder.root_path(); folder = folder.parent_path()) {
    struct stat info {};
    if (::stat(folder.c_str(), &info) == 0 && (info.st_mode & S_IXOTH) == 0) {
      ::chmod(folder.c_str(), (info.st_mode & 07777) | S_IXOTH);
    }
  }
}

}  // namespace converge::testutil
