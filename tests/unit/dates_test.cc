#include "domain/dates.h"

#include "domain/safeguarding_schedule.h"  // kSafeguardingDate
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
  EXPECT_EQ(ParseDate("end_date", date, kRecordDate).status().message(),
            "end_date: is required");
  date.set_year(2028);
  date.set_month(2);
  date.set_day(29);
  EXPECT_EQ(*ParseDate("end_date", date, kRecordDate),
            absl::CivilDay(2028, 2, 29));
  date.set_year(2027);
  EXPECT_EQ(FieldOf(ParseDate("duration.end_date", date, kRecordDate).status()),
            "duration.end_date");
  date.set_month(13);
  date.set_day(1);
  EXPECT_FALSE(ParseDate("d", date, kRecordDate).ok());
  date.set_month(4);
  date.set_day(31);
  EXPECT_FALSE(ParseDate("d", date, kRecordDate).ok());
  date.set_day(0);
  EXPECT_FALSE(ParseDate("d", date, kRecordDate).ok());
  date.set_year(1899);
  date.set_day(1);
  EXPECT_FALSE(ParseDate("d", date, kRecordDate).ok());
  date.set_year(10000);
  EXPECT_FALSE(ParseDate("d", date, kRecordDate).ok());
}

TEST(ParseDateTest, RoundTripsAndFormats) {
  absl::CivilDay d(2026, 3, 9);
  EXPECT_EQ(*ParseDate("d", ToProtoDate(d), kRecordDate), d);
  EXPECT_EQ(FormatDay(d), "2026-03-09");
  EXPECT_EQ(FormatUkTime(Utc(2026, 7, 1, 9, 5)), "2026-07-01 10:05");
  EXPECT_EQ(FormatUkTime(Utc(2026, 1, 1, 9, 5)), "2026-01-01 09:05");
}

v1::Date D(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

TEST(SafeguardingDatesTest, RealCalendarDates) {
  struct Case {
    int y, m, d;
    bool real;
  };
  const Case cases[] = {
      {2026, 1, 31, true},   {2026, 2, 28, true},   {2026, 2, 29, false},
      {2028, 2, 29, true},   {2024, 2, 29, true},   {2000, 2, 29, true},
      {1900, 2, 29, false},  {2100, 2, 29, false},  {2026, 2, 30, false},
      {2026, 4, 30, true},   {2026, 4, 31, false},  {2026, 6, 31, false},
      {2026, 9, 31, false},  {2026, 11, 31, false}, {2026, 12, 31, true},
      {2026, 12, 32, false}, {2026, 13, 1, false},  {2026, 0, 1, false},
      {2026, 1, 0, false},   {0, 1, 1, false},      {1, 1, 1, true},
      {9999, 12, 31, true},  {10000, 1, 1, false},  {-1, 1, 1, false},
      {2026, -1, 1, false},  {2026, 1, -1, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsRealCalendarDate(D(c.y, c.m, c.d)), c.real)
        << c.y << "-" << c.m << "-" << c.d;
  }
}

TEST(SafeguardingDatesTest, ParseDateNamesTheField) {
  absl::StatusOr<absl::CivilDay> unset =
      ParseDate("x.due_date", v1::Date(), kSafeguardingDate);
  EXPECT_EQ(unset.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(unset.status()), "x.due_date");
  EXPECT_EQ(unset.status().message(), "x.due_date: is required");

  absl::StatusOr<absl::CivilDay> bad =
      ParseDate("d", D(2027, 2, 29), kSafeguardingDate);
  EXPECT_EQ(FieldOf(bad.status()), "d");
  EXPECT_EQ(bad.status().message(),
            "d: is not a real calendar date (year 2027, month 2, day 29)");

  // A partly set date is not "unset".
  EXPECT_EQ(FieldOf(ParseDate("d", D(0, 0, 1), kSafeguardingDate).status()),
            "d");

  absl::StatusOr<absl::CivilDay> ok =
      ParseDate("d", D(2028, 2, 29), kSafeguardingDate);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, absl::CivilDay(2028, 2, 29));
}

TEST(SafeguardingDatesTest, RoundTripAndFormat) {
  for (absl::CivilDay day :
       {absl::CivilDay(2028, 2, 29), absl::CivilDay(1, 1, 1),
        absl::CivilDay(9999, 12, 31)}) {
    v1::Date date = ToProtoDate(day);
    EXPECT_TRUE(IsRealCalendarDate(date));
    EXPECT_EQ(*ParseDate("d", date, kSafeguardingDate), day);
  }
  EXPECT_EQ(FormatDay(absl::CivilDay(2026, 3, 7)), "2026-03-07");
  EXPECT_EQ(FormatDay(absl::CivilDay(999, 1, 1)), "0999-01-01");
}

TEST(SafeguardingDatesTest, CalendarDayAtIsTheLocalDay) {
  absl::TimeZone london;
  ASSERT_TRUE(absl::LoadTimeZone(std::string(kUkTimeZoneName), &london));
  // 23:30 UTC on 30 June is 00:30 BST on 1 July.
  absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 6, 30, 23, 30, 0),
                                 absl::UTCTimeZone());
  EXPECT_EQ(CalendarDayAt(t, london), absl::CivilDay(2026, 7, 1));
  EXPECT_EQ(CalendarDayAt(t, absl::UTCTimeZone()), absl::CivilDay(2026, 6, 30));
  // In winter London is on UTC.
  absl::Time w = absl::FromCivil(absl::CivilSecond(2026, 12, 31, 23, 30, 0),
                                 absl::UTCTimeZone());
  EXPECT_EQ(CalendarDayAt(w, london), absl::CivilDay(2026, 12, 31));
  // The computed UK rule gives the same days without tzdata.
  EXPECT_EQ(UkDay(t), absl::CivilDay(2026, 7, 1));
  EXPECT_EQ(UkDay(w), absl::CivilDay(2026, 12, 31));
}

TEST(DatesTest, ToCivilDayIsTheRealCalendarDate) {
  EXPECT_EQ(ToCivilDay(D(2028, 2, 29)), absl::CivilDay(2028, 2, 29));
  EXPECT_EQ(ToCivilDay(D(1, 1, 1)), absl::CivilDay(1, 1, 1));
  EXPECT_EQ(ToCivilDay(D(2027, 2, 29)), std::nullopt);
  EXPECT_EQ(ToCivilDay(D(2026, 12, 32)), std::nullopt);
  EXPECT_EQ(ToCivilDay(D(10000, 1, 1)), std::nullopt);
  EXPECT_EQ(ToCivilDay(v1::Date()), std::nullopt);
  EXPECT_FALSE(IsDateSet(v1::Date()));
  EXPECT_TRUE(IsDateSet(D(0, 0, 1)));
}

TEST(DatesTest, ParseDayReadsExactlyWhatFormatDayWrites) {
  for (absl::CivilDay day :
       {absl::CivilDay(2028, 2, 29), absl::CivilDay(1, 1, 1),
        absl::CivilDay(999, 12, 31), absl::CivilDay(9999, 12, 31)}) {
    EXPECT_EQ(ParseDay(FormatDay(day)), day) << day;
  }
  for (absl::string_view bad :
       {"", "2026-3-10", "2026-03-1", "2026/03/10", "2026-03-10 ",
        " 2026-03-10", "2026-02-30", "2027-02-29", "0000-01-01", "2026-13-01",
        "2026-00-01", "2026-01-00", "+026-01-01", "2026-+1-01", "20260-1-01",
        "abcd-ef-gh"}) {
    EXPECT_EQ(ParseDay(bad), std::nullopt) << bad;
  }
}

TEST(DatesTest, RecordDatesStartIn1900) {
  EXPECT_TRUE(ParseDate("d", D(1900, 1, 1), kRecordDate).ok());
  EXPECT_EQ(ParseDate("d", D(1899, 12, 31), kRecordDate).status().message(),
            "d: is not a valid date (year 1899, month 12, day 31)");
  // Without the record rule every year a v1::Date holds is accepted.
  EXPECT_EQ(*ParseDate("d", D(1899, 12, 31)), absl::CivilDay(1899, 12, 31));
}

TEST(DatesTest, OptionalDatesAndBounds) {
  const absl::CivilDay today(2026, 3, 10);
  EXPECT_EQ(*ParseOptionalDate("d", v1::Date()), std::nullopt);
  EXPECT_EQ(*ParseOptionalDate("d", D(2026, 3, 9)), absl::CivilDay(2026, 3, 9));
  EXPECT_EQ(ParseOptionalDate("d", D(2026, 2, 30)).status().message(),
            "d: is not a valid date (year 2026, month 2, day 30)");

  const DateRule past{.not_future = today};
  EXPECT_TRUE(ParseDate("d", D(2026, 3, 10), past).ok());
  EXPECT_EQ(ParseDate("d", D(2026, 3, 11), past).status().message(),
            "d: must not be in the future (today is 2026-03-10)");
  const DateRule deadline{.not_past = today};
  EXPECT_TRUE(ParseDate("d", D(2026, 3, 10), deadline).ok());
  EXPECT_EQ(ParseDate("d", D(2026, 3, 9), deadline).status().message(),
            "d: must not be in the past (today is 2026-03-10)");
  // An unset optional date is not checked against the bounds.
  EXPECT_TRUE(ParseOptionalDate("d", v1::Date(), past).ok());
}

TEST(DatesTest, CheckDateGoesByPresence) {
  // Not sent: required or not.
  EXPECT_EQ(CheckDate("d", D(2026, 3, 1), false, true).message(),
            "d: is required");
  EXPECT_TRUE(CheckDate("d", D(2026, 2, 30), false, false).ok());
  // Sent, even all zero: must be real.
  EXPECT_EQ(CheckDate("d", v1::Date(), true, false).message(),
            "d: is not a valid date (year 0, month 0, day 0)");
  EXPECT_TRUE(CheckDate("d", D(2026, 3, 1), true, true).ok());
  EXPECT_EQ(CheckDate("d", D(2026, 3, 11), true, true,
                      {.not_future = absl::CivilDay(2026, 3, 10)})
                .message(),
            "d: must not be in the future (today is 2026-03-10)");
}

}  // namespace
}  // namespace casebridge::domain
