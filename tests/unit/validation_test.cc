#include "domain/validation.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

using ::testing::HasSubstr;

TEST(CheckTextTest, LengthInCharactersNotBytes) {
  EXPECT_TRUE(CheckText("f", "Siân", 4, true).ok());
  EXPECT_FALSE(CheckText("f", "Siân!", 4, true).ok());
  auto s = CheckText("case.summary", std::string(11, 'a'), 10, false);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(s), "case.summary");
  EXPECT_EQ(s.message(), "case.summary: must be at most 10 characters (got 11)");
}

TEST(CheckTextTest, RequiredRejectsBlank) {
  EXPECT_EQ(CheckText("reason", "  \n", 10, true).message(),
            "reason: is required");
  EXPECT_TRUE(CheckText("reason", "", 10, false).ok());
}

// UTF-8 of one code point, surrogates included (as CESU-8 would write them),
// so a test can build what no string literal may hold.
std::string Utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
  return out;
}

// `c` inside ordinary text, as it would be pasted.
std::string Inside(char32_t c) { return "Alex " + Utf8(c) + "Morgan"; }

// Refused in a required and an optional field, naming the field and the code
// point, with `why` in the message.
void ExpectRefused(char32_t c, absl::string_view why) {
  SCOPED_TRACE(absl::StrFormat("U+%04X", static_cast<uint32_t>(c)));
  for (bool required : {true, false}) {
    absl::Status s = CheckText("case.summary", Inside(c), kMaxLongText, required);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(FieldOf(s), "case.summary");
    EXPECT_THAT(std::string(s.message()),
                HasSubstr(absl::StrFormat("case.summary: contains U+%04X",
                                          static_cast<uint32_t>(c))));
    EXPECT_THAT(std::string(s.message()), HasSubstr(why));
  }
}

TEST(CheckTextTest, TheMessageNamesTheFieldAndTheCharacterAndWhatToDo) {
  EXPECT_EQ(CheckText("case.summary", Inside(0x202E), kMaxLongText, false).message(),
            "case.summary: contains U+202E (RIGHT-TO-LEFT OVERRIDE), an invisible "
            "formatting character that can disguise text; remove it");
  EXPECT_EQ(CheckText("notes", Inside(0x85), kMaxLongText, false).message(),
            "notes: contains U+0085, a control character; remove it");
  EXPECT_EQ(CheckText("notes", Inside(0x2028), kMaxLongText, false).message(),
            "notes: contains U+2028 (LINE SEPARATOR), a line or paragraph separator; "
            "use a new line instead");
  EXPECT_EQ(CheckText("notes", "ok \xff", 10, false).message(),
            "notes: is not valid UTF-8 text (byte 4 starts no character)");
}

TEST(CheckTextTest, RefusesBidirectionalControls) {
  // Embeddings, overrides, pop; isolates; the marks LRM, RLM and ALM.
  for (char32_t c : {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067,
                     0x2068, 0x2069, 0x200E, 0x200F, 0x061C}) {
    ExpectRefused(c, "an invisible formatting character that can disguise text");
  }
}

TEST(CheckTextTest, RefusesOtherInvisibleFormatCharacters) {
  // ZWSP, ZWNJ, ZWJ, word joiner, invisible operators, BOM (ZERO WIDTH NO-BREAK
  // SPACE), soft hyphen, Mongolian vowel separator, interlinear annotation,
  // a tag character (flag tag sequences hide text this way) and the Arabic
  // number sign: every general category Cf, from ICU's data.
  for (char32_t c : {0x200B, 0x200C, 0x200D, 0x2060, 0x2062, 0xFEFF, 0x00AD, 0x180E,
                     0xFFF9, 0xE0067, 0x0600}) {
    ExpectRefused(c, "an invisible formatting character that can disguise text");
  }
  EXPECT_THAT(std::string(CheckText("f", Inside(0xFEFF), 100, false).message()),
              HasSubstr("U+FEFF (ZERO WIDTH NO-BREAK SPACE)"));
  EXPECT_THAT(std::string(CheckText("f", Inside(0x200D), 100, false).message()),
              HasSubstr("U+200D (ZERO WIDTH JOINER)"));
}

TEST(CheckTextTest, RefusesControlsButNewlineCarriageReturnAndTab) {
  for (char32_t c : {0x00, 0x01, 0x07, 0x08, 0x0B, 0x0C, 0x1B, 0x1F, 0x7F, 0x80, 0x85,
                     0x9B, 0x9F}) {
    ExpectRefused(c, "a control character; remove it");
  }
  EXPECT_TRUE(CheckText("f", "line one\r\nline\ttwo\n", 100, true).ok());
}

TEST(CheckTextTest, RefusesLineAndParagraphSeparators) {
  ExpectRefused(0x2028, "a line or paragraph separator; use a new line instead");
  ExpectRefused(0x2029, "a line or paragraph separator; use a new line instead");
}

TEST(CheckTextTest, RefusesNoncharactersUnassignedCodePointsAndSurrogates) {
  for (char32_t c : {0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1FFFE, 0x10FFFF}) {
    ExpectRefused(c, "a noncharacter, which is never text; remove it");
  }
  // Unassigned in every Unicode version so far (and so in ICU's).
  for (char32_t c : {0x0378, 0x05FF, 0x2FFFF - 2, 0xE0080}) {
    ExpectRefused(c, "not a character in Unicode");
  }
  // Surrogates are not characters; UTF-8 may not encode them (CESU-8 does).
  for (char32_t c : {0xD800, 0xDBFF, 0xDC00, 0xDFFF}) {
    ExpectRefused(c, "a surrogate");
  }
}

TEST(CheckTextTest, RefusesMalformedUtf8) {
  for (std::string bad : {std::string("\xff"), std::string("\xc3"),  // truncated
                          std::string("\xc0\xaf"),                  // overlong
                          std::string("\xe0\x80\xaf"),              // overlong
                          std::string("\xf4\x90\x80\x80"),          // above U+10FFFF
                          std::string("\x80"), std::string("ab\xf0\x9f\x98")}) {
    SCOPED_TRACE(absl::CEscape(bad));
    absl::Status s = CheckText("f", bad, 10, false);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.message()), HasSubstr("is not valid UTF-8 text"));
  }
}

TEST(CheckTextTest, KeepsTextInEveryScriptAndEmoji) {
  const std::vector<std::string> valid = {
      // Welsh, with the circumflexed w and y.
      "Siân Llŵyd, Heol y Frenhines, Caerffili; ŷ ŵ Ŵ Ŷ",
      // Polish.
      "Zażółć gęślą jaźń. Łódź, ulica Piotrkowska 12",
      // Urdu and Arabic (right-to-left, with Arabic-Indic digits).
      "میں نے پولیس کو اطلاع دی، وہ ہر روز میرا پیچھا کرتا ہے",
      "تبعني إلى المنزل ٣ مرات هذا الأسبوع",
      // Chinese.
      "他每天跟踪我到公司，并在门口等我。",
      // Single emoji, a skin tone, a variation selector, a keycap and a flag
      // made of regional indicators: none needs a joiner.
      "😀 👍🏽 ❤️ 1️⃣ 🇬🇧",
      // Combining marks and other spaces are text.
      "Cafe\u0301 \u00A0 \u3000 \u2003 \u00E9",
  };
  for (const std::string& text : valid) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(CheckText("f", text, kMaxLongText, true).ok())
        << CheckText("f", text, kMaxLongText, true);
  }
  // A family emoji is emoji joined with U+200D: refused, naming the joiner.
  EXPECT_THAT(
      std::string(CheckText("f", "👩\u200D👩\u200D👧", 100, false).message()),
      HasSubstr("U+200D (ZERO WIDTH JOINER)"));
  // Code points, not bytes nor UTF-16 units: one emoji is one character.
  EXPECT_TRUE(CheckText("f", "😀", 1, true).ok());
}

TEST(CheckTextTest, RequiredRefusesUnicodeWhiteSpaceOnly) {
  for (char32_t c : {0x20, 0x09, 0x0A, 0x0D, 0xA0, 0x1680, 0x2000, 0x2007, 0x200A,
                     0x202F, 0x205F, 0x3000}) {
    SCOPED_TRACE(absl::StrFormat("U+%04X", static_cast<uint32_t>(c)));
    const std::string blank = Utf8(c) + " " + Utf8(c);
    absl::Status s = CheckText("case.victim.aliases[0]", blank, 100, true);
    EXPECT_EQ(s.message(), "case.victim.aliases[0]: is required");
    EXPECT_EQ(FieldOf(s), "case.victim.aliases[0]");
    EXPECT_TRUE(CheckText("f", blank, 100, false).ok()) << "optional: may be blank";
    EXPECT_TRUE(IsBlank(blank));
    EXPECT_TRUE(CheckText("f", blank + "x", 100, true).ok());
    EXPECT_FALSE(IsBlank(blank + "x"));
  }
  EXPECT_EQ(CheckText("f", "", 100, true).message(), "f: is required");
  EXPECT_TRUE(IsBlank(""));
}

TEST(CheckTextTest, LongTextLimit) {
  EXPECT_TRUE(
      CheckLongText("notes", std::string(kMaxLongText, 'a'), false).ok());
  EXPECT_EQ(FieldOf(CheckLongText("notes", std::string(kMaxLongText + 1, 'a'),
                                  false)),
            "notes");
  EXPECT_EQ(CheckLongText("notes", " ", true).message(), "notes: is required");
  EXPECT_TRUE(CheckLongText("notes", "", false).ok());
}

TEST(FieldPathTest, JoinsAndIndexes) {
  EXPECT_EQ(FieldPath("case.victim", "email"), "case.victim.email");
  EXPECT_EQ(FieldPath("", "email"), "email");
  EXPECT_EQ(FieldIndex(FieldPath("case", "suspects"), 2), "case.suspects[2]");
}

TEST(CheckEnumTest, UnspecifiedAndUnknown) {
  auto valid = [](int v) { return v >= 0 && v <= 3; };
  EXPECT_EQ(CheckEnum("level", 0, valid, false).message(), "level: is required");
  EXPECT_TRUE(CheckEnum("level", 0, valid, true).ok());
  EXPECT_EQ(CheckEnum("level", 7, valid, false).message(),
            "level: is not a known value");
  EXPECT_TRUE(CheckEnum("level", 2, valid, false).ok());
}

TEST(CheckTimestampTest, RangeAndPresence) {
  google::protobuf::Timestamp ts;
  EXPECT_EQ(CheckTimestamp("t", ts, false, true).message(), "t: is required");
  EXPECT_TRUE(CheckTimestamp("t", ts, false, false).ok());
  ts.set_seconds(253402300800);
  EXPECT_FALSE(CheckTimestamp("t", ts, true, false).ok());
  ts.set_seconds(0);
  ts.set_nanos(-1);
  EXPECT_FALSE(CheckTimestamp("t", ts, true, false).ok());
}

TEST(StaleEtagErrorTest, AbortedNamingWhatAndTheCurrentEtag) {
  absl::Status s = StaleEtagError("cases/x/incidents/y", "4");
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(s.message(),
            "cases/x/incidents/y was changed by someone else since you read it "
            "(current etag 4); read it again and reapply");
  EXPECT_EQ(StaleEtagError("case SP-2026-000001").message(),
            "case SP-2026-000001 was changed by someone else since you read it; "
            "read it again and reapply");
  EXPECT_FALSE(FieldOf(s).has_value()) << "a conflict, not bad input";
}

TEST(TimeConversionTest, RoundTripsAtMicrosecondPrecision) {
  absl::Time t = absl::FromUnixMicros(1795251600123456);
  EXPECT_EQ(ToAbslTime(ToProtoTime(t)), t);
  absl::Time before_epoch = absl::FromUnixMicros(-1500000);
  auto ts = ToProtoTime(before_epoch);
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 500000000);
  EXPECT_EQ(ToAbslTime(ts), before_epoch);
}

}  // namespace
}  // namespace casebridge::domain
