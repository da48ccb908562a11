#ifndef CASEBRIDGE_DOMAIN_CASE_VIEW_H_
#define CASEBRIDGE_DOMAIN_CASE_VIEW_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/common.pb.h"
#include "google/protobuf/message.h"

namespace casebridge::domain {

// Redaction: what each view of a case shows. One function per view; every
// response that carries case content goes through ApplyCaseView (or the
// person/incident variants), lists and timelines included.
//
// FULL (police): everything.
// PROSECUTION (CPS): people, incidents, risk, orders, charging; never a
//   restricted address, no partner notes.
// SAFEGUARDING (council, health, victim services): reference, status,
//   officer in charge, the victim's and protected persons' names and safe
//   contact details (address only when not restricted), risk level, flags,
//   whether an order is active, the derived risk indicators. No suspects, no
//   narrative, no relationship or typology, no SPO deliberation (nor the
//   derived SPO_NOTIFICATION_OVERDUE flag), no etag.
//
// Outside FULL, every view also removes the case's restricted addresses from
// its free text (RedactRestrictedText with the needles of the case's own
// people), after the view's redaction.
void ApplyCaseView(v1::CaseView view, v1::Case* c);
void RedactCaseToProsecutionView(v1::Case* c);
void RedactCaseToSafeguardingView(v1::Case* c);

// A person as a view may see them: outside FULL a restricted address is
// removed, whatever else the view keeps.
void ApplyPersonView(v1::CaseView view, v1::Person* p);

// ---- Restricted text ----------------------------------------------------
//
// A restricted address (a relocated victim's) is never shown outside the
// police (DOMAIN.md). The marker on the person (Person.address_restricted)
// removes the address field itself outside FULL (ApplyPersonView). These
// functions are the safety net behind that marker: they remove the same
// address where someone typed it into free text the CPS or a partner
// receives (an incident's location, a flag's reason, an order's exclusion
// zone, a charging file's summary, a safeguarding action's notes...).
// Every non-FULL response carrying case text goes through them, with the
// needles of that case.
//
// What is found: each needle (below) wherever it occurs as whole words,
// ignoring ASCII case, whitespace and punctuation between and around its
// words ("14 Refuge Close", "14, refuge  close", "14 REFUGE-CLOSE" and
// "ST1 1AA" / "st11aa" all match), and never inside a longer word or number
// ("114 Refuge Close" and "2026" are left alone).
//
// What is NOT found (the limits; this is not a guarantee, and the marker and
// the views are what keep the address from other agencies):
//  - an address written differently: abbreviated or expanded ("Rd" for
//    "Road"), misspelt, with a number in words, or split over fields;
//  - a street or place named without its house number or postcode ("she now
//    lives on Refuge Close"), or a description ("the flat above the Co-op");
//    parts of the address without a digit (a town) are not needles, as they
//    would remove ordinary words from every text;
//  - an address typed without commas gives only itself and its postcode as
//    needles, not its street line;
//  - non-ASCII letters are compared byte for byte (no Unicode case folding)
//    and non-ASCII punctuation or spaces count as letters;
//  - an address that is not (or no longer) on a person marked restricted,
//    and text outside the responses (audit messages say nothing of content).
// Identifiers are never rewritten: fields named `name`, `etag` and
// `next_page_token` are left as they are.

// The addresses of the case's people (victim, suspects, protected persons)
// marked address_restricted, in that order.
std::vector<std::string> RestrictedAddresses(const v1::Case& c);

// The needles of restricted addresses, each in normal form (ASCII letters
// lower-cased, bytes of non-ASCII characters kept, everything else removed),
// distinct, longest first:
//  - each whole address;
//  - each part between commas, semicolons or line breaks that contains a
//    digit and has at least kMinRestrictedPartChars characters in normal
//    form (house number and street, "Flat 2", the postcode);
//  - each UK postcode in the address, found by its shape even where it is
//    not a part of its own ("... Hanley ST1 1AA").
std::vector<std::string> RestrictedTextNeedles(
    absl::Span<const std::string> restricted_addresses);
// Parts shorter than this ("14", "2a") would match house numbers and figures
// in every text; the whole address is a needle whatever its length.
inline constexpr size_t kMinRestrictedPartChars = 5;
inline constexpr absl::string_view kRestrictedTextMarker = "[restricted]";
// `text` with every occurrence of a needle (as described above) replaced by
// kRestrictedTextMarker. Needles are normalised here too, so an address as
// written works as a needle.
std::string RedactRestrictedString(absl::Span<const std::string> needles,
                                   absl::string_view text);
// RedactRestrictedString on every string field of `message` (but the
// identifiers above), nested and repeated messages included.
void RedactRestrictedText(absl::Span<const std::string> needles,
                          google::protobuf::Message* message);
// What a response carrying case text gets in `view`: nothing in FULL (the
// police see everything), RedactRestrictedText in every other view.
void ApplyRestrictedTextView(v1::CaseView view,
                             absl::Span<const std::string> needles,
                             google::protobuf::Message* message);

// Timeline entries carry the views allowed to see them as a bit set.
inline constexpr int kTimelineFull = 1;
inline constexpr int kTimelineProsecution = 2;
inline constexpr int kTimelineSafeguarding = 4;
inline constexpr int kTimelineAllViews =
    kTimelineFull | kTimelineProsecution | kTimelineSafeguarding;
inline constexpr int kTimelinePoliceAndCps =
    kTimelineFull | kTimelineProsecution;
// The bit of a view (0 for none).
int TimelineBit(v1::CaseView view);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_CASE_VIEW_H_
