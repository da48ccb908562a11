#include "services/uk_time.h"

#include "absl/strings/str_format.h"

namespace casebridge::services {

absl::TimeZone EnglandTimeZone() {
  static const absl::TimeZone zone = [] {
    absl::TimeZone tz;
    if (!absl::LoadTimeZone("Europe/London", &tz)) tz = absl::UTCTimeZone();
    return tz;
  }();
  return zone;
}

absl::CivilDay TodayInEngland(absl::Time now) {
  return absl::ToCivilDay(now, EnglandTimeZone());
}

v1::Date ToDate(absl::CivilDay day) {
  v1::Date d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

std::string DateString(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

}  // namespace casebridge::services
