#include "provenance/node_facts.h"

#include <gtest/gtest.h>

namespace converge::provenance {
namespace {

TEST(NodeFactsTest, OsPrettyNameFallsBackToNameAndVersion) {
  EXPECT_EQ(OsPrettyName("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 "
                         "(bookworm)\"\nVERSION_ID=\"12\"\n"),
            "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(OsPrettyName("NAME='Rocky Linux'\nVERSION=\"9.3 (Blue Onyx)\""),
            "Rocky Linux 9.3 (Blue Onyx)");
  EXPECT_EQ(OsPrettyName("garbage without equals\n\n"), "");
}

TEST(NodeFactsTest, CpuIdentityReadsTheFirstProcessor) {
  const char* cpuinfo =
      "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6248\n"
      "microcode\t: 0x5003604\n\nprocessor\t: 1\nmodel name\t: Something else\n"
      "microcode\t: 0x1\n";
  EXPECT_EQ(CpuIdentity(cpuinfo),
            (std::pair<std::string, std::string>{"Intel(R) Xeon(R) Gold 6248", "0x5003604"}));
  EXPECT_EQ(CpuIdentity(""), (std::pair<std::string, std::string>{"", ""}));
}

TEST(NodeFactsTest, RelevantModulesAreTheHpcOnesSorted) {
  const char* modules =
      "nvidia_uvm 1 0 - Live 0x0\nmlx5_ib 2 0 - Live 0x0\next4 3 0 - Live 0x0\n"
      "nvidia 4 0 - Live 0x0\nib_core 5 0 - Live 0x0\nxen_blkfront 1 0 - Live 0x0\n"
      "xe 1 0 - Live 0x0\nlustre 1 0 - Live 0x0\nxfs 1 0 - Live 0x0\n";
  EXPECT_EQ(RelevantModules(modules),
            (std::vector<std::string>{"ib_core", "lustre", "mlx5_ib", "nvidia", "nvidia_uvm",
                                      "xe"}));
  EXPECT_TRUE(IsAccelerator("nvidia"));
  EXPECT_FALSE(IsAccelerator("nvidia_uvm"));
}

TEST(NodeFactsTest, RoundTripsThroughJsonAndDigestsFollowTheFields) {
  NodeFacts facts = CollectNodeFacts("<topology/>", "0.1.0");
  EXPECT_FALSE(facts.kernel_release.empty());
  EXPECT_FALSE(facts.hostname.empty());
  Result<NodeFacts> back = NodeFactsFromJson(ToJson(facts, true).dump());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, facts);
  EXPECT_EQ(back->Digest(), facts.Digest());

  NodeFacts other = facts;
  other.kernel_cmdline += " mitigations=off";
  EXPECT_NE(other.KernelDigest(), facts.KernelDigest());
  EXPECT_EQ(other.TopologyDigest(), facts.TopologyDigest());
  EXPECT_NE(other.Digest(), facts.Digest());
  other = facts;
  other.topology_xml = "<topology><object/></topology>";
  EXPECT_EQ(other.KernelDigest(), facts.KernelDigest());
  EXPECT_NE(other.TopologyDigest(), facts.TopologyDigest());
  EXPECT_FALSE(ToJson(facts, false).contains("topology_xml"));
}

TEST(NodeFactsTest, BadJsonNamesTheField) {
  EXPECT_EQ(NodeFactsFromJson("[1]").status().where(), "facts");
  nlohmann::ordered_json json = ToJson(CollectNodeFacts("", ""), true);
  json.erase("boot_id");
  EXPECT_EQ(NodeFactsFromJson(json.dump()).status().where(), "facts.boot_id");
  json = ToJson(CollectNodeFacts("", ""), true);
  json["modules"] = {{"nvidia", 5}};
  EXPECT_EQ(NodeFactsFromJson(json.dump()).status().where(), "facts.modules.nvidia");
}

}  // namespace
}  // namespace converge::provenance
