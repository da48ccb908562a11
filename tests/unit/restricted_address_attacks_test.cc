// Adversarial review of RestrictedAddressMatcher (commit d0010b8): spellings
// of an identifying part of a restricted address that the matcher does not
// find, so the write check accepts them and the redactor sends them to the
// CPS and partners. Each expectation FAILS while the false negative is there.
// (Spellings tried that the matcher DOES find are listed at the end, for the
// record.)
#include <ostream>
#include <string>
#include <vector>

#include "domain/restricted_address.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

constexpr char kFlat[] = "Flat 2, 14 Bramble Close, Hanley, Stoke-on-Trent ST1 4QX";
constexpr char kRefuge[] = "The Willows Refuge, 14 Bramble Close, Hanley ST1 4QX";

struct Miss {
  const char* name;
  const char* address;
  const char* text;
};

void PrintTo(const Miss& m, std::ostream* os) { *os << m.name; }

class RestrictedAddressAttacksMatcherTest : public ::testing::TestWithParam<Miss> {};

TEST_P(RestrictedAddressAttacksMatcherTest, FindsTheIdentifyingPart) {
  const Miss& m = GetParam();
  const std::vector<std::string> addresses = {m.address};
  const RestrictedAddressMatcher matcher = RestrictedAddressMatcher::For(addresses);
  EXPECT_FALSE(matcher.Find(m.text).empty())
      << "not found in \"" << m.text << "\" (address \"" << m.address
      << "\"); a partner would read: " << matcher.Redact(m.text);
}

INSTANTIATE_TEST_SUITE_P(
    Misses, RestrictedAddressAttacksMatcherTest,
    ::testing::Values(
        // A refuge is known by its name: the building name alone is not
        // identifying unless shaped like a street.
        Miss{"RefugeNameAlone", kRefuge, "Staff at The Willows Refuge to call 999"},
        Miss{"RefugeNameLowerCase", kRefuge, "placed at the willows refuge"},
        // Dropping the article defeats the house-name-and-town rule.
        Miss{"RefugeNameWithoutArticleAndTown", kRefuge, "Willows Refuge, Hanley"},
        // HTML entities are decoded once; text from an HTML source is often
        // escaped twice. (URL-encoding gets three rounds.)
        Miss{"DoublyHtmlEscapedSpaces", kFlat, "Alarm at 14&amp;nbsp;Bramble&amp;nbsp;Close"},
        Miss{"DoublyHtmlEscapedNumericSpace", kFlat, "Bramble&amp;#32;Close"},
        // Capital I for 1 (handwriting, OCR): the whole postcode.
        Miss{"PostcodeCapitalIForOne", kFlat, "Postcode STI 4QX"},
        // Number words are read in a postcode ("ST1 four QX" is found) but
        // not for its district digit.
        Miss{"PostcodeAllNumberWords", kFlat, "ST one four QX"},
        // Number, the street's distinctive word and the town.
        Miss{"NumberDistinctiveWordAndTown", kFlat, "14 Bramble, Hanley"},
        Miss{"NumberWordDistinctiveWord", kFlat, "fourteen, Bramble (Hanley)"},
        // The number apart from the street's name and town: the name and town
        // are found ("no. 14 on [restricted]"); the number is not (a number
        // apart from its street is a documented false negative).
        Miss{"NumberApartFromDistinctiveWordAndTown", kFlat,
             "Lives at no. 14 on Bramble, Hanley (the close)"},
        // Quoted-printable (Outlook "view source").
        Miss{"QuotedPrintableSpace", kFlat, "14=20Bramble=20Close"},
        // JSON escape inside the street.
        Miss{"JsonEscapedSpaceInsideTheStreet", kFlat, "Bramble\\u0020Close"},
        // Latin small capital B (U+0299) is not in the skeleton table.
        Miss{"SmallCapitalLetter", kFlat, "\u0299ramble Close"},
        // Street type run into the name (documented).
        Miss{"TypeRunIntoName", kFlat, "BrambleCl"}),
    [](const ::testing::TestParamInfo<Miss>& info) { return std::string(info.param.name); });

// Spellings tried that held (found): kept so a regression shows.
TEST(RestrictedAddressAttacksHeldTest, SpellingsThatAreFound) {
  const std::vector<std::string> addresses = {kFlat};
  const RestrictedAddressMatcher matcher = RestrictedAddressMatcher::For(addresses);
  for (const char* text :
       {"B r a m b l e  C l o s e", "B-r-a-m-b-l-e Close", "B.r.a.m.b.l.e Close",
        "Bramble \u0421l", "Bramble \u0421L.", "ST1 4Q\u0425", "S.T.1. 4.Q.X.", "ST1-4QX",
        "ST1_4QX", "ST1/4QX", "ST 14 QX", "ST1 four QX", "STl 4QX", "FOURTEEN BRAMBLE CLOSE",
        "Bramble Clo.", "q=14%252520Bramble%252520Close", "Bramble%2526nbsp%253BClose",
        "14&#0000032;Bramble&#x000020;Close", "#BrambleClose", "bramble_close",
        "Bramble cl0se", "Bramb1e Close", "Br\u0251mble Close", "Bramble Clo\u017Fe",
        "Bramble\u3164Close", "Bramble\u180EClose", "14 Bramble C l o s e"}) {
    EXPECT_FALSE(matcher.Find(text).empty()) << text;
  }
}

}  // namespace
}  // namespace casebridge::domain
