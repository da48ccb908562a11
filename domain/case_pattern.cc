#include "domain/case_pattern.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/list_query.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

bool ShowsBehaviour(const IncidentFacts& incident, v1::Behaviour b) {
  return std::find(incident.behaviours.begin(), incident.behaviours.end(), b) !=
         incident.behaviours.end();
}

// Whether `b` newly appeared in the last window after the stalking had
// already begun: it is in `new_behaviours` and an incident strictly precedes
// the earliest incident showing it.
bool AppearedAfterStart(absl::Span<const IncidentFacts> incidents,
                        const std::set<v1::Behaviour>& new_behaviours,
                        v1::Behaviour b, absl::Time first_incident) {
  if (!new_behaviours.contains(b)) return false;
  std::optional<absl::Time> first_showing;
  for (const IncidentFacts& incident : incidents) {
    if (!ShowsBehaviour(incident, b)) continue;
    if (!first_showing || incident.occur_time < *first_showing) {
      first_showing = incident.occur_time;
    }
  }
  return first_showing && *first_showing > first_incident;
}

int32_t WholeDays(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  int64_t days = absl::IDivDuration(d, absl::Hours(24), &d);
  return static_cast<int32_t>(
      std::min<int64_t>(days, std::numeric_limits<int32_t>::max()));
}

void AddRecommendation(v1::CasePattern& pattern, absl::string_view code,
                       std::string text) {
  v1::Recommendation* r = pattern.add_recommendations();
  r->set_code(std::string(code));
  r->set_text(std::move(text));
}

}  // namespace

v1::CasePattern ComputeCasePattern(absl::Span<const IncidentFacts> incidents,
                                   const CaseFacts& facts, absl::Time now) {
  v1::CasePattern pattern;
  const absl::Time window_start = now - kPatternWindow;        // exclusive
  const absl::Time previous_start = now - 2 * kPatternWindow;  // exclusive

  std::set<v1::Behaviour> seen, before_window, in_window;
  std::set<v1::FourSign> signs;
  std::optional<absl::Time> first, last;
  int last_14 = 0, previous_14 = 0;
  for (const IncidentFacts& incident : incidents) {
    const absl::Time t = incident.occur_time;
    if (!first || t < *first) first = t;
    if (!last || t > *last) last = t;
    // The last window has no upper bound: an incident after now (clock
    // skew) is recent activity and counts in it; see the header.
    const bool recent = t > window_start;
    if (recent) {
      ++last_14;
    } else if (t > previous_start) {
      ++previous_14;
    }
    for (v1::Behaviour b : incident.behaviours) {
      if (b == v1::BEHAVIOUR_UNSPECIFIED || !v1::Behaviour_IsValid(b)) continue;
      seen.insert(b);
      (recent ? in_window : before_window).insert(b);
    }
    for (v1::FourSign s : incident.four_signs) {
      if (s == v1::FOUR_SIGN_UNSPECIFIED || !v1::FourSign_IsValid(s)) continue;
      signs.insert(s);
    }
  }
  std::set<v1::Behaviour> new_behaviours;
  std::set_difference(in_window.begin(), in_window.end(), before_window.begin(),
                      before_window.end(),
                      std::inserter(new_behaviours, new_behaviours.end()));

  const int count = static_cast<int>(incidents.size());
  pattern.set_incident_count(count);
  pattern.set_course_of_conduct(count >= 2);
  if (first) {
    *pattern.mutable_first_incident_time() = ToProtoTime(*first);
    *pattern.mutable_last_incident_time() = ToProtoTime(*last);
    pattern.set_duration_days(WholeDays(now - *first));
  }
  pattern.set_incidents_last_14_days(last_14);
  pattern.set_incidents_previous_14_days(previous_14);
  for (v1::Behaviour b : new_behaviours) pattern.add_new_behaviours(b);
  for (v1::Behaviour b : seen) pattern.add_behaviours_seen(b);
  for (v1::FourSign s : signs) pattern.add_four_signs_seen(s);

  // Escalation.
  std::vector<std::string> reasons;
  if (last_14 >= 2 && last_14 > previous_14) {
    reasons.push_back(absl::StrCat(last_14,
                                   " incidents in the last 14 days, up from ",
                                   previous_14, " in the 14 days before"));
  }
  if (first) {
    for (v1::Behaviour b : {v1::BEHAVIOUR_THREATS, v1::BEHAVIOUR_VIOLENCE}) {
      if (AppearedAfterStart(incidents, new_behaviours, b, *first)) {
        reasons.push_back(
            absl::StrCat(b == v1::BEHAVIOUR_THREATS ? "threats" : "violence",
                         " first appeared in the last 14 days"));
      }
    }
  }
  const bool escalating = !reasons.empty();
  pattern.set_escalating(escalating);
  pattern.set_escalation_reason(absl::StrJoin(reasons, "; "));

  pattern.set_highest_risk_indicator(
      facts.relationship == v1::RELATIONSHIP_EX_INTIMATE &&
      seen.contains(v1::BEHAVIOUR_THREATS) && count >= 2 &&
      now - *first > kPatternWindow);
  pattern.set_rapid_escalation(escalating && first &&
                               *first > now - kShortHistory);

  // Recommendations, in priority order (codes documented in the header).
  const bool course = pattern.course_of_conduct();
  if (facts.risk_level == v1::RISK_LEVEL_HIGH) {
    AddRecommendation(pattern, kRecMaracReferral,
                      "Risk is HIGH: refer the case to MARAC (multi-agency "
                      "risk assessment conference).");
  }
  if (course && !facts.has_risk_assessment) {
    AddRecommendation(
        pattern, kRecRecordRiskAssessment,
        absl::StrCat(count,
                     " incidents make a course of conduct and no risk "
                     "assessment is recorded: complete the DASH checklist "
                     "(and S-DASH after a yes to its stalking question)."));
  } else if (facts.has_risk_assessment &&
             facts.risk_level != v1::RISK_LEVEL_HIGH &&
             (escalating || pattern.highest_risk_indicator())) {
    std::vector<std::string> shows;
    if (escalating) {
      shows.push_back(
          absl::StrCat("escalation (", pattern.escalation_reason(), ")"));
    }
    if (pattern.highest_risk_indicator()) {
      shows.push_back(
          "the highest-risk indicator (ex-partner, threats, stalking for more "
          "than 14 days)");
    }
    AddRecommendation(
        pattern, kRecReviewRiskAssessment,
        absl::StrCat(
            "The latest risk assessment gives ",
            ShortEnumName(v1::RiskLevel_descriptor(), facts.risk_level),
            ", below HIGH, but the incident log shows ",
            absl::StrJoin(shows, " and "), ": review the risk assessment."));
  }
  if (course && !facts.has_active_order && !facts.spo_considered) {
    AddRecommendation(
        pattern, kRecConsiderSpo,
        "A course of conduct is recorded and no Stalking Protection Order is "
        "active or has been considered: consider applying for one (only "
        "police can apply; the CPS can remind them).");
  }
  if (course && (facts.victim_services_state ==
                     v1::VICTIM_SERVICES_REFERRAL_STATE_PENDING ||
                 facts.victim_services_state ==
                     v1::VICTIM_SERVICES_REFERRAL_STATE_UNSPECIFIED)) {
    AddRecommendation(pattern, kRecVictimServicesReferral,
                      "Refer the victim to victim services: the referral is "
                      "made unless the victim opts out.");
  }
  return pattern;
}

}  // namespace casebridge::domain
