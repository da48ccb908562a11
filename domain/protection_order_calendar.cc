#include "domain/protection_order_calendar.h"

#include "absl/strings/str_format.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

// Last Sunday of `month` (March or October) in `year`.
absl::CivilDay LastSunday(absl::civil_year_t year, int month) {
  absl::CivilDay last = absl::CivilDay(year, month + 1, 1) - 1;
  int back = (static_cast<int>(absl::GetWeekday(last)) -
              static_cast<int>(absl::Weekday::sunday) + 7) %
             7;
  return last - back;
}

// BST runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
// last Sunday of October.
absl::Time BstStart(absl::civil_year_t year) {
  return absl::FromCivil(absl::CivilSecond(LastSunday(year, 3)) + 3600,
                         absl::UTCTimeZone());
}
absl::Time BstEnd(absl::civil_year_t year) {
  return absl::FromCivil(absl::CivilSecond(LastSunday(year, 10)) + 3600,
                         absl::UTCTimeZone());
}

}  // namespace

absl::Duration UkUtcOffset(absl::Time t) {
  absl::civil_year_t year = absl::ToCivilYear(t, absl::UTCTimeZone()).year();
  return (t >= BstStart(year) && t < BstEnd(year)) ? absl::Hours(1)
                                                   : absl::ZeroDuration();
}

absl::CivilDay UkDay(absl::Time t) {
  return absl::ToCivilDay(t + UkUtcOffset(t), absl::UTCTimeZone());
}

absl::Time StartOfUkDay(absl::CivilDay day) {
  // Midnight is never inside a transition (they happen at 01:00 UTC), so the
  // offset at midnight is the offset of the UTC instant one hour earlier or
  // not: try BST first, keep it only if BST is in effect at that instant.
  absl::Time utc_midnight = absl::FromCivil(day, absl::UTCTimeZone());
  absl::Time bst_midnight = utc_midnight - absl::Hours(1);
  if (UkUtcOffset(bst_midnight) == absl::Hours(1)) return bst_midnight;
  return utc_midnight;
}

absl::Time EndOfUkDay(absl::CivilDay day) { return StartOfUkDay(day + 1); }

absl::CivilDay AddYears(absl::CivilDay day, int years) {
  // CivilDay normalises 29 February of a common year to 1 March.
  return absl::CivilDay(day.year() + years, day.month(), day.day());
}

bool IsDateSet(const v1::Date& date) {
  return date.year() != 0 || date.month() != 0 || date.day() != 0;
}

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view field,
                                         const v1::Date& date) {
  if (!IsDateSet(date)) return FieldError(field, "is required");
  if (date.year() < 1900 || date.year() > 9999 || date.month() < 1 ||
      date.month() > 12 || date.day() < 1) {
    return FieldError(field, "is not a valid date");
  }
  absl::CivilDay day(date.year(), date.month(), date.day());
  // CivilDay normalises 31 April to 1 May: a changed field means invalid.
  if (day.month() != date.month() || day.day() != date.day()) {
    return FieldError(field, "is not a valid date");
  }
  return day;
}

v1::Date ToProtoDate(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

std::string FormatDay(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string FormatUkTime(absl::Time t) {
  absl::TimeZone uk = absl::FixedTimeZone(
      static_cast<int>(absl::ToInt64Seconds(UkUtcOffset(t))));
  return absl::FormatTime("%Y-%m-%d %H:%M", t, uk);
}

}  // namespace casebridge::domain
