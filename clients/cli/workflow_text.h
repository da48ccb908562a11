#ifndef CASEBRIDGE_CLIENTS_CLI_WORKFLOW_TEXT_H_
#define CASEBRIDGE_CLIENTS_CLI_WORKFLOW_TEXT_H_

// How the `order`, `charging` and `action` commands put their resources into
// words for the people who read them: due dates relative to today, offences
// as prosecutors say them, charging decisions, order terms and the
// defendant's notification duty. Pure functions (today and the zone are
// given), unit-tested in tests/unit/cli_workflow_text_test.cc.

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/charging.pb.h"
#include "casebridge/v1/common.pb.h"
#include "casebridge/v1/protection_orders.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace casebridge::cli {

// ---- Due dates --------------------------------------------------------------

// A due date of open work as its owner wants to see it: "2026-11-28 (in 7
// days)", "2026-11-22 (tomorrow)", "2026-11-21 (today)", or, when
// `overdue` (the server's verdict), "2026-11-18 OVERDUE (3 days)". `today`
// is the calendar day the server counts in (domain::UkDay), so the two
// agree. "" for an unset date.
std::string FormatDueIn(const v1::Date& due, bool overdue, absl::CivilDay today);

// ---- Charging ---------------------------------------------------------------

// "s.4A stalking (fear of violence)": short, for tables.
std::string OffenceShort(v1::Offence offence);
// "stalking involving fear of violence or serious alarm or distress (PHA
// 1997 s.4A)": in full, for a file's details.
std::string OffenceLong(v1::Offence offence);
// The offences of a file or decision, joined with "; ".
std::string OffenceList(const google::protobuf::RepeatedPtrField<v1::OffenceDetail>& list,
                        bool long_form);

// The decision in words: "CHARGED: s.4A stalking (fear of violence)",
// "CHARGED on the Threshold Test (Full Code review by 2026-12-05): ...",
// "NO FURTHER ACTION (evidential)", "OUT-OF-COURT DISPOSAL: s.2
// harassment". "" when there is no decision.
std::string ChargingDecisionText(const v1::ChargingDecision& decision);

// A prosecutor's list cell for what was decided: the decision and the first
// hearing ("CHARGED: s.4A ...; first hearing 2026-12-05"), "WITHDRAWN by
// police", or "" while undecided.
std::string ChargingOutcomeCell(const v1::ChargingFile& file);

// Outstanding action-plan items: "-", "1", "3 (1 OVERDUE)".
std::string ChargingItemsCell(const v1::ChargingProgress& progress);

// What falls due next on the file: the earliest outstanding item, else the
// Threshold review ("review 2026-12-05 (in 14 days)"); "-" when nothing.
// Relative to the progress's own as_of day.
std::string ChargingNextDueCell(const v1::ChargingProgress& progress);

// ---- Protection orders ------------------------------------------------------

// "prohibition: Not to enter Hanley (area: the ring road; within 100 m)".
std::string OrderTermText(const v1::OrderTerm& term);
// "until further order", "until 2027-01-16" (the last day in force), or "".
std::string OrderDurationText(const v1::OrderDuration& duration);

// Partners (the safeguarding view) read only the terms of orders in force:
// no status, defendant or application. The server leaves status unset.
bool IsSafeguardingView(const v1::ProtectionOrder& order);

// The defendant's duty to notify the police, for `order get`:
//   "DUE by 2026-11-24 14:00: name(s) and home address, within 3 days of service"
//   "OVERDUE since 2026-11-24 14:00: ... not notified; failing to notify is an offence"
//   "NOTIFIED (2026-11-22 10:00)", "NOTIFIED late (...)",
//   "carried over from the interim order", or "" when no duty arose.
// One line per outstanding obligation is what `order get` shows; this is
// the worst of them.
std::string OrderNotificationText(const v1::ProtectionOrder& order, absl::TimeZone tz);
// The same for a table cell: "DUE by 2026-11-24 14:00", "OVERDUE since ...",
// "NOTIFIED", or "".
std::string OrderNotificationCell(const v1::ProtectionOrder& order, absl::TimeZone tz);

}  // namespace casebridge::cli

#endif  // CASEBRIDGE_CLIENTS_CLI_WORKFLOW_TEXT_H_
