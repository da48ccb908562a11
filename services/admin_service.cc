#include "services/admin_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "domain/access_policy.h"
#include "domain/case_validation.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "storage/crypto.h"
#include "storage/request_ids.h"

namespace casebridge::services {
namespace {

using domain::Action;

std::string Method(absl::string_view name) {
  return absl::StrCat("/casebridge.v1.AdminService/", name);
}

}  // namespace

absl::Status ValidateAgency(const v1::Agency& a) {
  CB_RETURN_IF_ERROR(domain::CheckText("agency.display_name", a.display_name(),
                                       domain::kMaxShortText, true));
  CB_RETURN_IF_ERROR(domain::CheckEnum("agency.kind", a.kind(),
                                       v1::AgencyKind_IsValid, false));
  if (a.code().empty() || a.code().size() > 8) {
    return domain::FieldError("agency.code", "must be 1 to 8 capital letters or digits");
  }
  for (char c : a.code()) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return domain::FieldError("agency.code",
                                "must be 1 to 8 capital letters or digits");
    }
  }
  if (!a.prosecuting_agency().empty()) {
    if (a.kind() != v1::AGENCY_KIND_POLICE) {
      return domain::FieldError("agency.prosecuting_agency",
                                "only a police force has one");
    }
    CB_RETURN_IF_ERROR(domain::ParseTopLevelName(a.prosecuting_agency(), "agencies",
                                                 "agency.prosecuting_agency")
                           .status());
  }
  return absl::OkStatus();
}

absl::Status ValidateUser(const v1::User& u, v1::AgencyKind agency_kind) {
  const std::string& name = u.username();
  if (name.size() < 3 || name.size() > 64) {
    return domain::FieldError("user.username", "must be 3 to 64 characters");
  }
  for (char c : name) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.' &&
        c != '-' && c != '_') {
      return domain::FieldError(
          "user.username", "may hold lower-case letters, digits, '.', '-' and '_'");
    }
  }
  CB_RETURN_IF_ERROR(domain::CheckText("user.display_name", u.display_name(),
                                       domain::kMaxShortText, true));
  if (u.roles_size() == 0) {
    return domain::FieldError("user.roles", "at least one role is required");
  }
  for (int i = 0; i < u.roles_size(); ++i) {
    const std::string field = absl::StrCat("user.roles[", i, "]");
    CB_RETURN_IF_ERROR(
        domain::CheckEnum(field, u.roles(i), v1::Role_IsValid, false));
    for (int j = 0; j < i; ++j) {
      if (u.roles(j) == u.roles(i)) return domain::FieldError(field, "is listed twice");
    }
    if (!domain::RoleAllowedForAgencyKind(u.roles(i), agency_kind)) {
      return domain::FieldError(
          field, absl::StrCat(domain::ShortEnumName(v1::Role_descriptor(), u.roles(i)),
                              " is not a role of a ",
                              domain::ShortEnumName(v1::AgencyKind_descriptor(),
                                                    agency_kind),
                              " agency"));
    }
  }
  return absl::OkStatus();
}

grpc::Status AdminServiceImpl::CreateAgency(grpc::ServerContext* context,
                                            const v1::CreateAgencyRequest* request,
                                            v1::Agency* response) {
  return runner_->Run(context, Method("CreateAgency"), [&](CallContext& call) {
    call.audit.request_id = request->request_id();
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kAdminister));
    CB_RETURN_IF_ERROR(domain::ValidateRequestId(request->request_id()));
    CB_RETURN_IF_ERROR(ValidateAgency(request->agency()));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      std::string id = storage::NewUuid();
      CB_ASSIGN_OR_RETURN(std::optional<std::string> earlier,
                          storage::ClaimRequestId(tx, call.principal.user_id,
                                                  call.method, request->request_id(),
                                                  domain::AgencyName(id)));
      if (earlier.has_value()) {
        CB_ASSIGN_OR_RETURN(*response, identities_.GetAgency(
                                           tx, domain::IdOf(*earlier)));
      } else {
        if (!request->agency().prosecuting_agency().empty()) {
          absl::StatusOr<v1::Agency> cps = identities_.GetAgency(
              tx, domain::IdOf(request->agency().prosecuting_agency()));
          if (!cps.ok() || cps->kind() != v1::AGENCY_KIND_CPS) {
            return domain::FieldError("agency.prosecuting_agency",
                                      "must be an existing CPS agency");
          }
        }
        CB_ASSIGN_OR_RETURN(*response,
                            identities_.CreateAgency(tx, id, request->agency()));
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
  return runner_->Run(context, Method("ListAgencies"), [&](CallContext& call) {
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
  return runner_->Run(context, Method("CreateUser"), [&](CallContext& call) {
    call.audit.request_id = request->request_id();
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kAdminister));
    CB_RETURN_IF_ERROR(domain::ValidateRequestId(request->request_id()));
    CB_ASSIGN_OR_RETURN(std::string agency_id,
                        domain::ParseTopLevelName(request->user().agency(), "agencies",
                                                  "user.agency"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      std::string id = storage::NewUuid();
      CB_ASSIGN_OR_RETURN(std::optional<std::string> earlier,
                          storage::ClaimRequestId(tx, call.principal.user_id,
                                                  call.method, request->request_id(),
                                                  domain::UserName(id)));
      if (earlier.has_value()) {
        CB_ASSIGN_OR_RETURN(*response, identities_.GetUser(
                                           tx, domain::IdOf(*earlier)));
      } else {
        absl::StatusOr<v1::Agency> agency = identities_.GetAgency(tx, agency_id);
        if (!agency.ok()) {
          return domain::FieldError("user.agency", "no such agency");
        }
        CB_RETURN_IF_ERROR(ValidateUser(request->user(), agency->kind()));
        CB_ASSIGN_OR_RETURN(*response, identities_.CreateUser(tx, id, request->user()));
        call.RecordChange({"user"}, "", "");
      }
      call.AddResource(response->name());
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminServiceImpl::ListUsers(grpc::ServerContext* context,
                                         const v1::ListUsersRequest* request,
                                         v1::ListUsersResponse* response) {
  return runner_->Run(context, Method("ListUsers"), [&](CallContext& call) {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kAdminister));
    CB_ASSIGN_OR_RETURN(int page_size, domain::ResolvePageSize(request->page_size()));
    static constexpr absl::string_view kKeys[] = {"agency", "disabled", "role"};
    CB_ASSIGN_OR_RETURN(domain::ListFilter filter,
                        domain::ListFilter::Parse(request->filter(), kKeys));
    storage::UserFilter f;
    if (std::optional<std::string> a = filter.Get("agency")) {
      CB_ASSIGN_OR_RETURN(f.agency_id,
                          domain::ParseTopLevelName(*a, "agencies", "filter"));
    }
    CB_ASSIGN_OR_RETURN(f.disabled, filter.GetBool("disabled"));
    CB_ASSIGN_OR_RETURN(std::optional<int> role,
                        filter.GetEnum("role", v1::Role_descriptor()));
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

grpc::Status AdminServiceImpl::DisableUser(grpc::ServerContext* context,
                                           const v1::DisableUserRequest* request,
                                           v1::User* response) {
  return runner_->Run(context, Method("DisableUser"), [&](CallContext& call) {
    call.AddResource(request->name());
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kAdminister));
    CB_ASSIGN_OR_RETURN(std::string user_id,
                        domain::ParseTopLevelName(request->name(), "users", "name"));
    CB_RETURN_IF_ERROR(domain::CheckText("reason", request->reason(),
                                         domain::kMaxLongText, true));
    if (user_id == call.principal.user_id) {
      return absl::FailedPreconditionError(
          "you cannot disable yourself; ask another administrator");
    }
    absl::Status s = runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(*response,
                          identities_.DisableUser(tx, user_id, request->reason()));
      call.RecordChange({"disabled"}, "", "");
      return absl::OkStatus();
    });
    // Takes effect at once on this server (others within the cache TTL).
    if (s.ok()) runner_->authenticator().Invalidate();
    return s;
  });
}

grpc::Status AdminServiceImpl::IssueToken(grpc::ServerContext* context,
                                          const v1::IssueTokenRequest* request,
                                          v1::IssueTokenResponse* response) {
  return runner_->Run(context, Method("IssueToken"), [&](CallContext& call) {
    call.AddResource(request->user());
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kAdminister));
    CB_ASSIGN_OR_RETURN(std::string user_id,
                        domain::ParseTopLevelName(request->user(), "users", "user"));
    CB_RETURN_IF_ERROR(domain::CheckText("description", request->description(),
                                         domain::kMaxShortText, false));
    absl::Time expire = absl::InfiniteFuture();
    if (request->has_expire_time()) {
      CB_RETURN_IF_ERROR(domain::CheckTimestamp("expire_time", request->expire_time(),
                                                true, true));
      expire = domain::ToAbslTime(request->expire_time());
      if (expire <= call.now) {
        return domain::FieldError("expire_time", "must be in the future");
      }
    }
    std::string secret = storage::NewTokenSecret();
    absl::Status s = runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(v1::User user, identities_.GetUser(tx, user_id));
      if (user.disabled()) {
        return absl::FailedPreconditionError(
            absl::StrCat("user ", user.username(), " is disabled"));
      }
      CB_ASSIGN_OR_RETURN(*response->mutable_token(),
                          identities_.IssueToken(tx, user_id, storage::Sha256(secret),
                                                 request->description(), expire));
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

grpc::Status AdminServiceImpl::RevokeToken(grpc::ServerContext* context,
                                           const v1::RevokeTokenRequest* request,
                                           v1::Token* response) {
  return runner_->Run(context, Method("RevokeToken"), [&](CallContext& call) {
    call.AddResource(request->name());
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kAdminister));
    CB_ASSIGN_OR_RETURN(auto ids, domain::ParseTokenName(request->name(), "name"));
    absl::Status s = runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(*response, identities_.RevokeToken(tx, ids.first, ids.second,
                                                             call.now));
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
  return runner_->Run(context, Method("GetCurrentUser"), [&](CallContext& call) {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kReadSelf));
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(*response, identities_.GetUser(tx, call.principal.user_id));
      return absl::OkStatus();
    });
  });
}

}  // namespace casebridge::services
