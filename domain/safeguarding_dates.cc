#include "domain/safeguarding_dates.h"

#include <string>

#include "absl/strings/str_format.h"
#include "domain/validation.h"

namespace casebridge::domain {

bool IsRealCalendarDate(const v1::Date& date) {
  if (date.year() < 1 || date.year() > 9999) return false;
  if (date.month() < 1 || date.month() > 12) return false;
  if (date.day() < 1 || date.day() > 31) return false;
  // CivilDay normalises out-of-range days (30 February becomes 2 March):
  // a real date is one that survives unchanged.
  absl::CivilDay day(date.year(), date.month(), date.day());
  return day.month() == date.month() && day.day() == date.day();
}

absl::StatusOr<absl::CivilDay> CivilDayFromDate(const v1::Date& date,
                                                absl::string_view field) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) {
    return FieldError(field, "is required");
  }
  if (!IsRealCalendarDate(date)) {
    return FieldError(
        field, absl::StrFormat("is not a real calendar date (year %d, month "
                               "%d, day %d)",
                               date.year(), date.month(), date.day()));
  }
  return absl::CivilDay(date.year(), date.month(), date.day());
}

v1::Date DateFromCivilDay(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

absl::CivilDay CalendarDayAt(absl::Time t, absl::TimeZone zone) {
  return absl::ToCivilDay(t, zone);
}

std::string FormatCivilDay(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

}  // namespace casebridge::domain
