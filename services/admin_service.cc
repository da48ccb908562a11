#include "services/admin_service.h"

#include "absl/strings/str_cat.h"
#include "domain/access_policy.h"
#include "domain/case_validation.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/user_administration.h"
#include "domain/validation.h"
#include "services/request_fingerprint.h"
#include "storage/crypto.h"
#include "storage/request_ids.h"

namespace casebridge::services {
namespace {

using domain::Action;

// Personal tokens end: a lost laptop's token cannot work for ever.
constexpr absl::Duration kDefaultPersonalTokenLife = absl::Hours(24 * 90);
constexpr absl::Duration kMaxPersonalTokenLife = absl::Hours(24 * 365);
constexpr absl::Duration kDefaultEnrolmentCodeLife = absl::Hours(72);
constexpr absl::Duration kMaxEnrolmentCodeLife = absl::Hours(24 * 7);
// Working personal tokens one person may hold at once: enough for every
// device and script, few enough to list and reason about.
constexpr int64_t kMaxLiveTokensPerUser = 50;

std::string Method(absl::string_view name) {
  return absl::StrCat("/casebridge.v1.AdminService/", name);
}

std::vector<v1::Role> RolesOf(const google::protobuf::RepeatedField<int>& roles) {
  std::vector<v1::Role> out;
  for (int r : roles) out.push_back(static_cast<v1::Role>(r));
  return out;
}

// When an optional expiry ends: `fallback` after now when unset, never
// past `max` after now, never in the past. `fallback` InfiniteFuture: none.
absl::StatusOr<absl::Time> ExpiryOf(absl::string_view field, bool present,
                                    const google::protobuf::Timestamp& ts,
                                    absl::Time now, absl::Duration fallback,
                                    absl::Duration max) {
  if (!present) {
    return fallback == absl::InfiniteDuration() ? absl::InfiniteFuture() : now + fallback;
  }
  CB_RETURN_IF_ERROR(domain::CheckTimestamp(field, ts, true, true));
  const absl::Time t = domain::ToAbslTime(ts);
  if (t <= now) return domain::FieldError(field, "must be in the future");
  if (max != absl::InfiniteDuration() && t > now + max) {
    return domain::FieldError(
        field, absl::StrCat("must be within ", absl::ToInt64Hours(max) / 24,
                            " days from now"));
  }
  return t;
}

void RecordUser(CallContext& call, const v1::User& user) {
  call.AddResource(user.name());
}

}  // namespace

grpc::Status AdminServiceImpl::CreateAgency(grpc::ServerContext* context,
                                            const v1::CreateAgencyRequest* request,
                                            v1::Agency* response) {
  return runner_->Run(context, Method("CreateAgency"), *request, response, [&](CallContext& call) {
    call.audit.request_id = request->request_id();
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kManageAgencies));
    CB_RETURN_IF_ERROR(domain::ValidateRequestId(request->request_id()));
    CB_RETURN_IF_ERROR(domain::ValidateAgency(request->agency()));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      std::string id = storage::NewUuid();
      CB_ASSIGN_OR_RETURN(std::optional<std::string> earlier,
                          storage::ClaimRequestId(tx, call.principal.user_id,
                                                  call.method, request->request_id(),
                                                  domain::AgencyName(id),
                                                  RequestFingerprint(*request)));
      if (earlier.has_value()) {
        CB_ASSIGN_OR_RETURN(*response, identities_.GetAgency(tx, domain::IdOf(*earlier)));
      } else {
        if (!request->agency().prosecuting_agency().empty()) {
          absl::StatusOr<v1::Agency> cps = identities_.GetAgency(
              tx, domain::IdOf(request->agency().prosecuting_agency()));
          if (!cps.ok() || cps->kind() != v1::AGENCY_KIND_CPS) {
            return domain::FieldError("agency.prosecuting_agency",
                                      "must be an existing CPS agency");
          }
        }
        CB_ASSIGN_OR_RETURN(*response, identities_.CreateAgency(tx, id, request->agency()));
        call.RecordChange({"agency"}, "", "");
      }
      call.AddResource(response->name());
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminServiceImpl::ListAgencies(grpc::ServerContext* context,
                                            const v1::ListAgenciesRequest* request,
                                            v1::ListAgenciesResponse* response) {
  return runner_->Run(context, Method("ListAgencies"), *request, response, [&](CallContext& call) {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kReadDirectory));
    CB_ASSIGN_OR_RETURN(int page_size, domain::ResolvePageSize(request->page_size()));
    static constexpr absl::string_view kKeys[] = {"kind"};
    CB_ASSIGN_OR_RETURN(domain::ListFilter filter,
                        domain::ListFilter::Parse(request->filter(), kKeys));
    CB_ASSIGN_OR_RETURN(std::optional<int> kind,
                        filter.GetEnum("kind", v1::AgencyKind_descriptor()));
    const std::string query = filter.Canonical();
    CB_ASSIGN_OR_RETURN(std::optional<domain::PageCursor> after,
                        domain::DecodePageToken(request->page_token(), query));
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(storage::Page<v1::Agency> page,
                          identities_.ListAgencies(tx, kind.value_or(0), after, page_size));
      for (v1::Agency& a : page.items) *response->add_agencies() = std::move(a);
      if (page.next.has_value()) {
        response->set_next_page_token(domain::EncodePageToken(*page.next, query));
      }
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminServiceImpl::CreateUser(grpc::ServerContext* context,
                                          const v1::CreateUserRequest* request,
                                          v1::User* response) {
  return runner_->Run(context, Method("CreateUser"), *request, response, [&](CallContext& call) {
    call.audit.request_id = request->request_id();
    const v1::User& input = request->user();
    CB_ASSIGN_OR_RETURN(std::string agency_id,
                        domain::ParseTopLevelName(input.agency(), "agencies", "user.agency"));
    // Who may make this account depends on where and what it is: decided
    // on the account as asked for, before the rest of it is checked.
    domain::Account asked{"", agency_id, domain::KindOf(input.kind()), RolesOf(input.roles())};
    CB_RETURN_IF_ERROR(domain::AuthorizeAccountManagement(call.principal, asked));
    CB_RETURN_IF_ERROR(domain::ValidateRequestId(request->request_id()));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      std::string id = storage::NewUuid();
      CB_ASSIGN_OR_RETURN(std::optional<std::string> earlier,
                          storage::ClaimRequestId(tx, call.principal.user_id,
                                                  call.method, request->request_id(),
                                                  domain::UserName(id),
                                                  RequestFingerprint(*request)));
      if (earlier.has_value()) {
        // The user as it is now, which may be elsewhere since (a move):
        // answered only if the caller may still read it.
        CB_ASSIGN_OR_RETURN(*response, identities_.GetUser(tx, domain::IdOf(*earlier)));
        CB_RETURN_IF_ERROR(domain::AuthorizeForAgency(call.principal, Action::kReadUsers,
                                                      domain::IdOf(response->agency())));
      } else {
        absl::StatusOr<v1::Agency> agency = identities_.GetAgency(tx, agency_id);
        if (!agency.ok()) return domain::FieldError("user.agency", "no such agency");
        CB_RETURN_IF_ERROR(domain::ValidateNewUser(input, agency->kind()));
        CB_ASSIGN_OR_RETURN(*response, identities_.CreateUser(tx, id, input));
        call.RecordChange({"user"}, "", response->etag());
      }
      RecordUser(call, *response);
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminServiceImpl::GetUser(grpc::ServerContext* context,
                                       const v1::GetUserRequest* request,
                                       v1::User* response) {
  return runner_->Run(context, Method("GetUser"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(std::string user_id,
                        domain::ParseTopLevelName(request->name(), "users", "name"));
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(*response, identities_.GetUser(tx, user_id));
      if (user_id == call.principal.user_id) return absl::OkStatus();
      return domain::AuthorizeForAgency(call.principal, Action::kReadUsers,
                                        domain::IdOf(response->agency()));
    });
  });
}

grpc::Status AdminServiceImpl::ListUsers(grpc::ServerContext* context,
                                         const v1::ListUsersRequest* request,
                                         v1::ListUsersResponse* response) {
  return runner_->Run(context, Method("ListUsers"), *request, response, [&](CallContext& call) {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kReadUsers));
    CB_ASSIGN_OR_RETURN(int page_size, domain::ResolvePageSize(request->page_size()));
    static constexpr absl::string_view kKeys[] = {"agency", "disabled", "role"};
    CB_ASSIGN_OR_RETURN(domain::ListFilter filter,
                        domain::ListFilter::Parse(request->filter(), kKeys));
    storage::UserFilter f;
    if (std::optional<std::string> a = filter.Get("agency")) {
      CB_ASSIGN_OR_RETURN(f.agency_id, domain::ParseTopLevelName(*a, "agencies", "filter"));
    }
    // An agency administrator's list is its own agency's, asked or not.
    const bool every_agency =
        domain::Decide(call.principal, domain::Relationship::kNoCase, Action::kReadUsers)
            .reach == domain::Reach::kEveryAgency;
    if (!every_agency) {
      if (f.agency_id.empty()) f.agency_id = call.principal.agency_id;
      CB_RETURN_IF_ERROR(
          domain::AuthorizeForAgency(call.principal, Action::kReadUsers, f.agency_id));
    }
    CB_ASSIGN_OR_RETURN(f.disabled, filter.GetBool("disabled"));
    CB_ASSIGN_OR_RETURN(std::optional<int> role, filter.GetEnum("role", v1::Role_descriptor()));
    f.role = role.value_or(0);
    const std::string query = filter.Canonical();
    CB_ASSIGN_OR_RETURN(std::optional<domain::PageCursor> after,
                        domain::DecodePageToken(request->page_token(), query));
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(storage::Page<v1::User> page,
                          identities_.ListUsers(tx, f, after, page_size));
      for (v1::User& u : page.items) *response->add_users() = std::move(u);
      if (page.next.has_value()) {
        response->set_next_page_token(domain::EncodePageToken(*page.next, query));
      }
      return absl::OkStatus();
    });
  });
}

absl::Status AdminServiceImpl::ChangeManagedUser(
    CallContext& call, absl::string_view name,
    absl::FunctionRef<absl::Status(storage::Tx&, const v1::User&)> change) {
  call.AddResource(name);
  CB_ASSIGN_OR_RETURN(std::string user_id, domain::ParseTopLevelName(name, "users", "name"));
  absl::Status s = runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
    CB_ASSIGN_OR_RETURN(v1::User user, identities_.GetUserForUpdate(tx, user_id));
    CB_RETURN_IF_ERROR(
        domain::AuthorizeAccountManagement(call.principal, domain::AccountOf(user)));
    return change(tx, user);
  });
  // Takes effect at once on this server (others within the cache TTL).
  if (s.ok()) runner_->authenticator().Invalidate();
  return s;
}

grpc::Status AdminServiceImpl::DisableUser(grpc::ServerContext* context,
                                           const v1::DisableUserRequest* request,
                                           v1::User* response) {
  return runner_->Run(context, Method("DisableUser"), *request, response, [&](CallContext& call) {
    return ChangeManagedUser(call, request->name(), [&](storage::Tx& tx, const v1::User& user) {
      CB_RETURN_IF_ERROR(domain::CheckLongText("reason", request->reason(), true));
      const std::string id = domain::IdOf(user.name());
      CB_ASSIGN_OR_RETURN(*response, identities_.SetDisabled(tx, id, true, request->reason()));
      // A leaver's pending enrolment ends too.
      CB_RETURN_IF_ERROR(identities_.CancelEnrolmentCodes(tx, id, call.now));
      call.note = request->reason();
      call.RecordChange({"disabled"}, user.etag(), response->etag());
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminServiceImpl::EnableUser(grpc::ServerContext* context,
                                          const v1::EnableUserRequest* request,
                                          v1::User* response) {
  return runner_->Run(context, Method("EnableUser"), *request, response, [&](CallContext& call) {
    return ChangeManagedUser(call, request->name(), [&](storage::Tx& tx, const v1::User& user) {
      CB_RETURN_IF_ERROR(domain::CheckLongText("reason", request->reason(), true));
      if (!user.disabled()) {
        return absl::FailedPreconditionError(
            absl::StrCat("user ", user.username(), " is not disabled"));
      }
      CB_ASSIGN_OR_RETURN(*response,
                          identities_.SetDisabled(tx, domain::IdOf(user.name()), false, ""));
      call.note = request->reason();
      call.RecordChange({"disabled"}, user.etag(), response->etag());
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminServiceImpl::SetUserRoles(grpc::ServerContext* context,
                                            const v1::SetUserRolesRequest* request,
                                            v1::User* response) {
  return runner_->Run(context, Method("SetUserRoles"), *request, response, [&](CallContext& call) {
    return ChangeManagedUser(call, request->name(), [&](storage::Tx& tx, const v1::User& user) {
      // As it would be, too: nobody makes an account into one they could
      // not manage (nor an ordinary one into an administrator).
      domain::Account after = domain::AccountOf(user);
      after.roles = RolesOf(request->roles());
      CB_RETURN_IF_ERROR(domain::AuthorizeAccountManagement(
          call.principal, domain::AccountOf(user), &after));
      CB_ASSIGN_OR_RETURN(int64_t version, domain::ParseEtag("etag", request->etag()));
      CB_RETURN_IF_ERROR(
          domain::ValidateRoles("roles", after.roles, user.agency_kind(), user.kind()));
      CB_RETURN_IF_ERROR(domain::CheckLongText("reason", request->reason(), true));
      std::vector<int> roles(request->roles().begin(), request->roles().end());
      CB_ASSIGN_OR_RETURN(*response, identities_.SetRoles(tx, domain::IdOf(user.name()),
                                                          roles, version));
      call.note = request->reason();
      call.RecordChange({"roles"}, user.etag(), response->etag());
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminServiceImpl::MoveUser(grpc::ServerContext* context,
                                        const v1::MoveUserRequest* request,
                                        v1::User* response) {
  return runner_->Run(context, Method("MoveUser"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(std::string user_id,
                        domain::ParseTopLevelName(request->name(), "users", "name"));
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kMoveUsers));
    if (user_id == call.principal.user_id) {
      return absl::PermissionDeniedError(
          "you cannot manage your own account; ask another administrator");
    }
    CB_ASSIGN_OR_RETURN(std::string agency_id,
                        domain::ParseTopLevelName(request->agency(), "agencies", "agency"));
    CB_ASSIGN_OR_RETURN(int64_t version, domain::ParseEtag("etag", request->etag()));
    CB_RETURN_IF_ERROR(domain::CheckLongText("reason", request->reason(), true));
    absl::Status s = runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(v1::User user, identities_.GetUserForUpdate(tx, user_id));
      if (domain::IdOf(user.agency()) == agency_id) {
        return domain::FieldError("agency", "the user is in that agency already");
      }
      absl::StatusOr<v1::Agency> agency = identities_.GetAgency(tx, agency_id);
      if (!agency.ok()) return domain::FieldError("agency", "no such agency");
      CB_RETURN_IF_ERROR(domain::ValidateRoles("roles", RolesOf(request->roles()),
                                               agency->kind(), user.kind()));
      // A move keeps the account's class: who moves an account must not be
      // able to turn a case worker into an account they manage, nor the
      // reverse.
      domain::Account after = domain::AccountOf(user);
      after.agency_id = agency_id;
      after.roles = RolesOf(request->roles());
      if (domain::ManagementActionFor(after) !=
          domain::ManagementActionFor(domain::AccountOf(user))) {
        return domain::FieldError(
            "roles", "a move keeps the account's kind: an administrator, national or "
                     "front-end account stays one, and any other stays a case or audit "
                     "account (make a second account instead)");
      }
      std::vector<int> roles(request->roles().begin(), request->roles().end());
      CB_ASSIGN_OR_RETURN(*response,
                          identities_.Move(tx, user_id, agency_id, roles, version));
      // The mover's credentials and pending enrolment end with the move:
      // the new agency enrols them (so no one who moved an account holds a
      // way into it).
      CB_RETURN_IF_ERROR(identities_.RevokeAllTokens(tx, user_id, call.now).status());
      CB_RETURN_IF_ERROR(identities_.CancelEnrolmentCodes(tx, user_id, call.now));
      call.AddResource(response->agency());
      call.note = request->reason();
      call.RecordChange({"agency", "roles", "tokens"}, user.etag(), response->etag());
      return absl::OkStatus();
    });
    if (s.ok()) runner_->authenticator().Invalidate();
    return s;
  });
}

grpc::Status AdminServiceImpl::CreateEnrolmentCode(
    grpc::ServerContext* context, const v1::CreateEnrolmentCodeRequest* request,
    v1::EnrolmentCode* response) {
  return runner_->Run(context, Method("CreateEnrolmentCode"), *request, response, [&](CallContext& call) {
    call.AddResource(request->user());
    CB_ASSIGN_OR_RETURN(std::string user_id,
                        domain::ParseTopLevelName(request->user(), "users", "user"));
    const std::string code = storage::NewEnrolmentCode();
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(v1::User user, identities_.GetUserForUpdate(tx, user_id));
      CB_RETURN_IF_ERROR(
          domain::AuthorizeAccountManagement(call.principal, domain::AccountOf(user)));
      CB_ASSIGN_OR_RETURN(
          absl::Time expire,
          ExpiryOf("expire_time", request->has_expire_time(), request->expire_time(),
                   call.now, kDefaultEnrolmentCodeLife, kMaxEnrolmentCodeLife));
      if (domain::KindOf(user.kind()) == v1::USER_KIND_SERVICE) {
        return absl::FailedPreconditionError(
            "a service account is not enrolled: the system administrator issues "
            "its token (IssueToken)");
      }
      if (user.disabled()) {
        return absl::FailedPreconditionError(
            absl::StrCat("user ", user.username(), " is disabled; enable them first"));
      }
      CB_ASSIGN_OR_RETURN(int64_t live, identities_.CountLiveTokens(tx, user_id, call.now));
      if (live > 0) {
        // A new enrolment replaces a person's credentials and never adds to
        // them: an administrator cannot quietly hold a working credential
        // of a person who still uses theirs.
        return absl::FailedPreconditionError(absl::StrCat(
            user.username(), " still has ", live, live == 1 ? " working token" : " working tokens",
            ": revoke them first. A new enrolment replaces a person's credentials "
            "and never adds to them"));
      }
      CB_ASSIGN_OR_RETURN(
          *response, identities_.CreateEnrolmentCode(
                         tx, user_id, domain::IdOf(user.agency()),
                         storage::Sha256(storage::NormalizeEnrolmentCode(code)),
                         call.principal.user_id, call.now, expire));
      response->set_code(code);
      call.AddResource(response->name());
      call.RecordChange({"enrolment_code"}, "", "");
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminServiceImpl::RedeemEnrolmentCode(
    grpc::ServerContext* context, const v1::RedeemEnrolmentCodeRequest* request,
    v1::IssueTokenResponse* response) {
  return runner_->RunWithoutCredential(context, Method("RedeemEnrolmentCode"), *request, response, [&](CallContext& call) {
        // One answer for every code that cannot be used, so a guesser
        // learns nothing about which codes exist.
        const absl::Status unusable = absl::UnauthenticatedError(
            "this enrolment code cannot be used: it is mistyped, used already, "
            "replaced by a newer one or expired; ask your administrator for a "
            "new one");
        const std::string code = storage::NormalizeEnrolmentCode(request->code());
        if (code.empty()) return unusable;
        CB_RETURN_IF_ERROR(domain::CheckText("description", request->description(),
                                             domain::kMaxShortText, false));
        CB_ASSIGN_OR_RETURN(
            absl::Time expire,
            ExpiryOf("expire_time", request->has_expire_time(), request->expire_time(),
                     call.now, kDefaultPersonalTokenLife, kMaxPersonalTokenLife));
        const std::string secret = storage::NewTokenSecret();
        absl::Status s = runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
          CB_ASSIGN_OR_RETURN(std::optional<storage::RedeemableCode> found,
                              identities_.FindRedeemableCode(tx, storage::Sha256(code),
                                                             call.now));
          if (!found.has_value()) return unusable;
          CB_ASSIGN_OR_RETURN(v1::User user, identities_.GetUser(tx, found->user_id));
          if (user.disabled()) return unusable;
          // The event names who enrolled and with which code.
          call.audit.user_id = found->user_id;
          call.audit.username = user.username();
          call.audit.agency_id = domain::IdOf(user.agency());
          call.audit.credential =
              absl::StrCat(user.name(), "/enrolmentCodes/", found->code_id);
          storage::NewToken token;
          token.user_id = found->user_id;
          token.secret_sha256 = storage::Sha256(secret);
          token.description =
              request->description().empty() ? "enrolment" : request->description();
          token.expire_time = expire;
          token.origin = v1::TOKEN_ORIGIN_ENROLMENT;
          token.created_by = found->created_by;
          CB_ASSIGN_OR_RETURN(*response->mutable_token(), identities_.IssueToken(tx, token));
          CB_ASSIGN_OR_RETURN(auto ids,
                              domain::ParseTokenName(response->token().name(), "name"));
          CB_RETURN_IF_ERROR(
              identities_.MarkCodeRedeemed(tx, found->code_id, ids.second, call.now));
          response->set_secret(secret);
          call.AddResource(user.name());
          call.AddResource(response->token().name());
          call.RecordChange({"token"}, "", "");
          return absl::OkStatus();
        });
        if (s.ok()) runner_->authenticator().ForgetUnknownTokens();
        return s;
      });
}

grpc::Status AdminServiceImpl::IssueToken(grpc::ServerContext* context,
                                          const v1::IssueTokenRequest* request,
                                          v1::IssueTokenResponse* response) {
  return runner_->Run(context, Method("IssueToken"), *request, response, [&](CallContext& call) {
    call.AddResource(request->user());
    CB_ASSIGN_OR_RETURN(std::string user_id,
                        domain::ParseTopLevelName(request->user(), "users", "user"));
    const std::string secret = storage::NewTokenSecret();
    absl::Status s = runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(v1::User user, identities_.GetUserForUpdate(tx, user_id));
      // Yourself, or a service account its manager issues for: never a
      // credential that acts as another person.
      const bool self = user_id == call.principal.user_id;
      const bool service = domain::KindOf(user.kind()) == v1::USER_KIND_SERVICE;
      if (self && !service) {
        CB_RETURN_IF_ERROR(
            domain::AuthorizeAction(call.principal, Action::kManageOwnTokens));
      } else if (service && !self) {
        CB_RETURN_IF_ERROR(domain::AuthorizeAccountManagement(call.principal,
                                                              domain::AccountOf(user)));
      } else {
        return absl::PermissionDeniedError(
            "you may issue tokens for yourself only; a person gets their first "
            "credential by redeeming an enrolment code from their administrator");
      }
      CB_RETURN_IF_ERROR(domain::CheckText("description", request->description(),
                                           domain::kMaxShortText, false));
      CB_ASSIGN_OR_RETURN(
          absl::Time expire,
          ExpiryOf("expire_time", request->has_expire_time(), request->expire_time(),
                   call.now, service ? absl::InfiniteDuration() : kDefaultPersonalTokenLife,
                   service ? absl::InfiniteDuration() : kMaxPersonalTokenLife));
      if (user.disabled()) {
        return absl::FailedPreconditionError(
            absl::StrCat("user ", user.username(), " is disabled"));
      }
      CB_ASSIGN_OR_RETURN(int64_t live, identities_.CountLiveTokens(tx, user_id, call.now));
      if (live >= kMaxLiveTokensPerUser) {
        return absl::FailedPreconditionError(absl::StrCat(
            user.username(), " has ", live, " working tokens, the most one account may "
            "hold; revoke those no longer used first"));
      }
      storage::NewToken token;
      token.user_id = user_id;
      token.secret_sha256 = storage::Sha256(secret);
      token.description = request->description();
      token.expire_time = expire;
      token.origin = service ? v1::TOKEN_ORIGIN_SERVICE : v1::TOKEN_ORIGIN_PERSONAL;
      token.created_by = call.principal.user_id;
      CB_ASSIGN_OR_RETURN(*response->mutable_token(), identities_.IssueToken(tx, token));
      response->set_secret(secret);
      call.AddResource(response->token().name());
      call.RecordChange({"token"}, "", "");
      return absl::OkStatus();
    });
    // The new token is usable at once on this server, never refused from
    // the memory of unknown tokens.
    if (s.ok()) runner_->authenticator().ForgetUnknownTokens();
    return s;
  });
}

grpc::Status AdminServiceImpl::ListTokens(grpc::ServerContext* context,
                                          const v1::ListTokensRequest* request,
                                          v1::ListTokensResponse* response) {
  return runner_->Run(context, Method("ListTokens"), *request, response, [&](CallContext& call) {
    std::string user_id = call.principal.user_id;
    if (!request->user().empty()) {
      call.AddResource(request->user());
      CB_ASSIGN_OR_RETURN(user_id,
                          domain::ParseTopLevelName(request->user(), "users", "user"));
    }
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(v1::User user, identities_.GetUser(tx, user_id));
      if (user_id == call.principal.user_id) {
        CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kReadSelf));
      } else {
        // Another's credentials are for whoever manages the account.
        CB_RETURN_IF_ERROR(domain::AuthorizeAccountManagement(call.principal,
                                                              domain::AccountOf(user)));
      }
      CB_ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, identities_.ListTokens(tx, user_id));
      for (v1::Token& t : tokens) *response->add_tokens() = std::move(t);
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminServiceImpl::RevokeToken(grpc::ServerContext* context,
                                           const v1::RevokeTokenRequest* request,
                                           v1::Token* response) {
  return runner_->Run(context, Method("RevokeToken"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(auto ids, domain::ParseTokenName(request->name(), "name"));
    absl::Status s = runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(v1::User user, identities_.GetUserForUpdate(tx, ids.first));
      if (ids.first == call.principal.user_id) {
        CB_RETURN_IF_ERROR(
            domain::AuthorizeAction(call.principal, Action::kManageOwnTokens));
      } else {
        CB_RETURN_IF_ERROR(domain::AuthorizeAccountManagement(call.principal,
                                                              domain::AccountOf(user)));
      }
      CB_ASSIGN_OR_RETURN(*response,
                          identities_.RevokeToken(tx, ids.first, ids.second, call.now));
      call.RecordChange({"revoke_time"}, "", "");
      return absl::OkStatus();
    });
    if (s.ok()) runner_->authenticator().Invalidate();
    return s;
  });
}

grpc::Status AdminServiceImpl::GetCurrentUser(grpc::ServerContext* context,
                                              const v1::GetCurrentUserRequest* request,
                                              v1::User* response) {
  return runner_->Run(context, Method("GetCurrentUser"), *request, response, [&](CallContext& call) {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kReadSelf));
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(*response, identities_.GetUser(tx, call.principal.user_id));
      return absl::OkStatus();
    });
  });
}

}  // namespace casebridge::services
