#ifndef CASEBRIDGE_DOMAIN_RISK_ASSESSMENT_H_
#define CASEBRIDGE_DOMAIN_RISK_ASSESSMENT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/common.pb.h"

namespace casebridge::domain {

// DASH risk checklist: 27 yes/no questions, one of which is the stalking
// question that leads on to S-DASH (11 questions).
inline constexpr int kDashQuestions = 27;
inline constexpr int kSdashQuestions = 11;
// DASH yes-counts: 14 or more is HIGH; 10 to 13 is MEDIUM; below is STANDARD.
inline constexpr int kDashHighThreshold = 14;
inline constexpr int kDashMediumThreshold = 10;

// Validates a RiskAssessment a client sends (RecordRiskAssessment).
// `field_prefix` names the message in errors ("assessment" gives
// "assessment.dash_yes_count"); empty gives bare field names.
//
//  - dash_yes_count must be 0..27.
//  - S-DASH follows a "yes" to DASH's stalking question, so:
//      any S-DASH answer yes while stalking_question_yes is false is
//      INVALID_ARGUMENT naming <prefix>.stalking_question_yes; and
//      stalking_question_yes true with dash_yes_count 0 is INVALID_ARGUMENT
//      naming <prefix>.dash_yes_count (the stalking question is one of the 27,
//      so its "yes" is counted).
//    S-DASH answers count as "given" when any is yes: proto3 booleans cannot
//    tell "no" from "not asked", so an all-false `sdash` is accepted anywhere.
//  - professional_judgement_level must be a declared RiskLevel or
//    UNSPECIFIED; any level set requires a non-blank rationale.
//  - rationale: valid text, at most kMaxLongText characters (also when no
//    judgement is given).
//  - assess_time, when set, must be a well-formed timestamp (whether it may
//    lie in the future is the caller's check: domain/ reads no clock).
//  - Output-only fields (name, sdash_yes_count, level, level_reason,
//    assessor) are ignored, never errors: the service overwrites them.
// Errors are reported in field-number order; the first one wins.
absl::Status ValidateRiskAssessment(const v1::RiskAssessment& a,
                                    absl::string_view field_prefix);

struct RiskResult {
  v1::RiskLevel level = v1::RISK_LEVEL_UNSPECIFIED;
  int sdash_yes_count = 0;
  // One short human paragraph naming what drove the level, e.g.
  // "HIGH: 15 of 27 DASH answers yes (14 or more is high risk)."
  std::string reason;
};

// The level of an assessment (docs/DOMAIN.md "Risk"), always STANDARD,
// MEDIUM or HIGH:
//  - HIGH when dash_yes_count >= 14, or professional judgement is HIGH, or the
//    assessor identified escalation;
//  - MEDIUM when dash_yes_count is 10..13, or professional judgement is
//    MEDIUM;
//  - STANDARD otherwise.
// Professional judgement only raises the level: a judgement below the level
// the DASH count gives is recorded in the reason and changes nothing.
// The judgement is honoured even without a rationale (ValidateRiskAssessment
// refuses that on input); under-stating risk is the failure to avoid.
// Judgement values outside the enum are ignored.
//
// S-DASH has no official scoring threshold: its answers inform the
// assessor's professional judgement rather than setting the level by a
// count. They are counted into sdash_yes_count and reported in the reason;
// threats of physical or sexual violence together with violence in the
// current incidents is named in the reason as a factor, without changing the
// level by itself.
//
// Expects validated input; a dash_yes_count outside 0..27 is used as given.
RiskResult ComputeRiskLevel(const v1::RiskAssessment& a);

// Number of "yes" answers among the 11 S-DASH questions.
int CountSdashYes(const v1::SdashAnswers& s);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_RISK_ASSESSMENT_H_
