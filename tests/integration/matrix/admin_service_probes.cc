// Probes of AdminService for the access matrix.
#include "absl/strings/str_cat.h"
#include "tests/integration/matrix/probe.h"
#include "tests/integration/matrix/world.h"

namespace casebridge::matrix {
namespace {

using domain::Action;
using Stub = v1::AdminService::Stub;

std::string M(absl::string_view method) {
  return absl::StrCat("casebridge.v1.AdminService.", method);
}

void RegisterAdminServiceProbes(ProbeRegistry& registry) {
  registry.Add({
      .method = M("CreateAgency"),
      .action = Action::kAdminister,
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
      .method = M("CreateUser"),
      .action = Action::kAdminister,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::CreateUserRequest req;
            req.mutable_user()->set_username(env.world.Unique("matrix.user."));
            req.mutable_user()->set_display_name("Matrix user");
            req.mutable_user()->set_agency(env.world.sink_agency());
            req.mutable_user()->add_roles(v1::ROLE_SAFEGUARDING_LEAD);
            return Issue(&Stub::CreateUser, env.world.admin(), env.Context(), req);
          },
  });
  registry.Add({
      .method = M("ListUsers"),
      .action = Action::kAdminister,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            return Issue(&Stub::ListUsers, env.world.admin(), env.Context(),
                         v1::ListUsersRequest());
          },
  });
  registry.Add({
      .method = M("DisableUser"),
      .action = Action::kAdminister,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::DisableUserRequest req;
            req.set_name(env.world.NewThrowawayUser());
            req.set_reason("Left the agency");
            return Issue(&Stub::DisableUser, env.world.admin(), env.Context(), req);
          },
  });
  registry.Add({
      .method = M("IssueToken"),
      .action = Action::kAdminister,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::IssueTokenRequest req;
            req.set_user(env.world.sink_user());
            req.set_description("matrix");
            return Issue(&Stub::IssueToken, env.world.admin(), env.Context(), req);
          },
  });
  registry.Add({
      .method = M("RevokeToken"),
      .action = Action::kAdminister,
      .scope = Scope::kNoCase,
      .run =
          [](ProbeEnv& env) {
            v1::RevokeTokenRequest req;
            req.set_name(env.world.NewSinkToken());
            return Issue(&Stub::RevokeToken, env.world.admin(), env.Context(), req);
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
}

CB_MATRIX_PROBES(RegisterAdminServiceProbes);

}  // namespace
}  // namespace casebridge::matrix
