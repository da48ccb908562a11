// casebridge admin ...: agencies, users and tokens (administrators), and
// whoami (anyone). Never case content.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "casebridge/v1/admin.grpc.pb.h"
#include "clients/cli/command_support.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/names.h"
#include "clients/cli/output.h"
#include "domain/validation.h"

namespace casebridge::cli {
namespace {

std::string Roles(const v1::User& u) {
  std::vector<std::string> roles;
  for (int r : u.roles()) roles.push_back(EnumName(v1::Role_descriptor(), r));
  return Join(roles);
}

std::string UserText(Cli& cli, const v1::User& u) {
  Details d;
  d.AddAlways("User", absl::StrCat(u.username(), "  (", u.name(), ")"));
  d.Add("Name", u.display_name());
  d.AddAlways("Agency",
              absl::StrCat(cli.AgencyCode(u.agency()), " (",
                           EnumWords(v1::AgencyKind_descriptor(), u.agency_kind()), ")"));
  d.AddAlways("Roles", Roles(u));
  if (u.kind() == v1::USER_KIND_SERVICE) d.Add("Kind", "service account");
  if (u.disabled()) {
    d.Add("Disabled", u.disable_reason().empty() ? "yes" : u.disable_reason());
  }
  d.Add("Created", FormatTimestamp(u.create_time(), cli.tz));
  return d.Render();
}

std::string AgencyText(Cli& cli, const v1::Agency& a) {
  Details d;
  d.AddAlways("Agency", absl::StrCat(a.code(), "  (", a.name(), ")"));
  d.AddAlways("Name", a.display_name());
  d.AddAlways("Kind", EnumWords(v1::AgencyKind_descriptor(), a.kind()));
  d.Add("Charging files go to", cli.AgencyCode(a.prosecuting_agency()));
  return d.Render();
}

std::string TokenText(Cli& cli, const v1::Token& t) {
  Details d;
  d.AddAlways("Token", t.name());
  d.Add("Description", t.description());
  d.Add("Created", FormatTimestamp(t.create_time(), cli.tz));
  d.Add("Expires", FormatTimestamp(t.expire_time(), cli.tz));
  d.Add("Revoked", FormatTimestamp(t.revoke_time(), cli.tz));
  if (t.origin() != v1::TOKEN_ORIGIN_UNSPECIFIED) {
    d.Add("Origin", EnumWords(v1::TokenOrigin_descriptor(), t.origin()));
  }
  d.Add("Made by", t.created_by());
  return d.Render();
}

// Runs one AdminService call and prints the user it answers.
template <typename Request>
absl::Status EmitUser(Cli& cli, absl::string_view method, const Request& request,
                      grpc::Status (v1::AdminService::Stub::*rpc)(grpc::ClientContext*,
                                                                  const Request&,
                                                                  v1::User*)) {
  absl::StatusOr<Client*> c = cli.client();
  if (!c.ok()) return c.status();
  v1::User response;
  absl::Status s = (*c)->Call(method, [&](grpc::ClientContext* ctx) {
    return ((*c)->admin().*rpc)(ctx, request, &response);
  });
  if (!s.ok()) return s;
  cli.Emit(response, response.name(), UserText(cli, response));
  return absl::OkStatus();
}

// The user as it is now (its etag, for a change that needs one).
absl::StatusOr<v1::User> GetUser(Cli& cli, const std::string& name) {
  absl::StatusOr<Client*> c = cli.client();
  if (!c.ok()) return c.status();
  v1::GetUserRequest request;
  request.set_name(name);
  v1::User user;
  absl::Status s = (*c)->Call("GetUser", [&](grpc::ClientContext* ctx) {
    return (*c)->admin().GetUser(ctx, request, &user);
  });
  if (!s.ok()) return s;
  return user;
}

void AddAgencies(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string kind;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "agencies", "The agency directory (anyone may read it).",
      "casebridge --as pc.hughes admin agencies --kind council",
      [&cli, o]() -> absl::Status {
        v1::ListAgenciesRequest request;
        if (!o->kind.empty()) {
          absl::StatusOr<int> k = EnumArg(v1::AgencyKind_descriptor(), o->kind, "--kind");
          if (!k.ok()) return k.status();
          request.set_filter("kind=" + EnumName(v1::AgencyKind_descriptor(), *k));
        }
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::ListAgenciesResponse response;
        absl::Status s = (*c)->Call("ListAgencies", [&](grpc::ClientContext* ctx) {
          return (*c)->admin().ListAgencies(ctx, request, &response);
        });
        if (!s.ok()) return s;
        Table t({"CODE", "NAME", "KIND", "CHARGING FILES TO"});
        std::vector<std::string> names;
        for (const v1::Agency& a : response.agencies()) {
          t.AddRow({a.code(), a.display_name(),
                    EnumWords(v1::AgencyKind_descriptor(), a.kind()),
                    cli.AgencyCode(a.prosecuting_agency())});
          names.push_back(a.name());
        }
        cli.EmitList(response, names, t, "no agencies", response.next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("--kind", o->kind, EnumChoices(v1::AgencyKind_descriptor()));
  AddPaging(cmd, &o->paging);
}

void AddCreateAgency(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string code, name, kind, prosecuting, request_id;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "create-agency", "Add an agency (the system administrator).",
      "casebridge --as admin admin create-agency --code WMP --name \"West Midlands "
      "Police\" --kind police --prosecuting-agency CPSWM",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<int> kind =
            EnumArg(v1::AgencyKind_descriptor(), o->kind, "--kind");
        if (!kind.ok()) return kind.status();
        v1::CreateAgencyRequest request;
        request.set_request_id(o->request_id);
        v1::Agency* a = request.mutable_agency();
        a->set_code(o->code);
        a->set_display_name(o->name);
        a->set_kind(static_cast<v1::AgencyKind>(*kind));
        if (!o->prosecuting.empty()) {
          absl::StatusOr<std::string> p =
              cli.AgencyName(o->prosecuting, "--prosecuting-agency");
          if (!p.ok()) return p.status();
          a->set_prosecuting_agency(*p);
        }
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::Agency response;
        absl::Status s = (*c)->Call("CreateAgency", [&](grpc::ClientContext* ctx) {
          return (*c)->admin().CreateAgency(ctx, request, &response);
        });
        if (!s.ok()) return s;
        cli.Emit(response, response.name(), AgencyText(cli, response));
        return absl::OkStatus();
      });
  cmd->add_option("--code", o->code,
                  "short unique code; a force's prefixes its case "
                  "references")
      ->required();
  cmd->add_option("--name", o->name, "display name")->required();
  cmd->add_option("--kind", o->kind, EnumChoices(v1::AgencyKind_descriptor()))
      ->required();
  cmd->add_option("--prosecuting-agency", o->prosecuting,
                  "police only: the CPS area that receives its charging files");
  cmd->add_option("--request-id", o->request_id,
                  "retrying with the same id creates once");
}

void AddUsers(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string agency, role;
    bool disabled = false;
    Paging paging;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "users",
      "List users: an agency administrator its own agency's, the system "
      "administrator any.",
      "casebridge --as admin.sp admin users --role police-officer",
      [&cli, o]() -> absl::Status {
        std::vector<std::string> terms;
        if (!o->agency.empty()) {
          absl::StatusOr<std::string> a = cli.AgencyName(o->agency, "--agency");
          if (!a.ok()) return a.status();
          terms.push_back("agency=" + *a);
        }
        if (!o->role.empty()) {
          absl::StatusOr<int> r = EnumArg(v1::Role_descriptor(), o->role, "--role");
          if (!r.ok()) return r.status();
          terms.push_back("role=" + EnumName(v1::Role_descriptor(), *r));
        }
        if (o->disabled) terms.push_back("disabled=true");
        v1::ListUsersRequest request;
        request.set_filter(absl::StrJoin(terms, " AND "));
        request.set_page_size(o->paging.page_size);
        request.set_page_token(o->paging.page_token);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::ListUsersResponse response;
        absl::Status s = (*c)->Call("ListUsers", [&](grpc::ClientContext* ctx) {
          return (*c)->admin().ListUsers(ctx, request, &response);
        });
        if (!s.ok()) return s;
        Table t({"USERNAME", "NAME", "AGENCY", "ROLES", "DISABLED", "USER"});
        std::vector<std::string> names;
        for (const v1::User& u : response.users()) {
          t.AddRow({u.username(), u.display_name(), cli.AgencyCode(u.agency()), Roles(u),
                    u.disabled() ? "yes" : "", u.name()});
          names.push_back(u.name());
        }
        cli.EmitList(response, names, t, "no users", response.next_page_token());
        return absl::OkStatus();
      });
  cmd->add_option("--agency", o->agency, "agency code");
  cmd->add_option("--role", o->role, EnumChoices(v1::Role_descriptor()));
  cmd->add_flag("--disabled", o->disabled, "only disabled users");
  AddPaging(cmd, &o->paging);
}

void AddCreateUser(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string username, name, agency, request_id;
    std::vector<std::string> roles;
    bool service = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "create-user",
      "Add a user to an agency with roles: an agency administrator its own "
      "agency's staff, the system administrator administrators, national roles "
      "and service accounts. Then `admin enrol` gives the person a code.",
      "casebridge --as admin.sp admin create-user --username pc.jones --name \"PC Sam "
      "Jones\" --agency SP --role police-officer",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::vector<int>> roles =
            EnumListArg(v1::Role_descriptor(), o->roles, "--role");
        if (!roles.ok()) return roles.status();
        absl::StatusOr<std::string> agency = cli.AgencyName(o->agency, "--agency");
        if (!agency.ok()) return agency.status();
        v1::CreateUserRequest request;
        request.set_request_id(o->request_id);
        v1::User* u = request.mutable_user();
        u->set_username(o->username);
        u->set_display_name(o->name);
        u->set_agency(*agency);
        u->set_kind(o->service ? v1::USER_KIND_SERVICE : v1::USER_KIND_PERSON);
        for (int r : *roles) u->add_roles(static_cast<v1::Role>(r));
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::User response;
        absl::Status s = (*c)->Call("CreateUser", [&](grpc::ClientContext* ctx) {
          return (*c)->admin().CreateUser(ctx, request, &response);
        });
        if (!s.ok()) return s;
        cli.Emit(response, response.name(), UserText(cli, response));
        return absl::OkStatus();
      });
  cmd->add_option("--username", o->username, "login handle, e.g. pc.jones")->required();
  cmd->add_option("--name", o->name, "display name")->required();
  cmd->add_option("--agency", o->agency, "agency code")->required();
  cmd->add_option("--role", o->roles, EnumChoices(v1::Role_descriptor()))
      ->required()
      ->allow_extra_args(false);
  cmd->add_flag("--service-account", o->service,
                "a program, not a person (the web front end): role front-end");
  cmd->add_option("--request-id", o->request_id,
                  "retrying with the same id creates once");
}

void AddGetUser(CLI::App& group, Cli& cli) {
  auto user = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(
      group, cli, "user", "One user: agency, roles, whether disabled.",
      "casebridge --as admin.sp admin user pc.hughes", [&cli, user]() -> absl::Status {
        absl::StatusOr<std::string> name = cli.UserName(*user, "USER");
        if (!name.ok()) return name.status();
        absl::StatusOr<v1::User> u = GetUser(cli, *name);
        if (!u.ok()) return u.status();
        cli.Emit(*u, u->name(), UserText(cli, *u));
        return absl::OkStatus();
      });
  cmd->add_option("USER", *user, "username or users/{id}")->required();
}

void AddDisableUser(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string user, reason;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "disable-user",
      "Disable a user (a leaver): every credential of theirs stops working.",
      "casebridge --as admin.sp admin disable-user pc.jones --reason \"Left the force\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> user = cli.UserName(o->user, "USER");
        if (!user.ok()) return user.status();
        v1::DisableUserRequest request;
        request.set_name(*user);
        request.set_reason(o->reason);
        return EmitUser(cli, "DisableUser", request, &v1::AdminService::Stub::DisableUser);
      });
  cmd->add_option("USER", o->user, "username or users/{id}")->required();
  cmd->add_option("--reason", o->reason, "why")->required();
}

void AddEnableUser(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string user, reason;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "enable-user", "Enable a disabled user again.",
      "casebridge --as admin.sp admin enable-user pc.jones --reason \"Back from leave\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> user = cli.UserName(o->user, "USER");
        if (!user.ok()) return user.status();
        v1::EnableUserRequest request;
        request.set_name(*user);
        request.set_reason(o->reason);
        return EmitUser(cli, "EnableUser", request, &v1::AdminService::Stub::EnableUser);
      });
  cmd->add_option("USER", o->user, "username or users/{id}")->required();
  cmd->add_option("--reason", o->reason, "why")->required();
}

void AddSetRoles(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string user, reason;
    std::vector<std::string> roles;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "set-roles", "Replace a user's roles.",
      "casebridge --as admin.sp admin set-roles pc.jones --role police-supervisor "
      "--reason \"Promoted to sergeant\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::vector<int>> roles =
            EnumListArg(v1::Role_descriptor(), o->roles, "--role");
        if (!roles.ok()) return roles.status();
        absl::StatusOr<std::string> name = cli.UserName(o->user, "USER");
        if (!name.ok()) return name.status();
        absl::StatusOr<v1::User> user = GetUser(cli, *name);
        if (!user.ok()) return user.status();
        v1::SetUserRolesRequest request;
        request.set_name(*name);
        for (int r : *roles) request.add_roles(static_cast<v1::Role>(r));
        request.set_etag(user->etag());
        request.set_reason(o->reason);
        return EmitUser(cli, "SetUserRoles", request, &v1::AdminService::Stub::SetUserRoles);
      });
  cmd->add_option("USER", o->user, "username or users/{id}")->required();
  cmd->add_option("--role", o->roles, EnumChoices(v1::Role_descriptor()))->required();
  cmd->add_option("--reason", o->reason, "why")->required();
}

void AddMoveUser(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string user, agency, reason;
    std::vector<std::string> roles;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "move-user",
      "Move a user to another agency with the roles they hold there (the system "
      "administrator). Their credentials end: the new agency enrols them.",
      "casebridge --as admin admin move-user county.evans --agency SOTCC --role "
      "safeguarding-lead --reason \"Joined the city council\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::vector<int>> roles =
            EnumListArg(v1::Role_descriptor(), o->roles, "--role");
        if (!roles.ok()) return roles.status();
        absl::StatusOr<std::string> agency = cli.AgencyName(o->agency, "--agency");
        if (!agency.ok()) return agency.status();
        absl::StatusOr<std::string> name = cli.UserName(o->user, "USER");
        if (!name.ok()) return name.status();
        absl::StatusOr<v1::User> user = GetUser(cli, *name);
        if (!user.ok()) return user.status();
        v1::MoveUserRequest request;
        request.set_name(*name);
        request.set_agency(*agency);
        for (int r : *roles) request.add_roles(static_cast<v1::Role>(r));
        request.set_etag(user->etag());
        request.set_reason(o->reason);
        return EmitUser(cli, "MoveUser", request, &v1::AdminService::Stub::MoveUser);
      });
  cmd->add_option("USER", o->user, "username or users/{id}")->required();
  cmd->add_option("--agency", o->agency, "the agency's code")->required();
  cmd->add_option("--role", o->roles, EnumChoices(v1::Role_descriptor()))->required();
  cmd->add_option("--reason", o->reason, "why")->required();
}

void AddEnrol(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string user, expires;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "enrol",
      "Make a one-time enrolment code for a person to redeem for their own "
      "token (`casebridge enrol CODE`). Give it to them in person or by phone; "
      "it works once, within 72 hours, and never while they have a working "
      "token.",
      "casebridge --as admin.sp admin enrol pc.jones",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> user = cli.UserName(o->user, "USER");
        if (!user.ok()) return user.status();
        v1::CreateEnrolmentCodeRequest request;
        request.set_user(*user);
        if (!o->expires.empty()) {
          absl::StatusOr<absl::Time> t = cli.When(o->expires, "--expires");
          if (!t.ok()) return t.status();
          *request.mutable_expire_time() = domain::ToProtoTime(*t);
        }
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::EnrolmentCode response;
        absl::Status s = (*c)->Call("CreateEnrolmentCode", [&](grpc::ClientContext* ctx) {
          return (*c)->admin().CreateEnrolmentCode(ctx, request, &response);
        });
        if (!s.ok()) return s;
        Details d;
        d.AddAlways("Enrolment code", response.code());
        d.Add("For", o->user);
        d.Add("Expires", FormatTimestamp(response.expire_time(), cli.tz));
        cli.Emit(response, response.code(),
                 absl::StrCat(d.Render(),
                              "The person runs: casebridge enrol ", response.code(), "\n"));
        return absl::OkStatus();
      });
  cmd->add_option("USER", o->user, "username or users/{id}")->required();
  cmd->add_option("--expires", o->expires, "when the code stops working (default 72 hours)");
}

void AddIssueToken(CLI::App& group, Cli& cli) {
  struct Opts {
    std::string user, description, expires;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      group, cli, "issue-token",
      "Issue a personal token for yourself (USER: me), or for a service account "
      "(the system administrator). The secret is shown once.",
      "casebridge --as pc.hughes admin issue-token me --description \"laptop\" "
      "--expires \"in 30 days\"",
      [&cli, o]() -> absl::Status {
        absl::StatusOr<std::string> user = cli.UserName(o->user, "USER");
        if (!user.ok()) return user.status();
        v1::IssueTokenRequest request;
        request.set_user(*user);
        request.set_description(o->description);
        if (!o->expires.empty()) {
          absl::StatusOr<absl::Time> t = cli.When(o->expires, "--expires");
          if (!t.ok()) return t.status();
          *request.mutable_expire_time() = domain::ToProtoTime(*t);
        }
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::IssueTokenResponse response;
        absl::Status s = (*c)->Call("IssueToken", [&](grpc::ClientContext* ctx) {
          return (*c)->admin().IssueToken(ctx, request, &response);
        });
        if (!s.ok()) return s;
        cli.Emit(response, response.token().name(),
                 absl::StrCat(TokenText(cli, response.token()),
                              "Secret (shown once, keep it safe):\n", response.secret(),
                              "\n"));
        return absl::OkStatus();
      });
  cmd->add_option("USER", o->user, "username or users/{id}")->required();
  cmd->add_option("--description", o->description, "what the token is for");
  cmd->add_option("--expires", o->expires,
                  "when it stops working (personal tokens: default 90 days, at most a year)");
}

void AddTokens(CLI::App& group, Cli& cli) {
  auto user = std::make_shared<std::string>("me");
  CLI::App* cmd = AddCommand(
      group, cli, "tokens",
      "List tokens: your own, or (administrators) those of a user you manage.",
      "casebridge --as admin.sp admin tokens pc.hughes", [&cli, user]() -> absl::Status {
        v1::ListTokensRequest request;
        if (*user != "me") {
          absl::StatusOr<std::string> name = cli.UserName(*user, "USER");
          if (!name.ok()) return name.status();
          request.set_user(*name);
        }
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::ListTokensResponse response;
        absl::Status s = (*c)->Call("ListTokens", [&](grpc::ClientContext* ctx) {
          return (*c)->admin().ListTokens(ctx, request, &response);
        });
        if (!s.ok()) return s;
        Table t({"TOKEN", "DESCRIPTION", "ORIGIN", "CREATED", "EXPIRES", "REVOKED"});
        std::vector<std::string> names;
        for (const v1::Token& tok : response.tokens()) {
          t.AddRow({tok.name(), tok.description(),
                    EnumWords(v1::TokenOrigin_descriptor(), tok.origin()),
                    FormatTimestamp(tok.create_time(), cli.tz),
                    FormatTimestamp(tok.expire_time(), cli.tz),
                    FormatTimestamp(tok.revoke_time(), cli.tz)});
          names.push_back(tok.name());
        }
        cli.EmitList(response, names, t, "no tokens", "");
        return absl::OkStatus();
      });
  cmd->add_option("USER", *user, "username, users/{id} or me (the default)");
}

void AddRevokeToken(CLI::App& group, Cli& cli) {
  auto token = std::make_shared<std::string>();
  CLI::App* cmd = AddCommand(
      group, cli, "revoke-token",
      "Revoke a token at once: your own, or one of a user you manage.",
      "casebridge --as admin.sp admin revoke-token users/{user}/tokens/{token}",
      [&cli, token]() -> absl::Status {
        v1::RevokeTokenRequest request;
        request.set_name(*token);
        absl::StatusOr<Client*> c = cli.client();
        if (!c.ok()) return c.status();
        v1::Token response;
        absl::Status s = (*c)->Call("RevokeToken", [&](grpc::ClientContext* ctx) {
          return (*c)->admin().RevokeToken(ctx, request, &response);
        });
        if (!s.ok()) return s;
        cli.Emit(response, response.name(), TokenText(cli, response));
        return absl::OkStatus();
      });
  cmd->add_option("TOKEN", *token, "the token's name, users/{user}/tokens/{token}")
      ->required();
}

void AddWhoami(CLI::App& group, Cli& cli) {
  AddCommand(group, cli, "whoami", "Who your token belongs to: user, agency and roles.",
             "casebridge --as council.patel admin whoami", [&cli]() -> absl::Status {
               absl::StatusOr<Client*> c = cli.client();
               if (!c.ok()) return c.status();
               v1::User response;
               absl::Status s =
                   (*c)->Call("GetCurrentUser", [&](grpc::ClientContext* ctx) {
                     return (*c)->admin().GetCurrentUser(ctx, v1::GetCurrentUserRequest(),
                                                         &response);
                   });
               if (!s.ok()) return s;
               cli.Emit(response, response.name(), UserText(cli, response));
               return absl::OkStatus();
             });
}

}  // namespace

void AddAdminCommands(CLI::App& app, Cli& cli) {
  CLI::App* group =
      AddGroup(app, "admin", "Agencies, users, enrolment, tokens; whoami.");
  AddAgencies(*group, cli);
  AddCreateAgency(*group, cli);
  AddUsers(*group, cli);
  AddGetUser(*group, cli);
  AddCreateUser(*group, cli);
  AddDisableUser(*group, cli);
  AddEnableUser(*group, cli);
  AddSetRoles(*group, cli);
  AddMoveUser(*group, cli);
  AddEnrol(*group, cli);
  AddIssueToken(*group, cli);
  AddTokens(*group, cli);
  AddRevokeToken(*group, cli);
  AddWhoami(*group, cli);
}

void AddEnrolCommand(CLI::App& app, Cli& cli) {
  struct Opts {
    std::string code, description;
    bool save = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      app, cli, "enrol",
      "Redeem the enrolment code your administrator gave you for your own "
      "personal token (it works for 90 days). --save keeps it, readable by you "
      "only, where casebridge looks for it.",
      "casebridge enrol 7KQ2M-9XH4T-... --description \"work laptop\" --save",
      [&cli, o]() -> absl::Status {
        v1::RedeemEnrolmentCodeRequest request;
        request.set_code(o->code);
        request.set_description(o->description);
        absl::StatusOr<Client*> c = cli.anonymous_client();
        if (!c.ok()) return c.status();
        v1::IssueTokenResponse response;
        absl::Status s = (*c)->Call("RedeemEnrolmentCode", [&](grpc::ClientContext* ctx) {
          return (*c)->admin().RedeemEnrolmentCode(ctx, request, &response);
        });
        if (!s.ok()) return s;
        std::string secret_text =
            absl::StrCat("Secret (shown once, keep it safe):\n", response.secret(), "\n");
        if (o->save) {
          absl::Status saved = SaveToken(cli.saved_token_path, response.secret());
          if (!saved.ok()) return saved;
          secret_text = absl::StrCat("Saved to ", cli.saved_token_path,
                                     " (only you can read it); casebridge uses it "
                                     "from now on.\n");
        }
        cli.Emit(response, response.token().name(),
                 absl::StrCat(TokenText(cli, response.token()), secret_text));
        return absl::OkStatus();
      });
  cmd->add_option("CODE", o->code, "the code, with or without its hyphens")->required();
  cmd->add_option("--description", o->description, "what the token is for");
  cmd->add_flag("--save", o->save, "keep the token for later commands");
}

}  // namespace casebridge::cli
