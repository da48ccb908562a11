#ifndef CASEBRIDGE_STORAGE_TIMELINE_REPOSITORY_H_
#define CASEBRIDGE_STORAGE_TIMELINE_REPOSITORY_H_

#include <optional>
#include <string>

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
  // domain::kTimeline* bits: which views may see the entry.
  int views = 0;
  // An entry about one agency's work (a safeguarding action assigned to it,
  // a charging file of its CPS area): among the views in `views`, only that
  // agency sees it, except the full (police) view, which sees all. Empty:
  // every agency whose view is in `views`.
  std::string agency_id;
};

// The case timeline: every service appends what happened, in the write's
// own transaction; readers get the entries their view may see.
class TimelineRepository {
 public:
  void Append(Tx& tx, const TimelineEntryInput& entry) const;

  // Oldest first. `view_bit` is domain::TimelineBit(view); `agency_id` is
  // the reader's agency (for agency-restricted entries).
  absl::StatusOr<Page<v1::TimelineEntry>> List(
      Tx& tx, absl::string_view case_id, int view_bit,
      absl::string_view agency_id,
      const std::optional<domain::PageCursor>& after, int limit) const;
};

}  // namespace casebridge::storage

#endif  // CASEBRIDGE_STORAGE_TIMELINE_REPOSITORY_H_
