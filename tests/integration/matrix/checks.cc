#include "tests/integration/matrix/checks.h"

#include "domain/restricted_address.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "domain/list_query.h"
#include "domain/restricted_address.h"

namespace casebridge::matrix {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string ViewName(v1::CaseView view) {
  return domain::ShortEnumName(v1::CaseView_descriptor(), view);
}

// Collects "field: got X, want Y" lines.
class Problems {
 public:
  explicit Problems(std::string prefix) : prefix_(std::move(prefix)) {}
  template <typename T, typename U>
  void Eq(absl::string_view field, const T& got, const U& want) {
    if (!(got == want)) {
      lines_.push_back(absl::StrCat(prefix_, field, ": got \"", Show(got), "\", want \"",
                                    Show(want), "\""));
    }
  }
  void True(absl::string_view what, bool ok) {
    if (!ok) lines_.push_back(absl::StrCat(prefix_, what));
  }
  std::vector<std::string> Take() { return std::move(lines_); }

 private:
  template <typename T>
  static std::string Show(const T& v) {
    if constexpr (std::is_convertible_v<T, absl::string_view>) {
      return std::string(absl::string_view(v));
    } else {
      return absl::StrCat(v);
    }
  }
  std::string prefix_;
  std::vector<std::string> lines_;
};

void CheckFull(const v1::Case& c, const CaseInfo& info, Problems& p) {
  p.Eq("victim.address", c.victim().address(), info.victim_address);
  p.Eq("victim.notes", c.victim().notes(), content::kVictimNotes);
  p.Eq("suspects size", c.suspects_size(), 1);
  if (c.suspects_size() == 1) {
    const v1::Person& s = c.suspects(0);
    p.Eq("suspects[0].family_name", s.family_name(), content::kSuspectFamilyName);
    p.Eq("suspects[0].address", s.address(), content::kSuspectAddress);
    p.Eq("suspects[0].aliases size", s.aliases_size(), 1);
  }
  p.Eq("summary", c.summary(), content::kSummary);
  p.Eq("relationship", static_cast<int>(c.relationship()),
       static_cast<int>(v1::RELATIONSHIP_EX_INTIMATE));
  p.Eq("typology", static_cast<int>(c.typology()),
       static_cast<int>(v1::STALKER_TYPOLOGY_REJECTED));
  p.True("spo_consideration.reason is missing", !c.spo_consideration().reason().empty());
  p.True("lawful_basis_notes is missing", !c.lawful_basis_notes().empty());
  p.True("etag is missing (police update the case)", !c.etag().empty());
  p.Eq("protected_persons size", c.protected_persons_size(), 1);
}

void CheckProsecution(const v1::Case& c, const CaseInfo& info, Problems& p) {
  p.Eq("victim.address", c.victim().address(),
       info.restricted ? std::string() : info.victim_address);
  p.Eq("suspects size", c.suspects_size(), 1);
  if (c.suspects_size() == 1) {
    p.Eq("suspects[0].family_name", c.suspects(0).family_name(),
         content::kSuspectFamilyName);
  }
  p.Eq("summary", c.summary(), content::kSummary);
  p.Eq("relationship", static_cast<int>(c.relationship()),
       static_cast<int>(v1::RELATIONSHIP_EX_INTIMATE));
  p.Eq("etag (the CPS does not update the case record)", c.etag(), "");
}

void CheckSafeguarding(const v1::Case& c, const CaseInfo& info, Problems& p) {
  const v1::Person& v = c.victim();
  p.Eq("victim.address", v.address(),
       info.restricted ? std::string() : info.victim_address);
  p.Eq("victim.notes", v.notes(), "");
  p.Eq("victim.aliases size", v.aliases_size(), 0);
  for (int i = 0; i < c.protected_persons_size(); ++i) {
    const v1::Person& pp = c.protected_persons(i);
    p.Eq(absl::StrCat("protected_persons[", i, "].notes"), pp.notes(), "");
  }
  p.Eq("suspects size", c.suspects_size(), 0);
  p.Eq("summary", c.summary(), "");
  p.Eq("close_reason", c.close_reason(), "");
  p.Eq("relationship", static_cast<int>(c.relationship()), 0);
  p.Eq("typology", static_cast<int>(c.typology()), 0);
  p.True("spo_consideration is present", !c.has_spo_consideration());
  p.Eq("lawful_basis_notes", c.lawful_basis_notes(), "");
  p.Eq("etag", c.etag(), "");
  p.Eq("victim_services_referral.reason", c.victim_services_referral().reason(), "");
  p.Eq("victim_services_referral.recorded_by", c.victim_services_referral().recorded_by(),
       "");
  for (int i = 0; i < c.flags_size(); ++i) {
    p.Eq(absl::StrCat("flags[", i, "].raised_by"), c.flags(i).raised_by(), "");
  }
  const v1::CasePattern& pattern = c.pattern();
  p.Eq("pattern.incident_count", pattern.incident_count(), 0);
  p.Eq("pattern.duration_days", pattern.duration_days(), 0);
  p.Eq("pattern.behaviours_seen size", pattern.behaviours_seen_size(), 0);
  p.Eq("pattern.new_behaviours size", pattern.new_behaviours_size(), 0);
  p.Eq("pattern.four_signs_seen size", pattern.four_signs_seen_size(), 0);
  p.Eq("pattern.recommendations size", pattern.recommendations_size(), 0);
  p.Eq("pattern.escalation_reason", pattern.escalation_reason(), "");
  p.True("pattern.first_incident_time is present", !pattern.has_first_incident_time());
  p.True("pattern.last_incident_time is present", !pattern.has_last_incident_time());
}

struct Needle {
  const char* text;
  const char* what;
};

// Only police may receive any identifying part of the restricted address,
// in any spelling: the response is scanned with the server's own matcher
// (domain/restricted_address.h), which normalises both sides.
const domain::RestrictedAddressMatcher& RestrictedMatcher() {
  static const auto* matcher = new domain::RestrictedAddressMatcher(
      domain::RestrictedAddressMatcher::For({std::string(content::kRestrictedAddress)}));
  return *matcher;
}
// Police and the CPS may receive these; partners, auditors and admins never.
constexpr Needle kPoliceAndCps[] = {
    {content::kSuspectFamilyName, "the suspect's name"},
    {"Station Road", "the suspect's address"},
    {"ST13 5AB", "the suspect's postcode"},
    {content::kSuspectAlias, "the suspect's alias"},
    {content::kSuspectPhone, "the suspect's phone"},
    {"waited outside her workplace", "the incident narrative"},
    {"following the victim to work", "the case summary"},
    {content::kVictimNotes, "the victim's notes"},
    {"Pursuing an SPO", "the SPO deliberation"},
};
// Any case content: never to a caller without a case-reading role.
constexpr Needle kCaseContent[] = {
    {content::kVictimFamilyName, "the victim's name"},
    {content::kVictimPhone, "the victim's phone"},
    {"Open Street", "the victim's address"},
};

}  // namespace

std::string AllText(const Message& message) {
  std::string out;
  ForEachMessage(message, [&](const Message& m) {
    const google::protobuf::Reflection* r = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r->ListFields(m, &fields);
    for (const FieldDescriptor* f : fields) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) continue;
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(m, f); ++i) {
          absl::StrAppend(&out, r->GetRepeatedString(m, f, i), "\n");
        }
      } else {
        absl::StrAppend(&out, r->GetString(m, f), "\n");
      }
    }
  });
  return out;
}

void ForEachMessage(const Message& message,
                    const std::function<void(const Message&)>& visit) {
  visit(message);
  const google::protobuf::Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(message, f); ++i) {
        ForEachMessage(r->GetRepeatedMessage(message, f, i), visit);
      }
    } else {
      ForEachMessage(r->GetMessage(message, f), visit);
    }
  }
}

std::vector<std::string> CheckCaseFields(const World& world, const v1::Case& c,
                                         v1::CaseView view, const CaseInfo& info) {
  Problems p(absl::StrCat(c.name(), " (", ViewName(view), " view): "));
  p.Eq("view", ViewName(c.view()), ViewName(view));
  p.Eq("reference", c.reference(), info.reference);
  p.Eq("owning_agency", c.owning_agency(), world.Agency(info.owner_code));
  p.Eq("victim.given_name", c.victim().given_name(), content::kVictimGivenName);
  p.Eq("victim.family_name", c.victim().family_name(), content::kVictimFamilyName);
  p.Eq("victim.safe_contact.phone", c.victim().safe_contact().phone(),
       content::kVictimPhone);
  p.Eq("victim.address_restricted", c.victim().address_restricted(), info.restricted);
  if (info.has_history) {
    p.Eq("risk_level", domain::ShortEnumName(v1::RiskLevel_descriptor(), c.risk_level()),
         "HIGH");
    p.True("flags are missing", c.flags_size() > 0);
  }
  switch (view) {
    case v1::CASE_VIEW_FULL:
      CheckFull(c, info, p);
      break;
    case v1::CASE_VIEW_PROSECUTION:
      CheckProsecution(c, info, p);
      break;
    case v1::CASE_VIEW_SAFEGUARDING:
      CheckSafeguarding(c, info, p);
      break;
    default:
      p.True("a case was returned with no view", false);
  }
  return p.Take();
}

std::vector<std::string> CheckCasesInResponse(const World& world, const Caller& caller,
                                              const Message& response) {
  std::vector<std::string> problems;
  ForEachMessage(response, [&](const Message& m) {
    if (m.GetDescriptor() == v1::Person::descriptor()) {
      const auto& person = static_cast<const v1::Person&>(m);
      if (!caller.HasPoliceRole() && person.address_restricted() &&
          !person.address().empty()) {
        problems.push_back(
            absl::StrCat("a restricted address reached a non-police "
                         "caller: ",
                         person.ShortDebugString()));
      }
      return;
    }
    if (m.GetDescriptor() != v1::Case::descriptor()) return;
    const auto& c = static_cast<const v1::Case&>(m);
    const CaseInfo* info = world.FindCase(c.name());
    if (info == nullptr) {
      problems.push_back(
          absl::StrCat("the response carries a case the matrix did "
                       "not make: ",
                       c.name()));
      return;
    }
    if (caller.IsPartnerOnly()) {
      // The acceptance rule, checked without the table.
      if (info->shared_with.count(caller.agency_code) == 0) {
        problems.push_back(absl::StrCat("a partner received ", info->situation,
                                        ", which is not shared with its agency"));
      }
      if (c.view() != v1::CASE_VIEW_SAFEGUARDING) {
        problems.push_back(absl::StrCat("a partner received the ", ViewName(c.view()),
                                        " view of ", info->situation));
      }
    }
    domain::Decision read = world.ReadDecision(caller, *info);
    if (!read.allowed) {
      problems.push_back(absl::StrCat("received ", info->situation,
                                      " but the table does not let it read it"));
      return;
    }
    std::vector<std::string> fields = CheckCaseFields(world, c, read.view, *info);
    problems.insert(problems.end(), fields.begin(), fields.end());
  });
  return problems;
}

std::vector<std::string> ScanForLeaks(const Caller& caller, absl::string_view text) {
  std::vector<std::string> problems;
  auto scan = [&](absl::Span<const Needle> needles, absl::string_view haystack,
                  absl::string_view why) {
    for (const Needle& n : needles) {
      if (absl::StrContains(haystack, n.text)) {
        problems.push_back(
            absl::StrCat("LEAK: ", n.what, " (\"", n.text, "\") reached a caller ", why));
      }
    }
  };
  if (!caller.HasPoliceRole()) {
    for (const domain::RestrictedAddressMatcher::Match& m : RestrictedMatcher().Find(text)) {
      problems.push_back(absl::StrCat("LEAK: ", m.part, " of the restricted address (\"",
                                      text.substr(m.begin, m.end - m.begin),
                                      "\") reached a caller without a police role"));
    }
  }
  if (!caller.MayReceiveSuspectDetails()) {
    scan(kPoliceAndCps, text, "that is neither police nor CPS");
  }
  if (!caller.ReadsCaseContent()) scan(kCaseContent, text, "that reads no case content");
  return problems;
}

}  // namespace casebridge::matrix
