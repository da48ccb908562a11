#ifndef CASEBRIDGE_DOMAIN_CASE_PATTERN_H_
#define CASEBRIDGE_DOMAIN_CASE_PATTERN_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/common.pb.h"

namespace casebridge::domain {

// What the pattern needs of one incident (from the incident log).
struct IncidentFacts {
  absl::Time occur_time;
  std::vector<v1::Behaviour> behaviours;
  std::vector<v1::FourSign> four_signs;
};

// What the pattern needs of the case itself.
struct CaseFacts {
  v1::Relationship relationship = v1::RELATIONSHIP_UNSPECIFIED;
  // Level of the latest risk assessment (UNSPECIFIED when there is none).
  v1::RiskLevel risk_level = v1::RISK_LEVEL_UNSPECIFIED;
  bool has_risk_assessment = false;
  // Case.spo_consideration.considered.
  bool spo_considered = false;
  bool has_active_order = false;
  v1::VictimServicesReferralState victim_services_state =
      v1::VICTIM_SERVICES_REFERRAL_STATE_UNSPECIFIED;
};

// A "day" here is 24 hours of absolute time (no calendar or DST rules).
inline constexpr absl::Duration kPatternWindow = absl::Hours(24 * 14);
// A history whose first incident is within this of now is "short".
inline constexpr absl::Duration kShortHistory = absl::Hours(24 * 28);

// Recommendation codes: stable API, clients may match on them. Emitted at
// most once each, in this priority order.
//   MARAC_REFERRAL          the latest risk level is HIGH.
//   RECORD_RISK_ASSESSMENT  a course of conduct and no risk assessment.
//   REVIEW_RISK_ASSESSMENT  a risk assessment exists, its level is below
//                           HIGH, and the log is escalating or shows the
//                           highest-risk indicator.
//   CONSIDER_SPO            a course of conduct, no active order and an SPO
//                           not (yet) considered.
//   VICTIM_SERVICES_REFERRAL a course of conduct and the victim-services
//                           referral is PENDING or UNSPECIFIED (not referred,
//                           not opted out).
// RECORD_ and REVIEW_RISK_ASSESSMENT exclude each other.
inline constexpr absl::string_view kRecMaracReferral = "MARAC_REFERRAL";
inline constexpr absl::string_view kRecRecordRiskAssessment =
    "RECORD_RISK_ASSESSMENT";
inline constexpr absl::string_view kRecReviewRiskAssessment =
    "REVIEW_RISK_ASSESSMENT";
inline constexpr absl::string_view kRecConsiderSpo = "CONSIDER_SPO";
inline constexpr absl::string_view kRecVictimServicesReferral =
    "VICTIM_SERVICES_REFERRAL";

// Derives the pattern of behaviour from the incident log (order of
// `incidents` does not matter) and recommends next steps. Every CasePattern
// field is filled. Windows and boundaries (W = 14 days):
//
//  - incident_count, course_of_conduct (2 or more), first/last_incident_time
//    (unset with no incidents), behaviours_seen and four_signs_seen (sorted,
//    unique, UNSPECIFIED and undeclared values dropped) cover ALL incidents.
//  - incidents_last_14_days counts occur_time in (now-W, now];
//    incidents_previous_14_days counts (now-2W, now-W]. An incident exactly
//    14 days old is in the previous window; exactly 28 days old is in none.
//  - An incident after `now` (AddIncident refuses future times, so only clock
//    skew between servers produces one) is neither rejected nor ignored: it
//    is counted in every total with its recorded time and in the last window
//    as if it happened at `now`. It is certainly recent, and dropping it
//    would under-state escalation.
//  - duration_days: whole 24-hour days from the first incident to now,
//    rounded down; 0 with no incidents or a first incident after now.
//  - new_behaviours: behaviours of incidents in the last window that no
//    incident before the window (occur_time <= now-W) shows. With no earlier
//    history every behaviour in the window is new.
//  - escalating, with escalation_reason naming every rule that fired
//    ("" when not escalating):
//      * rate: incidents_last_14_days > incidents_previous_14_days and
//        incidents_last_14_days >= 2;
//      * THREATS or VIOLENCE is in new_behaviours and some incident strictly
//        precedes the earliest incident showing it. A threat in the very
//        first incident is serious, but it is not a change in pattern: a
//        lone incident cannot escalate; the risk assessment covers it.
//  - highest_risk_indicator (docs/DOMAIN.md "Risk": "ex-intimate AND threats
//    AND stalking for more than two weeks"): relationship EX_INTIMATE,
//    THREATS in any incident, a course of conduct (one incident is not
//    stalking), and the first incident more than 14 days before now
//    (now - first > W, so exactly 14 days is not enough). Measured to now,
//    not to the last incident: the victim lives with it until it is
//    resolved, and a pause is not an end.
//  - rapid_escalation: escalating and a short history, i.e. the first
//    incident within (now-28d, now].
//  - recommendations: see the codes above.
v1::CasePattern ComputeCasePattern(absl::Span<const IncidentFacts> incidents,
                                   const CaseFacts& facts, absl::Time now);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_CASE_PATTERN_H_
