#ifndef CASEBRIDGE_DOMAIN_VISIBILITY_H_
#define CASEBRIDGE_DOMAIN_VISIBILITY_H_

// What each agency sees of a response, field by field, from one table
// (domain/visibility.cc), applied by one redactor to every response the
// server sends (services/rpc_runner.cc) — lists and timelines included.
//
// The policy table (domain/access_policy.h) decides whether a caller may
// read a resource at all; this table decides which of its fields they get.
// Every field of every message a response can carry has an entry, or the
// coverage test (tests/unit/visibility_test.cc) fails: a field added to the
// API stays with nobody until someone decides who sees it here.
//
// docs/EXTENDING.md ("A field only one kind of agency sees") walks through
// adding one.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "domain/principal.h"
#include "domain/restricted_address.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace casebridge::domain {

// Who reads case content: the police (the owning force, or a force the case
// is shared with), the CPS, and the three kinds of partner agency.
enum class Audience : uint8_t { kPolice, kCps, kCouncil, kHealth, kVictimService };

inline constexpr Audience kAllAudiences[] = {Audience::kPolice, Audience::kCps,
                                             Audience::kCouncil, Audience::kHealth,
                                             Audience::kVictimService};

absl::string_view AudienceName(Audience audience);

// The audience a caller reads case content as: police roles read as the
// police, a prosecutor as the CPS, a safeguarding lead or victim advocate as
// their agency's kind. nullopt for a caller who reads no case content
// (auditors, administrators, national roles, front ends).
std::optional<Audience> AudienceOf(const Principal& principal);

// A set of audiences.
using Audiences = uint8_t;
constexpr Audiences To(Audience a) { return Audiences{1} << static_cast<int>(a); }
inline constexpr Audiences kNobody = 0;
inline constexpr Audiences kPolice = To(Audience::kPolice);
inline constexpr Audiences kCps = To(Audience::kCps);
inline constexpr Audiences kCouncil = To(Audience::kCouncil);
inline constexpr Audiences kHealth = To(Audience::kHealth);
inline constexpr Audiences kVictimService = To(Audience::kVictimService);
inline constexpr Audiences kPartners = kCouncil | kHealth | kVictimService;
inline constexpr Audiences kPoliceAndCps = kPolice | kCps;
inline constexpr Audiences kPoliceAndPartners = kPolice | kPartners;
inline constexpr Audiences kEveryone = kPolice | kCps | kPartners;

// How a field is treated beyond who sees it.
enum FieldFlag : uint8_t {
  // Text a person writes that a reader outside the police may see: a write
  // holding a restricted address (or an identifying part of it) is refused
  // (CheckNoRestrictedText).
  kFreeText = 1,
  // Hidden from everyone but the police when the message's
  // `address_restricted` is true.
  kUnlessAddressRestricted = 2,
  // An enum field whose value decides who sees the whole element (a
  // repeated field's element): its values have ValueRules.
  kSelectsElement = 4,
  // Seen only by the ValueRule's `detail_to` of the selecting value (a
  // timeline entry's resource name, for a reader who cannot read it).
  kElementDetail = 8,
};

struct FieldRule {
  Audiences to = kNobody;
  uint8_t flags = 0;
};

// The rule of an enum value that selects elements (kSelectsElement).
struct ValueRule {
  Audiences to = kNobody;
  // Who, of `to`, also sees the element's kElementDetail fields.
  Audiences detail_to = kNobody;
};

// The rule of a field of a message that carries case content; nullptr when
// the table has none (the coverage test reports it).
const FieldRule* FieldRuleOf(const google::protobuf::FieldDescriptor* field);
const ValueRule* ValueRuleOf(const google::protobuf::EnumValueDescriptor* value);
// Messages with no case content (agencies, users, the audit log): the policy
// table decides who may call their RPCs, and then they see them whole.
bool CarriesNoCaseContent(const google::protobuf::Descriptor* message);
// Every name the table mentions ("casebridge.v1.Case.summary"), and which
// of them resolve to nothing (a renamed or removed field).
std::vector<std::string> UnresolvedTableEntries();

// Clears every field `audience` may not see, drops each element of a
// repeated field whose selecting value it may not see, and, outside the
// police, removes what `matcher` finds from every string left but
// identifiers (name, etag, next_page_token). Messages with no case content
// are left whole. A caller with no audience (nullopt: reads no case
// content) keeps only the names of what it was answered with.
void Redact(std::optional<Audience> audience, const RestrictedAddressMatcher& matcher,
            google::protobuf::Message* message);

// A field of free text a reader outside the police sees that holds what a
// matcher finds: its path ("incident.location", "terms[1].text") and which
// part of the address it holds ("the street"), never the text.
struct RestrictedTextFound {
  std::string field;
  std::string part;
};
// Every such field of `message`, paths below `prefix`.
std::vector<RestrictedTextFound> FindRestrictedText(
    const google::protobuf::Message& message, const RestrictedAddressMatcher& matcher,
    absl::string_view prefix = "");

// For a write: FAILED_PRECONDITION naming the first field of `message`
// (its path below `prefix`) that is free text a reader outside the police
// would see and that holds what `matcher` finds, saying what to write
// instead. OK when none does.
absl::Status CheckNoRestrictedText(const google::protobuf::Message& message,
                                   const RestrictedAddressMatcher& matcher,
                                   absl::string_view prefix = "");

// What a write writes of text, for CheckNoRestrictedText. A copy of
// `request`:
// - trimmed to its `update_mask`, when it has one: fields the mask does not
//   name are not written. The mask's paths are of the request itself, or of
//   its one message field they all resolve in (the resource updated).
// - without the text it leaves as it was, when `stored` (the resource before
//   the write, of the type of one of the request's message fields) is given:
//   every string equal to the same string of `stored` is cleared (repeated
//   fields compared element by element, at the same index). An update that
//   sends a record back as read to change one thing (restricting the
//   victim's address) is not refused for text already on the case; that
//   text is reported for rewriting instead.
std::unique_ptr<google::protobuf::Message> TextWrittenBy(
    const google::protobuf::Message& request, const google::protobuf::Message* stored);

// The timeline entry kinds (v1::TimelineEntryKind values) `audience` sees.
std::vector<int> TimelineKindsVisibleTo(Audience audience);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_VISIBILITY_H_
