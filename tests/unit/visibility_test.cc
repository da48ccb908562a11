// The visibility table: complete (every field a response can carry, every
// text a request can carry, has an entry), consistent, and applied the way
// docs/DESIGN.md ("Identity and access") says each agency sees a case.
#include "domain/visibility.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "casebridge/v1/admin.pb.h"
#include "casebridge/v1/audit.pb.h"
#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/charging.pb.h"
#include "casebridge/v1/protection_orders.pb.h"
#include "casebridge/v1/safeguarding.pb.h"
#include "casebridge/v1/sharing.pb.h"
#include "domain/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using ::testing::HasSubstr;

std::vector<const FileDescriptor*> ApiFiles() {
  return {v1::Agency::descriptor()->file(),       v1::Case::descriptor()->file(),
          v1::AuditEvent::descriptor()->file(),   v1::ChargingFile::descriptor()->file(),
          v1::ProtectionOrder::descriptor()->file(),
          v1::SafeguardingAction::descriptor()->file(),
          v1::CaseShare::descriptor()->file()};
}

bool InApi(const Descriptor* d) { return d->file()->package() == "casebridge.v1"; }

// Every message a response can carry (but those without case content and
// what only they hold).
void CollectResponses(const Descriptor* d, std::set<const Descriptor*>* out) {
  if (!InApi(d) || CarriesNoCaseContent(d) || !out->insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->message_type() != nullptr) {
      CollectResponses(d->field(i)->message_type(), out);
    }
  }
}

std::set<const Descriptor*> ResponseMessages() {
  std::set<const Descriptor*> out;
  for (const FileDescriptor* f : ApiFiles()) {
    for (int s = 0; s < f->service_count(); ++s) {
      for (int m = 0; m < f->service(s)->method_count(); ++m) {
        CollectResponses(f->service(s)->method(m)->output_type(), &out);
      }
    }
  }
  return out;
}

// Every text field a request can carry, outside the response messages.
void CollectRequestText(const Descriptor* d, const std::set<const Descriptor*>& responses,
                        std::set<const Descriptor*>* seen,
                        std::vector<const FieldDescriptor*>* out) {
  if (!InApi(d) || CarriesNoCaseContent(d) || responses.count(d) > 0 ||
      !seen->insert(d).second) {
    return;
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->message_type() != nullptr) {
      CollectRequestText(f->message_type(), responses, seen, out);
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      out->push_back(f);
    }
  }
}

// Request fields that name what is acted on, or steer the call: no person's
// text, so they need no entry.
bool IsRequestIdentifier(const FieldDescriptor* f) {
  static const std::set<std::string> kNames = {"name", "parent", "etag", "request_id",
                                               "filter", "page_token"};
  return kNames.count(f->name()) > 0;
}

TEST(VisibilityTableTest, EveryFieldOfEveryResponseHasAnEntry) {
  std::vector<std::string> missing;
  for (const Descriptor* d : ResponseMessages()) {
    for (int i = 0; i < d->field_count(); ++i) {
      if (FieldRuleOf(d->field(i)) == nullptr) missing.push_back(d->field(i)->full_name());
    }
  }
  EXPECT_TRUE(missing.empty())
      << "these response fields have no entry in domain/visibility.cc (decide who "
         "sees each): "
      << absl::StrJoin(missing, ", ");
}

TEST(VisibilityTableTest, EveryTextARequestCarriesHasAnEntry) {
  const std::set<const Descriptor*> responses = ResponseMessages();
  std::set<const Descriptor*> seen;
  std::vector<const FieldDescriptor*> text;
  for (const FileDescriptor* f : ApiFiles()) {
    for (int s = 0; s < f->service_count(); ++s) {
      for (int m = 0; m < f->service(s)->method_count(); ++m) {
        CollectRequestText(f->service(s)->method(m)->input_type(), responses, &seen, &text);
      }
    }
  }
  std::vector<std::string> missing;
  for (const FieldDescriptor* f : text) {
    if (!IsRequestIdentifier(f) && FieldRuleOf(f) == nullptr) {
      missing.push_back(f->full_name());
    }
  }
  EXPECT_TRUE(missing.empty()) << "these request texts have no entry (who reads them "
                                  "once stored?): "
                               << absl::StrJoin(missing, ", ");
}

TEST(VisibilityTableTest, EveryEntryNamesARealFieldValueOrMessage) {
  EXPECT_THAT(UnresolvedTableEntries(), ::testing::IsEmpty());
}

TEST(VisibilityTableTest, SelectingFieldsHaveARuleForEveryValue) {
  for (const Descriptor* d : ResponseMessages()) {
    bool has_selector = false, has_detail = false;
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      const FieldRule* rule = FieldRuleOf(f);
      if (rule == nullptr) continue;
      has_detail = has_detail || (rule->flags & kElementDetail) != 0;
      if ((rule->flags & kSelectsElement) == 0) continue;
      has_selector = true;
      ASSERT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_ENUM) << f->full_name();
      for (int v = 0; v < f->enum_type()->value_count(); ++v) {
        EXPECT_NE(ValueRuleOf(f->enum_type()->value(v)), nullptr)
            << f->enum_type()->value(v)->full_name() << " selects " << d->full_name()
            << " elements but has no rule";
      }
    }
    EXPECT_TRUE(!has_detail || has_selector)
        << d->full_name() << " has detail fields but nothing selecting them";
  }
}

TEST(VisibilityTableTest, TheRulesNeverWidenThePoliceView) {
  // Whatever anyone sees, the police see (the owning force holds the whole
  // record), and free text is text.
  for (const Descriptor* d : ResponseMessages()) {
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldRule* rule = FieldRuleOf(d->field(i));
      if (rule == nullptr) continue;
      EXPECT_TRUE((rule->to & kPolice) != 0 || rule->to == kPartners)
          << d->field(i)->full_name();
      if ((rule->flags & kFreeText) != 0) {
        EXPECT_EQ(d->field(i)->cpp_type(), FieldDescriptor::CPPTYPE_STRING)
            << d->field(i)->full_name();
      }
    }
  }
}

// ---- Applying it -------------------------------------------------------------

constexpr char kAddress[] = "14 Refuge Close, Hanley, ST1 1AA";

v1::Case SampleCase() {
  v1::Case c;
  c.set_name("cases/1");
  c.set_reference("SP-2026-000001");
  c.set_summary("Follows her home to 14 Refuge Close, Hanley, ST1 1AA.");
  c.set_etag("3");
  v1::Person* victim = c.mutable_victim();
  victim->set_given_name("Sarah");
  victim->set_family_name("Bennett");
  victim->add_aliases("Sal");
  victim->mutable_date_of_birth()->set_year(1991);
  victim->mutable_safe_contact()->set_phone("07700 900123");
  victim->mutable_safe_contact()->set_safe_contact_notes(
      "Text first; never visit 14 Refuge Close, Hanley, ST1 1AA");
  victim->set_address(kAddress);
  victim->set_address_restricted(true);
  victim->set_notes("Moved after the last incident");
  c.add_suspects()->set_given_name("Mark");
  c.set_relationship(v1::RELATIONSHIP_EX_INTIMATE);
  v1::CaseFlag* weapons = c.add_flags();
  weapons->set_type(v1::FLAG_TYPE_WEAPONS);
  weapons->set_reason("Knife seen in his car");
  weapons->set_raised_by("users/pc");
  c.add_flags()->set_type(v1::FLAG_TYPE_SPO_NOTIFICATION_OVERDUE);
  c.mutable_pattern()->set_incident_count(3);
  c.mutable_pattern()->set_escalating(true);
  c.mutable_pattern()->add_recommendations()->set_code("MARAC_REFERRAL");
  c.set_risk_level(v1::RISK_LEVEL_HIGH);
  return c;
}

RestrictedAddressMatcher Matcher() { return RestrictedAddressMatcher::For({kAddress}); }

TEST(RedactTest, ThePoliceGetEverything) {
  v1::Case c = SampleCase();
  const std::string before = c.SerializeAsString();
  Redact(Audience::kPolice, Matcher(), &c);
  EXPECT_EQ(c.SerializeAsString(), before);
}

TEST(RedactTest, TheCpsGetsTheProsecutionView) {
  v1::Case c = SampleCase();
  Redact(Audience::kCps, Matcher(), &c);
  EXPECT_EQ(c.suspects_size(), 1);
  EXPECT_EQ(c.relationship(), v1::RELATIONSHIP_EX_INTIMATE);
  EXPECT_EQ(c.victim().notes(), "Moved after the last incident");
  EXPECT_EQ(c.victim().aliases_size(), 1);
  EXPECT_TRUE(c.etag().empty()) << "only the police change the case";
  EXPECT_TRUE(c.victim().address().empty()) << "a restricted address never leaves the police";
  EXPECT_TRUE(c.victim().address_restricted());
  EXPECT_THAT(c.summary(), ::testing::Not(HasSubstr("Refuge")));
  EXPECT_EQ(c.flags_size(), 2);
}

TEST(RedactTest, EachPartnerGetsTheSafeguardingView) {
  for (Audience partner : {Audience::kCouncil, Audience::kHealth, Audience::kVictimService}) {
    SCOPED_TRACE(AudienceName(partner));
    v1::Case c = SampleCase();
    Redact(partner, Matcher(), &c);
    EXPECT_EQ(c.suspects_size(), 0);
    EXPECT_TRUE(c.summary().empty());
    EXPECT_EQ(c.relationship(), v1::RELATIONSHIP_UNSPECIFIED);
    EXPECT_TRUE(c.victim().notes().empty());
    EXPECT_EQ(c.victim().aliases_size(), 0);
    EXPECT_EQ(c.victim().given_name(), "Sarah");
    EXPECT_EQ(c.victim().date_of_birth().year(), 1991) << "partners identify the person";
    EXPECT_TRUE(c.victim().address().empty());
    EXPECT_THAT(c.victim().safe_contact().safe_contact_notes(), HasSubstr("Text first"));
    EXPECT_THAT(c.victim().safe_contact().safe_contact_notes(),
                ::testing::Not(HasSubstr("Refuge")));
    ASSERT_EQ(c.flags_size(), 1) << "the overdue-notification flag is police work";
    EXPECT_EQ(c.flags(0).type(), v1::FLAG_TYPE_WEAPONS);
    EXPECT_EQ(c.flags(0).reason(), "Knife seen in his car");
    EXPECT_TRUE(c.flags(0).raised_by().empty());
    EXPECT_TRUE(c.pattern().escalating());
    EXPECT_EQ(c.pattern().incident_count(), 0);
    EXPECT_EQ(c.pattern().recommendations_size(), 0);
    EXPECT_EQ(c.risk_level(), v1::RISK_LEVEL_HIGH);
    EXPECT_TRUE(c.etag().empty());
  }
}

TEST(RedactTest, AnAddressNotRestrictedIsSeenByPartners) {
  v1::Case c = SampleCase();
  c.mutable_victim()->set_address_restricted(false);
  Redact(Audience::kCouncil, RestrictedAddressMatcher::For({}), &c);
  EXPECT_EQ(c.victim().address(), kAddress);
}

TEST(RedactTest, TimelineEntriesAndTheirResourcesByKind) {
  v1::GetCaseTimelineResponse timeline;
  auto add = [&](v1::TimelineEntryKind kind, const std::string& resource) {
    v1::TimelineEntry* e = timeline.add_entries();
    e->set_kind(kind);
    e->set_resource(resource);
    e->set_summary(absl::StrCat("entry ", kind));
  };
  add(v1::TIMELINE_ENTRY_KIND_CASE_OPENED, "cases/1");
  add(v1::TIMELINE_ENTRY_KIND_INCIDENT, "cases/1/incidents/2");
  add(v1::TIMELINE_ENTRY_KIND_RISK_ASSESSMENT, "cases/1/riskAssessments/3");
  add(v1::TIMELINE_ENTRY_KIND_SHARED, "cases/1/shares/4");
  add(v1::TIMELINE_ENTRY_KIND_PROTECTION_ORDER, "cases/1/protectionOrders/5");
  add(v1::TIMELINE_ENTRY_KIND_PROTECTION_ORDER_IN_FORCE, "cases/1/protectionOrders/5");

  v1::GetCaseTimelineResponse council = timeline;
  Redact(Audience::kCouncil, RestrictedAddressMatcher::For({}), &council);
  ASSERT_EQ(council.entries_size(), 3);
  EXPECT_EQ(council.entries(0).kind(), v1::TIMELINE_ENTRY_KIND_CASE_OPENED);
  EXPECT_EQ(council.entries(0).resource(), "cases/1");
  EXPECT_EQ(council.entries(1).kind(), v1::TIMELINE_ENTRY_KIND_RISK_ASSESSMENT);
  EXPECT_TRUE(council.entries(1).resource().empty()) << "partners cannot read it";
  EXPECT_EQ(council.entries(2).kind(), v1::TIMELINE_ENTRY_KIND_PROTECTION_ORDER_IN_FORCE);
  EXPECT_EQ(council.entries(2).resource(), "cases/1/protectionOrders/5");

  v1::GetCaseTimelineResponse cps = timeline;
  Redact(Audience::kCps, RestrictedAddressMatcher::For({}), &cps);
  std::vector<v1::TimelineEntryKind> kinds;
  for (const v1::TimelineEntry& e : cps.entries()) kinds.push_back(e.kind());
  EXPECT_THAT(kinds, ::testing::ElementsAre(v1::TIMELINE_ENTRY_KIND_CASE_OPENED,
                                            v1::TIMELINE_ENTRY_KIND_INCIDENT,
                                            v1::TIMELINE_ENTRY_KIND_RISK_ASSESSMENT,
                                            v1::TIMELINE_ENTRY_KIND_PROTECTION_ORDER));

  EXPECT_THAT(TimelineKindsVisibleTo(Audience::kHealth),
              ::testing::Contains(v1::TIMELINE_ENTRY_KIND_PROTECTION_ORDER_IN_FORCE));
  EXPECT_THAT(TimelineKindsVisibleTo(Audience::kHealth),
              ::testing::Not(::testing::Contains(v1::TIMELINE_ENTRY_KIND_INCIDENT)));
}

TEST(RedactTest, MessagesWithoutCaseContentAreLeftWhole) {
  v1::User u;
  u.set_username("pc.hughes");
  u.set_etag("1");
  Redact(Audience::kCouncil, Matcher(), &u);
  EXPECT_EQ(u.username(), "pc.hughes");
  EXPECT_EQ(u.etag(), "1");
}

TEST(CheckNoRestrictedTextTest, FreeTextOthersReadRefusesTheAddressNamingTheField) {
  v1::AddIncidentRequest add;
  add.set_parent("cases/1");
  add.mutable_incident()->set_location("outside 14 Refuge Close, Hanley, ST1 1AA");
  absl::Status s = CheckNoRestrictedText(add, Matcher());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FieldOf(s).value_or(""), "incident.location");
  EXPECT_THAT(s.message(), HasSubstr("the victim's home"));
  add.mutable_incident()->set_location("outside the victim's home");
  EXPECT_TRUE(CheckNoRestrictedText(add, Matcher()).ok());
}

TEST(CheckNoRestrictedTextTest, TextOnlyThePoliceReadMayHoldIt) {
  v1::ShareCaseRequest share;
  share.mutable_share()->set_purpose("Police cover at 14 Refuge Close, Hanley, ST1 1AA");
  EXPECT_TRUE(CheckNoRestrictedText(share, Matcher()).ok());
  // And the address field itself is the address, not free text.
  v1::CreateCaseRequest create;
  create.mutable_case_()->mutable_victim()->set_address(kAddress);
  create.mutable_case_()->mutable_victim()->set_address_restricted(true);
  EXPECT_TRUE(CheckNoRestrictedText(create, Matcher()).ok());
}

TEST(TextWrittenByTest, FieldsTheMaskDoesNotNameAreNotWritten) {
  v1::UpdateCaseRequest update;
  update.mutable_case_()->set_summary("Seen at 14 Refuge Close");
  update.mutable_case_()->mutable_victim()->set_notes("Moved to 14 Refuge Close");
  update.mutable_update_mask()->add_paths("victim");
  std::unique_ptr<google::protobuf::Message> written = TextWrittenBy(update, nullptr);
  absl::Status s = CheckNoRestrictedText(*written, Matcher());
  EXPECT_EQ(FieldOf(s).value_or(""), "case.victim.notes") << s;
  update.mutable_update_mask()->set_paths(0, "relationship");
  EXPECT_TRUE(CheckNoRestrictedText(*TextWrittenBy(update, nullptr), Matcher()).ok());
  // The request itself is untouched.
  EXPECT_EQ(update.case_().summary(), "Seen at 14 Refuge Close");
}

TEST(TextWrittenByTest, AMaskOverTheRequestsOwnFieldsTrimsTheRequest) {
  v1::RecordDecisionFollowUpRequest follow_up;
  follow_up.mutable_first_hearing()->set_court("Court at 14 Refuge Close");
  follow_up.add_ancillary_orders()->set_details("Not to go to 14 Refuge Close");
  follow_up.mutable_update_mask()->add_paths("ancillary_orders");
  absl::Status s = CheckNoRestrictedText(*TextWrittenBy(follow_up, nullptr), Matcher());
  EXPECT_EQ(FieldOf(s).value_or(""), "ancillary_orders[0].details") << s;
  follow_up.mutable_update_mask()->set_paths(0, "victim_informed");
  EXPECT_TRUE(CheckNoRestrictedText(*TextWrittenBy(follow_up, nullptr), Matcher()).ok());
}

TEST(TextWrittenByTest, TextLeftAsStoredIsNotWrittenButChangedTextIs) {
  v1::Case stored;
  stored.mutable_victim()->set_address(kAddress);
  stored.mutable_victim()->mutable_safe_contact()->set_safe_contact_notes(
      "Call, or visit 14 Refuge Close");
  stored.add_protected_persons()->set_notes("Ella, at 14 Refuge Close");
  // Restricting the address, sending the victim back as read: allowed.
  v1::UpdateCaseRequest update;
  *update.mutable_case_() = stored;
  update.mutable_case_()->mutable_victim()->set_address_restricted(true);
  update.mutable_update_mask()->add_paths("victim");
  update.mutable_update_mask()->add_paths("protected_persons");
  EXPECT_TRUE(CheckNoRestrictedText(*TextWrittenBy(update, &stored), Matcher()).ok());
  // Without the stored record, the same request holds the address.
  EXPECT_FALSE(CheckNoRestrictedText(*TextWrittenBy(update, nullptr), Matcher()).ok());
  // Changing the text (even by one character) writes it.
  update.mutable_case_()->mutable_victim()->mutable_safe_contact()->set_safe_contact_notes(
      "Call, or visit 14 Refuge Close.");
  absl::Status s = CheckNoRestrictedText(*TextWrittenBy(update, &stored), Matcher());
  EXPECT_EQ(FieldOf(s).value_or(""), "case.victim.safe_contact.safe_contact_notes") << s;
  // A new element of a list is written; the ones left as they were are not.
  update.mutable_case_()->mutable_victim()->mutable_safe_contact()->set_safe_contact_notes(
      stored.victim().safe_contact().safe_contact_notes());
  update.mutable_case_()->add_protected_persons()->set_notes("Tom, also at ST1 1AA");
  s = CheckNoRestrictedText(*TextWrittenBy(update, &stored), Matcher());
  EXPECT_EQ(FieldOf(s).value_or(""), "case.protected_persons[1].notes") << s;
}

TEST(AudienceOfTest, RolesAndAgencyKinds) {
  Principal p;
  p.agency_kind = v1::AGENCY_KIND_HEALTH;
  p.roles = {v1::ROLE_SAFEGUARDING_LEAD};
  EXPECT_EQ(AudienceOf(p), Audience::kHealth);
  p.roles = {v1::ROLE_AUDITOR};
  EXPECT_EQ(AudienceOf(p), std::nullopt);
  p.agency_kind = v1::AGENCY_KIND_POLICE;
  p.roles = {v1::ROLE_AUDITOR, v1::ROLE_POLICE_SUPERVISOR};
  EXPECT_EQ(AudienceOf(p), Audience::kPolice);
  p.agency_kind = v1::AGENCY_KIND_CPS;
  p.roles = {v1::ROLE_PROSECUTOR};
  EXPECT_EQ(AudienceOf(p), Audience::kCps);
}

}  // namespace
}  // namespace casebridge::domain
