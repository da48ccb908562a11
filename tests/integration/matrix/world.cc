#include "tests/integration/matrix/world.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "domain/list_query.h"
#include "domain/user_administration.h"
#include "domain/validation.h"
#include "gtest/gtest.h"

namespace casebridge::matrix {
namespace {

using test_support::TestServer;

// The start of the fake clock (a weekday morning in England).
absl::Time StartTime() {
  return test_support::TestStartTime();
}

absl::Status FromGrpc(absl::string_view what, const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat(what, ": ", s.error_code(), " ", s.error_message()));
}

#define MATRIX_RETURN_IF_ERROR(expr)       \
  do {                                     \
    absl::Status matrix_s_ = (expr);       \
    if (!matrix_s_.ok()) return matrix_s_; \
  } while (0)

// One role of one kind of agency, every pair the policy allows a user to
// hold, plus a second police force and a user with two roles.
struct CallerSpec {
  const char* username;
  const char* agency_code;
  const char* agency_name;  // for agencies the demo world lacks (none yet)
  v1::AgencyKind kind;
  std::vector<v1::Role> roles;
  bool demo;  // made by TestServer::Start
};

const std::vector<CallerSpec>& CallerSpecs() {
  using v1::AGENCY_KIND_COUNCIL;
  using v1::AGENCY_KIND_CPS;
  using v1::AGENCY_KIND_HEALTH;
  using v1::AGENCY_KIND_POLICE;
  using v1::AGENCY_KIND_VICTIM_SERVICE;
  static const auto* specs = new std::vector<CallerSpec>{
      // Police: the owning force of the SP cases ...
      {"pc.hughes", "SP", "", AGENCY_KIND_POLICE, {v1::ROLE_POLICE_OFFICER}, true},
      {"sgt.khan", "SP", "", AGENCY_KIND_POLICE, {v1::ROLE_POLICE_SUPERVISOR}, true},
      {"auditor.shah", "SP", "", AGENCY_KIND_POLICE, {v1::ROLE_AUDITOR}, true},
      // The system administrator and the force's own administrator.
      {"admin", "SP", "", AGENCY_KIND_POLICE, {v1::ROLE_SYSTEM_ADMINISTRATOR}, true},
      {"admin.sp", "SP", "", AGENCY_KIND_POLICE, {v1::ROLE_ADMINISTRATOR}, true},
      // National roles: the audit and the measures of every agency.
      {"auditor.national",
       "SP",
       "",
       AGENCY_KIND_POLICE,
       {v1::ROLE_NATIONAL_AUDITOR},
       false},
      {"analyst.national",
       "SP",
       "",
       AGENCY_KIND_POLICE,
       {v1::ROLE_NATIONAL_ANALYST},
       false},
      {"sgt.audit",
       "SP",
       "",
       AGENCY_KIND_POLICE,
       {v1::ROLE_POLICE_SUPERVISOR, v1::ROLE_AUDITOR},
       false},
      // ... and another force.
      {"pc.west", "WMP", "", AGENCY_KIND_POLICE, {v1::ROLE_POLICE_OFFICER}, true},
      {"sgt.west", "WMP", "", AGENCY_KIND_POLICE, {v1::ROLE_POLICE_SUPERVISOR}, false},
      // CPS.
      {"cps.okafor", "CPSWM", "", AGENCY_KIND_CPS, {v1::ROLE_PROSECUTOR}, true},
      {"auditor.cps", "CPSWM", "", AGENCY_KIND_CPS, {v1::ROLE_AUDITOR}, false},
      {"admin.cpswm", "CPSWM", "", AGENCY_KIND_CPS, {v1::ROLE_ADMINISTRATOR}, false},
      // Councils.
      {"council.patel",
       "SOTCC",
       "",
       AGENCY_KIND_COUNCIL,
       {v1::ROLE_SAFEGUARDING_LEAD},
       true},
      {"county.evans",
       "SCC",
       "",
       AGENCY_KIND_COUNCIL,
       {v1::ROLE_SAFEGUARDING_LEAD},
       true},
      {"advocate.council",
       "SOTCC",
       "",
       AGENCY_KIND_COUNCIL,
       {v1::ROLE_VICTIM_ADVOCATE},
       false},
      {"auditor.council", "SOTCC", "", AGENCY_KIND_COUNCIL, {v1::ROLE_AUDITOR}, false},
      {"admin.sotcc",
       "SOTCC",
       "",
       AGENCY_KIND_COUNCIL,
       {v1::ROLE_ADMINISTRATOR},
       false},
      // Health.
      {"nhs.morgan", "NSCHT", "", AGENCY_KIND_HEALTH, {v1::ROLE_SAFEGUARDING_LEAD}, true},
      {"advocate.nhs",
       "NSCHT",
       "",
       AGENCY_KIND_HEALTH,
       {v1::ROLE_VICTIM_ADVOCATE},
       false},
      {"auditor.nhs", "NSCHT", "", AGENCY_KIND_HEALTH, {v1::ROLE_AUDITOR}, false},
      {"admin.nscht", "NSCHT", "", AGENCY_KIND_HEALTH, {v1::ROLE_ADMINISTRATOR}, false},
      // Victim services.
      {"isac.lewis",
       "SVG",
       "",
       AGENCY_KIND_VICTIM_SERVICE,
       {v1::ROLE_VICTIM_ADVOCATE},
       true},
      {"lead.svg",
       "SVG",
       "",
       AGENCY_KIND_VICTIM_SERVICE,
       {v1::ROLE_SAFEGUARDING_LEAD},
       false},
      {"auditor.svg", "SVG", "", AGENCY_KIND_VICTIM_SERVICE, {v1::ROLE_AUDITOR}, false},
      {"admin.svg",
       "SVG",
       "",
       AGENCY_KIND_VICTIM_SERVICE,
       {v1::ROLE_ADMINISTRATOR},
       false},
  };
  return *specs;
}

constexpr const char* kEveryOtherAgencyOfSp[] = {"WMP", "CPSWM", "SOTCC",
                                                 "SCC", "NSCHT", "SVG"};
constexpr const char* kEveryOtherAgencyOfWmp[] = {"SP",  "CPSWM", "SOTCC",
                                                  "SCC", "NSCHT", "SVG"};

}  // namespace

// --- Free text naming the address ---------------------------------------------

std::string AddressAsTyped(const CaseInfo& info, int variant) {
  switch (variant) {
    case 1:
      return absl::AsciiStrToLower(absl::StrReplaceAll(info.victim_address, {{",", " "}}));
    case 2:
      return absl::AsciiStrToUpper(info.victim_address);
    default:
      return info.victim_address;
  }
}

std::string HomeAsTyped(const CaseInfo& info, int variant) {
  return info.restricted ? std::string("the victim's home") : AddressAsTyped(info, variant);
}

std::string IncidentLocation(const CaseInfo& info, bool as_first_written) {
  return absl::StrCat("outside her new home, ", as_first_written ? AddressAsTyped(info, 0)
                                                                 : HomeAsTyped(info, 0));
}

std::string IncidentDescription(const CaseInfo& info, bool as_first_written) {
  return absl::StrCat(content::kIncidentDescription, " Later he stood outside ",
                      as_first_written ? AddressAsTyped(info, 1) : HomeAsTyped(info, 1),
                      " for an hour.");
}

std::string FixtureFlagReason(const CaseInfo& info) {
  return absl::StrCat("Visits only in pairs; she now lives at ", AddressAsTyped(info, 2));
}

// --- Caller -------------------------------------------------------------------

bool Caller::HasPoliceRole() const {
  return HasRole(v1::ROLE_POLICE_OFFICER) || HasRole(v1::ROLE_POLICE_SUPERVISOR);
}

bool Caller::MayReceiveSuspectDetails() const {
  return HasPoliceRole() || HasRole(v1::ROLE_PROSECUTOR);
}

bool Caller::IsPartnerOnly() const {
  if (principal.roles.empty()) return false;
  for (v1::Role r : principal.roles) {
    if (r != v1::ROLE_SAFEGUARDING_LEAD && r != v1::ROLE_VICTIM_ADVOCATE) return false;
  }
  return true;
}

bool Caller::ReadsCaseContent() const {
  return MayReceiveSuspectDetails() || HasRole(v1::ROLE_SAFEGUARDING_LEAD) ||
         HasRole(v1::ROLE_VICTIM_ADVOCATE);
}

std::string Caller::Label() const {
  if (!authenticated) return username;
  std::vector<std::string> roles;
  for (v1::Role r : principal.roles) {
    roles.push_back(domain::ShortEnumName(v1::Role_descriptor(), r));
  }
  return absl::StrCat(
      username, " (", absl::StrJoin(roles, "+"), " @ ",
      domain::ShortEnumName(v1::AgencyKind_descriptor(), principal.agency_kind), " ",
      agency_code, ")");
}

// --- World --------------------------------------------------------------------

struct World::FixtureSpec {
  std::string situation;
  std::string owner_user;
  std::string owner_code;
  bool restricted = true;
  std::vector<std::string> share_with = {};  // explicit shares (agency codes)
  bool withdraw_shares = false;
  bool refer_to_victim_services = false;
  bool opt_out = false;
};

absl::StatusOr<std::unique_ptr<World>> World::Create() {
  std::unique_ptr<World> w(new World());
  absl::StatusOr<std::unique_ptr<TestServer>> server =
      TestServer::Start({.fake_clock = true, .start_time = StartTime()});
  if (!server.ok()) return server.status();
  w->server_ = *std::move(server);
  w->admin_ = v1::AdminService::NewStub(w->server_->channel());
  w->cases_ = v1::CaseService::NewStub(w->server_->channel());
  w->sharing_ = v1::SharingService::NewStub(w->server_->channel());
  w->audit_ = v1::AuditService::NewStub(w->server_->channel());
  MATRIX_RETURN_IF_ERROR(w->AddCallers());
  MATRIX_RETURN_IF_ERROR(w->AddAnonymous());
  MATRIX_RETURN_IF_ERROR(w->AddFixtures());
  return w;
}

absl::Status World::AddCallers() {
  for (const CallerSpec& spec : CallerSpecs()) {
    Caller c;
    c.username = spec.username;
    c.agency_code = spec.agency_code;
    if (spec.demo) {
      c.token = server_->Token(spec.username);
    } else if (spec.roles == std::vector<v1::Role>{v1::ROLE_ADMINISTRATOR}) {
      // Each agency's administrator: the one the test server makes for it.
      absl::StatusOr<std::string> admin = server_->AgencyAdministrator(spec.agency_code);
      if (!admin.ok()) return admin.status();
      if (*admin != spec.username) {
        return absl::InternalError(absl::StrCat("agency administrator ", *admin,
                                                " is not the matrix's ", spec.username));
      }
      c.token = server_->Token(spec.username);
    } else {
      absl::StatusOr<std::string> token = server_->AddUserWithRoles(
          spec.username, spec.agency_code, spec.agency_name, spec.kind, spec.roles);
      if (!token.ok()) return token.status();
      c.token = *token;
    }
    c.principal.username = spec.username;
    c.principal.agency_kind = spec.kind;
    c.principal.roles = spec.roles;
    // The server must agree on who this is, or the oracle is wrong.
    v1::User me;
    MATRIX_RETURN_IF_ERROR(FromGrpc(
        absl::StrCat("GetCurrentUser ", spec.username),
        admin_->GetCurrentUser(ContextFor(c).get(), v1::GetCurrentUserRequest(), &me)));
    std::vector<v1::Role> server_roles;
    for (int r : me.roles()) server_roles.push_back(static_cast<v1::Role>(r));
    if (me.agency() != Agency(spec.agency_code) || me.agency_kind() != spec.kind ||
        server_roles != spec.roles) {
      return absl::InternalError(
          absl::StrCat("caller ", spec.username,
                       " is not what the matrix thinks: ", me.ShortDebugString()));
    }
    c.principal.user_id = me.name();
    c.principal.agency_id = me.agency();
    callers_.push_back(std::move(c));
  }
  // The agency ShareCase cells share with: no caller belongs to it.
  absl::StatusOr<std::string> sink =
      server_->AddUser("matrix.sink", "MXSINK", "Matrix share target council",
                       v1::AGENCY_KIND_COUNCIL, v1::ROLE_SAFEGUARDING_LEAD);
  if (!sink.ok()) return sink.status();
  tokens_["matrix.sink"] = *sink;
  sink_agency_ = server_->Agency("MXSINK");
  sink_user_ = server_->User("matrix.sink");
  absl::StatusOr<std::string> second =
      server_->AddUser("matrix.sink2", "MXSINK2", "Matrix second council",
                       v1::AGENCY_KIND_COUNCIL, v1::ROLE_SAFEGUARDING_LEAD);
  if (!second.ok()) return second.status();
  second_sink_agency_ = server_->Agency("MXSINK2");
  return absl::OkStatus();
}

absl::Status World::AddAnonymous() {
  Caller none;
  none.username = "(no token)";
  none.authenticated = false;
  anonymous_.push_back(none);

  // A token that was valid and has been revoked (by its holder).
  absl::StatusOr<std::string> revoked_token = server_->AddUser(
      "matrix.revoked", "SP", "", v1::AGENCY_KIND_POLICE, v1::ROLE_POLICE_OFFICER);
  if (!revoked_token.ok()) return revoked_token.status();
  v1::ListTokensResponse tokens;
  MATRIX_RETURN_IF_ERROR(FromGrpc(
      "ListTokens", admin_->ListTokens(ContextAs("matrix.revoked").get(),
                                       v1::ListTokensRequest(), &tokens)));
  if (tokens.tokens_size() != 1) return absl::InternalError("matrix.revoked: one token");
  v1::RevokeTokenRequest revoke;
  revoke.set_name(tokens.tokens(0).name());
  v1::Token revoked;
  MATRIX_RETURN_IF_ERROR(FromGrpc(
      "RevokeToken", admin_->RevokeToken(ContextAs("admin.sp").get(), revoke, &revoked)));
  Caller r;
  r.username = "(revoked token)";
  r.token = *revoked_token;
  r.authenticated = false;
  anonymous_.push_back(r);

  // A valid token of a user who has since been disabled.
  absl::StatusOr<std::string> disabled_token = server_->AddUser(
      "matrix.disabled", "SP", "", v1::AGENCY_KIND_POLICE, v1::ROLE_POLICE_OFFICER);
  if (!disabled_token.ok()) return disabled_token.status();
  v1::DisableUserRequest disable;
  disable.set_name(server_->User("matrix.disabled"));
  disable.set_reason("Left the force");
  v1::User disabled;
  MATRIX_RETURN_IF_ERROR(FromGrpc(
      "DisableUser", admin_->DisableUser(ContextAs("admin.sp").get(), disable, &disabled)));
  Caller d;
  d.username = "(disabled user's token)";
  d.token = *disabled_token;
  d.authenticated = false;
  anonymous_.push_back(d);
  return absl::OkStatus();
}

v1::Case World::CaseContent(bool restricted) {
  v1::Case c = test_support::SampleCase(restricted);
  c.set_summary(content::kSummary);
  v1::Person* victim = c.mutable_victim();
  victim->set_given_name(content::kVictimGivenName);
  victim->set_family_name(content::kVictimFamilyName);
  victim->mutable_safe_contact()->set_phone(content::kVictimPhone);
  victim->set_address(restricted ? content::kRestrictedAddress : content::kOpenAddress);
  victim->set_notes(content::kVictimNotes);
  v1::Person* suspect = c.mutable_suspects(0);
  suspect->set_given_name(content::kSuspectGivenName);
  suspect->set_family_name(content::kSuspectFamilyName);
  suspect->add_aliases(content::kSuspectAlias);
  suspect->mutable_safe_contact()->set_phone(content::kSuspectPhone);
  suspect->set_address(content::kSuspectAddress);
  c.set_typology(v1::STALKER_TYPOLOGY_REJECTED);
  c.mutable_spo_consideration()->set_considered(true);
  c.mutable_spo_consideration()->set_reason("Pursuing an SPO: fixated and escalating");
  return c;
}

absl::Status World::MakeFixture(const FixtureSpec& spec) {
  CaseInfo info;
  info.situation = spec.situation;
  info.owner_code = spec.owner_code;
  info.owner_user = spec.owner_user;
  info.restricted = spec.restricted;
  info.victim_address =
      spec.restricted ? content::kRestrictedAddress : content::kOpenAddress;
  info.has_history = true;

  // Made with the address open, written into the incident and the flag,
  // then restricted: as when a victim moves to a refuge and the police mark
  // the new address restricted after the first reports named it.
  v1::CreateCaseRequest create;
  *create.mutable_case_() = CaseContent(spec.restricted);
  create.mutable_case_()->mutable_victim()->set_address_restricted(false);
  v1::Case created;
  MATRIX_RETURN_IF_ERROR(
      FromGrpc("CreateCase",
               cases_->CreateCase(ContextAs(spec.owner_user).get(), create, &created)));
  info.name = created.name();
  info.reference = created.reference();

  v1::AddIncidentRequest add;
  add.set_parent(info.name);
  v1::Incident* incident = add.mutable_incident();
  *incident->mutable_occur_time() = domain::ToProtoTime(Now() - absl::Hours(48));
  incident->set_location(IncidentLocation(info, /*as_first_written=*/true));
  incident->add_behaviours(v1::BEHAVIOUR_FOLLOWING);
  incident->add_behaviours(v1::BEHAVIOUR_THREATS);
  incident->set_description(IncidentDescription(info, /*as_first_written=*/true));
  incident->set_witnesses("Colleague at reception saw Mark Doyle");
  v1::Incident made;
  MATRIX_RETURN_IF_ERROR(FromGrpc(
      "AddIncident", cases_->AddIncident(ContextAs(spec.owner_user).get(), add, &made)));
  info.incident = made.name();

  v1::RecordRiskAssessmentRequest risk;
  risk.set_parent(info.name);
  risk.mutable_assessment()->set_dash_yes_count(15);
  risk.mutable_assessment()->set_stalking_question_yes(true);
  v1::RiskAssessment assessed;
  MATRIX_RETURN_IF_ERROR(FromGrpc(
      "RecordRiskAssessment",
      cases_->RecordRiskAssessment(ContextAs(spec.owner_user).get(), risk, &assessed)));

  v1::FlagCaseRequest flag;
  flag.set_name(info.name);
  flag.set_type(v1::FLAG_TYPE_RISK_TO_STAFF);
  flag.set_reason(FixtureFlagReason(info));
  v1::CaseFlag flagged;
  MATRIX_RETURN_IF_ERROR(FromGrpc(
      "FlagCase", cases_->FlagCase(ContextAs(spec.owner_user).get(), flag, &flagged)));

  if (spec.restricted) {
    v1::UpdateCaseRequest restrict;
    restrict.mutable_case_()->set_name(info.name);
    restrict.mutable_case_()->set_etag(CaseEtag(info));
    *restrict.mutable_case_()->mutable_victim() = created.victim();
    restrict.mutable_case_()->mutable_victim()->set_address_restricted(true);
    restrict.mutable_update_mask()->add_paths("victim");
    v1::Case restricted;
    MATRIX_RETURN_IF_ERROR(FromGrpc(
        "UpdateCase (restrict the address)",
        cases_->UpdateCase(ContextAs(spec.owner_user).get(), restrict, &restricted)));
  }

  std::vector<std::string> share_names;
  for (const std::string& code : spec.share_with) {
    v1::ShareCaseRequest share;
    share.set_parent(info.name);
    share.mutable_share()->set_agency(Agency(code));
    share.mutable_share()->set_purpose("Multi-agency safeguarding");
    share.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
    v1::CaseShare made_share;
    MATRIX_RETURN_IF_ERROR(FromGrpc(
        absl::StrCat("ShareCase with ", code),
        sharing_->ShareCase(ContextAs(spec.owner_user).get(), share, &made_share)));
    share_names.push_back(made_share.name());
    info.shared_with.insert(code);
  }
  if (spec.withdraw_shares) {
    for (const std::string& name : share_names) {
      v1::UnshareCaseRequest unshare;
      unshare.set_name(name);
      unshare.set_reason("No longer necessary");
      v1::CaseShare withdrawn;
      MATRIX_RETURN_IF_ERROR(FromGrpc(
          "UnshareCase",
          sharing_->UnshareCase(ContextAs(spec.owner_user).get(), unshare, &withdrawn)));
    }
    info.shared_with.clear();
  }
  if (spec.refer_to_victim_services) {
    v1::SetVictimServicesReferralRequest refer;
    refer.set_name(info.name);
    refer.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_REFERRED);
    refer.set_agency(Agency("SVG"));
    refer.set_etag(CaseEtag(info));
    v1::Case referred;
    MATRIX_RETURN_IF_ERROR(
        FromGrpc("SetVictimServicesReferral(REFERRED)",
                 cases_->SetVictimServicesReferral(ContextAs(spec.owner_user).get(),
                                                   refer, &referred)));
    info.shared_with.insert("SVG");
    info.vs_referred = true;
  }
  if (spec.opt_out) {
    v1::SetVictimServicesReferralRequest opt_out;
    opt_out.set_name(info.name);
    opt_out.set_state(v1::VICTIM_SERVICES_REFERRAL_STATE_OPTED_OUT);
    opt_out.set_reason("Victim declined support");
    opt_out.set_etag(CaseEtag(info));
    v1::Case opted_out;
    MATRIX_RETURN_IF_ERROR(
        FromGrpc("SetVictimServicesReferral(OPTED_OUT)",
                 cases_->SetVictimServicesReferral(ContextAs(spec.owner_user).get(),
                                                   opt_out, &opted_out)));
    // "An opt-out must stop the share" (docs/DOMAIN.md "Safeguarding and
    // sharing"): victim services no longer see the case, however it came to
    // be shared with them.
    info.shared_with.erase("SVG");
    info.vs_referred = false;
  }
  cases_store_.push_back(std::move(info));
  const CaseInfo* stored = &cases_store_.back();
  fixtures_.push_back(stored);
  by_name_[stored->name] = stored;
  return absl::OkStatus();
}

absl::Status World::AddFixtures() {
  std::vector<std::string> all_of_sp(std::begin(kEveryOtherAgencyOfSp),
                                     std::end(kEveryOtherAgencyOfSp));
  std::vector<std::string> all_of_wmp(std::begin(kEveryOtherAgencyOfWmp),
                                      std::end(kEveryOtherAgencyOfWmp));
  const FixtureSpec specs[] = {
      {.situation = "SP case shared with no one",
       .owner_user = "pc.hughes",
       .owner_code = "SP"},
      {.situation = "SP case shared explicitly with every other agency",
       .owner_user = "pc.hughes",
       .owner_code = "SP",
       .share_with = all_of_sp},
      {.situation = "SP case (address not restricted) shared with every other agency",
       .owner_user = "pc.hughes",
       .owner_code = "SP",
       .restricted = false,
       .share_with = all_of_sp},
      {.situation = "SP case shared explicitly with Stoke-on-Trent City Council only",
       .owner_user = "pc.hughes",
       .owner_code = "SP",
       .share_with = {"SOTCC"}},
      {.situation = "SP case whose explicit shares were all withdrawn",
       .owner_user = "pc.hughes",
       .owner_code = "SP",
       .share_with = all_of_sp,
       .withdraw_shares = true},
      {.situation = "SP case referred to victim services",
       .owner_user = "pc.hughes",
       .owner_code = "SP",
       .refer_to_victim_services = true},
      {.situation = "SP case referred to victim services, then the victim opted out",
       .owner_user = "pc.hughes",
       .owner_code = "SP",
       .refer_to_victim_services = true,
       .opt_out = true},
      {.situation = "SP case shared explicitly with victim services and referred, "
                    "then the victim opted out",
       .owner_user = "pc.hughes",
       .owner_code = "SP",
       .share_with = {"SVG"},
       .refer_to_victim_services = true,
       .opt_out = true},
      {.situation = "WMP case shared with no one",
       .owner_user = "pc.west",
       .owner_code = "WMP"},
      {.situation = "WMP case shared explicitly with every other agency",
       .owner_user = "pc.west",
       .owner_code = "WMP",
       .share_with = all_of_wmp},
  };
  for (const FixtureSpec& spec : specs) {
    absl::Status s = MakeFixture(spec);
    if (!s.ok()) {
      return absl::InternalError(absl::StrCat(spec.situation, ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

std::vector<const CaseInfo*> World::AllCases() const {
  std::vector<const CaseInfo*> out;
  for (const CaseInfo& c : cases_store_) out.push_back(&c);
  return out;
}

const CaseInfo* World::FindCase(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

void World::AddCreatedCase(const Caller& creator, const v1::Case& created) {
  CaseInfo info;
  info.situation = absl::StrCat("case made by a CreateCase cell of ", creator.username);
  info.name = created.name();
  info.reference = created.reference();
  info.owner_code = creator.agency_code;
  info.owner_user = creator.username;
  info.restricted = true;
  info.victim_address = content::kRestrictedAddress;
  cases_store_.push_back(std::move(info));
  by_name_[cases_store_.back().name] = &cases_store_.back();
}

domain::Relationship World::RelationshipOf(const Caller& caller,
                                           const CaseInfo& info) const {
  if (caller.agency_code == info.owner_code) {
    return domain::Relationship::kOwningForce;
  }
  return info.shared_with.count(caller.agency_code) > 0
             ? domain::Relationship::kShared
             : domain::Relationship::kNotShared;
}

domain::Decision World::ReadDecision(const Caller& caller, const CaseInfo& info) const {
  return domain::Decide(caller.principal, RelationshipOf(caller, info),
                        domain::Action::kReadCase);
}

std::unique_ptr<grpc::ClientContext> World::ContextFor(const Caller& caller) {
  ++calls_;
  auto context = std::make_unique<grpc::ClientContext>();
  if (!caller.token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", caller.token));
  }
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

const Caller* World::FindCaller(absl::string_view username) const {
  for (const Caller& c : callers_) {
    if (c.username == username) return &c;
  }
  return nullptr;
}

std::unique_ptr<grpc::ClientContext> World::ContextAs(absl::string_view username) {
  if (const Caller* c = FindCaller(username)) return ContextFor(*c);
  Caller other;
  auto it = tokens_.find(username);
  other.token = it != tokens_.end() ? it->second : server_->Token(username);
  return ContextFor(other);
}

std::string World::Unique(absl::string_view prefix) {
  return absl::StrCat(prefix, ++unique_);
}

std::string World::CaseEtag(const CaseInfo& info) {
  v1::GetCaseRequest get;
  get.set_name(info.name);
  v1::Case c;
  grpc::Status s = cases_->GetCase(OwnerContext(info).get(), get, &c);
  EXPECT_TRUE(s.ok()) << "owner GetCase " << info.situation << ": " << s.error_message();
  return c.etag();
}

v1::Incident World::CurrentIncident(const CaseInfo& info) {
  v1::ListIncidentsRequest list;
  list.set_parent(info.name);
  list.set_page_size(domain::kMaxPageSize);
  v1::ListIncidentsResponse listed;
  grpc::Status s = cases_->ListIncidents(OwnerContext(info).get(), list, &listed);
  EXPECT_TRUE(s.ok()) << "owner ListIncidents " << info.situation << ": "
                      << s.error_message();
  for (const v1::Incident& i : listed.incidents()) {
    if (i.name() == info.incident) return i;
  }
  ADD_FAILURE() << "the fixture incident of " << info.situation << " is not listed";
  return v1::Incident();
}

std::string World::FlagAsOwner(const CaseInfo& info) {
  v1::FlagCaseRequest flag;
  flag.set_name(info.name);
  flag.set_type(v1::FLAG_TYPE_WEAPONS);
  flag.set_reason("Weapons marker on the PNC");
  v1::CaseFlag made;
  grpc::Status s = cases_->FlagCase(OwnerContext(info).get(), flag, &made);
  EXPECT_TRUE(s.ok()) << "owner FlagCase " << info.situation << ": " << s.error_message();
  return made.name();
}

void World::UnflagAsOwner(const std::string& flag_name, const CaseInfo& info) {
  v1::UnflagCaseRequest unflag;
  unflag.set_name(flag_name);
  unflag.set_reason("Marker reviewed");
  v1::CaseFlag cleared;
  grpc::Status s = cases_->UnflagCase(OwnerContext(info).get(), unflag, &cleared);
  EXPECT_TRUE(s.ok()) << "owner UnflagCase " << info.situation << ": "
                      << s.error_message();
}

std::string World::ShareWithSinkAsOwner(const CaseInfo& info) {
  v1::ShareCaseRequest share;
  share.set_parent(info.name);
  share.mutable_share()->set_agency(sink_agency_);
  share.mutable_share()->set_purpose("Housing safeguarding");
  share.mutable_share()->set_lawful_basis("Crime and Disorder Act 1998 s.115");
  v1::CaseShare made;
  grpc::Status s = sharing_->ShareCase(OwnerContext(info).get(), share, &made);
  EXPECT_TRUE(s.ok()) << "owner ShareCase " << info.situation << ": "
                      << s.error_message();
  return made.name();
}

void World::UnshareAsOwner(const std::string& share_name, const CaseInfo& info) {
  v1::UnshareCaseRequest unshare;
  unshare.set_name(share_name);
  unshare.set_reason("Restoring the situation");
  v1::CaseShare withdrawn;
  grpc::Status s = sharing_->UnshareCase(OwnerContext(info).get(), unshare, &withdrawn);
  EXPECT_TRUE(s.ok()) << "owner UnshareCase " << info.situation << ": "
                      << s.error_message();
}

void World::WithdrawSharesAsOwner(const CaseInfo& info, v1::ShareBasis basis) {
  v1::ListCaseSharesRequest list;
  list.set_parent(info.name);
  list.set_filter("active=true");
  list.set_page_size(domain::kMaxPageSize);
  v1::ListCaseSharesResponse shares;
  grpc::Status s = sharing_->ListCaseShares(OwnerContext(info).get(), list, &shares);
  EXPECT_TRUE(s.ok()) << "owner ListCaseShares " << info.situation << ": "
                      << s.error_message();
  for (const v1::CaseShare& share : shares.shares()) {
    if (share.basis() == basis) UnshareAsOwner(share.name(), info);
  }
}

void World::GiveEveryForceACpsArea() {
  if (every_force_has_cps_) return;
  absl::StatusOr<std::string> r = server_->Query(
      "UPDATE agencies SET prosecuting_agency_id = (SELECT id FROM agencies "
      "WHERE code = 'CPSWM') WHERE code = 'WMP' RETURNING code");
  EXPECT_TRUE(r.ok()) << r.status();
  every_force_has_cps_ = true;
}

void World::CloseAsOwner(const CaseInfo& info) {
  v1::CloseCaseRequest close;
  close.set_name(info.name);
  close.set_reason("Closing to test reopening");
  close.set_etag(CaseEtag(info));
  v1::Case closed;
  grpc::Status s = cases_->CloseCase(OwnerContext(info).get(), close, &closed);
  EXPECT_TRUE(s.ok()) << "owner CloseCase " << info.situation << ": "
                      << s.error_message();
}

void World::ReopenAsOwner(const CaseInfo& info) {
  v1::ReopenCaseRequest reopen;
  reopen.set_name(info.name);
  reopen.set_reason("Restoring the situation");
  reopen.set_etag(CaseEtag(info));
  v1::Case reopened;
  grpc::Status s = cases_->ReopenCase(OwnerContext(info).get(), reopen, &reopened);
  EXPECT_TRUE(s.ok()) << "owner ReopenCase " << info.situation << ": "
                      << s.error_message();
}

std::string World::NewUserIn(absl::string_view agency_code, std::vector<v1::Role> roles,
                             v1::UserKind kind) {
  bool privileged = kind == v1::USER_KIND_SERVICE;
  for (v1::Role r : roles) privileged = privileged || domain::IsPrivilegedRole(r);
  std::string manager = "admin";
  if (!privileged) {
    absl::StatusOr<std::string> agency_admin = server_->AgencyAdministrator(agency_code);
    EXPECT_TRUE(agency_admin.ok()) << agency_admin.status();
    manager = agency_admin.value_or("admin");
  }
  v1::CreateUserRequest req;
  req.mutable_user()->set_username(Unique("matrix.account."));
  req.mutable_user()->set_display_name("Matrix account");
  req.mutable_user()->set_agency(Agency(agency_code));
  req.mutable_user()->set_kind(kind);
  for (v1::Role r : roles) req.mutable_user()->add_roles(r);
  v1::User user;
  grpc::Status s = admin_->CreateUser(ContextAs(manager).get(), req, &user);
  EXPECT_TRUE(s.ok()) << manager << " CreateUser: " << s.error_message();
  return user.name();
}

std::string World::NewTokenOfUserIn(absl::string_view agency_code, v1::Role role) {
  const std::string username = Unique("matrix.holder.");
  absl::StatusOr<std::string> token = server_->AddUser(username, agency_code, "",
                                                       v1::AGENCY_KIND_COUNCIL, role);
  EXPECT_TRUE(token.ok()) << token.status();
  v1::ListTokensResponse tokens;
  grpc::Status s =
      admin_->ListTokens(ContextAs(username).get(), v1::ListTokensRequest(), &tokens);
  EXPECT_TRUE(s.ok() && tokens.tokens_size() == 1) << s.error_message();
  return tokens.tokens_size() > 0 ? tokens.tokens(0).name() : "";
}

std::string World::NewOwnToken(const Caller& caller) {
  v1::IssueTokenRequest req;
  req.set_user(caller.principal.user_id);
  req.set_description("to be revoked");
  v1::IssueTokenResponse issued;
  grpc::Status s = admin_->IssueToken(ContextFor(caller).get(), req, &issued);
  return s.ok() ? issued.token().name() : "";
}

std::string World::UserEtag(const std::string& user_name) {
  v1::GetUserRequest req;
  req.set_name(user_name);
  v1::User user;
  grpc::Status s = admin_->GetUser(ContextAs("admin").get(), req, &user);
  EXPECT_TRUE(s.ok()) << "admin GetUser: " << s.error_message();
  return user.etag();
}

void World::DisableAsManager(const std::string& user_name, absl::string_view agency_code,
                             bool privileged) {
  std::string manager = "admin";
  if (!privileged) manager = server_->AgencyAdministrator(agency_code).value_or("admin");
  v1::DisableUserRequest req;
  req.set_name(user_name);
  req.set_reason("Prepared for an EnableUser cell");
  v1::User user;
  grpc::Status s = admin_->DisableUser(ContextAs(manager).get(), req, &user);
  EXPECT_TRUE(s.ok()) << manager << " DisableUser: " << s.error_message();
}

}  // namespace casebridge::matrix
