#ifndef CASEBRIDGE_DOMAIN_CASE_VALIDATION_H_
#define CASEBRIDGE_DOMAIN_CASE_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/common.pb.h"

namespace casebridge::domain {

// Input checks for the case record. Each returns the first problem as
// INVALID_ARGUMENT naming the field by its path under `prefix`
// (e.g. "case.victim.safe_contact.email"). Output-only fields are ignored.

inline constexpr int kMaxSuspects = 20;
inline constexpr int kMaxProtectedPersons = 50;
inline constexpr int kMaxAliases = 20;
inline constexpr size_t kMaxRequestIdLength = 100;

absl::Status ValidatePerson(absl::string_view prefix, const v1::Person& person,
                            const v1::Date& today);

// Create and update (after the mask is applied) check the same things: a
// victim with a name, people, enums, text lengths, SPO consideration.
absl::Status ValidateCaseContent(absl::string_view prefix, const v1::Case& c,
                                 const v1::Date& today);

// An incident as a victim reports it: occur_time required and not in the
// future; everything else optional but bounded.
absl::Status ValidateIncident(absl::string_view prefix, const v1::Incident& i,
                              absl::Time now);

absl::Status ValidateRequestId(absl::string_view request_id);

// Whether police may share the case explicitly with an agency of `kind`
// while the case's victim-services referral is in `victim_services_state`.
// An opt-out stops every share with a victim service, so none is made while
// it stands: FAILED_PRECONDITION saying the victim opted out (the victim can
// self-refer, which records a REFERRED state and the referral's share).
absl::Status CheckExplicitShare(v1::AgencyKind kind,
                                v1::VictimServicesReferralState victim_services_state);

}  // namespace casebridge::domain

#endif  // CASEBRIDGE_DOMAIN_CASE_VALIDATION_H_
