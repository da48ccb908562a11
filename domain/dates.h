#ifndef CASEBRIDGE_DOMAIN_DATES_H_
#define CASEBRIDGE_DOMAIN_DATES_H_

// Calendar dates and UK civil time, for every domain: the one place that
// checks a casebridge.v1.Date, converts it to and from absl::CivilDay, writes
// and reads "YYYY-MM-DD", and says which UK calendar day an instant is on.
//
// Court days, due dates and review-by dates are days, not instants, and in
// England and Wales they run on UK civil time (GMT/BST), not UTC: an order
// whose last day is 9 March stops having effect at midnight London time,
// which in summer is 23:00 UTC the day before; an action due on 1 July is
// not overdue at 00:30 BST on 1 July (23:30 UTC on 30 June).
//
// The UK rule (BST from 01:00 UTC on the last Sunday of March to 01:00 UTC
// on the last Sunday of October, in force since 1996) is computed here
// rather than read from the system's time-zone database, so the domain stays
// pure and a host without tzdata cannot silently fall back to UTC. The unit
// tests check it against tzdata's Europe/London day by day.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/common.pb.h"

namespace casebridge::domain {

// ---- UK civil time ---------------------------------------------------------

// The UK calendar day containing `t`.
absl::CivilDay UkDay(absl::Time t);
// Midnight UK time at the start of `day`.
absl::Time StartOfUkDay(absl::CivilDay day);
// Midnight UK time at the end of `day` (the start of the next day): the
// first instant at which something that has effect "until `day`" has ended.
absl::Time EndOfUkDay(absl::CivilDay day);
// Offset of UK civil time from UTC at `t`: 0 (GMT) or 1 hour (BST).
absl::Duration UkUtcOffset(absl::Time t);
// "2026-03-10 14:30" in UK time, for messages and history summaries.
std::string FormatUkTime(absl::Time t);

// The IANA zone UkDay computes. Code that is still handed an absl::TimeZone
// (ChargingClock, SafeguardingContext) is given this zone, loaded by the
// server; new code should call UkDay instead.
inline constexpr absl::string_view kUkTimeZoneName = "Europe/London";
// The calendar day `t` falls on in `zone`.
absl::CivilDay CalendarDayAt(absl::Time t, absl::TimeZone zone);

// ---- Calendar days ---------------------------------------------------------

// `day` plus whole years; 29 February goes to 1 March in a common year
// (so a period counted from a leap day is never shortened).
absl::CivilDay AddYears(absl::CivilDay day, int years);

// "2026-03-10" (years below 1000 zero-padded: "0999-01-01").
std::string FormatDay(absl::CivilDay day);
// Exactly "YYYY-MM-DD" naming a real day in years 1..9999, else nullopt.
std::optional<absl::CivilDay> ParseDay(absl::string_view text);

// ---- casebridge.v1.Date ----------------------------------------------------

// v1::Date holds what absl::CivilDay can in years 1..9999.
inline constexpr int kMinDateYear = 1;
inline constexpr int kMaxDateYear = 9999;
// Dates people record about a case (dates of birth, court days) are not
// earlier than this; see DateRule::min_year.
inline constexpr int kMinRecordYear = 1900;

// All-zero means unset.
bool IsDateSet(const v1::Date& date);
// Years 1..9999, month 1..12, a day that month has (29 February only in
// leap years).
bool IsRealCalendarDate(const v1::Date& date);
// The day a date names; nullopt unless IsRealCalendarDate (so unset too).
std::optional<absl::CivilDay> ToCivilDay(const v1::Date& date);
v1::Date ToProtoDate(absl::CivilDay day);

// ---- Checking a date a client sent -----------------------------------------
// Problems are INVALID_ARGUMENT naming `field` (domain::FieldError):
//   unset and required        "is required"
//   not a real date / year    "<invalid_problem> (year 2026, month 2, day 30)"
//   after rule.not_future     "must not be in the future (today is 2026-03-10)"
//   before rule.not_past      "must not be in the past (today is 2026-03-10)"

struct DateRule {
  // Earliest year accepted (the latest is kMaxDateYear). Protection orders
  // and the case record use kMinRecordYear; charging and safeguarding accept
  // every year a v1::Date can hold.
  int min_year = kMinDateYear;
  // Today, for a date of something that has happened: later days fail.
  std::optional<absl::CivilDay> not_future = std::nullopt;
  // Today, for a deadline set now: earlier days fail.
  std::optional<absl::CivilDay> not_past = std::nullopt;
  // How an impossible date is described. Safeguarding says "is not a real
  // calendar date"; everything else keeps the default.
  absl::string_view invalid_problem = "is not a valid date";
};

// A date people record about a case: years kMinRecordYear..kMaxDateYear.
inline constexpr DateRule kRecordDate{.min_year = kMinRecordYear};

// A required date where all-zero means unset.
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view field,
                                         const v1::Date& date,
                                         const DateRule& rule = {});
// An optional date where all-zero means unset (nullopt).
absl::StatusOr<std::optional<absl::CivilDay>> ParseOptionalDate(
    absl::string_view field, const v1::Date& date, const DateRule& rule = {});
// A date message field with presence (`present` = has_x()): not present is
// unset; a present date must be real, even if all zero.
absl::Status CheckDate(absl::string_view field, const v1::Date& date,
                       bool present, bool required, const DateRule& rule = {});

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_DATES_H_
