#ifndef CASEBRIDGE_STORAGE_SAFEGUARDING_REPOSITORY_H_
#define CASEBRIDGE_STORAGE_SAFEGUARDING_REPOSITORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "casebridge/v1/safeguarding.pb.h"
#include "domain/safeguarding_actions.h"
#include "domain/safeguarding_lists.h"
#include "domain/safeguarding_schedule.h"
#include "storage/database.h"
#include "storage/page.h"

namespace casebridge::storage {

// One stored action with what the service decides on: the kind of the
// assigned agency and the case it belongs to.
struct SafeguardingActionRow {
  // As stored: name (cases/{case id}/...), case_reference, etag and every
  // field; `overdue` is set for the day the row was read for.
  v1::SafeguardingAction action;
  int64_t version = 0;
  v1::AgencyKind assigned_agency_kind = v1::AGENCY_KIND_UNSPECIFIED;
  std::string case_id;
  std::string case_owner_agency_id;
  // The case's current risk level.
  v1::RiskLevel case_risk_level = v1::RISK_LEVEL_UNSPECIFIED;

  // The scheduling facts of the action (domain::FactsOfSafeguardingAction).
  domain::SafeguardingActionFacts Facts() const;
};

// A MARAC referral as stored, with the actions it created and the
// MARAC_REFERRAL actions it completed (ids, in request order).
struct MaracReferralRecord {
  v1::MaracReferral referral;
  std::vector<std::string> action_ids;
  std::vector<std::string> completed_action_ids;
};

// Safeguarding actions, their append-only history, and MARAC referrals.
// Every write of an action writes its history entry in the same statement
// sequence (and so the same transaction): revision = the action's version.
class SafeguardingRepository {
 public:
  // The case facts the safeguarding rules need (status, current risk level,
  // victim opt-out, owning force), read FOR SHARE: an opt-out or a new risk
  // assessment committing meanwhile waits for this transaction, or is seen
  // by it. Only in read-write transactions. NOT_FOUND when no such case.
  absl::StatusOr<domain::SafeguardingCaseFacts> LockCaseFacts(
      Tx& tx, absl::string_view case_id) const;

  // Stores a new action (version 1) and its CREATE history entry. `change`
  // comes from domain::NewSafeguardingAction or PlanMaracReferral;
  // `marac_referral_id` may be empty. `today` is the UK day (for `overdue`).
  absl::StatusOr<SafeguardingActionRow> Insert(Tx& tx, absl::string_view case_id,
                                               absl::string_view id,
                                               const domain::SafeguardingChange& change,
                                               absl::string_view marac_referral_id,
                                               absl::CivilDay today) const;

  // nullopt when the case has no such action. `for_update` locks the row
  // (read-write transactions) so the change decided on it is the one made.
  absl::StatusOr<std::optional<SafeguardingActionRow>> Get(Tx& tx,
                                                           absl::string_view case_id,
                                                           absl::string_view id,
                                                           absl::CivilDay today,
                                                           bool for_update = false) const;

  // Writes `change.action` over `current` and appends `change.entry`.
  // ABORTED when the action changed since `current` was read.
  absl::StatusOr<SafeguardingActionRow> Update(Tx& tx,
                                               const SafeguardingActionRow& current,
                                               const domain::SafeguardingChange& change,
                                               absl::CivilDay today) const;

  // Every action of a case, oldest first, locked FOR UPDATE when `lock`
  // (for the opt-out and MARAC decisions, which change several at once).
  absl::StatusOr<std::vector<SafeguardingActionRow>> ListForCase(
      Tx& tx, absl::string_view case_id, absl::CivilDay today, bool lock) const;

  // ListSafeguardingActions: the actions matching `query` on cases the
  // caller's agency may see (its own force's, or actively shared with it),
  // in work order, a page after query.after. `query.case_key`, when set,
  // must carry the resolved case id (or a reference, for the case filter).
  absl::StatusOr<Page<SafeguardingActionRow>> List(
      Tx& tx, absl::string_view caller_agency_id,
      const domain::SafeguardingListQuery& query, absl::CivilDay today) const;

  // ListMyWork: the active actions assigned to the caller's agency
  // (query.agency_id) across every case it may see, in work order.
  absl::StatusOr<Page<SafeguardingActionRow>> ListMyWork(
      Tx& tx, absl::string_view caller_agency_id,
      const domain::SafeguardingListQuery& query, absl::CivilDay today) const;

  // History entries of an action after revision `after_revision`, oldest
  // first. The page cursor's sort_key is the revision.
  absl::StatusOr<Page<v1::SafeguardingActionHistoryEntry>> History(
      Tx& tx, absl::string_view action_id, int64_t after_revision, int limit) const;

  // Whether the agency has an active action on the case that another
  // agency gave it (the owning force, or a MARAC referral), as opposed to
  // work it gave itself: what keeps its SAFEGUARDING_ACTION share.
  absl::StatusOr<bool> AgencyHasWorkFromOutside(Tx& tx, absl::string_view case_id,
                                                absl::string_view agency_id) const;

  absl::StatusOr<v1::MaracReferral> InsertMaracReferral(
      Tx& tx, absl::string_view case_id, absl::string_view id,
      const v1::MaracReferral& referral, const std::vector<std::string>& action_ids,
      const std::vector<std::string>& completed_action_ids) const;
  absl::StatusOr<std::optional<MaracReferralRecord>> GetMaracReferral(
      Tx& tx, absl::string_view case_id, absl::string_view id) const;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_SAFEGUARDING_REPOSITORY_H_
