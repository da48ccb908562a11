// Least privilege at every edge: scoped administration, credentials on the
// record, calls refused before a handler runs, fair share and the audit's
// reach. Each test is a finding of the issue "Least privilege at every
// edge" made into a check that failed on the code before it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "domain/validation.h"
#include "casebridge/v1/admin.grpc.pb.h"
#include "casebridge/v1/audit.grpc.pb.h"
#include "casebridge/v1/cases.grpc.pb.h"
#include "casebridge/v1/protection_orders.grpc.pb.h"
#include "domain/resource_names.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_server.h"

namespace casebridge {
namespace {

using ::testing::HasSubstr;
using test_support::TestServer;

std::chrono::system_clock::time_point In(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

class EdgesTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(test_support::TestServerOptions options) {
    server_.reset();
    auto server = TestServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    admin_ = v1::AdminService::NewStub(server_->channel());
    cases_ = v1::CaseService::NewStub(server_->channel());
    audit_ = v1::AuditService::NewStub(server_->channel());
  }

  int64_t Count(absl::string_view table) {
    return std::stoll(*server_->Query(absl::StrCat("SELECT count(*) FROM ", table)));
  }

  // A fresh user of an agency, enrolled: its users/{id}.
  std::string NewUser(const std::string& username, const std::string& code,
                      v1::Role role) {
    EXPECT_TRUE(server_->AddUser(username, code, "", v1::AGENCY_KIND_POLICE, role).ok());
    return server_->User(username);
  }

  v1::User GetUser(const std::string& name) {
    v1::GetUserRequest req;
    req.set_name(name);
    v1::User user;
    EXPECT_GRPC_OK(admin_->GetUser(server_->Context("admin").get(), req, &user));
    return user;
  }

  // The newest audit event of a method, as an auditor of every agency reads
  // it (straight from the table: the API's scope is tested apart).
  std::string LastEventField(absl::string_view method, absl::string_view column) {
    return *server_->Query(absl::StrCat(
        "SELECT coalesce((SELECT ", column, " FROM audit_events WHERE method = "
        "'/casebridge.v1.", method, "' ORDER BY id DESC LIMIT 1)::text, '(none)')"));
  }

  std::unique_ptr<TestServer> server_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::CaseService::Stub> cases_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

// --- Administration ----------------------------------------------------------

// Found: a Stoke-on-Trent City Council administrator issued a token for a
// Staffordshire Police officer (or made a new officer and issued one) and
// read a case in full.
TEST_F(EdgesTest, ACouncilAdministratorCannotReachAPoliceOfficer) {
  const std::string officer = server_->User("pc.hughes");
  const int64_t users = Count("users"), tokens = Count("tokens"),
                codes = Count("enrolment_codes");
  auto as_council_admin = [&] { return server_->Context("admin.sotcc"); };

  v1::IssueTokenRequest issue;
  issue.set_user(officer);
  v1::IssueTokenResponse issued;
  grpc::Status s = admin_->IssueToken(as_council_admin().get(), issue, &issued);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("yourself only"));

  v1::CreateEnrolmentCodeRequest code;
  code.set_user(officer);
  v1::EnrolmentCode made;
  s = admin_->CreateEnrolmentCode(as_council_admin().get(), code, &made);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("your own agency"));

  v1::CreateUserRequest create;
  create.mutable_user()->set_username("pc.planted");
  create.mutable_user()->set_display_name("PC Planted");
  create.mutable_user()->set_agency(server_->Agency("SP"));
  create.mutable_user()->add_roles(v1::ROLE_POLICE_OFFICER);
  v1::User user;
  EXPECT_GRPC_CODE(admin_->CreateUser(as_council_admin().get(), create, &user),
                   grpc::StatusCode::PERMISSION_DENIED);

  // Nor can the force's own administrator issue the officer a token: no
  // administrator holds a credential that acts as another person.
  EXPECT_GRPC_CODE(admin_->IssueToken(server_->Context("admin.sp").get(), issue, &issued),
                   grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_GRPC_CODE(admin_->IssueToken(server_->Context("admin").get(), issue, &issued),
                   grpc::StatusCode::PERMISSION_DENIED);

  EXPECT_EQ(Count("users"), users);
  EXPECT_EQ(Count("tokens"), tokens);
  EXPECT_EQ(Count("enrolment_codes"), codes);
}

// Found: one agency's administrator could disable another agency's
// administrators and revoke its users' tokens.
TEST_F(EdgesTest, NoAdministratorActsOnAnotherAgencysUsers) {
  v1::DisableUserRequest disable;
  disable.set_name(server_->User("admin.sp"));
  disable.set_reason("hostile");
  v1::User out;
  EXPECT_GRPC_CODE(admin_->DisableUser(server_->Context("admin.sotcc").get(), disable, &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  disable.set_name(server_->User("pc.hughes"));
  EXPECT_GRPC_CODE(admin_->DisableUser(server_->Context("admin.sotcc").get(), disable, &out),
                   grpc::StatusCode::PERMISSION_DENIED);

  v1::ListTokensRequest list;
  list.set_user(server_->User("pc.hughes"));
  v1::ListTokensResponse tokens;
  ASSERT_GRPC_OK(admin_->ListTokens(server_->Context("admin.sp").get(), list, &tokens));
  ASSERT_GE(tokens.tokens_size(), 1);
  v1::RevokeTokenRequest revoke;
  revoke.set_name(tokens.tokens(0).name());
  v1::Token revoked;
  EXPECT_GRPC_CODE(admin_->RevokeToken(server_->Context("admin.sotcc").get(), revoke, &revoked),
                   grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_GRPC_CODE(admin_->ListTokens(server_->Context("admin.sotcc").get(), list, &tokens),
                   grpc::StatusCode::PERMISSION_DENIED);
  // An agency administrator lists its own agency only, whatever it asks.
  v1::ListUsersRequest users;
  users.set_filter(absl::StrCat("agency=", server_->Agency("SP")));
  v1::ListUsersResponse listed;
  EXPECT_GRPC_CODE(admin_->ListUsers(server_->Context("admin.sotcc").get(), users, &listed),
                   grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_GRPC_OK(admin_->ListUsers(server_->Context("admin.sotcc").get(),
                                   v1::ListUsersRequest(), &listed));
  for (const v1::User& u : listed.users()) EXPECT_EQ(u.agency(), server_->Agency("SOTCC"));

  // The officer's token still works.
  v1::GetCurrentUserRequest me;
  EXPECT_GRPC_OK(admin_->GetCurrentUser(server_->Context("pc.hughes").get(), me, &out));
  EXPECT_EQ(*server_->Query("SELECT count(*) FROM users WHERE disabled"), "0");
}

// Found: an account could hold ROLE_ADMINISTRATOR and ROLE_POLICE_OFFICER
// together.
TEST_F(EdgesTest, AnAdministratorHoldsNoCaseRole) {
  v1::CreateUserRequest create;
  create.mutable_user()->set_username("admin.officer");
  create.mutable_user()->set_display_name("Both");
  create.mutable_user()->set_agency(server_->Agency("SP"));
  create.mutable_user()->add_roles(v1::ROLE_POLICE_OFFICER);
  create.mutable_user()->add_roles(v1::ROLE_ADMINISTRATOR);
  v1::User out;
  auto context = server_->Context("admin");
  EXPECT_GRPC_CODE(admin_->CreateUser(context.get(), create, &out),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(*context), "user.roles[1]");
  // An officer cannot be given the administrator role either.
  v1::SetUserRolesRequest roles;
  roles.set_name(server_->User("pc.hughes"));
  roles.add_roles(v1::ROLE_POLICE_OFFICER);
  roles.add_roles(v1::ROLE_ADMINISTRATOR);
  roles.set_etag(GetUser(roles.name()).etag());
  roles.set_reason("promotion");
  EXPECT_GRPC_CODE(admin_->SetUserRoles(server_->Context("admin.sp").get(), roles, &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  // And the database refuses it whoever writes.
  EXPECT_FALSE(server_
                   ->Query("UPDATE users SET roles = '{1,7}' WHERE username = 'pc.hughes' "
                           "RETURNING 1")
                   .ok());
  EXPECT_EQ(*server_->Query("SELECT count(*) FROM users WHERE 7 = ANY (roles) AND "
                            "cardinality(roles) > 1"),
            "0");
}

TEST_F(EdgesTest, APersonEnrolsOnceAndAReEnrolmentReplacesTheirCredentials) {
  v1::CreateUserRequest create;
  create.mutable_user()->set_username("pc.new");
  create.mutable_user()->set_display_name("PC New");
  create.mutable_user()->set_agency(server_->Agency("SP"));
  create.mutable_user()->add_roles(v1::ROLE_POLICE_OFFICER);
  v1::User user;
  ASSERT_GRPC_OK(admin_->CreateUser(server_->Context("admin.sp").get(), create, &user));

  auto code_for = [&](v1::EnrolmentCode* code) {
    v1::CreateEnrolmentCodeRequest req;
    req.set_user(user.name());
    return admin_->CreateEnrolmentCode(server_->Context("admin.sp").get(), req, code);
  };
  auto redeem = [&](const std::string& code, v1::IssueTokenResponse* token) {
    v1::RedeemEnrolmentCodeRequest req;
    req.set_code(code);
    grpc::ClientContext context;  // No credential: the code is one.
    context.set_deadline(In(30));
    return admin_->RedeemEnrolmentCode(&context, req, token);
  };
  v1::EnrolmentCode first, second;
  ASSERT_GRPC_OK(code_for(&first));
  ASSERT_GRPC_OK(code_for(&second));
  EXPECT_EQ(first.created_by(), server_->User("admin.sp"));
  // The newer code replaces the older.
  v1::IssueTokenResponse token;
  grpc::Status s = redeem(first.code(), &token);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("cannot be used"));
  // Typed in lower case without hyphens, it still works; only once.
  std::string typed = absl::AsciiStrToLower(second.code());
  typed.erase(std::remove(typed.begin(), typed.end(), '-'), typed.end());
  ASSERT_GRPC_OK(redeem(typed, &token));
  EXPECT_EQ(token.token().origin(), v1::TOKEN_ORIGIN_ENROLMENT);
  EXPECT_EQ(token.token().created_by(), server_->User("admin.sp"));
  EXPECT_TRUE(token.token().has_expire_time());
  EXPECT_EQ(redeem(second.code(), &token).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  // Its token is the person's.
  grpc::ClientContext as_new;
  as_new.AddMetadata("authorization", absl::StrCat("Bearer ", token.secret()));
  v1::User me;
  ASSERT_GRPC_OK(admin_->GetCurrentUser(&as_new, v1::GetCurrentUserRequest(), &me));
  EXPECT_EQ(me.username(), "pc.new");

  // While the person has a working token, no new code: an administrator
  // cannot quietly hold a credential of someone still using theirs.
  v1::EnrolmentCode third;
  s = code_for(&third);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("revoke them first"));
  v1::RevokeTokenRequest revoke;
  revoke.set_name(token.token().name());
  v1::Token revoked;
  ASSERT_GRPC_OK(admin_->RevokeToken(server_->Context("admin.sp").get(), revoke, &revoked));
  EXPECT_GRPC_OK(code_for(&third));

  // The redemption is on the record, naming the user and the code.
  EXPECT_EQ(LastEventField("AdminService/RedeemEnrolmentCode", "username"), "pc.new");
  EXPECT_THAT(LastEventField("AdminService/RedeemEnrolmentCode", "credential"),
              HasSubstr("/enrolmentCodes/"));
}

TEST_F(EdgesTest, PersonalTokensAreForYourselfAndServiceAccountsAreExplicit) {
  v1::IssueTokenRequest own;
  own.set_user(server_->User("pc.hughes"));
  own.set_description("laptop");
  v1::IssueTokenResponse issued;
  ASSERT_GRPC_OK(admin_->IssueToken(server_->Context("pc.hughes").get(), own, &issued));
  EXPECT_EQ(issued.token().origin(), v1::TOKEN_ORIGIN_PERSONAL);
  // Personal tokens end: 90 days unless asked, never more than a year.
  const absl::Duration life =
      domain::ToAbslTime(issued.token().expire_time()) - absl::Now();
  EXPECT_GT(life, absl::Hours(24 * 89));
  EXPECT_LT(life, absl::Hours(24 * 91));
  *own.mutable_expire_time() = domain::ToProtoTime(absl::Now() + absl::Hours(24 * 400));
  auto context = server_->Context("pc.hughes");
  EXPECT_GRPC_CODE(admin_->IssueToken(context.get(), own, &issued),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(*context), "expire_time");

  // A service account: made and issued by the system administrator; it can
  // say who it is and nothing more.
  v1::CreateUserRequest create;
  create.mutable_user()->set_username("web.frontend");
  create.mutable_user()->set_display_name("Casebridge web front end");
  create.mutable_user()->set_agency(server_->Agency("SP"));
  create.mutable_user()->set_kind(v1::USER_KIND_SERVICE);
  create.mutable_user()->add_roles(v1::ROLE_FRONT_END);
  v1::User service;
  EXPECT_GRPC_CODE(admin_->CreateUser(server_->Context("admin.sp").get(), create, &service),
                   grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_GRPC_OK(admin_->CreateUser(server_->Context("admin").get(), create, &service));
  v1::IssueTokenRequest for_service;
  for_service.set_user(service.name());
  ASSERT_GRPC_OK(admin_->IssueToken(server_->Context("admin").get(), for_service, &issued));
  EXPECT_EQ(issued.token().origin(), v1::TOKEN_ORIGIN_SERVICE);
  grpc::ClientContext as_service;
  as_service.AddMetadata("authorization", absl::StrCat("Bearer ", issued.secret()));
  v1::ListCasesResponse listed;
  EXPECT_GRPC_CODE(cases_->ListCases(&as_service, v1::ListCasesRequest(), &listed),
                   grpc::StatusCode::PERMISSION_DENIED);
  // A person cannot be made into a front end.
  create.mutable_user()->set_username("pc.frontend");
  create.mutable_user()->set_kind(v1::USER_KIND_PERSON);
  auto made = server_->Context("admin");
  EXPECT_GRPC_CODE(admin_->CreateUser(made.get(), create, &service),
                   grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(test_support::FieldOf(*made), "user.roles[0]");
}

// Found: no RPC re-enabled a user, changed roles or moved a user: recovery
// was SQL.
TEST_F(EdgesTest, EnableChangeRolesAndMoveAreThereAndAudited) {
  const std::string user = NewUser("pc.mover", "SP", v1::ROLE_POLICE_OFFICER);
  v1::User out;
  v1::DisableUserRequest disable;
  disable.set_name(user);
  disable.set_reason("Suspended pending review");
  ASSERT_GRPC_OK(admin_->DisableUser(server_->Context("admin.sp").get(), disable, &out));
  EXPECT_TRUE(out.disabled());
  EXPECT_EQ(out.disable_reason(), "Suspended pending review");
  v1::EnableUserRequest enable;
  enable.set_name(user);
  enable.set_reason("Review closed");
  EXPECT_GRPC_CODE(admin_->EnableUser(server_->Context("admin.sotcc").get(), enable, &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_GRPC_OK(admin_->EnableUser(server_->Context("admin.sp").get(), enable, &out));
  EXPECT_FALSE(out.disabled());
  EXPECT_EQ(LastEventField("AdminService/EnableUser", "message"), "Review closed");
  EXPECT_GRPC_CODE(admin_->EnableUser(server_->Context("admin.sp").get(), enable, &out),
                   grpc::StatusCode::FAILED_PRECONDITION);

  v1::SetUserRolesRequest roles;
  roles.set_name(user);
  roles.add_roles(v1::ROLE_POLICE_SUPERVISOR);
  roles.set_etag(out.etag());
  roles.set_reason("Promoted to sergeant");
  ASSERT_GRPC_OK(admin_->SetUserRoles(server_->Context("admin.sp").get(), roles, &out));
  EXPECT_THAT(out.roles(), ::testing::ElementsAre(v1::ROLE_POLICE_SUPERVISOR));
  // A stale etag is ABORTED, and nothing changes.
  roles.clear_roles();
  roles.add_roles(v1::ROLE_AUDITOR);
  EXPECT_GRPC_CODE(admin_->SetUserRoles(server_->Context("admin.sp").get(), roles, &out),
                   grpc::StatusCode::ABORTED);

  // A move is the system administrator's; the mover's tokens end with it.
  v1::MoveUserRequest move;
  move.set_name(user);
  move.set_agency(server_->Agency("WMP"));
  move.add_roles(v1::ROLE_POLICE_OFFICER);
  move.set_etag(GetUser(user).etag());
  move.set_reason("Transferred to West Mercia");
  EXPECT_GRPC_CODE(admin_->MoveUser(server_->Context("admin.sp").get(), move, &out),
                   grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_GRPC_OK(admin_->MoveUser(server_->Context("admin").get(), move, &out));
  EXPECT_EQ(out.agency(), server_->Agency("WMP"));
  v1::User me;
  EXPECT_GRPC_CODE(admin_->GetCurrentUser(server_->Context("pc.mover").get(),
                                          v1::GetCurrentUserRequest(), &me),
                   grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(LastEventField("AdminService/MoveUser", "message"), "Transferred to West Mercia");
  EXPECT_EQ(LastEventField("AdminService/MoveUser", "username"), "admin");
}

// Found: events carried no credential, so "who saw this case" blamed the
// officer whose token an administrator had made.
TEST_F(EdgesTest, EveryEventNamesTheCredentialThatActed) {
  v1::Case c = test_support::CreateCaseAs(*server_, "pc.hughes");
  v1::IssueTokenRequest own;
  own.set_user(server_->User("pc.hughes"));
  v1::IssueTokenResponse second;
  ASSERT_GRPC_OK(admin_->IssueToken(server_->Context("pc.hughes").get(), own, &second));
  v1::GetCaseRequest get;
  get.set_name(c.name());
  v1::Case out;
  grpc::ClientContext with_second;
  with_second.AddMetadata("authorization", absl::StrCat("Bearer ", second.secret()));
  ASSERT_GRPC_OK(cases_->GetCase(&with_second, get, &out));
  ASSERT_GRPC_OK(cases_->GetCase(server_->Context("pc.hughes").get(), get, &out));

  v1::ListAuditEventsRequest list;
  list.set_filter(absl::StrCat("case=", c.name(), " AND method=/casebridge.v1.CaseService/GetCase"));
  v1::ListAuditEventsResponse events;
  ASSERT_GRPC_OK(audit_->ListAuditEvents(server_->Context("auditor.shah").get(), list, &events));
  ASSERT_EQ(events.events_size(), 2);
  EXPECT_EQ(events.events(1).credential(), second.token().name());
  EXPECT_THAT(events.events(0).credential(),
              ::testing::StartsWith(absl::StrCat(server_->User("pc.hughes"), "/tokens/")));
  EXPECT_NE(events.events(0).credential(), events.events(1).credential());
  EXPECT_EQ(*server_->Query("SELECT count(*) FROM audit_events WHERE user_id IS NOT NULL "
                            "AND credential = '' AND method LIKE '/casebridge.v1.%'"),
            "0");
}

// --- Calls refused before a handler runs --------------------------------------

// Found: of 140 calls by one user, 98 were audited; unparseable bodies came
// back INTERNAL with an empty message.
class RefusedCallsTest : public EdgesTest {
 protected:
  // One call through the generic stub, with raw request bytes.
  grpc::Status Raw(const std::string& method, const std::string& bytes,
                   const std::string& user = "pc.hughes") {
    grpc::GenericStub stub(server_->channel());
    grpc::ClientContext context;
    context.set_deadline(In(30));
    if (!user.empty()) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", server_->Token(user)));
    }
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }
};

TEST_F(RefusedCallsTest, UnreadableBodiesAreInvalidArgumentAuditedWithTheCaller) {
  const std::string get_case = "/casebridge.v1.CaseService/GetCase";
  v1::GetCaseRequest valid;
  valid.set_name("cases/SP-2026-000001");
  const std::string bytes = valid.SerializeAsString();
  // Field 1 (name), length 2, bytes that are not UTF-8.
  const std::string not_utf8 = std::string("\x0a\x02\xc3\x28", 4);
  for (const std::string& body : {std::string("\xff\xff\xff\xff", 4),
                                  bytes.substr(0, bytes.size() - 3), not_utf8}) {
    grpc::Status s = Raw(get_case, body);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("casebridge.v1.GetCaseRequest"));
    EXPECT_THAT(s.error_message(), HasSubstr("nothing was done"));
  }
  EXPECT_EQ(*server_->CountAuditedCalls(absl::StrCat(
                "method = '", get_case, "' AND outcome = 'INVALID_ARGUMENT' AND "
                "username = 'pc.hughes' AND credential <> ''")),
            3);
  // Without a credential: still audited (summarised), the same answer.
  EXPECT_EQ(Raw(get_case, "\xff\xff", "").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(*server_->CountAuditedCalls(absl::StrCat(
                "method = '", get_case, "' AND outcome = 'INVALID_ARGUMENT' AND user_id IS NULL")),
            1);
}

TEST_F(RefusedCallsTest, OversizeRequestsAreResourceExhaustedAndAudited) {
  Start({.max_request_bytes = 64 * 1024});
  v1::CreateCaseRequest big;
  *big.mutable_case_() = test_support::SampleCase();
  big.mutable_case_()->set_summary(std::string(100 * 1024, 'x'));
  const int64_t cases_before = Count("cases");
  grpc::Status s = Raw("/casebridge.v1.CaseService/CreateCase", big.SerializeAsString());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_FALSE(s.error_message().empty());
  EXPECT_EQ(Count("cases"), cases_before);
  EXPECT_EQ(*server_->CountAuditedCalls(
                "method = '/casebridge.v1.CaseService/CreateCase' AND "
                "outcome = 'RESOURCE_EXHAUSTED' AND username = 'pc.hughes'"),
            1);
}

TEST_F(RefusedCallsTest, UnknownMethodsAreUnimplementedAndAudited) {
  for (const char* method : {"/casebridge.v1.CaseService/DeleteEverything",
                             "/casebridge.v9.NoService/Go", "/grpc.nope/X"}) {
    grpc::Status s = Raw(method, "");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_THAT(s.error_message(), HasSubstr(method));
    EXPECT_THAT(s.error_message(), HasSubstr("not a method of this Casebridge server"));
  }
  EXPECT_EQ(*server_->CountAuditedCalls(
                "outcome = 'UNIMPLEMENTED' AND username = 'pc.hughes' AND credential <> ''"),
            3);
}

// Every kind of call one user makes is on the record, with the user.
TEST_F(RefusedCallsTest, EveryCallOfOneUserIsAudited) {
  Start({.max_request_bytes = 64 * 1024});
  v1::Case c = test_support::CreateCaseAs(*server_, "pc.hughes");
  v1::GetCaseRequest get;
  get.set_name(c.name());
  v1::CreateCaseRequest big;
  big.mutable_case_()->set_summary(std::string(100 * 1024, 'x'));
  const int64_t before = *server_->CountAuditedCalls("username = 'pc.hughes'");
  int calls = 0;
  for (int i = 0; i < 28; ++i) {
    Raw("/casebridge.v1.CaseService/GetCase", get.SerializeAsString());  // OK
    Raw("/casebridge.v1.CaseService/GetCase", "\xff\xff\xff");          // unreadable
    Raw("/casebridge.v1.CaseService/GetCase", std::string("\x0a\x02\xc3\x28", 4));
    Raw("/casebridge.v1.CaseService/CreateCase", big.SerializeAsString());  // too big
    Raw("/casebridge.v1.CaseService/Nope", "");                             // unknown
    calls += 5;
  }
  EXPECT_EQ(calls, 140);
  EXPECT_EQ(*server_->CountAuditedCalls("username = 'pc.hughes'") - before, calls);
}

// gRPC's own thread quota refuses calls before any handler: they are on the
// record too.
TEST_F(RefusedCallsTest, CallsRefusedByTheThreadQuotaAreAudited) {
  Start({.max_threads = 6});
  v1::Case c = test_support::CreateCaseAs(*server_, "pc.hughes");
  pqxx::connection holder(server_->database());
  pqxx::work hold(holder);
  hold.exec(absl::StrCat("SELECT 1 FROM cases WHERE id = '", domain::IdOf(c.name()),
                         "' FOR UPDATE"));
  std::vector<std::future<grpc::Status>> calls;
  for (int i = 0; i < 12; ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] {
      v1::UpdateCaseRequest update;
      update.mutable_case_()->set_name(c.name());
      update.mutable_case_()->set_etag(c.etag());
      update.mutable_case_()->set_summary(absl::StrCat("Updated ", i));
      update.mutable_update_mask()->add_paths("summary");
      v1::Case out;
      auto context = server_->Context(i % 2 == 0 ? "pc.hughes" : "sgt.khan");
      context->set_deadline(In(5));
      return cases_->UpdateCase(context.get(), update, &out);
    }));
  }
  absl::SleepFor(absl::Seconds(1));
  hold.abort();
  int quota = 0;
  for (auto& f : calls) {
    grpc::Status s = f.get();
    if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++quota;
      EXPECT_FALSE(s.error_message().empty());
    }
  }
  EXPECT_GT(quota, 0) << "the quota of 6 threads should have refused some of 12";
  EXPECT_EQ(*server_->CountAuditedCalls(
                "method = '/casebridge.v1.CaseService/UpdateCase' AND "
                "outcome = 'RESOURCE_EXHAUSTED'"),
            quota);
  // Every call is on the record, whatever its outcome.
  EXPECT_EQ(*server_->CountAuditedCalls("method = '/casebridge.v1.CaseService/UpdateCase'"),
            12);
}

// --- Fair share ---------------------------------------------------------------

// Found: one user's 300 concurrent calls made another user's calls fail 5
// times in 13.
TEST_F(EdgesTest, OneUserCannotTakeAnothersShare) {
  Start({.fair_share = {.max_calls_per_user = 2}});
  v1::Case c = test_support::CreateCaseAs(*server_, "pc.hughes");
  // Hold the case's row so the officer's updates wait.
  pqxx::connection holder(server_->database());
  pqxx::work hold(holder);
  hold.exec(absl::StrCat("SELECT 1 FROM cases WHERE id = '", domain::IdOf(c.name()),
                         "' FOR UPDATE"));
  std::vector<std::future<grpc::Status>> waiting;
  for (int i = 0; i < 2; ++i) {
    waiting.push_back(std::async(std::launch::async, [&, i] {
      v1::UpdateCaseRequest update;
      update.mutable_case_()->set_name(c.name());
      update.mutable_case_()->set_etag(c.etag());
      update.mutable_case_()->set_summary(absl::StrCat("Updated ", i));
      update.mutable_update_mask()->add_paths("summary");
      v1::Case out;
      return cases_->UpdateCase(server_->Context("pc.hughes").get(), update, &out);
    }));
  }
  // Both are in the server, waiting on the row.
  for (int i = 0; i < 200 && server_->app().fair_share().InFlightForUser(
                                 domain::IdOf(server_->User("pc.hughes"))) < 2;
       ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  v1::GetCaseRequest get;
  get.set_name(c.name());
  v1::Case out;
  grpc::Status third = cases_->GetCase(server_->Context("pc.hughes").get(), get, &out);
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(third.error_message(), HasSubstr("your fair share"));
  // Another officer is served.
  EXPECT_GRPC_OK(cases_->GetCase(server_->Context("sgt.khan").get(), get, &out));
  hold.abort();
  int ok = 0;
  for (auto& f : waiting) ok += f.get().ok() ? 1 : 0;
  EXPECT_GE(ok, 1);  // the second may find the first's new etag
  EXPECT_EQ(*server_->CountAuditedCalls(
                "username = 'pc.hughes' AND outcome = 'RESOURCE_EXHAUSTED'"),
            1);
}

// Found: a 300-way flood with no token wrote ~3,100 audit rows a second.
TEST_F(EdgesTest, AnAnonymousFloodIsAccountedForWithoutARowPerCall) {
  const std::string method = "/casebridge.v1.CaseService/ListCases";
  const int64_t rows_before =
      std::stoll(*server_->Query(absl::StrCat(
          "SELECT count(*) FROM audit_events WHERE method = '", method, "'")));
  std::atomic<int> refused{0};
  std::vector<std::thread> flood;
  for (int t = 0; t < 10; ++t) {
    flood.emplace_back([&] {
      for (int i = 0; i < 30; ++i) {
        grpc::ClientContext context;
        context.AddMetadata("authorization", "Bearer not-a-token");
        v1::ListCasesResponse out;
        if (cases_->ListCases(&context, v1::ListCasesRequest(), &out).error_code() ==
            grpc::StatusCode::UNAUTHENTICATED) {
          ++refused;
        }
      }
    });
  }
  for (std::thread& t : flood) t.join();
  EXPECT_EQ(refused.load(), 300);
  EXPECT_EQ(*server_->CountAuditedCalls(absl::StrCat(
                "method = '", method, "' AND outcome = 'UNAUTHENTICATED'")),
            300);
  const int64_t rows = std::stoll(*server_->Query(absl::StrCat(
                           "SELECT count(*) FROM audit_events WHERE method = '", method,
                           "'"))) -
                       rows_before;
  EXPECT_LE(rows, 10) << "a row per window, not per call: "
                      << *server_->Query(absl::StrCat(
                             "SELECT string_agg(peer || ' ' || call_count || ' ' || left(message, 60), "
                             "' | ') FROM (SELECT * FROM audit_events WHERE method = '", method,
                             "' ORDER BY id DESC LIMIT 5) x"));
  EXPECT_THAT(LastEventField("CaseService/ListCases", "message"),
              HasSubstr("refused like this"));
}

// --- The audit's reach ----------------------------------------------------------

// Found: an auditor of any agency read every force's audit trail.
TEST_F(EdgesTest, AnAgencysAuditorSeesItsOwnAgencysAudit) {
  ASSERT_TRUE(server_->AddUser("auditor.council", "SOTCC", "", v1::AGENCY_KIND_COUNCIL,
                               v1::ROLE_AUDITOR)
                  .ok());
  ASSERT_TRUE(server_->AddUser("auditor.national", "SP", "", v1::AGENCY_KIND_POLICE,
                               v1::ROLE_NATIONAL_AUDITOR)
                  .ok());
  v1::Case unshared = test_support::CreateCaseAs(*server_, "pc.hughes");
  v1::GetCaseRequest get;
  get.set_name(unshared.name());
  v1::Case out;
  ASSERT_GRPC_OK(cases_->GetCase(server_->Context("pc.hughes").get(), get, &out));
  EXPECT_GRPC_CODE(cases_->GetCase(server_->Context("council.patel").get(), get, &out),
                   grpc::StatusCode::NOT_FOUND);

  auto events_for = [&](const std::string& auditor, const std::string& filter) {
    v1::ListAuditEventsRequest req;
    req.set_filter(filter);
    req.set_page_size(500);
    v1::ListAuditEventsResponse resp;
    grpc::Status s = audit_->ListAuditEvents(server_->Context(auditor).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << auditor << ": " << s.error_message();
    std::set<std::string> users;
    for (const v1::AuditEvent& e : resp.events()) users.insert(e.username());
    return users;
  };
  const std::set<std::string> council = events_for("auditor.council", "");
  EXPECT_TRUE(council.count("council.patel"));
  EXPECT_FALSE(council.count("pc.hughes"));
  const std::set<std::string> force = events_for("auditor.shah", "");
  EXPECT_TRUE(force.count("pc.hughes"));
  // The force's auditor sees the council's attempt on the force's case ...
  EXPECT_TRUE(events_for("auditor.shah", absl::StrCat("case=", unshared.name()))
                  .count("council.patel"));
  // ... the council's auditor cannot name the force's case ...
  v1::ListAuditEventsRequest by_case;
  by_case.set_filter(absl::StrCat("case=", unshared.name()));
  v1::ListAuditEventsResponse resp;
  EXPECT_GRPC_CODE(audit_->ListAuditEvents(server_->Context("auditor.council").get(),
                                           by_case, &resp),
                   grpc::StatusCode::NOT_FOUND);
  v1::ListCaseAccessRequest access;
  access.set_name(unshared.name());
  v1::ListCaseAccessResponse who;
  EXPECT_GRPC_CODE(audit_->ListCaseAccess(server_->Context("auditor.council").get(), access,
                                          &who),
                   grpc::StatusCode::NOT_FOUND);
  // ... and a national auditor sees everyone's.
  const std::set<std::string> national = events_for("auditor.national", "");
  EXPECT_TRUE(national.count("pc.hughes"));
  EXPECT_TRUE(national.count("council.patel"));
  ASSERT_GRPC_OK(audit_->ListCaseAccess(server_->Context("auditor.national").get(), access,
                                        &who));
  ASSERT_GE(who.accesses_size(), 1);
  for (const v1::CaseAccess& a : who.accesses()) EXPECT_EQ(a.username(), "pc.hughes");
}

}  // namespace
}  // namespace casebridge
