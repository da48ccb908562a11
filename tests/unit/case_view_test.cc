// domain/case_view: what each view shows of a case, and the restricted-text
// safety net every non-FULL response goes through.
#include "domain/case_view.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "casebridge/v1/charging.pb.h"
#include "casebridge/v1/protection_orders.pb.h"
#include "casebridge/v1/safeguarding.pb.h"
#include "casebridge/v1/sharing.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/message.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAddress[] = "14 Refuge Close, Hanley, ST1 1AA";

std::string Redact(absl::string_view text,
                   std::vector<std::string> addresses = {kAddress}) {
  return RedactRestrictedString(RestrictedTextNeedles(addresses), text);
}

// ---- Needles -------------------------------------------------------------

TEST(RestrictedTextTest, NeedlesAreTheAddressItsPartsWithDigitsAndPostcodes) {
  EXPECT_THAT(RestrictedTextNeedles({kAddress, "  ", "Flat 2, 14 Refuge Close, Hanley"}),
              ElementsAre("14refugeclosehanleyst11aa", "flat214refugeclosehanley",
                          "14refugeclose", "st11aa", "flat2"));
  EXPECT_TRUE(RestrictedTextNeedles({}).empty());
  EXPECT_TRUE(RestrictedTextNeedles({"", " ,; "}).empty());
}

TEST(RestrictedTextTest, PostcodesAreFoundByTheirShapeWithoutCommas) {
  // One line, no commas: the whole address and its postcode.
  EXPECT_THAT(RestrictedTextNeedles({"14 Refuge Close Hanley ST1 1AA"}),
              ElementsAre("14refugeclosehanleyst11aa", "st11aa"));
  // Every outward-code shape, with and without the space.
  for (const char* postcode :
       {"B1 1AA", "B11 1AA", "B1A 1AA", "ST1 1AA", "ST13 5AB", "SW1A 1AA", "ST135AB"}) {
    const std::vector<std::string> needles =
        RestrictedTextNeedles({absl::StrCat("Some House Hanley ", postcode)});
    ASSERT_EQ(needles.size(), 2u) << postcode;
    EXPECT_EQ(Redact(absl::StrCat("post to ", postcode, " now"),
                     {absl::StrCat("Some House Hanley ", postcode)}),
              "post to [restricted] now")
        << postcode;
  }
  // Not postcodes: the needle is only the whole address.
  EXPECT_EQ(RestrictedTextNeedles({"Unit 1AB Road"}).size(), 1u);
  EXPECT_EQ(RestrictedTextNeedles({"Hanley 12 345"}).size(), 1u);
}

TEST(RestrictedTextTest, ShortPartsAreNotNeedlesButTheWholeAddressIs) {
  // "14" and "2a" would remove house numbers and figures from every text.
  EXPECT_THAT(RestrictedTextNeedles({"14, Refuge Close, Hanley"}),
              ElementsAre("14refugeclosehanley"));
  EXPECT_THAT(RestrictedTextNeedles({"2a"}), ElementsAre("2a"));
  EXPECT_EQ(Redact("14 incidents since 2a.m.", {"14, Refuge Close, Hanley"}),
            "14 incidents since 2a.m.");
}

// ---- Matching ------------------------------------------------------------

TEST(RestrictedTextTest, ReplacesEveryOccurrenceIgnoringCaseSpacingAndPunctuation) {
  EXPECT_EQ(Redact("At 14 Refuge Close, Hanley, ST1 1AA; and 14 refuge "
                   "close again (st1 1aa). Hanley town centre."),
            "At [restricted]; and [restricted] again ([restricted]). Hanley "
            "town centre.");
  EXPECT_EQ(Redact("seen at 14,  REFUGE-close  at 9pm"), "seen at [restricted]  at 9pm");
  EXPECT_EQ(Redact("14\nRefuge\tClose"), "[restricted]");
  EXPECT_EQ(Redact("postcode ST11AA or st1-1aa"), "postcode [restricted] or [restricted]");
  EXPECT_EQ(Redact("14 Refuge Close,Hanley,ST1 1AA"), "[restricted]");
  EXPECT_EQ(Redact("Nothing here"), "Nothing here");
  EXPECT_EQ(RedactRestrictedString({}, "14 Refuge Close"), "14 Refuge Close");
  // An address as written works as a needle too.
  EXPECT_EQ(RedactRestrictedString({kAddress}, "at 14 refuge close, hanley, st1 1aa!"),
            "at [restricted]!");
}

TEST(RestrictedTextTest, OnlyWholeWordsMatch) {
  EXPECT_EQ(Redact("114 Refuge Close"), "114 Refuge Close");
  EXPECT_EQ(Redact("14 Refuge Closed"), "14 Refuge Closed");
  EXPECT_EQ(Redact("XST1 1AA"), "XST1 1AA");
  EXPECT_EQ(Redact("ST1 1AAB"), "ST1 1AAB");
  EXPECT_EQ(Redact("(14 Refuge Close)"), "([restricted])");
  // Non-ASCII text around a match is kept whole.
  EXPECT_EQ(Redact("café — 14 Refuge Close — naïve"), "café — [restricted] — naïve");
  EXPECT_EQ(Redact("é14 Refuge Close"), "é14 Refuge Close");
}

TEST(RestrictedTextTest, TheLongestNeedleWins) {
  // The whole address, not its parts one by one.
  EXPECT_EQ(Redact("14 Refuge Close, Hanley, ST1 1AA"), "[restricted]");
  EXPECT_EQ(Redact("14 Refuge Close, Stoke"), "[restricted], Stoke");
}

TEST(RestrictedTextTest, ReachesNestedAndRepeatedStringsButNotIdentifiers) {
  const std::vector<std::string> needles =
      RestrictedTextNeedles({"14 Refuge Close, ST1 1AA"});
  v1::GetOrderHistoryResponse r;
  r.add_entries()->set_summary("Not pursued: victim moved to 14 Refuge Close");
  r.add_terms_versions()->add_terms()->mutable_geographic_limit()->set_area("ST1 1AA");
  r.set_next_page_token("st1-1aa");
  v1::ProtectionOrder o;
  o.add_protected_persons("Resident of 14 Refuge Close");
  o.set_name("cases/x/protectionOrders/st1-1aa");
  o.set_etag("ST1 1AA");
  RedactRestrictedText(needles, &r);
  RedactRestrictedText(needles, &o);
  EXPECT_EQ(r.entries(0).summary(), "Not pursued: victim moved to [restricted]");
  EXPECT_EQ(r.terms_versions(0).terms(0).geographic_limit().area(), "[restricted]");
  EXPECT_EQ(r.next_page_token(), "st1-1aa");
  EXPECT_EQ(o.protected_persons(0), "Resident of [restricted]");
  EXPECT_EQ(o.name(), "cases/x/protectionOrders/st1-1aa");
  EXPECT_EQ(o.etag(), "ST1 1AA");
}

TEST(RestrictedTextTest, ApplyRestrictedTextViewLeavesFullAlone) {
  const std::vector<std::string> needles = RestrictedTextNeedles({kAddress});
  v1::SafeguardingAction action;
  action.set_description("Fit an alarm at 14 Refuge Close");
  action.set_notes("Met her at ST1 1AA");
  action.set_outcome("Alarm fitted at 14 refuge close");
  v1::SafeguardingAction police = action;
  ApplyRestrictedTextView(v1::CASE_VIEW_FULL, needles, &police);
  EXPECT_EQ(police.description(), "Fit an alarm at 14 Refuge Close");
  for (v1::CaseView view : {v1::CASE_VIEW_PROSECUTION, v1::CASE_VIEW_SAFEGUARDING,
                            v1::CASE_VIEW_UNSPECIFIED}) {
    v1::SafeguardingAction partner = action;
    ApplyRestrictedTextView(view, needles, &partner);
    EXPECT_EQ(partner.description(), "Fit an alarm at [restricted]") << view;
    EXPECT_EQ(partner.notes(), "Met her at [restricted]") << view;
    EXPECT_EQ(partner.outcome(), "Alarm fitted at [restricted]") << view;
  }
}

// ---- The case views ------------------------------------------------------

v1::Case CaseWithRestrictedTextEverywhere() {
  v1::Case c;
  c.set_name("cases/c");
  c.set_summary("She moved to 14 Refuge Close after the assault");
  v1::Person* victim = c.mutable_victim();
  victim->set_given_name("Sarah");
  victim->set_family_name("Bennett");
  victim->set_address(kAddress);
  victim->set_address_restricted(true);
  victim->mutable_safe_contact()->set_safe_contact_notes("Call first; she lives at ST1 1AA now");
  v1::Person* suspect = c.add_suspects();
  suspect->set_family_name("Doyle");
  suspect->set_address("3 Station Road, Leek, ST13 5AB");
  suspect->set_notes("Seen near 14 Refuge Close");
  v1::Person* protected_person = c.add_protected_persons();
  protected_person->set_given_name("Amy");
  protected_person->set_address("Flat 2, 9 Other Street, Burslem, ST6 3AB");
  protected_person->set_address_restricted(true);
  protected_person->mutable_safe_contact()->set_safe_contact_notes("Lives at Flat 2, 9 Other Street");
  v1::CaseFlag* flag = c.add_flags();
  flag->set_type(v1::FLAG_TYPE_RISK_TO_STAFF);
  flag->set_reason("Visits to 14 Refuge Close in pairs; also st6 3ab");
  return c;
}

TEST(CaseViewTest, RestrictedAddressesAreThoseOfPeopleMarkedRestricted) {
  EXPECT_THAT(RestrictedAddresses(CaseWithRestrictedTextEverywhere()),
              ElementsAre(kAddress, "Flat 2, 9 Other Street, Burslem, ST6 3AB"));
  v1::Case open = CaseWithRestrictedTextEverywhere();
  open.mutable_victim()->set_address_restricted(false);
  open.mutable_protected_persons(0)->set_address_restricted(false);
  EXPECT_TRUE(RestrictedAddresses(open).empty());
}

TEST(CaseViewTest, NoViewButFullCarriesARestrictedAddressInAnyText) {
  for (v1::CaseView view : {v1::CASE_VIEW_PROSECUTION, v1::CASE_VIEW_SAFEGUARDING}) {
    v1::Case c = CaseWithRestrictedTextEverywhere();
    ApplyCaseView(view, &c);
    const std::string all = c.DebugString();
    for (const char* needle : {"Refuge", "ST1 1AA", "Other Street", "ST6 3AB", "st6 3ab"}) {
      EXPECT_THAT(all, Not(HasSubstr(needle))) << view << ": " << all;
    }
    ASSERT_EQ(c.flags_size(), 1);
    EXPECT_EQ(c.flags(0).reason(), "Visits to [restricted] in pairs; also [restricted]")
        << view;
    EXPECT_EQ(c.victim().safe_contact().safe_contact_notes(), "Call first; she lives at [restricted] now")
        << view;
  }
  v1::Case prosecution = CaseWithRestrictedTextEverywhere();
  ApplyCaseView(v1::CASE_VIEW_PROSECUTION, &prosecution);
  EXPECT_EQ(prosecution.summary(), "She moved to [restricted] after the assault");
  EXPECT_EQ(prosecution.suspects(0).notes(), "Seen near [restricted]");
  EXPECT_EQ(prosecution.suspects(0).address(), "3 Station Road, Leek, ST13 5AB")
      << "a suspect's open address is the CPS's to see";

  v1::Case police = CaseWithRestrictedTextEverywhere();
  ApplyCaseView(v1::CASE_VIEW_FULL, &police);
  EXPECT_EQ(police.victim().address(), kAddress);
  EXPECT_EQ(police.flags(0).reason(), "Visits to 14 Refuge Close in pairs; also st6 3ab");
  EXPECT_EQ(police.summary(), "She moved to 14 Refuge Close after the assault");
}

TEST(CaseViewTest, AnOpenAddressInTextIsLeftForPartners) {
  v1::Case c = CaseWithRestrictedTextEverywhere();
  c.mutable_victim()->set_address_restricted(false);
  c.mutable_protected_persons(0)->set_address_restricted(false);
  ApplyCaseView(v1::CASE_VIEW_SAFEGUARDING, &c);
  EXPECT_EQ(c.victim().address(), kAddress);
  EXPECT_EQ(c.flags(0).reason(), "Visits to 14 Refuge Close in pairs; also st6 3ab");
}

// ---- Every string field of every message ---------------------------------
//
// Not a sample: every message type of the case-carrying API files, every
// string field in it (nested and repeated messages included) is given the
// restricted address in one of the ways people type it, and no view but
// FULL may give any of it back.

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// How the address is typed into a field: the whole of it, parts of it, in
// other cases and punctuation, inside other words of a sentence.
constexpr const char* kTyped[] = {
    "She lives at 14 Refuge Close, Hanley, ST1 1AA now.",
    "Seen at 14 REFUGE-close, hanley (ST11AA) again",
    "st1 1aa",
    "Outside 14 refuge close at 2am",
    "14 Refuge Close, Hanley, ST1 1AA",
};

bool IsIdentifier(const FieldDescriptor* f) {
  return f->name() == "name" || f->name() == "etag" || f->name() == "next_page_token";
}

// Sets every string field of `m` (to kTyped, in turn), two elements of
// every repeated field, down to `depth` levels of messages. Returns how many
// strings it set.
int FillStrings(Message* m, int depth, int* turn) {
  const Reflection* r = m->GetReflection();
  const Descriptor* d = m->GetDescriptor();
  int set = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_map()) continue;
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        f->type() != FieldDescriptor::TYPE_BYTES) {
      const std::string text = IsIdentifier(f) ? "cases/st1-1aa" : kTyped[(*turn)++ % 5];
      if (f->is_repeated()) {
        r->AddString(m, f, text);
        r->AddString(m, f, kTyped[(*turn)++ % 5]);
        set += 2;
      } else {
        r->SetString(m, f, text);
        ++set;
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth > 0) {
      if (f->message_type()->full_name().rfind("google.protobuf.", 0) == 0) continue;
      if (f->is_repeated()) {
        set += FillStrings(r->AddMessage(m, f), depth - 1, turn);
        set += FillStrings(r->AddMessage(m, f), depth - 1, turn);
      } else {
        set += FillStrings(r->MutableMessage(m, f), depth - 1, turn);
      }
    }
  }
  return set;
}

// Letters and digits only, lower case: the address in any spelling.
std::string Squeezed(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c)) out.push_back(absl::ascii_tolower(c));
  }
  return out;
}

// Every string of `m` but its identifiers, with where it is.
void CollectStrings(const Message& m, const std::string& path,
                    std::vector<std::pair<std::string, std::string>>* out) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string here = absl::StrCat(path, ".", f->name());
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        f->type() != FieldDescriptor::TYPE_BYTES) {
      if (IsIdentifier(f)) continue;
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(m, f); ++i) {
          out->emplace_back(absl::StrCat(here, "[", i, "]"), r->GetRepeatedString(m, f, i));
        }
      } else {
        out->emplace_back(here, r->GetString(m, f));
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(m, f); ++i) {
          CollectStrings(r->GetRepeatedMessage(m, f, i), absl::StrCat(here, "[", i, "]"),
                         out);
        }
      } else {
        CollectStrings(r->GetMessage(m, f), here, out);
      }
    }
  }
}

// What may not survive: the street and the postcode, in any spelling.
std::vector<std::string> Leaks(const Message& m) {
  std::vector<std::pair<std::string, std::string>> strings;
  CollectStrings(m, m.GetDescriptor()->name(), &strings);
  std::vector<std::string> leaks;
  for (const auto& [where, text] : strings) {
    const std::string squeezed = Squeezed(text);
    if (squeezed.find("refugeclose") != std::string::npos ||
        squeezed.find("st11aa") != std::string::npos) {
      leaks.push_back(absl::StrCat(where, " = \"", text, "\""));
    }
  }
  return leaks;
}

void AddMessageTypes(const Descriptor* d, std::vector<const Descriptor*>* out) {
  if (d->options().map_entry()) return;
  out->push_back(d);
  for (int i = 0; i < d->nested_type_count(); ++i) AddMessageTypes(d->nested_type(i), out);
}

// Every message type of the files whose responses carry case text.
std::vector<const Descriptor*> CaseTextMessageTypes() {
  std::vector<const Descriptor*> out;
  for (const google::protobuf::FileDescriptor* file :
       {v1::Case::descriptor()->file(), v1::ChargingFile::descriptor()->file(),
        v1::ProtectionOrder::descriptor()->file(),
        v1::SafeguardingAction::descriptor()->file(), v1::CaseShare::descriptor()->file(),
        v1::Date::descriptor()->file()}) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      AddMessageTypes(file->message_type(i), &out);
    }
  }
  return out;
}

TEST(RestrictedTextTest, EveryStringOfEveryMessageTypeIsRedactedOutsideFull) {
  const std::vector<std::string> needles = RestrictedTextNeedles({kAddress});
  const std::vector<const Descriptor*> types = CaseTextMessageTypes();
  ASSERT_GT(types.size(), 50u);
  int strings = 0;
  for (const Descriptor* type : types) {
    std::unique_ptr<Message> filled(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
    int turn = 0;
    strings += FillStrings(filled.get(), 4, &turn);

    std::unique_ptr<Message> police(filled->New());
    police->CopyFrom(*filled);
    ApplyRestrictedTextView(v1::CASE_VIEW_FULL, needles, police.get());
    EXPECT_EQ(police->SerializeAsString(), filled->SerializeAsString())
        << type->full_name() << ": the police get every word";

    for (v1::CaseView view : {v1::CASE_VIEW_PROSECUTION, v1::CASE_VIEW_SAFEGUARDING,
                              v1::CASE_VIEW_UNSPECIFIED}) {
      std::unique_ptr<Message> other(filled->New());
      other->CopyFrom(*filled);
      ApplyRestrictedTextView(view, needles, other.get());
      EXPECT_THAT(Leaks(*other), ::testing::IsEmpty())
          << type->full_name() << " in view " << view;
      // Identifiers are left as they are.
      std::vector<const FieldDescriptor*> fields;
      other->GetReflection()->ListFields(*other, &fields);
      for (const FieldDescriptor* f : fields) {
        if (IsIdentifier(f) && !f->is_repeated() &&
            f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          EXPECT_EQ(other->GetReflection()->GetString(*other, f), "cases/st1-1aa")
              << type->full_name() << "." << f->name();
        }
      }
    }
  }
  EXPECT_GT(strings, 1000) << "the filler reached the strings";
}

TEST(CaseViewTest, EveryStringOfTheCaseIsRedactedInEveryViewButFull) {
  v1::Case filled;
  int turn = 0;
  FillStrings(&filled, 4, &turn);
  filled.set_name("cases/c");
  filled.mutable_victim()->set_address(kAddress);
  filled.mutable_victim()->set_address_restricted(true);
  ASSERT_FALSE(Leaks(filled).empty());

  v1::Case police = filled;
  ApplyCaseView(v1::CASE_VIEW_FULL, &police);
  police.clear_view();
  EXPECT_EQ(police.SerializeAsString(), filled.SerializeAsString());

  for (v1::CaseView view : {v1::CASE_VIEW_PROSECUTION, v1::CASE_VIEW_SAFEGUARDING,
                            v1::CASE_VIEW_UNSPECIFIED}) {
    v1::Case c = filled;
    ApplyCaseView(view, &c);
    EXPECT_THAT(Leaks(c), ::testing::IsEmpty()) << view;
    EXPECT_EQ(c.name(), "cases/c") << view;
  }

  // The marker on any of the case's people makes their address a needle
  // for the whole case.
  for (int who = 0; who < 3; ++who) {
    v1::Case c = filled;
    c.mutable_victim()->set_address_restricted(false);
    v1::Person* p = who == 0   ? c.mutable_victim()
                    : who == 1 ? c.mutable_suspects(0)
                               : c.mutable_protected_persons(0);
    p->set_address(kAddress);
    p->set_address_restricted(true);
    ApplyCaseView(v1::CASE_VIEW_PROSECUTION, &c);
    EXPECT_THAT(Leaks(c), ::testing::IsEmpty()) << "person " << who;
  }
  // Without the marker on anyone, free text is left alone.
  v1::Case open = filled;
  open.mutable_victim()->set_address_restricted(false);
  ApplyCaseView(v1::CASE_VIEW_PROSECUTION, &open);
  EXPECT_THAT(open.summary(), HasSubstr("Refuge")) << open.summary();
}

}  // namespace
}  // namespace casebridge::domain
