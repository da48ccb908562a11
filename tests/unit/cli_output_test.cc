#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/common.pb.h"
#include "clients/cli/output.h"
#include "gtest/gtest.h"

namespace casebridge::cli {
namespace {

TEST(CliOutputTest, TableAlignsColumnsByDisplayWidth) {
  Table t({"REF", "RISK", "VICTIM"});
  t.AddRow({"SP-2026-000001", "HIGH", "Zoë Brontë"});
  t.AddRow({"SP-2026-000002", "", "Al"});
  EXPECT_EQ(t.Render(),
            "REF             RISK  VICTIM\n"
            "SP-2026-000001  HIGH  Zoë Brontë\n"
            "SP-2026-000002        Al\n");
}

TEST(CliOutputTest, TableCutsLongCellsAndFlattensNewlines) {
  Table t({"A", "B"});
  t.SetMaxWidth(0, 5);
  t.AddRow({"abcdefgh", "line one\nline two"});
  t.AddRow({"abcde", "x"});
  EXPECT_EQ(t.Render(),
            "A      B\n"
            "abcd…  line one line two\n"
            "abcde  x\n");
}

TEST(CliOutputTest, TableMissingCellsAreEmpty) {
  Table t({"A", "B", "C"});
  t.AddRow({"1"});
  EXPECT_EQ(t.Render(), "A  B  C\n1\n");
}

TEST(CliOutputTest, DetailsAlignValuesAndSkipEmpty) {
  Details d;
  d.Add("Risk", "HIGH");
  d.Add("Empty", "");
  d.AddAlways("Flags", "");
  d.Add("Officer in charge", "users/1");
  EXPECT_EQ(d.Render(),
            "Risk:               HIGH\n"
            "Flags:              -\n"
            "Officer in charge:  users/1\n");
}

TEST(CliOutputTest, DisplayWidthCountsCharacters) {
  EXPECT_EQ(DisplayWidth(""), 0u);
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("Zoë"), 3u);
  EXPECT_EQ(DisplayWidth("…"), 1u);
}

TEST(CliOutputTest, TimesAreShownInTheZoneGiven) {
  absl::TimeZone london, ny;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london));
  ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &ny));
  google::protobuf::Timestamp ts;
  ts.set_seconds(1795199400);  // 2026-11-20T18:30:00Z
  EXPECT_EQ(FormatTimestamp(ts, london), "2026-11-20 18:30");
  EXPECT_EQ(FormatTimestamp(ts, ny), "2026-11-20 13:30");
  EXPECT_EQ(FormatTimestamp(google::protobuf::Timestamp(), london), "");
}

TEST(CliOutputTest, DatesAndOverdue) {
  v1::Date d;
  EXPECT_EQ(FormatDate(d), "");
  d.set_year(2026);
  d.set_month(12);
  d.set_day(1);
  EXPECT_EQ(FormatDate(d), "2026-12-01");
  EXPECT_EQ(FormatDue(d, false), "2026-12-01");
  EXPECT_EQ(FormatDue(d, true), "2026-12-01 OVERDUE");
}

TEST(CliOutputTest, Relative) {
  absl::Time now = absl::FromUnixSeconds(1795290600);
  EXPECT_EQ(FormatRelative(now - absl::Seconds(20), now), "just now");
  EXPECT_EQ(FormatRelative(now - absl::Minutes(1), now), "1 minute ago");
  EXPECT_EQ(FormatRelative(now - absl::Hours(3), now), "3 hours ago");
  EXPECT_EQ(FormatRelative(now - absl::Hours(24 * 3), now), "3 days ago");
  EXPECT_EQ(FormatRelative(now + absl::Hours(2), now), "in 2 hours");
}

TEST(CliOutputTest, EnumNames) {
  EXPECT_EQ(EnumName(v1::RiskLevel_descriptor(), v1::RISK_LEVEL_HIGH), "HIGH");
  EXPECT_EQ(EnumName(v1::RiskLevel_descriptor(), v1::RISK_LEVEL_UNSPECIFIED), "");
  EXPECT_EQ(EnumWords(v1::Behaviour_descriptor(), v1::BEHAVIOUR_TURNING_UP),
            "turning up");
  google::protobuf::RepeatedField<int> b;
  b.Add(v1::BEHAVIOUR_FOLLOWING);
  b.Add(v1::BEHAVIOUR_THREATS);
  EXPECT_EQ(EnumList(v1::Behaviour_descriptor(), b), "following, threats");
}

TEST(CliOutputTest, ShortId) {
  EXPECT_EQ(ShortId("cases/x/incidents/abc"), "abc");
  EXPECT_EQ(ShortId("abc"), "abc");
}

TEST(CliOutputTest, JsonIsTheProtobufMapping) {
  v1::Case c;
  c.set_reference("SP-2026-000001");
  c.set_risk_level(v1::RISK_LEVEL_HIGH);
  std::string json = ToJson(c);
  EXPECT_NE(json.find("\"reference\": \"SP-2026-000001\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"riskLevel\": \"RISK_LEVEL_HIGH\""), std::string::npos) << json;
  EXPECT_EQ(json.back(), '\n');
}

}  // namespace
}  // namespace casebridge::cli
