#include "domain/restricted_address.h"

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The attacker's address, and others with the shapes the issue names.
constexpr char kFlatAddress[] =
    "Flat 2, 14 Bramble Close, Hanley, Stoke-on-Trent ST1 4QX";
constexpr char kOneWordStreet[] = "9 Broadway, Leek ST13 5AB";
constexpr char kCommonWordStreet[] = "3 The Green, Audley, Stoke-on-Trent ST7 8AB";
constexpr char kNoPostcode[] = "21 Willow Way, Kidsgrove";
constexpr char kWelsh[] = "7 Lôn Glyndŵr, Caernarfon LL55 1AB";
constexpr char kWelshWithArticle[] = "4 Heol y Bryn, Llandrindod Wells LD1 5AB";
constexpr char kPostcodeOnly[] = "ST4 7QB";
constexpr char kHouseName[] = "Rose Cottage, Mill Lane, Audley ST7 8XY";
constexpr char kGenericStreet[] = "5 High Street, Leek ST13 6AA";
constexpr char kCommonPhraseStreet[] = "22 Station Road, Crewe CW1 2AB";
constexpr char kHundreds[] = "102 Church Lane, Audley";
constexpr char kOrdinalStreet[] = "5 First Avenue, Tunstall";
constexpr char kBuilding[] = "Flat 5, Bramble Court, 14 Bramble Close, Hanley";
constexpr char kRefuge[] = "The Willows Refuge, 14 Bramble Close, Hanley ST1 4QX";
constexpr char kLodge[] = "The Lodge, 5 High Street, Leek ST13 6AA";
constexpr char kZeroPostcode[] = "Flat 1, 10 Mill Lane, Croydon CR0 2AB";
constexpr char kHouseNumberWithLetter[] = "1a Bramble Close, Hanley ST1 4QX";

std::string Redacted(absl::string_view address, absl::string_view text) {
  const std::vector<std::string> addresses = {std::string(address)};
  return RestrictedAddressMatcher::For(addresses).Redact(text);
}

std::vector<std::string> Parts(absl::string_view address, absl::string_view text) {
  const std::vector<std::string> addresses = {std::string(address)};
  std::vector<std::string> parts;
  for (const auto& m : RestrictedAddressMatcher::For(addresses).Find(text)) {
    parts.push_back(m.part);
  }
  return parts;
}

// ---- The adversarial corpus ------------------------------------------------
//
// Each case: an address, a text, and what Redact must make of it. The name
// says what the case proves; a text equal to its expectation proves that
// something is NOT identifying.

struct Case {
  const char* name;
  const char* address;
  const char* text;
  const char* redacted;
};

const Case kCases[] = {
    // -- Forms of the address itself.
    {"WholeAddressAsStored", kFlatAddress,
     "Flat 2, 14 Bramble Close, Hanley, Stoke-on-Trent ST1 4QX", "[restricted]"},
    {"WholeAddressInASentence", kFlatAddress,
     "Victim relocated to Flat 2, 14 Bramble Close, Hanley, Stoke-on-Trent ST1 "
     "4QX on 3 May.",
     "Victim relocated to [restricted] on 3 May."},
    {"HouseNumberAndStreet", kFlatAddress, "Fit alarm at 14 Bramble Close",
     "Fit alarm at [restricted]"},
    {"HouseNumberAndStreetInAnExclusionZone", kFlatAddress,
     "Not to go within 100 metres of 14 Bramble Close.",
     "Not to go within 100 metres of [restricted]."},
    {"AbbreviatedStreetAndTownInBrackets", kFlatAddress, "(Bramble Cl., Hanley)",
     "([restricted])"},
    {"FlatHouseNumberAndStreet", kFlatAddress, "Flat 2, 14 Bramble Close",
     "[restricted]"},
    {"FlatNumberSlashHouseNumber", kFlatAddress, "2/14 Bramble Close",
     "[restricted]"},
    {"ApartmentIsAFlat", kFlatAddress, "Apt. 2, 14 Bramble Close", "[restricted]"},
    {"FlatAfterTheStreetIsTakenWithIt", kFlatAddress,
     "14 Bramble Close (Flat 2)", "[restricted])"},
    {"NumberStreetTownAndPostcodeAreOneSpan", kFlatAddress,
     "at 14 Bramble Close, Hanley, ST1 4QX today", "at [restricted] today"},
    {"StreetAndPostcode", kFlatAddress, "Bramble Close ST1 4QX", "[restricted]"},

    // -- Spaces: every Unicode space separates words.
    {"NoBreakSpace", kFlatAddress, "14\u00a0Bramble\u00a0Close", "[restricted]"},
    {"ThinSpace", kFlatAddress, "14\u2009Bramble\u2009Close", "[restricted]"},
    {"NarrowNoBreakSpace", kFlatAddress, "14\u202fBramble\u202fClose",
     "[restricted]"},
    {"IdeographicSpace", kFlatAddress, "14\u3000Bramble\u3000Close",
     "[restricted]"},
    {"FigureAndEmSpaces", kFlatAddress, "14\u2007Bramble\u2003Close",
     "[restricted]"},
    {"TabAndCarriageReturnLineFeed", kFlatAddress, "14\tBramble\r\nClose",
     "[restricted]"},
    {"UnicodeLineSeparator", kFlatAddress, "14 Bramble\u2028Close",
     "[restricted]"},
    {"LineBreaksInsideTheAddress", kFlatAddress,
     "14 Bramble\nClose\nHanley\nST1 4QX", "[restricted]"},

    // -- Invisible characters: removed without splitting the word.
    {"SoftHyphenInsideAWord", kFlatAddress, "14 Bram\u00adble Close",
     "[restricted]"},
    {"ZeroWidthSpaceInsideAWord", kFlatAddress, "14 Bram\u200bble Close",
     "[restricted]"},
    {"ZeroWidthJoinerAndNonJoiner", kFlatAddress, "14 Br\u200dam\u200cble Close",
     "[restricted]"},
    {"WordJoinerBetweenWords", kFlatAddress, "14\u2060Bramble Close",
     "[restricted]"},
    {"ByteOrderMarkBeforeTheAddressIsRedactedWithIt", kFlatAddress,
     "\ufeff14 Bramble Close", "[restricted]"},
    {"RightToLeftOverrideInside", kFlatAddress, "14 Bramble \u202eClose\u202c",
     "[restricted]"},
    {"LeftToRightOverrideBefore", kFlatAddress, "at \u202d14 Bramble Close",
     "at [restricted]"},
    {"LeftToRightMarkInsideANumber", kFlatAddress, "1\u200e4 Bramble Close",
     "[restricted]"},
    {"VariationSelectorAfterALetter", kFlatAddress, "14 Bramble\ufe0f Close",
     "[restricted]"},

    // -- Compatibility forms (NFKD) and accents.
    {"FullWidthDigits", kFlatAddress, "\uff11\uff14 Bramble Close",
     "[restricted]"},
    {"FullWidthLetters", kFlatAddress,
     "\uff11\uff14 \uff22\uff52\uff41\uff4d\uff42\uff4c\uff45 "
     "\uff23\uff4c\uff4f\uff53\uff45",
     "[restricted]"},
    {"MathematicalBoldDigits", kFlatAddress, "\U0001d7cf\U0001d7d2 Bramble Close",
     "[restricted]"},
    {"SuperscriptDigits", kFlatAddress, "\u00b9\u2074 Bramble Close",
     "[restricted]"},
    {"CircledNumberFourteen", kFlatAddress, "\u246d Bramble Close",
     "[restricted]"},
    {"ArabicIndicDigits", kFlatAddress, "\u0661\u0664 Bramble Close",
     "[restricted]"},
    {"PrecomposedAccentIsIgnored", kFlatAddress, "14 Br\u00e1mble Close",
     "[restricted]"},
    {"CombiningAccentIsIgnored", kFlatAddress, "14 Bra\u0301mble Close",
     "[restricted]"},
    {"StreetAndPostcodeWithCyrillicHa", kFlatAddress, "Bramble Close ST1 4Q\u0425",
     "[restricted]"},
    // Small capitals: no NFKD decomposition, and the skeleton of "ʙ" is "ʙ".
    {"LatinSmallCapitalB", kFlatAddress, "14 \u0299ramble Close", "[restricted]"},
    {"SmallCapitalsThroughout", kFlatAddress,
     "\u0299\u0280\u1d00\u1d0d\u0299\u029f\u1d07 \u1d04\u029f\u1d0f\ua731\u1d07",
     "[restricted]"},
    {"CyrillicVeWhoseSkeletonIsSmallCapitalB", kFlatAddress, "\u0432ramble Close",
     "[restricted]"},

    // -- Look-alike letters (confusable skeletons).
    {"CyrillicSmallA", kFlatAddress, "14 Br\u0430mble Close", "[restricted]"},
    {"CyrillicCapitalEsInClose", kFlatAddress, "14 Bramble \u0421lose",
     "[restricted]"},
    {"GreekCapitalBeta", kFlatAddress, "14 \u0392ramble Close", "[restricted]"},
    {"GreekSmallOmicron", kFlatAddress, "14 Bramble Cl\u03bfse", "[restricted]"},
    {"CyrillicCapitalsInPostcode", kFlatAddress, "\u0405\u04221 4Q\u0425",
     "[restricted]"},
    {"UkrainianCapitalIInCapitals", kHouseName, "M\u0406LL LANE", "[restricted]"},
    {"GreekCapitalIotaInCapitals", kHouseName, "M\u0399LL LANE", "[restricted]"},
    {"LowerCaseLForDigitOne", kFlatAddress, "l4 Bramble Close", "[restricted]"},
    {"LetterOForDigitZero", kHundreds, "1O2 Church Lane", "[restricted]"},
    {"RnForM", kFlatAddress, "14 Brarnble Close", "[restricted]"},

    // -- Case and punctuation.
    {"MixedCase", kFlatAddress, "14 bRaMbLe cLoSe", "[restricted]"},
    {"UpperCase", kFlatAddress, "14 BRAMBLE CLOSE", "[restricted]"},
    {"PunctuationBetweenWords", kFlatAddress, "14, Bramble. Close!",
     "[restricted]!"},
    {"DashesBetweenWords", kFlatAddress, "14\u2013Bramble\u2014Close",
     "[restricted]"},
    {"HyphenatedStreet", kFlatAddress, "Bramble-Close", "[restricted]"},
    {"WordsRunTogether", kFlatAddress, "14BrambleClose", "[restricted]"},
    {"InQuotes", kFlatAddress, "'14 Bramble Close'", "'[restricted]'"},
    {"PossessiveAfterTheStreet", kFlatAddress, "Bramble Close's entrance",
     "[restricted]'s entrance"},
    {"InvalidUtf8BetweenWords", kFlatAddress, "14 Bramble\xff Close",
     "[restricted]"},

    // -- Street types, however written.
    {"AbbreviationWithDot", kFlatAddress, "14 Bramble Cl.", "[restricted]."},
    {"AbbreviationInCapitalsWithoutDot", kFlatAddress, "14 BRAMBLE CL",
     "[restricted]"},
    {"AbbreviatedStreetTownWithDot", kFlatAddress, "14 Bramble Cl., Hanley",
     "[restricted]"},
    {"AbbreviatedStreetAndTown", kFlatAddress, "Bramble Cl, Hanley",
     "[restricted]"},
    {"AvenueAbbreviated", kOrdinalStreet, "5 First Ave", "[restricted]"},
    {"AbbreviationRunIntoTheNameInCamelCase", kFlatAddress, "BrambleCl",
     "[restricted]"},
    {"NumberNameAndAbbreviationRunTogether", kFlatAddress, "14BrambleCl.",
     "[restricted]."},
    {"WordsRunIntoTheStreetInCamelCase", kFlatAddress, "#SeenAtBrambleClose",
     "#SeenAt[restricted]"},
    {"HouseNumberWithLetterIsNotAStreetType", kHouseNumberWithLetter,
     "Bramble Close", "[restricted]"},

    // -- Number words.
    {"NumberWord", kFlatAddress, "Fourteen Bramble Close", "[restricted]"},
    {"NumberWordsForFlatAndHouse", kFlatAddress, "Flat Two, Fourteen Bramble Close",
     "[restricted]"},
    {"HyphenatedNumberWord", kNoPostcode, "Twenty-one Willow Way", "[restricted]"},
    {"SpacedNumberWords", kNoPostcode, "twenty one Willow Way", "[restricted]"},
    {"HundredAndNumberWords", kHundreds, "One hundred and two Church Lane",
     "[restricted]"},
    {"OrdinalWordIsTheOrdinalDigits", kOrdinalStreet, "5 1st Avenue",
     "[restricted]"},
    {"OrdinalIsNotAHouseNumber", kFlatAddress,
     "On the fourteenth Bramble Close residents met",
     "On the fourteenth [restricted] residents met"},

    // -- The street alone, with a town, in a different house.
    {"StreetAlone", kFlatAddress, "She moved to Bramble Close last year",
     "She moved to [restricted] last year"},
    {"DifferentHouseNumberStillShowsTheStreet", kFlatAddress,
     "Suspect seen at 114 Bramble Close", "Suspect seen at 114 [restricted]"},
    {"DigitsRunIntoTheStreet", kFlatAddress, "114Bramble Close",
     "114[restricted]"},
    {"TownBeforeTheStreetIsKept", kFlatAddress, "Hanley: 14 Bramble Close",
     "Hanley: [restricted]"},
    {"NumberStreetNameAndTown", kFlatAddress, "14 Bramble, Hanley", "[restricted]"},
    {"NumberWordStreetNameAndTownInBrackets", kFlatAddress,
     "fourteen, Bramble (Hanley)", "[restricted])"},
    {"StreetNameAndTown", kFlatAddress, "Seen on Bramble, Stoke-on-Trent",
     "Seen on [restricted]"},
    {"NumberApartFromStreetNameAndTown", kFlatAddress,
     "Lives at no. 14 on Bramble, Hanley (the close)",
     "Lives at no. 14 on [restricted] (the close)"},
    {"WelshStreetNameWithoutTypeAndArticleAndTown", kWelshWithArticle,
     "Bryn, Llandrindod Wells", "[restricted]"},
    {"AddressSplitAcrossSentences", kFlatAddress,
     "She lives on Bramble Close. Her postcode is ST1 4QX. The town is Hanley.",
     "She lives on [restricted]. Her postcode is [restricted]. The town is "
     "Hanley."},

    // -- Postcodes.
    {"Postcode", kFlatAddress, "ST1 4QX", "[restricted]"},
    {"PostcodeLowerCaseWithoutSpace", kFlatAddress, "st14qx", "[restricted]"},
    {"PostcodeWithNoBreakSpace", kFlatAddress, "ST1\u00a04QX", "[restricted]"},
    {"PostcodeWithSpaceInTheOutwardCode", kFlatAddress, "ST 1 4QX",
     "[restricted]"},
    {"PostcodeWithHyphen", kFlatAddress, "ST1-4QX", "[restricted]"},
    {"PostcodeInsideAReference", kFlatAddress, "ref:ST14QX/2",
     "ref:[restricted]/2"},
    {"PostcodeInsideALongerWord", kFlatAddress, "caseST14QXfile",
     "case[restricted]file"},
    {"PostcodeWithFullWidthDigits", kFlatAddress, "ST\uff11 \uff14QX",
     "[restricted]"},
    {"PostcodeAllFullWidth", kFlatAddress,
     "\uff33\uff34\uff11 \uff14\uff31\uff38", "[restricted]"},
    {"TurkishDottedCapitalI", kHouseName, "M\u0130LL LANE", "[restricted]"},
    {"PostcodeCapitalIForOne", kFlatAddress, "Postcode STI 4QX",
     "Postcode [restricted]"},
    {"PostcodeCapitalIForOneSpaced", kFlatAddress, "ST I 4QX", "[restricted]"},
    {"PostcodeLetterOForZero", kZeroPostcode, "CRO 2AB", "[restricted]"},
    {"PostcodeLetterOForZeroSpaced", kZeroPostcode, "CR O 2AB", "[restricted]"},
    {"PostcodeNumberWords", kFlatAddress, "ST one four QX", "[restricted]"},
    {"HashBeforeHouseNumber", kFlatAddress, "#14 Bramble Close", "#[restricted]"},

    // -- URLs and HTML.
    {"MapLinkPercentEncoded", kFlatAddress,
     "https://maps.example/?q=14%20Bramble%20Close%2C%20Hanley",
     "https://maps.example/?q=[restricted]"},
    {"PlusForSpace", kFlatAddress, "q=14+Bramble+Close", "q=[restricted]"},
    {"LinkInsideALinkEncodedTwice", kFlatAddress,
     "https://safelinks.example/?url=https%3A%2F%2Fmaps.example%2F%3Fq%3D14%"
     "2520Bramble%2520Close",
     "https://safelinks.example/?url=https%3A%2F%2Fmaps.example%2F%3Fq%3D[restricted]"},
    {"PercentEncodedNoBreakSpace", kFlatAddress, "14%C2%A0Bramble%C2%A0Close",
     "[restricted]"},
    {"PercentEncodedDigits", kFlatAddress, "%31%34 Bramble Close",
     "[restricted]"},
    {"PostcodeInAQueryString", kFlatAddress, "?pc=ST1%204QX&z=1",
     "?pc=[restricted]&z=1"},
    {"HtmlNoBreakSpaces", kFlatAddress, "14&nbsp;Bramble&nbsp;Close",
     "[restricted]"},
    {"HtmlSoftHyphen", kFlatAddress, "Bram&shy;ble Close", "[restricted]"},
    {"HtmlDecimalReferences", kFlatAddress, "&#49;&#52; Bramble Close",
     "[restricted]"},
    {"HtmlHexadecimalReferences", kFlatAddress, "&#x31;&#x34;&#x20;Bramble Close",
     "[restricted]"},
    {"HtmlEscapedTwice", kFlatAddress, "Alarm at 14&amp;nbsp;Bramble&amp;nbsp;Close",
     "Alarm at [restricted]"},
    {"HtmlNumericReferenceEscapedTwice", kFlatAddress, "Bramble&amp;#32;Close",
     "[restricted]"},
    {"HtmlEscapedThreeTimes", kFlatAddress, "x 14&amp;amp;nbsp;Bramble Close",
     "x [restricted]"},
    {"QuotedPrintableSpaces", kFlatAddress, "14=20Bramble=20Close", "[restricted]"},
    {"QuotedPrintableNoBreakSpace", kFlatAddress, "Bramble=C2=A0Close",
     "[restricted]"},
    {"QuotedPrintableSoftLineBreak", kFlatAddress, "14 Bram=\r\nble Close",
     "[restricted]"},
    {"JsonEscapedSpace", kFlatAddress, "Bramble\\u0020Close", "[restricted]"},
    {"JsonEscapedNoBreakSpace", kFlatAddress, "14\\u00a0Bramble Close",
     "[restricted]"},
    {"JsonEscapedLetter", kFlatAddress, "\\u0042ramble Close", "[restricted]"},
    {"JsonEscapedSurrogatePair", kFlatAddress, "Bramble\\ud83c\\udfe0Close",
     "[restricted]"},

    // -- Not identifying (the text must come back unchanged).
    {"OtherStreetType", kFlatAddress, "14 Bramble Road", "14 Bramble Road"},
    {"LongerStreetName", kFlatAddress, "Bramblewood Close", "Bramblewood Close"},
    {"PluralOfTheStreetName", kFlatAddress, "Brambles Close", "Brambles Close"},
    {"TownAlone", kFlatAddress, "Seen at Hanley bus station",
     "Seen at Hanley bus station"},
    {"CityAlone", kFlatAddress, "Stoke-on-Trent magistrates",
     "Stoke-on-Trent magistrates"},
    {"OutwardCodeAlone", kFlatAddress, "Anywhere in ST1", "Anywhere in ST1"},
    {"InwardCodeAlone", kFlatAddress, "code 4QX", "code 4QX"},
    {"UnrelatedPostcode", kFlatAddress, "ST1 4QY and ST4 1QX",
     "ST1 4QY and ST4 1QX"},
    {"StreetTypeAsAnOrdinaryWord", kFlatAddress, "Told to stay close to her",
     "Told to stay close to her"},
    {"StreetNameWordAlone", kFlatAddress, "Cut back the bramble hedge",
     "Cut back the bramble hedge"},
    {"FlatAlone", kFlatAddress, "Flat 2 was searched", "Flat 2 was searched"},
    {"BareHouseNumber", kFlatAddress, "14 officers attended",
     "14 officers attended"},
    {"LiteralPercentAndAmpersandAreKept", kFlatAddress, "100% & 50%ab &amp;",
     "100% & 50%ab &amp;"},
    {"NumberAndStreetNameWithoutTown", kFlatAddress, "14 bramble bushes cut back",
     "14 bramble bushes cut back"},
    {"OutwardCodeWithCapitalIAlone", kFlatAddress, "Anywhere in STI",
     "Anywhere in STI"},
    {"QualifierStreetNameAndTown", kGenericStreet, "High, Leek", "High, Leek"},
    {"OrdinalStreetNameAndTown", kOrdinalStreet, "5 First, Tunstall",
     "5 First, Tunstall"},
    {"BuildingWordStreetNameAndTown", "14 Refuge Close, Hanley, ST1 1AA",
     "placed in a refuge, Hanley", "placed in a refuge, Hanley"},

    // -- A one-word street: identifying with its number, town or postcode.
    {"OneWordStreetWithNumber", kOneWordStreet, "Call at 9 Broadway",
     "Call at [restricted]"},
    {"OneWordStreetWithNumberWord", kOneWordStreet, "Nine Broadway",
     "[restricted]"},
    {"OneWordStreetWithTown", kOneWordStreet, "Broadway, Leek", "[restricted]"},
    {"OneWordStreetPostcode", kOneWordStreet, "ST13 5AB", "[restricted]"},
    {"OneWordStreetAloneIsAnOrdinaryWord", kOneWordStreet,
     "Took her to a Broadway show", "Took her to a Broadway show"},

    // -- "The" + street type: identifying with number or town only.
    {"CommonWordStreetWithNumber", kCommonWordStreet, "3 The Green",
     "[restricted]"},
    {"CommonWordStreetWithTown", kCommonWordStreet, "The Green, Audley",
     "[restricted]"},
    {"CommonWordStreetAloneIsAnOrdinaryPhrase", kCommonWordStreet,
     "They met on the green", "They met on the green"},
    {"GenericStreetAloneIsAnOrdinaryPhrase", kGenericStreet,
     "Shopping on the high street", "Shopping on the high street"},
    {"GenericStreetWithNumber", kGenericStreet, "5 High St", "[restricted]"},
    {"TwoWordStreetAloneIsIdentifyingEvenIfCommon", kCommonPhraseStreet,
     "Dropped off on Station Road", "Dropped off on [restricted]"},

    // -- An address without a postcode.
    {"NoPostcodeStreetAlone", kNoPostcode, "Willow Way", "[restricted]"},
    {"NoPostcodeStreetAndTown", kNoPostcode, "Willow Way, Kidsgrove",
     "[restricted]"},
    {"NoPostcodeTownAlone", kNoPostcode, "Kidsgrove", "Kidsgrove"},
    {"NoPostcodeSimilarStreet", kNoPostcode, "Willowbrook Way",
     "Willowbrook Way"},

    // -- Welsh, with accented letters.
    {"WelshWithoutAccents", kWelsh, "7 Lon Glyndwr", "[restricted]"},
    {"WelshStreetAlone", kWelsh, "near Lôn Glyndŵr", "near [restricted]"},
    {"WelshDecomposedAccents", kWelsh, "Lo\u0302n Glyndw\u0302r",
     "[restricted]"},
    {"WelshPostcode", kWelsh, "ll55 1ab", "[restricted]"},
    {"WelshTownAlone", kWelsh, "Caernarfon", "Caernarfon"},
    {"WelshArticleInStreet", kWelshWithArticle, "Heol y Bryn", "[restricted]"},

    // -- A postcode-only address.
    {"PostcodeOnlyAddress", kPostcodeOnly, "lives in ST4 7QB", "lives in [restricted]"},
    {"PostcodeOnlyAddressOutwardAlone", kPostcodeOnly, "ST4", "ST4"},

    // -- A house name.
    {"HouseNameAndStreet", kHouseName, "Rose Cottage, Mill Lane", "[restricted]"},
    {"HouseNameAndTown", kHouseName, "Rose Cottage, Audley", "[restricted]"},
    {"HouseNameAlone", kHouseName, "a rose cottage", "a rose cottage"},

    // -- A named building of flats.
    {"BuildingNamedLikeAStreetAlone", kBuilding, "Bramble Court residents",
     "[restricted] residents"},
    {"FlatAndBuilding", kBuilding, "Flat 5, Bramble Court", "[restricted]"},
    {"FlatNumberAndBuilding", kBuilding, "5 Bramble Ct", "[restricted]"},
    {"BuildingAndStreet", kBuilding, "Bramble Court, 14 Bramble Close",
     "[restricted]"},
    {"BuildingStreetTypeAloneIsNotIdentifying", kBuilding, "at court today",
     "at court today"},

    // -- A refuge, known by its name (a building word and a distinctive word).
    {"RefugeNameAlone", kRefuge, "Staff at The Willows Refuge to call 999",
     "Staff at [restricted] to call 999"},
    {"RefugeNameLowerCaseWithoutArticle", kRefuge, "placed at willows refuge",
     "placed at [restricted]"},
    {"RefugeNameInCapitals", kRefuge, "WILLOWS REFUGE", "[restricted]"},
    {"RefugeNameWithoutArticleAndTown", kRefuge, "Willows Refuge, Hanley",
     "[restricted]"},
    {"RefugeNameWithoutArticleAndStreet", kRefuge,
     "Willows Refuge, 14 Bramble Close", "[restricted]"},
    {"BuildingWordAloneIsAPhrase", kRefuge, "a place at a refuge in Hanley",
     "a place at a refuge in Hanley"},
    {"RefugeDistinctiveWordAlone", kRefuge, "the willows by the canal",
     "the willows by the canal"},
    {"BuildingWordOnlyHouseNameAlone", kLodge, "met at the lodge",
     "met at the lodge"},
    {"BuildingWordOnlyHouseNameAndTown", kLodge, "The Lodge, Leek", "[restricted]"},
    {"BuildingWordOnlyHouseNameWithoutArticleAndTown", kLodge, "Lodge, Leek",
     "Lodge, Leek"},
};

class RestrictedAddressCorpusTest : public ::testing::TestWithParam<Case> {};

TEST_P(RestrictedAddressCorpusTest, RedactsExactlyTheIdentifyingParts) {
  const Case& c = GetParam();
  EXPECT_EQ(Redacted(c.address, c.text), c.redacted)
      << "address: " << c.address << "\ntext: " << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    RestrictedAddress, RestrictedAddressCorpusTest, ::testing::ValuesIn(kCases),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// ---- Which part was found --------------------------------------------------

TEST(RestrictedAddressMatcherTest, NamesThePartFound) {
  EXPECT_THAT(Parts(kFlatAddress, kFlatAddress), ElementsAre("the address"));
  EXPECT_THAT(Parts(kFlatAddress, "14 Bramble Close"),
              ElementsAre("the house number and street"));
  EXPECT_THAT(Parts(kFlatAddress, "Bramble Close"), ElementsAre("the street"));
  EXPECT_THAT(Parts(kFlatAddress, "st14qx"), ElementsAre("the postcode"));
  EXPECT_THAT(Parts(kFlatAddress, "Bramble Cl, Hanley"),
              ElementsAre("the street and town"));
  EXPECT_THAT(Parts(kFlatAddress, "Flat 2, 14 Bramble Close"),
              ElementsAre("the flat, house number and street"));
  EXPECT_THAT(Parts(kFlatAddress, "14 Bramble Close, Hanley, ST1 4QX"),
              ElementsAre("the house number, street, town and postcode"));
  EXPECT_THAT(Parts(kPostcodeOnly, "ST4 7QB"), ElementsAre("the address"));
  EXPECT_THAT(Parts(kHouseName, "Rose Cottage, Audley"),
              ElementsAre("the house name and town"));
  EXPECT_THAT(Parts(kRefuge, "The Willows Refuge"), ElementsAre("the house name"));
  EXPECT_THAT(Parts(kFlatAddress, "Bramble, Hanley"),
              ElementsAre("the street and town"));
  EXPECT_THAT(Parts(kFlatAddress, "14 Bramble, Hanley"),
              ElementsAre("the house number, street and town"));
}

TEST(RestrictedAddressMatcherTest, MatchesAreInOrderAndDoNotOverlap) {
  const std::vector<std::string> addresses = {kFlatAddress};
  const auto matcher = RestrictedAddressMatcher::For(addresses);
  const std::string text =
      "Bramble Close; later ST1 4QX; then 14 Bramble Cl and Flat 2, 14 Bramble "
      "Close.";
  const auto matches = matcher.Find(text);
  ASSERT_EQ(matches.size(), 4u);
  for (size_t i = 1; i < matches.size(); ++i) {
    EXPECT_LE(matches[i - 1].end, matches[i].begin);
  }
  EXPECT_EQ(matcher.Redact(text),
            "[restricted]; later [restricted]; then [restricted] and "
            "[restricted].");
}

// ---- Byte spans in the original text --------------------------------------

TEST(RestrictedAddressMatcherTest, SpansCoverTheOriginalBytesOfEncodedText) {
  const std::vector<std::string> addresses = {kFlatAddress};
  const auto matcher = RestrictedAddressMatcher::For(addresses);

  const std::string url = "Call 14%20Bramble%20Close now";
  auto m = matcher.Find(url);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(url.substr(m[0].begin, m[0].end - m[0].begin),
            "14%20Bramble%20Close");

  const std::string nbsp = "at 14\u00a0Bramble\u00a0Close.";
  m = matcher.Find(nbsp);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(nbsp.substr(m[0].begin, m[0].end - m[0].begin),
            "14\u00a0Bramble\u00a0Close");

  const std::string wide = "\uff11\uff14 Bramble Close";  // 3 bytes per digit
  m = matcher.Find(wide);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].begin, 0u);
  EXPECT_EQ(m[0].end, wide.size());

  const std::string html = "x 14&nbsp;Bramble&nbsp;Close&shy; y";
  m = matcher.Find(html);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(html.substr(m[0].begin, m[0].end - m[0].begin),
            "14&nbsp;Bramble&nbsp;Close&shy;");

  const std::string number_word = "FOURTEEN  bramble close";
  m = matcher.Find(number_word);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].begin, 0u);
  EXPECT_EQ(m[0].end, number_word.size());
}

TEST(RestrictedAddressMatcherTest, RedactKeepsTheBytesAroundEachMatch) {
  const std::vector<std::string> addresses = {kFlatAddress};
  const auto matcher = RestrictedAddressMatcher::For(addresses);
  EXPECT_EQ(matcher.Redact("\u00abBramble\u00a0Close\u00bb \u2014 caf\u00e9"),
            "\u00ab[restricted]\u00bb \u2014 caf\u00e9");
  EXPECT_EQ(matcher.Redact("no address here"), "no address here");
  EXPECT_EQ(matcher.Redact(""), "");
}

// ---- Compiling ------------------------------------------------------------

TEST(RestrictedAddressMatcherTest, EmptyWithoutAnyUsableAddress) {
  EXPECT_TRUE(RestrictedAddressMatcher().empty());
  EXPECT_TRUE(RestrictedAddressMatcher::For({}).empty());
  const std::vector<std::string> blank = {"", "  ", " , ;\n", "\u200b"};
  const auto matcher = RestrictedAddressMatcher::For(blank);
  EXPECT_TRUE(matcher.empty());
  EXPECT_THAT(matcher.Find("14 Bramble Close"), IsEmpty());
  EXPECT_EQ(matcher.Redact("14 Bramble Close"), "14 Bramble Close");
}

TEST(RestrictedAddressMatcherTest, EveryAddressOfTheCaseIsFoundEmptyOnesIgnored) {
  const std::vector<std::string> addresses = {"", kFlatAddress, "   ", kNoPostcode};
  const auto matcher = RestrictedAddressMatcher::For(addresses);
  ASSERT_FALSE(matcher.empty());
  EXPECT_EQ(matcher.Redact("From 14 Bramble Close to 21 Willow Way."),
            "From [restricted] to [restricted].");
}

TEST(RestrictedAddressMatcherTest, ABareNumberIsNotIdentifyingEvenAsTheWholeAddress) {
  const std::vector<std::string> addresses = {"14"};
  const auto matcher = RestrictedAddressMatcher::For(addresses);
  EXPECT_EQ(matcher.Redact("14 officers, 14 Bramble Close"),
            "14 officers, 14 Bramble Close");
}

TEST(RestrictedAddressMatcherTest, AddressWithoutCommasIsStillSplitIntoParts) {
  EXPECT_EQ(Redacted("14 Bramble Close Hanley ST1 4QX", "Bramble Cl"),
            "[restricted]");
  EXPECT_EQ(Redacted("14 Bramble Close Hanley ST1 4QX", "Hanley"), "Hanley");
  EXPECT_EQ(Redacted("14 Bramble Close Hanley ST1 4QX", "st1 4qx"),
            "[restricted]");
}

TEST(RestrictedAddressMatcherTest, AddressOnSeveralLinesIsSplitIntoParts) {
  constexpr char kLines[] = "Flat 2\n14 Bramble Close\nHanley\nStoke-on-Trent\nST1 4QX";
  EXPECT_EQ(Redacted(kLines, "Fit alarm at 14 Bramble Cl"), "Fit alarm at [restricted]");
  EXPECT_EQ(Redacted(kLines, "Bramble Close"), "[restricted]");
  EXPECT_EQ(Redacted(kLines, "Hanley"), "Hanley");
  EXPECT_THAT(Parts(kLines, "Flat 2, 14 Bramble Close, Hanley, Stoke-on-Trent ST1 4QX"),
              ElementsAre("the address"));
}

TEST(RestrictedAddressMatcherTest, HouseNumberAndFlatNumberInTheirOwnComponents) {
  // "14, Bramble Close": the number is the house number of the next line.
  EXPECT_EQ(Redacted("14, Bramble Close, Hanley", "at 14 Bramble Close"),
            "at [restricted]");
  EXPECT_THAT(Parts("14, Bramble Close, Hanley", "14 Bramble Close"),
              ElementsAre("the house number and street"));
  // "2, 14 Bramble Close": the first number is the flat's.
  EXPECT_THAT(Parts("2, 14 Bramble Close, Hanley", "2/14 Bramble Close"),
              ElementsAre("the flat, house number and street"));
  EXPECT_EQ(Redacted("2, 14 Bramble Close, Hanley", "Bramble Close"),
            "[restricted]");
}

TEST(RestrictedAddressMatcherTest, AddressWrittenWithAbbreviationsMatchesFullWords) {
  EXPECT_EQ(Redacted("Apt 2, 14 Bramble Cl., Hanley ST1 4QX",
                     "Flat 2, 14 Bramble Close"),
            "[restricted]");
  EXPECT_EQ(Redacted("Apt 2, 14 Bramble Cl., Hanley ST1 4QX", "Bramble Close"),
            "[restricted]");
}

TEST(RestrictedAddressMatcherTest, CopiesShareTheCompiledAddresses) {
  const std::vector<std::string> addresses = {kFlatAddress};
  const auto matcher = RestrictedAddressMatcher::For(addresses);
  const RestrictedAddressMatcher copy = matcher;  // NOLINT: the point
  EXPECT_EQ(copy.Redact("14 Bramble Close"), "[restricted]");
}

// ---- Documented limits -----------------------------------------------------

TEST(RestrictedAddressMatcherTest, KnownFalseNegativesAreDocumented) {
  // A street-type abbreviation run into the name is expanded only after a
  // change of case ("BrambleCl"): all in one case, "bramblecl" is a word
  // like "forest" (Fore St), "select" (Sele Ct) or "grave" (Gr Ave).
  EXPECT_EQ(Redacted(kFlatAddress, "bramblecl"), "bramblecl");
  EXPECT_EQ(Redacted(kFlatAddress, "BRAMBLECL"), "BRAMBLECL");
  // Capital I for the digit 1 outside a postcode: case folding makes it
  // "i", which the skeleton does not confuse with "1" (lower-case "l" it
  // does); reading every "I" as "1" would make "I" a digit everywhere.
  EXPECT_EQ(Redacted(kFlatAddress, "I4 Bramble"), "I4 Bramble");
  // A street type written as another type is another street.
  EXPECT_EQ(Redacted(kFlatAddress, "Bramble Road"), "Bramble Road");
  // Roman numerals are not house numbers (the street is still found).
  EXPECT_EQ(Redacted(kFlatAddress, "XIV Bramble Close"), "XIV [restricted]");
  // A house number apart from its street stays (the street does not).
  EXPECT_EQ(Redacted(kFlatAddress, "14, the house on Bramble Close"),
            "14, the house on [restricted]");
  // The words in another order.
  EXPECT_EQ(Redacted(kFlatAddress, "Close Bramble"), "Close Bramble");
  // JSON one-letter escapes are not decoded ("\\u" ones are): the letter
  // after a backslash may begin a word ("C:\\newcastle"), so "\\n" between
  // two words joins them to the second.
  EXPECT_EQ(Redacted(kFlatAddress, "Bramble\\nClose"), "Bramble\\nClose");
  EXPECT_EQ(Redacted(kFlatAddress, "14\\nBramble Close"), "14\\n[restricted]");
  // A house number 20 run into the street right after "=" is read as a
  // quoted-printable space (the street is still found).
  EXPECT_EQ(Redacted("20 Bramble Close, Hanley", "?q=20Bramble%20Close"),
            "?q=20[restricted]");
  // Quoted-printable escapes in lower-case hex are not decoded (RFC 2045
  // writes them in capitals).
  EXPECT_EQ(Redacted(kFlatAddress, "Bramble=c2=a0Close"), "Bramble=c2=a0Close");
}

TEST(RestrictedAddressMatcherTest, KnownFalsePositivesAreDocumented) {
  // Words of a part separated by a full stop still match.
  EXPECT_EQ(Redacted(kFlatAddress, "Picked a bramble. Close the gate."),
            "Picked a [restricted] the gate.");
  // "m" and "rn" share a skeleton.
  EXPECT_EQ(Redacted(kFlatAddress, "Brarnble Close"), "[restricted]");
  // A street's name before a town of the address, and a house name with a
  // building word, are redacted wherever they appear.
  EXPECT_EQ(Redacted(kCommonPhraseStreet, "Dropped at the station, Crewe"),
            "Dropped at the [restricted]");
  EXPECT_EQ(Redacted("Bramble House, 14 Bramble Close, Hanley", "a bramble house"),
            "a [restricted]");
  // A change from a lower-case to an upper-case letter is a word boundary.
  EXPECT_EQ(Redacted("3 Donald Road, Leek", "McDonald Road"), "Mc[restricted]");
}

// ---- Robustness ------------------------------------------------------------

TEST(RestrictedAddressMatcherTest, ArbitraryBytesGiveValidSpans) {
  const std::vector<std::string> addresses = {kFlatAddress, kWelsh};
  const auto matcher = RestrictedAddressMatcher::For(addresses);
  const std::string alphabet =
      std::string("14 BrambleClose%2&#;x\xc2\xa0\xe2\x80\x8b\xff\xd0\xb0"
                  "ST4QX.,\n") +
      std::string(1, '\0');
  uint32_t seed = 12345;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t length = round % 80;
    for (size_t i = 0; i < length; ++i) {
      seed = seed * 1664525u + 1013904223u;
      text.push_back(alphabet[(seed >> 8) % alphabet.size()]);
    }
    const auto matches = matcher.Find(text);
    size_t previous_end = 0;
    for (const auto& m : matches) {
      ASSERT_LT(m.begin, m.end) << text;
      ASSERT_LE(m.end, text.size()) << text;
      ASSERT_LE(previous_end, m.begin) << text;
      previous_end = m.end;
    }
    (void)matcher.Redact(text);
  }
}

TEST(RestrictedAddressMatcherTest, SafeFromManyThreadsAtOnce) {
  const std::vector<std::string> addresses = {kFlatAddress, kWelsh};
  const auto matcher = RestrictedAddressMatcher::For(addresses);
  const std::vector<std::string> texts = {
      "14 Br\u0430mble Close", "\u0405\u04221 4Q\u0425", "L\u00f4n Glyndw\u0302r",
      "\u4f60\u597d Bramble Cl \u0661\u0664", "nothing \u00e9\u00e8\u00ea"};
  std::vector<std::string> expected;
  for (const auto& t : texts) expected.push_back(matcher.Redact(t));
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const size_t k = static_cast<size_t>(i + t) % texts.size();
        if (matcher.Redact(texts[k]) != expected[k]) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(failures, ElementsAre(0, 0, 0, 0));
}

// Not a benchmark: 10,000 calls on a 1 kB text must simply finish (Find is
// linear in the text; see the header). A quadratic Find would take minutes.
TEST(RestrictedAddressMatcherTest, TenThousandCallsOnAKilobyteText) {
  const std::vector<std::string> addresses = {kFlatAddress, kNoPostcode};
  const auto matcher = RestrictedAddressMatcher::For(addresses);
  std::string text;
  while (text.size() < 1000) {
    absl::StrAppend(&text,
                    "Officer attended, spoke to the victim about safety. ");
  }
  absl::StrAppend(&text, "Alarm fitted at 14 Bramble Close.");
  size_t found = 0;
  for (int i = 0; i < 10000; ++i) found += matcher.Find(text).size();
  EXPECT_EQ(found, 10000u);
}

}  // namespace
}  // namespace casebridge::domain
