// Robustness: truncations and byte flips of a valid file never crash or hang the parser;
// they either parse or return kInvalidArgument with a message.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "workload/document.h"
#include "workload/test_util.h"

namespace converge::workload {
namespace {

void ExpectParsesOrFailsCleanly(const std::string& text) {
  Result<std::vector<Document>> documents = ParseDocuments(text, "fuzz.yaml");
  if (!documents.ok()) {
    EXPECT_EQ(documents.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(documents.status().message().rfind("fuzz.yaml: ", 0), 0u)
        << documents.status().message();
  }
  Result<Document> json = ParseDocumentJson(text, "fuzz.json");
  if (!json.ok()) {
    EXPECT_EQ(json.status().code(), Code::kInvalidArgument);
  }
}

TEST(Fuzz, EveryTruncationOfTheExample) {
  const std::string text = testing::ExampleYaml();
  for (size_t length = 0; length <= text.size(); ++length) {
    ExpectParsesOrFailsCleanly(text.substr(0, length));
  }
}

TEST(Fuzz, RandomSlicesAndByteFlips) {
  const std::string text = testing::ExampleYaml();
  std::mt19937 rng(20240601);  // fixed seed: deterministic
  const std::string alphabet = "-:[]{},\"'#&*!|>%@`\n\t ?.0a";
  for (int round = 0; round < 2000; ++round) {
    std::string mutated = text;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      mutated[rng() % mutated.size()] = alphabet[rng() % alphabet.size()];
    }
    const size_t begin = rng() % (mutated.size() / 4);
    ExpectParsesOrFailsCleanly(mutated.substr(begin, rng() % (mutated.size() - begin + 1)));
  }
}

TEST(Fuzz, HostileShapes) {
  for (const std::string& text :
       {std::string(","), std::string("---\n,\n"), std::string("&a [*a]"),
        std::string("a: *unknown"), std::string("\xff\xfe"), std::string(5000, '-'),
        std::string(200, '{'), std::string("- ") + std::string(3000, '['),
        std::string("a:\n") + std::string(1000, ' ') + "b: c", std::string("\0\0\0", 3)}) {
    ExpectParsesOrFailsCleanly(text);
  }
}

}  // namespace
}  // namespace converge::workload
