#ifndef CASEBRIDGE_SERVICES_CHARGING_REFERRALS_H_
#define CASEBRIDGE_SERVICES_CHARGING_REFERRALS_H_

#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "casebridge/v1/cases.pb.h"
#include "casebridge/v1/charging.pb.h"
#include "casebridge/v1/common.pb.h"
#include "domain/charging_file.h"
#include "services/case_access.h"
#include "services/rpc_runner.h"
#include "storage/charging_repository.h"
#include "storage/database.h"

namespace casebridge::services {

// Opening a charging file, whoever opens it: police submitting one
// (ChargingService.SubmitChargingFile) or the system referring a breach of a
// Stalking Protection Order to the CPS (the protection order service's
// RecordBreach, through OpenSpoBreachReferral). Either way, inside the
// caller's transaction: the file is referred to the owning force's CPS area,
// stored, the case is shared with that area (basis CHARGING_REFERRAL, so its
// prosecutors read the prosecution view) and the timeline says so (police
// and CPS views only: partners never see charging).

// The owning force's CPS area (Agency.prosecuting_agency). A force without
// one is FAILED_PRECONDITION naming the fix: an administrator sets it.
absl::StatusOr<v1::Agency> CpsAreaOf(storage::Tx& tx, absl::string_view force_agency_id);

// Shares the case with the CPS area on the basis CHARGING_REFERRAL (source:
// the file) unless it already is on that basis, and records a new share on
// the timeline. Submitting the full file refers the case again this way.
absl::Status ShareWithCpsArea(CallContext& call, storage::Tx& tx,
                              absl::string_view case_id, const v1::Agency& cps,
                              absl::string_view file_name);

// The case's suspects (Case.suspects, in order): charging files name them
// by position.
absl::StatusOr<std::vector<v1::Person>> CaseSuspects(CallContext& call, storage::Tx& tx,
                                                     absl::string_view case_id);

// Builds the file from the case's suspects (domain::NewChargingFile or
// NewSpoBreachReferral), then refers, stores, shares and records it as above.
// `scope` is the case, already authorized by the caller. Returns the stored
// file (name, etag; progress as of call.now). Does not touch the call's
// audit change record: the caller's RPC owns it.
absl::StatusOr<storage::StoredChargingFile> OpenChargingFile(
    CallContext& call, storage::Tx& tx, const CaseScope& scope, absl::string_view file_id,
    absl::FunctionRef<
        absl::StatusOr<v1::ChargingFile>(absl::Span<const v1::Person> case_suspects)>
        make);

// The breach -> charging referral (docs/DOMAIN.md "Stalking Protection
// Orders": a breach opens new criminal proceedings and goes to the CPS).
// Call it from RecordBreach, in its transaction, with the case scope it
// authorized (police of the owning force). `referral.source_order` must
// name an order of the same case (INVALID_ARGUMENT "source_order"
// otherwise); the suspect number is checked against the case's suspects.
// Opens the file in SUBMITTED (origin SPO_BREACH, offence SPO_BREACH) and
// returns it with its name, etag and progress, for Breach.charging_file.
absl::StatusOr<v1::ChargingFile> OpenSpoBreachReferral(
    CallContext& call, storage::Tx& tx, const CaseScope& scope,
    const domain::SpoBreachReferral& referral);

}  // namespace casebridge::services

#endif  // CASEBRIDGE_SERVICES_CHARGING_REFERRALS_H_
