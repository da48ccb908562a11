// A restricted address never leaves the police, however it is written:
// stopped where it is written (every field a reader outside the police sees
// refuses it, naming the field), reported when an address becomes
// restricted after text named it, and redacted from every answer to the
// CPS and every partner kind. Through a real gRPC channel and a real
// PostgreSQL; the spellings are the ones officers produce (pasted from Word
// or Outlook, abbreviated, from a map link) and the ones an attacker tries.
//
// The matcher's own corpus is tests/unit/restricted_address_test.cc; the
// access matrix scans every response it receives with the same matcher.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/charging.grpc.pb.h"
#include "casebridge/v1/safeguarding.grpc.pb.h"
#include "casebridge/v1/sharing.grpc.pb.h"
#include "domain/dates.h"
#include "domain/restricted_address.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/matrix/checks.h"
#include "tests/support/test_server.h"

namespace casebridge {
namespace {

using test_support::FieldOf;
using test_support::SampleCase;
using test_support::TestServer;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kAddress[] = "Flat 2, 14 Bramble Close, Hanley, Stoke-on-Trent ST1 4QX";

// One way the address (or an identifying part of it) gets written.
struct Spelling {
  const char* how;
  std::string text;
  // It holds an invisible formatting character (a soft hyphen, a zero-width
  // space, a bidirectional override), which every text field refuses as
  // INVALID_ARGUMENT before the address is looked for.
  bool invisible = false;
};

// Each a sentence an officer might write, holding the address one way.
std::vector<Spelling> AdversarialSpellings() {
  return {
      {"as written", "Fit alarm at 14 Bramble Close"},
      {"whole address", absl::StrCat("Lives at ", kAddress)},
      {"upper case", "VISITS TO 14 BRAMBLE CLOSE IN PAIRS"},
      {"no-break spaces (Word)", "Alarm at 14\u00A0Bramble\u00A0Close"},
      {"thin space (Outlook)", "Alarm at 14\u2009Bramble Close"},
      {"narrow no-break space", "Alarm at 14\u202FBramble\u202FClose"},
      {"ideographic space", "Alarm at 14\u3000Bramble Close"},
      {"soft hyphen", "Alarm at 14 Bram\u00ADble Close", true},
      {"zero-width space", "Alarm at 14 Bram\u200Bble Close", true},
      {"zero-width joiner", "Alarm at 14 Bramb\u200Dle Close", true},
      {"word joiner", "Alarm at 14 Bramble\u2060 Close", true},
      {"right-to-left override", "Alarm at \u202E14 Bramble Close\u202C", true},
      {"Cl for Close", "Safe contact (Bramble Cl., Hanley)"},
      {"CL upper, no dot", "seen near BRAMBLE CL"},
      {"full-width digits", "Alarm at \uFF11\uFF14 Bramble Close"},
      {"full-width letters", "\uFF22\uFF52\uFF41\uFF4D\uFF42\uFF4C\uFF45 Close"},
      {"mathematical bold", "\U0001D401\U0001D42B\U0001D41A\U0001D426\U0001D41B\U0001D425"
                            "\U0001D41E Close"},
      {"Cyrillic a", "Alarm at 14 Br\u0430mble Close"},
      {"Greek omicron", "Alarm at 14 Bramble Cl\u03BFse"},
      {"combining accent", "Alarm at 14 Bra\u0301mble Close"},
      {"number in words", "Fourteen Bramble Close"},
      {"street without number", "Went to Bramble Close twice"},
      {"street and town", "Bramble Close, Hanley"},
      {"street run together", "bramble-close"},
      {"street letter-hyphenated", "Bram-ble Close"},
      {"tab and newline", "14\tBramble\nClose"},
      {"en dash", "Flat 2 \u2013 14 Bramble\u2013Close"},
      {"postcode", "Postcode ST1 4QX"},
      {"postcode lower, no space", "pc st14qx"},
      {"postcode no-break space", "ST1\u00A04QX"},
      {"postcode full-width", "\uFF33\uFF34\uFF11 \uFF14\uFF31\uFF38"},
      {"postcode Cyrillic T", "S\u04221 4QX"},
      {"postcode spaced out", "S T 1 4 Q X"},
      {"URL-encoded map link",
       "https://maps.example/search?q=14%20Bramble%20Close%2C%20Hanley"},
      {"URL with plus signs", "https://maps.example/?q=14+Bramble+Close"},
      {"double URL-encoded", "q=14%2520Bramble%2520Close"},
      {"HTML no-break entity", "14&nbsp;Bramble&nbsp;Close"},
      {"HTML numeric entities", "14&#32;Bramble&#x20;Close"},
      {"JSON escape", "{\"at\":\"14\\u0020Bramble Close\"}"},
  };
}

// Text that names places near the victim but not the address: accepted.
std::vector<std::string> HarmlessTexts() {
  return {"Fit alarm at the victim's home", "Seen in Hanley town centre",
          "Alarm at 14 Brook Close", "Postcode ST1 4QY", "Bramble bushes by the path",
          "Close to the school gates", "Stoke-on-Trent bus station"};
}

class RestrictedAddressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = TestServer::Start({.fake_clock = true,
                                      .start_time = test_support::TestStartTime()});
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    cases_ = v1::CaseService::NewStub(server_->channel());
    charging_ = v1::ChargingService::NewStub(server_->channel());
    safeguarding_ = v1::SafeguardingService::NewStub(server_->channel());
    sharing_ = v1::SharingService::NewStub(server_->channel());
  }

  std::unique_ptr<grpc::ClientContext> As(absl::string_view user) {
    return server_->Context(user);
  }
  absl::Time Now() { return server_->clock()->Now(); }

  v1::Case CreateCase(bool restricted) {
    v1::CreateCaseRequest req;
    *req.mutable_case_() = SampleCase(restricted);
    req.mutable_case_()->mutable_victim()->set_address(kAddress);
    v1::Case created;
    EXPECT_GRPC_OK(cases_->CreateCase(As("pc.hughes").get(), req, &created));
    return created;
  }

  v1::Case PoliceCopy(const std::string& name) {
    v1::GetCaseRequest get;
    get.set_name(name);
    v1::Case c;
    EXPECT_GRPC_OK(cases_->GetCase(As("pc.hughes").get(), get, &c));
    return c;
  }

  void Share(const std::string& case_name, absl::string_view agency, std::string purpose) {
    v1::ShareCaseRequest req;
    req.set_parent(case_name);
    req.mutable_share()->set_agency(server_->Agency(agency));
    req.mutable_share()->set_purpose(std::move(purpose));
    req.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
    v1::CaseShare out;
    EXPECT_GRPC_OK(sharing_->ShareCase(As("pc.hughes").get(), req, &out));
  }

  void ReferToVictimServices(const std::string& case_name) {
    v1::SetVictimServicesReferralRequest req;
    req.set_name(case_name);
    req.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED);
    req.set_agency(server_->Agency("SVG"));
    req.set_etag(PoliceCopy(case_name).etag());
    v1::Case out;
    EXPECT_GRPC_OK(cases_->SetVictimServicesReferral(As("pc.hughes").get(), req, &out));
  }

  // One free-text field a reader outside the police sees, written by the
  // police: `write` sends `text` in it; `field` is the path the refusal
  // names.
  struct Writer {
    std::string field;
    std::function<grpc::Status(const std::string& text, grpc::ClientContext* context)> write;
  };

  std::vector<Writer> PartnerVisibleWriters(const std::string& case_name) {
    std::vector<Writer> writers;
    writers.push_back({"case.summary", [this, case_name](const std::string& text,
                                                         grpc::ClientContext* ctx) {
                         v1::UpdateCaseRequest req;
                         req.mutable_case_()->set_name(case_name);
                         req.mutable_case_()->set_etag(PoliceCopy(case_name).etag());
                         req.mutable_case_()->set_summary(text);
                         req.mutable_update_mask()->add_paths("summary");
                         v1::Case out;
                         return cases_->UpdateCase(ctx, req, &out);
                       }});
    writers.push_back({"case.victim.safe_contact.safe_contact_notes",
                       [this, case_name](const std::string& text, grpc::ClientContext* ctx) {
                         v1::Case current = PoliceCopy(case_name);
                         v1::UpdateCaseRequest req;
                         req.mutable_case_()->set_name(case_name);
                         req.mutable_case_()->set_etag(current.etag());
                         *req.mutable_case_()->mutable_victim() = current.victim();
                         req.mutable_case_()->mutable_victim()->mutable_safe_contact()
                             ->set_safe_contact_notes(text);
                         req.mutable_update_mask()->add_paths("victim");
                         v1::Case out;
                         return cases_->UpdateCase(ctx, req, &out);
                       }});
    writers.push_back({"incident.location", [this, case_name](const std::string& text,
                                                              grpc::ClientContext* ctx) {
                         v1::AddIncidentRequest req;
                         req.set_parent(case_name);
                         *req.mutable_incident()->mutable_occur_time() =
                             domain::ToProtoTime(Now() - absl::Hours(2));
                         req.mutable_incident()->add_behaviours(v1::BEHAVIOUR_LOITERING);
                         req.mutable_incident()->set_location(text);
                         v1::Incident out;
                         return cases_->AddIncident(ctx, req, &out);
                       }});
    writers.push_back({"incident.description", [this, case_name](const std::string& text,
                                                                 grpc::ClientContext* ctx) {
                         v1::AddIncidentRequest req;
                         req.set_parent(case_name);
                         *req.mutable_incident()->mutable_occur_time() =
                             domain::ToProtoTime(Now() - absl::Hours(2));
                         req.mutable_incident()->add_behaviours(v1::BEHAVIOUR_LOITERING);
                         req.mutable_incident()->set_location("outside work");
                         req.mutable_incident()->set_description(text);
                         v1::Incident out;
                         return cases_->AddIncident(ctx, req, &out);
                       }});
    writers.push_back({"reason", [this, case_name](const std::string& text,
                                                   grpc::ClientContext* ctx) {
                         v1::FlagCaseRequest req;
                         req.set_name(case_name);
                         req.set_type(v1::FLAG_TYPE_RISK_TO_STAFF);
                         req.set_reason(text);
                         v1::CaseFlag out;
                         return cases_->FlagCase(ctx, req, &out);
                       }});
    writers.push_back({"assessment.rationale", [this, case_name](const std::string& text,
                                                                 grpc::ClientContext* ctx) {
                         v1::RecordRiskAssessmentRequest req;
                         req.set_parent(case_name);
                         req.mutable_assessment()->set_dash_yes_count(6);
                         req.mutable_assessment()->set_professional_judgement_level(
                             v1::RISK_LEVEL_MEDIUM);
                         req.mutable_assessment()->set_rationale(text);
                         v1::RiskAssessment out;
                         return cases_->RecordRiskAssessment(ctx, req, &out);
                       }});
    writers.push_back({"safeguarding_action.description",
                       [this, case_name](const std::string& text, grpc::ClientContext* ctx) {
                         v1::CreateSafeguardingActionRequest req;
                         req.set_parent(case_name);
                         FillAction(req.mutable_safeguarding_action());
                         req.mutable_safeguarding_action()->set_description(text);
                         v1::SafeguardingAction out;
                         return safeguarding_->CreateSafeguardingAction(ctx, req, &out);
                       }});
    writers.push_back({"charging_file.suspects[0].bail_conditions",
                       [this, case_name](const std::string& text, grpc::ClientContext* ctx) {
                         v1::SubmitChargingFileRequest req;
                         req.set_parent(case_name);
                         FillChargingFile(req.mutable_charging_file());
                         req.mutable_charging_file()->mutable_suspects(0)->set_bail_conditions(
                             text);
                         v1::ChargingFile out;
                         return charging_->SubmitChargingFile(ctx, req, &out);
                       }});
    return writers;
  }

  void FillAction(v1::SafeguardingAction* a) {
    a->set_type(v1::SAFEGUARDING_ACTION_TYPE_ALARM_OR_LOCK_CHANGE);
    a->set_assigned_agency(server_->Agency("SOTCC"));
    *a->mutable_due_date() = domain::ToProtoDate(domain::UkDay(Now()) + 7);
    a->set_description("Fit a monitored alarm at the victim's home");
    a->set_rationale("The victim asked for it");
  }

  void FillChargingFile(v1::ChargingFile* f) {
    f->set_kind(v1::CHARGING_FILE_KIND_FULL_FILE);
    f->set_urgency(v1::CHARGING_URGENCY_GREEN);
    v1::ChargingSuspect* suspect = f->add_suspects();
    suspect->set_suspect_number(1);
    suspect->set_bail_status(v1::BAIL_STATUS_PRE_CHARGE_BAIL);
    *suspect->mutable_release_date() = domain::ToProtoDate(domain::UkDay(Now()) - 1);
    *suspect->mutable_bail_return_date() = domain::ToProtoDate(domain::UkDay(Now()) + 27);
    suspect->set_bail_conditions("Not to contact the victim");
    v1::OffenceDetail* offence = f->add_proposed_offences();
    offence->set_offence(v1::OFFENCE_PHA_S2A_STALKING);
    offence->set_particulars("Followed her home");
    f->set_summary("Found her new home within a week");
  }

  // What a refused write must leave as it was: every row of case content,
  // and the case's version.
  std::string Written(const std::string& case_name) {
    return *server_->Query(absl::StrCat(
        "SELECT concat_ws(',', (SELECT version FROM cases WHERE id = '", case_name.substr(6),
        "'), (SELECT count(*) FROM incidents), (SELECT count(*) FROM case_flags), "
        "(SELECT count(*) FROM risk_assessments), (SELECT count(*) FROM "
        "safeguarding_actions), (SELECT count(*) FROM charging_files), (SELECT count(*) "
        "FROM case_timeline), (SELECT string_agg(summary, '|') FROM cases))"));
  }

  // Every string each caller receives about the case, as sent: the case,
  // the case list, the timeline, and what their role reads of incidents,
  // risk assessments, charging files and safeguarding actions.
  std::string Receive(absl::string_view user, const std::string& case_name) {
    std::string all;
    auto keep = [&](const grpc::Status& s, const google::protobuf::Message& m,
                    const char* what) {
      EXPECT_TRUE(s.ok()) << user << " " << what << ": " << s.error_message();
      absl::StrAppend(&all, matrix::AllText(m), "\n");
    };
    v1::GetCaseRequest get;
    get.set_name(case_name);
    v1::Case got;
    keep(cases_->GetCase(As(user).get(), get, &got), got, "GetCase");
    v1::ListCasesResponse list;
    keep(cases_->ListCases(As(user).get(), v1::ListCasesRequest(), &list), list, "ListCases");
    v1::GetCaseTimelineRequest timeline;
    timeline.set_name(case_name);
    v1::GetCaseTimelineResponse entries;
    keep(cases_->GetCaseTimeline(As(user).get(), timeline, &entries), entries, "timeline");
    const bool police_or_cps = user == "pc.hughes" || user == "cps.okafor";
    if (police_or_cps) {
      v1::ListIncidentsRequest li;
      li.set_parent(case_name);
      v1::ListIncidentsResponse incidents;
      keep(cases_->ListIncidents(As(user).get(), li, &incidents), incidents, "incidents");
      v1::ListRiskAssessmentsRequest lr;
      lr.set_parent(case_name);
      v1::ListRiskAssessmentsResponse assessments;
      keep(cases_->ListRiskAssessments(As(user).get(), lr, &assessments), assessments,
           "risk");
      v1::ListChargingFilesRequest lf;
      lf.set_parent("cases/-");
      v1::ListChargingFilesResponse files;
      keep(charging_->ListChargingFiles(As(user).get(), lf, &files), files, "files");
      for (const v1::ChargingFile& f : files.charging_files()) {
        v1::GetChargingFileRequest gf;
        gf.set_name(f.name());
        v1::ChargingFile one;
        keep(charging_->GetChargingFile(As(user).get(), gf, &one), one, "file");
      }
    }
    if (user != "cps.okafor") {
      v1::ListSafeguardingActionsRequest la;
      la.set_parent("cases/-");
      v1::ListSafeguardingActionsResponse actions;
      keep(safeguarding_->ListSafeguardingActions(As(user).get(), la, &actions), actions,
           "actions");
      for (const v1::SafeguardingAction& a : actions.safeguarding_actions()) {
        v1::GetSafeguardingActionHistoryRequest gh;
        gh.set_name(a.name());
        v1::GetSafeguardingActionHistoryResponse history;
        keep(safeguarding_->GetSafeguardingActionHistory(As(user).get(), gh, &history),
             history, "history");
      }
      if (user != "pc.hughes") {
        v1::ListMyWorkResponse work;
        keep(safeguarding_->ListMyWork(As(user).get(), v1::ListMyWorkRequest(), &work), work,
             "work");
      }
    }
    return all;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
  std::unique_ptr<v1::ChargingService::Stub> charging_;
  std::unique_ptr<v1::SafeguardingService::Stub> safeguarding_;
  std::unique_ptr<v1::SharingService::Stub> sharing_;
};

// Every spelling, in every field a reader outside the police sees, is
// refused before anything is written, naming the field and what to write
// instead; text that only resembles the address is accepted.
TEST_F(RestrictedAddressTest, EverySpellingInEveryPartnerVisibleFieldIsRefused) {
  const v1::Case c = CreateCase(/*restricted=*/true);
  ASSERT_TRUE(c.victim().address_restricted());
  const std::vector<Writer> writers = PartnerVisibleWriters(c.name());
  const std::string before = Written(c.name());
  int refused = 0;
  for (const Spelling& spelling : AdversarialSpellings()) {
    for (const Writer& writer : writers) {
      auto context = As("pc.hughes");
      grpc::Status s = writer.write(spelling.text, context.get());
      const grpc::StatusCode expected = spelling.invisible
                                            ? grpc::StatusCode::INVALID_ARGUMENT
                                            : grpc::StatusCode::FAILED_PRECONDITION;
      EXPECT_EQ(s.error_code(), expected)
          << spelling.how << " in " << writer.field << ": " << s.error_message();
      if (s.error_code() != expected) continue;
      ++refused;
      EXPECT_EQ(FieldOf(*context), writer.field) << spelling.how << ": " << s.error_message();
      if (!spelling.invisible) {
        EXPECT_THAT(s.error_message(), HasSubstr("the victim's home")) << spelling.how;
      }
      // The refusal names the part, never the text.
      EXPECT_THAT(domain::RestrictedAddressMatcher::For({kAddress}).Find(s.error_message()),
                  IsEmpty())
          << s.error_message();
    }
  }
  EXPECT_EQ(refused, AdversarialSpellings().size() * writers.size());
  EXPECT_EQ(Written(c.name()), before) << "a refused write changed the case";

  for (const std::string& text : HarmlessTexts()) {
    for (const Writer& writer : writers) {
      auto context = As("pc.hughes");
      grpc::Status s = writer.write(text, context.get());
      EXPECT_TRUE(s.ok()) << writer.field << ": " << text << ": " << s.error_message();
    }
  }
}

// Text only the police read may hold the address: the purpose of a share,
// the victim's own address.
TEST_F(RestrictedAddressTest, TextOnlyThePoliceReadMayHoldTheAddress) {
  const v1::Case c = CreateCase(/*restricted=*/true);
  Share(c.name(), "NSCHT", absl::StrCat("GP alert for the patient at ", kAddress));
  v1::ListCaseSharesRequest list;
  list.set_parent(c.name());
  v1::ListCaseSharesResponse shares;
  ASSERT_GRPC_OK(sharing_->ListCaseShares(As("pc.hughes").get(), list, &shares));
  ASSERT_EQ(shares.shares_size(), 1);
  EXPECT_THAT(shares.shares(0).purpose(), HasSubstr(kAddress));
  EXPECT_EQ(PoliceCopy(c.name()).victim().address(), kAddress);
}

// Text written while the address was open stays as written; restricting the
// address answers with every field that now holds it, and from then on no
// reader outside the police receives any part of it, in any spelling.
TEST_F(RestrictedAddressTest, RestrictingReportsTextToRewriteAndNoPartnerReceivesIt) {
  const v1::Case c = CreateCase(/*restricted=*/false);
  std::vector<std::string> written;
  const std::vector<Writer> writers = PartnerVisibleWriters(c.name());
  std::vector<Spelling> spellings;
  for (Spelling& s : AdversarialSpellings()) {
    if (!s.invisible) spellings.push_back(std::move(s));
  }
  for (size_t i = 0; i < writers.size(); ++i) {
    // Each field gets its own spelling (the safe-contact notes and the
    // summary hold their last one).
    const Spelling& spelling = spellings[(i * 5) % spellings.size()];
    auto context = As("pc.hughes");
    grpc::Status s = writers[i].write(spelling.text, context.get());
    EXPECT_TRUE(s.ok()) << writers[i].field << ": " << s.error_message();
    written.push_back(spelling.text);
  }
  // A second action, its notes naming the street, for the history.
  v1::ListSafeguardingActionsRequest la;
  la.set_parent(c.name());
  v1::ListSafeguardingActionsResponse actions;
  ASSERT_GRPC_OK(safeguarding_->ListSafeguardingActions(As("pc.hughes").get(), la, &actions));
  ASSERT_EQ(actions.safeguarding_actions_size(), 1);
  v1::UpdateSafeguardingActionRequest update;
  *update.mutable_safeguarding_action() = actions.safeguarding_actions(0);
  update.mutable_safeguarding_action()->set_notes("Keys with the neighbour at Bramble Cl");
  update.mutable_update_mask()->add_paths("notes");
  v1::SafeguardingAction updated;
  ASSERT_GRPC_OK(safeguarding_->UpdateSafeguardingAction(As("pc.hughes").get(), update,
                                                         &updated));
  Share(c.name(), "NSCHT", "GP alert");
  ReferToVictimServices(c.name());

  // The address is found to need protecting: the police restrict it.
  v1::Case current = PoliceCopy(c.name());
  v1::UpdateCaseRequest restrict;
  restrict.mutable_case_()->set_name(c.name());
  restrict.mutable_case_()->set_etag(current.etag());
  *restrict.mutable_case_()->mutable_victim() = current.victim();
  restrict.mutable_case_()->mutable_victim()->set_address_restricted(true);
  restrict.mutable_update_mask()->add_paths("victim");
  v1::Case restricted;
  ASSERT_GRPC_OK(cases_->UpdateCase(As("pc.hughes").get(), restrict, &restricted));
  EXPECT_TRUE(restricted.victim().address_restricted());

  std::vector<std::string> reported;
  for (const v1::RestrictedTextFinding& f : restricted.restricted_text_to_rewrite()) {
    std::string resource = f.resource();
    // cases/{id}/incidents/{id} -> incidents
    std::vector<std::string> parts = absl::StrSplit(resource, '/');
    reported.push_back(absl::StrCat(parts.size() > 2 ? parts[2] : parts[0], " ", f.field()));
    EXPECT_THAT(f.resource(), ::testing::StartsWith(c.name())) << f.resource();
    EXPECT_FALSE(f.part().empty());
    EXPECT_THAT(domain::RestrictedAddressMatcher::For({kAddress}).Find(f.DebugString()),
                IsEmpty());
  }
  EXPECT_THAT(reported,
              ::testing::UnorderedElementsAre(
                  "cases summary", "cases victim.safe_contact.safe_contact_notes",
                  "incidents location", "incidents description", "flags reason",
                  "riskAssessments rationale", "safeguardingActions description",
                  "safeguardingActions notes", "chargingFiles suspects[0].bail_conditions"))
      << absl::StrJoin(reported, "\n");

  // The report is for the police: a partner reading the case gets none.
  v1::GetCaseRequest get;
  get.set_name(c.name());
  v1::Case partner_copy;
  ASSERT_GRPC_OK(cases_->GetCase(As("nhs.morgan").get(), get, &partner_copy));
  EXPECT_EQ(partner_copy.restricted_text_to_rewrite_size(), 0);

  const domain::RestrictedAddressMatcher matcher =
      domain::RestrictedAddressMatcher::For({kAddress});
  for (const char* user : {"cps.okafor", "council.patel", "nhs.morgan", "isac.lewis"}) {
    const std::string received = Receive(user, c.name());
    for (const domain::RestrictedAddressMatcher::Match& m : matcher.Find(received)) {
      ADD_FAILURE() << user << " received " << m.part << ": "
                    << received.substr(m.begin > 20 ? m.begin - 20 : 0,
                                       m.end - m.begin + 40);
    }
    EXPECT_THAT(received, HasSubstr("[restricted]")) << user;
  }
  // The police read every word as written.
  const std::string police = Receive("pc.hughes", c.name());
  for (const std::string& text : written) {
    EXPECT_THAT(police, HasSubstr(text));
  }
  EXPECT_THAT(police, ::testing::Not(HasSubstr("[restricted]")));
}

}  // namespace
}  // namespace casebridge
