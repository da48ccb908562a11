#ifndef CASEBRIDGE_SERVICES_UK_TIME_H_
#define CASEBRIDGE_SERVICES_UK_TIME_H_

#include <string>

#include "absl/time/time.h"
#include "casebridge/v1/common.pb.h"

namespace casebridge::services {

// Courts, orders and due dates run on the civil calendar of England and
// Wales (Europe/London; UTC if the zone database is missing).
absl::TimeZone EnglandTimeZone();
absl::CivilDay TodayInEngland(absl::Time now);
v1::Date ToDate(absl::CivilDay day);
// "YYYY-MM-DD".
std::string DateString(absl::CivilDay day);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_UK_TIME_H_
