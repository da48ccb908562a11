#ifndef CASEBRIDGE_DOMAIN_CASE_VIEW_H_
#define CASEBRIDGE_DOMAIN_CASE_VIEW_H_

#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/common.pb.h"

namespace casebridge::domain {

// Redaction: what each view of a case shows. One function per view; every
// response that carries case content goes through ApplyCaseView (or the
// person/incident variants), lists and timelines included.
//
// FULL (police): everything.
// PROSECUTION (CPS): people, incidents, risk, orders, charging; never a
//   restricted address, no partner notes.
// SAFEGUARDING (council, health, victim services): reference, status,
//   officer in charge, the victim's and protected persons' names and safe
//   contact details (address only when not restricted), risk level, flags,
//   whether an order is active, the derived risk indicators. No suspects, no
//   narrative, no relationship or typology, no SPO deliberation (nor the
//   derived SPO_NOTIFICATION_OVERDUE flag), no etag.
void ApplyCaseView(v1::CaseView view, v1::Case* c);
void RedactCaseToProsecutionView(v1::Case* c);
void RedactCaseToSafeguardingView(v1::Case* c);

// A person as a view may see them: outside FULL a restricted address is
// removed, whatever else the view keeps.
void ApplyPersonView(v1::CaseView view, v1::Person* p);

// Timeline entries carry the views allowed to see them as a bit set.
inline constexpr int kTimelineFull = 1;
inline constexpr int kTimelineProsecution = 2;
inline constexpr int kTimelineSafeguarding = 4;
inline constexpr int kTimelineAllViews =
    kTimelineFull | kTimelineProsecution | kTimelineSafeguarding;
inline constexpr int kTimelinePoliceAndCps =
    kTimelineFull | kTimelineProsecution;
// The bit of a view (0 for none).
int TimelineBit(v1::CaseView view);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_CASE_VIEW_H_
