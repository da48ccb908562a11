#ifndef CASEBRIDGE_STORAGE_CHARGING_REPOSITORY_H_
#define CASEBRIDGE_STORAGE_CHARGING_REPOSITORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "casebridge/v1/charging.pb.h"
#include "domain/charging_progress.h"
#include "storage/database.h"

namespace casebridge::storage {

// A charging file as stored: the whole v1::ChargingFile (name, case
// reference, etag, action items with their names and etags; no progress)
// and what the service needs besides.
struct StoredChargingFile {
  v1::ChargingFile file;
  std::string id;
  std::string case_id;
  // The CPS area the file is referred to.
  std::string cps_agency_id;
  // The police force that owns the case.
  std::string owner_agency_id;
  int64_t version = 0;
  // Ids of file.superseded_decisions then file.decision, in that order.
  std::vector<std::string> decision_ids;
};

// Who is listing, and which files of theirs: those of cases their force owns
// (as_owning_force) and/or those referred to their agency as the CPS area of
// a case currently shared with it (as_cps_area). The service sets the two
// from the policy table.
struct ChargingListScope {
  std::string agency_id;
  bool as_owning_force = false;
  bool as_cps_area = false;
  // Set: only this case's files.
  std::string case_id;
};

// Charging files and everything on them (migration 0004_charging.sql). The
// domain (domain/charging_file.h) computes each change as a whole new file;
// Update writes the difference, append-only where the record is (advice,
// decisions, threshold reviews, history).
class ChargingRepository {
 public:
  // A new file (domain::NewChargingFile / NewSpoBreachReferral).
  absl::Status Insert(Tx& tx, absl::string_view case_id, absl::string_view id,
                      absl::string_view cps_agency_id,
                      const v1::ChargingFile& file) const;

  // nullopt when the case has no such file. `for_update` locks the file row
  // until the transaction ends (writes only).
  absl::StatusOr<std::optional<StoredChargingFile>> Get(Tx& tx, absl::string_view case_id,
                                                        absl::string_view id,
                                                        bool for_update) const;

  // Writes `next` (the domain's result of a change to current.file): ABORTED
  // when the file or a changed action item is no longer at the version
  // `current` was read at. New action items (empty name) get ids. Returns
  // the file's new version.
  absl::StatusOr<int64_t> Update(Tx& tx, const StoredChargingFile& current,
                                 const v1::ChargingFile& next, absl::Time now) const;

  // One line of the file's history.
  void AppendHistory(Tx& tx, absl::string_view file_id, absl::Time time,
                     absl::string_view event, v1::ChargingFileState from,
                     v1::ChargingFileState to, absl::string_view actor,
                     absl::string_view detail) const;

  // One page of the files `scope` sees that match `query` (its filter and
  // position), in the prosecutors' order (domain::ChargingFileBefore), as of
  // the UK day `today`. At most query.page_size files.
  absl::StatusOr<std::vector<StoredChargingFile>> List(
      Tx& tx, const ChargingListScope& scope, const domain::ChargingListQuery& query,
      absl::CivilDay today) const;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_CHARGING_REPOSITORY_H_
