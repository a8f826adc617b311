#include "provenance/elf_needed.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace converge::provenance {
namespace {

Result<std::vector<std::string>> NeededOf(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(Code::kNotFound, path);
  Result<std::vector<std::string>> needed = NeededLibraries(fd);
  ::close(fd);
  return needed;
}

bool Has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(NeededLibrariesTest, ADynamicProgramNamesWhatItLinks) {
  Result<std::vector<std::string>> ls = NeededOf("/bin/ls");
  ASSERT_TRUE(ls.ok()) << ls.status().ToString();
  EXPECT_TRUE(Has(*ls, "libc.so.6")) << ls->size();
  if (::access("/usr/bin/hpcc", R_OK) == 0) {  // Debian's hpcc is an Open MPI program
    Result<std::vector<std::string>> hpcc = NeededOf("/usr/bin/hpcc");
    ASSERT_TRUE(hpcc.ok()) << hpcc.status().ToString();
    EXPECT_TRUE(Has(*hpcc, "libmpi.so.40"));
  }
}

TEST(NeededLibrariesTest, ScriptsAndGarbageNameNothingAndTruncationIsDamage) {
  char folder[] = "/tmp/elf_needed_test.XXXXXX";
  ASSERT_NE(::mkdtemp(folder), nullptr);
  const std::string dir = folder;
  std::ofstream(dir + "/script") << "#!/bin/sh\necho hi\n";
  std::ofstream(dir + "/empty");
  EXPECT_TRUE(NeededOf(dir + "/script")->empty());
  EXPECT_TRUE(NeededOf(dir + "/empty")->empty());
  // The first 4 KiB of a real program: its headers are there, its dynamic section is not.
  std::ifstream in("/bin/ls", std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  std::ofstream(dir + "/cut", std::ios::binary) << head;
  Result<std::vector<std::string>> cut = NeededOf(dir + "/cut");
  EXPECT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), Code::kInvalidArgument);
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace converge::provenance
