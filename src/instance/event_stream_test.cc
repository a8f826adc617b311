#include "instance/event_stream.h"

#include <gtest/gtest.h>

namespace converge::instance {
namespace {

TEST(EventStreamTest, KeepsTheNewestAndNumbersInArrivalOrder) {
  EventStream stream(3);
  for (int i = 0; i < 5; ++i) stream.Add(100 + i, "node", "n" + std::to_string(i), "Down", "");
  const std::vector<const StreamEvent*> kept = stream.Read({}, 10);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0]->seq, 3u);
  EXPECT_EQ(kept[2]->name, "n4");
  EXPECT_EQ(stream.last_seq(), 5u);
  EXPECT_EQ(stream.Read({}, 2).front()->seq, 4u);  // the newest two
}

TEST(EventStreamTest, FiltersBySinceAfterAndKind) {
  EventStream stream;
  stream.Add(10, "node", "n1", "Drained", "disk");
  stream.AddJobEvent({7, 0, 20, "submit", R"({"userid":1000})"});
  stream.Add(30, "service", "web", "Ready", "serving");
  EXPECT_EQ(stream.Read({.since = 20}, 10).size(), 2u);
  EXPECT_EQ(stream.Read({.after = 2}, 10).size(), 1u);
  const auto jobs = stream.Read({.kinds = {"job"}}, 10);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]->name, "7");
  const nlohmann::json json = EventStream::ToJson(*jobs[0]);
  EXPECT_EQ(json["context"]["userid"], 1000);
  EXPECT_EQ(json["message"], "userid=1000");
  EXPECT_EQ(json["reason"], "submit");
}

TEST(EventStreamTest, WatchersGetWhatPassesTheirFilterUntilTheyDecline) {
  EventStream stream;
  std::vector<std::string> seen;
  stream.Watch({.kinds = {"service"}}, [&](const StreamEvent& event) {
    seen.push_back(event.reason);
    return seen.size() < 2;
  });
  stream.Add(1, "node", "n1", "Down", "");
  stream.Add(2, "service", "web", "Started", "");
  EXPECT_EQ(stream.watchers(), 1u);
  stream.Add(3, "service", "web", "Ready", "");
  EXPECT_EQ(stream.watchers(), 0u);
  stream.Add(4, "service", "web", "Failed", "");
  EXPECT_EQ(seen, (std::vector<std::string>{"Started", "Ready"}));
}

}  // namespace
}  // namespace converge::instance
