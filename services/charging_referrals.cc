#include "services/charging_referrals.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "domain/charging_progress.h"
#include "domain/charging_validation.h"
#include "domain/dates.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "domain/status_macros.h"
#include "domain/validation.h"
#include "storage/case_repository.h"
#include "storage/crypto.h"
#include "storage/identity_repository.h"
#include "storage/share_repository.h"
#include "storage/timeline_repository.h"

namespace casebridge::services {
namespace {

constexpr absl::string_view kAgencyPrefix = "agencies/";

// Why the CPS may see the case (DPA 2018 s.35 and Part 3; the Director's
// Guidance on Charging: police may not charge stalking themselves).
constexpr char kSharePurpose[] =
    "Charging decision: the CPS decides charge in stalking and harassment "
    "cases (Director's Guidance on Charging)";
constexpr char kShareLawfulBasis[] =
    "Data Protection Act 2018 Part 3 (law enforcement processing); Crime and "
    "Disorder Act 1998 s.115";

// "Charging file submitted to CPS West Midlands: FULL_FILE, RED".
std::string OpenedSummary(const v1::ChargingFile& file, const v1::Agency& cps) {
  const std::string what = absl::StrCat(
      domain::ShortEnumName(v1::ChargingFileKind_descriptor(), file.kind()), ", ",
      domain::ShortEnumName(v1::ChargingUrgency_descriptor(), file.urgency()));
  if (file.origin() == v1::CHARGING_ORIGIN_SPO_BREACH) {
    return absl::StrCat("SPO breach referred to ", cps.display_name(),
                        " for charging: ", what);
  }
  return absl::StrCat("Charging file submitted to ", cps.display_name(), ": ", what);
}

}  // namespace

absl::StatusOr<v1::Agency> CpsAreaOf(storage::Tx& tx, absl::string_view force_agency_id) {
  storage::IdentityRepository identities;
  CB_ASSIGN_OR_RETURN(v1::Agency force, identities.GetAgency(tx, force_agency_id));
  absl::string_view cps = force.prosecuting_agency();
  if (!absl::ConsumePrefix(&cps, kAgencyPrefix) || cps.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        force.display_name(), " (", force.name(),
        ") has no CPS area to refer charging files to: an administrator must "
        "set the force's prosecuting_agency"));
  }
  return identities.GetAgency(tx, cps);
}

absl::StatusOr<std::vector<v1::Person>> CaseSuspects(CallContext& call, storage::Tx& tx,
                                                     absl::string_view case_id) {
  storage::CaseRepository cases;
  CB_ASSIGN_OR_RETURN(v1::Case c,
                      cases.Get(tx, case_id, domain::FormatDay(domain::UkDay(call.now))));
  return std::vector<v1::Person>(c.suspects().begin(), c.suspects().end());
}

absl::Status ShareWithCpsArea(CallContext& call, storage::Tx& tx,
                              absl::string_view case_id, const v1::Agency& cps,
                              absl::string_view file_name) {
  storage::ShareInput share;
  share.case_id = std::string(case_id);
  share.agency_id = cps.name().substr(kAgencyPrefix.size());
  share.basis = v1::SHARE_BASIS_CHARGING_REFERRAL;
  share.purpose = kSharePurpose;
  share.lawful_basis = kShareLawfulBasis;
  share.source = std::string(file_name);
  share.actor_id = call.principal.user_id;
  share.now = call.now;
  storage::ShareRepository shares;
  CB_ASSIGN_OR_RETURN(bool shared, shares.EnsureShare(tx, share));
  if (shared) {
    // As SharingService records a share: for the owning force.
    storage::TimelineRepository timeline;
    timeline.Append(tx, TimelineEntryFor(call, case_id, v1::TIMELINE_ENTRY_KIND_SHARED,
                                         absl::StrCat("Shared with ", cps.display_name(),
                                                      " (charging referral)"),
                                         file_name));
  }
  return absl::OkStatus();
}

absl::StatusOr<storage::StoredChargingFile> OpenChargingFile(
    CallContext& call, storage::Tx& tx, const CaseScope& scope, absl::string_view file_id,
    absl::FunctionRef<
        absl::StatusOr<v1::ChargingFile>(absl::Span<const v1::Person> case_suspects)>
        make) {
  CB_ASSIGN_OR_RETURN(std::vector<v1::Person> suspects,
                      CaseSuspects(call, tx, scope.ref.id));
  CB_ASSIGN_OR_RETURN(v1::ChargingFile file, make(suspects));
  CB_ASSIGN_OR_RETURN(v1::Agency cps, CpsAreaOf(tx, scope.ref.owner_agency_id));
  const std::string cps_id = cps.name().substr(kAgencyPrefix.size());

  storage::ChargingRepository files;
  CB_RETURN_IF_ERROR(files.Insert(tx, scope.ref.id, file_id, cps_id, file));
  const std::string name =
      domain::CaseChildResourceName(scope.ref.id, "chargingFiles", file_id);
  const std::string summary = OpenedSummary(file, cps);
  files.AppendHistory(tx, file_id, call.now,
                      file.origin() == v1::CHARGING_ORIGIN_SPO_BREACH
                          ? "OPEN_SPO_BREACH_REFERRAL"
                          : "SUBMIT",
                      v1::CHARGING_FILE_STATE_UNSPECIFIED, file.state(),
                      domain::UserName(call.principal.user_id), summary);

  // Partners never see charging; of the CPS, only the file's own area does.
  storage::TimelineRepository timeline;
  storage::TimelineEntryInput entry =
      TimelineEntryFor(call, scope.ref.id, v1::TIMELINE_ENTRY_KIND_CHARGING, summary,
                       name);
  entry.agency_id = cps.name().substr(kAgencyPrefix.size());
  timeline.Append(tx, entry);
  CB_RETURN_IF_ERROR(ShareWithCpsArea(call, tx, scope.ref.id, cps, name));
  CB_ASSIGN_OR_RETURN(std::optional<storage::StoredChargingFile> stored,
                      files.Get(tx, scope.ref.id, file_id, false));
  if (!stored.has_value()) {
    return absl::InternalError("the charging file just stored is missing");
  }
  return *std::move(stored);
}

absl::StatusOr<v1::ChargingFile> OpenSpoBreachReferral(
    CallContext& call, storage::Tx& tx, const CaseScope& scope,
    const domain::SpoBreachReferral& referral) {
  CB_ASSIGN_OR_RETURN(domain::CaseChildName order,
                      domain::ParseCaseChildName(referral.source_order,
                                                 "protectionOrders", "source_order"));
  if (!IsCaseOf(order.case_key, scope.ref)) {
    return domain::FieldError(
        "source_order",
        absl::StrCat("must be an order of ", domain::CaseName(scope.ref.id)));
  }
  const domain::ChargingClock clock{call.now};
  CB_ASSIGN_OR_RETURN(storage::StoredChargingFile stored,
                      OpenChargingFile(call, tx, scope, storage::NewUuid(),
                                       [&](absl::Span<const v1::Person> suspects) {
                                         return domain::NewSpoBreachReferral(
                                             referral, suspects, clock);
                                       }));
  call.AddResource(stored.file.name());
  v1::ChargingFile file = std::move(stored.file);
  *file.mutable_progress() = domain::ComputeChargingProgress(file, clock);
  return file;
}

}  // namespace casebridge::services
