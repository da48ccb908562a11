#include "domain/resource_names.h"

#include "domain/validation.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

constexpr char kUuid[] = "3f2b6a1e-0c1d-4e5f-8a9b-0123456789ab";

TEST(ResourceNamesTest, CaseByIdOrReference) {
  auto by_id = ParseCaseName(absl::StrCat("cases/", "3F2B6A1E-0C1D-4E5F-8A9B-0123456789AB"), "name");
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->id, kUuid);
  EXPECT_FALSE(by_id->by_reference());
  auto by_ref = ParseCaseName("cases/sp-2026-000123", "name");
  ASSERT_TRUE(by_ref.ok());
  EXPECT_EQ(by_ref->reference, "SP-2026-000123");
  EXPECT_EQ(by_ref->display(), "cases/SP-2026-000123");
}

TEST(ResourceNamesTest, MalformedCaseNamesNameTheField) {
  for (absl::string_view bad :
       {"", "cases", "cases/", "case/SP-2026-000123", "cases/SP-26-000123",
        "cases/SP-2026-12", "cases/SP-2026-000123/x", "cases/'; drop table",
        "cases/TOOLONGCODE-2026-000123"}) {
    auto r = ParseCaseName(bad, "parent");
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(FieldOf(r.status()), "parent") << bad;
  }
}

TEST(ResourceNamesTest, ChildNames) {
  auto r = ParseCaseChildName(
      absl::StrCat("cases/SP-2026-000001/incidents/", kUuid), "incidents",
      "incident.name");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->case_key.reference, "SP-2026-000001");
  EXPECT_EQ(r->child_id, kUuid);
  EXPECT_FALSE(ParseCaseChildName(absl::StrCat("cases/SP-2026-000001/flags/", kUuid),
                                  "incidents", "f")
                   .ok());
  EXPECT_FALSE(
      ParseCaseChildName("cases/SP-2026-000001/incidents/1", "incidents", "f")
          .ok());
}

TEST(ResourceNamesTest, TopLevelAndTokens) {
  EXPECT_EQ(*ParseTopLevelName(AgencyName(kUuid), "agencies", "a"), kUuid);
  EXPECT_FALSE(ParseTopLevelName("agencies/x", "agencies", "a").ok());
  EXPECT_FALSE(ParseTopLevelName(UserName(kUuid), "agencies", "a").ok());
  auto t = ParseTokenName(TokenName(kUuid, kUuid), "name");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->first, kUuid);
  EXPECT_FALSE(ParseTokenName("users/x/tokens/y", "name").ok());
}

TEST(ResourceNamesTest, IdOfInvertsTheBuilders) {
  EXPECT_EQ(IdOf(AgencyName(kUuid)), kUuid);
  EXPECT_EQ(IdOf(UserName(kUuid)), kUuid);
  EXPECT_EQ(IdOf(CaseName(kUuid)), kUuid);
  EXPECT_EQ(IdOf(CaseChildResourceName("c", "incidents", kUuid)), kUuid);
  EXPECT_EQ(IdOf(TokenName("u", kUuid)), kUuid);
  EXPECT_EQ(IdOf(""), "");
}

TEST(ResourceNamesTest, FormatsReferences) {
  EXPECT_EQ(FormatCaseReference("SP", 2026, 123), "SP-2026-000123");
  EXPECT_TRUE(IsCaseReference(FormatCaseReference("SP", 2026, 1234567)));
}

}  // namespace
}  // namespace casebridge::domain
