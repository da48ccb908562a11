#include "domain/dates.h"

#include "absl/strings/str_cat.h"
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

bool IsDigits(absl::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int DigitsValue(absl::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// A date known to be set: real, in range, within the rule's bounds.
absl::StatusOr<absl::CivilDay> CheckSetDate(absl::string_view field,
                                            const v1::Date& date,
                                            const DateRule& rule) {
  std::optional<absl::CivilDay> day = ToCivilDay(date);
  if (!day.has_value() || day->year() < rule.min_year) {
    return FieldError(field, absl::StrFormat("%s (year %d, month %d, day %d)",
                                             rule.invalid_problem, date.year(),
                                             date.month(), date.day()));
  }
  if (rule.not_future.has_value() && *day > *rule.not_future) {
    return FieldError(field, absl::StrCat("must not be in the future (today "
                                          "is ",
                                          FormatDay(*rule.not_future), ")"));
  }
  if (rule.not_past.has_value() && *day < *rule.not_past) {
    return FieldError(field, absl::StrCat("must not be in the past (today is ",
                                          FormatDay(*rule.not_past), ")"));
  }
  return *day;
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

std::string FormatUkTime(absl::Time t) {
  absl::TimeZone uk = absl::FixedTimeZone(
      static_cast<int>(absl::ToInt64Seconds(UkUtcOffset(t))));
  return absl::FormatTime("%Y-%m-%d %H:%M", t, uk);
}

absl::CivilDay CalendarDayAt(absl::Time t, absl::TimeZone zone) {
  return absl::ToCivilDay(t, zone);
}

absl::CivilDay AddYears(absl::CivilDay day, int years) {
  // CivilDay normalises 29 February of a common year to 1 March.
  return absl::CivilDay(day.year() + years, day.month(), day.day());
}

std::string FormatDay(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::optional<absl::CivilDay> ParseDay(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  const absl::string_view y = text.substr(0, 4);
  const absl::string_view m = text.substr(5, 2);
  const absl::string_view d = text.substr(8, 2);
  if (!IsDigits(y) || !IsDigits(m) || !IsDigits(d)) return std::nullopt;
  v1::Date date;
  date.set_year(DigitsValue(y));
  date.set_month(DigitsValue(m));
  date.set_day(DigitsValue(d));
  return ToCivilDay(date);
}

bool IsDateSet(const v1::Date& date) {
  return date.year() != 0 || date.month() != 0 || date.day() != 0;
}

bool IsRealCalendarDate(const v1::Date& date) {
  return ToCivilDay(date).has_value();
}

std::optional<absl::CivilDay> ToCivilDay(const v1::Date& date) {
  if (date.year() < kMinDateYear || date.year() > kMaxDateYear ||
      date.month() < 1 || date.month() > 12 || date.day() < 1 ||
      date.day() > 31) {
    return std::nullopt;
  }
  absl::CivilDay day(date.year(), date.month(), date.day());
  // CivilDay normalises 30 February to 2 March: a changed field means the
  // date does not exist.
  if (day.year() != date.year() || day.month() != date.month() ||
      day.day() != date.day()) {
    return std::nullopt;
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

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view field,
                                         const v1::Date& date,
                                         const DateRule& rule) {
  if (!IsDateSet(date)) return FieldError(field, "is required");
  return CheckSetDate(field, date, rule);
}

absl::StatusOr<std::optional<absl::CivilDay>> ParseOptionalDate(
    absl::string_view field, const v1::Date& date, const DateRule& rule) {
  if (!IsDateSet(date)) return std::optional<absl::CivilDay>();
  absl::StatusOr<absl::CivilDay> day = CheckSetDate(field, date, rule);
  if (!day.ok()) return day.status();
  return std::optional<absl::CivilDay>(*day);
}

absl::Status CheckDate(absl::string_view field, const v1::Date& date,
                       bool present, bool required, const DateRule& rule) {
  if (!present) {
    return required ? FieldError(field, "is required") : absl::OkStatus();
  }
  return CheckSetDate(field, date, rule).status();
}

}  // namespace casebridge::domain
