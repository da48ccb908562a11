#include <cstdlib>
#include <fstream>
#include <string>

#include "casebridge/v1/cases.pb.h"
#include "clients/cli/client.h"
#include "clients/cli/demo_tokens.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/names.h"
#include "gtest/gtest.h"

namespace casebridge::cli {
namespace {

// Every status code, against the table in exit_codes.h (and the README).
TEST(CliExitCodeTest, EveryStatusCodeMapsAsDocumented) {
  struct Case {
    absl::StatusCode code;
    ExitCode exit;
  };
  const Case cases[] = {
      {absl::StatusCode::kOk, ExitCode::kOk},
      {absl::StatusCode::kCancelled, ExitCode::kFailure},
      {absl::StatusCode::kUnknown, ExitCode::kFailure},
      {absl::StatusCode::kInvalidArgument, ExitCode::kUsage},
      {absl::StatusCode::kDeadlineExceeded, ExitCode::kUnavailable},
      {absl::StatusCode::kNotFound, ExitCode::kNotFoundOrDenied},
      {absl::StatusCode::kAlreadyExists, ExitCode::kConflict},
      {absl::StatusCode::kPermissionDenied, ExitCode::kNotFoundOrDenied},
      {absl::StatusCode::kResourceExhausted, ExitCode::kFailure},
      {absl::StatusCode::kFailedPrecondition, ExitCode::kConflict},
      {absl::StatusCode::kAborted, ExitCode::kConflict},
      {absl::StatusCode::kOutOfRange, ExitCode::kFailure},
      {absl::StatusCode::kUnimplemented, ExitCode::kFailure},
      {absl::StatusCode::kInternal, ExitCode::kFailure},
      {absl::StatusCode::kUnavailable, ExitCode::kUnavailable},
      {absl::StatusCode::kDataLoss, ExitCode::kFailure},
      {absl::StatusCode::kUnauthenticated, ExitCode::kNotFoundOrDenied},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ExitCodeFor(c.code), c.exit) << absl::StatusCodeToString(c.code);
  }
  EXPECT_EQ(static_cast<int>(ExitCode::kUsage), 2);
  EXPECT_EQ(static_cast<int>(ExitCode::kNotFoundOrDenied), 3);
  EXPECT_EQ(static_cast<int>(ExitCode::kUnavailable), 4);
  EXPECT_EQ(static_cast<int>(ExitCode::kConflict), 5);
}

TEST(CliExitCodeTest, FieldTravelsWithTheError) {
  absl::Status s =
      WithField(absl::InvalidArgumentError("occur_time: must not be in the future"),
                "incident.occur_time");
  EXPECT_EQ(FieldOfError(s), "incident.occur_time");
  std::string text = DescribeError(s);
  EXPECT_NE(text.find("error: occur_time: must not be in the future"), std::string::npos);
  EXPECT_NE(text.find("field: incident.occur_time"), std::string::npos);
  EXPECT_FALSE(FieldOfError(absl::NotFoundError("x")).has_value());
}

TEST(CliExitCodeTest, ServerErrorsBecomeStatusesWithTheFieldTrailer) {
  std::multimap<grpc::string_ref, grpc::string_ref> trailers;
  trailers.emplace("casebridge-field", "case.victim.family_name");
  absl::Status s = FromGrpc(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                         "case.victim.family_name: is required"),
                            trailers, "127.0.0.1:50051", "CreateCase");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOfError(s), "case.victim.family_name");
  EXPECT_EQ(ExitCodeFor(s.code()), ExitCode::kUsage);
}

TEST(CliExitCodeTest, UnimplementedSaysTheServerDoesNotOfferItYet) {
  absl::Status s = FromGrpc(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ""), {},
                            "127.0.0.1:50051", "ListProtectionOrders");
  EXPECT_EQ(ExitCodeFor(s.code()), ExitCode::kFailure);
  EXPECT_NE(s.message().find("the server does not offer this yet (ListProtectionOrders)"),
            absl::string_view::npos);
}

TEST(CliExitCodeTest, UnavailableNamesTheServer) {
  absl::Status s =
      FromGrpc(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"), {},
               "127.0.0.1:1", "ListCases");
  EXPECT_EQ(ExitCodeFor(s.code()), ExitCode::kUnavailable);
  EXPECT_NE(s.message().find("127.0.0.1:1"), absl::string_view::npos);
}

TEST(CliNamesTest, CaseArguments) {
  EXPECT_EQ(*CaseNameArg("SP-2026-000123", "CASE"), "cases/SP-2026-000123");
  EXPECT_EQ(*CaseNameArg("sp-2026-000123", "CASE"), "cases/SP-2026-000123");
  EXPECT_EQ(*CaseNameArg("cases/SP-2026-000123", "CASE"), "cases/SP-2026-000123");
  EXPECT_EQ(*CaseNameArg("3F2B9C1A-0000-4000-8000-000000000001", "CASE"),
            "cases/3f2b9c1a-0000-4000-8000-000000000001");
  absl::StatusOr<std::string> bad = CaseNameArg("nope", "CASE");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ExitCodeFor(bad.status().code()), ExitCode::kUsage);
  EXPECT_EQ(FieldOfError(bad.status()), "CASE");
}

TEST(CliNamesTest, EnumArguments) {
  EXPECT_EQ(*EnumArg(v1::Relationship_descriptor(), "ex-intimate", "--relationship"),
            v1::RELATIONSHIP_EX_INTIMATE);
  EXPECT_EQ(*EnumArg(v1::RiskLevel_descriptor(), "RISK_LEVEL_HIGH", "--risk"),
            v1::RISK_LEVEL_HIGH);
  EXPECT_FALSE(EnumArg(v1::RiskLevel_descriptor(), "unspecified", "--risk").ok());
  absl::StatusOr<std::vector<int>> b =
      EnumListArg(v1::Behaviour_descriptor(), {"following,calls", "following", "threats"},
                  "--behaviour", BehaviourAliases());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b,
            (std::vector<int>{v1::BEHAVIOUR_FOLLOWING, v1::BEHAVIOUR_CALLS_TEXTS_MESSAGES,
                              v1::BEHAVIOUR_THREATS}));
  absl::StatusOr<std::vector<int>> bad = EnumListArg(
      v1::Behaviour_descriptor(), {"folowing"}, "--behaviour", BehaviourAliases());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("following"), absl::string_view::npos);
}

TEST(CliNamesTest, PersonNames) {
  EXPECT_EQ(SplitPersonName("Alex Morgan"),
            (std::pair<std::string, std::string>{"Alex", "Morgan"}));
  EXPECT_EQ(SplitPersonName(" Mary Jane  Smith "),
            (std::pair<std::string, std::string>{"Mary Jane", "Smith"}));
  EXPECT_EQ(SplitPersonName("Cher"), (std::pair<std::string, std::string>{"", "Cher"}));
}

TEST(CliTokensTest, ParsesTheServersFileAndPicksTheUser) {
  const std::string path = ::testing::TempDir() + "/cli_demo_tokens.json";
  {
    std::ofstream out(path);
    out << R"([{"user": "pc.hughes", "agency": "Staffordshire Police", "agency_code": "SP",
               "roles": ["POLICE_OFFICER"], "token": "cbt_one"},
              {"user": "auditor.shah", "token": "cbt_two"}])";
  }
  EXPECT_EQ(*DemoTokenFor("auditor.shah", path), "cbt_two");
  absl::StatusOr<std::string> missing = DemoTokenFor("nobody", path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(ExitCodeFor(missing.status().code()), ExitCode::kUsage);
  EXPECT_NE(missing.status().message().find("pc.hughes, auditor.shah"),
            absl::string_view::npos);
  EXPECT_FALSE(ParseDemoTokens("{}").ok());
  EXPECT_FALSE(ParseDemoTokens("[{\"user\": 1}]").ok());
}

TEST(CliTokensTest, TokenPrecedence) {
  ConnectionOptions o;
  o.token = "explicit";
  EXPECT_EQ(*ResolveToken(o, "from-env", "/"), "explicit");
  o.as = "pc.hughes";
  EXPECT_FALSE(ResolveToken(o, "", "/").ok()) << "--token and --as together";
  ConnectionOptions none;
  EXPECT_EQ(*ResolveToken(none, "from-env", "/"), "from-env");
  absl::StatusOr<std::string> nothing = ResolveToken(none, "", "/");
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(ExitCodeFor(nothing.status().code()), ExitCode::kUsage);
}

}  // namespace
}  // namespace casebridge::cli
