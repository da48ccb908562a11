#include "domain/list_query.h"

#include <limits>

#include "casebridge/v1/common.pb.h"
#include "domain/validation.h"
#include "gtest/gtest.h"

namespace casebridge::domain {
namespace {

constexpr absl::string_view kKeys[] = {"status", "risk_level", "updated_since",
                                      "has_active_order", "officer"};

TEST(ResolvePageSizeTest, DefaultsClampsAndRejectsNegative) {
  EXPECT_EQ(*ResolvePageSize(0), 50);
  EXPECT_EQ(*ResolvePageSize(1), 1);
  EXPECT_EQ(*ResolvePageSize(500), 500);
  EXPECT_EQ(*ResolvePageSize(501), 500);
  auto neg = ResolvePageSize(-1);
  EXPECT_EQ(neg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(neg.status()), "page_size");
}

TEST(ListFilterTest, EmptyFilterHasNoTerms) {
  auto f = ListFilter::Parse("   ", kKeys);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->empty());
}

TEST(ListFilterTest, ParsesConjunctionAnyCaseAnd) {
  auto f = ListFilter::Parse("status=OPEN and risk_level = HIGH AND officer=\"a AND b\"",
                             kKeys);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->Get("status"), "OPEN");
  EXPECT_EQ(f->Get("risk_level"), "HIGH");
  EXPECT_EQ(f->Get("officer"), "a AND b");
  EXPECT_EQ(f->Get("missing"), std::nullopt);
}

TEST(ListFilterTest, KeyWithAndInsideIsNotSplit) {
  constexpr absl::string_view keys[] = {"brand"};
  auto f = ListFilter::Parse("brand=ANDREW", keys);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->Get("brand"), "ANDREW");
}

TEST(ListFilterTest, RejectsUnknownKeysNamingTheSupportedOnes) {
  auto f = ListFilter::Parse("colour=red", kKeys);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(FieldOf(f.status()), "filter");
  EXPECT_NE(f.status().message().find("supported: status"), std::string::npos);
}

TEST(ListFilterTest, RejectsMalformedTerms) {
  for (absl::string_view bad :
       {"status", "status=", "status=OPEN AND", "status=OPEN AND status=CLOSED",
        "status=\"OPEN", "status=OP\"EN", "=OPEN"}) {
    auto f = ListFilter::Parse(bad, kKeys);
    EXPECT_FALSE(f.ok()) << bad;
    EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ListFilter::Parse(std::string(3000, 'x'), kKeys).ok());
}

TEST(ListFilterTest, TypedValues) {
  auto f = ListFilter::Parse(
      "has_active_order=true AND updated_since=2026-11-21T09:00:00Z AND "
      "risk_level=high",
      kKeys);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(**f->GetBool("has_active_order"), true);
  EXPECT_EQ(**f->GetTime("updated_since"),
            absl::FromUnixSeconds(1795251600));
  EXPECT_EQ(**f->GetEnum("risk_level", v1::RiskLevel_descriptor()),
            v1::RISK_LEVEL_HIGH);
  EXPECT_FALSE(f->GetEnum("status", v1::RiskLevel_descriptor())->has_value());
}

TEST(ListFilterTest, BadTypedValuesNameTheFilter) {
  auto f = ListFilter::Parse(
      "has_active_order=maybe AND updated_since=yesterday AND risk_level=SEVERE",
      kKeys);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(FieldOf(f->GetBool("has_active_order").status()), "filter");
  EXPECT_EQ(FieldOf(f->GetTime("updated_since").status()), "filter");
  auto e = f->GetEnum("risk_level", v1::RiskLevel_descriptor());
  EXPECT_EQ(FieldOf(e.status()), "filter");
  EXPECT_NE(e.status().message().find("STANDARD, MEDIUM, HIGH"),
            std::string::npos);
}

TEST(ListFilterTest, UnspecifiedEnumIsRejected) {
  auto f = ListFilter::Parse("risk_level=UNSPECIFIED", kKeys);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->GetEnum("risk_level", v1::RiskLevel_descriptor()).ok());
}

TEST(ListFilterTest, CanonicalIsOrderIndependent) {
  auto a = ListFilter::Parse("status=OPEN AND officer=x", kKeys);
  auto b = ListFilter::Parse("officer=x and status=OPEN", kKeys);
  EXPECT_EQ(a->Canonical(), b->Canonical());
}

TEST(PageTokenTest, RoundTripsAndBindsToTheQuery) {
  std::string token = EncodePageToken({"1795251600000000", "abc"}, "q1");
  auto back = DecodePageToken(token, "q1");
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ((*back)->sort_key, "1795251600000000");
  EXPECT_EQ((*back)->id, "abc");
  auto other = DecodePageToken(token, "q2");
  EXPECT_EQ(FieldOf(other.status()), "page_token");
  EXPECT_FALSE(DecodePageToken("garbage!!", "q1").ok());
  EXPECT_FALSE(DecodePageToken("Zm9v", "q1").ok());
  auto first = DecodePageToken("", "q1");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
}

// What reaches SQL is within what it accepts: an RFC 3339 time that parses
// but is outside years 0001..9999 is refused naming the filter, before a
// statement could fail on it.
TEST(ListFilterTest, TimesOutsideYearsOneToNineThousandNineHundredNinetyNine) {
  static constexpr absl::string_view kKeys[] = {"updated_since"};
  for (const char* text : {"0000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z",
                           "10000-01-01T00:00:00Z", "0000-12-31T23:59:59Z",
                           "-292277-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00"}) {
    SCOPED_TRACE(text);
    auto f = ListFilter::Parse(absl::StrCat("updated_since=", text), kKeys);
    ASSERT_TRUE(f.ok()) << f.status();
    auto t = f->GetTime("updated_since");
    ASSERT_FALSE(t.ok()) << absl::FormatTime(**t);
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(FieldOf(t.status()), "filter");
    EXPECT_EQ(t.status().message(),
              "filter: updated_since must be between 0001-01-01T00:00:00Z and "
              "9999-12-31T23:59:59Z");
  }
  for (const char* text : {"0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
                           "2026-11-21T09:00:00+01:00"}) {
    SCOPED_TRACE(text);
    auto f = ListFilter::Parse(absl::StrCat("updated_since=", text), kKeys);
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_TRUE(f->GetTime("updated_since").ok());
  }
}

TEST(ListFilterTest, RefusesWhatNoTextFieldMayHold) {
  static constexpr absl::string_view kKeys[] = {"reference"};
  for (std::string bad : {std::string("reference=SP\xe2\x80\xae-2026"),  // U+202E
                          std::string("reference=\xff"),
                          std::string("reference=a\x01b")}) {
    auto f = ListFilter::Parse(bad, kKeys);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(FieldOf(f.status()), "filter");
  }
}

// A position that decodes but that this server cannot have issued is
// refused naming page_token: an instant outside years 0001..9999 (INT64_MIN
// microseconds) or text that is not well formed, before it reaches SQL.
TEST(PageTokenTest, PositionsOutsideWhatSqlAcceptsAreRefused) {
  for (const std::string& key :
       {absl::StrCat(std::numeric_limits<int64_t>::min()),
        absl::StrCat(std::numeric_limits<int64_t>::max()), std::string("-62135596800000001"),
        std::string("253402300800000000"), std::string("12.5"), std::string("")}) {
    SCOPED_TRACE(key);
    absl::StatusOr<absl::Time> t = CursorTime(key);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(FieldOf(t.status()), "page_token");
    EXPECT_EQ(t.status().message(), "page_token: is not a token this server issued");
  }
  EXPECT_EQ(*CursorTime("-62135596800000000"),
            absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(*CursorTime("1795251600123456"), absl::FromUnixMicros(1795251600123456));
  EXPECT_FALSE(CursorTimeFromMicros(std::numeric_limits<int64_t>::min()).ok());

  for (const std::string& bad : {std::string("\xff\xfe"), std::string("a\0b", 3),
                                 std::string("\xed\xa0\x80")}) {
    auto decoded = DecodePageToken(EncodePageToken({bad, "id"}, "q"), "q");
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(FieldOf(decoded.status()), "page_token");
    decoded = DecodePageToken(EncodePageToken({"1", bad}, "q"), "q");
    EXPECT_EQ(FieldOf(decoded.status()), "page_token");
  }
}

TEST(EnumNameTest, ParsesShortFullAndNumber) {
  const auto* d = v1::AgencyKind_descriptor();
  EXPECT_EQ(ParseEnumName(d, "victim-service"), v1::AGENCY_KIND_VICTIM_SERVICE);
  EXPECT_EQ(ParseEnumName(d, "AGENCY_KIND_CPS"), v1::AGENCY_KIND_CPS);
  EXPECT_EQ(ParseEnumName(d, "1"), v1::AGENCY_KIND_POLICE);
  EXPECT_EQ(ParseEnumName(d, "nope"), std::nullopt);
  EXPECT_EQ(ShortEnumName(d, v1::AGENCY_KIND_VICTIM_SERVICE), "VICTIM_SERVICE");
  EXPECT_EQ(ShortEnumName(v1::RiskLevel_descriptor(), v1::RISK_LEVEL_HIGH),
            "HIGH");
}

}  // namespace
}  // namespace casebridge::domain
