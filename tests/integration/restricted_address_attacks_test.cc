// Adversarial review of the restricted-address protection (commit d0010b8):
// each test is a way a restricted address (or an identifying part of it)
// still reaches a reader outside the police, or a way the write check stops
// police work it should not. Each is written to FAIL while the weakness is
// there: a passing test here means the attack no longer works.
//
// The checks deliberately do NOT use RestrictedAddressMatcher to decide
// whether a reader received the address (the matcher is what is attacked):
// they look for the plain words.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/protection_orders.grpc.pb.h"
#include "casebridge/v1/safeguarding.grpc.pb.h"
#include "casebridge/v1/sharing.grpc.pb.h"
#include "domain/dates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/matrix/checks.h"
#include "tests/support/test_server.h"

namespace casebridge {
namespace {

using test_support::SampleCase;
using test_support::TestServer;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAddress[] = "Flat 2, 14 Bramble Close, Hanley, Stoke-on-Trent ST1 4QX";

class RestrictedAddressAttacksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = TestServer::Start({.fake_clock = true,
                                      .start_time = test_support::TestStartTime()});
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    cases_ = v1::CaseService::NewStub(server_->channel());
    safeguarding_ = v1::SafeguardingService::NewStub(server_->channel());
    sharing_ = v1::SharingService::NewStub(server_->channel());
    orders_ = v1::ProtectionOrderService::NewStub(server_->channel());
  }

  std::unique_ptr<grpc::ClientContext> As(absl::string_view user) {
    return server_->Context(user);
  }
  absl::Time Now() { return server_->clock()->Now(); }

  v1::Case CreateCase(const std::string& address, bool restricted) {
    v1::CreateCaseRequest req;
    *req.mutable_case_() = SampleCase(restricted);
    req.mutable_case_()->mutable_victim()->set_address(address);
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

  void Share(const std::string& case_name, absl::string_view agency) {
    v1::ShareCaseRequest req;
    req.set_parent(case_name);
    req.mutable_share()->set_agency(server_->Agency(agency));
    req.mutable_share()->set_purpose("Multi-agency safeguarding");
    req.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
    v1::CaseShare out;
    EXPECT_GRPC_OK(sharing_->ShareCase(As("pc.hughes").get(), req, &out));
  }

  grpc::Status Flag(const std::string& case_name, const std::string& reason) {
    v1::FlagCaseRequest req;
    req.set_name(case_name);
    req.set_type(v1::FLAG_TYPE_RISK_TO_STAFF);
    req.set_reason(reason);
    v1::CaseFlag out;
    return cases_->FlagCase(As("pc.hughes").get(), req, &out);
  }

  // Every string `user` gets from GetCase and the case's timeline.
  std::string PartnerReads(absl::string_view user, const std::string& case_name) {
    v1::GetCaseRequest get;
    get.set_name(case_name);
    v1::Case c;
    grpc::Status s = cases_->GetCase(As(user).get(), get, &c);
    EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
    v1::GetCaseTimelineRequest tl;
    tl.set_name(case_name);
    v1::GetCaseTimelineResponse entries;
    s = cases_->GetCaseTimeline(As(user).get(), tl, &entries);
    EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
    return absl::StrCat(matrix::AllText(c), "\n", matrix::AllText(entries));
  }

  v1::SafeguardingAction CreateCouncilAction(const std::string& case_name) {
    v1::CreateSafeguardingActionRequest req;
    req.set_parent(case_name);
    v1::SafeguardingAction* a = req.mutable_safeguarding_action();
    a->set_type(v1::SAFEGUARDING_ACTION_TYPE_ALARM_OR_LOCK_CHANGE);
    a->set_assigned_agency(server_->Agency("SOTCC"));
    *a->mutable_due_date() = domain::ToProtoDate(domain::UkDay(Now()) + 7);
    a->set_description("Fit a monitored alarm at the victim's home");
    a->set_rationale("The victim asked for it");
    v1::SafeguardingAction out;
    EXPECT_GRPC_OK(safeguarding_->CreateSafeguardingAction(As("pc.hughes").get(), req, &out));
    return out;
  }

  // council.patel writes `notes` on the action assigned to the council.
  grpc::Status CouncilWritesNotes(const std::string& action_name, const std::string& notes,
                                  std::string* message) {
    v1::GetSafeguardingActionRequest get;
    get.set_name(action_name);
    v1::SafeguardingAction current;
    EXPECT_GRPC_OK(safeguarding_->GetSafeguardingAction(As("council.patel").get(), get,
                                                        &current));
    v1::UpdateSafeguardingActionRequest req;
    req.mutable_safeguarding_action()->set_name(action_name);
    req.mutable_safeguarding_action()->set_etag(current.etag());
    req.mutable_safeguarding_action()->set_notes(notes);
    req.mutable_update_mask()->add_paths("notes");
    v1::SafeguardingAction out;
    grpc::Status s =
        safeguarding_->UpdateSafeguardingAction(As("council.patel").get(), req, &out);
    *message = s.error_message();
    return s;
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
  std::unique_ptr<v1::SafeguardingService::Stub> safeguarding_;
  std::unique_ptr<v1::SharingService::Stub> sharing_;
  std::unique_ptr<v1::ProtectionOrderService::Stub> orders_;
};

// FINDING (high): the write check answers partners too, so it is an oracle.
// A council user (or anyone outside the police who may write partner-visible
// text on the case) learns the restricted postcode/street by writing guesses:
// a batch of candidates that holds the right one is refused
// FAILED_PRECONDITION "holds the postcode of a restricted address", a batch
// that does not is accepted. Bisecting a gazetteer of the area's postcodes
// (a few thousand) takes ~12 calls of a few hundred postcodes each.
// OPEN (issue #15 closing note): fails today; enable when fixed.
TEST_F(RestrictedAddressAttacksTest, DISABLED_PartnerWriteCheckIsAnOracleForTheRestrictedPostcode) {
  const v1::Case c = CreateCase(kAddress, /*restricted=*/true);
  const v1::SafeguardingAction action = CreateCouncilAction(c.name());

  std::string wrong_message, right_message;
  const grpc::Status wrong = CouncilWritesNotes(
      action.name(), "Area check: ST1 4QA ST1 4QB ST1 4QD ST1 4QE", &wrong_message);
  const grpc::Status right = CouncilWritesNotes(
      action.name(), "Area check: ST1 4QU ST1 4QW ST1 4QX ST1 4QY", &right_message);
  // Same for the street: a guessed street name is confirmed or denied.
  std::string wrong_street_message, right_street_message;
  const grpc::Status wrong_street =
      CouncilWritesNotes(action.name(), "Streets: Bramble Road, Hawthorn Close",
                         &wrong_street_message);
  const grpc::Status right_street =
      CouncilWritesNotes(action.name(), "Streets: Bramble Close, Hawthorn Road",
                         &right_street_message);

  // A partner must not be able to tell a guess of the restricted address
  // from any other text.
  EXPECT_EQ(wrong.error_code(), right.error_code())
      << "council.patel distinguishes the right postcode batch: '" << wrong_message
      << "' vs '" << right_message << "'";
  EXPECT_EQ(wrong_street.error_code(), right_street.error_code())
      << "council.patel distinguishes the right street: '" << wrong_street_message
      << "' vs '" << right_street_message << "'";
  EXPECT_THAT(right_message, Not(HasSubstr("postcode")));
}

// FINDING (high): restricted addresses are per case. A victim's refuge
// address restricted on case B is not looked for in text on case A (another
// victim of the same stalker, or a case where the refuge comes up): the write
// check accepts it and partners reading case A get it verbatim.
// OPEN (issue #15 closing note): fails today; enable when fixed.
TEST_F(RestrictedAddressAttacksTest, DISABLED_AnotherCasesRestrictedAddressReachesPartners) {
  const v1::Case refuge_case = CreateCase(kAddress, /*restricted=*/true);
  ASSERT_TRUE(refuge_case.victim().address_restricted());
  const v1::Case other = CreateCase("3 Oak Street, Leek ST13 6AA", /*restricted=*/false);
  Share(other.name(), "NSCHT");

  const grpc::Status s = Flag(
      other.name(), "Suspect seen waiting outside 14 Bramble Close, Hanley ST1 4QX");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << "the refuge address of " << refuge_case.reference()
      << " was accepted in partner-visible text on another case";

  const std::string nhs = PartnerReads("nhs.morgan", other.name());
  EXPECT_THAT(nhs, Not(HasSubstr("Bramble Close")));
  EXPECT_THAT(nhs, Not(HasSubstr("ST1 4QX")));
}

// FINDING (medium): the restriction is a per-row flag, not a property of the
// address or the person. The same victim (same name and date of birth) on a
// second case, with the same address not ticked restricted, has her refuge
// address sent to every partner of that case, although the server knows
// that address is restricted.
// OPEN (issue #15 closing note): fails today; enable when fixed.
TEST_F(RestrictedAddressAttacksTest, DISABLED_SameVictimsRestrictedAddressOnASecondCaseReachesPartners) {
  const v1::Case first = CreateCase(kAddress, /*restricted=*/true);
  ASSERT_TRUE(first.victim().address_restricted());
  const v1::Case second = CreateCase(kAddress, /*restricted=*/false);
  Share(second.name(), "NSCHT");

  v1::GetCaseRequest get;
  get.set_name(second.name());
  v1::Case nhs;
  ASSERT_GRPC_OK(cases_->GetCase(As("nhs.morgan").get(), get, &nhs));
  EXPECT_EQ(nhs.victim().given_name(), first.victim().given_name());
  EXPECT_THAT(nhs.victim().address(), Not(HasSubstr("Bramble Close")))
      << "the address restricted on " << first.reference() << " reached nhs.morgan on "
      << second.reference();
}

// FINDING (high): a refuge is named by its building name, and a building
// name alone is not identifying to the matcher unless it is shaped like a
// street. "The Willows Refuge" is accepted in partner-visible text and read
// by partners as written; dropping the article ("Willows Refuge, Hanley")
// defeats even the house-name-and-town rule.
TEST_F(RestrictedAddressAttacksTest, TheRefugesNameReachesPartners) {
  const v1::Case c =
      CreateCase("The Willows Refuge, 14 Bramble Close, Hanley ST1 4QX", /*restricted=*/true);
  Share(c.name(), "NSCHT");

  const grpc::Status by_name =
      Flag(c.name(), "Staff at The Willows Refuge: call 999 if the suspect is seen");
  EXPECT_EQ(by_name.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  const grpc::Status no_article = Flag(c.name(), "Visits at Willows Refuge, Hanley in pairs");
  EXPECT_EQ(no_article.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  const std::string nhs = PartnerReads("nhs.morgan", c.name());
  EXPECT_THAT(nhs, Not(HasSubstr("Willows Refuge")));
}

// FINDING (medium): text copied from an HTML source is often escaped twice
// ("&amp;nbsp;"). URL-encoding is undone up to three rounds, HTML entities
// only once, so the street survives both the write check and the redaction;
// any browser front end that renders the field as HTML shows
// "14 Bramble Close".
TEST_F(RestrictedAddressAttacksTest, DoublyHtmlEscapedAddressReachesPartners) {
  const v1::Case c = CreateCase(kAddress, /*restricted=*/true);
  Share(c.name(), "NSCHT");
  const grpc::Status s = Flag(c.name(), "Alarm fitted at 14&amp;nbsp;Bramble&amp;nbsp;Close");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  // What a partner's browser would show after decoding the entities once
  // more (as an HTML view of the field does).
  const std::string shown = absl::StrReplaceAll(
      PartnerReads("nhs.morgan", c.name()), {{"&amp;nbsp;", " "}, {"&nbsp;", " "}});
  EXPECT_THAT(shown, Not(HasSubstr("14 Bramble Close")));
}

// FINDING (medium, documented false negative): a capital I typed for the
// digit 1 in the postcode. Officers copying a postcode from handwriting or
// OCR produce it; the full postcode (about 15 homes) reaches partners.
TEST_F(RestrictedAddressAttacksTest, PostcodeWithCapitalIForOneReachesPartners) {
  const v1::Case c = CreateCase(kAddress, /*restricted=*/true);
  Share(c.name(), "NSCHT");
  const grpc::Status s = Flag(c.name(), "Refuge postcode STI 4QX - do not visit unannounced");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(PartnerReads("nhs.morgan", c.name()), Not(HasSubstr("STI 4QX")));
}

// FINDING (medium): house number, the street's distinctive word and the
// town ("14 Bramble, Hanley") is not identifying to the matcher, yet with
// the town it narrows the refuge to a handful of doors.
TEST_F(RestrictedAddressAttacksTest, NumberDistinctiveWordAndTownReachPartners) {
  const v1::Case c = CreateCase(kAddress, /*restricted=*/true);
  Share(c.name(), "NSCHT");
  const grpc::Status s = Flag(c.name(), "Lives at no. 14 on Bramble, Hanley (the close)");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(PartnerReads("nhs.morgan", c.name()), Not(HasSubstr("14 on Bramble, Hanley")));
}

// FINDING (low-medium, wrongly blocks police work): UpdateProtectionOrder
// does not tell the runner what it replaces (no call.Replaces), so, unlike
// UpdateCase/UpdateIncident/UpdateSafeguardingAction, sending the draft's
// terms back unchanged to add an urgent new term is refused because an old
// term (written before the address was restricted, and already reported for
// rewriting) holds the street. The police cannot add the term until they
// have rewritten the old one.
TEST_F(RestrictedAddressAttacksTest, AddingATermToADraftOrderIsRefusedForAnUnchangedOldTerm) {
  const v1::Case c = CreateCase(kAddress, /*restricted=*/false);
  v1::CreateProtectionOrderRequest create;
  create.set_parent(c.name());
  v1::ProtectionOrder* o = create.mutable_protection_order();
  o->set_kind(v1::PROTECTION_ORDER_KIND_FULL);
  o->set_defendant("Mark Doyle");
  o->add_protected_persons("Sarah Bennett");
  o->set_consideration_notes("Fixated, escalating; ex-partner");
  v1::OrderTerm* old_term = o->add_proposed_terms();
  old_term->set_kind(v1::ORDER_TERM_KIND_PROHIBITION);
  old_term->set_text("Not to enter Bramble Close");
  v1::ProtectionOrder order;
  ASSERT_GRPC_OK(orders_->CreateProtectionOrder(As("pc.hughes").get(), create, &order));
  ASSERT_EQ(order.proposed_terms_size(), 1);

  // The address is restricted.
  v1::Case current = PoliceCopy(c.name());
  v1::UpdateCaseRequest restrict;
  restrict.mutable_case_()->set_name(c.name());
  restrict.mutable_case_()->set_etag(current.etag());
  *restrict.mutable_case_()->mutable_victim() = current.victim();
  restrict.mutable_case_()->mutable_victim()->set_address_restricted(true);
  restrict.mutable_update_mask()->add_paths("victim");
  v1::Case restricted;
  ASSERT_GRPC_OK(cases_->UpdateCase(As("pc.hughes").get(), restrict, &restricted));

  v1::GetProtectionOrderRequest get;
  get.set_name(order.name());
  ASSERT_GRPC_OK(orders_->GetProtectionOrder(As("pc.hughes").get(), get, &order));

  // Urgent: a new prohibition, the old term sent back exactly as read.
  v1::UpdateProtectionOrderRequest update;
  *update.mutable_protection_order()->mutable_proposed_terms() = order.proposed_terms();
  update.mutable_protection_order()->set_name(order.name());
  update.mutable_protection_order()->set_etag(order.etag());
  v1::OrderTerm* urgent = update.mutable_protection_order()->add_proposed_terms();
  urgent->set_kind(v1::ORDER_TERM_KIND_PROHIBITION);
  urgent->set_text("Not to contact the victim's children or their school");
  update.mutable_update_mask()->add_paths("proposed_terms");
  v1::ProtectionOrder updated;
  auto ctx = As("pc.hughes");
  const grpc::Status s = orders_->UpdateProtectionOrder(ctx.get(), update, &updated);
  EXPECT_TRUE(s.ok()) << "adding a clean term was refused for an unchanged old one: "
                      << s.error_message();
}

// FINDING (medium): only the CURRENT restricted address is protected. When
// the victim moves on (refuge A -> refuge B), the police update her address
// and text naming refuge A, reported for rewriting when A was restricted but
// not yet rewritten, goes back to partners verbatim: the stalker's contacts
// learn where she was placed (a refuge that still houses others).
TEST_F(RestrictedAddressAttacksTest, FormerRestrictedAddressReachesPartnersAfterAMove) {
  const v1::Case c = CreateCase(kAddress, /*restricted=*/false);
  Share(c.name(), "NSCHT");
  ASSERT_GRPC_OK(Flag(c.name(), "Two staff for visits to 14 Bramble Close"));
  auto move = [&](const std::string& address) {
    v1::Case current = PoliceCopy(c.name());
    v1::UpdateCaseRequest req;
    req.mutable_case_()->set_name(c.name());
    req.mutable_case_()->set_etag(current.etag());
    *req.mutable_case_()->mutable_victim() = current.victim();
    req.mutable_case_()->mutable_victim()->set_address(address);
    req.mutable_case_()->mutable_victim()->set_address_restricted(true);
    req.mutable_update_mask()->add_paths("victim");
    v1::Case out;
    EXPECT_GRPC_OK(cases_->UpdateCase(As("pc.hughes").get(), req, &out));
    return out;
  };
  const v1::Case restricted = move(kAddress);
  EXPECT_EQ(restricted.restricted_text_to_rewrite_size(), 1);
  EXPECT_THAT(PartnerReads("nhs.morgan", c.name()), Not(HasSubstr("Bramble Close")));
  // She is moved to a second refuge.
  move("7 Larch Way, Longton, Stoke-on-Trent ST3 2ZZ");
  EXPECT_THAT(PartnerReads("nhs.morgan", c.name()), Not(HasSubstr("Bramble Close")))
      << "the former refuge's address is sent to partners again";
}

// FINDING (low-medium): each string is matched alone, so an address split
// over two fields or list elements (two flags, two terms, two notes) passes
// the write check and the redactor, and the partner reads it whole.
// OPEN (issue #15 closing note): fails today; enable when fixed.
TEST_F(RestrictedAddressAttacksTest, DISABLED_AddressSplitOverTwoFlagsReachesPartners) {
  const v1::Case c = CreateCase(kAddress, /*restricted=*/true);
  Share(c.name(), "NSCHT");
  const grpc::Status first = Flag(c.name(), "Refuge is number 14, Bramble");
  const grpc::Status second = Flag(c.name(), "Close, Hanley - postcode ST1, then 4QX");
  EXPECT_FALSE(first.ok() && second.ok()) << "both halves accepted";
  const std::string nhs = PartnerReads("nhs.morgan", c.name());
  EXPECT_FALSE(absl::StrContains(nhs, "14, Bramble") && absl::StrContains(nhs, "Close, Hanley") &&
               absl::StrContains(nhs, "4QX"))
      << nhs;
}

}  // namespace
}  // namespace casebridge
