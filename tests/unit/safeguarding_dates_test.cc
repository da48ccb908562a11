#include "domain/safeguarding_dates.h"

#include "domain/validation.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

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
      {2026, 1, 31, true},   {2026, 2, 28, true},  {2026, 2, 29, false},
      {2028, 2, 29, true},   {2024, 2, 29, true},  {2000, 2, 29, true},
      {1900, 2, 29, false},  {2100, 2, 29, false}, {2026, 2, 30, false},
      {2026, 4, 30, true},   {2026, 4, 31, false}, {2026, 6, 31, false},
      {2026, 9, 31, false},  {2026, 11, 31, false}, {2026, 12, 31, true},
      {2026, 12, 32, false}, {2026, 13, 1, false}, {2026, 0, 1, false},
      {2026, 1, 0, false},   {0, 1, 1, false},     {1, 1, 1, true},
      {9999, 12, 31, true},  {10000, 1, 1, false}, {-1, 1, 1, false},
      {2026, -1, 1, false},  {2026, 1, -1, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IsRealCalendarDate(D(c.y, c.m, c.d)), c.real)
        << c.y << "-" << c.m << "-" << c.d;
  }
}

TEST(SafeguardingDatesTest, CivilDayFromDateNamesTheField) {
  absl::StatusOr<absl::CivilDay> unset = CivilDayFromDate(v1::Date(), "x.due_date");
  EXPECT_EQ(unset.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(unset.status()), "x.due_date");
  EXPECT_EQ(unset.status().message(), "x.due_date: is required");

  absl::StatusOr<absl::CivilDay> bad = CivilDayFromDate(D(2027, 2, 29), "d");
  EXPECT_EQ(FieldOf(bad.status()), "d");
  EXPECT_EQ(bad.status().message(),
            "d: is not a real calendar date (year 2027, month 2, day 29)");

  // A partly set date is not "unset".
  EXPECT_EQ(FieldOf(CivilDayFromDate(D(0, 0, 1), "d").status()), "d");

  absl::StatusOr<absl::CivilDay> ok = CivilDayFromDate(D(2028, 2, 29), "d");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, absl::CivilDay(2028, 2, 29));
}

TEST(SafeguardingDatesTest, RoundTripAndFormat) {
  for (absl::CivilDay day : {absl::CivilDay(2028, 2, 29), absl::CivilDay(1, 1, 1),
                             absl::CivilDay(9999, 12, 31)}) {
    v1::Date date = DateFromCivilDay(day);
    EXPECT_TRUE(IsRealCalendarDate(date));
    EXPECT_EQ(*CivilDayFromDate(date, "d"), day);
  }
  EXPECT_EQ(FormatCivilDay(absl::CivilDay(2026, 3, 7)), "2026-03-07");
  EXPECT_EQ(FormatCivilDay(absl::CivilDay(999, 1, 1)), "0999-01-01");
}

TEST(SafeguardingDatesTest, CalendarDayAtIsTheLocalDay) {
  absl::TimeZone london;
  ASSERT_TRUE(absl::LoadTimeZone(std::string(kCaseTimeZoneName), &london));
  // 23:30 UTC on 30 June is 00:30 BST on 1 July.
  absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 6, 30, 23, 30, 0),
                                 absl::UTCTimeZone());
  EXPECT_EQ(CalendarDayAt(t, london), absl::CivilDay(2026, 7, 1));
  EXPECT_EQ(CalendarDayAt(t, absl::UTCTimeZone()), absl::CivilDay(2026, 6, 30));
  // In winter London is on UTC.
  absl::Time w = absl::FromCivil(absl::CivilSecond(2026, 12, 31, 23, 30, 0),
                                 absl::UTCTimeZone());
  EXPECT_EQ(CalendarDayAt(w, london), absl::CivilDay(2026, 12, 31));
}

}  // namespace
}  // namespace casebridge::domain
