#include "domain/validation.h"

#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

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

TEST(CheckTextTest, RejectsBadUtf8AndControlCharacters) {
  EXPECT_FALSE(CheckText("f", "\xff", 10, false).ok());
  EXPECT_FALSE(CheckText("f", "\xc3", 10, false).ok());          // truncated
  EXPECT_FALSE(CheckText("f", "\xc0\xaf", 10, false).ok());      // overlong
  EXPECT_FALSE(CheckText("f", "\xed\xa0\x80", 10, false).ok());  // surrogate
  EXPECT_FALSE(CheckText("f", std::string("a\0b", 3), 10, false).ok());
  EXPECT_FALSE(CheckText("f", "a\x1b[31m", 10, false).ok());
  EXPECT_TRUE(CheckText("f", "line one\nline\ttwo", 100, false).ok());
  EXPECT_TRUE(CheckText("f", "\xf0\x9f\x98\x80", 1, false).ok());  // emoji
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
