#include "services/safeguarding_service.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/access_policy.h"
#include "domain/case_validation.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/safeguarding_actions.h"
#include "domain/safeguarding_lists.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "services/request_fingerprint.h"
#include "storage/crypto.h"
#include "storage/request_ids.h"

namespace casebridge::services {
namespace {

using domain::Action;
using storage::SafeguardingActionRow;

constexpr char kActions[] = "safeguardingActions";
constexpr char kReferrals[] = "maracReferrals";

std::string Method(absl::string_view name) {
  return absl::StrCat("/casebridge.v1.SafeguardingService/", name);
}

// Who acts and when, for the domain. "Today" is the UK day of call.now.
domain::SafeguardingContext ContextOf(const CallContext& call) {
  domain::SafeguardingContext ctx;
  ctx.now = call.now;
  ctx.actor = domain::UserName(call.principal.user_id);
  ctx.actor_agency = domain::AgencyName(call.principal.agency_id);
  return ctx;
}

std::string TypeLabel(const v1::SafeguardingAction& action) {
  return domain::SafeguardingActionTypeLabel(action.type());
}

// What a change did, for the timeline. No free text of the action (notes,
// outcome, reasons) goes there: the timeline is read by every police reader
// of the case, the action only by those who work on it.
std::string ChangeSummary(const v1::SafeguardingActionHistoryEntry& entry,
                          const v1::SafeguardingAction& action) {
  const std::string type = TypeLabel(action);
  switch (entry.event()) {
    case v1::SAFEGUARDING_ACTION_EVENT_CREATE: {
      std::string due;
      if (std::optional<absl::CivilDay> day = domain::ToCivilDay(action.due_date())) {
        due = absl::StrCat(", due ", domain::FormatDay(*day));
      }
      return absl::StrCat("Safeguarding action assigned: ", type, due);
    }
    case v1::SAFEGUARDING_ACTION_EVENT_START:
      return absl::StrCat("Safeguarding action started: ", type);
    case v1::SAFEGUARDING_ACTION_EVENT_BLOCK:
      return absl::StrCat("Safeguarding action blocked: ", type);
    case v1::SAFEGUARDING_ACTION_EVENT_RESUME:
      return absl::StrCat("Safeguarding action resumed: ", type);
    case v1::SAFEGUARDING_ACTION_EVENT_RETURN_TO_OPEN:
      return absl::StrCat("Safeguarding action returned to open: ", type);
    case v1::SAFEGUARDING_ACTION_EVENT_COMPLETE:
      return absl::StrCat("Safeguarding action completed: ", type);
    case v1::SAFEGUARDING_ACTION_EVENT_CANCEL:
      return absl::StrCat("Safeguarding action cancelled: ", type);
    default:
      return absl::StrCat("Safeguarding action updated (",
                          absl::StrJoin(entry.changed_fields(), ", "), "): ", type);
  }
}

// The timeline entry of a change: police (full view) and the assigned agency
// only, so each partner sees the entries about its own work.
void AppendTimeline(const CallContext& call, storage::Tx& tx,
                    const storage::TimelineRepository& timeline,
                    const SafeguardingActionRow& row,
                    const v1::SafeguardingActionHistoryEntry& entry) {
  storage::TimelineEntryInput e =
      TimelineEntryFor(call, row.case_id, v1::TIMELINE_ENTRY_KIND_SAFEGUARDING,
                       ChangeSummary(entry, row.action), row.action.name());
  e.agency_id = domain::IdOf(row.action.assigned_agency());
  timeline.Append(tx, e);
}

// An assigned user must be an active user of the assigned agency whose roles
// may work on the action (not an administrator or auditor of it).
absl::Status CheckAssignedUser(storage::Tx& tx,
                               const storage::IdentityRepository& identities,
                               const v1::SafeguardingAction& action,
                               const CaseScope& scope, absl::string_view field) {
  if (action.assigned_user().empty()) return absl::OkStatus();
  absl::StatusOr<v1::User> user =
      identities.GetUser(tx, domain::IdOf(action.assigned_user()));
  bool may_work = false;
  if (user.ok() && !user->disabled() && user->agency() == action.assigned_agency()) {
    const domain::Principal assignee = PrincipalOfUser(*user);
    const domain::Relationship relationship =
        assignee.agency_id == scope.ref.owner_agency_id
            ? domain::Relationship::kOwningForce
            : domain::Relationship::kAssignedAgency;
    may_work =
        domain::Decide(assignee, relationship, Action::kUpdateSafeguardingAction).allowed;
  }
  if (!may_work) {
    return domain::FieldError(
        field,
        "must be an active user of the assigned agency whose role works on "
        "safeguarding actions");
  }
  return absl::OkStatus();
}

// An action the caller named, found, visible to it, and authorized for
// `action`. An action the caller may not see (another agency's, for a
// partner) is the same NOT_FOUND as one that does not exist.
struct ActionScope {
  CaseScope scope;
  SafeguardingActionRow row;
};

// What AuthorizeOnAction locks (read-write transactions only).
enum class Lock {
  kNone,
  // The action's row: the change decided on it is the one made.
  kAction,
  // The case's row, then the action's (the order the victim-services opt-out
  // takes them in): for a change that also decides the agency's share.
  kCaseAndAction,
};

absl::StatusOr<ActionScope> AuthorizeOnAction(
    CallContext& call, storage::Tx& tx, const storage::SafeguardingRepository& actions,
    const domain::CaseChildName& name, absl::string_view requested_name, Action action,
    Lock lock) {
  ActionScope out;
  CB_ASSIGN_OR_RETURN(out.scope, AuthorizeCase(call, tx, name.case_key,
                                               Action::kReadSafeguardingActions));
  if (lock == Lock::kCaseAndAction) {
    CB_RETURN_IF_ERROR(storage::CaseRepository().Lock(tx, out.scope.ref.id).status());
  }
  CB_ASSIGN_OR_RETURN(std::optional<SafeguardingActionRow> row,
                      actions.Get(tx, out.scope.ref.id, name.child_id,
                                  domain::UkDay(call.now), lock != Lock::kNone));
  if (!row.has_value() ||
      !domain::SafeguardingActionVisible(call.principal, out.scope.view,
                                         row->action.assigned_agency())) {
    return absl::NotFoundError(absl::StrCat(requested_name, " not found"));
  }
  out.row = *std::move(row);
  const domain::Relationship relationship = domain::SafeguardingActionRelationship(
      out.scope.relationship, call.principal, out.row.action.assigned_agency());
  CB_RETURN_IF_ERROR(AuthorizeWithin(call, out.scope, relationship, action).status());
  return out;
}

// Writes a domain change of a stored action: the row and its history, the
// timeline, the audit record. Answers with the stored action (the runner
// redacts it to the caller's agency).
absl::Status WriteChange(CallContext& call, storage::Tx& tx,
                         const storage::SafeguardingRepository& actions,
                         const storage::TimelineRepository& timeline,
                         const SafeguardingActionRow& current,
                         const domain::SafeguardingChange& change,
                         v1::SafeguardingAction* response) {
  CB_ASSIGN_OR_RETURN(SafeguardingActionRow row,
                      actions.Update(tx, current, change, domain::UkDay(call.now)));
  AppendTimeline(call, tx, timeline, row, change.entry);
  call.RecordChange(std::vector<std::string>(change.entry.changed_fields().begin(),
                                             change.entry.changed_fields().end()),
                    current.action.etag(), row.action.etag());
  *response = std::move(row.action);
  call.DisclosesCaseContent();
  return absl::OkStatus();
}

// Whether the caller reads an action listed across cases, and with which
// view (UNSPECIFIED: not at all). The list statements return only cases the
// caller's force owns or that are actively shared with its agency, so a case
// not owned is a shared one; this applies the policy table on top.
v1::CaseView ListedView(const CallContext& call, const SafeguardingActionRow& row) {
  const domain::Relationship case_relationship =
      row.case_owner_agency_id == call.principal.agency_id
          ? domain::Relationship::kOwningForce
          : domain::Relationship::kShared;
  const domain::Decision d =
      domain::Decide(call.principal,
                     domain::SafeguardingActionRelationship(
                         case_relationship, call.principal, row.action.assigned_agency()),
                     Action::kReadSafeguardingActions);
  if (!d.allowed || !domain::SafeguardingActionVisible(call.principal, d.view,
                                                       row.action.assigned_agency())) {
    return v1::CASE_VIEW_UNSPECIFIED;
  }
  return d.view;
}

}  // namespace

absl::StatusOr<SafeguardingActionRow> SafeguardingServiceImpl::StoreNewAction(
    CallContext& call, storage::Tx& tx, const CaseScope& scope, absl::string_view id,
    const domain::SafeguardingChange& change, absl::string_view marac_referral_id,
    absl::string_view user_field) {
  CB_RETURN_IF_ERROR(
      CheckAssignedUser(tx, identities_, change.action, scope, user_field));
  CB_ASSIGN_OR_RETURN(SafeguardingActionRow row,
                      actions_.Insert(tx, scope.ref.id, id, change, marac_referral_id,
                                      domain::UkDay(call.now)));
  // Work given to another agency shares the safeguarding view of the case
  // with it, on its own basis and lawful basis (even if shared otherwise
  // already: that share may be withdrawn while the work goes on), until its
  // last such work is closed (EndShareWithoutWork). Work a partner gives
  // itself shares nothing: it rides on the share the partner has.
  if (std::optional<v1::CaseShare> share = domain::ShareForSafeguardingAssignment(
          row.action, domain::AgencyName(scope.ref.owner_agency_id),
          domain::AgencyName(call.principal.agency_id))) {
    storage::ShareInput in;
    in.case_id = scope.ref.id;
    in.agency_id = domain::IdOf(share->agency());
    in.basis = share->basis();
    in.purpose = share->purpose();
    in.lawful_basis = share->lawful_basis();
    in.source = row.action.name();
    in.actor_id = call.principal.user_id;
    in.now = call.now;
    CB_ASSIGN_OR_RETURN(bool made, shares_.EnsureShare(tx, in));
    if (made) {
      CB_ASSIGN_OR_RETURN(v1::Agency agency, identities_.GetAgency(tx, in.agency_id));
      timeline_.Append(
          tx, TimelineEntryFor(call, scope.ref.id, v1::TIMELINE_ENTRY_KIND_SHARED,
                               absl::StrCat("Shared with ", agency.display_name(), ": ",
                                            share->purpose()),
                               row.action.name()));
    }
  }
  AppendTimeline(call, tx, timeline_, row, change.entry);
  call.AddResource(row.action.name());
  return row;
}

absl::Status SafeguardingServiceImpl::EndShareWithoutWork(
    CallContext& call, storage::Tx& tx, const SafeguardingActionRow& closed) {
  const std::string agency_id = domain::IdOf(closed.action.assigned_agency());
  if (agency_id == closed.case_owner_agency_id) return absl::OkStatus();
  CB_ASSIGN_OR_RETURN(bool working,
                      actions_.AgencyHasWorkFromOutside(tx, closed.case_id, agency_id));
  if (working) return absl::OkStatus();
  constexpr absl::string_view kReason =
      "The agency's last safeguarding action on the case was closed";
  CB_ASSIGN_OR_RETURN(
      std::vector<std::string> withdrawn,
      shares_.WithdrawBasis(tx, closed.case_id, v1::SHARE_BASIS_SAFEGUARDING_ACTION,
                            agency_id, call.principal.user_id, kReason, call.now));
  // An access change, on the record as the opt-out's is: which shares, and
  // that shares changed.
  for (const std::string& name : withdrawn) call.AddResource(name);
  if (!withdrawn.empty()) {
    std::vector<std::string>& changed = call.audit.changed_fields;
    if (std::find(changed.begin(), changed.end(), "shares") == changed.end()) {
      changed.push_back("shares");
    }
    CB_ASSIGN_OR_RETURN(v1::Agency agency, identities_.GetAgency(tx, agency_id));
    timeline_.Append(
        tx, TimelineEntryFor(call, closed.case_id, v1::TIMELINE_ENTRY_KIND_UNSHARED,
                             absl::StrCat("Share with ", agency.display_name(),
                                          " withdrawn: ", kReason),
                             closed.action.name()));
  }
  return absl::OkStatus();
}

template <typename Request>
absl::Status SafeguardingServiceImpl::CloseAction(
    CallContext& call, const Request& request,
    absl::StatusOr<domain::CaseChildName> (*validate)(const Request&),
    absl::StatusOr<domain::SafeguardingChange> (*apply)(
        const v1::SafeguardingAction&, const Request&,
        const domain::SafeguardingContext&),
    v1::SafeguardingAction* response) {
  call.AddResource(request.name());
  CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                      domain::ValidateSafeguardingActionName(request.name(), "name"));
  return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
    CB_ASSIGN_OR_RETURN(ActionScope s,
                        AuthorizeOnAction(call, tx, actions_, name, request.name(),
                                          Action::kUpdateSafeguardingAction,
                                          Lock::kCaseAndAction));
    CB_RETURN_IF_ERROR(validate(request).status());
    CB_ASSIGN_OR_RETURN(domain::SafeguardingChange change,
                        apply(s.row.action, request, ContextOf(call)));
    CB_RETURN_IF_ERROR(WriteChange(call, tx, actions_, timeline_, s.row, change, response));
    return EndShareWithoutWork(call, tx, s.row);
  });
}

grpc::Status SafeguardingServiceImpl::CreateSafeguardingAction(
    grpc::ServerContext* context, const v1::CreateSafeguardingActionRequest* request,
    v1::SafeguardingAction* response) {
  return runner_->Run(context, Method("CreateSafeguardingAction"), *request, response, [&](CallContext& call) {
        call.audit.request_id = request->request_id();
        call.AddResource(request->parent());
        const absl::CivilDay today = domain::UkDay(call.now);
        CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                            domain::ParseCaseName(request->parent(), "parent"));
        const v1::SafeguardingAction& input = request->safeguarding_action();

        return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
          CB_ASSIGN_OR_RETURN(
              CaseScope scope,
              AuthorizeCase(call, tx, key, Action::kReadSafeguardingActions));
          // Whether the caller may create an action on the case at all (for
          // its own agency, the widest it can be given), before the request
          // is read: who may not is told so, not how to fix the request.
          CB_RETURN_IF_ERROR(
              AuthorizeWithin(call, scope,
                              domain::SafeguardingActionRelationship(
                                  scope.relationship, call.principal,
                                  domain::AgencyName(call.principal.agency_id)),
                              Action::kCreateSafeguardingAction)
                  .status());
          CB_RETURN_IF_ERROR(
              domain::ValidateCreateSafeguardingActionRequest(*request, today).status());
          // Validated above.
          const std::string agency_id = *domain::ParseTopLevelName(
              input.assigned_agency(), "agencies", "safeguarding_action.assigned_agency");
          // Police of the owning force assign to anyone; a partner only to its
          // own agency (the assigned-agency relationship).
          CB_RETURN_IF_ERROR(AuthorizeWithin(call, scope,
                                             domain::SafeguardingActionRelationship(
                                                 scope.relationship, call.principal,
                                                 domain::AgencyName(agency_id)),
                                             Action::kCreateSafeguardingAction)
                                 .status());
          const std::string id = storage::NewUuid();
          CB_ASSIGN_OR_RETURN(
              std::optional<std::string> earlier,
              storage::ClaimRequestId(
                  tx, call.principal.user_id, call.method, request->request_id(),
                  domain::CaseChildResourceName(scope.ref.id, kActions, id),
                  RequestFingerprint(*request)));
          if (earlier.has_value()) {
            // A retry: answer with what the first call created.
            absl::StatusOr<domain::CaseChildName> first =
                domain::ParseCaseChildName(*earlier, kActions, "request_id");
            std::optional<SafeguardingActionRow> row;
            if (first.ok() && first->case_key.id == scope.ref.id) {
              CB_ASSIGN_OR_RETURN(row,
                                  actions_.Get(tx, scope.ref.id, first->child_id, today));
            }
            if (!row.has_value()) {
              return absl::FailedPreconditionError(
                  "request_id was used for a safeguarding action of another case");
            }
            call.AddResource(row->action.name());
            *response = std::move(row->action);
            call.DisclosesCaseContent();
            return absl::OkStatus();
          }
          CB_ASSIGN_OR_RETURN(domain::SafeguardingCaseFacts facts,
                              actions_.LockCaseFacts(tx, scope.ref.id));
          absl::StatusOr<v1::Agency> assignee = identities_.GetAgency(tx, agency_id);
          CB_ASSIGN_OR_RETURN(
              domain::SafeguardingChange change,
              domain::NewSafeguardingAction(
                  input, assignee.ok() ? assignee->kind() : v1::AGENCY_KIND_UNSPECIFIED,
                  facts, ContextOf(call)));
          CB_ASSIGN_OR_RETURN(SafeguardingActionRow row,
                              StoreNewAction(call, tx, scope, id, change, "",
                                             "safeguarding_action.assigned_user"));
          call.RecordChange(
              std::vector<std::string>(change.entry.changed_fields().begin(),
                                       change.entry.changed_fields().end()),
              "", row.action.etag());
          *response = std::move(row.action);
          call.DisclosesCaseContent();
          return absl::OkStatus();
        });
      });
}

grpc::Status SafeguardingServiceImpl::GetSafeguardingAction(
    grpc::ServerContext* context, const v1::GetSafeguardingActionRequest* request,
    v1::SafeguardingAction* response) {
  return runner_->Run(context, Method("GetSafeguardingAction"), *request, response, [&](CallContext& call) {
    call.AddResource(request->name());
    CB_ASSIGN_OR_RETURN(domain::CaseChildName name,
                        domain::ValidateSafeguardingActionName(request->name(), "name"));
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(ActionScope s,
                          AuthorizeOnAction(call, tx, actions_, name, request->name(),
                                            Action::kReadSafeguardingActions,
                                            Lock::kNone));
      *response = std::move(s.row.action);
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status SafeguardingServiceImpl::ListSafeguardingActions(
    grpc::ServerContext* context, const v1::ListSafeguardingActionsRequest* request,
    v1::ListSafeguardingActionsResponse* response) {
  return runner_->Run(context, Method("ListSafeguardingActions"), *request, response, [&](CallContext& call) {
    call.AddResource(request->parent());
    const bool across_cases = request->parent() == "cases/-";
    std::optional<domain::CaseKey> parent;
    if (across_cases) {
      // Not one case: the same gate as the agency's work list (police and
      // partners); each case is then decided row by row below.
      CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kListMyWork));
    } else {
      CB_ASSIGN_OR_RETURN(parent, domain::ParseCaseName(request->parent(), "parent"));
    }
    const absl::CivilDay today = domain::UkDay(call.now);
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      std::optional<CaseScope> scope;
      if (parent.has_value()) {
        CB_ASSIGN_OR_RETURN(scope, AuthorizeCase(call, tx, *parent,
                                                 Action::kReadSafeguardingActions));
      }
      CB_ASSIGN_OR_RETURN(
          domain::SafeguardingListQuery query,
          domain::ParseListSafeguardingActionsRequest(*request, call.principal));
      if (scope.has_value()) {
        query.case_key = domain::CaseKey{.id = scope->ref.id, .reference = ""};
      }
      CB_ASSIGN_OR_RETURN(storage::Page<SafeguardingActionRow> page,
                          actions_.List(tx, call.principal.agency_id, query, today));
      for (SafeguardingActionRow& row : page.items) {
        const v1::CaseView view =
            !scope.has_value() ? ListedView(call, row)
            : domain::SafeguardingActionVisible(call.principal, scope->view,
                                                row.action.assigned_agency())
                ? scope->view
                : v1::CASE_VIEW_UNSPECIFIED;
        if (view == v1::CASE_VIEW_UNSPECIFIED) continue;
        if (across_cases) {
          call.AddListedCase(row.case_id);
          call.AddResource(row.action.name());
        }
        v1::SafeguardingAction* listed = response->add_safeguarding_actions();
        *listed = std::move(row.action);
      }
      if (page.next.has_value()) {
        response->set_next_page_token(
            domain::EncodePageToken(*page.next, query.query_text));
      }
      if (scope.has_value() || response->safeguarding_actions_size() > 0) {
        call.DisclosesCaseContent();
      }
      return absl::OkStatus();
    });
  });
}

grpc::Status SafeguardingServiceImpl::UpdateSafeguardingAction(
    grpc::ServerContext* context, const v1::UpdateSafeguardingActionRequest* request,
    v1::SafeguardingAction* response) {
  return runner_->Run(context, Method("UpdateSafeguardingAction"), *request, response, [&](CallContext& call) {
        const std::string& requested = request->safeguarding_action().name();
        call.AddResource(requested);
        CB_ASSIGN_OR_RETURN(
            domain::CaseChildName name,
            domain::ValidateSafeguardingActionName(requested, "safeguarding_action.name"));
        return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
          CB_ASSIGN_OR_RETURN(ActionScope s,
                              AuthorizeOnAction(call, tx, actions_, name, requested,
                                                Action::kUpdateSafeguardingAction,
                                                Lock::kAction));
          call.Replaces(s.row.action);
          CB_RETURN_IF_ERROR(domain::ValidateUpdateSafeguardingActionRequest(
                                 *request, domain::UkDay(call.now))
                                 .status());
          CB_ASSIGN_OR_RETURN(domain::SafeguardingChange change,
                              domain::ApplySafeguardingActionUpdate(
                                  s.row.action, *request, ContextOf(call)));
          if (!change.changed()) {
            // Every masked value is the stored one: nothing to write or record.
            *response = std::move(s.row.action);
            call.DisclosesCaseContent();
            return absl::OkStatus();
          }
          if (change.action.assigned_user() != s.row.action.assigned_user()) {
            CB_RETURN_IF_ERROR(CheckAssignedUser(tx, identities_, change.action, s.scope,
                                                 "safeguarding_action.assigned_user"));
          }
          return WriteChange(call, tx, actions_, timeline_, s.row, change, response);
        });
      });
}

grpc::Status SafeguardingServiceImpl::CompleteSafeguardingAction(
    grpc::ServerContext* context, const v1::CompleteSafeguardingActionRequest* request,
    v1::SafeguardingAction* response) {
  return runner_->Run(context, Method("CompleteSafeguardingAction"), *request, response, [&](CallContext& call) {
        return CloseAction(call, *request,
                           &domain::ValidateCompleteSafeguardingActionRequest,
                           &domain::ApplyCompleteSafeguardingAction, response);
      });
}

grpc::Status SafeguardingServiceImpl::CancelSafeguardingAction(
    grpc::ServerContext* context, const v1::CancelSafeguardingActionRequest* request,
    v1::SafeguardingAction* response) {
  return runner_->Run(context, Method("CancelSafeguardingAction"), *request, response, [&](CallContext& call) {
        return CloseAction(call, *request,
                           &domain::ValidateCancelSafeguardingActionRequest,
                           &domain::ApplyCancelSafeguardingAction, response);
      });
}

grpc::Status SafeguardingServiceImpl::GetSafeguardingActionHistory(
    grpc::ServerContext* context, const v1::GetSafeguardingActionHistoryRequest* request,
    v1::GetSafeguardingActionHistoryResponse* response) {
  return runner_->Run(context, Method("GetSafeguardingActionHistory"), *request, response, [&](CallContext& call) {
        call.AddResource(request->name());
        CB_ASSIGN_OR_RETURN(
            domain::CaseChildName name,
            domain::ValidateSafeguardingActionName(request->name(), "name"));
        return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
          CB_ASSIGN_OR_RETURN(ActionScope s,
                              AuthorizeOnAction(call, tx, actions_, name, request->name(),
                                                Action::kReadSafeguardingActions,
                                                Lock::kNone));
          CB_ASSIGN_OR_RETURN(int page_size,
                              domain::ResolvePageSize(request->page_size()));
          const std::string query =
              absl::StrCat("safeguardingActionHistory|", request->name());
          CB_ASSIGN_OR_RETURN(std::optional<domain::PageCursor> after,
                              domain::DecodePageToken(request->page_token(), query));
          int64_t after_revision = 0;
          if (after.has_value() && (!absl::SimpleAtoi(after->sort_key, &after_revision) ||
                                    after_revision < 0)) {
            return domain::InvalidPageToken();
          }
          CB_ASSIGN_OR_RETURN(
              storage::Page<v1::SafeguardingActionHistoryEntry> page,
              actions_.History(tx, name.child_id, after_revision, page_size));
          for (v1::SafeguardingActionHistoryEntry& e : page.items) {
            *response->add_entries() = std::move(e);
          }
          if (page.next.has_value()) {
            response->set_next_page_token(domain::EncodePageToken(*page.next, query));
          }
          // Each entry's snapshot of the action, as the action itself.
          call.DisclosesCaseContent();
          return absl::OkStatus();
        });
      });
}

grpc::Status SafeguardingServiceImpl::ReferToMarac(grpc::ServerContext* context,
                                                   const v1::ReferToMaracRequest* request,
                                                   v1::ReferToMaracResponse* response) {
  return runner_->Run(context, Method("ReferToMarac"), *request, response, [&](CallContext& call) {
    call.audit.request_id = request->request_id();
    call.AddResource(request->parent());
    const absl::CivilDay today = domain::UkDay(call.now);
    CB_ASSIGN_OR_RETURN(domain::CaseKey key,
                        domain::ParseCaseName(request->parent(), "parent"));

    return runner_->Write(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(CaseScope scope,
                          AuthorizeCase(call, tx, key, Action::kReferToMarac));
      CB_RETURN_IF_ERROR(domain::ValidateReferToMaracRequest(*request, today).status());
      const std::string id = storage::NewUuid();
      CB_ASSIGN_OR_RETURN(
          std::optional<std::string> earlier,
          storage::ClaimRequestId(
              tx, call.principal.user_id, call.method, request->request_id(),
              domain::CaseChildResourceName(scope.ref.id, kReferrals, id),
              RequestFingerprint(*request)));
      if (earlier.has_value()) {
        // A retry: the referral the first call recorded, its actions as they
        // are now.
        absl::StatusOr<domain::CaseChildName> first =
            domain::ParseCaseChildName(*earlier, kReferrals, "request_id");
        std::optional<storage::MaracReferralRecord> record;
        if (first.ok() && first->case_key.id == scope.ref.id) {
          CB_ASSIGN_OR_RETURN(
              record, actions_.GetMaracReferral(tx, scope.ref.id, first->child_id));
        }
        if (!record.has_value()) {
          return absl::FailedPreconditionError(
              "request_id was used for a MARAC referral of another case");
        }
        for (const std::string& action_id : record->action_ids) {
          CB_ASSIGN_OR_RETURN(std::optional<SafeguardingActionRow> row,
                              actions_.Get(tx, scope.ref.id, action_id, today));
          if (row.has_value()) *response->add_actions() = std::move(row->action);
        }
        for (const std::string& action_id : record->completed_action_ids) {
          response->add_completed_referral_actions(
              domain::CaseChildResourceName(scope.ref.id, kActions, action_id));
        }
        call.AddResource(record->referral.name());
        *response->mutable_referral() = std::move(record->referral);
        call.DisclosesCaseContent();
        return absl::OkStatus();
      }

      // The case lock, not just LockCaseFacts' shared one: completing a
      // partner's last action may end its share (EndShareWithoutWork), which
      // must not race an action being created for that partner.
      CB_RETURN_IF_ERROR(storage::CaseRepository().Lock(tx, scope.ref.id).status());
      CB_ASSIGN_OR_RETURN(domain::SafeguardingCaseFacts facts,
                          actions_.LockCaseFacts(tx, scope.ref.id));
      // The kind of every agency the actions name (absent: no such agency).
      absl::flat_hash_map<std::string, v1::AgencyKind> kinds;
      for (const v1::SafeguardingAction& a : request->actions()) {
        absl::StatusOr<std::string> agency_id =
            domain::ParseTopLevelName(a.assigned_agency(), "agencies", "actions");
        if (!agency_id.ok() || kinds.contains(domain::AgencyName(*agency_id))) continue;
        absl::StatusOr<v1::Agency> agency = identities_.GetAgency(tx, *agency_id);
        if (agency.ok()) kinds[domain::AgencyName(*agency_id)] = agency->kind();
      }
      CB_ASSIGN_OR_RETURN(std::vector<SafeguardingActionRow> existing,
                          actions_.ListForCase(tx, scope.ref.id, today, /*lock=*/true));
      std::vector<domain::SafeguardingActionFacts> existing_facts;
      for (const SafeguardingActionRow& row : existing) {
        existing_facts.push_back(row.Facts());
      }
      CB_ASSIGN_OR_RETURN(domain::MaracReferralPlan plan,
                          domain::PlanMaracReferral(*request, facts, kinds,
                                                    existing_facts, ContextOf(call)));

      std::vector<std::string> action_ids;
      for (size_t i = 0; i < plan.new_actions.size(); ++i) {
        action_ids.push_back(storage::NewUuid());
      }
      plan.referral.set_name(domain::CaseChildResourceName(scope.ref.id, kReferrals, id));
      CB_ASSIGN_OR_RETURN(
          v1::MaracReferral referral,
          actions_.InsertMaracReferral(tx, scope.ref.id, id, plan.referral, action_ids,
                                       plan.referral_actions_to_complete));
      call.AddResource(referral.name());
      timeline_.Append(
          tx,
          TimelineEntryFor(
              call, scope.ref.id, v1::TIMELINE_ENTRY_KIND_MARAC_REFERRAL,
              absl::StrCat("Referred to MARAC for the conference on ",
                           domain::FormatDay(*domain::ToCivilDay(referral.marac_date()))),
              referral.name()));

      for (size_t i = 0; i < plan.new_actions.size(); ++i) {
        CB_ASSIGN_OR_RETURN(
            SafeguardingActionRow row,
            StoreNewAction(call, tx, scope, action_ids[i], plan.new_actions[i], id,
                           absl::StrCat("actions[", i, "].assigned_user")));
        *response->add_actions() = std::move(row.action);
      }
      // Before the completions below, which add "shares" when one ends.
      call.RecordChange({"marac_referrals", "safeguarding_actions"}, "", "");
      for (const std::string& action_id : plan.referral_actions_to_complete) {
        auto current = std::find_if(existing.begin(), existing.end(),
                                    [&](const SafeguardingActionRow& row) {
                                      return row.Facts().id == action_id;
                                    });
        if (current == existing.end()) {
          return absl::InternalError("a MARAC referral action to complete vanished");
        }
        CB_ASSIGN_OR_RETURN(domain::SafeguardingChange change,
                            domain::CompleteSafeguardingActionByMaracReferral(
                                current->action, referral, ContextOf(call)));
        CB_ASSIGN_OR_RETURN(SafeguardingActionRow row,
                            actions_.Update(tx, *current, change, today));
        AppendTimeline(call, tx, timeline_, row, change.entry);
        CB_RETURN_IF_ERROR(EndShareWithoutWork(call, tx, row));
        call.AddResource(row.action.name());
        response->add_completed_referral_actions(row.action.name());
      }
      *response->mutable_referral() = std::move(referral);
      call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

grpc::Status SafeguardingServiceImpl::ListMyWork(grpc::ServerContext* context,
                                                 const v1::ListMyWorkRequest* request,
                                                 v1::ListMyWorkResponse* response) {
  return runner_->Run(context, Method("ListMyWork"), *request, response, [&](CallContext& call) {
    CB_RETURN_IF_ERROR(domain::AuthorizeAction(call.principal, Action::kListMyWork));
    CB_ASSIGN_OR_RETURN(domain::SafeguardingListQuery query,
                        domain::ParseListMyWorkRequest(*request, call.principal));
    const absl::CivilDay today = domain::UkDay(call.now);
    return runner_->Read(call, [&](storage::Tx& tx) -> absl::Status {
      CB_ASSIGN_OR_RETURN(
          storage::Page<SafeguardingActionRow> page,
          actions_.ListMyWork(tx, call.principal.agency_id, query, today));
      for (const SafeguardingActionRow& row : page.items) {
        const v1::CaseView view = ListedView(call, row);
        if (view == v1::CASE_VIEW_UNSPECIFIED) continue;
        call.AddListedCase(row.case_id);
        call.AddResource(row.action.name());
        v1::MyWorkItem* item = response->add_items();
        *item = domain::MakeMyWorkItem(row.action, row.action.case_reference(),
                                       row.case_risk_level, today);
      }
      if (page.next.has_value()) {
        response->set_next_page_token(
            domain::EncodePageToken(*page.next, query.query_text));
      }
      if (response->items_size() > 0) call.DisclosesCaseContent();
      return absl::OkStatus();
    });
  });
}

absl::StatusOr<std::vector<std::string>> CancelVictimServiceActionsOnOptOut(
    const CallContext& call, storage::Tx& tx, const CaseScope& scope,
    absl::string_view opt_out_reason) {
  storage::SafeguardingRepository actions;
  storage::TimelineRepository timeline;
  const absl::CivilDay today = domain::UkDay(call.now);
  CB_ASSIGN_OR_RETURN(std::vector<SafeguardingActionRow> rows,
                      actions.ListForCase(tx, scope.ref.id, today, /*lock=*/true));
  std::vector<domain::SafeguardingActionFacts> facts;
  for (const SafeguardingActionRow& row : rows) facts.push_back(row.Facts());
  const std::vector<std::string> to_cancel =
      domain::SafeguardingActionsToCancelOnOptOut(facts);
  std::vector<std::string> cancelled;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (std::find(to_cancel.begin(), to_cancel.end(), facts[i].id) == to_cancel.end()) {
      continue;
    }
    CB_ASSIGN_OR_RETURN(domain::SafeguardingChange change,
                        domain::CancelSafeguardingActionForOptOut(
                            rows[i].action, opt_out_reason, ContextOf(call)));
    CB_ASSIGN_OR_RETURN(SafeguardingActionRow row,
                        actions.Update(tx, rows[i], change, today));
    AppendTimeline(call, tx, timeline, row, change.entry);
    cancelled.push_back(row.action.name());
  }
  return cancelled;
}

}  // namespace casebridge::services
