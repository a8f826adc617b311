#include "exec/pmi_simple_server.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <vector>
#include <string>

namespace converge::exec {
namespace {

// Sends `line` (a newline is added) as `rank` and returns what the server answered it.
std::string Ask(PmiSimpleServer& server, int rank, const std::string& line) {
  server.Receive(rank, line + "\n");
  return server.TakeOutput(rank);
}

TEST(PmiSimpleServerTest, AnswersTheStartupSequenceMpichSends) {
  PmiSimpleServer server(2, "converge.7");
  EXPECT_EQ(Ask(server, 0, "cmd=init pmi_version=1 pmi_subversion=1"),
            "cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=0\n");
  EXPECT_EQ(Ask(server, 0, "cmd=get_maxes"),
            "cmd=maxes rc=0 kvsname_max=256 keylen_max=64 vallen_max=1024\n");
  EXPECT_EQ(Ask(server, 0, "cmd=get_appnum"), "cmd=appnum rc=0 appnum=0\n");
  EXPECT_EQ(Ask(server, 0, "cmd=get_my_kvsname"), "cmd=my_kvsname rc=0 kvsname=converge.7\n");
  EXPECT_EQ(Ask(server, 0, "cmd=get_universe_size"), "cmd=universe_size rc=0 size=2\n");
  EXPECT_EQ(Ask(server, 0, "cmd=get kvsname=converge.7 key=PMI_process_mapping"),
            "cmd=get_result rc=0 msg=success value=(vector,(0,1,2))\n");
}

TEST(PmiSimpleServerTest, BarrierReleasesEveryRankOnlyWhenAllEntered) {
  PmiSimpleServer server(3, "kvs");
  EXPECT_EQ(Ask(server, 0, "cmd=put kvsname=kvs key=card-0 value=a=b"),
            "cmd=put_result rc=0 msg=success\n");
  EXPECT_EQ(Ask(server, 0, "cmd=barrier_in"), "");
  EXPECT_EQ(Ask(server, 2, "cmd=barrier_in"), "");
  EXPECT_EQ(Ask(server, 1, "cmd=barrier_in"), "cmd=barrier_out rc=0\n");
  EXPECT_EQ(server.TakeOutput(0), "cmd=barrier_out rc=0\n");
  EXPECT_EQ(server.TakeOutput(2), "cmd=barrier_out rc=0\n");
  // After the barrier, every rank sees the put; a value may contain '='.
  EXPECT_EQ(Ask(server, 2, "cmd=get kvsname=kvs key=card-0"),
            "cmd=get_result rc=0 msg=success value=a=b\n");
  // A second barrier works the same way.
  for (int rank : {0, 1}) EXPECT_EQ(Ask(server, rank, "cmd=barrier_in"), "");
  EXPECT_EQ(Ask(server, 2, "cmd=barrier_in"), "cmd=barrier_out rc=0\n");
}

TEST(PmiSimpleServerTest, LinesMayArriveInPiecesAndSeveralAtOnce) {
  PmiSimpleServer server(1, "kvs");
  server.Receive(0, "cmd=get_app");
  EXPECT_EQ(server.TakeOutput(0), "");
  server.Receive(0, "num\ncmd=get_universe_size\ncmd=fin");
  EXPECT_EQ(server.TakeOutput(0), "cmd=appnum rc=0 appnum=0\ncmd=universe_size rc=0 size=1\n");
  server.Receive(0, "alize\n");
  EXPECT_EQ(server.TakeOutput(0), "cmd=finalize_ack rc=0\n");
}

TEST(PmiSimpleServerTest, MissingKeyAndWrongKvsnameAreErrors) {
  PmiSimpleServer server(1, "kvs");
  EXPECT_EQ(Ask(server, 0, "cmd=get kvsname=kvs key=nope"),
            "cmd=get_result rc=-1 msg=key_nope_not_found\n");
  EXPECT_EQ(Ask(server, 0, "cmd=get kvsname=other key=nope"),
            "cmd=get_result rc=-1 msg=unknown_kvsname_other\n");
  EXPECT_EQ(Ask(server, 0, "cmd=put kvsname=kvs key=k"),
            "cmd=put_result rc=-1 msg=put_needs_key_and_value\n");
  EXPECT_FALSE(server.closed(0));
}

TEST(PmiSimpleServerTest, GetByIndexWalksTheKvs) {
  PmiSimpleServer server(1, "kvs");
  Ask(server, 0, "cmd=put kvsname=kvs key=a value=1");
  EXPECT_EQ(Ask(server, 0, "cmd=getbyidx kvsname=kvs idx=0"),
            "cmd=getbyidx_results rc=0 nextidx=1 key=PMI_process_mapping val=(vector,(0,1,1))\n");
  EXPECT_EQ(Ask(server, 0, "cmd=getbyidx kvsname=kvs idx=1"),
            "cmd=getbyidx_results rc=0 nextidx=2 key=a val=1\n");
  EXPECT_EQ(Ask(server, 0, "cmd=getbyidx kvsname=kvs idx=2"),
            "cmd=getbyidx_results rc=-2 reason=no_more_keyvals\n");
  EXPECT_EQ(Ask(server, 0, "cmd=getbyidx kvsname=kvs idx=x"),
            "cmd=getbyidx_results rc=-1 msg=bad_idx\n");
}

TEST(PmiSimpleServerTest, InitackHandshakeTellsRankAndSize) {
  PmiSimpleServer server(4, "kvs");
  EXPECT_EQ(Ask(server, 2, "cmd=initack pmiid=2"),
            "cmd=initack rc=0\ncmd=set size=4\ncmd=set rank=2\ncmd=set debug=0\n");
  // A client claiming another rank's id is refused and disconnected.
  EXPECT_EQ(Ask(server, 1, "cmd=initack pmiid=3"),
            "cmd=initack rc=-1 msg=pmiid_does_not_match_this_connection's_rank\n");
  EXPECT_TRUE(server.closed(1));
}

TEST(PmiSimpleServerTest, Pmi2ClientIsToldVersionOneOnly) {
  PmiSimpleServer server(1, "kvs");
  EXPECT_EQ(Ask(server, 0, "cmd=init pmi_version=2 pmi_subversion=0"),
            "cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=-1\n");
}

TEST(PmiSimpleServerTest, AbortCarriesTheExitCode) {
  PmiSimpleServer server(2, "kvs");
  Ask(server, 1, "cmd=init pmi_version=1 pmi_subversion=1");
  EXPECT_EQ(Ask(server, 1, "cmd=abort exitcode=3"), "");
  ASSERT_TRUE(server.abort().has_value());
  EXPECT_EQ(server.abort()->rank, 1);
  EXPECT_EQ(server.abort()->exit_code, 3);
  EXPECT_EQ(server.abort()->message, "rank 1 called PMI abort (exit code 3)");
  // The first abort wins.
  Ask(server, 0, "cmd=abort exitcode=9");
  EXPECT_EQ(server.abort()->exit_code, 3);
}

TEST(PmiSimpleServerTest, RankLostBeforeFinalizeAbortsTheJob) {
  PmiSimpleServer server(2, "kvs");
  Ask(server, 0, "cmd=init pmi_version=1 pmi_subversion=1");
  Ask(server, 1, "cmd=init pmi_version=1 pmi_subversion=1");
  Ask(server, 0, "cmd=finalize");
  server.Disconnected(0);  // finalized: a clean exit
  EXPECT_FALSE(server.abort().has_value());
  server.Disconnected(1);
  ASSERT_TRUE(server.abort().has_value());
  EXPECT_EQ(server.abort()->rank, 1);
  EXPECT_FALSE(server.abort()->exit_code.has_value());
}

TEST(PmiSimpleServerTest, TaskThatNeverInitializedMayLeave) {
  PmiSimpleServer server(2, "kvs");
  server.Disconnected(0);
  EXPECT_FALSE(server.abort().has_value());
  EXPECT_TRUE(server.closed(0));
  server.Receive(0, "cmd=get_appnum\n");  // ignored once closed
  EXPECT_EQ(server.TakeOutput(0), "");
}

TEST(PmiSimpleServerTest, SpawnAndNameServiceAreRefused) {
  PmiSimpleServer server(1, "kvs");
  server.Receive(0, "mcmd=spawn\nnprocs=2\nexecname=./a.out\nendcmd\n");
  EXPECT_EQ(server.TakeOutput(0),
            "cmd=spawn_result rc=-1 errmsg=converge_does_not_support_PMI_spawn\n");
  EXPECT_EQ(Ask(server, 0, "cmd=publish_name service=s port=p"),
            "cmd=publish_result rc=-1 msg=converge_does_not_support_PMI_name_service\n");
  EXPECT_EQ(Ask(server, 0, "cmd=lookup_name service=s"),
            "cmd=lookup_result rc=-1 msg=converge_does_not_support_PMI_name_service\n");
  EXPECT_FALSE(server.closed(0));
}

TEST(PmiSimpleServerTest, EndlessSpawnBlockDisconnects) {
  PmiLimits limits;
  limits.max_spawn_lines = 3;
  PmiSimpleServer server(1, "kvs", limits);
  server.Receive(0, "mcmd=spawn\na=1\nb=2\nc=3\n");
  EXPECT_EQ(server.TakeOutput(0), "cmd=spawn_result rc=-1 errmsg=spawn_block_too_long\n");
  EXPECT_TRUE(server.closed(0));
}

TEST(PmiSimpleServerTest, OverlongLineDisconnectsAndAbortsAnInitializedRank) {
  PmiLimits limits;
  limits.max_line = 48;
  PmiSimpleServer server(2, "kvs", limits);
  Ask(server, 0, "cmd=init pmi_version=1 pmi_subversion=1");
  server.TakeOutput(0);
  server.Receive(0, std::string(30, 'x'));
  EXPECT_FALSE(server.closed(0));
  server.Receive(0, std::string(30, 'x'));  // no newline within 48 bytes
  EXPECT_EQ(server.TakeOutput(0), "cmd=error rc=-1 msg=line_longer_than_48_bytes\n");
  EXPECT_TRUE(server.closed(0));
  ASSERT_TRUE(server.abort().has_value());
  EXPECT_EQ(server.abort()->message, "rank 0 broke the PMI protocol and was disconnected");
}

TEST(PmiSimpleServerTest, GarbageDisconnects) {
  for (const char* line : {"hello", "=x", "cmd=", "key=value", "cmd=get key"}) {
    PmiSimpleServer server(1, "kvs");
    server.Receive(0, std::string(line) + "\n");
    EXPECT_EQ(server.TakeOutput(0), "cmd=error rc=-1 msg=expected_cmd=NAME_key=value...\n") << line;
    EXPECT_TRUE(server.closed(0)) << line;
  }
}

TEST(PmiSimpleServerTest, UnknownCommandIsAnErrorReply) {
  PmiSimpleServer server(1, "kvs");
  EXPECT_EQ(Ask(server, 0, "cmd=frobnicate x=1"),
            "cmd=error rc=-1 msg=unknown_command_frobnicate\n");
  EXPECT_FALSE(server.closed(0));
}

TEST(PmiSimpleServerTest, CommandAfterFinalizeAndDoubleBarrierDisconnect) {
  PmiSimpleServer server(2, "kvs");
  Ask(server, 0, "cmd=finalize");
  EXPECT_EQ(Ask(server, 0, "cmd=get_appnum"), "cmd=error rc=-1 msg=command_after_finalize\n");
  EXPECT_TRUE(server.closed(0));
  Ask(server, 1, "cmd=barrier_in");
  EXPECT_EQ(Ask(server, 1, "cmd=barrier_in"), "cmd=barrier_out rc=-1 msg=barrier_in_twice\n");
  EXPECT_TRUE(server.closed(1));
}

TEST(PmiSimpleServerTest, KvsLimitsRefusePuts) {
  PmiLimits limits;
  limits.max_entries = 2;  // PMI_process_mapping + one
  PmiSimpleServer server(1, "kvs", limits);
  EXPECT_EQ(Ask(server, 0, "cmd=put kvsname=kvs key=a value=1"),
            "cmd=put_result rc=0 msg=success\n");
  EXPECT_EQ(Ask(server, 0, "cmd=put kvsname=kvs key=b value=1"),
            "cmd=put_result rc=-1 msg=kvs_full\n");
  // Replacing an existing key needs no new entry.
  EXPECT_EQ(Ask(server, 0, "cmd=put kvsname=kvs key=a value=2"),
            "cmd=put_result rc=0 msg=success\n");
  EXPECT_EQ(Ask(server, 0, "cmd=put kvsname=kvs key=a value=" + std::string(1025, 'v')),
            "cmd=put_result rc=-1 msg=key_or_value_longer_than_get_maxes_allows\n");
  EXPECT_EQ(Ask(server, 0, "cmd=get kvsname=kvs key=a"),
            "cmd=get_result rc=0 msg=success value=2\n");

  PmiLimits bytes;
  bytes.max_kvs_bytes = 40;
  PmiSimpleServer small(1, "kvs", bytes);
  EXPECT_EQ(Ask(small, 0, "cmd=put kvsname=kvs key=k value=0123456789"),
            "cmd=put_result rc=-1 msg=kvs_full\n");
}

TEST(PmiSimpleServerTest, RandomBytesNeverBreakTheServer) {
  std::mt19937 rng(20261202);
  const std::string alphabet = "cmd=_ \nabcdefghijklmnopqrstuvwxyz0123456789\r\t\x01\xff";
  for (int round = 0; round < 200; ++round) {
    PmiSimpleServer server(3, "kvs");
    for (int chunk = 0; chunk < 50; ++chunk) {
      std::string bytes(rng() % 300, ' ');
      for (char& c : bytes) c = alphabet[rng() % alphabet.size()];
      const int rank = static_cast<int>(rng() % 3);
      server.Receive(rank, bytes);
      if (rng() % 40 == 0) server.Disconnected(rank);
      EXPECT_LE(server.TakeOutput(rank).size(), 16u * 4096);
    }
  }
}

// Ranks 0 and 1 on node "a", rank 2 on node "b": one server per node.
JobLayout TwoNodes(int part) { return JobLayout{{"a", "b"}, {0, 0, 1}, part, "00112233445566778899"}; }

TEST(PmiSimpleServerTest, PartsOfAJobMeetInAFenceAndSeeEachOthersPuts) {
  PmiSimpleServer a(TwoNodes(0), "kvs");
  PmiSimpleServer b(TwoNodes(1), "kvs");
  EXPECT_TRUE(a.served(1));
  EXPECT_FALSE(a.served(2));
  EXPECT_EQ(Ask(a, 0, "cmd=get_universe_size"), "cmd=universe_size rc=0 size=3\n");
  EXPECT_EQ(Ask(b, 2, "cmd=get kvsname=kvs key=PMI_process_mapping"),
            "cmd=get_result rc=0 msg=success value=(vector,(0,1,2),(1,1,1))\n");
  EXPECT_EQ(Ask(a, 0, "cmd=put kvsname=kvs key=card-0 value=x"), "cmd=put_result rc=0 msg=success\n");
  EXPECT_EQ(Ask(a, 1, "cmd=put kvsname=kvs key=card-1 value=y"), "cmd=put_result rc=0 msg=success\n");
  EXPECT_EQ(Ask(a, 0, "cmd=put kvsname=kvs key=card-0 value=z"), "cmd=put_result rc=0 msg=success\n");
  EXPECT_EQ(Ask(b, 2, "cmd=put kvsname=kvs key=card-2 value=w=v"), "cmd=put_result rc=0 msg=success\n");
  EXPECT_EQ(Ask(a, 0, "cmd=barrier_in"), "");
  EXPECT_FALSE(a.TakeFence().has_value());  // rank 1 is not in the barrier yet
  EXPECT_EQ(Ask(a, 1, "cmd=barrier_in"), "");  // not released: the fence goes first
  std::optional<std::string> fence_a = a.TakeFence();
  ASSERT_TRUE(fence_a.has_value());
  EXPECT_EQ(*fence_a, "card-0 z\ncard-1 y\n");  // each key once, with its latest value
  EXPECT_FALSE(a.TakeFence().has_value());
  EXPECT_EQ(Ask(b, 2, "cmd=barrier_in"), "");
  std::optional<std::string> fence_b = b.TakeFence();
  ASSERT_TRUE(fence_b.has_value());
  a.CompleteFence({*fence_a, *fence_b});
  b.CompleteFence({*fence_a, *fence_b});
  EXPECT_EQ(a.TakeOutput(0), "cmd=barrier_out rc=0\n");
  EXPECT_EQ(a.TakeOutput(1), "cmd=barrier_out rc=0\n");
  EXPECT_EQ(b.TakeOutput(2), "cmd=barrier_out rc=0\n");
  EXPECT_EQ(Ask(a, 1, "cmd=get kvsname=kvs key=card-2"),
            "cmd=get_result rc=0 msg=success value=w=v\n");
  EXPECT_EQ(Ask(b, 2, "cmd=get kvsname=kvs key=card-0"),
            "cmd=get_result rc=0 msg=success value=z\n");
  // The next fence carries only what was put since.
  EXPECT_EQ(Ask(b, 2, "cmd=barrier_in"), "");
  EXPECT_EQ(b.TakeFence(), std::optional<std::string>(""));
  EXPECT_FALSE(b.abort().has_value());
}

TEST(PmiSimpleServerTest, AFailedOrMalformedFenceAbortsTheJob) {
  PmiSimpleServer a(TwoNodes(0), "kvs");
  for (int rank : {0, 1}) Ask(a, rank, "cmd=barrier_in");
  ASSERT_TRUE(a.TakeFence().has_value());
  a.FailFence("job 3 ended on one of its nodes");
  ASSERT_TRUE(a.abort().has_value());
  EXPECT_NE(a.abort()->message.find("job 3 ended"), std::string::npos);
  EXPECT_EQ(a.TakeOutput(0), "");  // never released

  PmiSimpleServer b(TwoNodes(1), "kvs");
  Ask(b, 2, "cmd=barrier_in");
  ASSERT_TRUE(b.TakeFence().has_value());
  b.CompleteFence({"no-space-here\n", ""});
  ASSERT_TRUE(b.abort().has_value());
  EXPECT_NE(b.abort()->message.find("malformed"), std::string::npos);
}

TEST(PmiSimpleServerTest, ProcessMappingDescribesBlocksAndCycles) {
  auto mapping = [](std::vector<int> rank_nodes, int nodes) {
    JobLayout layout;
    for (int node = 0; node < nodes; ++node) layout.nodes.push_back("n" + std::to_string(node));
    layout.rank_nodes = std::move(rank_nodes);
    PmiSimpleServer server(layout, "kvs");
    return Ask(server, 0, "cmd=get kvsname=kvs key=PMI_process_mapping");
  };
  EXPECT_EQ(mapping({0, 0, 1, 1}, 2), "cmd=get_result rc=0 msg=success value=(vector,(0,2,2))\n");
  EXPECT_EQ(mapping({0, 1, 0, 1}, 2),
            "cmd=get_result rc=0 msg=success value=(vector,(0,2,1),(0,2,1))\n");
  EXPECT_EQ(mapping({0, 0, 0, 1, 2}, 3),
            "cmd=get_result rc=0 msg=success value=(vector,(0,1,3),(1,2,1))\n");
}

}  // namespace
}  // namespace converge::exec
