// casebridge risk ...: DASH / S-DASH risk assessments (append-only).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "casebridge/v1/cases.pb.h"
#include "clients/cli/command_support.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/names.h"
#include "clients/cli/output.h"
#include "domain/validation.h"

namespace casebridge::cli {
namespace {

// Short names of the 11 S-DASH questions, in question order.
struct SdashQuestion {
  const char* word;
  const char* field;  // SdashAnswers field
};
constexpr SdashQuestion kSdash[] = {
    {"frightened", "victim_very_frightened"},
    {"previous", "previous_stalking_or_harassment"},
    {"property", "property_destroyed_or_vandalised"},
    {"visits", "visits_home_or_work_more_than_three_times_a_week"},
    {"loitering", "loitering"},
    {"threats", "threats_of_physical_or_sexual_violence"},
    {"third-parties", "harassing_third_parties"},
    {"violence", "violence_in_current_incidents"},
    {"recruiting", "recruiting_others"},
    {"drugs-alcohol", "drug_or_alcohol_misuse"},
    {"violent-past", "known_violent_in_past"},
};

std::string SdashWords() {
  std::vector<std::string> words;
  for (const SdashQuestion& q : kSdash) words.push_back(q.word);
  return absl::StrJoin(words, ", ");
}

absl::Status SetSdash(const std::vector<std::string>& args, v1::SdashAnswers* answers) {
  const google::protobuf::Descriptor* d = answers->GetDescriptor();
  const google::protobuf::Reflection* r = answers->GetReflection();
  for (const std::string& arg : args) {
    for (absl::string_view piece : absl::StrSplit(arg, ',', absl::SkipWhitespace())) {
      std::string word = absl::AsciiStrToLower(absl::StripAsciiWhitespace(piece));
      std::string field;
      for (const SdashQuestion& q : kSdash) {
        std::string underscored = q.word;
        std::replace(underscored.begin(), underscored.end(), '-', '_');
        if (word == q.word || word == underscored || word == q.field) field = q.field;
      }
      if (word == "drugs" || word == "alcohol") field = "drug_or_alcohol_misuse";
      if (field.empty()) {
        return WithField(
            UsageError(absl::StrCat("--sdash: \"", word,
                                    "\" is not an S-DASH question; use: ", SdashWords())),
            "--sdash");
      }
      r->SetBool(answers, d->FindFieldByName(field), true);
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> SdashYes(const v1::SdashAnswers& answers) {
  std::vector<std::string> yes;
  const google::protobuf::Reflection* r = answers.GetReflection();
  for (const SdashQuestion& q : kSdash) {
    if (r->GetBool(answers, answers.GetDescriptor()->FindFieldByName(q.field))) {
      yes.push_back(q.word);
    }
  }
  return yes;
}

std::string AssessmentText(Cli& cli, const v1::RiskAssessment& a) {
  Details d;
  d.AddAlways("Assessment", a.name());
  d.AddAlways("Risk level", EnumName(v1::RiskLevel_descriptor(), a.level()));
  d.Add("Why", a.level_reason());
  d.AddAlways("DASH yes answers", absl::StrCat(a.dash_yes_count(), " of 27"));
  d.AddAlways("Stalking question", a.stalking_question_yes() ? "yes" : "no");
  std::vector<std::string> yes = SdashYes(a.sdash());
  d.Add("S-DASH yes",
        yes.empty() ? "" : absl::StrCat(a.sdash_yes_count(), " of 11: ", Join(yes)));
  d.Add("Professional judgement",
        EnumName(v1::RiskLevel_descriptor(), a.professional_judgement_level()));
  d.Add("Rationale", a.rationale());
  if (a.escalation()) d.Add("Escalation", "identified by the assessor");
  d.Add("Assessed", FormatTimestamp(a.assess_time(), cli.tz));
  d.Add("Assessor", a.assessor());
  return d.Render();
}

void AddRecord(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg, judgement, rationale, when, request_id;
    int dash_yes = 0;
    bool stalking = false, escalation = false;
    std::vector<std::string> sdash;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "record",
      "Record a DASH risk assessment with its S-DASH answers. The level follows: "
      "HIGH for 14 or more DASH yes answers, professional judgement HIGH, or "
      "escalation. S-DASH answers imply a yes to DASH's stalking question.",
      "casebridge --as pc.hughes risk record SP-2026-000123 --dash-yes 15 --sdash "
      "frightened,threats,loitering",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        v1::RecordRiskAssessmentRequest request;
        request.set_parent(*name);
        request.set_request_id(o->request_id);
        v1::RiskAssessment* a = request.mutable_assessment();
        a->set_dash_yes_count(o->dash_yes);
        absl::Status sdash = SetSdash(o->sdash, a->mutable_sdash());
        if (!sdash.ok()) return sdash;
        a->set_stalking_question_yes(o->stalking || !o->sdash.empty());
        if (!o->judgement.empty()) {
          absl::StatusOr<int> level =
              EnumArg(v1::RiskLevel_descriptor(), o->judgement, "--judgement");
          if (!level.ok()) return level.status();
          a->set_professional_judgement_level(static_cast<v1::RiskLevel>(*level));
        }
        a->set_rationale(o->rationale);
        a->set_escalation(o->escalation);
        if (!o->when.empty()) {
          absl::StatusOr<absl::Time> t = cli.When(o->when, "--when");
          if (!t.ok()) return t.status();
          *a->mutable_assess_time() = domain::ToProtoTime(*t);
        }
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::RiskAssessment response;
        absl::Status s =
            (*c)->Call("RecordRiskAssessment", [&](grpc::ClientContext* ctx) {
              return (*c)->cases().RecordRiskAssessment(ctx, request, &response);
            });
        if (!s.ok()) return s;
        cli.Emit(response, response.name(), AssessmentText(cli, response));
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  cmd->add_option("--dash-yes", o->dash_yes, "\"yes\" answers on the 27-question DASH")
      ->check(CLI::Range(0, 27));
  cmd->add_flag("--stalking", o->stalking,
                "yes to DASH's stalking question (implied by --sdash)");
  cmd->add_option("--sdash", o->sdash,
                  "S-DASH questions answered yes, comma-separated: " + SdashWords())
      ->allow_extra_args(false);
  cmd->add_option("--judgement", o->judgement,
                  "professional judgement level: standard, medium or high "
                  "(needs --rationale)");
  cmd->add_option("--rationale", o->rationale, "why, for a professional judgement");
  cmd->add_flag("--escalation", o->escalation, "the assessor identified escalation");
  cmd->add_option("--when", o->when, "when assessed (default now)");
  cmd->add_option("--request-id", o->request_id,
                  "retrying with the same id records once");
}

void AddList(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string case_arg;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "list", "Risk assessments of a case, newest first.",
      "casebridge --as pc.hughes risk list SP-2026-000123", [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> name = CaseNameArg(o->case_arg, "CASE");
        if (!name.ok()) return name.status();
        v1::ListRiskAssessmentsRequest request;
        request.set_parent(*name);
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::ListRiskAssessmentsResponse response;
        absl::Status s = (*c)->Call("ListRiskAssessments", [&](grpc::ClientContext* ctx) {
          return (*c)->cases().ListRiskAssessments(ctx, request, &response);
        });
        if (!s.ok()) return s;
        Table t({"ASSESSED", "LEVEL", "DASH", "S-DASH", "WHY"});
        t.SetMaxWidth(4, 70);
        std::vector<std::string> names;
        for (const v1::RiskAssessment& a : response.assessments()) {
          t.AddRow({FormatTimestamp(a.assess_time(), cli.tz),
                    EnumName(v1::RiskLevel_descriptor(), a.level()),
                    absl::StrCat(a.dash_yes_count(), "/27"),
                    absl::StrCat(a.sdash_yes_count(), "/11"), a.level_reason()});
          names.push_back(a.name());
        }
        cli.EmitList(response, names, t, "no risk assessments",
                     response.next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("CASE", o->case_arg, "case reference or name")->required();
  AddPaging(cmd, &o->paging);
}

}  // namespace

void AddRiskCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = AddGroup(app, "risk", "DASH and S-DASH risk assessments.");
  AddRecord(*group, cli);
  AddList(*group, cli);
}

}  // namespace casebridge::cli
