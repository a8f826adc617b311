#include "agent/protocol.h"

#include <gtest/gtest.h>

namespace converge::agent {
namespace {

TEST(AgentProtocolTest, RegistrationRoundTrips) {
  Registration registration{"n01", "tcp:10.0.0.2:4000", "abc", "{\"graph\":{}}"};
  Result<Registration> parsed = RegistrationFromJson(ToJson(registration));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->name, "n01");
  EXPECT_EQ(parsed->url, "tcp:10.0.0.2:4000");
  EXPECT_EQ(parsed->topology, "{\"graph\":{}}");
}

TEST(AgentProtocolTest, RegistrationNamesTheMissingField) {
  Result<Registration> parsed = RegistrationFromJson(R"({"name":"n01","url":"tcp:a:1"})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().where(), "boot_id");
  EXPECT_FALSE(RegistrationFromJson("[").ok());
}

TEST(AgentProtocolTest, FinishedBatchCarriesResultsAndErrors) {
  FinishedBatch batch;
  batch.next = 7;
  PartStatus done{3, PartState::kFinished, {}, ""};
  done.result.exit_code = 2;
  done.result.signal = 9;
  batch.parts.push_back(done);
  batch.parts.push_back({4, PartState::kFinished, {}, "shim exited with 78"});
  Result<FinishedBatch> parsed = FinishedBatchFromJson(ToJson(batch));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->next, 7);
  ASSERT_EQ(parsed->parts.size(), 2u);
  EXPECT_EQ(parsed->parts[0].result.exit_code, 2);
  EXPECT_EQ(parsed->parts[0].result.signal, 9);
  EXPECT_EQ(parsed->parts[1].error, "shim exited with 78");
}

TEST(AgentProtocolTest, PartStatusRefusesABadState) {
  Result<PartStatus> parsed = PartStatusFromJson(R"({"job_id":1,"state":"sleeping"})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().where(), "state");
}

}  // namespace
}  // namespace converge::agent
