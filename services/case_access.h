#ifndef CASEBRIDGE_SERVICES_CASE_ACCESS_H_
#define CASEBRIDGE_SERVICES_CASE_ACCESS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "casebridge/v1/admin.pb.h"
#include "casebridge/v1/common.pb.h"
#include "domain/access_policy.h"
#include "domain/resource_names.h"
#include "google/protobuf/message.h"
#include "services/rpc_runner.h"
#include "storage/case_repository.h"
#include "storage/database.h"

namespace casebridge::services {

// A case the caller named, resolved and authorized for one action.
struct CaseScope {
  storage::CaseRef ref;
  domain::Relationship relationship = domain::Relationship::kNotShared;
  // The view to redact responses to (UNSPECIFIED for content-free actions).
  v1::CaseView view = v1::CASE_VIEW_UNSPECIFIED;
};

domain::Relationship RelationshipTo(const domain::Principal& principal,
                                    const storage::CaseRef& ref);

// The gate every case-scoped handler goes through: resolves the case by id
// or reference, records it on the call's audit event (refusals included),
// and asks the policy table. A case that does not exist and a case the
// caller may not see are the same NOT_FOUND; a visible case with a forbidden
// act is PERMISSION_DENIED.
absl::StatusOr<CaseScope> AuthorizeCase(CallContext& call, storage::Tx& tx,
                                        const domain::CaseKey& key,
                                        domain::Action action);

// Re-asks the policy for an action on a resource inside an already resolved
// case, with a relationship to that resource (e.g. kAssignedAgency for a
// safeguarding action assigned to the caller's agency).
absl::StatusOr<v1::CaseView> AuthorizeWithin(const CallContext& call,
                                             const CaseScope& scope,
                                             domain::Relationship relationship,
                                             domain::Action action);

// A stored user as the policy table sees it (user, agency, kind, roles), to
// decide what someone other than the caller may do: be the officer in charge
// of a case, work on a safeguarding action assigned to them.
domain::Principal PrincipalOfUser(const v1::User& user);

// Whether a case name given in a request (by id or by reference, however
// the caller wrote it) names the resolved case.
bool IsCaseOf(const domain::CaseKey& key, const storage::CaseRef& ref);

// FAILED_PRECONDITION when the case is closed: nothing is added to or
// changed in a closed case until it is reopened.
absl::Status RequireOpenCase(const CaseScope& scope);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_CASE_ACCESS_H_
