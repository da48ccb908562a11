#include "domain/protection_order_calendar.h"

#include "domain/validation.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm),
                         absl::UTCTimeZone());
}

TEST(UkCalendarTest, DayBoundariesInWinterAndSummer) {
  // Winter (GMT): midnight is 00:00 UTC.
  EXPECT_EQ(StartOfUkDay(absl::CivilDay(2026, 1, 15)), Utc(2026, 1, 15, 0, 0));
  // Summer (BST): midnight is 23:00 UTC the day before.
  EXPECT_EQ(StartOfUkDay(absl::CivilDay(2026, 7, 15)), Utc(2026, 7, 14, 23, 0));
  EXPECT_EQ(EndOfUkDay(absl::CivilDay(2026, 7, 15)), Utc(2026, 7, 15, 23, 0));
  EXPECT_EQ(UkDay(Utc(2026, 7, 14, 23, 30)), absl::CivilDay(2026, 7, 15));
  EXPECT_EQ(UkDay(Utc(2026, 7, 14, 22, 59)), absl::CivilDay(2026, 7, 14));
  EXPECT_EQ(UkDay(Utc(2026, 1, 14, 23, 30)), absl::CivilDay(2026, 1, 14));
}

TEST(UkCalendarTest, TransitionDays) {
  // 2026: BST from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
  EXPECT_EQ(UkUtcOffset(Utc(2026, 3, 29, 0, 59)), absl::ZeroDuration());
  EXPECT_EQ(UkUtcOffset(Utc(2026, 3, 29, 1, 0)), absl::Hours(1));
  EXPECT_EQ(UkUtcOffset(Utc(2026, 10, 25, 0, 59)), absl::Hours(1));
  EXPECT_EQ(UkUtcOffset(Utc(2026, 10, 25, 1, 0)), absl::ZeroDuration());
  EXPECT_EQ(StartOfUkDay(absl::CivilDay(2026, 3, 29)), Utc(2026, 3, 29, 0, 0));
  EXPECT_EQ(StartOfUkDay(absl::CivilDay(2026, 3, 30)), Utc(2026, 3, 29, 23, 0));
  EXPECT_EQ(StartOfUkDay(absl::CivilDay(2026, 10, 25)),
            Utc(2026, 10, 24, 23, 0));
  EXPECT_EQ(StartOfUkDay(absl::CivilDay(2026, 10, 26)),
            Utc(2026, 10, 26, 0, 0));
}

// The computed rule against the system's tzdata, every day for 25 years.
TEST(UkCalendarTest, AgreesWithTzdataEuropeLondon) {
  absl::TimeZone london;
  if (!absl::LoadTimeZone("Europe/London", &london)) {
    GTEST_SKIP() << "no tzdata on this host";
  }
  for (absl::CivilDay d(2020, 1, 1); d <= absl::CivilDay(2045, 12, 31); ++d) {
    ASSERT_EQ(StartOfUkDay(d), absl::FromCivil(d, london)) << d;
    absl::Time noon = absl::FromCivil(absl::CivilHour(d) + 12, london);
    ASSERT_EQ(UkDay(noon), d) << d;
    ASSERT_EQ(UkDay(StartOfUkDay(d)), d) << d;
    ASSERT_EQ(UkDay(EndOfUkDay(d) - absl::Nanoseconds(1)), d) << d;
  }
  for (absl::Time t = Utc(2024, 1, 1, 0, 30); t < Utc(2030, 1, 1, 0, 0);
       t += absl::Hours(1)) {
    ASSERT_EQ(UkUtcOffset(t), absl::Seconds(london.At(t).offset)) << t;
  }
}

TEST(UkCalendarTest, AddYearsKeepsLeapDaysFromShortening) {
  EXPECT_EQ(AddYears(absl::CivilDay(2026, 3, 10), 2),
            absl::CivilDay(2028, 3, 10));
  EXPECT_EQ(AddYears(absl::CivilDay(2028, 2, 29), 2),
            absl::CivilDay(2030, 3, 1));
  EXPECT_EQ(AddYears(absl::CivilDay(2028, 2, 29), 4),
            absl::CivilDay(2032, 2, 29));
}

TEST(ParseDateTest, ValidUnsetAndImpossibleDates) {
  v1::Date date;
  EXPECT_FALSE(IsDateSet(date));
  EXPECT_EQ(ParseDate("end_date", date).status().message(),
            "end_date: is required");
  date.set_year(2028);
  date.set_month(2);
  date.set_day(29);
  EXPECT_EQ(*ParseDate("end_date", date), absl::CivilDay(2028, 2, 29));
  date.set_year(2027);
  EXPECT_EQ(FieldOf(ParseDate("duration.end_date", date).status()),
            "duration.end_date");
  date.set_month(13);
  date.set_day(1);
  EXPECT_FALSE(ParseDate("d", date).ok());
  date.set_month(4);
  date.set_day(31);
  EXPECT_FALSE(ParseDate("d", date).ok());
  date.set_day(0);
  EXPECT_FALSE(ParseDate("d", date).ok());
  date.set_year(1899);
  date.set_day(1);
  EXPECT_FALSE(ParseDate("d", date).ok());
  date.set_year(10000);
  EXPECT_FALSE(ParseDate("d", date).ok());
}

TEST(ParseDateTest, RoundTripsAndFormats) {
  absl::CivilDay d(2026, 3, 9);
  EXPECT_EQ(*ParseDate("d", ToProtoDate(d)), d);
  EXPECT_EQ(FormatDay(d), "2026-03-09");
  EXPECT_EQ(FormatUkTime(Utc(2026, 7, 1, 9, 5)), "2026-07-01 10:05");
  EXPECT_EQ(FormatUkTime(Utc(2026, 1, 1, 9, 5)), "2026-01-01 09:05");
}

}  // namespace
}  // namespace casebridge::domain
