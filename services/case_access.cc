#include "services/case_access.h"

#include "absl/strings/str_cat.h"
#include "domain/case_view.h"
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

absl::StatusOr<const std::vector<std::string>*> RestrictedTexts::For(
    absl::string_view case_id) {
  auto it = needles_.find(case_id);
  if (it == needles_.end()) {
    storage::CaseRepository cases;
    CB_ASSIGN_OR_RETURN(std::vector<std::string> addresses,
                        cases.RestrictedAddresses(tx_, case_id));
    it = needles_
             .emplace(std::string(case_id), domain::RestrictedTextNeedles(addresses))
             .first;
  }
  return &it->second;
}

absl::Status RestrictedTexts::Apply(absl::string_view case_id, v1::CaseView view,
                                    google::protobuf::Message* message) {
  if (view == v1::CASE_VIEW_FULL) return absl::OkStatus();
  CB_ASSIGN_OR_RETURN(const std::vector<std::string>* needles, For(case_id));
  domain::ApplyRestrictedTextView(view, *needles, message);
  return absl::OkStatus();
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
