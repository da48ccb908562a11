// Probes of AdminService for the access matrix: every administration RPC
// against an account of the caller's own agency, of another agency, and a
// privileged one (an administrator, a service account), so the matrix holds
// the administrator cells — own agency / other agency / system — for every
// role. The expected answer comes from the domain's own rules
// (domain/user_administration.h and the policy table).
#include "absl/strings/str_cat.h"
#include "domain/resource_names.h"
#include "domain/user_administration.h"
#include "tests/integration/matrix/probe.h"
#include "tests/integration/matrix/world.h"

namespace casebridge::matrix {
namespace {

using domain::Action;
using Stub = v1::AdminService::Stub;

std::string M(absl::string_view method) {
  return absl::StrCat("casebridge.v1.AdminService.", method);
}

// The caller as the domain sees it (bare ids).
domain::Principal Bare(const Caller& c) {
  domain::Principal p = c.principal;
  p.user_id = domain::IdOf(p.user_id);
  p.agency_id = domain::IdOf(p.agency_id);
  return p;
}

// Where an account of each kind of target lives.
enum class Target { kOwnAgency, kOtherAgency, kAdministrator };

constexpr Target kTargets[] = {Target::kOwnAgency, Target::kOtherAgency,
                               Target::kAdministrator};

const char* TargetName(Target t) {
  switch (t) {
    case Target::kOwnAgency:
      return "own agency";
    case Target::kOtherAgency:
      return "other agency";
    case Target::kAdministrator:
      return "an administrator";
  }
  return "";
}

// The agency code of the account (callers without an agency, the refused
// credentials, act on the sink's).
std::string AgencyCodeOf(const Caller& caller, Target t) {
  if (t == Target::kOtherAgency || caller.agency_code.empty()) return "MXSINK";
  return caller.agency_code;
}

std::vector<v1::Role> RolesOf(Target t) {
  // An auditor is an ordinary role every kind of agency may have.
  return {t == Target::kAdministrator ? v1::ROLE_ADMINISTRATOR : v1::ROLE_AUDITOR};
}

domain::Account AccountOf(const World& world, const Caller& caller, Target t) {
  return domain::Account{"target", domain::IdOf(world.Agency(AgencyCodeOf(caller, t))),
                         v1::USER_KIND_PERSON, RolesOf(t)};
}

absl::Status ExpectManage(const World& world, const Caller& caller, Target t) {
  return domain::AuthorizeAccountManagement(Bare(caller), AccountOf(world, caller, t));
}

absl::Status ExpectRead(const World& world, const Caller& caller, Target t) {
  return domain::AuthorizeForAgency(Bare(caller), Action::kReadUsers,
                                    domain::IdOf(world.Agency(AgencyCodeOf(caller, t))));
}

// A fresh account of the target kind, made by whoever manages it.
std::string NewTarget(ProbeEnv& env, Target t) {
  return env.world.NewUserIn(AgencyCodeOf(env.caller, t), RolesOf(t));
}

void RegisterAdminServiceProbes(ProbeRegistry& registry) {
  registry.Add({
      .method = M("CreateAgency"),
      .action = Action::kManageAgencies,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::CreateAgencyRequest req;
            req.mutable_agency()->set_code(env.world.Unique("MX"));
            req.mutable_agency()->set_display_name("Matrix borough council");
            req.mutable_agency()->set_kind(v1::AGENCY_KIND_COUNCIL);
            return Issue(&Stub::CreateAgency, env.world.admin(), env.Context(), req);
          },
  });
  registry.Add({
      .method = M("ListAgencies"),
      .action = Action::kReadDirectory,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            return Issue(&Stub::ListAgencies, env.world.admin(), env.Context(),
                         v1::ListAgenciesRequest());
          },
  });
  registry.Add({
      .method = M("ListUsers"),
      .action = Action::kReadUsers,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            return Issue(&Stub::ListUsers, env.world.admin(), env.Context(),
                         v1::ListUsersRequest());
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            // An agency administrator's list is its own agency's only.
            std::vector<std::string> problems;
            if (env.caller.HasRole(v1::ROLE_SYSTEM_ADMINISTRATOR)) return problems;
            for (const v1::User& u : As<v1::ListUsersResponse>(m).users()) {
              if (u.agency() != env.caller.principal.agency_id) {
                problems.push_back(absl::StrCat("listed ", u.username(), " of ", u.agency()));
              }
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("MoveUser"),
      .action = Action::kMoveUsers,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::MoveUserRequest req;
            req.set_name(env.world.NewUserIn("MXSINK", {v1::ROLE_SAFEGUARDING_LEAD}));
            req.set_agency(env.world.second_sink_agency());
            req.add_roles(v1::ROLE_SAFEGUARDING_LEAD);
            req.set_etag(env.world.UserEtag(req.name()));
            req.set_reason("Moved to the neighbouring council");
            return Issue(&Stub::MoveUser, env.world.admin(), env.Context(), req);
          },
  });
  registry.Add({
      .method = M("GetCurrentUser"),
      .action = Action::kReadSelf,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            return Issue(&Stub::GetCurrentUser, env.world.admin(), env.Context(),
                         v1::GetCurrentUserRequest());
          },
      .verify =
          [](const ProbeEnv& env, const google::protobuf::Message& m) {
            std::vector<std::string> problems;
            if (As<v1::User>(m).name() != env.caller.principal.user_id) {
              problems.push_back("answered with another user");
            }
            return problems;
          },
  });
  registry.Add({
      .method = M("RedeemEnrolmentCode"),
      .action = Action::kReadSelf,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            // The code is the credential: anyone holding it may redeem it,
            // whatever else they present.
            std::string user = env.world.NewUserIn("MXSINK", {v1::ROLE_SAFEGUARDING_LEAD});
            v1::CreateEnrolmentCodeRequest code_req;
            code_req.set_user(user);
            v1::EnrolmentCode code;
            grpc::Status made = env.world.admin().CreateEnrolmentCode(
                env.world.ContextAs(env.world.server().AgencyAdministrator("MXSINK").value_or(
                                        "admin"))
                    .get(),
                code_req, &code);
            EXPECT_TRUE(made.ok()) << made.error_message();
            v1::RedeemEnrolmentCodeRequest req;
            req.set_code(code.code());
            return Issue(&Stub::RedeemEnrolmentCode, env.world.admin(), env.Context(), req);
          },
      .expect = [](const World&, const Caller&) { return absl::OkStatus(); },
      .no_credential = true,
  });

  for (Target t : kTargets) {
    registry.Add({
        .method = M("CreateUser"),
        .variant = TargetName(t),
        .action = Action::kManageUsers,
        .scope = Scope::kNoCase,
        .run =
            [t](ProbeEnv& env) {
              v1::CreateUserRequest req;
              req.mutable_user()->set_username(env.world.Unique("matrix.user."));
              req.mutable_user()->set_display_name("Matrix user");
              req.mutable_user()->set_agency(env.world.Agency(AgencyCodeOf(env.caller, t)));
              for (v1::Role r : RolesOf(t)) req.mutable_user()->add_roles(r);
              return Issue(&Stub::CreateUser, env.world.admin(), env.Context(), req);
            },
        .expect = [t](const World& w, const Caller& c) { return ExpectManage(w, c, t); },
    });
    registry.Add({
        .method = M("DisableUser"),
        .variant = TargetName(t),
        .action = Action::kManageUsers,
        .scope = Scope::kNoCase,
        .run =
            [t](ProbeEnv& env) {
              v1::DisableUserRequest req;
              req.set_name(NewTarget(env, t));
              req.set_reason("Left the agency");
              return Issue(&Stub::DisableUser, env.world.admin(), env.Context(), req);
            },
        .expect = [t](const World& w, const Caller& c) { return ExpectManage(w, c, t); },
    });
    registry.Add({
        .method = M("EnableUser"),
        .variant = TargetName(t),
        .action = Action::kManageUsers,
        .scope = Scope::kNoCase,
        .run =
            [t](ProbeEnv& env) {
              v1::EnableUserRequest req;
              req.set_name(NewTarget(env, t));
              env.world.DisableAsManager(req.name(), AgencyCodeOf(env.caller, t),
                                         t == Target::kAdministrator);
              req.set_reason("Returned from leave");
              return Issue(&Stub::EnableUser, env.world.admin(), env.Context(), req);
            },
        .expect = [t](const World& w, const Caller& c) { return ExpectManage(w, c, t); },
    });
    registry.Add({
        .method = M("SetUserRoles"),
        .variant = TargetName(t),
        .action = Action::kManageUsers,
        .scope = Scope::kNoCase,
        .run =
            [t](ProbeEnv& env) {
              v1::SetUserRolesRequest req;
              req.set_name(NewTarget(env, t));
              for (v1::Role r : RolesOf(t)) req.add_roles(r);
              req.set_etag(env.world.UserEtag(req.name()));
              req.set_reason("Confirmed roles");
              return Issue(&Stub::SetUserRoles, env.world.admin(), env.Context(), req);
            },
        .expect = [t](const World& w, const Caller& c) { return ExpectManage(w, c, t); },
    });
    registry.Add({
        .method = M("CreateEnrolmentCode"),
        .variant = TargetName(t),
        .action = Action::kManageUsers,
        .scope = Scope::kNoCase,
        .run =
            [t](ProbeEnv& env) {
              v1::CreateEnrolmentCodeRequest req;
              req.set_user(NewTarget(env, t));
              return Issue(&Stub::CreateEnrolmentCode, env.world.admin(), env.Context(),
                           req);
            },
        .expect = [t](const World& w, const Caller& c) { return ExpectManage(w, c, t); },
        .verify =
            [](const ProbeEnv&, const google::protobuf::Message& m) {
              std::vector<std::string> problems;
              if (As<v1::EnrolmentCode>(m).code().empty()) problems.push_back("no code");
              return problems;
            },
    });
  }

  for (Target t : {Target::kOwnAgency, Target::kOtherAgency}) {
    registry.Add({
        .method = M("GetUser"),
        .variant = TargetName(t),
        .action = Action::kReadUsers,
        .scope = Scope::kNoCase,
        .run =
            [t](ProbeEnv& env) {
              v1::GetUserRequest req;
              req.set_name(NewTarget(env, t));
              return Issue(&Stub::GetUser, env.world.admin(), env.Context(), req);
            },
        .expect = [t](const World& w, const Caller& c) { return ExpectRead(w, c, t); },
    });
    registry.Add({
        .method = M("ListTokens"),
        .variant = TargetName(t),
        .action = Action::kReadUsers,
        .scope = Scope::kNoCase,
        .run =
            [t](ProbeEnv& env) {
              v1::ListTokensRequest req;
              req.set_user(NewTarget(env, t));
              return Issue(&Stub::ListTokens, env.world.admin(), env.Context(), req);
            },
        // Another's credentials are for whoever manages the account.
        .expect = [t](const World& w, const Caller& c) { return ExpectManage(w, c, t); },
    });
    registry.Add({
        .method = M("RevokeToken"),
        .variant = TargetName(t),
        .action = Action::kManageUsers,
        .scope = Scope::kNoCase,
        .run =
            [t](ProbeEnv& env) {
              v1::RevokeTokenRequest req;
              req.set_name(env.world.NewTokenOfUserIn(AgencyCodeOf(env.caller, t),
                                                      v1::ROLE_AUDITOR));
              return Issue(&Stub::RevokeToken, env.world.admin(), env.Context(), req);
            },
        .expect = [t](const World& w, const Caller& c) { return ExpectManage(w, c, t); },
    });
  }

  // Tokens: a person's own, never another person's; a service account's by
  // the system administrator.
  registry.Add({
      .method = M("IssueToken"),
      .variant = "yourself",
      .action = Action::kManageOwnTokens,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::IssueTokenRequest req;
            req.set_user(env.caller.principal.user_id.empty()
                             ? env.world.sink_user()
                             : env.caller.principal.user_id);
            req.set_description("matrix");
            return Issue(&Stub::IssueToken, env.world.admin(), env.Context(), req);
          },
  });
  registry.Add({
      .method = M("IssueToken"),
      .variant = "another person",
      .action = Action::kManageOwnTokens,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::IssueTokenRequest req;
            req.set_user(env.world.sink_user());
            req.set_description("matrix");
            return Issue(&Stub::IssueToken, env.world.admin(), env.Context(), req);
          },
      // Nobody, administrators included, may hold a credential that acts
      // as another person.
      .expect =
          [](const World&, const Caller&) {
            return absl::PermissionDeniedError("another person's token");
          },
  });
  registry.Add({
      .method = M("IssueToken"),
      .variant = "a service account",
      .action = Action::kManagePrivilegedUsers,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::IssueTokenRequest req;
            req.set_user(env.world.NewUserIn("MXSINK", {v1::ROLE_FRONT_END},
                                             v1::USER_KIND_SERVICE));
            req.set_description("web front end");
            return Issue(&Stub::IssueToken, env.world.admin(), env.Context(), req);
          },
      .expect =
          [](const World& w, const Caller& c) {
            return domain::AuthorizeAccountManagement(
                Bare(c), domain::Account{"service", domain::IdOf(w.sink_agency()),
                                         v1::USER_KIND_SERVICE, {v1::ROLE_FRONT_END}});
          },
  });
  registry.Add({
      .method = M("RevokeToken"),
      .variant = "yourself",
      .action = Action::kManageOwnTokens,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::RevokeTokenRequest req;
            std::string own = env.world.NewOwnToken(env.caller);
            req.set_name(own.empty() ? absl::StrCat(env.world.sink_user(),
                                                    "/tokens/5b0e4c1a-9f3d-4c6e-8a77-0d1e2f3a4b5c")
                                     : own);
            return Issue(&Stub::RevokeToken, env.world.admin(), env.Context(), req);
          },
  });
  registry.Add({
      .method = M("ListTokens"),
      .variant = "yourself",
      .action = Action::kReadSelf,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            return Issue(&Stub::ListTokens, env.world.admin(), env.Context(),
                         v1::ListTokensRequest());
          },
  });
}

CB_MATRIX_PROBES(RegisterAdminServiceProbes);

}  // namespace
}  // namespace casebridge::matrix
