#ifndef CASEBRIDGE_DOMAIN_SAFEGUARDING_DATES_H_
#define CASEBRIDGE_DOMAIN_SAFEGUARDING_DATES_H_

// Calendar dates (casebridge.v1.Date) for safeguarding due dates and MARAC
// dates. A due date is a day, not an instant: it is compared with "today" in
// the time zone the cases are worked in, never with a UTC timestamp, so an
// action due on 1 July is not overdue at 00:30 BST on 1 July (23:30 UTC on 30
// June) nor until 2 July begins in London.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/common.pb.h"

namespace casebridge::domain {

// The zone "today" is taken in. The server loads it once
// (absl::LoadTimeZone) and passes it in; domain/ reads no files.
inline constexpr absl::string_view kCaseTimeZoneName = "Europe/London";

// Year 1..9999, month 1..12, day within that month (29 February only in leap
// years).
bool IsRealCalendarDate(const v1::Date& date);

// The day a date names. An unset date (all zero) is "is required"; anything
// that is not a real calendar date is INVALID_ARGUMENT naming `field`.
absl::StatusOr<absl::CivilDay> CivilDayFromDate(const v1::Date& date,
                                                absl::string_view field);

v1::Date DateFromCivilDay(absl::CivilDay day);

// The calendar day `t` falls on in `zone`.
absl::CivilDay CalendarDayAt(absl::Time t, absl::TimeZone zone);

// "2026-02-28".
std::string FormatCivilDay(absl::CivilDay day);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_SAFEGUARDING_DATES_H_
