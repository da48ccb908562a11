#ifndef CASEBRIDGE_DOMAIN_PROTECTION_ORDER_CALENDAR_H_
#define CASEBRIDGE_DOMAIN_PROTECTION_ORDER_CALENDAR_H_

// Court days. Orders are made, end and expire on calendar days in England
// and Wales, so day arithmetic is done in UK civil time (GMT/BST), not UTC:
// an order whose last day is 9 March stops having effect at midnight
// London time, which in summer is 23:00 UTC the day before.
//
// The UK rule (BST from 01:00 UTC on the last Sunday of March to 01:00 UTC
// on the last Sunday of October, in force since 1996) is computed here
// rather than read from the system's time-zone database, so the domain
// stays pure and a host without tzdata cannot silently fall back to UTC.
// The unit tests check it against tzdata's Europe/London day by day.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/common.pb.h"

namespace casebridge::domain {

// The UK calendar day containing `t`.
absl::CivilDay UkDay(absl::Time t);
// Midnight UK time at the start of `day`.
absl::Time StartOfUkDay(absl::CivilDay day);
// Midnight UK time at the end of `day` (the start of the next day): the
// first instant at which something that has effect "until `day`" has ended.
absl::Time EndOfUkDay(absl::CivilDay day);
// Offset of UK civil time from UTC at `t`: 0 (GMT) or 1 hour (BST).
absl::Duration UkUtcOffset(absl::Time t);

// `day` plus whole years; 29 February goes to 1 March in a common year
// (so a period counted from a leap day is never shortened).
absl::CivilDay AddYears(absl::CivilDay day, int years);

// casebridge.v1.Date: all-zero means unset.
bool IsDateSet(const v1::Date& date);
// A set, real calendar date in years 1900..9999, or INVALID_ARGUMENT naming
// `field`. Unset is "is required".
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view field,
                                         const v1::Date& date);
v1::Date ToProtoDate(absl::CivilDay day);
// "2026-03-10".
std::string FormatDay(absl::CivilDay day);
// "2026-03-10 14:30" in UK time, for messages and history summaries.
std::string FormatUkTime(absl::Time t);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_PROTECTION_ORDER_CALENDAR_H_
