#include "storage/page.h"

#include "domain/resource_names.h"

namespace casebridge::storage {

absl::Status CursorParams(Params& p, const std::optional<domain::PageCursor>& after) {
  if (!after.has_value()) {
    p.Null().Null();
    return absl::OkStatus();
  }
  if (!domain::IsUuid(after->id)) return domain::InvalidPageToken();
  absl::StatusOr<absl::Time> position = domain::CursorTime(after->sort_key);
  if (!position.ok()) return position.status();
  p.Time(*position).Text(after->id);
  return absl::OkStatus();
}

absl::Status TextCursorParams(Params& p,
                              const std::optional<domain::PageCursor>& after) {
  if (!after.has_value()) {
    p.Null().Null();
    return absl::OkStatus();
  }
  if (!domain::IsUuid(after->id)) return domain::InvalidPageToken();
  p.Text(after->sort_key).Text(after->id);
  return absl::OkStatus();
}

}  // namespace casebridge::storage
