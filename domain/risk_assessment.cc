#include "domain/risk_assessment.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/list_query.h"
#include "domain/validation.h"

namespace casebridge::domain {
namespace {

std::string LevelName(v1::RiskLevel level) {
  return ShortEnumName(v1::RiskLevel_descriptor(), level);
}

v1::RiskLevel LevelFromDashCount(int count) {
  if (count >= kDashHighThreshold) return v1::RISK_LEVEL_HIGH;
  if (count >= kDashMediumThreshold) return v1::RISK_LEVEL_MEDIUM;
  return v1::RISK_LEVEL_STANDARD;
}

// "15 of 27 DASH answers yes (14 or more is high risk)".
std::string DashCountText(int count) {
  absl::string_view band;
  switch (LevelFromDashCount(count)) {
    case v1::RISK_LEVEL_HIGH:
      band = "14 or more is high risk";
      break;
    case v1::RISK_LEVEL_MEDIUM:
      band = "10 to 13 is medium risk";
      break;
    default:
      band = "below 10 is standard risk";
      break;
  }
  return absl::StrCat(count, " of ", kDashQuestions, " DASH answers yes (",
                      band, ")");
}

}  // namespace

int CountSdashYes(const v1::SdashAnswers& s) {
  const bool answers[] = {
      s.victim_very_frightened(),
      s.previous_stalking_or_harassment(),
      s.property_destroyed_or_vandalised(),
      s.visits_home_or_work_more_than_three_times_a_week(),
      s.loitering(),
      s.threats_of_physical_or_sexual_violence(),
      s.harassing_third_parties(),
      s.violence_in_current_incidents(),
      s.recruiting_others(),
      s.drug_or_alcohol_misuse(),
      s.known_violent_in_past(),
  };
  static_assert(sizeof(answers) / sizeof(answers[0]) == kSdashQuestions);
  return static_cast<int>(
      std::count(std::begin(answers), std::end(answers), true));
}

absl::Status ValidateRiskAssessment(const v1::RiskAssessment& a,
                                    absl::string_view field_prefix) {
  if (a.dash_yes_count() < 0 || a.dash_yes_count() > kDashQuestions) {
    return FieldError(FieldPath(field_prefix, "dash_yes_count"),
                      absl::StrCat("must be between 0 and ", kDashQuestions,
                                   " (got ", a.dash_yes_count(), ")"));
  }
  if (a.stalking_question_yes() && a.dash_yes_count() == 0) {
    return FieldError(
        FieldPath(field_prefix, "dash_yes_count"),
        "must be at least 1 when stalking_question_yes is true (the stalking "
        "question is one of the 27 DASH questions)");
  }
  if (!a.stalking_question_yes() && CountSdashYes(a.sdash()) > 0) {
    return FieldError(
        FieldPath(field_prefix, "stalking_question_yes"),
        "must be true when S-DASH questions are answered (S-DASH follows a "
        "\"yes\" to the DASH stalking question)");
  }
  const std::string level_field =
      FieldPath(field_prefix, "professional_judgement_level");
  if (absl::Status s = CheckEnum(level_field, a.professional_judgement_level(),
                                 v1::RiskLevel_IsValid,
                                 /*allow_unspecified=*/true);
      !s.ok()) {
    return s;
  }
  const bool judgement =
      a.professional_judgement_level() != v1::RISK_LEVEL_UNSPECIFIED;
  const std::string rationale_field = FieldPath(field_prefix, "rationale");
  if (judgement && IsBlank(a.rationale())) {
    return FieldError(rationale_field,
                      "is required when professional_judgement_level is set");
  }
  if (absl::Status s = CheckText(rationale_field, a.rationale(), kMaxLongText,
                                 /*required=*/false);
      !s.ok()) {
    return s;
  }
  return CheckTimestamp(FieldPath(field_prefix, "assess_time"), a.assess_time(),
                        a.has_assess_time(), /*required=*/false);
}

RiskResult ComputeRiskLevel(const v1::RiskAssessment& a) {
  const int dash = a.dash_yes_count();
  const v1::RiskLevel from_count = LevelFromDashCount(dash);
  v1::RiskLevel judgement = v1::RISK_LEVEL_UNSPECIFIED;
  switch (a.professional_judgement_level()) {
    case v1::RISK_LEVEL_STANDARD:
    case v1::RISK_LEVEL_MEDIUM:
    case v1::RISK_LEVEL_HIGH:
      judgement = a.professional_judgement_level();
      break;
    default:
      break;
  }
  // The enum is ordered STANDARD < MEDIUM < HIGH, so "raise only" is max().
  v1::RiskLevel level = std::max(from_count, judgement);
  if (a.escalation()) level = v1::RISK_LEVEL_HIGH;

  RiskResult result;
  result.level = level;
  result.sdash_yes_count = CountSdashYes(a.sdash());

  // Everything that on its own gives the resulting level.
  std::vector<std::string> drivers;
  if (from_count == level) drivers.push_back(DashCountText(dash));
  const bool has_rationale = !IsBlank(a.rationale());
  const absl::string_view rationale_note =
      has_rationale ? "(rationale recorded)" : "(no rationale recorded)";
  if (judgement == level) {
    drivers.push_back(
        from_count == level
            ? absl::StrCat("professional judgement agrees ", rationale_note)
            : absl::StrCat("professional judgement raised it to ",
                           LevelName(level), " ", rationale_note));
  }
  if (a.escalation() && level == v1::RISK_LEVEL_HIGH) {
    drivers.push_back("the assessor identified escalation");
  }
  std::vector<std::string> sentences;
  sentences.push_back(
      absl::StrCat(LevelName(level), ": ", absl::StrJoin(drivers, "; "), "."));

  if (from_count != level) {
    sentences.push_back(absl::StrCat("The DASH count alone gives ",
                                     LevelName(from_count), " (", dash, " of ",
                                     kDashQuestions, " answers yes)."));
  }
  if (judgement != v1::RISK_LEVEL_UNSPECIFIED && judgement != level) {
    sentences.push_back(
        judgement < from_count
            ? absl::StrCat("Professional judgement of ", LevelName(judgement),
                           " does not lower the level below ",
                           LevelName(from_count), " from the DASH count.")
            : absl::StrCat("Professional judgement was ", LevelName(judgement),
                           "."));
  }
  if (a.stalking_question_yes() || result.sdash_yes_count > 0) {
    sentences.push_back(absl::StrCat(
        "S-DASH: ", result.sdash_yes_count, " of ", kSdashQuestions,
        " answers yes (informs professional judgement; no scoring "
        "threshold)."));
  }
  if (a.sdash().threats_of_physical_or_sexual_violence() &&
      a.sdash().violence_in_current_incidents()) {
    sentences.push_back(
        "Factor: S-DASH records threats of physical or sexual violence and "
        "violence in the current incidents.");
  }
  result.reason = absl::StrJoin(sentences, " ");
  return result;
}

}  // namespace casebridge::domain
