#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clients/cli/time_parse.h"
#include "gtest/gtest.h"

namespace casebridge::cli {
namespace {

// Saturday 21 November 2026, 12:00 in London (GMT: no daylight saving).
class CliTimeParseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london_));
    now_ = absl::FromCivil(absl::CivilSecond(2026, 11, 21, 12, 0, 0), london_);
  }

  // The parsed time as local civil time, for readable expectations.
  std::string Local(absl::string_view text) {
    absl::StatusOr<absl::Time> t = ParseWhen(text, now_, london_);
    if (!t.ok()) return "error: " + std::string(t.status().message());
    return absl::FormatTime("%Y-%m-%d %H:%M:%S", *t, london_);
  }

  absl::TimeZone london_;
  absl::Time now_;
};

TEST_F(CliTimeParseTest, Now) { EXPECT_EQ(Local("now"), "2026-11-21 12:00:00"); }

TEST_F(CliTimeParseTest, TodayYesterdayTomorrowWithClockTime) {
  EXPECT_EQ(Local("today 09:00"), "2026-11-21 09:00:00");
  EXPECT_EQ(Local("yesterday 18:30"), "2026-11-20 18:30:00");
  EXPECT_EQ(Local("Yesterday  18:30"), "2026-11-20 18:30:00");
  EXPECT_EQ(Local("tomorrow 10:00"), "2026-11-22 10:00:00");
  EXPECT_EQ(Local("today 23:59:59"), "2026-11-21 23:59:59");
}

TEST_F(CliTimeParseTest, ClockTimeForms) {
  EXPECT_EQ(Local("yesterday 6pm"), "2026-11-20 18:00:00");
  EXPECT_EQ(Local("yesterday 6:30pm"), "2026-11-20 18:30:00");
  EXPECT_EQ(Local("yesterday 12am"), "2026-11-20 00:00:00");
  EXPECT_EQ(Local("yesterday 12pm"), "2026-11-20 12:00:00");
  EXPECT_EQ(Local("yesterday noon"), "2026-11-20 12:00:00");
  EXPECT_EQ(Local("yesterday midnight"), "2026-11-20 00:00:00");
  EXPECT_EQ(Local("18:30"), "2026-11-21 18:30:00");
}

TEST_F(CliTimeParseTest, IsoLocalAndRfc3339) {
  EXPECT_EQ(Local("2026-11-20 18:30"), "2026-11-20 18:30:00");
  EXPECT_EQ(Local("2026-11-20T18:30"), "2026-11-20 18:30:00");
  EXPECT_EQ(Local("2026-11-20 18:30:15"), "2026-11-20 18:30:15");
  EXPECT_EQ(Local("2026-11-20T18:30:00Z"), "2026-11-20 18:30:00");
  EXPECT_EQ(Local("2026-11-20t18:30:00z"), "2026-11-20 18:30:00");
  // An explicit offset is honoured whatever the local zone.
  EXPECT_EQ(Local("2026-11-20T18:30:00+02:00"), "2026-11-20 16:30:00");
}

TEST_F(CliTimeParseTest, DurationsAgo) {
  EXPECT_EQ(Local("3h ago"), "2026-11-21 09:00:00");
  EXPECT_EQ(Local("3 hours ago"), "2026-11-21 09:00:00");
  EXPECT_EQ(Local("an hour ago"), "2026-11-21 11:00:00");
  EXPECT_EQ(Local("45 min ago"), "2026-11-21 11:15:00");
  EXPECT_EQ(Local("90s ago"), "2026-11-21 11:58:30");
  EXPECT_EQ(Local("2 days ago"), "2026-11-19 12:00:00");
  EXPECT_EQ(Local("2d ago"), "2026-11-19 12:00:00");
  EXPECT_EQ(Local("1 week ago"), "2026-11-14 12:00:00");
}

TEST_F(CliTimeParseTest, FutureForms) {
  // Hearings are in the future: "in" mirrors "ago".
  EXPECT_EQ(Local("in 3h"), "2026-11-21 15:00:00");
  EXPECT_EQ(Local("in 45 min"), "2026-11-21 12:45:00");
  EXPECT_EQ(Local("in 2 days"), "2026-11-23 12:00:00");
  EXPECT_EQ(Local("in 1 week"), "2026-11-28 12:00:00");
  // ... and takes a clock time after whole days or weeks.
  EXPECT_EQ(Local("in 7 days 10:00"), "2026-11-28 10:00:00");
  EXPECT_EQ(Local("in 2 weeks 9:30am"), "2026-12-05 09:30:00");
  EXPECT_EQ(Local("In 1 day  14:00"), "2026-11-22 14:00:00");
  EXPECT_EQ(Local("in 2 months"), "2027-01-21 12:00:00");
}

TEST_F(CliTimeParseTest, MonthsAndYearsAgoKeepTheDay) {
  EXPECT_EQ(Local("6 months ago"), "2026-05-21 12:00:00");
  EXPECT_EQ(Local("1 year ago"), "2025-11-21 12:00:00");
}

TEST_F(CliTimeParseTest, WeekdayIsTheMostRecentPastOne) {
  // Saturday 21 November 2026 at 12:00.
  EXPECT_EQ(Local("monday 20:00"), "2026-11-16 20:00:00");
  EXPECT_EQ(Local("Mon 20:00"), "2026-11-16 20:00:00");
  EXPECT_EQ(Local("last friday 8pm"), "2026-11-20 20:00:00");
  // Today's weekday: today when the time has passed, else a week ago.
  EXPECT_EQ(Local("saturday 09:00"), "2026-11-21 09:00:00");
  EXPECT_EQ(Local("saturday 13:00"), "2026-11-14 13:00:00");
  EXPECT_EQ(Local("sunday 10:00"), "2026-11-15 10:00:00");
}

TEST_F(CliTimeParseTest, DaylightSavingDaysAgoKeepsTheClockTime) {
  // Tuesday 31 March 2026 09:00 BST; 3 days earlier is 28 March, GMT.
  absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 3, 31, 9, 0, 0), london_);
  absl::StatusOr<absl::Time> t = ParseWhen("3 days ago", now, london_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(absl::FormatTime("%Y-%m-%d %H:%M %z", *t, london_), "2026-03-28 09:00 +0000");
  // Hours are exact durations across the change.
  t = ParseWhen("72h ago", now, london_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(absl::FormatTime("%Y-%m-%d %H:%M %z", *t, london_), "2026-03-28 08:00 +0000");
}

TEST_F(CliTimeParseTest, TheZoneGivenIsTheOneUsed) {
  absl::TimeZone utc = absl::UTCTimeZone();
  absl::TimeZone ny;
  ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &ny));
  absl::StatusOr<absl::Time> in_ny = ParseWhen("2026-11-20 18:30", now_, ny);
  ASSERT_TRUE(in_ny.ok());
  EXPECT_EQ(absl::FormatTime("%Y-%m-%d %H:%M", *in_ny, utc), "2026-11-20 23:30");
}

TEST_F(CliTimeParseTest, RejectsWhatItCannotRead) {
  for (const char* bad :
       {"", "   ", "whenever", "yesterday", "today 25:00", "today 18:60",
        "2026-02-30 10:00", "2026-13-01 10:00", "13pm yesterday", "yesterday 13pm",
        "3 fortnights ago", "ago", "last today 10:00", "monday", "2026-11-20",
        "in", "in soon", "in 3 days 25:00", "in 3h 10:00", "in 10:00", "-3h ago",
        "x 18:30"}) {
    absl::StatusOr<absl::Time> t = ParseWhen(bad, now_, london_);
    EXPECT_FALSE(t.ok()) << "\"" << bad << "\" parsed as " << *t;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(t.status().message().find("yesterday 18:30"), absl::string_view::npos)
          << "the message shows the accepted forms";
    }
  }
}

TEST_F(CliTimeParseTest, Days) {
  auto day = [&](absl::string_view text) -> std::string {
    absl::StatusOr<absl::CivilDay> d = ParseDay(text, now_, london_);
    if (!d.ok()) return "error";
    return absl::FormatCivilTime(*d);
  };
  EXPECT_EQ(day("today"), "2026-11-21");
  EXPECT_EQ(day("yesterday"), "2026-11-20");
  EXPECT_EQ(day("tomorrow"), "2026-11-22");
  EXPECT_EQ(day("2026-12-01"), "2026-12-01");
  EXPECT_EQ(day("in 7 days"), "2026-11-28");
  EXPECT_EQ(day("in 2 weeks"), "2026-12-05");
  EXPECT_EQ(day("3 days ago"), "2026-11-18");
  // Order durations: months and years by the calendar.
  EXPECT_EQ(day("in 6 months"), "2027-05-21");
  EXPECT_EQ(day("in 1 month"), "2026-12-21");
  EXPECT_EQ(day("in 2 years"), "2028-11-21");
  EXPECT_EQ(day("in 2 yrs"), "2028-11-21");
  EXPECT_EQ(day("2 years ago"), "2024-11-21");
  EXPECT_EQ(day("in 0 days"), "2026-11-21");
  EXPECT_EQ(day("2026-02-29"), "error");  // 2026 is not a leap year
  EXPECT_EQ(day("in 3 hours"), "error");
  EXPECT_EQ(day("next week"), "error");
  EXPECT_EQ(day(""), "error");
}

TEST_F(CliTimeParseTest, MonthEndsClampToTheShorterMonth) {
  auto day_from = [&](absl::CivilDay from, absl::string_view text) -> std::string {
    absl::Time at = absl::FromCivil(absl::CivilSecond(from), london_);
    absl::StatusOr<absl::CivilDay> d = ParseDay(text, at, london_);
    return d.ok() ? absl::FormatCivilTime(*d) : "error";
  };
  EXPECT_EQ(day_from(absl::CivilDay(2027, 1, 31), "in 1 month"), "2027-02-28");
  EXPECT_EQ(day_from(absl::CivilDay(2028, 1, 31), "in 1 month"), "2028-02-29");
  EXPECT_EQ(day_from(absl::CivilDay(2028, 2, 29), "in 1 year"), "2029-02-28");
  EXPECT_EQ(day_from(absl::CivilDay(2026, 3, 31), "1 month ago"), "2026-02-28");
  EXPECT_EQ(day_from(absl::CivilDay(2026, 12, 31), "in 2 months"), "2027-02-28");
}

TEST_F(CliTimeParseTest, DayIsTheLocalDay) {
  // 23:30 in New York on 20 November is already 21 November in London.
  absl::TimeZone ny;
  ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &ny));
  absl::Time late = absl::FromCivil(absl::CivilSecond(2026, 11, 20, 23, 30, 0), ny);
  EXPECT_EQ(absl::FormatCivilTime(*ParseDay("today", late, ny)), "2026-11-20");
  EXPECT_EQ(absl::FormatCivilTime(*ParseDay("today", late, london_)), "2026-11-21");
}

}  // namespace
}  // namespace casebridge::cli
