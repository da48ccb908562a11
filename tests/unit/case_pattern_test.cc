#include "domain/case_pattern.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/cases.pb.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 12, 0, 0),
                                        absl::UTCTimeZone());
constexpr absl::Duration kDay = absl::Hours(24);
constexpr absl::Duration kSec = absl::Seconds(1);

IncidentFacts Ago(absl::Duration ago, std::vector<v1::Behaviour> b = {},
                  std::vector<v1::FourSign> s = {}) {
  return IncidentFacts{kNow - ago, std::move(b), std::move(s)};
}

v1::CasePattern Pattern(const std::vector<IncidentFacts>& incidents,
                        const CaseFacts& facts = {}) {
  return ComputeCasePattern(incidents, facts, kNow);
}

std::vector<std::string> Codes(const v1::CasePattern& p) {
  std::vector<std::string> codes;
  for (const auto& r : p.recommendations()) codes.push_back(r.code());
  return codes;
}

std::vector<v1::Behaviour> NewBehaviours(const v1::CasePattern& p) {
  std::vector<v1::Behaviour> out;
  for (int b : p.new_behaviours()) out.push_back(static_cast<v1::Behaviour>(b));
  return out;
}

std::vector<v1::Behaviour> BehavioursSeen(const v1::CasePattern& p) {
  std::vector<v1::Behaviour> out;
  for (int b : p.behaviours_seen())
    out.push_back(static_cast<v1::Behaviour>(b));
  return out;
}

std::vector<v1::FourSign> SignsSeen(const v1::CasePattern& p) {
  std::vector<v1::FourSign> out;
  for (int s : p.four_signs_seen()) out.push_back(static_cast<v1::FourSign>(s));
  return out;
}

constexpr v1::Behaviour kCalls = v1::BEHAVIOUR_CALLS_TEXTS_MESSAGES;
constexpr v1::Behaviour kThreats = v1::BEHAVIOUR_THREATS;
constexpr v1::Behaviour kViolence = v1::BEHAVIOUR_VIOLENCE;

// ---------------------------------------------------------------------------
// Totals and times

TEST(CasePatternTest, EmptyLogFillsZeroes) {
  v1::CasePattern p = Pattern({});
  EXPECT_EQ(p.incident_count(), 0);
  EXPECT_FALSE(p.course_of_conduct());
  EXPECT_FALSE(p.has_first_incident_time());
  EXPECT_FALSE(p.has_last_incident_time());
  EXPECT_EQ(p.duration_days(), 0);
  EXPECT_EQ(p.incidents_last_14_days(), 0);
  EXPECT_EQ(p.incidents_previous_14_days(), 0);
  EXPECT_THAT(p.new_behaviours(), IsEmpty());
  EXPECT_FALSE(p.escalating());
  EXPECT_EQ(p.escalation_reason(), "");
  EXPECT_FALSE(p.highest_risk_indicator());
  EXPECT_FALSE(p.rapid_escalation());
  EXPECT_THAT(p.four_signs_seen(), IsEmpty());
  EXPECT_THAT(p.behaviours_seen(), IsEmpty());
  EXPECT_THAT(p.recommendations(), IsEmpty());
}

TEST(CasePatternTest, OneIncidentIsNotACourseOfConductTwoIs) {
  v1::CasePattern one = Pattern({Ago(3 * kDay, {kCalls})});
  EXPECT_EQ(one.incident_count(), 1);
  EXPECT_FALSE(one.course_of_conduct());
  v1::CasePattern two = Pattern({Ago(3 * kDay, {kCalls}), Ago(40 * kDay)});
  EXPECT_EQ(two.incident_count(), 2);
  EXPECT_TRUE(two.course_of_conduct());
}

TEST(CasePatternTest, FirstAndLastTimesWhateverTheInputOrder) {
  std::vector<IncidentFacts> log = {Ago(5 * kDay), Ago(90 * kDay + 7 * kSec),
                                    Ago(kSec), Ago(30 * kDay)};
  v1::CasePattern p = Pattern(log);
  EXPECT_EQ(ToAbslTime(p.first_incident_time()), kNow - 90 * kDay - 7 * kSec);
  EXPECT_EQ(ToAbslTime(p.last_incident_time()), kNow - kSec);
  std::reverse(log.begin(), log.end());
  EXPECT_EQ(Pattern(log).DebugString(), p.DebugString());
  std::rotate(log.begin(), log.begin() + 1, log.end());
  EXPECT_EQ(Pattern(log).DebugString(), p.DebugString());
}

TEST(CasePatternTest, DurationIsWholeDaysFromFirstIncidentToNow) {
  EXPECT_EQ(Pattern({Ago(absl::ZeroDuration())}).duration_days(), 0);
  EXPECT_EQ(Pattern({Ago(kDay - kSec)}).duration_days(), 0);
  EXPECT_EQ(Pattern({Ago(kDay)}).duration_days(), 1);
  EXPECT_EQ(Pattern({Ago(10 * kDay - kSec)}).duration_days(), 9);
  EXPECT_EQ(Pattern({Ago(10 * kDay)}).duration_days(), 10);
  // From the first incident, not the last.
  EXPECT_EQ(Pattern({Ago(400 * kDay), Ago(kDay)}).duration_days(), 400);
  // A first incident after now (clock skew) is 0, not negative.
  EXPECT_EQ(Pattern({Ago(-kDay * 3)}).duration_days(), 0);
}

// ---------------------------------------------------------------------------
// The two 14-day windows: (now-14d, now] and (now-28d, now-14d].

TEST(CasePatternTest, WindowBoundaries) {
  struct Case {
    absl::Duration ago;
    int last;
    int previous;
  } cases[] = {
      {absl::ZeroDuration(), 1, 0},  // now is in the last window
      {kSec, 1, 0},
      {14 * kDay - kSec, 1, 0},  // just inside the last window
      {14 * kDay, 0, 1},         // exactly 14 days: previous window
      {14 * kDay + kSec, 0, 1},
      {28 * kDay - kSec, 0, 1},  // just inside the previous window
      {28 * kDay, 0, 0},         // exactly 28 days: neither
      {28 * kDay + kSec, 0, 0},
      {365 * kDay, 0, 0},
  };
  for (const Case& c : cases) {
    v1::CasePattern p = Pattern({Ago(c.ago)});
    EXPECT_EQ(p.incidents_last_14_days(), c.last) << c.ago;
    EXPECT_EQ(p.incidents_previous_14_days(), c.previous) << c.ago;
    EXPECT_EQ(p.incident_count(), 1) << c.ago;
  }
}

TEST(CasePatternTest, FutureIncidentCountsAsNowForWindowsAndInTotals) {
  v1::CasePattern p = Pattern(
      {Ago(-2 * absl::Minutes(1), {kThreats}), Ago(20 * kDay, {kCalls})});
  EXPECT_EQ(p.incident_count(), 2);
  EXPECT_EQ(p.incidents_last_14_days(), 1);
  EXPECT_EQ(p.incidents_previous_14_days(), 1);
  // The recorded time is reported, not now.
  EXPECT_EQ(ToAbslTime(p.last_incident_time()), kNow + absl::Minutes(2));
  EXPECT_THAT(NewBehaviours(p), ElementsAre(kThreats));
  EXPECT_THAT(BehavioursSeen(p), ElementsAre(kCalls, kThreats));
  EXPECT_TRUE(p.escalating());  // threats after earlier calls
  // Far in the future: still the last window, not dropped.
  v1::CasePattern far = Pattern({Ago(-400 * kDay)});
  EXPECT_EQ(far.incidents_last_14_days(), 1);
  EXPECT_EQ(far.incidents_previous_14_days(), 0);
}

TEST(CasePatternTest, CountsManyIncidentsPerWindow) {
  std::vector<IncidentFacts> log;
  for (int i = 0; i < 5; ++i) log.push_back(Ago((1 + i) * kDay));   // last
  for (int i = 0; i < 3; ++i) log.push_back(Ago((15 + i) * kDay));  // prev
  for (int i = 0; i < 4; ++i) log.push_back(Ago((40 + i) * kDay));  // older
  v1::CasePattern p = Pattern(log);
  EXPECT_EQ(p.incident_count(), 12);
  EXPECT_EQ(p.incidents_last_14_days(), 5);
  EXPECT_EQ(p.incidents_previous_14_days(), 3);
}

// ---------------------------------------------------------------------------
// Behaviours and signs

TEST(CasePatternTest, NewBehavioursAreRecentOnesNeverSeenBefore) {
  v1::CasePattern p = Pattern({
      Ago(60 * kDay, {kCalls, v1::BEHAVIOUR_FOLLOWING}),
      Ago(20 * kDay, {v1::BEHAVIOUR_GIFTS}),
      Ago(5 * kDay, {kCalls, v1::BEHAVIOUR_LOITERING, kViolence}),
      Ago(2 * kDay, {v1::BEHAVIOUR_LOITERING, v1::BEHAVIOUR_FOLLOWING,
                     v1::BEHAVIOUR_GIFTS, kViolence}),
  });
  EXPECT_THAT(NewBehaviours(p),
              ElementsAre(v1::BEHAVIOUR_LOITERING, kViolence));
}

TEST(CasePatternTest, NewBehaviourWindowBoundary) {
  // Seen exactly 14 days ago = before the window: not new.
  EXPECT_THAT(NewBehaviours(Pattern({Ago(14 * kDay, {v1::BEHAVIOUR_GIFTS}),
                                     Ago(kDay, {v1::BEHAVIOUR_GIFTS})})),
              IsEmpty());
  // Seen 14 days less a second ago = inside the window: new.
  EXPECT_THAT(
      NewBehaviours(Pattern({Ago(14 * kDay - kSec, {v1::BEHAVIOUR_GIFTS}),
                             Ago(kDay, {v1::BEHAVIOUR_GIFTS})})),
      ElementsAre(v1::BEHAVIOUR_GIFTS));
  // Only-old behaviours are not new.
  EXPECT_THAT(NewBehaviours(Pattern({Ago(30 * kDay, {kThreats})})), IsEmpty());
}

TEST(CasePatternTest, WithNoEarlierHistoryEveryRecentBehaviourIsNew) {
  EXPECT_THAT(NewBehaviours(Pattern({Ago(kDay, {kThreats, kCalls})})),
              ElementsAre(kCalls, kThreats));
}

TEST(CasePatternTest, SeenListsAreSortedUniqueAndDropUnknowns) {
  v1::CasePattern p = Pattern({
      Ago(200 * kDay, {kViolence, v1::BEHAVIOUR_UNSPECIFIED, kCalls},
          {v1::FOUR_SIGN_REPEATED, v1::FOUR_SIGN_UNSPECIFIED}),
      Ago(3 * kDay,
          {kCalls, static_cast<v1::Behaviour>(99), v1::BEHAVIOUR_FOLLOWING,
           kCalls},
          {v1::FOUR_SIGN_FIXATED, static_cast<v1::FourSign>(42),
           v1::FOUR_SIGN_REPEATED}),
  });
  EXPECT_THAT(BehavioursSeen(p),
              ElementsAre(v1::BEHAVIOUR_FOLLOWING, kCalls, kViolence));
  EXPECT_THAT(SignsSeen(p),
              ElementsAre(v1::FOUR_SIGN_FIXATED, v1::FOUR_SIGN_REPEATED));
  EXPECT_THAT(NewBehaviours(p), ElementsAre(v1::BEHAVIOUR_FOLLOWING));
}

TEST(CasePatternTest, AllFourSigns) {
  v1::CasePattern p = Pattern({
      Ago(kDay, {}, {v1::FOUR_SIGN_UNWANTED, v1::FOUR_SIGN_OBSESSED}),
      Ago(2 * kDay, {}, {v1::FOUR_SIGN_REPEATED, v1::FOUR_SIGN_FIXATED}),
  });
  EXPECT_THAT(SignsSeen(p),
              ElementsAre(v1::FOUR_SIGN_FIXATED, v1::FOUR_SIGN_OBSESSED,
                          v1::FOUR_SIGN_UNWANTED, v1::FOUR_SIGN_REPEATED));
}

// ---------------------------------------------------------------------------
// Escalation by rate: last > previous and last >= 2.

TEST(CasePatternTest, RateEscalation) {
  struct Case {
    int last, previous;
    bool escalating;
  } cases[] = {
      {0, 0, false}, {1, 0, false}, {2, 0, true},  {2, 1, true},  {2, 2, false},
      {3, 2, true},  {2, 3, false}, {1, 5, false}, {10, 9, true}, {9, 9, false},
  };
  for (const Case& c : cases) {
    std::vector<IncidentFacts> log;
    for (int i = 0; i < c.last; ++i)
      log.push_back(Ago(kDay + i * kSec, {kCalls}));
    for (int i = 0; i < c.previous; ++i)
      log.push_back(Ago(20 * kDay + i * kSec, {kCalls}));
    v1::CasePattern p = Pattern(log);
    EXPECT_EQ(p.escalating(), c.escalating) << c.last << " vs " << c.previous;
    if (c.escalating) {
      EXPECT_EQ(p.escalation_reason(),
                absl::StrCat(c.last, " incidents in the last 14 days, up from ",
                             c.previous, " in the 14 days before"));
    } else {
      EXPECT_EQ(p.escalation_reason(), "");
    }
  }
}

TEST(CasePatternTest, RateEscalationFlipsAtTheFourteenDayBoundary) {
  // 2 vs 1 when the middle incident is inside the window, 1 vs 2 at 14 days.
  auto log = [](absl::Duration middle) {
    return std::vector<IncidentFacts>{Ago(kDay), Ago(middle), Ago(20 * kDay)};
  };
  EXPECT_TRUE(Pattern(log(14 * kDay - kSec)).escalating());
  EXPECT_FALSE(Pattern(log(14 * kDay)).escalating());
  // Incidents 28+ days old are not in the previous window.
  EXPECT_TRUE(Pattern({Ago(kDay), Ago(2 * kDay), Ago(28 * kDay), Ago(29 * kDay),
                       Ago(50 * kDay)})
                  .escalating());
  EXPECT_FALSE(
      Pattern({Ago(kDay), Ago(2 * kDay), Ago(28 * kDay - kSec), Ago(27 * kDay)})
          .escalating());
}

// ---------------------------------------------------------------------------
// Escalation by new threats or violence.

TEST(CasePatternTest, NewThreatsAfterEarlierHistoryEscalate) {
  v1::CasePattern p =
      Pattern({Ago(40 * kDay, {kCalls}), Ago(3 * kDay, {kThreats})});
  EXPECT_EQ(p.incidents_last_14_days(), 1);  // the rate rule does not fire
  EXPECT_TRUE(p.escalating());
  EXPECT_EQ(p.escalation_reason(),
            "threats first appeared in the last 14 days");
}

TEST(CasePatternTest, NewViolenceAfterEarlierHistoryEscalates) {
  v1::CasePattern p =
      Pattern({Ago(40 * kDay, {kThreats}), Ago(3 * kDay, {kViolence})});
  EXPECT_TRUE(p.escalating());
  EXPECT_EQ(p.escalation_reason(),
            "violence first appeared in the last 14 days");
}

TEST(CasePatternTest, NewThreatsAndViolenceBothNamed) {
  v1::CasePattern p =
      Pattern({Ago(40 * kDay, {kCalls}), Ago(3 * kDay, {kViolence, kThreats})});
  EXPECT_EQ(p.escalation_reason(),
            "threats first appeared in the last 14 days; violence first "
            "appeared in the last 14 days");
}

TEST(CasePatternTest, OtherNewBehavioursDoNotEscalate) {
  for (int b = 1; b <= 13; ++b) {
    auto behaviour = static_cast<v1::Behaviour>(b);
    v1::CasePattern p = Pattern(
        {Ago(40 * kDay, {v1::BEHAVIOUR_GIFTS}), Ago(3 * kDay, {behaviour})});
    bool want = behaviour == kThreats || behaviour == kViolence;
    EXPECT_EQ(p.escalating(), want) << b;
  }
}

TEST(CasePatternTest, ThreatsSeenBeforeTheWindowAreNotNew) {
  v1::CasePattern p =
      Pattern({Ago(20 * kDay, {kThreats}), Ago(3 * kDay, {kThreats})});
  EXPECT_FALSE(p.escalating());
  // Exactly 14 days ago is before the window.
  p = Pattern({Ago(14 * kDay, {kThreats}), Ago(3 * kDay, {kThreats})});
  EXPECT_FALSE(p.escalating());
  p = Pattern({Ago(14 * kDay - kSec, {kCalls}), Ago(3 * kDay, {kThreats})});
  EXPECT_TRUE(p.escalating());  // 2 vs 0 and new threats
}

TEST(CasePatternTest, ALoneFirstIncidentCannotEscalate) {
  v1::CasePattern p = Pattern({Ago(kDay, {kThreats, kViolence})});
  EXPECT_THAT(NewBehaviours(p), ElementsAre(kThreats, kViolence));
  EXPECT_FALSE(p.escalating());
  EXPECT_FALSE(p.rapid_escalation());
}

TEST(CasePatternTest, ThreatsInTheFirstIncidentAreNotAChangeInPattern) {
  // Both recent: the rate fires, but threats were there from the start.
  v1::CasePattern p =
      Pattern({Ago(5 * kDay, {kThreats}), Ago(kDay, {kThreats})});
  EXPECT_EQ(p.escalation_reason(),
            "2 incidents in the last 14 days, up from 0 in the 14 days before");
  // Calls first, then threats, both recent: both reasons.
  p = Pattern({Ago(5 * kDay, {kCalls}), Ago(kDay, {kThreats})});
  EXPECT_EQ(p.escalation_reason(),
            "2 incidents in the last 14 days, up from 0 in the 14 days before; "
            "threats first appeared in the last 14 days");
  // Same instant as the first incident is not "after".
  p = Pattern({Ago(5 * kDay, {kCalls}), Ago(5 * kDay, {kThreats})});
  EXPECT_THAT(p.escalation_reason(), Not(HasSubstr("threats")));
}

// ---------------------------------------------------------------------------
// Highest-risk indicator: ex-intimate AND threats AND stalking > 14 days.

std::vector<IncidentFacts> ThreatsOver(absl::Duration since) {
  return {Ago(since, {kCalls}), Ago(kDay, {kThreats})};
}

TEST(CasePatternTest, HighestRiskNeedsAnExIntimate) {
  for (int r = 0; r <= 6; ++r) {
    CaseFacts facts;
    facts.relationship = static_cast<v1::Relationship>(r);
    v1::CasePattern p = Pattern(ThreatsOver(30 * kDay), facts);
    EXPECT_EQ(p.highest_risk_indicator(), r == v1::RELATIONSHIP_EX_INTIMATE)
        << r;
  }
}

TEST(CasePatternTest, HighestRiskDurationBoundary) {
  CaseFacts facts;
  facts.relationship = v1::RELATIONSHIP_EX_INTIMATE;
  EXPECT_FALSE(Pattern(ThreatsOver(14 * kDay), facts).highest_risk_indicator());
  EXPECT_TRUE(
      Pattern(ThreatsOver(14 * kDay + kSec), facts).highest_risk_indicator());
  EXPECT_FALSE(Pattern(ThreatsOver(3 * kDay), facts).highest_risk_indicator());
}

TEST(CasePatternTest, HighestRiskNeedsThreats) {
  CaseFacts facts;
  facts.relationship = v1::RELATIONSHIP_EX_INTIMATE;
  EXPECT_FALSE(
      Pattern({Ago(30 * kDay, {kCalls}), Ago(kDay, {kViolence})}, facts)
          .highest_risk_indicator());
  // Threats any time count, including in the first incident.
  EXPECT_TRUE(Pattern({Ago(30 * kDay, {kThreats}), Ago(kDay, {kCalls})}, facts)
                  .highest_risk_indicator());
}

TEST(CasePatternTest, HighestRiskIsMeasuredToNowAndNeedsACourseOfConduct) {
  CaseFacts facts;
  facts.relationship = v1::RELATIONSHIP_EX_INTIMATE;
  // First to last is one day, but it began 30 days ago.
  EXPECT_TRUE(Pattern({Ago(30 * kDay, {kThreats}), Ago(29 * kDay)}, facts)
                  .highest_risk_indicator());
  // One incident is not stalking.
  EXPECT_FALSE(
      Pattern({Ago(30 * kDay, {kThreats})}, facts).highest_risk_indicator());
}

// ---------------------------------------------------------------------------
// Rapid escalation: first incident within (now-28d, now] and escalating.

TEST(CasePatternTest, RapidEscalationBoundary) {
  auto log = [](absl::Duration first) {
    return std::vector<IncidentFacts>{Ago(first, {kCalls}), Ago(2 * kDay),
                                      Ago(kDay)};
  };
  // Each is escalating (2 recent vs 1 or 0 before).
  v1::CasePattern p = Pattern(log(28 * kDay - kSec));
  EXPECT_TRUE(p.escalating());
  EXPECT_TRUE(p.rapid_escalation());
  p = Pattern(log(28 * kDay));
  EXPECT_TRUE(p.escalating());
  EXPECT_FALSE(p.rapid_escalation());
  EXPECT_TRUE(Pattern(log(10 * kDay)).rapid_escalation());
  EXPECT_FALSE(Pattern(log(90 * kDay)).rapid_escalation());
}

TEST(CasePatternTest, ShortHistoryWithoutEscalationIsNotRapid) {
  v1::CasePattern p = Pattern({Ago(20 * kDay), Ago(18 * kDay), Ago(kDay)});
  EXPECT_FALSE(p.escalating());  // 1 vs 2
  EXPECT_FALSE(p.rapid_escalation());
}

// ---------------------------------------------------------------------------
// Scenario: months of calls, then a threat in the last week (20 incidents).

std::vector<IncidentFacts> MonthsOfCallsThenAThreat() {
  std::vector<IncidentFacts> log;
  // 19 incidents of calls every 8 days, from 150 days ago to 6 days ago.
  for (int k = 0; k < 19; ++k) {
    log.push_back(Ago((150 - 8 * k) * kDay, {kCalls},
                      {v1::FOUR_SIGN_UNWANTED, v1::FOUR_SIGN_REPEATED}));
  }
  log.push_back(Ago(3 * kDay, {kThreats, v1::BEHAVIOUR_TURNING_UP},
                    {v1::FOUR_SIGN_FIXATED}));
  return log;
}

TEST(CasePatternTest, ThreatAfterMonthsOfCallsExIntimate) {
  CaseFacts facts;
  facts.relationship = v1::RELATIONSHIP_EX_INTIMATE;
  facts.has_risk_assessment = true;
  facts.risk_level = v1::RISK_LEVEL_MEDIUM;
  facts.spo_considered = true;
  facts.victim_services_state = v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED;
  v1::CasePattern p = Pattern(MonthsOfCallsThenAThreat(), facts);
  EXPECT_EQ(p.incident_count(), 20);
  EXPECT_TRUE(p.course_of_conduct());
  EXPECT_EQ(ToAbslTime(p.first_incident_time()), kNow - 150 * kDay);
  EXPECT_EQ(ToAbslTime(p.last_incident_time()), kNow - 3 * kDay);
  EXPECT_EQ(p.duration_days(), 150);
  EXPECT_EQ(p.incidents_last_14_days(), 2);      // 6 and 3 days ago
  EXPECT_EQ(p.incidents_previous_14_days(), 2);  // 22 and exactly 14 days ago
  EXPECT_THAT(NewBehaviours(p),
              ElementsAre(v1::BEHAVIOUR_TURNING_UP, kThreats));
  EXPECT_TRUE(p.escalating());
  EXPECT_EQ(p.escalation_reason(),
            "threats first appeared in the last 14 days");
  EXPECT_TRUE(p.highest_risk_indicator());
  EXPECT_FALSE(p.rapid_escalation());  // long history
  EXPECT_THAT(BehavioursSeen(p),
              ElementsAre(v1::BEHAVIOUR_TURNING_UP, kCalls, kThreats));
  EXPECT_THAT(SignsSeen(p),
              ElementsAre(v1::FOUR_SIGN_FIXATED, v1::FOUR_SIGN_UNWANTED,
                          v1::FOUR_SIGN_REPEATED));
  EXPECT_THAT(Codes(p), ElementsAre("REVIEW_RISK_ASSESSMENT"));
  EXPECT_EQ(p.recommendations(0).text(),
            "The latest risk assessment gives MEDIUM, below HIGH, but the "
            "incident log shows escalation (threats first appeared in the last "
            "14 days) and the highest-risk indicator (ex-partner, threats, "
            "stalking for more than 14 days): review the risk assessment.");
}

TEST(CasePatternTest, ThreatAfterMonthsOfCallsStranger) {
  CaseFacts facts;
  facts.relationship = v1::RELATIONSHIP_STRANGER;
  v1::CasePattern p = Pattern(MonthsOfCallsThenAThreat(), facts);
  EXPECT_TRUE(p.escalating());
  EXPECT_FALSE(p.highest_risk_indicator());
  EXPECT_THAT(Codes(p), ElementsAre("RECORD_RISK_ASSESSMENT", "CONSIDER_SPO",
                                    "VICTIM_SERVICES_REFERRAL"));
}

// ---------------------------------------------------------------------------
// Recommendations

TEST(CasePatternTest, RecommendationCodesAreStable) {
  EXPECT_EQ(kRecMaracReferral, "MARAC_REFERRAL");
  EXPECT_EQ(kRecRecordRiskAssessment, "RECORD_RISK_ASSESSMENT");
  EXPECT_EQ(kRecReviewRiskAssessment, "REVIEW_RISK_ASSESSMENT");
  EXPECT_EQ(kRecConsiderSpo, "CONSIDER_SPO");
  EXPECT_EQ(kRecVictimServicesReferral, "VICTIM_SERVICES_REFERRAL");
}

TEST(CasePatternTest, PriorityOrder) {
  CaseFacts facts;
  facts.risk_level = v1::RISK_LEVEL_HIGH;  // e.g. from a previous case record
  v1::CasePattern p = Pattern({Ago(kDay), Ago(2 * kDay)}, facts);
  EXPECT_THAT(Codes(p),
              ElementsAre("MARAC_REFERRAL", "RECORD_RISK_ASSESSMENT",
                          "CONSIDER_SPO", "VICTIM_SERVICES_REFERRAL"));
  facts.risk_level = v1::RISK_LEVEL_STANDARD;
  facts.has_risk_assessment = true;
  p = Pattern({Ago(kDay), Ago(2 * kDay)}, facts);
  EXPECT_THAT(Codes(p), ElementsAre("REVIEW_RISK_ASSESSMENT", "CONSIDER_SPO",
                                    "VICTIM_SERVICES_REFERRAL"));
  for (const auto& r : p.recommendations()) EXPECT_FALSE(r.text().empty());
}

TEST(CasePatternTest, MaracForHighRiskEvenWithoutIncidents) {
  CaseFacts facts;
  facts.risk_level = v1::RISK_LEVEL_HIGH;
  facts.has_risk_assessment = true;
  v1::CasePattern p = Pattern({}, facts);
  EXPECT_THAT(Codes(p), ElementsAre("MARAC_REFERRAL"));
  EXPECT_THAT(p.recommendations(0).text(), HasSubstr("MARAC"));
}

TEST(CasePatternTest, RecordRiskAssessmentText) {
  v1::CasePattern p = Pattern({Ago(30 * kDay), Ago(40 * kDay), Ago(50 * kDay)});
  ASSERT_EQ(Codes(p)[0], "RECORD_RISK_ASSESSMENT");
  EXPECT_EQ(p.recommendations(0).text(),
            "3 incidents make a course of conduct and no risk assessment is "
            "recorded: complete the DASH checklist (and S-DASH after a yes to "
            "its stalking question).");
}

// The histories the combination test runs over.
enum class History {
  kNone,
  kSingle,
  kCourse,           // 2 old incidents: no escalation, no indicator
  kEscalating,       // 3 recent incidents
  kHighestRiskOnly,  // ex-intimate threats 40 and 35 days ago, nothing since
};

std::vector<IncidentFacts> LogFor(History h) {
  switch (h) {
    case History::kNone:
      return {};
    case History::kSingle:
      return {Ago(kDay, {kThreats})};
    case History::kCourse:
      return {Ago(60 * kDay, {kCalls}), Ago(50 * kDay, {kCalls})};
    case History::kEscalating:
      return {Ago(3 * kDay, {kCalls}), Ago(2 * kDay, {kCalls}),
              Ago(kDay, {kCalls})};
    case History::kHighestRiskOnly:
      return {Ago(40 * kDay, {kThreats}), Ago(35 * kDay, {kCalls})};
  }
  return {};
}

TEST(CasePatternTest, RecommendationsInEveryCombination) {
  int combinations = 0;
  for (History h : {History::kNone, History::kSingle, History::kCourse,
                    History::kEscalating, History::kHighestRiskOnly}) {
    const bool course = h != History::kNone && h != History::kSingle;
    const bool escalating = h == History::kEscalating;
    const bool highest = h == History::kHighestRiskOnly;
    for (int level = 0; level <= 3; ++level) {
      for (bool has_ra : {false, true}) {
        for (bool spo : {false, true}) {
          for (bool order : {false, true}) {
            for (int vs = 0; vs <= 3; ++vs) {
              CaseFacts f;
              f.relationship = v1::RELATIONSHIP_EX_INTIMATE;
              f.risk_level = static_cast<v1::RiskLevel>(level);
              f.has_risk_assessment = has_ra;
              f.spo_considered = spo;
              f.has_active_order = order;
              f.victim_services_state =
                  static_cast<v1::VictimServicesReferralState>(vs);
              v1::CasePattern p = Pattern(LogFor(h), f);
              ASSERT_EQ(p.escalating(), escalating);
              ASSERT_EQ(p.highest_risk_indicator(), highest);

              std::vector<std::string> want;
              const bool high = f.risk_level == v1::RISK_LEVEL_HIGH;
              if (high) want.push_back("MARAC_REFERRAL");
              if (course && !has_ra) want.push_back("RECORD_RISK_ASSESSMENT");
              if (has_ra && !high && (escalating || highest)) {
                want.push_back("REVIEW_RISK_ASSESSMENT");
              }
              if (course && !order && !spo) want.push_back("CONSIDER_SPO");
              if (course &&
                  (f.victim_services_state ==
                       v1::VICTIM_SERVICES_REFERRAL_STATE_PENDING ||
                   f.victim_services_state ==
                       v1::VICTIM_SERVICES_REFERRAL_STATE_UNSPECIFIED)) {
                want.push_back("VICTIM_SERVICES_REFERRAL");
              }
              EXPECT_EQ(Codes(p), want)
                  << "history=" << static_cast<int>(h) << " level=" << level
                  << " has_ra=" << has_ra << " spo=" << spo
                  << " order=" << order << " vs=" << vs;
              ++combinations;
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(combinations, 5 * 4 * 2 * 2 * 2 * 4);
}

TEST(CasePatternTest, ReviewTextNamesTheLevelAndTheEscalation) {
  CaseFacts facts;
  facts.has_risk_assessment = true;
  facts.risk_level = v1::RISK_LEVEL_STANDARD;
  facts.spo_considered = true;
  facts.victim_services_state = v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT;
  v1::CasePattern p = Pattern(LogFor(History::kEscalating), facts);
  ASSERT_THAT(Codes(p), ElementsAre("REVIEW_RISK_ASSESSMENT"));
  EXPECT_EQ(p.recommendations(0).text(),
            "The latest risk assessment gives STANDARD, below HIGH, but the "
            "incident log shows escalation (3 incidents in the last 14 days, "
            "up from 0 in the 14 days before): review the risk assessment.");
}

TEST(CasePatternTest, ActiveOrderOrConsideredSpoSuppressesConsiderSpo) {
  std::vector<IncidentFacts> log = LogFor(History::kCourse);
  CaseFacts facts;
  facts.has_risk_assessment = true;
  facts.risk_level = v1::RISK_LEVEL_STANDARD;
  facts.victim_services_state = v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED;
  EXPECT_THAT(Codes(Pattern(log, facts)), ElementsAre("CONSIDER_SPO"));
  facts.has_active_order = true;
  EXPECT_THAT(Codes(Pattern(log, facts)), IsEmpty());
  facts.has_active_order = false;
  facts.spo_considered = true;
  EXPECT_THAT(Codes(Pattern(log, facts)), IsEmpty());
}

TEST(CasePatternTest, VictimServicesReferralOnlyWhenNotYetDecided) {
  std::vector<IncidentFacts> log = LogFor(History::kCourse);
  CaseFacts facts;
  facts.has_risk_assessment = true;
  facts.risk_level = v1::RISK_LEVEL_STANDARD;
  facts.spo_considered = true;
  for (auto [state, want] :
       std::vector<std::pair<v1::VictimServicesReferralState, bool>>{
           {v1::VICTIM_SERVICES_REFERRAL_STATE_UNSPECIFIED, true},
           {v1::VICTIM_SERVICES_REFERRAL_STATE_PENDING, true},
           {v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED, false},
           {v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT, false}}) {
    facts.victim_services_state = state;
    std::vector<std::string> codes = Codes(Pattern(log, facts));
    EXPECT_EQ(codes == std::vector<std::string>{"VICTIM_SERVICES_REFERRAL"},
              want)
        << state;
    EXPECT_EQ(codes.empty(), !want) << state;
  }
}

}  // namespace
}  // namespace casebridge::domain
