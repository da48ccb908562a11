#ifndef CASEBRIDGE_CLIENTS_CLI_TIME_PARSE_H_
#define CASEBRIDGE_CLIENTS_CLI_TIME_PARSE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace casebridge::cli {

// Times as people type them when logging what happened, read in `tz` (the
// CLI passes absl::LocalTimeZone(), which honours TZ). Pure: `now` is given.
// Case and extra spaces do not matter. Accepted:
//   now
//   2026-11-20T18:30:00Z, 2026-11-20T18:30:00+01:00     (RFC 3339, any zone)
//   2026-11-20 18:30, 2026-11-20T18:30, 2026-11-20 18:30:15  (local time)
//   today 09:00, yesterday 18:30, tomorrow 10:00
//   monday 20:00, last mon 8pm   the most recent such day at that time that is
//                                not after `now` (today if already past)
//   18:30                        today at 18:30
//   3h ago, 45 min ago, 2 days ago, 1 week ago, 6 months ago
//   in 3h, in 2 days             the same, forwards (hearings)
//   in 7 days 10:00              that many days (weeks...) ahead, at 10:00
//                                hours and smaller are exact durations; days,
//                                weeks, months and years keep the local clock
//                                time (a day the month lacks becomes its last)
// Clock times: 18:30, 18:30:15, 6pm, 6:30pm, noon, midnight. A local time
// that a clock change skips or repeats resolves to the earlier offset.
// Anything else is INVALID_ARGUMENT saying what is accepted. The result may
// lie in the future (hearings); the server decides whether it may.
absl::StatusOr<absl::Time> ParseWhen(absl::string_view text, absl::Time now,
                                     absl::TimeZone tz);

// Calendar days (due dates, decision dates): today, yesterday, tomorrow,
// 2026-11-20, "in 7 days", "in 2 weeks", "in 6 months", "in 2 years" (31
// January + 1 month is 28 February), "3 days ago". Days are those of `tz`.
absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view text, absl::Time now,
                                        absl::TimeZone tz);

}  // namespace casebridge::cli

#endif  // CASEBRIDGE_CLIENTS_CLI_TIME_PARSE_H_
