#include "tests/support/test_server.h"

#include <stdlib.h>

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "domain/user_administration.h"
#include "services/provisioning.h"
#include "storage/database.h"
#include "tests/support/postgres_environment.h"

namespace casebridge::test_support {

absl::StatusOr<std::unique_ptr<TestServer>> TestServer::Start(
    TestServerOptions options) {
  std::unique_ptr<TestServer> s(new TestServer());
  absl::StatusOr<std::string> db = PostgresEnvironment::FreshDatabase();
  if (!db.ok()) return db.status();
  s->database_ = *db;
  if (options.fake_clock) {
    s->clock_ = std::make_unique<services::FakeClock>(
        options.start_time == absl::InfinitePast() ? absl::Now() : options.start_time);
  }
  server::ServerOptions so;
  so.listen = "127.0.0.1:0";
  so.database = s->database_;
  // The audit keys and the witness, outside the database: a directory of
  // the test's own (or the one it gives, to restart on the same ones).
  if (options.audit_dir.empty()) {
    s->own_audit_dir_.emplace("casebridge-audit");
    s->audit_dir_ = s->own_audit_dir_->path();
  } else {
    s->audit_dir_ = options.audit_dir;
  }
  UseAuditDir(so, s->audit_dir_);
  so.pool_size = options.pool_size;
  so.audit.verify_chunk_size = options.audit_verify_chunk_size;
  so.auth_cache_ttl = options.auth_cache_ttl;
  so.enable_echo = options.enable_echo;
  so.tls_cert_file = options.tls_cert_file;
  so.tls_key_file = options.tls_key_file;
  so.tls_client_ca_file = options.tls_client_ca_file;
  so.max_concurrent_streams = options.max_concurrent_streams;
  so.max_request_bytes = options.max_request_bytes;
  so.max_threads = options.max_threads;
  so.fair_share = options.fair_share;
  so.refusal_summary_window = options.refusal_summary_window;
  so.shutdown_grace = absl::Seconds(2);
  so.clock = s->clock_.get();
  absl::StatusOr<std::unique_ptr<server::ServerApp>> app =
      server::ServerApp::Start(so);
  if (!app.ok()) return app.status();
  s->app_ = *std::move(app);

  absl::StatusOr<std::vector<services::IssuedToken>> tokens =
      services::SeedDemoWorld(s->app_->database(), s->app_->audit_log().keys(), absl::Now(),
                              true);
  if (!tokens.ok()) return tokens.status();
  for (const services::IssuedToken& t : *tokens) {
    s->tokens_[t.username] = t.secret;
    s->users_[t.username] = t.user_name;
  }
  for (const char* code : {"SP", "CPSWM", "SOTCC", "SCC", "NSCHT", "SVG"}) {
    absl::StatusOr<std::string> id = s->Query(
        absl::StrCat("SELECT id FROM agencies WHERE code = '", code, "'"));
    if (!id.ok()) return id.status();
    s->agencies_[code] = absl::StrCat("agencies/", *id);
  }
  if (!options.tls_cert_file.empty()) return s;  // TLS tests make their own channels.
  s->channel_ = grpc::CreateChannel(s->address(), grpc::InsecureChannelCredentials());
  absl::StatusOr<std::string> west =
      s->AddUser("pc.west", "WMP", "West Mercia Police", v1::AGENCY_KIND_POLICE,
                 v1::ROLE_POLICE_OFFICER);
  if (!west.ok()) return west.status();
  return s;
}

TestServer::~TestServer() { Stop(); }

void TestServer::Stop() {
  if (app_ != nullptr) app_->Shutdown();
}

std::string TestServer::address() const {
  return absl::StrCat("127.0.0.1:", app_->port());
}

const std::string& TestServer::Token(absl::string_view username) const {
  auto it = tokens_.find(username);
  if (it == tokens_.end()) {
    ADD_FAILURE() << "no token for " << username;
    static const std::string kNone;
    return kNone;
  }
  return it->second;
}

std::unique_ptr<grpc::ClientContext> TestServer::Context(
    absl::string_view username) const {
  ++calls_;
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", absl::StrCat("Bearer ", Token(username)));
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

const std::string& TestServer::Agency(absl::string_view code) const {
  auto it = agencies_.find(code);
  if (it == agencies_.end()) {
    ADD_FAILURE() << "no agency " << code;
    static const std::string kNone;
    return kNone;
  }
  return it->second;
}

const std::string& TestServer::User(absl::string_view username) const {
  auto it = users_.find(username);
  if (it == users_.end()) {
    ADD_FAILURE() << "no user " << username;
    static const std::string kNone;
    return kNone;
  }
  return it->second;
}

absl::StatusOr<std::string> TestServer::AddUser(absl::string_view username,
                                                absl::string_view agency_code,
                                                absl::string_view agency_name,
                                                v1::AgencyKind kind, v1::Role role) {
  return AddUserWithRoles(username, agency_code, agency_name, kind, {role});
}

absl::StatusOr<std::string> TestServer::Enrol(absl::string_view manager,
                                              absl::string_view user_name) {
  auto admin = v1::AdminService::NewStub(channel_);
  v1::CreateEnrolmentCodeRequest code_req;
  code_req.set_user(std::string(user_name));
  v1::EnrolmentCode code;
  grpc::Status s = admin->CreateEnrolmentCode(Context(manager).get(), code_req, &code);
  if (!s.ok()) {
    return absl::InternalError(absl::StrCat("CreateEnrolmentCode: ", s.error_message()));
  }
  v1::RedeemEnrolmentCodeRequest redeem;
  redeem.set_code(code.code());
  redeem.set_description("test");
  v1::IssueTokenResponse token;
  grpc::ClientContext anonymous;
  ++calls_;
  anonymous.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  s = admin->RedeemEnrolmentCode(&anonymous, redeem, &token);
  if (!s.ok()) {
    return absl::InternalError(absl::StrCat("RedeemEnrolmentCode: ", s.error_message()));
  }
  return token.secret();
}

absl::StatusOr<std::string> TestServer::AgencyAdministrator(absl::string_view agency_code) {
  const std::string username = absl::StrCat("admin.", absl::AsciiStrToLower(agency_code));
  if (tokens_.count(username) > 0) return username;
  auto admin = v1::AdminService::NewStub(channel_);
  v1::CreateUserRequest req;
  req.mutable_user()->set_username(username);
  req.mutable_user()->set_display_name(absl::StrCat("Administrator of ", agency_code));
  req.mutable_user()->set_agency(Agency(agency_code));
  req.mutable_user()->add_roles(v1::ROLE_ADMINISTRATOR);
  v1::User user;
  grpc::Status s = admin->CreateUser(Context("admin").get(), req, &user);
  if (!s.ok()) {
    return absl::InternalError(absl::StrCat("CreateUser ", username, ": ", s.error_message()));
  }
  absl::StatusOr<std::string> token = Enrol("admin", user.name());
  if (!token.ok()) return token.status();
  tokens_[username] = *token;
  users_[username] = user.name();
  return username;
}

absl::StatusOr<std::string> TestServer::AddUserWithRoles(
    absl::string_view username, absl::string_view agency_code,
    absl::string_view agency_name, v1::AgencyKind kind,
    const std::vector<v1::Role>& roles) {
  auto admin = v1::AdminService::NewStub(channel_);
  if (agencies_.find(agency_code) == agencies_.end()) {
    // Made by the test itself through the API?
    absl::StatusOr<std::string> id = Query(absl::StrCat(
        "SELECT coalesce((SELECT id::text FROM agencies WHERE code = '", agency_code,
        "'), '')"));
    if (id.ok() && !id->empty()) agencies_[std::string(agency_code)] = absl::StrCat("agencies/", *id);
  }
  if (agencies_.find(agency_code) == agencies_.end()) {
    v1::CreateAgencyRequest req;
    req.mutable_agency()->set_code(std::string(agency_code));
    req.mutable_agency()->set_display_name(std::string(agency_name));
    req.mutable_agency()->set_kind(kind);
    v1::Agency created;
    grpc::Status s = admin->CreateAgency(Context("admin").get(), req, &created);
    if (!s.ok()) return absl::InternalError(absl::StrCat("CreateAgency: ", s.error_message()));
    agencies_[std::string(agency_code)] = created.name();
  }
  bool privileged = false;
  for (v1::Role r : roles) privileged = privileged || domain::IsPrivilegedRole(r);
  std::string manager = "admin";
  if (!privileged) {
    absl::StatusOr<std::string> agency_admin = AgencyAdministrator(agency_code);
    if (!agency_admin.ok()) return agency_admin.status();
    manager = *agency_admin;
  }
  v1::CreateUserRequest user_req;
  user_req.mutable_user()->set_username(std::string(username));
  user_req.mutable_user()->set_display_name(std::string(username));
  user_req.mutable_user()->set_agency(agencies_[std::string(agency_code)]);
  for (v1::Role r : roles) user_req.mutable_user()->add_roles(r);
  v1::User user;
  grpc::Status s = admin->CreateUser(Context(manager).get(), user_req, &user);
  if (!s.ok()) return absl::InternalError(absl::StrCat("CreateUser: ", s.error_message()));
  absl::StatusOr<std::string> token = Enrol(manager, user.name());
  if (!token.ok()) return token.status();
  tokens_[std::string(username)] = *token;
  users_[std::string(username)] = user.name();
  return *token;
}

absl::StatusOr<int64_t> TestServer::CountAuditEvents(absl::string_view where_sql) const {
  absl::StatusOr<std::string> n =
      Query(absl::StrCat("SELECT count(*) FROM audit_events WHERE ", where_sql));
  if (!n.ok()) return n.status();
  return std::stoll(*n);
}

absl::StatusOr<int64_t> TestServer::CountAuditedCalls(absl::string_view where_sql) {
  app_->FlushRefusalSummaries();
  absl::StatusOr<std::string> n = Query(absl::StrCat(
      "SELECT coalesce(sum(call_count), 0) FROM audit_events WHERE ", where_sql));
  if (!n.ok()) return n.status();
  return std::stoll(*n);
}

absl::StatusOr<std::string> TestServer::Query(absl::string_view sql) const {
  return QueryValue(database_, std::string(sql));
}

std::string FieldOf(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("casebridge-field");
  if (it == trailers.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

v1::Case SampleCase(bool restricted_address) {
  v1::Case c;
  c.set_summary("Ex-partner following the victim to work and sending messages.");
  v1::Person* victim = c.mutable_victim();
  victim->set_given_name("Sarah");
  victim->set_family_name("Bennett");
  victim->mutable_date_of_birth()->set_year(1991);
  victim->mutable_date_of_birth()->set_month(4);
  victim->mutable_date_of_birth()->set_day(12);
  victim->mutable_safe_contact()->set_phone("07700 900123");
  victim->mutable_safe_contact()->set_email("sarah.b@example.org");
  victim->mutable_safe_contact()->set_safe_contact_notes("Text first, weekdays after 6pm");
  victim->set_address("14 Refuge Close, Hanley, ST1 1AA");
  victim->set_address_restricted(restricted_address);
  victim->set_notes("Moved after the last incident.");
  v1::Person* suspect = c.add_suspects();
  suspect->set_given_name("Mark");
  suspect->set_family_name("Doyle");
  suspect->set_address("3 Station Road, Leek, ST13 5AB");
  v1::Person* child = c.add_protected_persons();
  child->set_given_name("Ella");
  child->set_family_name("Bennett");
  c.set_relationship(v1::RELATIONSHIP_EX_INTIMATE);
  c.set_lawful_basis_notes("Crime and Disorder Act 1998 s.115");
  return c;
}

v1::Case CreateCaseAs(TestServer& server, absl::string_view username,
                      const v1::Case& input) {
  auto stub = v1::CaseService::NewStub(server.channel());
  v1::CreateCaseRequest req;
  *req.mutable_case_() = input;
  v1::Case created;
  grpc::Status s = stub->CreateCase(server.Context(username).get(), req, &created);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return created;
}

void UseAuditDir(server::ServerOptions& options, const std::string& dir,
                 absl::string_view witness) {
  options.audit_key_dir = absl::StrCat(dir, "/keys");
  options.create_audit_keys = true;
  options.audit_witness_dirs = {absl::StrCat(dir, "/", witness)};
}

TestAuditTrust::TestAuditTrust() : dir_("casebridge-audit-keys") { LoadKeys(); }

void TestAuditTrust::ReplaceKeys() {
  std::error_code ignored;
  std::filesystem::remove_all(absl::StrCat(dir_.path(), "/keys"), ignored);
  LoadKeys();
}

void TestAuditTrust::LoadKeys() {
  absl::StatusOr<storage::AuditKeyRing> keys =
      storage::AuditKeyRing::LoadOrCreate(absl::StrCat(dir_.path(), "/keys"));
  if (!keys.ok()) {
    ADD_FAILURE() << keys.status();
    return;
  }
  keys_.emplace(*std::move(keys));
}

}  // namespace casebridge::test_support
