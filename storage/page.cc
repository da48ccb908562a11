#include "storage/page.h"

#include "absl/strings/numbers.h"
#include "domain/resource_names.h"

namespace casebridge::storage {

absl::Status CursorParams(Params& p, const std::optional<domain::PageCursor>& after) {
  if (!after.has_value()) {
    p.Null().Null();
    return absl::OkStatus();
  }
  int64_t micros;
  if (!absl::SimpleAtoi(after->sort_key, &micros) || !domain::IsUuid(after->id)) {
    return domain::InvalidPageToken();
  }
  p.Time(absl::FromUnixMicros(micros)).Text(after->id);
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
