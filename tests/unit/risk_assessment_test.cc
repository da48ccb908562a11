#include "domain/risk_assessment.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casebridge/v1/cases.pb.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::RiskAssessment Dash(int yes) {
  v1::RiskAssessment a;
  a.set_dash_yes_count(yes);
  return a;
}

v1::RiskAssessment Judged(int yes, v1::RiskLevel judgement) {
  v1::RiskAssessment a = Dash(yes);
  a.set_professional_judgement_level(judgement);
  a.set_rationale("Victim reports he has bought a knife.");
  return a;
}

// Every bool field of SdashAnswers, by reflection, so a question added to the
// proto but missed by the code makes these tests fail.
std::vector<const google::protobuf::FieldDescriptor*> SdashFields() {
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  const auto* d = v1::SdashAnswers::descriptor();
  for (int i = 0; i < d->field_count(); ++i) fields.push_back(d->field(i));
  return fields;
}

void SetAnswer(v1::SdashAnswers& s,
               const google::protobuf::FieldDescriptor* f) {
  s.GetReflection()->SetBool(&s, f, true);
}

// ---------------------------------------------------------------------------
// ValidateRiskAssessment

TEST(ValidateRiskAssessmentTest, DashCountRange) {
  for (int n = 0; n <= 27; ++n) {
    EXPECT_TRUE(ValidateRiskAssessment(Dash(n), "assessment").ok()) << n;
  }
  for (int n : {-1, 28, -100000, 1000}) {
    absl::Status s = ValidateRiskAssessment(Dash(n), "assessment");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << n;
    EXPECT_EQ(FieldOf(s), "assessment.dash_yes_count") << n;
  }
  EXPECT_EQ(ValidateRiskAssessment(Dash(28), "assessment").message(),
            "assessment.dash_yes_count: must be between 0 and 27 (got 28)");
}

TEST(ValidateRiskAssessmentTest, EmptyPrefixGivesBareFieldNames) {
  EXPECT_EQ(FieldOf(ValidateRiskAssessment(Dash(-1), "")), "dash_yes_count");
  EXPECT_EQ(FieldOf(ValidateRiskAssessment(Dash(28), "request.assessment")),
            "request.assessment.dash_yes_count");
}

TEST(ValidateRiskAssessmentTest, EachSdashAnswerNeedsTheStalkingQuestion) {
  ASSERT_EQ(SdashFields().size(), 11u);
  for (const auto* f : SdashFields()) {
    v1::RiskAssessment a = Dash(5);
    SetAnswer(*a.mutable_sdash(), f);
    absl::Status s = ValidateRiskAssessment(a, "assessment");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << f->name();
    EXPECT_EQ(FieldOf(s), "assessment.stalking_question_yes") << f->name();
    a.set_stalking_question_yes(true);
    EXPECT_TRUE(ValidateRiskAssessment(a, "assessment").ok()) << f->name();
  }
}

TEST(ValidateRiskAssessmentTest, AllNoSdashIsAcceptedWithoutStalkingQuestion) {
  // proto3 cannot tell "no" from "not asked": an empty sdash is no answer.
  v1::RiskAssessment a = Dash(3);
  a.mutable_sdash();
  ASSERT_TRUE(a.has_sdash());
  EXPECT_TRUE(ValidateRiskAssessment(a, "assessment").ok());
}

TEST(ValidateRiskAssessmentTest, StalkingQuestionYesIsOneOfTheDashYesAnswers) {
  v1::RiskAssessment a = Dash(0);
  a.set_stalking_question_yes(true);
  absl::Status s = ValidateRiskAssessment(a, "assessment");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s), "assessment.dash_yes_count");
  a.set_dash_yes_count(1);
  EXPECT_TRUE(ValidateRiskAssessment(a, "assessment").ok());
}

TEST(ValidateRiskAssessmentTest, JudgementLevelMustBeKnown) {
  v1::RiskAssessment a = Dash(3);
  a.set_professional_judgement_level(static_cast<v1::RiskLevel>(4));
  a.set_rationale("reason");
  absl::Status s = ValidateRiskAssessment(a, "assessment");
  EXPECT_EQ(s.message(),
            "assessment.professional_judgement_level: is not a known value");
  a.set_professional_judgement_level(static_cast<v1::RiskLevel>(-1));
  EXPECT_EQ(FieldOf(ValidateRiskAssessment(a, "assessment")),
            "assessment.professional_judgement_level");
  a.set_professional_judgement_level(v1::RISK_LEVEL_UNSPECIFIED);
  EXPECT_TRUE(ValidateRiskAssessment(a, "assessment").ok());
}

TEST(ValidateRiskAssessmentTest, EveryJudgementLevelRequiresARationale) {
  for (v1::RiskLevel level :
       {v1::RISK_LEVEL_STANDARD, v1::RISK_LEVEL_MEDIUM, v1::RISK_LEVEL_HIGH}) {
    v1::RiskAssessment a = Dash(3);
    a.set_professional_judgement_level(level);
    for (const char* blank : {"", "   ", "\n\t "}) {
      a.set_rationale(blank);
      absl::Status s = ValidateRiskAssessment(a, "assessment");
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << level;
      EXPECT_EQ(FieldOf(s), "assessment.rationale") << level;
    }
    a.set_rationale("Threatened to kill her at the school gate.");
    EXPECT_TRUE(ValidateRiskAssessment(a, "assessment").ok()) << level;
  }
}

TEST(ValidateRiskAssessmentTest, RationaleIsCheckedText) {
  v1::RiskAssessment a = Judged(3, v1::RISK_LEVEL_HIGH);
  a.set_rationale(std::string(10000, 'x'));
  EXPECT_TRUE(ValidateRiskAssessment(a, "assessment").ok());
  a.set_rationale(std::string(10001, 'x'));
  EXPECT_EQ(FieldOf(ValidateRiskAssessment(a, "assessment")),
            "assessment.rationale");
  // Checked even without a judgement.
  v1::RiskAssessment b = Dash(3);
  b.set_rationale("bad \xff");
  EXPECT_EQ(FieldOf(ValidateRiskAssessment(b, "assessment")),
            "assessment.rationale");
  b.set_rationale("note without a judgement");
  EXPECT_TRUE(ValidateRiskAssessment(b, "assessment").ok());
}

TEST(ValidateRiskAssessmentTest, AssessTimeMustBeWellFormedWhenSet) {
  v1::RiskAssessment a = Dash(3);
  a.mutable_assess_time()->set_seconds(1780000000);
  EXPECT_TRUE(ValidateRiskAssessment(a, "assessment").ok());
  a.mutable_assess_time()->set_nanos(-1);
  EXPECT_EQ(FieldOf(ValidateRiskAssessment(a, "assessment")),
            "assessment.assess_time");
}

TEST(ValidateRiskAssessmentTest, OutputOnlyFieldsAreIgnored) {
  v1::RiskAssessment a = Dash(2);
  a.set_name("not/a/name");
  a.set_sdash_yes_count(-7);
  a.set_level(static_cast<v1::RiskLevel>(99));
  a.set_level_reason("bad \xff");
  a.set_assessor("\x01");
  EXPECT_TRUE(ValidateRiskAssessment(a, "assessment").ok());
}

TEST(ValidateRiskAssessmentTest, FirstErrorInFieldOrderWins) {
  v1::RiskAssessment a = Dash(30);
  a.set_professional_judgement_level(v1::RISK_LEVEL_HIGH);  // no rationale
  a.mutable_sdash()->set_loitering(true);                   // no stalking yes
  EXPECT_EQ(FieldOf(ValidateRiskAssessment(a, "a")), "a.dash_yes_count");
  a.set_dash_yes_count(5);
  EXPECT_EQ(FieldOf(ValidateRiskAssessment(a, "a")), "a.stalking_question_yes");
  a.set_stalking_question_yes(true);
  EXPECT_EQ(FieldOf(ValidateRiskAssessment(a, "a")), "a.rationale");
}

// ---------------------------------------------------------------------------
// ComputeRiskLevel

// The rule written out independently of the implementation.
v1::RiskLevel ExpectedLevel(int dash, v1::RiskLevel judgement,
                            bool escalation) {
  if (dash >= 14 || judgement == v1::RISK_LEVEL_HIGH || escalation) {
    return v1::RISK_LEVEL_HIGH;
  }
  if (dash >= 10 || judgement == v1::RISK_LEVEL_MEDIUM) {
    return v1::RISK_LEVEL_MEDIUM;
  }
  return v1::RISK_LEVEL_STANDARD;
}

TEST(ComputeRiskLevelTest, EveryCountJudgementAndEscalation) {
  int checked = 0;
  for (int dash = 0; dash <= 27; ++dash) {
    for (v1::RiskLevel j : {v1::RISK_LEVEL_UNSPECIFIED, v1::RISK_LEVEL_STANDARD,
                            v1::RISK_LEVEL_MEDIUM, v1::RISK_LEVEL_HIGH}) {
      for (bool escalation : {false, true}) {
        v1::RiskAssessment a = Dash(dash);
        if (j != v1::RISK_LEVEL_UNSPECIFIED) a = Judged(dash, j);
        a.set_escalation(escalation);
        RiskResult r = ComputeRiskLevel(a);
        v1::RiskLevel want = ExpectedLevel(dash, j, escalation);
        EXPECT_EQ(r.level, want)
            << "dash=" << dash << " judgement=" << j << " esc=" << escalation;
        EXPECT_THAT(r.reason,
                    ::testing::StartsWith(want == v1::RISK_LEVEL_HIGH ? "HIGH: "
                                          : want == v1::RISK_LEVEL_MEDIUM
                                              ? "MEDIUM: "
                                              : "STANDARD: "))
            << r.reason;
        // The DASH count is always stated.
        EXPECT_THAT(r.reason, HasSubstr(absl::StrCat(dash, " of 27")))
            << r.reason;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 28 * 4 * 2);
}

TEST(ComputeRiskLevelTest, DashBoundaries) {
  const std::string standard = "below 10 is standard risk";
  const std::string medium = "10 to 13 is medium risk";
  const std::string high = "14 or more is high risk";
  struct Case {
    int dash;
    v1::RiskLevel level;
    std::string reason;
  } cases[] = {
      {0, v1::RISK_LEVEL_STANDARD,
       "STANDARD: 0 of 27 DASH answers yes (" + standard},
      {9, v1::RISK_LEVEL_STANDARD,
       "STANDARD: 9 of 27 DASH answers yes (" + standard},
      {10, v1::RISK_LEVEL_MEDIUM,
       "MEDIUM: 10 of 27 DASH answers yes (" + medium},
      {13, v1::RISK_LEVEL_MEDIUM,
       "MEDIUM: 13 of 27 DASH answers yes (" + medium},
      {14, v1::RISK_LEVEL_HIGH, "HIGH: 14 of 27 DASH answers yes (" + high},
      {15, v1::RISK_LEVEL_HIGH, "HIGH: 15 of 27 DASH answers yes (" + high},
      {27, v1::RISK_LEVEL_HIGH, "HIGH: 27 of 27 DASH answers yes (" + high},
  };
  for (const Case& c : cases) {
    RiskResult r = ComputeRiskLevel(Dash(c.dash));
    EXPECT_EQ(r.level, c.level) << c.dash;
    EXPECT_EQ(r.reason, c.reason + ").") << c.dash;
    EXPECT_EQ(r.sdash_yes_count, 0) << c.dash;
  }
}

TEST(ComputeRiskLevelTest, JudgementRaisesTheLevel) {
  RiskResult r = ComputeRiskLevel(Judged(11, v1::RISK_LEVEL_HIGH));
  EXPECT_EQ(r.level, v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(r.reason,
            "HIGH: professional judgement raised it to HIGH (rationale "
            "recorded). The DASH count alone gives MEDIUM (11 of 27 answers "
            "yes).");
  r = ComputeRiskLevel(Judged(2, v1::RISK_LEVEL_MEDIUM));
  EXPECT_EQ(r.level, v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(r.reason,
            "MEDIUM: professional judgement raised it to MEDIUM (rationale "
            "recorded). The DASH count alone gives STANDARD (2 of 27 answers "
            "yes).");
  EXPECT_EQ(ComputeRiskLevel(Judged(0, v1::RISK_LEVEL_HIGH)).level,
            v1::RISK_LEVEL_HIGH);
}

TEST(ComputeRiskLevelTest, JudgementNeverLowersTheLevel) {
  RiskResult r = ComputeRiskLevel(Judged(15, v1::RISK_LEVEL_STANDARD));
  EXPECT_EQ(r.level, v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(r.reason,
            "HIGH: 15 of 27 DASH answers yes (14 or more is high risk). "
            "Professional judgement of STANDARD does not lower the level "
            "below HIGH from the DASH count.");
  EXPECT_EQ(ComputeRiskLevel(Judged(14, v1::RISK_LEVEL_MEDIUM)).level,
            v1::RISK_LEVEL_HIGH);
  r = ComputeRiskLevel(Judged(12, v1::RISK_LEVEL_STANDARD));
  EXPECT_EQ(r.level, v1::RISK_LEVEL_MEDIUM);
  EXPECT_THAT(r.reason, HasSubstr("Professional judgement of STANDARD does "
                                  "not lower the level below MEDIUM"));
}

TEST(ComputeRiskLevelTest, JudgementEqualToTheCountAgrees) {
  EXPECT_EQ(ComputeRiskLevel(Judged(16, v1::RISK_LEVEL_HIGH)).reason,
            "HIGH: 16 of 27 DASH answers yes (14 or more is high risk); "
            "professional judgement agrees (rationale recorded).");
  EXPECT_EQ(ComputeRiskLevel(Judged(4, v1::RISK_LEVEL_STANDARD)).reason,
            "STANDARD: 4 of 27 DASH answers yes (below 10 is standard risk); "
            "professional judgement agrees (rationale recorded).");
}

TEST(ComputeRiskLevelTest, EscalationMakesItHigh) {
  v1::RiskAssessment a = Dash(2);
  a.set_escalation(true);
  RiskResult r = ComputeRiskLevel(a);
  EXPECT_EQ(r.level, v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(r.reason,
            "HIGH: the assessor identified escalation. The DASH count alone "
            "gives STANDARD (2 of 27 answers yes).");

  a = Judged(3, v1::RISK_LEVEL_MEDIUM);
  a.set_escalation(true);
  r = ComputeRiskLevel(a);
  EXPECT_EQ(r.level, v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(r.reason,
            "HIGH: the assessor identified escalation. The DASH count alone "
            "gives STANDARD (3 of 27 answers yes). Professional judgement was "
            "MEDIUM.");
}

TEST(ComputeRiskLevelTest, EveryHighDriverIsNamed) {
  v1::RiskAssessment a = Judged(20, v1::RISK_LEVEL_HIGH);
  a.set_escalation(true);
  EXPECT_EQ(ComputeRiskLevel(a).reason,
            "HIGH: 20 of 27 DASH answers yes (14 or more is high risk); "
            "professional judgement agrees (rationale recorded); the assessor "
            "identified escalation.");
}

TEST(ComputeRiskLevelTest, JudgementWithoutRationaleStillCounts) {
  // Refused on input; if stored data lacks it, under-stating risk is worse.
  v1::RiskAssessment a = Dash(1);
  a.set_professional_judgement_level(v1::RISK_LEVEL_HIGH);
  RiskResult r = ComputeRiskLevel(a);
  EXPECT_EQ(r.level, v1::RISK_LEVEL_HIGH);
  EXPECT_THAT(r.reason, HasSubstr("(no rationale recorded)"));
}

TEST(ComputeRiskLevelTest, UnknownJudgementIsIgnored) {
  v1::RiskAssessment a = Dash(11);
  a.set_professional_judgement_level(static_cast<v1::RiskLevel>(42));
  a.set_rationale("x");
  RiskResult r = ComputeRiskLevel(a);
  EXPECT_EQ(r.level, v1::RISK_LEVEL_MEDIUM);
  EXPECT_EQ(r.reason,
            "MEDIUM: 11 of 27 DASH answers yes (10 to 13 is medium risk).");
}

TEST(ComputeRiskLevelTest, OutputOnlyInputIsIgnored) {
  v1::RiskAssessment a = Dash(0);
  a.set_level(v1::RISK_LEVEL_HIGH);
  a.set_sdash_yes_count(9);
  a.set_level_reason("forged");
  RiskResult r = ComputeRiskLevel(a);
  EXPECT_EQ(r.level, v1::RISK_LEVEL_STANDARD);
  EXPECT_EQ(r.sdash_yes_count, 0);
}

TEST(ComputeRiskLevelTest, CountsEachSdashAnswer) {
  for (const auto* f : SdashFields()) {
    v1::RiskAssessment a = Dash(1);
    a.set_stalking_question_yes(true);
    SetAnswer(*a.mutable_sdash(), f);
    EXPECT_EQ(ComputeRiskLevel(a).sdash_yes_count, 1) << f->name();
    EXPECT_EQ(CountSdashYes(a.sdash()), 1) << f->name();
  }
  v1::SdashAnswers all;
  for (const auto* f : SdashFields()) SetAnswer(all, f);
  EXPECT_EQ(CountSdashYes(all), 11);
  EXPECT_EQ(CountSdashYes(v1::SdashAnswers()), 0);
}

TEST(ComputeRiskLevelTest, SdashIsReportedButDoesNotSetTheLevel) {
  v1::RiskAssessment a = Dash(3);
  a.set_stalking_question_yes(true);
  for (const auto* f : SdashFields()) SetAnswer(*a.mutable_sdash(), f);
  RiskResult r = ComputeRiskLevel(a);
  EXPECT_EQ(r.level, v1::RISK_LEVEL_STANDARD);
  EXPECT_EQ(r.sdash_yes_count, 11);
  EXPECT_EQ(r.reason,
            "STANDARD: 3 of 27 DASH answers yes (below 10 is standard risk). "
            "S-DASH: 11 of 11 answers yes (informs professional judgement; no "
            "scoring threshold). Factor: S-DASH records threats of physical "
            "or sexual violence and violence in the current incidents.");
}

TEST(ComputeRiskLevelTest, SdashSentenceOnlyWhenStalkingQuestionOrAnswers) {
  EXPECT_THAT(ComputeRiskLevel(Dash(3)).reason, Not(HasSubstr("S-DASH")));
  v1::RiskAssessment a = Dash(3);
  a.set_stalking_question_yes(true);
  EXPECT_THAT(ComputeRiskLevel(a).reason, HasSubstr("S-DASH: 0 of 11"));
  a.mutable_sdash()->set_loitering(true);
  a.mutable_sdash()->set_victim_very_frightened(true);
  EXPECT_THAT(ComputeRiskLevel(a).reason, HasSubstr("S-DASH: 2 of 11"));
}

TEST(ComputeRiskLevelTest, ThreatsAndViolenceFactorNeedsBoth) {
  const std::string factor = "Factor: S-DASH records threats";
  v1::RiskAssessment a = Dash(12);
  a.set_stalking_question_yes(true);
  a.mutable_sdash()->set_threats_of_physical_or_sexual_violence(true);
  EXPECT_THAT(ComputeRiskLevel(a).reason, Not(HasSubstr(factor)));
  a.mutable_sdash()->set_threats_of_physical_or_sexual_violence(false);
  a.mutable_sdash()->set_violence_in_current_incidents(true);
  EXPECT_THAT(ComputeRiskLevel(a).reason, Not(HasSubstr(factor)));
  a.mutable_sdash()->set_threats_of_physical_or_sexual_violence(true);
  RiskResult r = ComputeRiskLevel(a);
  EXPECT_THAT(r.reason, HasSubstr(factor));
  EXPECT_EQ(r.level, v1::RISK_LEVEL_MEDIUM);  // a factor, not a level
  EXPECT_EQ(r.sdash_yes_count, 2);
}

}  // namespace
}  // namespace casebridge::domain
