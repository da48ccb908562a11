#ifndef CASEBRIDGE_DOMAIN_RESTRICTED_ADDRESS_H_
#define CASEBRIDGE_DOMAIN_RESTRICTED_ADDRESS_H_

// Finding a relocated victim's restricted address in free text.
//
// A restricted address must never leave the police, yet officers type parts
// of it into text other agencies read ("Fit alarm at 14 Bramble Close", "Not
// to go within 100 metres of 14 Bramble Cl.", "(Bramble Cl, Hanley)"), and
// text pasted from Word, Outlook, a map link or a PDF carries no-break and
// zero-width spaces, soft hyphens, full-width digits, look-alike letters and
// percent-encoding. Adding cases to a string search cannot keep up, so both
// the address and the text go through the same normalisation (Unicode data
// from ICU) and are compared as sequences of normalised words.
//
// Normalisation, applied identically to every address and every text:
//  1. Decoding, each up to three rounds (a link inside a link is encoded
//     twice, "%2520"; text from an HTML source is often escaped twice,
//     "&amp;nbsp;"):
//     - URL: %XX escapes when they decode to ASCII or to well-formed UTF-8;
//       '+' is a separator anyway;
//     - quoted-printable (e-mail source): "=XX" with upper-case hex digits
//       that gives a space or a tab ("14=20Bramble"), or a complete UTF-8
//       sequence ("=C2=A0"), and soft line breaks ("Bram=\n" "ble", removed),
//       only between two letters or digits, since "=" also starts a query
//       string's value ("?q=14%20Bramble");
//     - then HTML character references (numeric ones and the usual named
//       ones: &nbsp; &shy; &amp; ...) and JSON "\uXXXX" escapes (with
//       surrogate pairs; not the one-letter ones: "\n").
//  2. Per character, with ICU: compatibility decomposition (NFKD: full-width
//     and mathematical letters and digits, ligatures, circled and
//     superscript digits, every compatibility space); combining marks,
//     format characters (Cf: soft hyphen, zero-width space/joiners, BOM,
//     bidi controls) and default-ignorable characters are removed WITHOUT
//     splitting the word they sit in; every other character that is not a
//     letter or a digit (any space, dash, punctuation, symbol) separates
//     words. Decimal digits of every script become ASCII digits.
//     NFKD with marks dropped gives the same result as the NFKC + NFD the
//     issue asks for: accents are ignored ("Lôn Glyndŵr" = "Lon Glyndwr").
//  3. Case folding and a confusable skeleton per letter (ICU
//     uspoof_getSkeleton, UTS #39), so a Cyrillic "а" or Greek "Β" in
//     "Brаmble" is the Latin letter. The skeleton also joins "1" with "l",
//     "0" with "o" and "m" with "rn" (on both sides: see "False positives").
//     Latin small capitals ("ʙ" U+0299, "ʀ", "ᴀ"...) are their letter, by
//     their ICU character names ("LATIN LETTER SMALL CAPITAL B"): neither
//     NFKD nor the skeleton maps most of them to ASCII (the skeleton of "ʙ"
//     is "ʙ", as is that of Cyrillic "в", which is read as "b" too).
//     In a postcode only (the positions where a UK postcode has digits), a
//     capital "I" (folded to "i", which the skeleton does not join with "1";
//     so a small "i" too) is also read as "1": "STI 4QX" ("O" for "0" has
//     the key of "0" already: "CRO 2AB").
//  4. Per word: number words become digits ("Fourteen" = "14", "twenty-one"
//     = "21", "one hundred and two" = "102"), in a postcode too ("ST one
//     four QX" = "ST1 4QX": "ST" then starts a postcode and is no
//     "Street"); ordinals keep their suffix ("fourteenth" = "14th", "First
//     Avenue" = "1st Avenue"), so an ordinal is never a house number. UK
//     street types and their abbreviations, with or without a dot, become
//     one word ("Cl", "CL", "Cl." = "Close"; "St" = "Street" = "Saint"), as
//     do flat words ("Apt", "Apartment", "Unit" = "Flat"); so does a street
//     type run into the end of a word when it starts with a capital right
//     after a lower-case letter ("BrambleCl", "BrambleCL" = "Bramble
//     Close"). A word that begins with a digit is never one of
//     these ("1a", whose key is "la", is a house number, not "Lane").
// Words are then compared ignoring what separated them: "Bramble Close",
// "Bramble-Close", "BrambleClose", "Bramble,\n Close" and "14+Bramble+Close"
// are the same. A match must begin and end on word boundaries (a change
// between digits and letters, from a lower-case to an upper-case letter, or
// an invisible character, counts as one: "Flat 2, 114Bramble Close" and
// "#SeenAtBrambleClose" still show the street); the postcode alone may sit
// inside a longer word ("ref:st14qx/2").
//
// What is identifying (each address is parsed into flat, house name, house
// number, street, towns and postcode; components are separated by commas,
// semicolons, brackets or line breaks):
//  - the whole address;
//  - the postcode, with any spacing and case ("ST1 4QX", "st14qx", "ST 1
//    4QX"); its outward or inward half alone ("ST1", "4QX") is not;
//  - the house number and street ("14 Bramble Close"), with the flat or house
//    name in front ("Flat 2, 14 Bramble Close", "2/14 Bramble Close");
//  - the street with a town of the address ("Bramble Cl, Hanley", "The
//    Avenue, Audley") or with the postcode;
//  - the street's name without its type and articles, when the street has
//    a type and the name a distinctive word (below) that is not a building
//    word (below: "refuge, Hanley" of Refuge Close is a phrase), with a town
//    of the address ("Bramble, Hanley", "Bryn, Llandrindod Wells" of "Heol
//    y Bryn"), and with the house number in front ("14 Bramble, Hanley",
//    "fourteen, Bramble (Hanley)"): a street name in its town narrows the
//    address to the one or two streets of that name there;
//  - the street alone ("Bramble Close", however the type is written) when it
//    has at least two words and one of them is distinctive: not an article
//    ("the", Welsh "y"/"yr"), not a street type, not a number and not a
//    compass/size word (north, upper, high, main, great, little, new, old,
//    Welsh uchaf/isaf/fawr/fach/newydd...). So "Bramble Close", "Station
//    Road", "Heol y Bryn" are identifying alone; "The Avenue", "The Green",
//    "High Street", "North Road" and one-word streets ("Broadway") are not,
//    because they are everyday phrases ("stay on the green", "the Broadway
//    show") or shared by most towns: with a house number, a town or the
//    postcode they are. A different house number on an identifying street
//    ("114 Bramble Close") still shows the street: the street is redacted and
//    the number kept.
//  - a house or building name with the street, a town or the flat ("Rose
//    Cottage, Hanley", "Flat 5, Bramble Court"); alone when it is named like
//    an identifying street ("Bramble Court": a street type and a distinctive
//    word) or when, besides articles, it has at least two words, one of
//    them a building word (refuge, house, lodge, hall, manor, grange,
//    hostel, shelter, tower(s), mansions, centre/center, priory, abbey,
//    rectory, vicarage, chambers) and one distinctive (as for streets, and
//    not a building word): "The Willows Refuge", "Bramble House". A refuge
//    is known by its name. Not otherwise: the words for a kind of home
//    (cottage, farm, barn, bungalow) describe a house as often as they name
//    one ("Rose Cottage": "a rose cottage"), and a building word alone is a
//    phrase ("The Lodge", "the refuge"). Each of these is also found without
//    the name's leading article when a distinctive word is left ("willows
//    refuge", "Willows Refuge, Hanley"; not "Lodge, Leek" for "The
//    Lodge").
// Not identifying alone: a town, a county, a bare house number, a flat
// designation ("Flat 2"), a street type word ("close"), the street's
// distinctive word without its type and town, even after the house number
// ("bramble", "14 bramble bushes"), a house name without a building word
// ("Rose Cottage") or with no distinctive word ("The Lodge", "The Old
// Rectory"), half a postcode ("STI" too), a whole "address" that is only a
// number.
// A match is then widened over what follows it directly (only separators
// between): a town or the postcode of the address, the flat, a house name,
// or another match, so "14 Bramble Close, Hanley, ST1 4QX" is one span.
//
// False positives (redacted although harmless), accepted because a leak is
// worse than a blank:
//  - skeleton look-alikes: lower-case "l" for "1", "O" for "0" ("l4 Bramble
//    Close"), "rn" for "m" ("Brarnble Close"), Cyrillic "в" for "b"; and in
//    a postcode "I" for "1" ("STI 4QX");
//  - the words of a part may be separated by any punctuation, even a full
//    stop ("a bramble. Close the gate" when the street is Bramble Close), and
//    an identifying street used as a phrase or in another town ("Station
//    Road", "a bramble close to the wall") is redacted wherever it appears;
//    so is a house name with a building word ("a bramble house" when the
//    house is Bramble House) and a street's name before a town of the
//    address ("at the station, Crewe" for Station Road, Crewe; "the mill,
//    Audley" for Mill Lane, Audley);
//  - a change from a lower-case to an upper-case letter is a word boundary,
//    so "McDonald Road" shows "Donald Road" ("Mc[restricted]");
//  - abbreviations are read as street types wherever they appear ("Dr" is
//    Drive, "St" is Street or Saint), which only matters next to the name;
//  - "=20" between two words and "\u0020" are read as spaces even where
//    they were meant literally;
//  - a town of the address right after a match is taken with it.
// False negatives (known; some kept as tests): a street-type abbreviation run
// into the name without a change of case ("bramblecl", "BRAMBLECL"); capital
// "I" typed for "1" outside a postcode ("I4 Bramble Close": folded to "i",
// which ICU does not confuse with "1"); Roman numerals ("XIV"); the words in
// another order ("Close Bramble"); a house number kept apart from the street
// by other words ("14, the house on Bramble Close", "no. 14 on Bramble,
// Hanley": the street, or the street's name and town, is still found);
// encodings other than URL, quoted-printable, HTML and JSON "\u" (base64,
// JSON one-letter escapes: "Bramble\nClose", since decoding "\n" would eat
// the first letter of a word after a backslash, "C:\newcastle"), and
// quoted-printable in lower-case hex or not between two words; a house
// number 20 or 09 run into the street right after "=" ("?q=20Bramble%20
// Close": read as a quoted-printable space; the street is still found);
// reversed text displayed with a right-to-left override; misspellings; and
// what is not identifying alone (a town, "Flat 2", "Rose Cottage").
//
// Cost: For parses the addresses and builds tries of their parts (the first
// use in a process also builds the ICU-derived tables: milliseconds). Find
// is linear in the text: no regex; each position walks a trie at most as
// deep as the longest part; a few vectors are allocated per call; ICU is
// called only for the first occurrence of each non-ASCII character in a
// thread (a thread-local cache of at most 4096 code points); ASCII goes
// through a table. About 30 microseconds per kilobyte of text (one core,
// Release build, the 10,000-call test).
//
// Thread safety: a compiled matcher is immutable, and copies share it; Find
// and Redact may run from any number of threads at once. The ICU objects
// (Normalizer2 singletons, one USpoofChecker) are created once, configured
// before first use and then only used through const functions, which ICU
// documents as safe to call concurrently.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace casebridge::domain {

// What replaces each identifying part in Redact.
inline constexpr absl::string_view kRestrictedAddressMarker = "[restricted]";

class RestrictedAddressMatcher {
 public:
  // Compiled from the restricted addresses of a case's people (any number;
  // empty ones, and ones with no letter or digit, are ignored). Compile once
  // per case and reuse it for every string of a response.
  static RestrictedAddressMatcher For(absl::Span<const std::string> addresses);

  // An empty matcher (finds nothing).
  RestrictedAddressMatcher();

  // No address to look for: Find returns nothing, Redact returns the text.
  bool empty() const;

  struct Match {
    // Byte span [begin, end) in the ORIGINAL text, on UTF-8 character
    // boundaries; it covers whatever encoded the part ("%20", "&nbsp;", a
    // soft hyphen inside a word).
    size_t begin = 0;
    size_t end = 0;
    // Which identifying part: "the address", "the postcode", "the street",
    // "the house number and street", "the street and town", "the flat,
    // house number and street"... (for logs and tests; never shown
    // outside the police: it names no part of the address itself).
    std::string part;
  };

  // Every identifying part found in `text`, in order, non-overlapping:
  // overlapping occurrences of parts are merged into one match (the longest
  // alone could leave part of a shorter one visible), then widened as
  // described above.
  // Invalid UTF-8 is tolerated (each bad byte separates words).
  std::vector<Match> Find(absl::string_view text) const;

  // `text` with each match replaced by kRestrictedAddressMarker (the bytes
  // around it kept as they were).
  std::string Redact(absl::string_view text) const;

 private:
  struct Compiled;
  explicit RestrictedAddressMatcher(std::shared_ptr<const Compiled> compiled);

  std::shared_ptr<const Compiled> compiled_;  // null when empty
};

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_RESTRICTED_ADDRESS_H_
