// What the MPI ring programs print (tests/mpi/ring.c for MPICH, tests/mpi/ring_ompi.c for
// Open MPI), checked for one world of `size` ranks: each rank got its left neighbour's value,
// the token went round once, and the allreduce summed every rank.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>

namespace converge::testutil {

// ring.c prints "rank R of N: from_left=L allreduce=S [ring=ok] ok" per rank.
inline void ExpectMpichRingWorld(const std::string& out, int size) {
  const int sum = size * (size - 1) / 2;
  for (int rank = 0; rank < size; ++rank) {
    const std::string line = "rank " + std::to_string(rank) + " of " + std::to_string(size) +
                             ": from_left=" + std::to_string((rank + size - 1) % size) +
                             " allreduce=" + std::to_string(sum) +
                             (rank == 0 ? " ring=ok" : "") + " ok\n";
    EXPECT_NE(out.find(line), std::string::npos) << line << "missing in:\n" << out;
  }
}

struct OmpiRankLine {
  int size = 0;
  int token = 0;
  int sum = 0;
};

// rank -> what ring_ompi printed; other lines are ignored.
inline std::map<int, OmpiRankLine> ParseOmpiRanks(const std::string& out) {
  static const std::regex kLine(R"(ring_ompi rank (\d+) size (\d+) token (\d+) sum (\d+) host .*)");
  std::map<int, OmpiRankLine> ranks;
  std::istringstream lines(out);
  std::string line;
  std::smatch match;
  while (std::getline(lines, line)) {
    if (!std::regex_match(line, match, kLine)) continue;
    ranks[std::stoi(match[1])] = {std::stoi(match[2]), std::stoi(match[3]), std::stoi(match[4])};
  }
  return ranks;
}

inline void ExpectOmpiRingWorld(const std::string& out, int size) {
  const std::map<int, OmpiRankLine> ranks = ParseOmpiRanks(out);
  ASSERT_EQ(ranks.size(), static_cast<size_t>(size)) << out;
  for (const auto& [rank, line] : ranks) {
    EXPECT_EQ(line.size, size) << "rank " << rank << " is not in a " << size
                               << "-rank world:\n" << out;
    EXPECT_EQ(line.sum, size * (size - 1) / 2) << "rank " << rank;
    // Rank r > 0 got 1000 + (r - 1) from its left neighbour and passed on 1000 + r; rank 0
    // got the token back after size - 1 increments.
    EXPECT_EQ(line.token, rank == 0 ? 1000 + size - 1 : 1000 + rank) << "rank " << rank;
  }
}

}  // namespace converge::testutil
