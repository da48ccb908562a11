#include "services/case_access.h"

#include "absl/strings/str_cat.h"
#include "domain/status_macros.h"

namespace casebridge::services {

domain::Relationship RelationshipTo(const domain::Principal& principal,
                                    const storage::CaseRef& ref) {
  if (principal.agency_id == ref.owner_agency_id) {
    return domain::Relationship::kOwningForce;
  }
  return ref.shared_with_caller ? domain::Relationship::kShared
                                : domain::Relationship::kNotShared;
}

absl::StatusOr<CaseScope> AuthorizeCase(CallContext& call, storage::Tx& tx,
                                        const domain::CaseKey& key,
                                        domain::Action action) {
  storage::CaseRepository cases;
  absl::StatusOr<std::optional<storage::CaseRef>> ref =
      cases.Resolve(tx, key, call.principal.agency_id);
  if (!ref.ok()) return ref.status();
  if (!ref->has_value()) {
    return absl::NotFoundError(absl::StrCat(key.display(), " not found"));
  }
  CaseScope scope;
  scope.ref = **std::move(ref);
  call.SetCase(scope.ref.id, scope.ref.reference, scope.ref.owner_agency_id);
  scope.relationship = RelationshipTo(call.principal, scope.ref);
  absl::StatusOr<v1::CaseView> view = domain::AuthorizeCaseAction(
      call.principal, scope.relationship, action, key.display());
  if (!view.ok()) return view.status();
  scope.view = *view;
  return scope;
}

absl::StatusOr<v1::CaseView> AuthorizeWithin(const CallContext& call,
                                             const CaseScope& scope,
                                             domain::Relationship relationship,
                                             domain::Action action) {
  return domain::AuthorizeCaseAction(
      call.principal, relationship, action,
      domain::CaseName(scope.ref.reference.empty() ? scope.ref.id
                                                   : scope.ref.reference));
}

domain::Principal PrincipalOfUser(const v1::User& user) {
  domain::Principal p;
  p.user_id = domain::IdOf(user.name());
  p.username = user.username();
  p.agency_id = domain::IdOf(user.agency());
  p.agency_kind = user.agency_kind();
  for (int r : user.roles()) p.roles.push_back(static_cast<v1::Role>(r));
  return p;
}

bool IsCaseOf(const domain::CaseKey& key, const storage::CaseRef& ref) {
  return key.by_reference() ? key.reference == ref.reference : key.id == ref.id;
}

absl::Status RequireOpenCase(const CaseScope& scope) {
  if (scope.ref.status == v1::CASE_STATUS_CLOSED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "case ", scope.ref.reference, " is CLOSED; reopen it (ReopenCase) first"));
  }
  return absl::OkStatus();
}

}  // namespace casebridge::services
