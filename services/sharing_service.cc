#include "services/sharing_service.h"

#include "absl/strings/str_cat.h"
#include "domain/access_policy.h"
#include "domain/case_validation.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "services/case_access.h"
#include "services/request_fingerprint.h"
#include "storage/crypto.h"
#include "storage/request_ids.h"

namespace casebridge::services {
namespace {

using domain::Action;

std::string Method(absl::string_view name) {
  return absl::StrCat("/casebridge.v1.SharingService/", name);
}

}  // namespace

grpc::Status SharingServiceImpl::ShareCase(grpc::ServerContext* context,
                                           const v1::ShareCaseRequest* request,
                                           v1::CaseShare* response) {
  return runner_->Run(context, Method("ShareCase"), *request, response, [&](CallContext& call) {
    call.audit.request_id = request->request_id();
    call.AddResource(request->parent());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->parent(), "parent"));
    const v1::CaseShare& input = request->share();

    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kShareCase));
      CB_RETURN_IF_ERROR(domain::ValidateRequestId(request->request_id()));
      CB_ASSIGN_OR_RETURN(std::string agency_id,
                          domain::ParseTopLevelName(input.agency(), "agencies",
                                                    "share.agency"));
      CB_RETURN_IF_ERROR(
          domain::CheckText("share.purpose", input.purpose(), 2000, true));
      CB_RETURN_IF_ERROR(
          domain::CheckText("share.lawful_basis", input.lawful_basis(), 500, true));
      std::string id = storage::NewUuid();
      CB_ASSIGN_OR_RETURN(
          std::optional<std::string> earlier,
          storage::ClaimRequestId(
              tx, call.principal.user_id, call.method, request->request_id(),
              domain::CaseChildResourceName(scope.ref.id, "shares", id),
              RequestFingerprint(*request)));
      if (earlier.has_value()) {
        CB_ASSIGN_OR_RETURN(std::optional<v1::CaseShare> first,
                            shares_.Get(tx, scope.ref.id, domain::IdOf(*earlier)));
        if (!first.has_value()) {
          return absl::FailedPreconditionError(
              "request_id was used for a share of another case");
        }
        *response = *std::move(first);
      } else {
        absl::StatusOr<v1::Agency> agency = identities_.GetAgency(tx, agency_id);
        if (!agency.ok()) return domain::FieldError("share.agency", "no such agency");
        if (agency_id == scope.ref.owner_agency_id) {
          return domain::FieldError("share.agency",
                                    "the owning force already holds the case");
        }
        // Under the case's lock, as SetVictimServicesReferral decides: an
        // opt-out committing meanwhile is seen here, or waits for this share
        // and withdraws it.
        CB_ASSIGN_OR_RETURN(storage::LockedCase locked, cases_.Lock(tx, scope.ref.id));
        CB_RETURN_IF_ERROR(domain::CheckExplicitShare(
            agency->kind(), locked.victim_services_state));
        storage::ShareInput share;
        share.case_id = scope.ref.id;
        share.agency_id = agency_id;
        share.basis = v1::SHARE_BASIS_EXPLICIT;
        share.purpose = input.purpose();
        share.lawful_basis = input.lawful_basis();
        share.actor_id = call.principal.user_id;
        share.now = call.now;
        CB_ASSIGN_OR_RETURN(*response, shares_.Create(tx, id, share));
        timeline_.Append(tx, TimelineEntryFor(call, scope.ref.id,
                                              v1::TIMELINE_ENTRY_KIND_SHARED,
                                              absl::StrCat("Shared with ",
                                                           agency->display_name(), ": ",
                                                           input.purpose()),
                                              response->name()));
        call.RecordChange({"shares"}, "", "");
      }
      call.AddResource(response->name());
      return absl::OkStatus();
    });
  });
}

grpc::Status SharingServiceImpl::UnshareCase(grpc::ServerContext* context,
                                             const v1::UnshareCaseRequest* request,
                                             v1::CaseShare* response) {
  return runner_->Run(context, Method("UnshareCase"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                        domain::ParseCaseChildName(request->name(), "shares", "name"));
    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, name.case_key, Action::kUnshareCase));
      CB_RETURN_IF_ERROR(domain::CheckText("reason", request->reason(),
                                           domain::kMaxLongText, true));
      CB_ASSIGN_OR_RETURN(*response,
                          shares_.Withdraw(tx, scope.ref.id, name.child_id,
                                           call.principal.user_id, request->reason(),
                                           call.now));
      timeline_.Append(tx, TimelineEntryFor(call, scope.ref.id,
                                            v1::TIMELINE_ENTRY_KIND_UNSHARED,
                                            absl::StrCat("Share withdrawn: ", request->reason()),
                                            response->name()));
      call.RecordChange({"shares"}, "", "");
      return absl::OkStatus();
    });
  });
}

grpc::Status SharingServiceImpl::ListCaseShares(
    grpc::ServerContext* context, const v1::ListCaseSharesRequest* request,
    v1::ListCaseSharesResponse* response) {
  return runner_->Run(context, Method("ListCaseShares"), *request, response, [&](CallContext& call) {
    call.AddResource(request->parent());
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->parent(), "parent"));
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kReadShares));
      CB_ASSIGN_OR_RETURN(int page_size, domain::ResolvePageSize(request->page_size()));
      static constexpr absl::string_view kKeys[] = {"active"};
      CB_ASSIGN_OR_RETURN(domain::ListFilter filter,
                          domain::ListFilter::Parse(request->filter(), kKeys));
      CB_ASSIGN_OR_RETURN(std::optional<bool> active, filter.GetBool("active"));
      const std::string query = absl::StrCat(key.display(), "|", filter.Canonical());
      CB_ASSIGN_OR_RETURN(std::optional<domain::PageCursor> after,
                          domain::DecodePageToken(request->page_token(), query));
      CB_ASSIGN_OR_RETURN(storage::Page<v1::CaseShare> page,
                          shares_.List(tx, scope.ref.id, active, after, page_size));
      for (v1::CaseShare& s : page.items) *response->add_shares() = std::move(s);
      if (page.next.has_value()) {
        response->set_next_page_token(domain::EncodePageToken(*page.next, query));
      }
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

}  // namespace casebridge::services
