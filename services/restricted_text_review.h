#ifndef CASEBRIDGE_SERVICES_RESTRICTED_TEXT_REVIEW_H_
#define CASEBRIDGE_SERVICES_RESTRICTED_TEXT_REVIEW_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "casebridge/v1/cases.pb.h"
#include "domain/restricted_address.h"
#include "storage/case_repository.h"
#include "storage/database.h"

namespace casebridge::services {

// The text already on a case that agencies outside the police read and that
// holds what `matcher` finds (a restricted address, or an identifying part
// of it): what the police are asked to rewrite once they restrict an address
// (CaseService.UpdateCase answers with it).
//
// It looks at what can be rewritten: the case record (people's notes and
// safe-contact notes, the summary), its flags, incidents, risk assessments,
// safeguarding actions, protection orders and charging files, each field as
// the visibility table marks it (free text read outside the police). The
// timeline and the histories are records of what was written and cannot be
// rewritten; they are redacted whenever someone outside the police reads
// them, like everything else.
//
// In `tx`, reading every page of each; one finding per field, in that order.
absl::StatusOr<std::vector<v1::RestrictedTextFinding>> FindRestrictedTextOnCase(
    storage::Tx& tx, const storage::CaseRef& ref,
    const domain::RestrictedAddressMatcher& matcher, absl::CivilDay today);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_RESTRICTED_TEXT_REVIEW_H_
