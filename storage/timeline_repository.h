#ifndef CASEBRIDGE_STORAGE_TIMELINE_REPOSITORY_H_
#define CASEBRIDGE_STORAGE_TIMELINE_REPOSITORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casebridge/v1/cases.pb.h"
#include "domain/list_query.h"
#include "storage/database.h"
#include "storage/page.h"

namespace casebridge::storage {

struct TimelineEntryInput {
  std::string case_id;
  absl::Time time;
  v1::TimelineEntryKind kind = v1::TIMELINE_ENTRY_KIND_UNSPECIFIED;
  std::string summary;
  std::string resource;
  std::string actor_user_id;
  // An entry about one agency's work (a safeguarding action assigned to it,
  // a charging file of its CPS area): of the readers its kind allows, only
  // that agency (and the police) read it. Empty: every reader its kind
  // allows.
  std::string agency_id;
};

// The case timeline: every service appends what happened, in the write's
// own transaction; readers get the entries of the kinds they may see
// (domain::TimelineKindsVisibleTo: decided when read, never stored).
class TimelineRepository {
 public:
  void Append(Tx& tx, const TimelineEntryInput& entry) const;

  // Who reads a timeline.
  struct Reader {
    // The v1::TimelineEntryKind values the reader sees.
    std::vector<int> kinds;
    // The reader's agency, for entries about one agency's work.
    std::string agency_id;
    // Reads entries about every agency's work (the police).
    bool every_agency = false;
  };
  // Oldest first.
  absl::StatusOr<Page<v1::TimelineEntry>> List(
      Tx& tx, absl::string_view case_id, const Reader& reader,
      const std::optional<domain::PageCursor>& after, int limit) const;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_TIMELINE_REPOSITORY_H_
