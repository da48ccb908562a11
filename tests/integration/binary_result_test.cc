// BinaryResult reads what PostgreSQL's binary format sends exactly as the
// text format (the way the audit log was read before) prints it, and refuses
// the array shapes the server never writes instead of flattening them.

#include "storage/binary_result.h"

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/row.h"
#include "tests/support/postgres_environment.h"

namespace casebridge {
namespace {

using storage::BinaryResult;
using storage::Database;
using storage::Params;
using storage::Statement;
using storage::Tx;
using test_support::PostgresEnvironment;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class BinaryResultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conn = PostgresEnvironment::FreshDatabase();
    ASSERT_TRUE(conn.ok()) << conn.status();
    storage::DatabaseOptions options;
    options.connection_string = *conn;
    absl::StatusOr<std::unique_ptr<Database>> db = Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }

  // Runs `statement` in binary and hands the result to `check`.
  template <typename Check>
  void Read(const Statement& statement, const Params& params, Check check) {
    absl::Status s = db_->Transact(
        absl::Now() + absl::Seconds(30),
        [&](Tx& tx) {
          check(tx.ExecBinary(statement, params));
          return absl::OkStatus();
        },
        Database::Mode::kReadOnly);
    ASSERT_TRUE(s.ok()) << s;
  }

  std::unique_ptr<Database> db_;
};

constexpr Statement kScalars = {
    "test_binary_scalars",
    "SELECT $1::bigint AS n, $2::boolean AS b, $3::timestamptz AS t, $4::uuid AS u, "
    "$5::text AS s, decode($6, 'hex') AS raw, NULL::uuid AS no_uuid, NULL::text AS no_text, "
    "$4::uuid::text AS u_text, cb_micros($3::timestamptz) AS t_micros"};

TEST_F(BinaryResultTest, ScalarsReadAsTheTextFormatPrintsThem) {
  struct Case {
    int64_t n;
    bool b;
    std::string time;
    std::string uuid;
  } cases[] = {
      {0, false, "2000-01-01 00:00:00+00", "00000000-0000-0000-0000-000000000000"},
      {-1, true, "1999-12-31 23:59:59.999999+00", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"},
      {std::numeric_limits<int64_t>::max(), true, "2026-12-08 10:11:12.345678+00",
       "9f1c6a3e-4b2d-4e8f-a1b2-c3d4e5f60718"},
      {std::numeric_limits<int64_t>::min(), false, "1970-01-01 00:00:00+00",
       "{9f1c6a3e4b2d4e8fa1b2c3d4e5f60718}"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.time);
    Read(kScalars,
         Params().Int(c.n).Bool(c.b).Text(c.time).Text(c.uuid).Text("né\n\"x\"").Text("00ff10"),
         [&](const BinaryResult& r) {
           ASSERT_EQ(r.size(), 1);
           EXPECT_EQ(r.Int64(0, r.Column("n")), c.n);
           EXPECT_EQ(r.Bool(0, r.Column("b")), c.b);
           EXPECT_EQ(absl::ToUnixMicros(r.Time(0, r.Column("t"))),
                     r.Int64(0, r.Column("t_micros")));
           EXPECT_EQ(r.Uuid(0, r.Column("u")), std::string(r.Bytes(0, r.Column("u_text"))));
           EXPECT_EQ(r.Bytes(0, r.Column("s")), "né\n\"x\"");
           EXPECT_EQ(r.Bytes(0, r.Column("raw")), std::string("\x00\xff\x10", 3));
           EXPECT_TRUE(r.IsNull(0, r.Column("no_uuid")));
           EXPECT_EQ(r.Uuid(0, r.Column("no_uuid")), "");
           EXPECT_EQ(r.Bytes(0, r.Column("no_text")), "");
         });
  }
}

TEST_F(BinaryResultTest, AColumnNotInTheResultIsAnError) {
  Read(kScalars, Params().Int(1).Bool(true).Text("2026-01-01Z").Text(
                     "9f1c6a3e-4b2d-4e8f-a1b2-c3d4e5f60718").Text("").Text(""),
       [](const BinaryResult& r) { EXPECT_THROW(r.Column("nope"), std::logic_error); });
}

constexpr Statement kArrays = {
    "test_binary_arrays",
    "SELECT $1::text[] AS texts, $2::smallint[] AS smallints, "
    "array_to_json($1::text[])::text AS texts_json"};

TEST_F(BinaryResultTest, OneDimensionalArraysReadAsArrayToJsonDoes) {
  const char* texts[] = {"{}", "{a}", "{\"a b\",\"c,d\",\"\\\"q\\\"\"}", "{x,NULL,y}",
                         "{\"é€\",\"\"}"};
  for (const char* literal : texts) {
    SCOPED_TRACE(literal);
    Read(kArrays, Params().Text(literal).Text("{1,-2,32767,NULL}"),
         [&](const BinaryResult& r) {
           absl::StatusOr<std::vector<std::string>> read = r.TextArray(0, r.Column("texts"));
           ASSERT_TRUE(read.ok()) << read.status();
           EXPECT_EQ(*read,
                     storage::StringsFromJsonArray(r.Bytes(0, r.Column("texts_json"))));
           absl::StatusOr<std::vector<std::optional<int>>> ints =
               r.SmallIntArray(0, r.Column("smallints"));
           ASSERT_TRUE(ints.ok()) << ints.status();
           EXPECT_THAT(*ints, ElementsAre(1, -2, 32767, std::nullopt));
         });
  }
}

TEST_F(BinaryResultTest, ArraysOfShapesTheServerNeverWritesAreRefused) {
  // array_to_json prints each of these as the one-dimensional array it
  // resembles; read as that, a row whose array was reshaped would keep the
  // content its MAC covers.
  struct Case {
    const char* texts;
    const char* smallints;
    const char* why;
  } cases[] = {
      {"{{a},{b}}", "{{1},{2}}", "more than one dimension"},
      {"[0:1]={a,b}", "[0:0]={3}", "does not start at 1"},
      {"[2:2]={a}", "[5:5]={3}", "does not start at 1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.texts);
    Read(kArrays, Params().Text(c.texts).Text(c.smallints), [&](const BinaryResult& r) {
      absl::StatusOr<std::vector<std::string>> texts = r.TextArray(0, r.Column("texts"));
      EXPECT_FALSE(texts.ok());
      EXPECT_THAT(texts.status().message(), HasSubstr(c.why));
      absl::StatusOr<std::vector<std::optional<int>>> ints =
          r.SmallIntArray(0, r.Column("smallints"));
      EXPECT_FALSE(ints.ok());
      EXPECT_THAT(ints.status().message(), HasSubstr(c.why));
    });
  }
}

constexpr Statement kWrongTypes = {
    "test_binary_wrong_types",
    "SELECT 7::integer AS four_bytes, ARRAY[1,2]::integer[] AS ints, "
    "ARRAY['a']::text[] AS texts"};

TEST_F(BinaryResultTest, ValuesOfAnotherTypeAreRefusedNotMisread) {
  Read(kWrongTypes, Params(), [](const BinaryResult& r) {
    EXPECT_THROW(r.Int64(0, r.Column("four_bytes")), std::runtime_error);
    EXPECT_THROW(r.Uuid(0, r.Column("four_bytes")), std::runtime_error);
    EXPECT_FALSE(r.SmallIntArray(0, r.Column("ints")).ok());
    EXPECT_FALSE(r.SmallIntArray(0, r.Column("texts")).ok());
    EXPECT_FALSE(r.TextArray(0, r.Column("ints")).ok());
  });
}

constexpr Statement kBadSql = {"test_binary_bad_sql", "SELECT 1/0 AS n"};

TEST_F(BinaryResultTest, AFailedStatementIsAnErrorOfItsTransaction) {
  absl::Status s = db_->Transact(
      absl::Now() + absl::Seconds(30),
      [&](Tx& tx) {
        tx.ExecBinary(kBadSql);
        return absl::OkStatus();
      },
      Database::Mode::kReadOnly);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.code(), absl::StatusCode::kOk);
  // The connection is usable again afterwards.
  Read(kScalars, Params().Int(1).Bool(true).Text("2026-01-01Z").Text(
                     "9f1c6a3e-4b2d-4e8f-a1b2-c3d4e5f60718").Text("x").Text(""),
       [](const BinaryResult& r) { EXPECT_EQ(r.Int64(0, r.Column("n")), 1); });
}

}  // namespace
}  // namespace casebridge
