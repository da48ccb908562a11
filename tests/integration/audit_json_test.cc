// StringsFromJsonArray has a fast path for what array_to_json() prints; it
// must give exactly what the full JSON parser gives, for any input.
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "storage/row.h"

namespace casebridge::storage {
namespace {

// The reference: the full parser, as StringsFromJsonArray used alone before.
std::vector<std::string> Reference(const std::string& json) {
  std::vector<std::string> out;
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const auto& v : parsed) {
    out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

TEST(AuditJsonTest, ArraysAsPostgresPrintsThem) {
  EXPECT_EQ(StringsFromJsonArray("[]"), std::vector<std::string>{});
  EXPECT_EQ(StringsFromJsonArray("[1,4,13]"),
            (std::vector<std::string>{"1", "4", "13"}));
  EXPECT_EQ(StringsFromJsonArray(R"(["cases/a","cases/a/incidents/b"])"),
            (std::vector<std::string>{"cases/a", "cases/a/incidents/b"}));
  EXPECT_EQ(StringsFromJsonArray(R"(["a \"quoted\" \\ \/ \n\t\u00e9\u20ac",null])"),
            (std::vector<std::string>{"a \"quoted\" \\ / \n\t\xc3\xa9\xe2\x82\xac", "null"}));
}

TEST(AuditJsonTest, SameAsTheFullParserForAnyInput) {
  const std::vector<std::string> cases = {
      "", "[", "]", "[,]", "[1,]", "[01]", "[-0]", "[-1]", "[1.5]", "[1e3]",
      "[true]", "[[1]]", R"(["\u0000"])", R"(["\ud83d\ude00"])", R"(["\ud83d"])",
      R"(["caf)" "\xc3\xa9" R"("])", "[\"a\"] x", " [ \"a\" , 2 ] ", "[\"\\x\"]",
      "[12345678901234567890]", "[null,nul]", "{\"a\":1}", "[\"tab\there\"]",
      R"(["\u00"])", "[1 2]"};
  for (const std::string& c : cases) {
    EXPECT_EQ(StringsFromJsonArray(c), Reference(c)) << c;
  }
  // Random strings over the characters that matter.
  const std::string alphabet = "[]\",\\/ 0-1.eun\x01\xc3\xa9tabfr";
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) s.push_back(alphabet[rng() % alphabet.size()]);
    if (rng() % 2) s = "[\"" + s + "\"]";
    EXPECT_EQ(StringsFromJsonArray(s), Reference(s)) << s;
  }
}

}  // namespace
}  // namespace casebridge::storage
