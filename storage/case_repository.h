#ifndef CASEBRIDGE_STORAGE_CASE_REPOSITORY_H_
#define CASEBRIDGE_STORAGE_CASE_REPOSITORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/cases.pb.h"
#include "domain/case_pattern.h"
#include "domain/list_query.h"
#include "domain/resource_names.h"
#include "storage/database.h"
#include "storage/page.h"

namespace casebridge::storage {

// A case as the access gate needs it: identity, owner, and whether it is
// shared with the caller's agency.
struct CaseRef {
  std::string id;
  std::string reference;
  std::string owner_agency_id;
  bool shared_with_caller = false;
  v1::CaseStatus status = v1::CASE_STATUS_UNSPECIFIED;
  int64_t version = 0;
  v1::RiskLevel risk_level = v1::RISK_LEVEL_UNSPECIFIED;
};

// The case row as CaseRepository::Lock read it, under its lock.
struct LockedCase {
  int64_t version = 0;
  v1::VictimServicesReferralState victim_services_state =
      v1::VICTIM_SERVICES_REFERRAL_STATE_UNSPECIFIED;
};

struct CaseListFilter {
  int status = 0;
  int risk_level = 0;
  std::string officer_id;
  std::string shared_with_agency_id;
  std::optional<bool> has_active_order;
  absl::Time updated_since = absl::InfinitePast();
  std::string reference;
};

// What UpdateCase may change, already merged and validated.
struct CaseUpdate {
  std::string officer_id;  // Empty: none.
  std::string summary;
  v1::Relationship relationship = v1::RELATIONSHIP_UNSPECIFIED;
  v1::StalkerTypology typology = v1::STALKER_TYPOLOGY_UNSPECIFIED;
  std::optional<v1::SpoConsideration> spo;  // Set: record anew.
  std::string lawful_basis_notes;
  bool replace_victim = false;
  bool replace_suspects = false;
  bool replace_protected_persons = false;
};

// A case as its responses show it, before the pattern and the view.
struct LoadedCase {
  v1::Case c;  // As CaseRepository::Get.
  std::vector<domain::IncidentFacts> incidents;
  // A protection order of the case has a notification still open after its
  // due time (ProtectionOrderRepository::WithOpenNotificationsDueBefore
  // would find it).
  bool has_overdue_notification = false;
};

// Every address ever restricted on these cases (bare ids), current and
// former (migration 0017), in one statement; every address once: what the runner keeps out of what
// agencies outside the police read and write (domain/visibility.h). Throws
// like any statement.
std::vector<std::string> RestrictedAddressesOfCases(Tx& tx,
                                                    const std::vector<std::string>& case_ids);

// The case record: cases, people, incidents, risk assessments, flags.
class CaseRepository {
 public:
  // By id or reference; nullopt when no such case.
  absl::StatusOr<std::optional<CaseRef>> Resolve(
      Tx& tx, const domain::CaseKey& key, absl::string_view caller_agency_id) const;

  // Locks the case row (FOR NO KEY UPDATE) until the transaction ends and reads what
  // writes serialize on. Writes that decide on the case's state and then
  // change what depends on it (orders and the active-order columns; the
  // victim-services referral and the shares it governs) take it first, so
  // a concurrent write of the same kind waits and then sees the result.
  // NOT_FOUND when no such case.
  absl::StatusOr<LockedCase> Lock(Tx& tx, absl::string_view id) const;

  // Next reference of a force for a year, e.g. SP-2026-000124.
  absl::StatusOr<std::string> NextReference(Tx& tx, absl::string_view agency_id,
                                            absl::string_view force_code,
                                            int year) const;

  absl::Status Insert(Tx& tx, absl::string_view id, absl::string_view reference,
                      absl::string_view owner_agency_id,
                      absl::string_view officer_id, const v1::Case& input,
                      absl::string_view actor_id, absl::Time now) const;

  // The stored case with its people and raised flags (no pattern, no view).
  // `today` decides whether an order is still active.
  absl::StatusOr<v1::Case> Get(Tx& tx, absl::string_view id,
                               absl::string_view today) const;

  // Get, the facts of the case's incidents and whether a notification of
  // one of its protection orders is overdue at `now`: what a case response
  // derives from, in one statement (one round trip, one snapshot).
  absl::StatusOr<LoadedCase> Load(Tx& tx, absl::string_view id,
                                  absl::string_view today, absl::Time now) const;

  absl::StatusOr<Page<v1::Case>> List(
      Tx& tx, absl::string_view caller_agency_id, const CaseListFilter& filter,
      const std::optional<domain::PageCursor>& after, int limit,
      absl::string_view today) const;

  // ABORTED when `expected_version` is stale. Returns the new version.
  absl::StatusOr<int64_t> Update(Tx& tx, absl::string_view id,
                                 int64_t expected_version,
                                 const CaseUpdate& update, const v1::Case& input,
                                 absl::string_view actor_id, absl::Time now) const;
  absl::StatusOr<int64_t> SetStatus(Tx& tx, absl::string_view id,
                                    int64_t expected_version,
                                    v1::CaseStatus status, absl::string_view reason,
                                    absl::Time now) const;
  absl::StatusOr<int64_t> SetVictimServicesReferral(
      Tx& tx, absl::string_view id, int64_t expected_version,
      v1::VictimServicesReferralState state, absl::string_view agency_id,
      absl::string_view reason, absl::string_view actor_id, absl::Time now) const;
  // After a risk assessment is stored: the case's level becomes that of its
  // latest assessment by (assess_time, id), so an older assessment entered
  // late (a backdated paper form) never overrides a newer one. Locks the
  // case row first, so concurrent assessments of one case settle on the
  // latest whichever commits last. The new version when the level changed
  // (the case's etag moves), nullopt when it stayed as it was.
  absl::StatusOr<std::optional<int64_t>> FollowLatestRiskAssessment(
      Tx& tx, absl::string_view id, absl::Time now) const;

  // Incidents.
  absl::StatusOr<v1::Incident> InsertIncident(Tx& tx, absl::string_view case_id,
                                              absl::string_view id,
                                              const v1::Incident& input,
                                              absl::string_view actor_id,
                                              absl::Time now) const;
  absl::StatusOr<std::optional<v1::Incident>> GetIncident(
      Tx& tx, absl::string_view case_id, absl::string_view id) const;
  absl::StatusOr<Page<v1::Incident>> ListIncidents(
      Tx& tx, absl::string_view case_id, int behaviour, absl::Time after_time,
      absl::Time before_time, const std::optional<domain::PageCursor>& after,
      int limit) const;
  // Writes every field of `incident`; ABORTED when the version is stale.
  absl::StatusOr<v1::Incident> UpdateIncident(Tx& tx, absl::string_view case_id,
                                              absl::string_view id,
                                              int64_t expected_version,
                                              const v1::Incident& incident,
                                              absl::Time now) const;

  // Risk assessments (append-only).
  absl::StatusOr<v1::RiskAssessment> InsertRiskAssessment(
      Tx& tx, absl::string_view case_id, absl::string_view id,
      const v1::RiskAssessment& assessment, absl::string_view actor_id,
      absl::Time now) const;
  absl::StatusOr<std::optional<v1::RiskAssessment>> GetRiskAssessment(
      Tx& tx, absl::string_view case_id, absl::string_view id) const;
  absl::StatusOr<Page<v1::RiskAssessment>> ListRiskAssessments(
      Tx& tx, absl::string_view case_id,
      const std::optional<domain::PageCursor>& after, int limit) const;

  // Flags.
  absl::StatusOr<v1::CaseFlag> InsertFlag(Tx& tx, absl::string_view case_id,
                                          absl::string_view id, v1::FlagType type,
                                          absl::string_view reason,
                                          absl::string_view actor_id,
                                          absl::Time now) const;
  // NOT_FOUND when no such flag; FAILED_PRECONDITION when already cleared.
  absl::StatusOr<v1::CaseFlag> ClearFlag(Tx& tx, absl::string_view case_id,
                                         absl::string_view id,
                                         absl::string_view reason,
                                         absl::string_view actor_id,
                                         absl::Time now) const;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_CASE_REPOSITORY_H_
